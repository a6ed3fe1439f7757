"""A forum's open meeting as commands ask for it: the one going on, and whether the asker
chairs it. Shared by the meeting, action and escalation commands."""

from __future__ import annotations

from commands.core.errors import CommandError
from commands.core.request import Request
from storage.models import Forum, Meeting


def open_meeting(req: Request, forum: Forum) -> Meeting:
    meeting = req.store.meetings.open(forum)
    if meeting is None:
        raise CommandError("error.no_meeting", hint_key="hint.meeting_start", forum=forum.name)
    return meeting


def _chairs(req: Request, meeting: Meeting) -> bool:
    me = req.store.known_me()
    return me is not None and me.id in {c.person_id for c in req.store.meetings.chairs(meeting)}


def chaired_meeting(req: Request, forum: Forum) -> Meeting:
    """The open meeting, if the speaker chairs it."""
    meeting = open_meeting(req, forum)
    if not _chairs(req, meeting):
        raise CommandError("error.not_chair", hint_key="hint.chair", number=meeting.number)
    return meeting


def chaired_by_me(req: Request, forum: Forum) -> bool:
    """Whether the speaker chairs the forum's open meeting."""
    meeting = req.store.meetings.open(forum)
    return meeting is not None and _chairs(req, meeting)

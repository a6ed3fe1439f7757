"""The minutes of one meeting, compiled from the database as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commands.situation.picture import Picture, sort_key
from storage import Store
from storage.models import ItemKind, Meeting


@dataclass(frozen=True)
class Entry:
    kind: str  # ItemKind value
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Section:
    """An agenda topic and the items under it (``topic`` None: before the first topic)."""

    topic: str | None
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Minutes:
    forum: str
    number: int
    title: str
    mode: str
    timezone: str
    started_at: datetime
    ended_at: datetime | None
    closed_automatically: bool
    chairs: list[str]
    attendance: list[tuple[str, list[str]]]  # organisation (or "" for none), people
    sections: list[Section]
    picture: Picture | None = None


def compile_minutes(store: Store, meeting: Meeting, picture: Picture | None) -> Minutes:
    forum = store.forums.get(meeting.forum_id)
    assert forum is not None
    items = [item for item in store.meetings.items(meeting) if item.removed_at is None]
    chairs = store.meetings.chairs(meeting)
    attendees = store.meetings.attendees(meeting)
    people = store.people.by_ids(
        [item.person_id for item in items]
        + [chair.person_id for chair in chairs]
        + [attendee.person_id for attendee in attendees]
    )
    organisations = store.organisations.by_ids(
        [a.organisation_id for a in attendees if a.organisation_id is not None]
    )

    def name(person_id: int) -> str:
        person = people.get(person_id)
        return person.display_name if person else "?"

    by_organisation: dict[str, list[str]] = {}
    for attendee in attendees:
        organisation = organisations.get(attendee.organisation_id or 0)
        by_organisation.setdefault(organisation.name if organisation else "", []).append(
            name(attendee.person_id)
        )
    attendance = sorted(
        ((org, sorted(names, key=sort_key)) for org, names in by_organisation.items()),
        key=lambda pair: (pair[0] == "", sort_key(pair[0])),
    )
    sections: list[Section] = [Section(None)]
    for item in items:
        if item.kind is ItemKind.TOPIC:
            sections.append(Section(item.text))
            continue
        sections[-1].entries.append(
            Entry(item.kind.value, item.text, name(item.person_id), item.at)
        )
    if not sections[0].entries:
        sections.pop(0)
    return Minutes(
        forum=forum.name,
        number=meeting.number,
        title=meeting.title,
        mode=meeting.mode.value,
        timezone=forum.timezone,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        closed_automatically=meeting.closed_automatically,
        chairs=[name(chair.person_id) for chair in chairs],
        attendance=attendance,
        sections=sections,
        picture=picture,
    )

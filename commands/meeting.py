"""``!möte``: the host documents a forum's meeting in its channel, MeetBot-style.

``!möte start`` opens it (the starter chairs it) and posts the forum's standing agenda for its
mode (commands/minutes/agenda.py), numbered; ``!punkt nästa`` (or an item's number or title)
moves through it, saying which item of how many ("Punkt 3 av 6: Aktörsrapportering");
``!punkt``, ``!info`` and ``!överenskommelse`` (alias ``!beslut``: in chefsgrupp a decision)
add to the notes under the current agenda item; ``!ångra`` takes the last item back;
``!ordförande`` adds a co-chair; ``!närvarande`` records attendance (everyone who runs a
command during the meeting is recorded too); ``!möte slut`` closes it, closes the meeting's
round of situation reports and posts the minutes with the joint picture;
``!minnesanteckningar [nr]`` (alias ``!protokoll``) shows a meeting's minutes. The model
keeps *minnesanteckningar*, not *protokoll*, and its forums agree, they do not decide
(commands/minutes/kinds.py).
"""

from __future__ import annotations

from datetime import timedelta

from commands.core.config import CoreConfig
from commands.core.document import Document, Mention, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.lookup import find_person
from commands.core.meetings import chaired_meeting, open_meeting
from commands.core.messages import Attachment, AttachmentKind, Post, Reply
from commands.core.registry import Arg, ArgKind, ArgType, after_command, command
from commands.core.request import Request
from commands.core.text import fold, small_number
from commands.core.timed import Tick, timed
from commands.core.timefmt import format_duration, format_time
from commands.minutes.agenda import agenda_titles
from commands.minutes.data import minutes_attachment_data, minutes_attachment_from
from commands.minutes.kinds import decision_command_key, kind_key, takes_decisions
from commands.minutes.record import MINUTES_ATTACHMENT, absent_members, minutes_of
from commands.minutes.render import follow_up_groups, minutes_document
from commands.situation.rounds import round_for_meeting
from storage import Store
from storage.models import Forum, ItemKind, Meeting, Role, RoundKind

FEATURE = feature(__name__)
# The full minutes attached to ``!möte slut`` wait in the outbox as plain data.
FEATURE.attachments.append(
    AttachmentKind(MINUTES_ATTACHMENT, minutes_attachment_data, minutes_attachment_from)
)

MAX_TITLE = 200
# Rounds a meeting's end closes (an activation's round closes at stand-down; the round of one
# of its meetings, ``!rytm``, like a scheduled meeting's).
MEETING_ROUNDS = frozenset({RoundKind.MEETING, RoundKind.EXTRA_MEETING, RoundKind.RHYTHM_MEETING})
NEXT_WORDS = frozenset({"nasta", "next"})


@after_command
def record_presence(req: Request) -> None:
    """Whoever runs a command in a forum's channel during its meeting took part in it."""
    if req.forum is None:
        return
    meeting = req.store.meetings.open(req.forum)
    if meeting is not None:
        req.store.meetings.attend(meeting, req.me, req.store.my_organisation(), announced=False)


@command(
    "meeting.start",
    "möte start",
    aliases=("meeting start",),
    args=(Arg("title", ArgKind.TEXT, required=False),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def start(req: Request) -> Reply:
    forum = req.forum_here
    running = req.store.meetings.open(forum)
    if running is not None:
        raise CommandError(
            "error.meeting_open",
            hint_key="hint.meeting_end",
            number=running.number,
            since=format_time(running.started_at, req.zone),
        )
    title = (req.args.get("title") or "").strip() or req.t(
        "meeting.default_title", forum=forum.name, date=format_time(req.now, req.zone)[:10]
    )
    if len(title) > MAX_TITLE:
        raise CommandError("error.text_too_long", limit=MAX_TITLE)
    # Its own round unless it is the scheduled meeting (or the activation's): an extra meeting
    # must not take, and at its end close, the round of the next scheduled one.
    target = round_for_meeting(req.store, forum, req.now, req.config.meeting_minutes)
    agenda = agenda_titles(forum.mode, req.now, req.zone, req.language, forum)
    me = req.me
    meeting = req.store.meetings.start(
        forum,
        title,
        me,
        platform=req.incoming.platform,
        channel_id=req.incoming.channel_id,
        report_round=target,
    )
    if target is not None and target.kind in MEETING_ROUNDS:
        # The round stays open while the meeting goes on; its end closes it.
        req.store.reports.hold_open(target)
    req.store.meetings.add_item(meeting, ItemKind.TOPIC, agenda[0], me, topic=None)
    req.store.meetings.attend(meeting, me, req.store.my_organisation(), announced=True)
    # Items other forums raised to this one are on this meeting's agenda, and only this one's.
    req.store.escalations.take_up(req.store.escalations.pending(forum), meeting)
    follow_up = follow_up_groups(minutes_of(req.store, meeting, req.language), req.language)
    doc = req.document().heading(req.t("meeting.started", forum=forum.name, number=meeting.number))
    doc.paragraph(
        req.t(
            "meeting.started_by",
            title=title,
            who=me.display_name,
            time=format_time(req.now, req.zone),
        )
    )
    doc.paragraph(Strong(req.t("meeting.agenda", mode=req.t(f"mode.{forum.mode.value}"))))
    doc.bullets(agenda, numbered=True)
    doc.paragraph(_at_item(req, 0, agenda))
    for heading, rows in follow_up:  # under the agenda items they belong to
        doc.paragraph(Strong(heading))
        doc.bullets(rows)
    if not follow_up:
        doc.paragraph(Strong(req.t("minutes.follow_up")))
        doc.paragraph(req.t("meeting.nothing_to_follow_up"))
    agreed = req.t(decision_command_key(takes_decisions(forum)))
    doc.paragraph(req.t("meeting.how", prefix=req.config.prefix, agreed=agreed))
    return Reply(doc)


@command("meeting.end", "möte slut", aliases=("meeting end",), needs_forum=True)
def end(req: Request) -> Reply:
    forum = req.forum_here
    meeting = chaired_meeting(req, forum)
    req.store.meetings.end(meeting, req.me)
    close_meeting_round(req.store, meeting)
    doc = req.document().paragraph(
        Strong(req.t("meeting.ended", number=meeting.number, time=format_time(req.now, req.zone)))
    )
    return minutes_reply(req.store, forum, meeting, req.language, doc)


def close_meeting_round(store: Store, meeting: Meeting) -> None:
    """A meeting's end closes its round of reports (an activation's round closes at stand-down)."""
    target = store.reports.round_by_id(meeting.round_id) if meeting.round_id else None
    if target is not None and target.kind in MEETING_ROUNDS and target.closed_at is None:
        store.reports.close_round(target)


def minutes_reply(
    store: Store, forum: Forum, meeting: Meeting, language: str, doc: Document
) -> Reply:
    """``doc`` followed by the shortened minutes, with the full minutes attached as a file."""
    minutes = minutes_of(store, meeting, language)
    doc.blocks.extend(minutes_document(minutes, language, full=False).blocks)
    name = t(language, "minutes.filename", forum=forum.slug, number=minutes.number)
    return Reply(doc, attachments=(Attachment(name, MINUTES_ATTACHMENT, minutes, language),))


@timed
def close_forgotten_meetings(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    """A meeting with nothing noted for ``meeting_auto_close_minutes`` is closed, with a note
    in its minutes, in the channel it was started in, its chairs mentioned."""
    now = tick.now
    idle = timedelta(minutes=config.meeting_auto_close_minutes)
    posts: list[Post] = []
    for meeting in store.meetings.all_open():
        if now - store.meetings.last_activity(meeting) < idle:
            continue
        if not store.meetings.end(meeting, None, automatically=True):
            continue  # another bot process closed it first
        close_meeting_round(store, meeting)
        forum = store.forums.get(meeting.forum_id)
        assert forum is not None
        language = normalise_language(forum.language)
        chairs = store.people.by_ids([chair.person_id for chair in store.meetings.chairs(meeting)])
        mentions: list[Part] = []
        for person in chairs.values():
            mentions.extend([" ", Mention(person.platform, person.user_id, person.display_name)])
        doc = Document().paragraph(
            Strong(
                t(
                    language,
                    "meeting.auto_closed",
                    number=meeting.number,
                    idle=format_duration(idle, language),
                )
            ),
            *mentions,
        )
        reply = minutes_reply(store, forum, meeting, language, doc)
        for platform, channel_id in _channels_now(store, forum, meeting):
            posts.append(Post(platform, channel_id, reply.document, reply.attachments))
    return posts


def _channels_now(store: Store, forum: Forum, meeting: Meeting) -> list[tuple[str, str]]:
    """Where the minutes of a meeting closed by the bot go: the channel it was started in,
    if that still serves the forum; else every channel that does (a channel rebound to
    another forum meanwhile gets nothing of this one)."""
    here = store.forums.for_channel(meeting.platform, meeting.channel_id)
    if here is not None and here.id == forum.id:
        return [(meeting.platform, meeting.channel_id)]
    return [(channel.platform, channel.channel_id) for channel in store.forums.channels(forum)]


def _add(req: Request, kind: ItemKind) -> Reply:
    forum = req.forum_here
    meeting = open_meeting(req, forum)
    text = req.tail
    topic = req.store.meetings.current_topic(meeting)
    req.store.meetings.add_item(meeting, kind, text, req.me, topic=topic)
    doc = req.document().paragraph(
        Strong(req.t(kind_key(kind.value, takes_decisions(forum)))),
        ": ",
        text,
    )
    if topic is not None:
        doc.paragraph(req.t("meeting.under_topic", topic=topic.text))
    return Reply(doc)


@command(
    "meeting.info",
    "info",
    args=(Arg("text", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def info(req: Request) -> Reply:
    return _add(req, ItemKind.INFO)


@command(
    "meeting.decision",
    "överenskommelse",
    # "beslut": what people wrote before, and what chefsgrupp takes.
    aliases=("beslut", "agreement", "agreed", "decision"),
    args=(Arg("text", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def decision(req: Request) -> Reply:
    return _add(req, ItemKind.DECISION)


@command(
    "meeting.topic",
    "punkt",
    aliases=("topic",),
    args=(Arg("topic", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def topic(req: Request) -> Reply:
    """A new agenda item; ``!punkt nästa`` moves to the next item of the standing agenda,
    ``!punkt 3`` or ``!punkt Aktörsrapportering`` to that one; other words are a topic of
    their own, outside the standing agenda."""
    forum = req.forum_here
    meeting = open_meeting(req, forum)
    text = req.tail
    agenda = agenda_titles(meeting.mode, meeting.started_at, req.zone, req.language, forum)
    position = _agenda_item(text, agenda, meeting.agenda_position)
    if position is None:
        req.store.meetings.add_item(meeting, ItemKind.TOPIC, text, req.me, topic=None)
        return Reply(req.document().paragraph(Strong(req.t("meeting.topic", topic=text))))
    req.store.meetings.move_agenda(meeting, position)
    req.store.meetings.add_item(meeting, ItemKind.TOPIC, agenda[position], req.me, topic=None)
    return Reply(req.document().paragraph(_at_item(req, position, agenda)))


def _agenda_item(text: str, agenda: list[str], at: int) -> int | None:
    """The standing agenda's item ``text`` moves to (``nästa``, its number, its title); None
    for a topic of its own."""
    folded = fold(text)
    if folded in NEXT_WORDS:
        if at + 1 >= len(agenda):
            raise CommandError("error.agenda_done", hint_key="hint.meeting_end")
        return at + 1
    number = small_number(text)
    if number is not None:
        if not 1 <= number <= len(agenda):
            raise CommandError(
                "standing_agenda.error.no_item",
                hint_key="agenda_hint.topic",
                number=number,
                count=len(agenda),
            )
        return number - 1
    titles = [fold(title) for title in agenda]
    return titles.index(folded) if folded in titles else None


def _at_item(req: Request, position: int, agenda: list[str]) -> Strong:
    """The item the meeting is on, numbered: ``Punkt 3 av 6: Aktörsrapportering``."""
    return Strong(
        req.t(
            "standing_agenda.position",
            number=position + 1,
            count=len(agenda),
            topic=agenda[position],
        )
    )


@command("meeting.undo", "ångra", aliases=("undo",), needs_forum=True)
def undo(req: Request) -> Reply:
    forum = req.forum_here
    meeting = chaired_meeting(req, forum)
    last = req.store.meetings.last_kept(meeting)
    if last is None:
        raise CommandError("error.nothing_to_undo")
    req.store.meetings.remove_item(last, req.me)
    if last.kind is ItemKind.ACTION:
        req.store.actions.withdraw_item(last)
    elif last.kind is ItemKind.ESCALATION:
        req.store.escalations.withdraw_item(last)
    kind = req.t(kind_key(last.kind.value, takes_decisions(forum)))
    return Reply(req.document().paragraph(req.t("meeting.undone", kind=kind, text=last.text[:200])))


@command(
    "meeting.chair",
    "ordförande",
    aliases=("chair",),
    args=(Arg("person"),),
    needs_forum=True,
)
def chair(req: Request) -> Reply:
    forum = req.forum_here
    meeting = chaired_meeting(req, forum)
    person = find_person(req, req.arg("person"))
    added = req.store.meetings.add_chair(meeting, person)
    key = "meeting.chair_added" if added else "meeting.chair_already"
    return Reply(req.document().paragraph(req.t(key, who=person.display_name)))


@command("meeting.here", "närvarande", aliases=("here", "present"), needs_forum=True)
def here(req: Request) -> Reply:
    forum = req.forum_here
    meeting = open_meeting(req, forum)
    organisation = req.store.my_organisation()
    req.store.meetings.attend(meeting, req.me, organisation, announced=True)
    who = req.me.display_name + (f" ({organisation.name})" if organisation else "")
    doc = req.document().paragraph(req.t("meeting.here", who=who))
    # The roll call: how many of the organisations the meeting awaits are here, who is not.
    awaited, absent = absent_members(req.store, forum, meeting)
    if awaited:
        doc.paragraph(req.t("members.roll_call", count=awaited, present=awaited - len(absent)))
    if absent:
        doc.paragraph(req.t("members.roll_call_absent", count=len(absent), names="; ".join(absent)))
    return Reply(doc)


def _unknown_meeting(req: Request, wanted: str) -> CommandError:
    """No meeting ``wanted`` (a number, or none: the latest) in this forum."""
    forum = req.forum_here
    latest = req.store.meetings.latest(forum)
    if latest is None:  # no name to quote: "Det finns inget möte ”” …" says nothing
        return CommandError("error.no_meetings", hint_key="hint.meeting_start", forum=forum.name)
    return CommandError(
        "error.unknown_meeting",
        hint_key="hint.minutes",
        name=wanted.strip().lstrip("#")[:20],
        forum=forum.name,
        latest=latest.number,
    )


def _no_meeting(req: Request, wanted: str) -> CommandError | None:
    """A meeting number that does not read as one; a lone ``#`` asks for the latest."""
    return _unknown_meeting(req, wanted) if wanted.strip().lstrip("#") else None


@command(
    "meeting.minutes",
    "minnesanteckningar",
    # "protokoll": what people wrote before; the model's word is minnesanteckningar.
    aliases=("protokoll", "anteckningar", "minutes", "notes"),
    args=(Arg("number", required=False, type=ArgType.NUMBER, invalid=_no_meeting),),
    needs_forum=True,
)
def minutes(req: Request) -> Reply:
    """The latest meeting's minutes (also while it goes on), or meeting number N's."""
    forum = req.forum_here
    number = req.optional_number("number")
    if number is None:
        meeting = req.store.meetings.latest(forum)
    else:
        meeting = req.store.meetings.by_number(forum, number)
    if meeting is None:
        raise _unknown_meeting(req, req.args.get("number") or "")
    return minutes_reply(req.store, forum, meeting, req.language, req.document())

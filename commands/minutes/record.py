"""The minutes of one meeting, compiled from the database as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.joint_direction.summary import (
    AgreedMessage,
    DirectionSummary,
    agreed_messages,
    direction_in_force,
)
from commands.minutes.agenda import agenda_keys
from commands.minutes.kinds import takes_decisions
from commands.situation.picture import (
    Picture,
    compile_picture,
    expected_organisations,
    round_activation,
    sort_key,
)
from commands.situation.rounds import round_label
from storage import Store
from storage.models import Action, Escalation, EscalationKind, Forum, ItemKind, Meeting

# The kind of a :class:`commands.core.messages.Attachment` whose payload is a :class:`Minutes`.
MINUTES_ATTACHMENT = "minutes"


@dataclass(frozen=True)
class ActionEntry:
    number: int
    owner: str
    text: str
    due_at: datetime | None
    closed_at: datetime | None
    meeting: int  # the number of the meeting that noted it


@dataclass(frozen=True)
class EscalationEntry:
    from_forum: str
    to_forum: str
    text: str
    by: str
    at: datetime
    link: str | None
    kind: str = EscalationKind.RAISED.value  # or report_back: a group reporting to its parent


@dataclass(frozen=True)
class Entry:
    kind: str  # ItemKind value
    text: str
    by: str
    at: datetime
    action: ActionEntry | None = None  # kind "action"
    escalation: EscalationEntry | None = None  # kind "escalation"


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
    # Open actions and items raised from other forums, as they stood when the meeting began.
    follow_up_actions: list[ActionEntry] = field(default_factory=list)
    follow_up_escalations: list[EscalationEntry] = field(default_factory=list)
    actions: list[ActionEntry] = field(default_factory=list)  # noted in this meeting
    picture: Picture | None = None
    round_label: str | None = None  # the picture's round, as people name it
    decides: bool = False  # the forum takes decisions, not agreements (commands/minutes/kinds)
    # The host organisation: the activation's when the meeting was in one that set its own
    # (``host_of_activation``), else the forum's (None: it has none).
    host: str | None = None
    host_of_activation: bool = False
    # The catalogue keys of the meeting's standing agenda: where its follow-up goes (render).
    agenda_keys: list[str] = field(default_factory=list)
    # The member organisations nobody attended for (in an activation: those called in and
    # not released), by name; and how many the meeting awaited (``absent_members``).
    absent: list[str] = field(default_factory=list)
    awaited: int = 0
    # The adopted direction in force during the meeting (at its end; one that expired while
    # it went on, else), and the joint messages agreed as of its end (``direction_framing``).
    direction: DirectionSummary | None = None
    joint_messages: list[AgreedMessage] = field(default_factory=list)
    # The name of the exercise the meeting was held in (``meeting_exercise``); None: real.
    exercise: str | None = None

    def actions_by_owner(self) -> list[tuple[str, list[ActionEntry]]]:
        """This meeting's actions grouped by owner, owners in alphabetical order."""
        grouped: dict[str, list[ActionEntry]] = {}
        for action in self.actions:
            grouped.setdefault(action.owner, []).append(action)
        return sorted(grouped.items(), key=lambda pair: sort_key(pair[0]))


def minutes_of(store: Store, meeting: Meeting, language: str) -> Minutes:
    """The minutes of a meeting; once it has ended, with its round's joint picture."""
    forum = store.forums.get(meeting.forum_id)
    assert forum is not None
    picture = None
    label = None
    target = store.reports.round_by_id(meeting.round_id) if meeting.round_id else None
    if target is not None and meeting.ended_at is not None:
        ended_by = store.people.get(meeting.ended_by_id) if meeting.ended_by_id else None
        compiled_by = ended_by.display_name if ended_by else forum.name
        picture = compile_picture(store, forum, target, meeting.ended_at, compiled_by)
        label = round_label(target, ZoneInfo(forum.timezone), language)
    return compile_minutes(store, meeting, picture, label)


def compile_minutes(
    store: Store, meeting: Meeting, picture: Picture | None, label: str | None = None
) -> Minutes:
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
    meeting_numbers = store.meetings.numbers(forum)
    forum_names = {f.id: f.name for f in store.forums.all()}

    def action_entry(action: Action) -> ActionEntry:
        return ActionEntry(
            action.number,
            action.owner_name,
            action.text,
            action.due_at,
            action.closed_at,
            meeting_numbers.get(action.meeting_id, 0),
        )

    def escalation_entry(escalation: Escalation) -> EscalationEntry:
        return EscalationEntry(
            forum_names.get(escalation.from_forum_id, "?"),
            forum_names.get(escalation.to_forum_id, "?"),
            escalation.text,
            name(escalation.raised_by_id),
            escalation.raised_at,
            escalation.link,
            escalation.kind.value,
        )

    actions = store.actions.of_meeting(meeting)
    by_item = {action.item_id: action for action in actions}
    raised = {e.item_id: e for e in store.escalations.raised_in(meeting)}
    taken_up = store.escalations.taken_up_by(meeting)
    people.update(store.people.by_ids([e.raised_by_id for e in [*raised.values(), *taken_up]]))
    sections: list[Section] = [Section(None)]
    for item in items:
        if item.kind is ItemKind.TOPIC:
            sections.append(Section(item.text))
            continue
        action = by_item.get(item.id or 0)
        escalation = raised.get(item.id or 0)
        sections[-1].entries.append(
            Entry(
                item.kind.value,
                item.text,
                name(item.person_id),
                item.at,
                action=action_entry(action) if action else None,
                escalation=escalation_entry(escalation) if escalation else None,
            )
        )
    if not sections[0].entries:
        sections.pop(0)
    host, host_of_activation = meeting_host(store, forum, meeting)
    awaited, absent = absent_members(store, forum, meeting)
    direction, joint_messages = direction_framing(store, forum, meeting)
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
        follow_up_actions=[action_entry(a) for a in store.actions.open_at_start(meeting)],
        follow_up_escalations=[escalation_entry(e) for e in taken_up],
        actions=[action_entry(a) for a in actions],
        picture=picture,
        round_label=label,
        decides=takes_decisions(forum),
        host=host,
        host_of_activation=host_of_activation,
        agenda_keys=agenda_keys(meeting.mode, forum),
        absent=absent,
        awaited=awaited,
        direction=direction,
        joint_messages=joint_messages,
        exercise=meeting_exercise(store, forum, meeting),
    )


def meeting_exercise(store: Store, forum: Forum, meeting: Meeting) -> str | None:
    """The name of the exercise the meeting belongs to: its activation's, or the forum's
    exercise under way when it started (``Exercises.of_work``); None for a real meeting."""
    target = store.reports.round_by_id(meeting.round_id) if meeting.round_id else None
    activation = round_activation(store, target)
    exercise = store.exercises.of_work((forum.id,), meeting.started_at, activation)
    return exercise.name if exercise is not None else None


def direction_framing(
    store: Store, forum: Forum, meeting: Meeting
) -> tuple[DirectionSummary | None, list[AgreedMessage]]:
    """The direction in force during the meeting — at its end (now, while it goes on), else
    one in force when it began that expired meanwhile — and the joint messages agreed as of
    its end: what the minutes show at their top, however much later they are compiled."""
    end = meeting.ended_at or store.audit.context.at
    direction = direction_in_force(store, forum, end) or direction_in_force(
        store, forum, meeting.started_at
    )
    return direction, agreed_messages(store, forum, end)


def absent_members(store: Store, forum: Forum, meeting: Meeting) -> tuple[int, list[str]]:
    """How many organisations the meeting awaited (the forum's members; in an activation,
    those called in and not released: ``expected_organisations`` of its round), and those of
    them nobody attended for, by name."""
    target = store.reports.round_by_id(meeting.round_id) if meeting.round_id else None
    expected = expected_organisations(store, forum, target)
    present = {a.organisation_id for a in store.meetings.attendees(meeting)}
    names = store.organisations.by_ids(sorted(expected - present))
    return len(expected), sorted((org.name for org in names.values()), key=sort_key)


def meeting_host(store: Store, forum: Forum, meeting: Meeting) -> tuple[str | None, bool]:
    """The meeting's host organisation, and whether it is the activation's own: in an
    activation (the meeting holds its round) whose host was decided (``!värd``), that one;
    else the forum's host (``!forum värd``), as it is now."""
    target = store.reports.round_by_id(meeting.round_id) if meeting.round_id else None
    activation = round_activation(store, target)
    if activation is not None and activation.host_organisation_id is not None:
        host = store.organisations.get(activation.host_organisation_id)
        if host is not None:
            return host.name, True
    if forum.host_organisation_id is not None:
        host = store.organisations.get(forum.host_organisation_id)
        if host is not None:
            return host.name, False
    return None, False

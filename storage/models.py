"""The tables. Codes are stored in English; every label a person sees comes from the catalogue."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Level(StrEnum):
    """Samverkansnivå."""

    STRATEGIC = "strategic"  # regionalt inriktande
    COORDINATING = "coordinating"  # regionalt samordnande
    OPERATIONAL = "operational"  # verkställande


class Mode(StrEnum):
    """Läge: the forum's current mode."""

    ORDINARY = "ordinary"
    ACTIVATED = "activated"


class ForumKind(StrEnum):
    """Which modes a forum works in (the model's "mode" column)."""

    ORDINARY = "ordinary"
    ACTIVATED = "activated"
    BOTH = "both"


class Category(StrEnum):
    """The agreement's actor categories."""

    MUNICIPAL = "municipal"  # kommun
    EMERGENCY = "emergency"  # blåljus
    TRANSPORT = "transport"  # trafik
    OTHER = "other"  # övrig


class Role(StrEnum):
    """A person's role in a forum. ``NONE`` is never stored."""

    NONE = "none"
    OBSERVER = "observer"
    ACTOR = "actor"
    COORDINATOR = "coordinator"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.NONE: 0, Role.OBSERVER: 1, Role.ACTOR: 2, Role.COORDINATOR: 3}


def _enum(enum: type[StrEnum], default: StrEnum | None = None) -> Any:
    """An enum stored as its value in a plain string column (no database enum type)."""
    column_type = SAEnum(
        enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
    return Field(default=default, sa_column=Column(column_type, nullable=False))


def _when() -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False))


def _when_optional() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class HolidayPolicy(StrEnum):
    """What a forum's scheduled meeting does when it falls on a Swedish public holiday."""

    SKIP = "skip"  # not held (the Thursday conference on Kristi himmelsfärdsdag)
    PREVIOUS = "previous"  # moved to the previous working day, same wall-clock time
    HOLD = "hold"  # held anyway


def _policy(default: HolidayPolicy) -> Any:
    """A policy stored as its value like the other enums; the server default fills the rows
    that were there before the column."""
    column_type = SAEnum(
        HolidayPolicy, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
    return Field(
        default=default,
        sa_column=Column(column_type, nullable=False, server_default=default.value),
    )


class Forum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=80)
    name: str = Field(unique=True, max_length=120)
    level: Level = _enum(Level)
    kind: ForumKind = _enum(ForumKind, ForumKind.BOTH)
    mode: Mode = _enum(Mode, Mode.ORDINARY)
    mode_since: datetime = _when()
    host_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    language: str = Field(default="sv", max_length=8)
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    # A recurrence rule in wall-clock time (RFC 5545 RRULE), expanded in ``timezone``.
    schedule_rule: str | None = Field(default=None, max_length=200)
    schedule_start: date | None = None
    holiday_policy: HolidayPolicy = _policy(HolidayPolicy.SKIP)
    # What a meeting on julafton or nyårsafton does (days off, not public holidays): held
    # (and every reminder says which eve it is), skipped, or moved to the previous working day.
    eve_policy: HolidayPolicy = _policy(HolidayPolicy.HOLD)
    # A thematic working group (or another forum under a parent) reports to its parent. A
    # plain id, as the activation's host and link: SQLite adds a constraint to a table others
    # refer to only by copying it, which their foreign keys forbid (migration 0012).
    parent_id: int | None = None
    thematic: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    # The standing agenda per mode, when the forum has its own: {"ordinary": [item, …],
    # "activated": [...]}, each item {"key": catalogue key under agenda.} or {"text": words}.
    agenda: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _when()


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    category: Category = _enum(Category)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _when()


class ForumParticipant(SQLModel, table=True):
    """A member organisation of a forum: counted in its rounds, called out by default."""

    forum_id: int = Field(foreign_key="forum.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)


class Representation(StrEnum):
    """How a person represents an organisation in a forum."""

    ORDINARY = "ordinary"  # ordinarie: called first
    DEPUTY = "deputy"  # ersättare: called when the ordinarie does not acknowledge


class ForumRepresentative(SQLModel, table=True):
    """A person representing an organisation in one forum ("funktion och mandat"): the same
    person may represent Polisen in the conference and not in chefsgrupp."""

    forum_id: int = Field(foreign_key="forum.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: Representation = _enum(Representation, Representation.ORDINARY)
    since: datetime = _when()
    by_id: int | None = Field(default=None, foreign_key="person.id")


class Duty(StrEnum):
    """The regional duty roles on call in turns."""

    TIB = "tib"  # Länsstyrelsen's tjänsteman i beredskap
    RSK = "rsk"  # regional samverkanskoordinator i beredskap


class DutyShift(SQLModel, table=True):
    """Someone took over a duty role (``!beredskap ta över RSK``), from ``since``."""

    id: int | None = Field(default=None, primary_key=True)
    duty: Duty = _enum(Duty)
    person_id: int = Field(foreign_key="person.id")
    since: datetime = _when()
    by_id: int | None = Field(default=None, foreign_key="person.id")


class DutyRota(SQLModel, table=True):
    """A duty role's rota: its people in turn, handing over weekly at a weekday and time
    (wall clock in ``timezone``), the first of them from the first handover on ``start``."""

    duty: Duty = Field(
        sa_column=Column(
            SAEnum(
                Duty, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
            ),
            primary_key=True,
        )
    )
    people: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    weekday: int  # 0 Monday … 6 Sunday
    time: str = Field(max_length=5)  # "08:00"
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    start: date
    set_at: datetime = _when()
    set_by_id: int | None = Field(default=None, foreign_key="person.id")


class Person(SQLModel, table=True):
    """A platform identity (a Slack user, a Matrix user, a console name)."""

    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    user_id: str = Field(max_length=255)
    display_name: str = Field(max_length=255)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = _when()


class RoleGrant(SQLModel, table=True):
    """A role given explicitly to a person in one forum with ``!roll``."""

    forum_id: int = Field(foreign_key="forum.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role: Role = _enum(Role)
    granted_at: datetime = _when()
    granted_by_id: int | None = Field(default=None, foreign_key="person.id")


class RegionalGrant(SQLModel, table=True):
    """A role held in every forum of the region (a coordinator of the secretariat), given
    with ``!roll <person> koordinator regionalt`` by another regional coordinator. The
    root of trust is ``BOT_ADMINS``, which is configuration, not a row."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role: Role = _enum(Role)
    granted_at: datetime = _when()
    granted_by_id: int | None = Field(default=None, foreign_key="person.id")


class ChannelBinding(SQLModel, table=True):
    """A channel on some platform that serves a forum."""

    __table_args__ = (UniqueConstraint("platform", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    channel_id: str = Field(max_length=255)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    bound_at: datetime = _when()
    bound_by_id: int | None = Field(default=None, foreign_key="person.id")
    # What people call it on its platform (a Matrix room's name, a Slack channel's), as last
    # seen in a command there; None until then.
    name: str | None = Field(default=None, max_length=255)


class Activation(SQLModel, table=True):
    """One activation of a forum, from call-out to stand-down."""

    # At most one activation of a forum is open (not stood down), even with several replicas.
    __table_args__ = (
        Index(
            "uq_activation_open_per_forum",
            "forum_id",
            unique=True,
            sqlite_where=text("stood_down_at IS NULL"),
            postgresql_where=text("stood_down_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    reason: str = Field(max_length=2000)
    activated_at: datetime = _when()
    activated_by_id: int = Field(foreign_key="person.id")
    called_out: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stood_down_at: datetime | None = _when_optional()
    stood_down_by_id: int | None = Field(default=None, foreign_key="person.id")
    summary: str | None = Field(default=None, max_length=2000)
    # Released from the call-out during the event (``!släpp``): no longer awaited or counted.
    # (NULL only in a row of before migration 0012 that it could not fill: read as empty.)
    released: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=True))
    # The host for this activation, decided at its first meeting (``!värd``); None: the
    # forum's host.
    host_organisation_id: int | None = None  # an organisation's id
    # The activation this one was asked for from (``!lyft inriktande`` in an activated
    # coordinating forum): each shows the other.
    linked_activation_id: int | None = None  # an activation's id
    # The meeting rhythm in activated mode (``!rytm var 4:e timme från 08:00``): a meeting
    # every ``rhythm_minutes`` from ``rhythm_from``; ``next_meeting_at`` one set on its own
    # (``!nästa möte 14:00``). Stand-down ends both.
    rhythm_minutes: int | None = None
    rhythm_from: datetime | None = _when_optional()
    next_meeting_at: datetime | None = _when_optional()
    # An exercise's activation (``!aktivera övning …`` or during ``!övning start``): flagged,
    # never counted in the statistics nor shown in a real activation's record.
    exercise_id: int | None = None  # an exercise's id


class Acknowledgement(SQLModel, table=True):
    """An organisation's kvittens of a call-out; the first one per organisation counts."""

    __table_args__ = (UniqueConstraint("activation_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activation_id: int = Field(foreign_key="activation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    person_id: int = Field(foreign_key="person.id")
    at: datetime = _when()


class ActivationRequest(SQLModel, table=True):
    """An actor pressing "the green button"."""

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    reason: str = Field(max_length=2000)
    requested_by_id: int = Field(foreign_key="person.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    at: datetime = _when()
    # The same request made again while this one was open: {by, organisation, reason, at}.
    repeats: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # Taken by the duty officer or a coordinator (``!kvittera`` while it is open): the
    # escalation to every coordinator is then not needed.
    acknowledged_at: datetime | None = _when_optional()
    acknowledged_by_id: int | None = Field(default=None, foreign_key="person.id")
    # Asked for from another forum's activation (``!lyft inriktande``): linked when granted.
    from_activation_id: int | None = Field(default=None, foreign_key="activation.id")


class AuditEvent(SQLModel, table=True):
    """Who changed what, when and where. Written by every state change."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when()
    action: str = Field(max_length=60, index=True)
    platform: str = Field(max_length=20)
    channel_id: str = Field(max_length=255)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(sa_column=Column(Text, nullable=False))
    forum_id: int | None = Field(default=None, foreign_key="forum.id", index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class HandledEvent(SQLModel, table=True):
    """A platform event the bot has acted on; the same event id is never acted on twice."""

    platform: str = Field(max_length=20, primary_key=True)
    event_id: str = Field(max_length=255, primary_key=True)
    handled_at: datetime = _when()


class DoorState(SQLModel, table=True):
    """What a door keeps between runs: its device, how far it has read (sync token)."""

    platform: str = Field(max_length=20, primary_key=True)
    key: str = Field(max_length=255, primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _when()


class RoundKind(StrEnum):
    """What opened a round of situation reports."""

    MEETING = "meeting"  # a scheduled meeting of the forum (the Thursday conference)
    ACTIVATION = "activation"  # an activation of the forum
    # A meeting started outside the schedule (a Monday check-in, a second one the same day):
    # its own round, so that it never takes or closes a scheduled meeting's.
    EXTRA_MEETING = "extra_meeting"
    # A meeting of an activation's rhythm (``!rytm``, ``!nästa möte``): its own round, like a
    # scheduled meeting's, counted against those called in (``rhythm_activation_id``).
    RHYTHM_MEETING = "rhythm_meeting"


class ReportRound(SQLModel, table=True):
    """A round of situation reports: one per scheduled meeting, one per activation, one per
    meeting held outside the schedule (``meeting_at`` empty: it is dated by ``opened_at``).

    A meeting's round closes when the meeting ends (``closes_at``, or earlier when it is
    ended: ``closed_at``); an activation's round when the forum stands down (``closed_at``).
    A report sent to a closed round is kept and marked late (``SituationReport.late``).
    """

    __table_args__ = (
        UniqueConstraint("forum_id", "number"),
        UniqueConstraint("forum_id", "meeting_at"),
        UniqueConstraint("activation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    number: int  # 1, 2, 3 ... within the forum: what people name a round by
    kind: RoundKind = _enum(RoundKind)
    meeting_at: datetime | None = _when_optional()
    activation_id: int | None = Field(default=None, foreign_key="activation.id")
    opened_at: datetime = _when()
    closes_at: datetime | None = _when_optional()
    closed_at: datetime | None = _when_optional()
    # A rhythm meeting's round: the activation whose rhythm it belongs to (a plain id: the
    # activation's own round holds ``activation_id``, unique).
    rhythm_activation_id: int | None = None


class SituationReport(SQLModel, table=True):
    """An organisation's lägesrapport in a round. A newer one supersedes it; both are kept."""

    __table_args__ = (Index("ix_situationreport_organisation_latest", "organisation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="reportround.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    person_id: int = Field(foreign_key="person.id")  # who sent it
    on_behalf: bool = False  # a coordinator reported for the organisation (it phoned in)
    at: datetime = _when()
    late: bool = False  # sent after its round had closed
    source: str = Field(default="command", max_length=20)  # command | form | unchanged
    unchanged_from_id: int | None = Field(default=None, foreign_key="situationreport.id")
    text: str = Field(sa_column=Column(Text, nullable=False))  # as written, always kept
    situation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    impact: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    actions_taken: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    planned_actions: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    needs: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    communication: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outlook: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PublishedPicture(SQLModel, table=True):
    """A numbered, frozen version of a round's joint situation picture."""

    __table_args__ = (UniqueConstraint("round_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="reportround.id", index=True)
    version: int
    published_at: datetime = _when()
    published_by_id: int = Field(foreign_key="person.id")
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class FormDialog(SQLModel, table=True):
    """A form filled in question by question in a channel (the terminal, Matrix).

    Kept in the database, not in memory: a restart in the middle loses no answer.
    """

    platform: str = Field(max_length=20, primary_key=True)
    channel_id: str = Field(max_length=255, primary_key=True)
    user_id: str = Field(max_length=255, primary_key=True)
    form: str = Field(max_length=40)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    step: int = 0
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = _when()
    updated_at: datetime = _when()


class ItemKind(StrEnum):
    """What a line of the meeting notes is (MeetBot's topic, info, agreed, action)."""

    TOPIC = "topic"  # an agenda item: the items after it belong to it
    INFO = "info"
    DECISION = "decision"  # "beslut": as agreed in the forum; each actor still decides
    ACTION = "action"
    ESCALATION = "escalation"  # raised to another forum


class Meeting(SQLModel, table=True):
    """A meeting of a forum, documented in its channel: from ``!möte start`` to its end."""

    # At most one meeting of a forum is open, even with several replicas.
    __table_args__ = (
        UniqueConstraint("forum_id", "number"),
        Index(
            "uq_meeting_open_per_forum",
            "forum_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    number: int  # 1, 2, 3 ... within the forum: "!protokoll 12"
    title: str = Field(max_length=200)
    mode: Mode = _enum(Mode)  # the forum's mode when it started: which standing agenda
    round_id: int | None = Field(default=None, foreign_key="reportround.id")
    platform: str = Field(max_length=20)  # where it was started: where the chair is told
    channel_id: str = Field(max_length=255)
    started_at: datetime = _when()
    started_by_id: int = Field(foreign_key="person.id")
    ended_at: datetime | None = _when_optional()
    ended_by_id: int | None = Field(default=None, foreign_key="person.id")
    closed_automatically: bool = False
    agenda_position: int = 0  # the standing agenda's item under discussion (``!punkt nästa``)


class MeetingChair(SQLModel, table=True):
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    since: datetime = _when()


class MeetingAttendee(SQLModel, table=True):
    """Who took part: by ``!närvarande``, or by speaking during the meeting."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    first_seen_at: datetime = _when()
    announced: bool = False  # said ``!närvarande`` (rather than only spoke)


class MeetingItem(SQLModel, table=True):
    """A line of the notes. An undone item is kept, marked removed."""

    __table_args__ = (UniqueConstraint("meeting_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    sequence: int  # order within the meeting
    kind: ItemKind = _enum(ItemKind)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic_id: int | None = Field(default=None, foreign_key="meetingitem.id")
    person_id: int = Field(foreign_key="person.id")  # who said it
    at: datetime = _when()
    removed_at: datetime | None = _when_optional()
    removed_by_id: int | None = Field(default=None, foreign_key="person.id")


class Action(SQLModel, table=True):
    """An action (åtgärd) noted in a meeting: who does what, by when. Numbered per forum.

    The owner is an organisation or a person of the bot, or everyone (``owner_everyone``);
    ``owner_name`` is the name as shown when it was noted. An undone item withdraws its action.
    """

    __table_args__ = (UniqueConstraint("forum_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    number: int  # 1, 2, 3 ... within the forum: "!åtgärd klar 7"
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="meetingitem.id", unique=True)
    owner_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    owner_person_id: int | None = Field(default=None, foreign_key="person.id")
    owner_everyone: bool = False
    owner_name: str = Field(max_length=255)
    text: str = Field(sa_column=Column(Text, nullable=False))
    due_at: datetime | None = _when_optional()
    created_at: datetime = _when()
    closed_at: datetime | None = _when_optional()
    closed_by_id: int | None = Field(default=None, foreign_key="person.id")
    withdrawn_at: datetime | None = _when_optional()


class EscalationKind(StrEnum):
    RAISED = "raised"  # ``!lyft``: an item raised to another forum
    REPORT_BACK = "report_back"  # ``!återrapport``: a thematic group reporting to its parent


class Escalation(SQLModel, table=True):
    """An item raised (lyft) from one forum's meeting to another forum.

    It is on the agenda of the other forum's next meeting, under follow-up: that meeting is
    ``taken_up_meeting_id`` once it has started.
    """

    id: int | None = Field(default=None, primary_key=True)
    # The meeting and line it was raised in; a thematic group's report back (``!återrapport``)
    # may come between meetings, with neither.
    item_id: int | None = Field(default=None, foreign_key="meetingitem.id", unique=True)
    from_forum_id: int = Field(foreign_key="forum.id")
    from_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    kind: EscalationKind = Field(
        default=EscalationKind.RAISED,
        sa_column=Column(
            SAEnum(
                EscalationKind,
                native_enum=False,
                length=20,
                values_callable=lambda e: [m.value for m in e],
            ),
            nullable=False,
            server_default=EscalationKind.RAISED.value,
        ),
    )
    to_forum_id: int = Field(foreign_key="forum.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    raised_at: datetime = _when()
    raised_by_id: int = Field(foreign_key="person.id")
    # Where to find it in the raising forum's channel: a link where the platform has one.
    link: str | None = Field(default=None, max_length=1000)
    taken_up_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    withdrawn_at: datetime | None = _when_optional()


class PostState(StrEnum):
    """Where a scheduled post is on its way out."""

    PENDING = "pending"  # waiting for its time (or for its next attempt)
    SENDING = "sending"  # claimed by one bot process, which is sending it
    QUEUED = "queued"  # worded and handed to the outbox, which sends it (and says how it went)
    SENT = "sent"
    MISSED = "missed"  # fell due while the bot was down, longer ago than the grace
    CANCELLED = "cancelled"  # taken back, or no longer relevant when it fell due
    FAILED = "failed"  # the platform refused it, or every attempt failed


# The pending posts on their first attempt, and those waiting for a retry: the conditions of
# two partial indexes, written out in the queries that use them (a planner matches them as
# text, and a bound parameter in their place would not match).
FIRST_DUE = "state = 'pending' AND next_attempt_at IS NULL"
RETRY_DUE = "state = 'pending' AND next_attempt_at IS NOT NULL"


class ScheduledPost(SQLModel, table=True):
    """A message the bot posts at a time: a reminder someone set, or one of the bot's own
    (the conference tomorrow, who has not reported, an unacknowledged call-out, an action due).

    What it says is worked out when it is sent (who has not reported *then*), from ``kind``
    and its references; ``text`` is a person's own words. ``key`` makes the bot's own posts
    idempotent: planning the same one twice, in one process or two, makes one row.
    """

    __table_args__ = (
        UniqueConstraint("key"),
        UniqueConstraint("platform", "channel_id", "number"),
        Index("ix_scheduledpost_state_due", "state", "due_at"),
        # When the next one falls due, or is to be tried again: each read through an index
        # of only the rows it is about (with any other, a planner with statistics may walk
        # the pending rows one by one).
        Index(
            "ix_scheduledpost_first_due",
            "due_at",
            sqlite_where=text(FIRST_DUE),
            postgresql_where=text(FIRST_DUE),
        ),
        Index(
            "ix_scheduledpost_retry_due",
            "next_attempt_at",
            sqlite_where=text(RETRY_DUE),
            postgresql_where=text(RETRY_DUE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    key: str | None = Field(default=None, max_length=200)
    platform: str = Field(max_length=20)
    channel_id: str = Field(max_length=255)
    # People's reminders are numbered per channel (``!påminn ta bort 3``).
    number: int | None = None
    forum_id: int | None = Field(default=None, foreign_key="forum.id")
    activation_id: int | None = Field(default=None, foreign_key="activation.id")
    action_id: int | None = Field(default=None, foreign_key="action.id")
    occurrence_at: datetime | None = _when_optional()  # the meeting it is about
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Weekly reminders: the wall-clock rule the next one is planned from (RFC 5545 RRULE).
    rule: str | None = Field(default=None, max_length=200)
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    language: str = Field(default="sv", max_length=8)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _when()
    due_at: datetime = _when()
    state: PostState = _enum(PostState, PostState.PENDING)
    attempts: int = 0
    next_attempt_at: datetime | None = _when_optional()
    claimed_until: datetime | None = _when_optional()
    # The process (``INSTANCE_NAME``) that claimed it: a new leader takes back at once what
    # its dead predecessor had claimed, instead of waiting for the claim to run out.
    claimed_by: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = _when_optional()
    late: bool = False
    message_id: str | None = Field(default=None, max_length=255)
    snoozed_from_id: int | None = Field(default=None, foreign_key="scheduledpost.id")


class Lease(SQLModel, table=True):
    """A role only one bot process may have at a time (the leader: Matrix sync and sending
    what is due), held by ``holder`` until ``expires_at`` unless renewed before then."""

    name: str = Field(max_length=100, primary_key=True)
    holder: str = Field(max_length=200)
    expires_at: datetime = _when()
    acquired_at: datetime = _when()
    # Counts the changes of holder: each new leader has a new term.
    term: int = 1


class OutboxState(StrEnum):
    """Where a message in the outbox is."""

    PENDING = "pending"  # to be sent (``claimed_by`` says who is sending it now, if anyone)
    SENT = "sent"
    FAILED = "failed"  # given up: the platform refused it for good, or every attempt failed


class OutboxMessage(SQLModel, table=True):
    """Something the bot will say, written in the same transaction as the change that made it
    (a command's answer, its posts to other channels, a scheduled post once worded), and
    delivered from here by a process that serves its platform.

    ``key`` names it for good (the Matrix transaction ids, the Slack message metadata):
    delivered twice, by this process or another, it is posted once. ``ready_at`` is when a
    sender may take it: at once; when the claim of the process sending it runs out; or at its
    next attempt. ``attempts`` counts the claims: a message claimed before whose outcome was
    never recorded may have gone out, and is looked for before it is sent again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        # What is to be sent next: the pending ones by when they may be taken (a few rows
        # read whatever the table's size).
        Index("ix_outbox_state_ready", "state", "ready_at"),
        # The few messages the bot refers to again (a call-out, kept current and
        # acknowledged by a reaction), by tag and by the platform's message id.
        Index(
            "ix_outbox_tag",
            "tag",
            sqlite_where=text("tag IS NOT NULL"),
            postgresql_where=text("tag IS NOT NULL"),
        ),
        Index(
            "ix_outbox_tagged_message",
            "message_id",
            sqlite_where=text("tag IS NOT NULL"),
            postgresql_where=text("tag IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    platform: str = Field(max_length=20)
    channel_id: str = Field(max_length=255)
    # "reply", "post", "scheduled", "edit" (of a tagged message) or "direct" (to a person)
    kind: str = Field(max_length=20)
    # A scheduled post this sends: told how it went.
    scheduled_id: int | None = Field(default=None, foreign_key="scheduledpost.id")
    # How the door answers the message it replies to (its thread, who asked), as JSON;
    # None for a post.
    route: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ok: bool = True  # False: a refusal (shown only to the person, where the platform can)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the document and files
    created_at: datetime = _when()
    # For a scheduled post: the time it was due (how late it went out).
    due_at: datetime | None = _when_optional()
    ready_at: datetime = _when()
    state: OutboxState = _enum(OutboxState, OutboxState.PENDING)
    attempts: int = 0
    failures: int = 0
    claimed_by: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = _when_optional()
    message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, max_length=500)
    # What the message is, for the bot to find it again ("callout:12"): None for most.
    tag: str | None = Field(default=None, max_length=100)


class DirectionState(StrEnum):
    """Where a joint regional direction (gemensam regional inriktning) is in its life."""

    DRAFT = "draft"  # förslag: drafted in a coordinating forum or its thematic group
    PRESENTED = "presented"  # föredragen: raised to a strategic forum
    ADOPTED = "adopted"  # fastställd (expired once ``valid_until`` has passed)
    SUPERSEDED = "superseded"  # ersatt by a newer adopted one


class Direction(SQLModel, table=True):
    """A joint regional direction, numbered in the region ("inriktning 3"). Its text is in
    its versions; ``valid_until`` is the latest version's, kept here to find what expires."""

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    # The coordinating forum it is for (a thematic group's parent when drafted in the group).
    forum_id: int = Field(foreign_key="forum.id", index=True)
    drafted_in_id: int = Field(foreign_key="forum.id")  # where it was first proposed
    activation_id: int | None = Field(default=None, foreign_key="activation.id")
    # Drafted in an exercise: the exercise's only (a plain id; see Directions.adopt,
    # in_force_for and end_exercise).
    exercise_id: int | None = None
    state: DirectionState = _enum(DirectionState, DirectionState.DRAFT)
    created_at: datetime = _when()
    created_by_id: int = Field(foreign_key="person.id")
    presented_to_id: int | None = Field(default=None, foreign_key="forum.id")
    presented_at: datetime | None = _when_optional()
    presented_by_id: int | None = Field(default=None, foreign_key="person.id")
    adopted_at: datetime | None = _when_optional()
    adopted_by_id: int | None = Field(default=None, foreign_key="person.id")
    superseded_at: datetime | None = _when_optional()
    superseded_by_id: int | None = None  # the direction that replaced it (a plain id)
    valid_until: datetime | None = _when_optional()


class DirectionVersion(SQLModel, table=True):
    """One version of a direction's text: each edit is one, with who, when and where."""

    __table_args__ = (UniqueConstraint("direction_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    direction_id: int = Field(foreign_key="direction.id", index=True)
    version: int  # 1, 2, 3 ...
    forum_id: int = Field(foreign_key="forum.id")  # the forum it was edited in
    at: datetime = _when()
    by_id: int = Field(foreign_key="person.id")
    target: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # Målbild
    priorities: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    constraints: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    guidelines: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    communication: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    valid_until: datetime | None = _when_optional()
    valid_until_text: str | None = Field(default=None, max_length=200)  # as written


class DirectionConfirmation(SQLModel, table=True):
    """An organisation has taken note of an adopted direction (``!inriktning kvittera``)."""

    direction_id: int = Field(foreign_key="direction.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    at: datetime = _when()


class JointMessageState(StrEnum):
    PROPOSED = "proposed"  # förslag: answered ok or with an objection
    AGREED = "agreed"  # fastställt: each actor publishes it through its own channels
    RETIRED = "retired"  # upphört


class JointMessage(SQLModel, table=True):
    """A joint message to the public (gemensamt budskap), numbered per forum; its text is
    the current version's (``text``, ``version``), earlier ones in its versions."""

    __table_args__ = (UniqueConstraint("forum_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    number: int
    activation_id: int | None = Field(default=None, foreign_key="activation.id")
    state: JointMessageState = _enum(JointMessageState, JointMessageState.PROPOSED)
    version: int = 1
    text: str = Field(sa_column=Column(Text, nullable=False))
    proposed_at: datetime = _when()
    proposed_by_id: int = Field(foreign_key="person.id")
    agreed_at: datetime | None = _when_optional()
    agreed_by_id: int | None = Field(default=None, foreign_key="person.id")
    retired_at: datetime | None = _when_optional()
    retired_by_id: int | None = Field(default=None, foreign_key="person.id")


class JointMessageVersion(SQLModel, table=True):
    message_id: int = Field(foreign_key="jointmessage.id", primary_key=True)
    version: int = Field(primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = _when()
    by_id: int = Field(foreign_key="person.id")


class JointMessageAnswer(SQLModel, table=True):
    """An organisation's answer to one version of a proposed joint message: ok, or an
    objection with its reason. A newer answer to the same version replaces it."""

    message_id: int = Field(foreign_key="jointmessage.id", primary_key=True)
    version: int = Field(primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    objection: bool = False
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    person_id: int = Field(foreign_key="person.id")
    at: datetime = _when()


class Exercise(SQLModel, table=True):
    """An exercise (övning) of a forum, from ``!övning start <namn>`` to ``!övning slut``:
    while it lasts every post in the forum's channels is marked ÖVNING; what it produced is
    flagged through its activations and can be removed after the evaluation (``cleared_at``).
    A scenario file's injects (inspel) are kept as given (``scenario``)."""

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    name: str = Field(max_length=120)
    started_at: datetime = _when()
    started_by_id: int = Field(foreign_key="person.id")
    ended_at: datetime | None = _when_optional()
    ended_by_id: int | None = Field(default=None, foreign_key="person.id")
    cleared_at: datetime | None = _when_optional()
    cleared_by_id: int | None = Field(default=None, foreign_key="person.id")
    scenario: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class WebLink(SQLModel, table=True):
    """A personal sign-in link to the web pages (``!webb``), and the session it opened.

    The link is signed (itsdangerous, with the web secret) and names this row; it works once
    (``used_at``), until ``expires_at``. Redeemed, it opens a session kept here too
    (``session_key``, until ``session_until``) so that revoking the row ends both. ``forums``:
    each forum the person may see, by id, with their role there (``{"3": "actor"}``)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(default="personal", max_length=20)
    nonce: str = Field(max_length=64)
    forums: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _when()
    expires_at: datetime = _when()
    used_at: datetime | None = _when_optional()
    session_key: str | None = Field(default=None, max_length=64)
    session_until: datetime | None = _when_optional()
    revoked_at: datetime | None = _when_optional()
    # A display link (``kind`` "display", ``!webb skärm``): the one forum its screen shows
    # (a plain id) and when a screen last fetched the page; valid until revoked.
    forum_id: int | None = Field(default=None, index=True)
    last_seen_at: datetime | None = _when_optional()

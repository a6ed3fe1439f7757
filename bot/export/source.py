"""What an export writes, read from the database without changing it.

The forum, round and version are found the way people name them in the chat, the meeting as
``!protokoll`` chooses it (the latest, or one by number), a direction by its number or as the
one in force. Without ``--round`` the round is the one people mean by "the picture": the
current round if it has reports, else the latest round with reports or a published version
(after Thursday's meeting, Thursday's, not next week's empty one); with ``--version`` alone,
the latest round that published that version.

All of it happens inside ``Database.reading``: finding the current round may open a round
row, and an export must leave the database as it found it, so that work is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from commands.core.i18n import normalise_language, t
from commands.core.text import fold
from commands.joint_direction.data import DirectionRecord, direction_record
from commands.minutes.record import Minutes, minutes_of
from commands.record import Record, compile_record, record_activation
from commands.situation.picture import Picture, compile_picture, round_activation
from commands.situation.rounds import current_round, round_label
from commands.statistics_data import Statistics, compile_statistics
from storage import Database, Store
from storage.directions import in_force as direction_in_force
from storage.models import Direction, Forum, Meeting, ReportRound
from storage.store import AuditContext


class ExportError(Exception):
    """What was asked for cannot be exported; the message says why and what to do."""


@dataclass(frozen=True)
class PictureQuery:
    """What the command line asked for: ``--forum``, ``--round``, ``--version``, ``--lang``."""

    forum: str
    round_number: int | None = None
    version: int | None = None
    language: str | None = None  # None: the forum's own language
    forum_id: int | None = None  # the forum itself (the web pages); None: by ``forum``


@dataclass(frozen=True)
class ExportedPicture:
    """A picture with what rendering it needs that only the database knows."""

    picture: Picture
    round_label: str
    language: str
    exercise: str | None = None  # the name of the exercise it belongs to; None: real


def load_picture(
    database: Database, query: PictureQuery, now: datetime, meeting_minutes: int
) -> ExportedPicture:
    """The live compile of the round, or the published version asked for."""
    now = now.astimezone(UTC)  # as the database gives instants back: one offset in the JSON
    context = AuditContext("cli", "export", "export", "samverkan-bot (export)", now)
    with database.reading(context) as store:
        forum = _forum(store, query.forum, query.forum_id)
        language = normalise_language(query.language or forum.language)
        target = _round(store, forum, query, now, meeting_minutes)
        if query.version is not None:
            picture = _published(store, forum, target, query.version)
        else:
            compiled_by = t(language, "export.compiled_by")
            picture = compile_picture(store, forum, target, now, compiled_by)
        label = round_label(target, ZoneInfo(forum.timezone), language)
        exercise = picture_exercise(store, forum, target, _made_at(store, target, query, now))
    return ExportedPicture(picture, label, language, exercise)


def picture_exercise(store: Store, forum: Forum, target: ReportRound, at: datetime) -> str | None:
    """The name of the exercise a picture of the round made at ``at`` belongs to: its
    activation's, or the forum's exercise under way then (``Exercises.of_work``)."""
    activation = round_activation(store, target)
    exercise = store.exercises.of_work((forum.id,), at, activation)
    return exercise.name if exercise is not None else None


def _made_at(store: Store, target: ReportRound, query: PictureQuery, now: datetime) -> datetime:
    """When the picture exported was made: the version's publication, or the live one's."""
    if query.version is not None:
        return store.reports.published_version(target, query.version).published_at
    return live_picture_at(target, now)


def live_picture_at(target: ReportRound, now: datetime) -> datetime:
    """When the round's picture compiled at ``now`` stands: as the round closed (or now,
    while it is open)."""
    return min(at for at in (target.closed_at, target.closes_at, now) if at is not None)


def _forum(store: Store, wanted: str, forum_id: int | None) -> Forum:
    """The forum by its id when the caller holds it (a web page's forum), else as named."""
    if forum_id is None:
        return find_forum(store.forums.all(), wanted)
    forum = store.forums.get(forum_id)
    if forum is None:
        raise ExportError(f"there is no forum {wanted!r} any more")
    return forum


def find_forum(forums: list[Forum], wanted: str) -> Forum:
    """By slug or name, case and accents aside; else by number in ``!forum lista`` (ordered
    by id): a forum named "3" is that forum, not the third listed."""
    text = wanted.strip()
    folded = fold(text)
    for forum in forums:
        if folded and folded in (fold(forum.slug), fold(forum.name)):
            return forum
    if text.isdigit() and 1 <= int(text) <= len(forums):
        return forums[int(text) - 1]
    listed = ", ".join(f"{number} {forum.slug}" for number, forum in enumerate(forums, 1))
    raise ExportError(
        f"unknown forum {wanted!r}: name it by number, slug or name (as in !forum lista): {listed}"
    )


def _round(
    store: Store, forum: Forum, query: PictureQuery, now: datetime, meeting_minutes: int
) -> ReportRound:
    number = query.round_number
    if number is None and query.version is not None:
        with_version = store.reports.latest_round_with_version(forum, query.version)
        if with_version is None:
            raise ExportError(
                f"{forum.name} has published no version {query.version} in any round: "
                "name the round with --round, or leave out --version for the latest picture"
            )
        return with_version
    if number is None:
        return _default_round(store, forum, now, meeting_minutes)
    found = store.reports.round_by_number(forum, number)
    if found is None:
        latest = store.reports.latest_round(forum)
        known = f"its latest is round {latest.number}" if latest else "it has no rounds yet"
        raise ExportError(f"{forum.name} has no round {number}: {known}")
    return found


def _default_round(store: Store, forum: Forum, now: datetime, meeting_minutes: int) -> ReportRound:
    """The current round if anyone has reported in it; else the latest round with reports or
    a published version; else the current (empty) one."""
    current = current_round(store, forum, now, meeting_minutes)
    if current is not None and store.reports.in_round(current):
        return current
    found = store.reports.latest_round_with_content(forum) or current
    if found is None:
        raise ExportError(
            f"{forum.name} has no round yet (no schedule, no activation, no earlier round)"
        )
    return found


def _published(store: Store, forum: Forum, target: ReportRound, version: int) -> Picture:
    try:
        published = store.reports.published_version(target, version)
    except LookupError:
        newest = store.reports.published(target)
        known = (
            f"the latest is version {newest.version}"
            if newest
            else "none is published yet (!lägesbild publicera)"
        )
        raise ExportError(
            f"round {target.number} of {forum.name} has no published version {version}: {known}"
        ) from None
    return Picture.from_json(published.content)


@dataclass(frozen=True)
class MinutesQuery:
    """What the command line asked for: ``--forum``, ``--meeting``, ``--lang``."""

    forum: str
    meeting_number: int | None = None  # None: the forum's latest meeting
    language: str | None = None  # None: the forum's own language
    forum_id: int | None = None  # the forum itself (the web pages); None: by ``forum``


@dataclass(frozen=True)
class ExportedMinutes:
    """A meeting's minutes, compiled as ``!protokoll`` compiles them, in one language."""

    minutes: Minutes
    language: str
    forum_slug: str  # for a file name (the catalogue's ``minutes.filename``)


def load_minutes(database: Database, query: MinutesQuery, now: datetime) -> ExportedMinutes:
    """The minutes of the meeting asked for; once it has ended, with its round's picture."""
    now = now.astimezone(UTC)
    context = AuditContext("cli", "export", "export", "samverkan-bot (export)", now)
    with database.reading(context) as store:
        forum = _forum(store, query.forum, query.forum_id)
        language = normalise_language(query.language or forum.language)
        meeting = _meeting(store, forum, query.meeting_number)
        minutes = minutes_of(store, meeting, language)
        slug = forum.slug
    return ExportedMinutes(minutes, language, slug)


def _meeting(store: Store, forum: Forum, number: int | None) -> Meeting:
    found = (
        store.meetings.latest(forum) if number is None else store.meetings.by_number(forum, number)
    )
    if found is not None:
        return found
    numbers = sorted(store.meetings.numbers(forum).values())
    if not numbers:
        raise ExportError(f"{forum.name} has no meetings yet (!möte start begins one)")
    raise ExportError(f"{forum.name} has no meeting {number}: it has {_meetings_named(numbers)}")


def _meetings_named(numbers: list[int]) -> str:
    """``meeting 1``, ``meetings 1-4``, ``meetings 1-3, 5``: sorted numbers as runs."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    named = ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
    return f"meeting {named}" if len(numbers) == 1 else f"meetings {named}"


@dataclass(frozen=True)
class DirectionQuery:
    """What the command line asked for: ``--number``, ``--forum``, ``--lang``."""

    number: int | None = None  # None: the one in force (for --forum, or the newest adopted)
    forum: str | None = None
    language: str | None = None  # None: the language of the forum it is for


@dataclass(frozen=True)
class ExportedDirection:
    """A direction as its file shows it, in one language."""

    record: DirectionRecord
    language: str


def load_direction(database: Database, query: DirectionQuery, now: datetime) -> ExportedDirection:
    """The direction numbered; without a number, the one in force for ``--forum``, or the
    newest adopted direction of the region still in force."""
    now = now.astimezone(UTC)
    context = AuditContext("cli", "export", "export", "samverkan-bot (export)", now)
    with database.reading(context) as store:
        direction = _direction(store, query, now)
        home = store.forums.get(direction.forum_id)
        language = normalise_language(query.language or (home.language if home else None))
        record = direction_record(store, direction, now)
    return ExportedDirection(record, language)


def _direction(store: Store, query: DirectionQuery, now: datetime) -> Direction:
    if query.number is not None:
        found = store.directions.by_number(query.number)
        if found is None:
            raise ExportError(f"there is no direction {query.number}: {_directions_named(store)}")
        return found
    if query.forum is not None:
        forum = find_forum(store.forums.all(), query.forum)
        in_force = store.directions.in_force_for(forum, now)
        if in_force is None:
            raise ExportError(
                f"no adopted direction is in force for {forum.name}: name one with --number "
                f"({_directions_named(store)})"
            )
        return in_force
    for adopted in store.directions.adopted():
        if direction_in_force(adopted, now):
            return adopted
    raise ExportError(
        f"no adopted direction is in force: name one with --number ({_directions_named(store)})"
    )


def _directions_named(store: Store) -> str:
    numbers = sorted(
        direction.number
        for forum in store.forums.all()
        for direction in store.directions.of_forum(forum)
    )
    if not numbers:
        return "there are no directions yet (!inriktning förslag drafts one)"
    return "there are " + ", ".join(str(number) for number in numbers)


@dataclass(frozen=True)
class StatisticsQuery:
    """What the command line asked for: ``--forum``, ``--period``, ``--lang``."""

    forum: str
    period: str = ""  # as !statistik reads it: "2026", "senaste 12 månader"; "": 12 months
    language: str | None = None  # None: the forum's own language
    forum_id: int | None = None  # the forum itself (the web pages); None: by ``forum``


@dataclass(frozen=True)
class ExportedStatistics:
    """A forum's figures over the period, as ``!statistik`` compiles them, in one language."""

    statistics: Statistics
    language: str
    zone: ZoneInfo
    compiled_at: datetime


def load_statistics(
    database: Database, query: StatisticsQuery, now: datetime
) -> ExportedStatistics:
    """The forum's figures for the period asked for, exercises apart."""
    from commands.statistics import read_period

    now = now.astimezone(UTC)
    context = AuditContext("cli", "export", "export", "samverkan-bot (export)", now)
    with database.reading(context) as store:
        forum = _forum(store, query.forum, query.forum_id)
        language = normalise_language(query.language or forum.language)
        zone = ZoneInfo(forum.timezone)
        period = read_period(query.period, now, zone)
        if period is None:
            raise ExportError(
                f"cannot read the period {query.period!r}: write a year (--period 2026) or "
                '--period "senaste 12 månader"'
            )
        statistics = compile_statistics(store, forum, period.start, period.end, now)
    return ExportedStatistics(statistics, language, zone, now)


@dataclass(frozen=True)
class RecordQuery:
    """What the command line asked for: ``--forum``, ``--activation``, ``--lang``."""

    forum: str
    activation: int | None = None  # None: the forum's latest real activation
    language: str | None = None  # None: the forum's own language
    forum_id: int | None = None  # the forum itself (the web pages); None: by ``forum``


@dataclass(frozen=True)
class ExportedRecord:
    """An activation's record, as ``!efterhand`` compiles it, with the forum's zone."""

    record: Record
    language: str
    timezone: str
    exercise: str | None = None  # the exercise's name, for an exercise's activation


def load_record(
    database: Database, query: RecordQuery, now: datetime, recall_minutes: int
) -> ExportedRecord:
    """The record of the activation numbered (of this forum), or of its latest real one."""
    now = now.astimezone(UTC)
    context = AuditContext("cli", "export", "export", "samverkan-bot (export)", now)
    with database.reading(context) as store:
        forum = _forum(store, query.forum, query.forum_id)
        language = normalise_language(query.language or forum.language)
        activation = record_activation(store, forum, query.activation)
        if activation is None:
            if query.activation is not None:
                raise ExportError(f"{forum.name} has no activation {query.activation}")
            drill = record_activation(store, forum, None, exercise=True)
            if drill is not None:
                raise ExportError(
                    f"{forum.name} has no real activation yet; its latest exercise's: "
                    f"--activation {drill.id}"
                )
            raise ExportError(f"{forum.name} has no activation yet (!aktivera starts one)")
        record = compile_record(store, forum, activation, recall_minutes)
        exercise = store.exercises.get(activation.exercise_id) if activation.exercise_id else None
        name = exercise.name if exercise is not None else None
        return ExportedRecord(record, language, forum.timezone, name)

"""A forum's figures over a period, as plain data (``!statistik``, ``export statistik``):
compiled from what is stored, with JSON in and out. Exercises are only counted (those
begun in the period); no figure includes their activations (``exercise_id``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from commands.callout.reach import call_history, counted
from commands.core.meeting_times import Status, meetings_between
from storage import Store
from storage.models import Activation, Forum


@dataclass(frozen=True)
class Delays:
    """Median and longest of a set of delays, in whole minutes (rounded down)."""

    count: int
    median_minutes: int
    longest_minutes: int

    @classmethod
    def of(cls, delays: list[timedelta]) -> Delays | None:
        if not delays:
            return None
        minutes = [int(d.total_seconds() // 60) for d in delays]
        return cls(len(minutes), int(median(minutes)), max(minutes))


@dataclass(frozen=True)
class OrganisationAcknowledgement:
    organisation: str
    delays: Delays | None  # None: it never acknowledged
    called: int  # activations it was called in to
    never: int  # of those, how many it never acknowledged


@dataclass(frozen=True)
class OrganisationCompleteness:
    organisation: str
    reported: int  # scheduled meetings it reported to before the meeting began
    meetings: int  # the scheduled meetings counted

    @property
    def share(self) -> float:
        return self.reported / self.meetings if self.meetings else 0.0


@dataclass(frozen=True)
class Week:
    """One scheduled meeting's round: how many organisations reported before it began."""

    meeting_at: datetime
    reported: int
    expected: int


@dataclass(frozen=True)
class Statistics:
    forum: str
    start: datetime
    end: datetime
    activations: int
    durations: Delays | None  # of the activations stood down
    ongoing: int
    exercises: int
    convene: Delays | None  # activation to its first meeting
    acknowledgements: list[OrganisationAcknowledgement] = field(default_factory=list)
    completeness: list[OrganisationCompleteness] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    held: int = 0
    moved: int = 0
    skipped: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        for week in data["weeks"]:
            week["meeting_at"] = week["meeting_at"].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Statistics:
        def delays(value: dict[str, int] | None) -> Delays | None:
            return Delays(**value) if value else None

        return cls(
            forum=data["forum"],
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            activations=data["activations"],
            durations=delays(data["durations"]),
            ongoing=data["ongoing"],
            exercises=data["exercises"],
            convene=delays(data["convene"]),
            acknowledgements=[
                OrganisationAcknowledgement(
                    a["organisation"], delays(a["delays"]), a["called"], a["never"]
                )
                for a in data["acknowledgements"]
            ],
            completeness=[OrganisationCompleteness(**c) for c in data["completeness"]],
            weeks=[
                Week(datetime.fromisoformat(w["meeting_at"]), w["reported"], w["expected"])
                for w in data["weeks"]
            ],
            held=data["held"],
            moved=data["moved"],
            skipped=data["skipped"],
        )


def _acknowledgements(
    store: Store, real: list[Activation], names: dict[int, str]
) -> list[OrganisationAcknowledgement]:
    """Per organisation called in: its first acknowledgement's delay in each activation,
    from when it was called (one called in during the event: from then), as ``!efterhand``
    counts it; one released (``!släpp``) is not counted in that activation."""
    first: dict[tuple[int, int], datetime] = {}
    for ack in store.statistics.acknowledgements([a.id for a in real if a.id is not None]):
        first.setdefault((ack.activation_id, ack.organisation_id), ack.at)
    delays: dict[int, list[timedelta]] = {}
    called: dict[int, int] = {}
    for activation in real:
        assert activation.id is not None
        history = call_history(store, activation)
        for oid in set(counted(activation)):
            called[oid] = called.get(oid, 0) + 1
            at = first.get((activation.id, oid))
            if at is not None:
                delays.setdefault(oid, []).append(at - history.call_time(activation, oid))
    rows = [
        OrganisationAcknowledgement(
            names.get(oid, str(oid)),
            Delays.of(delays.get(oid, [])),
            count,
            count - len(delays.get(oid, [])),
        )
        for oid, count in called.items()
    ]
    return sorted(rows, key=lambda row: row.organisation)


def _convene(store: Store, forum: Forum, real: list[Activation], now: datetime) -> Delays | None:
    """Activation to the first meeting of the forum begun while it lasted."""
    if not real:
        return None
    starts = store.statistics.meeting_starts(forum, real[0].activated_at)
    delays = []
    for activation in real:
        until = activation.stood_down_at or now
        first = next((s for s in starts if activation.activated_at <= s <= until), None)
        if first is not None:
            delays.append(first - activation.activated_at)
    return Delays.of(delays)


def compile_statistics(
    store: Store, forum: Forum, start: datetime, end: datetime, now: datetime
) -> Statistics:
    """The forum's figures for ``[start, end)``, counted up to ``now`` at the latest."""
    end = min(end, now)
    everything = store.statistics.activations(forum, start, end)
    real = [a for a in everything if a.exercise_id is None]
    members = {o.id: o.name for o in store.forums.participants(forum) if o.id is not None}
    called = {oid for a in real for oid in a.called_out}
    names = {o.id: o.name for o in store.organisations.by_ids(list(called)).values() if o.id}
    names.update(members)
    ended = [a.stood_down_at - a.activated_at for a in real if a.stood_down_at is not None]
    # Reports sent while the forum was in an exercise were the drill's, never counted.
    drills = [(ex.started_at, ex.ended_at) for ex in store.exercises.of_forum(forum)]
    rounds = store.statistics.scheduled_rounds(forum, start, end, apart=drills)
    # Meetings the schedule had while the bot kept the forum: none before it was made here.
    occurrences = meetings_between(forum, max(start, forum.created_at), end)
    reported: dict[int, int] = dict.fromkeys(members, 0)
    weeks = []
    for meeting_at, firsts in rounds:
        on_time = {oid for oid, at in firsts.items() if oid in members and at < meeting_at}
        for oid in on_time:
            reported[oid] += 1
        weeks.append(Week(meeting_at, len(on_time), len(members)))
    completeness = sorted(
        (
            OrganisationCompleteness(members[oid], count, len(rounds))
            for oid, count in reported.items()
        ),
        key=lambda row: (-row.share, row.organisation),
    )
    return Statistics(
        forum=forum.name,
        start=start,
        end=end,
        activations=len(real),
        durations=Delays.of(ended),
        ongoing=len(real) - len(ended),
        exercises=store.statistics.exercises(forum, start, end),
        convene=_convene(store, forum, real, now),
        acknowledgements=_acknowledgements(store, real, names),
        completeness=completeness,
        weeks=weeks,
        held=sum(1 for o in occurrences if o.status is Status.HELD),
        moved=sum(1 for o in occurrences if o.status is Status.MOVED),
        skipped=sum(1 for o in occurrences if o.status is Status.SKIPPED),
    )


# -- the weekly chart attached in chat (``!statistik``) -----------------------------------------

# The bot draws it (bot/files.py by this kind, bot/charts/statistics.py) as a PNG image, the
# very chart ``export statistik --format html`` shows as SVG.
STATISTICS_CHART_ATTACHMENT = "statistics_chart"


@dataclass(frozen=True)
class StatisticsChart:
    statistics: Statistics
    timezone: str  # the forum's: the weeks' dates on the axis


def statistics_chart_data(payload: object) -> dict[str, Any]:
    """The attached chart as JSON values: how it waits in the outbox."""
    if not isinstance(payload, StatisticsChart):
        raise TypeError(f"an attached statistics chart carries a {type(payload).__name__}")
    return {"statistics": payload.statistics.to_json(), "timezone": payload.timezone}


def statistics_chart_from(data: Any) -> StatisticsChart:
    """What :func:`statistics_chart_data` wrote, read back."""
    return StatisticsChart(Statistics.from_json(data["statistics"]), str(data["timezone"]))

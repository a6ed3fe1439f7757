"""The joint situation picture (samlad lägesbild) of one round, compiled from the database.

A :class:`Picture` is plain data: each reporting organisation's newest report, who has not
reported, and the header. It is what the chat shows, what ``export`` writes, and, as JSON,
what a published version freezes. Compiling reads only the round's own rows, so it costs the
same however much history the database holds.

A closed round's picture is what it was at closing: a report sent after (marked late) never
takes the place of what the picture showed, published or archived; it is listed apart, under
``late_reports`` ("Inkomna efter stängning"). Compiled as of a time (the minutes: the
meeting's end), reports sent after it are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from commands.callout.reach import counted
from commands.joint_direction.summary import (
    AgreedMessage,
    DirectionSummary,
    agreed_messages,
    direction_in_force,
)
from commands.situation.parse import says_nothing
from commands.situation.rounds import closed_at, is_closed, mode_of
from storage import Store
from storage.models import Activation, Forum, ReportRound, SituationReport
from storage.reports import ReportFields

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PictureReport:
    """One organisation's newest report of the round."""

    organisation_id: int
    organisation: str
    fields: dict[str, str]  # the filled-in fields, in the model's order
    at: datetime
    by: str
    on_behalf: bool = False
    late: bool = False
    unchanged_since: datetime | None = None  # "oförändrat": copied from a report of then
    reports: int = 1  # how many the organisation sent this round (the earlier are kept)
    # Why the report is shown but not counted (None: counted): "not_member" of the forum,
    # "not_called" in the activation, or "released" from it.
    outside: str | None = None


@dataclass(frozen=True)
class Picture:
    forum: str
    forum_slug: str
    language: str
    timezone: str
    round_number: int
    round_kind: str
    mode: str
    opened_at: datetime
    meeting_at: datetime | None
    closes_at: datetime | None
    closed: bool
    compiled_at: datetime
    compiled_by: str
    reports: list[PictureReport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    version: int | None = None  # the published version this is, if it is one
    published_at: datetime | None = None
    # Sent after the round closed: each organisation's newest, kept apart from ``reports``.
    late_reports: list[PictureReport] = field(default_factory=list)
    # How many organisations the round awaits (``expected_organisations``); None in a
    # version published before it was recorded.
    expected_count: int | None = None
    # The adopted direction in force and the agreed joint messages as the picture is compiled
    # (a closed round's: at its closing); a version published before they were shown has none.
    direction: DirectionSummary | None = None
    joint_messages: list[AgreedMessage] = field(default_factory=list)

    @property
    def expected(self) -> int:
        """How many organisations the round awaits: the forum's members, or those called in
        and not released; an older version's, those it showed."""
        if self.expected_count is not None:
            return self.expected_count
        return len(self.reports) + len(self.missing)

    @property
    def reported(self) -> int:
        """How many of those awaited have reported (a report from outside is not counted)."""
        return self.expected - len(self.missing)

    def collected(self, name: str) -> list[tuple[str, str]]:
        """One field across organisations (``needs``, ``communication``), with its source;
        "inga" and the like left out."""
        found = []
        for report in self.reports:
            value = report.fields.get(name)
            if value is not None and not says_nothing(value):
                found.append((report.organisation, value))
        return found

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT_VERSION
        data["direction"] = self.direction.to_json() if self.direction else None
        data["joint_messages"] = [message.to_json() for message in self.joint_messages]
        encoded: dict[str, Any] = _encode(data)
        return encoded

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Picture:
        # Keys this code does not know (a newer format) are left out, not an error.
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("opened_at", "meeting_at", "closes_at", "compiled_at", "published_at"):
            values[key] = _instant(values.get(key))
        # A version published before late reports were kept apart has none.
        for key in ("reports", "late_reports"):
            values[key] = [_report(report) for report in values.get(key, [])]
        direction = values.get("direction")
        values["direction"] = DirectionSummary.from_json(direction) if direction else None
        values["joint_messages"] = [
            AgreedMessage.from_json(message) for message in values.get("joint_messages", [])
        ]
        return cls(**values)


def _report(data: dict[str, Any]) -> PictureReport:
    known = {f.name for f in fields(PictureReport)}
    return PictureReport(
        **{
            **{key: value for key, value in data.items() if key in known},
            "at": _instant(data["at"]),
            "unchanged_since": _instant(data.get("unchanged_since")),
        }
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def sort_key(name: str) -> str:
    """Swedish alphabetical order: å, ä, ö after z."""
    return name.casefold().translate({ord("å"): "z{", ord("ä"): "z|", ord("ö"): "z}"})


# Why a report is shown but not counted (``PictureReport.outside``).
NOT_MEMBER = "not_member"
NOT_CALLED = "not_called"
RELEASED = "released"


def awaited(activation: Activation) -> set[int]:
    """The organisations an activation awaits: those called in, less those released."""
    return set(counted(activation))


def round_activation(store: Store, report_round: ReportRound | None) -> Activation | None:
    """The activation a round belongs to: its own round, or the round of one of its
    meetings (``!rytm``, ``!nästa möte``); None for a round of the forum's own meetings."""
    if report_round is None:
        return None
    activation_id = report_round.activation_id or report_round.rhythm_activation_id
    return store.activations.get(activation_id) if activation_id else None


def expected_organisations(
    store: Store, forum: Forum, report_round: ReportRound | None
) -> set[int]:
    """Who the round awaits, the one place every count asks (the picture, ``!saknas``, the
    nag before a meeting, the roll call, the minutes' absent members): in an activation's
    round, and in the round of one of its meetings (``!rytm``), those called in and not
    released; otherwise the forum's member organisations."""
    activation = round_activation(store, report_round)
    if activation is not None:
        return awaited(activation)
    return {org.id for org in store.forums.participants(forum) if org.id is not None}


def _why_outside(store: Store, report_round: ReportRound) -> Callable[[int], str]:
    """Why an organisation the round does not await is so: released from the activation,
    not called in to it, or (outside an activation) no member of the forum."""
    activation = round_activation(store, report_round)
    if activation is None:
        return lambda _oid: NOT_MEMBER
    released = set(activation.released or [])
    return lambda oid: RELEASED if oid in released else NOT_CALLED


def _newest(reports: list[SituationReport]) -> tuple[dict[int, SituationReport], dict[int, int]]:
    """Each organisation's newest report, and how many it sent."""
    newest: dict[int, SituationReport] = {}
    counts: dict[int, int] = {}
    for report in reports:
        newest[report.organisation_id] = report
        counts[report.organisation_id] = counts.get(report.organisation_id, 0) + 1
    return newest, counts


def compile_picture(
    store: Store, forum: Forum, report_round: ReportRound, now: datetime, compiled_by: str
) -> Picture:
    """The round's picture as of ``now``: reports sent later are left out, and late ones
    (sent after the round closed) are listed apart, never in place of an on-time one. The
    direction and the joint messages are those in force then (a closed round's: when it
    closed)."""
    everything = [report for report in store.reports.in_round(report_round) if report.at <= now]
    newest, counts = _newest([report for report in everything if not report.late])
    newest_late, late_counts = _newest([report for report in everything if report.late])
    expected = expected_organisations(store, forum, report_round)
    why_outside = _why_outside(store, report_round)
    organisations = store.organisations.by_ids([*expected, *newest, *newest_late])
    shown = [*newest.values(), *newest_late.values()]
    people = store.people.by_ids([report.person_id for report in shown])
    sources = store.reports.by_ids(
        [r.unchanged_from_id for r in shown if r.unchanged_from_id is not None]
    )

    def entry(report: SituationReport, count: int) -> PictureReport:
        oid = report.organisation_id
        organisation = organisations.get(oid)
        person = people.get(report.person_id)
        source = sources.get(report.unchanged_from_id) if report.unchanged_from_id else None
        return PictureReport(
            organisation_id=oid,
            organisation=organisation.name if organisation else "?",
            fields=dict(ReportFields.of(report).items()),
            at=report.at,
            by=person.display_name if person else "?",
            on_behalf=report.on_behalf,
            late=report.late,
            unchanged_since=source.at if source else None,
            reports=count,
            outside=None if oid in expected else why_outside(oid),
        )

    reports = sorted(
        (entry(report, counts[oid]) for oid, report in newest.items()),
        key=lambda report: sort_key(report.organisation),
    )
    late_reports = sorted(
        (entry(report, late_counts[oid]) for oid, report in newest_late.items()),
        key=lambda report: sort_key(report.organisation),
    )
    # Who had not reported when the round closed: a late report does not change that.
    missing = sorted(
        (organisations[oid].name for oid in expected - set(newest) if oid in organisations),
        key=sort_key,
    )
    closed = is_closed(report_round, now)
    closes_at = closed_at(report_round)
    framed_at = closes_at if closed and closes_at is not None and closes_at < now else now
    return Picture(
        forum=forum.name,
        forum_slug=forum.slug,
        language=forum.language,
        timezone=forum.timezone,
        round_number=report_round.number,
        round_kind=report_round.kind.value,
        mode=mode_of(report_round).value,
        opened_at=report_round.opened_at,
        meeting_at=report_round.meeting_at,
        closes_at=closes_at,
        closed=closed,
        compiled_at=now.astimezone(UTC),
        compiled_by=compiled_by,
        reports=reports,
        missing=missing,
        late_reports=late_reports,
        expected_count=len(expected),
        direction=direction_in_force(store, forum, framed_at),
        joint_messages=agreed_messages(store, forum, framed_at),
    )

"""Which round of a forum a report belongs to, and when a round is closed.

Each scheduled meeting (the Thursday conference of week 48) has a round, and so has each
activation. In order, a report goes to:

1. the round of the forum's open activation;
2. the round of a meeting in progress: one opened with ``!möte start`` until ``!möte slut``,
   else a scheduled one until ``MEETING_MINUTES`` after it starts;
3. the round of the next scheduled meeting (reports sent between rounds);
4. for a forum without a schedule (convened on activation only), its last activation's
   round, where the report is recorded as late.

A round is created when first needed (an activation's at the first report or look at its
picture, dated from the activation), and numbered 1, 2, 3 ... within its forum.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.i18n import t
from commands.core.schedule import next_meetings
from commands.core.timefmt import format_time
from storage import Store
from storage.models import Activation, Forum, Mode, ReportRound, RoundKind

# Scheduled meetings looked at when the next ones' rounds were ended early.
_LOOKAHEAD = 8


def is_closed(report_round: ReportRound, now: datetime) -> bool:
    if report_round.closed_at is not None and report_round.closed_at <= now:
        return True
    return report_round.closes_at is not None and now >= report_round.closes_at


def closed_at(report_round: ReportRound) -> datetime | None:
    """When the round closed (or will close, for a meeting's round)."""
    return report_round.closed_at or report_round.closes_at


def mode_of(report_round: ReportRound) -> Mode:
    return Mode.ACTIVATED if report_round.kind is RoundKind.ACTIVATION else Mode.ORDINARY


def activation_round(store: Store, forum: Forum, activation: Activation) -> ReportRound:
    """The activation's round, created when first needed (the call-out stays as fast as it
    was), but open since the activation."""
    found = store.reports.activation_round(activation)
    if found is not None:
        return found
    return store.reports.open_round(
        forum,
        RoundKind.ACTIVATION,
        activation=activation,
        opened_at=activation.activated_at,
        closed_at=activation.stood_down_at,
    )


def current_round(
    store: Store, forum: Forum, now: datetime, meeting_minutes: int
) -> ReportRound | None:
    """The round a report sent now belongs to; None for a forum with neither activation,
    schedule nor earlier round."""
    activation = store.activations.current(forum)
    if activation is not None:
        return activation_round(store, forum, activation)
    meeting = store.meetings.open(forum)
    if meeting is not None and meeting.round_id is not None:
        # A meeting in progress keeps its round open, however long it runs.
        found = store.reports.round_by_id(meeting.round_id)
        if found is not None and not is_closed(found, now):
            return found
    length = timedelta(minutes=meeting_minutes)
    for meeting_at in next_meetings(forum, now - length, count=_LOOKAHEAD):
        found = store.reports.meeting_round(forum, meeting_at)
        if found is None:
            return store.reports.open_round(
                forum, RoundKind.MEETING, meeting_at=meeting_at, closes_at=meeting_at + length
            )
        if not is_closed(found, now):
            return found
    if not forum.schedule_rule:
        # Convened on activation only: the last activation's round, closed (reports are late).
        latest = store.activations.latest(forum)
        if latest is not None:
            return activation_round(store, forum, latest)
    return store.reports.latest_round(forum)


def round_label(report_round: ReportRound, zone: ZoneInfo, language: str) -> str:
    """``Runda 12 – möte 2026-11-26 16:00 (v. 48)`` / ``Runda 13 – aktivering 2026-11-23 10:12``."""
    if report_round.kind is RoundKind.MEETING and report_round.meeting_at is not None:
        local = report_round.meeting_at.astimezone(zone)
        return t(
            language,
            "round.meeting",
            number=report_round.number,
            time=format_time(local, zone),
            week=local.isocalendar().week,
        )
    return t(
        language,
        "round.activation",
        number=report_round.number,
        time=format_time(report_round.opened_at, zone),
    )

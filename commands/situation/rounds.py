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

A meeting started with ``!möte start`` holds a round open until it ends
(:func:`round_for_meeting`): the activation's, or the scheduled meeting's when it is that
meeting, else a round of its own (an extra meeting; none in a forum without a schedule, which
gathers reports only when activated). It never takes a later meeting's round:
a Monday check-in that closed Thursday's round would send Thursday's reports a week on.

A report sent to a closed round is kept and marked late; the round's picture stays what it
was at closing and shows late reports apart (``commands.situation.picture``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.meeting_times import next_meetings
from commands.core.request import Request
from commands.core.timefmt import format_time
from storage import Store
from storage.models import Activation, Forum, Mode, ReportRound, RoundKind

# Scheduled meetings looked at when the next ones' rounds were ended early.
_LOOKAHEAD = 8
# A chair may open the scheduled meeting this much before its time and it is still that
# meeting (people dial in early); earlier, it is an extra meeting with a round of its own.
EARLY_START = timedelta(minutes=30)


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


def round_for_meeting(
    store: Store, forum: Forum, now: datetime, meeting_minutes: int
) -> ReportRound | None:
    """The round a meeting started now holds open until it ends, if any.

    1. the open activation's (its stand-down closes it, not the meeting's end);
    2. for a forum convened on activation only (no schedule), none: it gathers reports in
       activations, and its other meetings (chefsgrupp's) have no picture to compile;
    3. the scheduled meeting's, when one is due now (from ``EARLY_START`` before it until
       ``meeting_minutes`` after) and its round is still open;
    4. else a round of its own, an extra meeting's: a check-in on Monday, or a second meeting
       after Thursday's, leaves next Thursday's round open for Thursday.
    """
    activation = store.activations.current(forum)
    if activation is not None:
        return activation_round(store, forum, activation)
    if not forum.schedule_rule:
        return None
    length = timedelta(minutes=meeting_minutes)
    for meeting_at in next_meetings(forum, now - length, count=1):
        if now < meeting_at - EARLY_START:
            break  # the next scheduled meeting is later: this one is extra
        found = store.reports.meeting_round(forum, meeting_at)
        if found is None:
            return store.reports.open_round(
                forum, RoundKind.MEETING, meeting_at=meeting_at, closes_at=meeting_at + length
            )
        if found.closed_at is None and not is_closed(found, now):
            return found
        # Its round was closed by an earlier meeting today: this one is extra.
    return store.reports.open_round(forum, RoundKind.EXTRA_MEETING, opened_at=now)


def round_label(report_round: ReportRound, zone: ZoneInfo, language: str) -> str:
    """``runda 12 (möte 2026-11-26 16:00, v. 48)``, ``runda 13 (aktivering 2026-11-23 10:12)``,
    ``runda 14 (extra möte 2026-11-30 09:00)``."""
    if report_round.kind is RoundKind.MEETING and report_round.meeting_at is not None:
        local = report_round.meeting_at.astimezone(zone)
        return t(
            language,
            "round.meeting",
            number=report_round.number,
            time=format_time(local, zone),
            week=local.isocalendar().week,
        )
    key = (
        "round.extra_meeting"
        if report_round.kind is RoundKind.EXTRA_MEETING
        else "round.activation"
    )
    return t(
        language, key, number=report_round.number, time=format_time(report_round.opened_at, zone)
    )


def report_round(req: Request, forum: Forum) -> ReportRound:
    found = current_round(req.store, forum, req.now, req.config.meeting_minutes)
    if found is None:
        raise CommandError("error.no_round", hint_key="hint.no_round", forum=forum.name)
    return found

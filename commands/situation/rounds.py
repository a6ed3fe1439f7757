"""Which round of a forum a report belongs to, and when a round is closed.

Each scheduled meeting (the Thursday conference of week 48) has a round, and so has each
activation, and each meeting of an activation's rhythm (``!rytm``, ``!nästa möte``:
``commands/situation/activation_meetings.py``). In order, a report goes to:

1. during an activation with meetings (a rhythm, a meeting set on its own): the round of its
   meeting in progress (one opened with ``!möte start`` until ``!möte slut``, else until
   ``MEETING_MINUTES`` after it starts), else of its next meeting
   (``RoundKind.RHYTHM_MEETING``, counted against those called in and not released); during
   an activation without (or with no meeting ahead), the activation's own round;
2. the round of a meeting in progress: one opened with ``!möte start`` until ``!möte slut``,
   else a scheduled one until ``MEETING_MINUTES`` after it starts;
3. the round of the next scheduled meeting (reports sent between rounds);
4. for a forum without a schedule (convened on activation only), its last activation's
   round, where the report is recorded as late.

A round is created when first needed (an activation's at the first report or look at its
picture, dated from the activation), and numbered 1, 2, 3 ... within its forum.

A meeting started with ``!möte start`` holds a round open until it ends
(:func:`round_for_meeting`): the activation's meeting's when it is one of them (from
``EARLY_START`` before it), else the activation's own; the scheduled meeting's when it is that
meeting, else a round of its own (an extra meeting; none in a forum without a schedule, which
gathers reports only when activated). It never takes a later meeting's round:
a Monday check-in that closed Thursday's round would send Thursday's reports a week on.

A report sent to a closed round is kept and marked late; the round's picture stays what it
was at closing and shows late reports apart (``commands.situation.picture``). A rhythm
meeting's round closes like a scheduled meeting's, and at the latest at stand-down
(:func:`close_rhythm_rounds`).

A rhythm meeting's round is found by its time (``ReportRound.meeting_at``, unique in its
forum): should a round of the forum's schedule already stand at that very time (reports sent
to Thursday's conference before the activation), the activation's meeting then is that
meeting, and takes that round.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.meeting_times import next_meetings
from commands.core.request import Request
from commands.core.timefmt import format_time
from commands.situation.activation_meetings import has_meetings, meetings_from
from storage import Store
from storage.models import Activation, Forum, Mode, ReportRound, RoundKind

# Scheduled meetings looked at when the next ones' rounds were ended early.
_LOOKAHEAD = 8
_INSTANT = timedelta(microseconds=1)
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


_ACTIVATED_ROUNDS = frozenset({RoundKind.ACTIVATION, RoundKind.RHYTHM_MEETING})


def mode_of(report_round: ReportRound) -> Mode:
    return Mode.ACTIVATED if report_round.kind in _ACTIVATED_ROUNDS else Mode.ORDINARY


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


def rhythm_round(
    store: Store, forum: Forum, activation: Activation, meeting_at: datetime, meeting_minutes: int
) -> ReportRound:
    """The round of the activation's meeting at ``meeting_at``, created when first needed;
    it closes ``meeting_minutes`` after the meeting starts, like a scheduled meeting's."""
    found = store.reports.meeting_round(forum, meeting_at)
    if found is not None:
        return found
    created = store.reports.open_round(
        forum,
        RoundKind.RHYTHM_MEETING,
        meeting_at=meeting_at,
        closes_at=meeting_at + timedelta(minutes=meeting_minutes),
    )
    created.rhythm_activation_id = activation.id
    return created


def _held_open(store: Store, forum: Forum, activation: Activation) -> ReportRound | None:
    """The round of the activation's meeting a meeting in progress holds open, if any."""
    meeting = store.meetings.open(forum)
    if meeting is None or meeting.round_id is None:
        return None
    found = store.reports.round_by_id(meeting.round_id)
    if found is None or found.closed_at is not None:
        return None
    if found.kind is RoundKind.RHYTHM_MEETING and found.rhythm_activation_id == activation.id:
        return found
    return None


def activation_report_round(
    store: Store, forum: Forum, activation: Activation, now: datetime, meeting_minutes: int
) -> ReportRound:
    """Where a report sent now during ``activation`` goes: its meeting in progress's round
    (held open by ``!möte start``, or until ``meeting_minutes`` after it starts), else its
    next meeting's; without a meeting ahead, the activation's own round."""
    if has_meetings(activation):
        held = _held_open(store, forum, activation)
        if held is not None:
            return held
        zone = ZoneInfo(forum.timezone)
        length = timedelta(minutes=meeting_minutes)
        for meeting_at in meetings_from(activation, zone, now - length, _LOOKAHEAD):
            found = rhythm_round(store, forum, activation, meeting_at, meeting_minutes)
            if not is_closed(found, now):
                return found
    return activation_round(store, forum, activation)


def close_rhythm_rounds(
    store: Store, forum: Forum, activation: Activation, now: datetime, meeting_minutes: int
) -> None:
    """Stand-down: the rounds of the activation's meetings still open are closed (the one a
    meeting in progress holds, and those of meetings ahead that reports were sent to). One
    ahead at the time of a meeting of the forum's schedule (Thursday's conference at 16:00)
    is that meeting's again, with what was sent to it, and stays open for it."""
    if not has_meetings(activation):
        return
    candidates = [_held_open(store, forum, activation)]
    zone = ZoneInfo(forum.timezone)
    length = timedelta(minutes=meeting_minutes)
    for meeting_at in meetings_from(activation, zone, now - length, _LOOKAHEAD):
        candidates.append(store.reports.meeting_round(forum, meeting_at))
    closing = {
        found.id: found
        for found in candidates
        if found is not None
        and found.rhythm_activation_id == activation.id
        and not is_closed(found, now)
    }
    for found in closing.values():
        at = found.meeting_at
        if at is not None and at > now and next_meetings(forum, at - _INSTANT) == [at]:
            found.kind = RoundKind.MEETING
            found.rhythm_activation_id = None
        else:
            store.reports.close_round(found)


def current_round(
    store: Store, forum: Forum, now: datetime, meeting_minutes: int
) -> ReportRound | None:
    """The round a report sent now belongs to; None for a forum with neither activation,
    schedule nor earlier round."""
    activation = store.activations.current(forum)
    if activation is not None:
        return activation_report_round(store, forum, activation, now, meeting_minutes)
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

    1. during an activation, the round of its meeting due now (from ``EARLY_START`` before
       it until ``meeting_minutes`` after) when it has one and that round is still open;
       else the activation's own (its stand-down closes it, not the meeting's end);
    2. for a forum convened on activation only (no schedule), none: it gathers reports in
       activations, and its other meetings (chefsgrupp's) have no picture to compile;
    3. the scheduled meeting's, when one is due now (from ``EARLY_START`` before it until
       ``meeting_minutes`` after) and its round is still open;
    4. else a round of its own, an extra meeting's: a check-in on Monday, or a second meeting
       after Thursday's, leaves next Thursday's round open for Thursday.
    """
    activation = store.activations.current(forum)
    if activation is not None:
        return _activation_meeting_round(store, forum, activation, now, meeting_minutes)
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


def _activation_meeting_round(
    store: Store, forum: Forum, activation: Activation, now: datetime, meeting_minutes: int
) -> ReportRound:
    """``round_for_meeting`` during an activation: its meeting's round when one of its
    meetings is due now and the round is still open, else the activation's own."""
    if has_meetings(activation):
        zone = ZoneInfo(forum.timezone)
        length = timedelta(minutes=meeting_minutes)
        for meeting_at in meetings_from(activation, zone, now - length, 1):
            if now < meeting_at - EARLY_START:
                break  # the next one is later: this meeting is the activation's
            found = rhythm_round(store, forum, activation, meeting_at, meeting_minutes)
            if found.closed_at is None and not is_closed(found, now):
                return found
    return activation_round(store, forum, activation)


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
    if report_round.kind is RoundKind.RHYTHM_MEETING and report_round.meeting_at is not None:
        return t(
            language,
            "rhythm.round",
            number=report_round.number,
            time=format_time(report_round.meeting_at, zone),
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

"""Compiling an activation's record from the store: the audit timeline
(``Activations.history``), acknowledgements, when each organisation was called
(``commands/callout/reach.py``) and whom its follow-ups reached, the report rounds, published
pictures and meetings, and what else concerned the forum meanwhile (``events.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from commands.callout.reach import call_history, called_entries, counted
from commands.core.follow_up_plans import RECALL, STILL_MISSING
from commands.record.data import (
    REACH_COORDINATORS,
    REACH_DEPUTY,
    REACH_ORDINARY,
    Entry,
    Figures,
    Record,
    RoundFigure,
)
from commands.record.events import span_events
from commands.situation.diff import diff
from commands.situation.picture import Picture
from commands.situation.rounds import closed_at
from storage import Store
from storage.activations import CALLED_IN, HOST_SET, RELEASED
from storage.models import (
    Activation,
    ActivationRequest,
    Forum,
    Meeting,
    PostState,
    ReportRound,
    ScheduledPost,
)

# The most meetings looked back through for an activation's meetings.
MEETINGS_LOOKED_BACK = 200


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def record_activation(
    store: Store, forum: Forum, number: int | None, *, exercise: bool = False
) -> Activation | None:
    """The activation ``number`` of ``forum``; without a number its latest real one (its
    latest exercise's with ``exercise``): an exercise never stands in for a real one."""
    if number is not None:
        found = store.activations.get(number)
        return found if found is not None and found.forum_id == forum.id else None
    return store.activations.latest_of_kind(forum, exercise=exercise)


def _request(store: Store, activation: Activation) -> ActivationRequest | None:
    """The request (green button) the activation answered: the forum's latest before it,
    made after the activation before it."""
    return store.activations.request_answered_by(activation)


def _meetings(store: Store, forum: Forum, activation: Activation) -> list[Meeting]:
    """The meetings started while the activation was open, oldest first."""
    end = activation.stood_down_at
    found: list[Meeting] = []
    meeting = store.meetings.latest(forum)
    for _ in range(MEETINGS_LOOKED_BACK):
        if meeting is None or meeting.started_at < activation.activated_at:
            break
        if end is None or meeting.started_at <= end:
            found.append(meeting)
        if meeting.number <= 1:
            break
        meeting = store.meetings.by_number(forum, meeting.number - 1)
    return found[::-1]


# The follow-ups that went out (commands/followups.py), and when: handed to the outbox or sent.
_WENT_OUT = (PostState.QUEUED, PostState.SENT)


class _Reach:
    """Whom the bot had reached for an organisation by the time it acknowledged: its
    ersättare (the re-call, ``RECALL``), then the coordinators (``STILL_MISSING``).

    Read from the follow-ups themselves: each is about the organisations called at the
    moment it was planned (its ``created_at``), and it reached them when it went out. For a
    call with no follow-up stored, the timing stands in: the re-call after ``recall``, the
    coordinators' notice after twice as long."""

    def __init__(self, store: Store, activation: Activation, recall: timedelta) -> None:
        self._recall = recall
        self._posts: dict[datetime, list[ScheduledPost]] = {}
        for post in store.scheduled.follow_ups_of(activation.id or 0, (RECALL, STILL_MISSING)):
            self._posts.setdefault(post.created_at, []).append(post)

    def __call__(self, called_at: datetime, acknowledged_at: datetime) -> str:
        posts = self._posts.get(called_at)
        if not posts:
            return _reach_by_timing(acknowledged_at - called_at, self._recall)
        reached = {
            post.kind
            for post in posts
            if post.state in _WENT_OUT and (post.sent_at or post.due_at) < acknowledged_at
        }
        if STILL_MISSING in reached:
            return REACH_COORDINATORS
        if RECALL in reached:
            return REACH_DEPUTY
        return REACH_ORDINARY


def _reach_by_timing(delay: timedelta, recall: timedelta) -> str:
    """Who the bot would have reached by then: the ersättare were called after ``recall``,
    the coordinators told after twice as long (commands/followups.py)."""
    if delay >= 2 * recall:
        return REACH_COORDINATORS
    if delay >= recall:
        return REACH_DEPUTY
    return REACH_ORDINARY


def compile_record(
    store: Store, forum: Forum, activation: Activation, recall_minutes: int
) -> Record:
    start = activation.activated_at
    now = store.audit.context.at
    history = call_history(store, activation)
    acks = store.activations.acknowledgements(activation)
    ids = [*activation.called_out, *(ack.organisation_id for ack in acks)]
    entries_by_id = called_entries(store, forum, ids)
    person_ids = [activation.activated_by_id, *(ack.person_id for ack in acks)]
    if activation.stood_down_by_id is not None:
        person_ids.append(activation.stood_down_by_id)
    request = _request(store, activation)
    if request is not None:
        person_ids.append(request.requested_by_id)
        if request.acknowledged_by_id is not None:
            person_ids.append(request.acknowledged_by_id)
    meetings = _meetings(store, forum, activation)
    chairs = {m.id: store.meetings.chairs(m) for m in meetings}
    attendees = {m.id: store.meetings.attendees(m) for m in meetings}
    person_ids += [m.started_by_id for m in meetings]
    person_ids += [c.person_id for found in chairs.values() for c in found]
    people = store.people.by_ids(person_ids)

    def who(person_id: int | None) -> str:
        found = people.get(person_id) if person_id is not None else None
        return found.display_name if found else ""

    def name(oid: int) -> str:
        entry = entries_by_id.get(oid)
        return entry.name if entry else "?"

    timeline: list[Entry] = []
    if request is not None:
        timeline.append(
            Entry(request.at, "request", who(request.requested_by_id), {"reason": request.reason})
        )
        if request.acknowledged_at is not None:
            timeline.append(
                Entry(request.acknowledged_at, "request_ack", who(request.acknowledged_by_id))
            )
    first_called = [oid for oid in activation.called_out if oid not in history.called_at]
    timeline.append(
        Entry(
            start,
            "activated",
            who(activation.activated_by_id),
            {
                "reason": activation.reason,
                "count": len(first_called),
                "names": sorted(name(oid) for oid in first_called),
            },
        )
    )
    for event in history.events:
        names = sorted(str(n) for n in event.details.get("organisations", []))
        if event.action == CALLED_IN:
            timeline.append(Entry(event.at, "called_in", "", {"names": names}))
        elif event.action == RELEASED:
            timeline.append(Entry(event.at, "released", "", {"names": names}))
        elif event.action == HOST_SET:
            timeline.append(Entry(event.at, "host", "", {"host": event.details.get("host", "?")}))
    reach = _Reach(store, activation, timedelta(minutes=recall_minutes))
    for ack in acks:
        called_at = history.call_time(activation, ack.organisation_id)
        delay = ack.at - called_at
        timeline.append(
            Entry(
                ack.at,
                "ack_" + reach(called_at, ack.at),
                who(ack.person_id),
                {"organisation": name(ack.organisation_id), "minutes": minutes(delay)},
            )
        )
    for other in store.activations.linked_to(activation):
        other_forum = store.forums.get(other.forum_id)
        timeline.append(
            Entry(
                max(other.activated_at, start),
                "linked",
                "",
                {"forum": other_forum.name if other_forum else "?", "number": other.id},
            )
        )
    for meeting in meetings:
        chair_names = sorted(who(c.person_id) for c in chairs[meeting.id])
        timeline.append(
            Entry(
                meeting.started_at,
                "meeting_start",
                who(meeting.started_by_id),
                {
                    "number": meeting.number,
                    "chair": ", ".join(chair_names) or "–",
                },
            )
        )
        if meeting.ended_at is not None:
            timeline.append(
                Entry(
                    meeting.ended_at,
                    "meeting_end",
                    "",
                    {"number": meeting.number, "attendance": len(attendees[meeting.id])},
                )
            )
    rounds = _rounds(store, activation)
    called_now = counted(activation)
    round_figures: list[RoundFigure] = []
    for report_round in rounds:
        latest = store.reports.latest_in_round(report_round)
        reported = sorted(name(oid) for oid in called_now if oid in latest)
        missing = sorted(name(oid) for oid in called_now if oid not in latest)
        round_figures.append(
            RoundFigure(report_round.number, report_round.opened_at, reported, missing)
        )
        # Told when the round closed (what it came to), while it is open as it stands now.
        closed = closed_at(report_round)
        timeline.append(
            Entry(
                closed if closed is not None and closed <= now else report_round.opened_at,
                "round" if closed is not None and closed <= now else "round_open",
                "",
                {
                    "number": report_round.number,
                    "reported": reported,
                    "missing": missing,
                },
            )
        )
        timeline.extend(_pictures(store, report_round, who))
    timeline.extend(span_events(store, forum, activation, activation.stood_down_at or now))
    if activation.stood_down_at is not None:
        timeline.append(
            Entry(
                activation.stood_down_at,
                "stood_down_summary" if activation.summary else "stood_down",
                who(activation.stood_down_by_id),
                {"summary": activation.summary} if activation.summary else {},
            )
        )
    timeline.sort(key=lambda entry: entry.at)  # stable: at one time, in the order above

    acked = {ack.organisation_id: ack for ack in acks}
    done = [acked[oid] for oid in called_now if oid in acked]
    never = sorted(name(oid) for oid in called_now if oid not in acked)
    figures = Figures(
        called=len(called_now),
        acknowledged=len(done),
        never_acknowledged=never,
        first_ack_minutes=minutes(acks[0].at - start) if acks else None,
        all_acks_minutes=(
            minutes(max(ack.at for ack in done) - start) if done and not never else None
        ),
        convene_minutes=minutes(meetings[0].started_at - start) if meetings else None,
        duration_minutes=(
            minutes(activation.stood_down_at - start) if activation.stood_down_at else None
        ),
        rounds=round_figures,
    )
    return Record(
        activation_id=activation.id or 0,
        forum=forum.name,
        reason=activation.reason,
        exercise=activation.exercise_id is not None,
        activated_at=start,
        stood_down_at=activation.stood_down_at,
        entries=timeline,
        figures=figures,
        ack_steps=ack_steps(start, [ack.at for ack in done], len(called_now)),
    )


def _pictures(
    store: Store, report_round: ReportRound, who: Callable[[int | None], str]
) -> list[Entry]:
    """Each published version of the round's joint picture, with what changed since the one
    before it: whose reports are new, whose changed (the first: how many it held)."""
    newest = store.reports.published(report_round)
    if newest is None:
        return []
    entries: list[Entry] = []
    before: Picture | None = None
    for version in range(1, newest.version + 1):
        published = store.reports.published_version(report_round, version)
        picture = Picture.from_json(published.content)
        values: dict[str, Any] = {"number": report_round.number, "version": version}
        if before is None:
            kind = "picture_first"
            values["count"] = len(picture.reports)
        else:
            changes = diff(before, picture)
            kind = "picture_changed"
            values["added"] = [*changes.added, *changes.late]
            values["changed"] = [organisation for organisation, _ in changes.changed]
        entries.append(Entry(published.published_at, kind, who(published.published_by_id), values))
        before = picture
    return entries


def _rounds(store: Store, activation: Activation) -> list[ReportRound]:
    own = store.reports.activation_round(activation)
    return [*([own] if own else []), *store.reports.rhythm_rounds(activation)]


def ack_steps(start: datetime, times: list[datetime], total: int) -> list[tuple[float, float]]:
    """The step chart's points: (minutes since activation, share acknowledged), from (0, 0),
    one point per acknowledgement of those counted at the end."""
    points = [(0.0, 0.0)]
    if not total:
        return points
    for count, at in enumerate(sorted(times), start=1):
        points.append((round((at - start).total_seconds() / 60, 2), round(count / total, 4)))
    return points

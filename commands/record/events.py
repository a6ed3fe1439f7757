"""What else happened in an activation's span that concerns its forum, for the timeline: the
joint regional direction (drafted, presented, adopted), joint messages (proposed, agreed,
retired), items raised to or from other forums (``!lyft``, ``!återrapport``), requests for
another forum's activation made from it (``!lyft inriktande``) and duty take-overs
(``!beredskap ta över``). Each is an :class:`Entry` between the activation and its
stand-down (or now, while it lasts); an exercise's work is never in a real activation's
record, nor real work in an exercise's (duty take-overs are the region's, in both)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from datetime import datetime

from commands.record.data import Entry
from storage import Store
from storage.models import Activation, EscalationKind, Forum, JointMessage

# A quoted text (a joint message, an item raised) is cut to this many characters ("…").
QUOTE_WIDTH = 80


def quote(text: str) -> str:
    """The text on one line, cut at a word to ``QUOTE_WIDTH`` characters."""
    return textwrap.shorten(text, width=QUOTE_WIDTH, placeholder=" …")


class _Names:
    """People's and forums' names, each looked up once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._forums: dict[int, str] = {}

    def forum(self, forum_id: int | None) -> str:
        if forum_id is None:
            return "?"
        if forum_id not in self._forums:
            found = self._store.forums.get(forum_id)
            self._forums[forum_id] = found.name if found else "?"
        return self._forums[forum_id]

    def people(self, ids: Iterable[int | None]) -> dict[int, str]:
        wanted = sorted({pid for pid in ids if pid is not None})
        found = self._store.people.by_ids(wanted) if wanted else {}
        return {pid: person.display_name for pid, person in found.items()}


def span_events(store: Store, forum: Forum, activation: Activation, end: datetime) -> list[Entry]:
    """The entries of what concerned ``forum`` from the activation until ``end``."""
    start = activation.activated_at
    names = _Names(store)
    exercise = activation.exercise_id is not None

    def ours(forum_ids: tuple[int | None, ...], at: datetime, made_in: int | None) -> bool:
        """Real work in a real activation's record, an exercise's in an exercise's: never
        mixed (``Exercises.of_work`` decides)."""
        in_activation = store.activations.get(made_in) if made_in is not None else None
        return (store.exercises.of_work(forum_ids, at, in_activation) is not None) == exercise

    directions = [
        d
        for d in store.directions.concerning_between(forum, start, end)
        if ours((d.drafted_in_id, d.forum_id), d.created_at, d.activation_id)
    ]
    confirmed = {
        d.id: sum(1 for c in store.directions.confirmations(d) if start <= c.at <= end)
        for d in directions
        if d.adopted_at is not None
    }
    messages = [
        m
        for m in store.joint_messages.changed_between(forum, start, end)
        if ours((m.forum_id,), m.proposed_at, m.activation_id)
    ]
    escalations = [
        e
        for e in store.escalations.between(forum, start, end)
        if ours((e.from_forum_id,), e.raised_at, None)
    ]
    requests = store.activations.requests_from(activation)
    shifts = store.duties.shifts_between(start, end)
    people = names.people(
        [
            *(pid for d in directions for pid in (d.created_by_id, d.presented_by_id)),
            *(d.adopted_by_id for d in directions),
            *(pid for m in messages for pid in (m.proposed_by_id, m.agreed_by_id)),
            *(m.retired_by_id for m in messages),
            *(e.raised_by_id for e in escalations),
            *(r.requested_by_id for r in requests),
            *(s.person_id for s in shifts),
        ]
    )

    def who(person_id: int | None) -> str:
        return people.get(person_id, "") if person_id is not None else ""

    def within(at: datetime | None) -> bool:
        return at is not None and start <= at <= end

    entries: list[Entry] = []
    for d in directions:
        number = {"number": d.number}
        if within(d.created_at):
            values = {**number, "forum": names.forum(d.drafted_in_id)}
            entries.append(Entry(d.created_at, "direction_drafted", who(d.created_by_id), values))
        if d.presented_at is not None and within(d.presented_at):
            values = {**number, "forum": names.forum(d.presented_to_id)}
            entries.append(
                Entry(d.presented_at, "direction_presented", who(d.presented_by_id), values)
            )
        if d.adopted_at is not None and within(d.adopted_at):
            values = {**number, "count": confirmed.get(d.id, 0)}
            entries.append(Entry(d.adopted_at, "direction_adopted", who(d.adopted_by_id), values))
    for message in messages:
        entries.extend(_message_entries(store, message, who, within))
    for escalation in escalations:
        outgoing = escalation.from_forum_id == forum.id
        report_back = escalation.kind is EscalationKind.REPORT_BACK
        kind = ("report_back" if report_back else "raised") + ("_to" if outgoing else "_from")
        other = escalation.to_forum_id if outgoing else escalation.from_forum_id
        values = {"forum": names.forum(other), "text": quote(escalation.text)}
        entries.append(Entry(escalation.raised_at, kind, who(escalation.raised_by_id), values))
    for request in requests:
        if within(request.at):
            values = {"forum": names.forum(request.forum_id), "reason": request.reason}
            entries.append(
                Entry(request.at, "requested_other", who(request.requested_by_id), values)
            )
    for shift in shifts:
        entries.append(Entry(shift.since, "duty", who(shift.person_id), {"duty": shift.duty.value}))
    return entries


def _message_entries(
    store: Store,
    message: JointMessage,
    who: Callable[[int | None], str],
    within: Callable[[datetime | None], bool],
) -> list[Entry]:
    """A joint message's steps in the span, each quoting the text as it read then."""
    versions = store.joint_messages.versions(message)

    def text_at(at: datetime) -> str:
        current = [v.text for v in versions if v.at <= at]
        return quote(current[-1] if current else message.text)

    steps = (
        ("message_proposed", message.proposed_at, message.proposed_by_id),
        ("message_agreed", message.agreed_at, message.agreed_by_id),
        ("message_retired", message.retired_at, message.retired_by_id),
    )
    return [
        Entry(at, kind, who(by), {"number": message.number, "text": text_at(at)})
        for kind, at, by in steps
        if at is not None and within(at)
    ]

"""Whom a call-out reaches and when each organisation was called: shared by the call-out
(``commands/activation.py``) and its follow-ups (``commands/followups.py``).

An activation calls organisations (``Activation.called_out``): the forum's members by default,
or those the coordinator named, and more called in during the event; those released
(``Activation.released``) are no longer awaited or counted. Each is reached through the people
who represent it *in this forum*: its ordinarie first, its ersättare when the ordinarie does
not acknowledge (or at once, when it has no ordinarie).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage import Store
from storage.activations import CALLED_IN, RELEASED
from storage.forums import Contact, RosterEntry
from storage.models import Activation, AuditEvent, Forum, Representation


def counted(activation: Activation) -> list[int]:
    """The organisations the call-out counts: called and not released ("x av N")."""
    released = set(activation.released or [])
    return [oid for oid in activation.called_out if oid not in released]


def awaited(activation: Activation, acked: Iterable[int]) -> list[int]:
    """The organisations still awaited: counted and not acknowledged."""
    done = set(acked)
    return [oid for oid in counted(activation) if oid not in done]


def called_entries(
    store: Store, forum: Forum, ids: Iterable[int], roster: list[RosterEntry] | None = None
) -> dict[int, RosterEntry]:
    """The organisations ``ids`` with their representatives in ``forum``: a member from the
    forum's ``roster`` (read when not given), another organisation called in ("vid behov kan
    andra aktörer tas in") with whoever represents it in this forum, if anyone does."""
    wanted = set(ids)
    members = store.forums.roster(forum) if roster is None else roster
    entries = {entry.id: entry for entry in members if entry.id in wanted}
    outsiders = wanted - set(entries)
    if outsiders:
        organisations = store.organisations.by_ids(sorted(outsiders))
        for oid, organisation in organisations.items():
            entries[oid] = RosterEntry(oid, organisation.name, organisation.category)
        for person, row in store.forums.representatives(forum):
            entry = entries.get(row.organisation_id)
            if row.organisation_id in outsiders and entry is not None:
                contact = Contact(person.platform, person.user_id, person.display_name)
                kind = entry.deputies if row.kind == Representation.DEPUTY else entry.people
                kind.append(contact)
    return entries


def reachable(entry: RosterEntry) -> bool:
    """Someone in the chat can be called for it."""
    return bool(entry.people or entry.deputies)


@dataclass
class CallHistory:
    """When each organisation was (last) called in and released, from the activation's own
    events: the first call is the activation itself."""

    called_at: dict[int, datetime] = field(default_factory=dict)
    released_at: dict[int, datetime] = field(default_factory=dict)
    events: list[AuditEvent] = field(default_factory=list)

    def call_time(self, activation: Activation, organisation_id: int) -> datetime:
        return self.called_at.get(organisation_id, activation.activated_at)


def call_history(store: Store, activation: Activation) -> CallHistory:
    history = CallHistory(events=store.activations.history(activation))
    for event in history.events:
        ids = [oid for oid in event.details.get("organisation_ids", []) if isinstance(oid, int)]
        if event.action == CALLED_IN:
            for oid in ids:
                history.called_at[oid] = event.at
                history.released_at.pop(oid, None)
        elif event.action == RELEASED:
            for oid in ids:
                history.released_at[oid] = event.at
    return history

"""The call-out as it stands: what its card, status and stand-down show, read once."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.callout.reach import CallHistory, call_history, called_entries, counted
from commands.core.request import Request
from storage.forums import RosterEntry
from storage.models import Acknowledgement, Activation, Forum, Person


def tag_of(activation: Activation) -> str:
    """What the call-out's messages are tagged with: kept current, acknowledged by reaction."""
    return f"callout:{activation.id}"


@dataclass
class Callout:
    """An activation's call-out as it stands: what the card, status and summary show."""

    forum: Forum
    activation: Activation
    entries: dict[int, RosterEntry]  # every organisation called or acknowledging
    acks: list[Acknowledgement]
    people: dict[int, Person]  # who activated, who acknowledged
    history: CallHistory
    linked: list[tuple[Activation, Forum | None]] = field(default_factory=list)
    members: frozenset[int] = frozenset()  # the forum's member organisations

    @property
    def outsiders(self) -> list[int]:
        """Those called that are not members of the forum, by name."""
        return self.by_name([oid for oid in counted(self.activation) if oid not in self.members])

    @property
    def acked(self) -> dict[int, Acknowledgement]:
        return {ack.organisation_id: ack for ack in self.acks}

    def name(self, organisation_id: int) -> str:
        entry = self.entries.get(organisation_id)
        return entry.name if entry else "?"

    def by_name(self, ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda oid: self.name(oid))

    def person(self, person_id: int) -> str:
        found = self.people.get(person_id)
        return found.display_name if found else "?"


def read_callout(
    req: Request,
    forum: Forum,
    activation: Activation,
    *,
    acks: list[Acknowledgement] | None = None,
) -> Callout:
    """The call-out's state; ``acks``: its acknowledgements, when the caller has just read
    them (``!kvittera``)."""
    store = req.store
    roster = store.forums.roster(forum)
    if acks is None:
        acks = store.activations.acknowledgements(activation)
    ids = [*activation.called_out, *(ack.organisation_id for ack in acks)]
    people = store.people.by_ids([activation.activated_by_id, *(ack.person_id for ack in acks)])
    linked = [
        (other, store.forums.get(other.forum_id))
        for other in store.activations.linked_to(activation)
    ]
    return Callout(
        forum,
        activation,
        called_entries(store, forum, ids, roster),
        acks,
        people,
        call_history(store, activation),
        linked,
        frozenset(entry.id for entry in roster),
    )

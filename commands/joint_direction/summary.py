"""The direction in force and the agreed joint messages as plain data: what the joint
situation picture and the minutes show at their top, and what their exports and published
versions freeze (JSON both ways).

*As of a time*: a closed round's picture shows what was in force when it closed, the minutes
what was in force at the meeting's end, however often they are compiled again later (an
export, a backup). So the direction is the one adopted by then and not yet superseded nor
past its *Gäller till*, in the version it had then; a message is one agreed by then and not
yet retired. Asked for now, that is what ``Directions.in_force_for`` and
``JointMessages.agreed`` hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import Store
from storage.directions import DIRECTION_FIELDS, DirectionText, frames
from storage.models import Direction, DirectionState, DirectionVersion, Forum, JointMessage


@dataclass(frozen=True)
class DirectionSummary:
    """The adopted direction in force: its number and version, who adopted it where and
    when, until when it holds, and its filled-in fields in the model's order."""

    number: int
    version: int
    adopted_at: datetime
    adopted_by: str
    adopted_in: str  # the strategic forum's name
    valid_until: datetime | None
    fields: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "version": self.version,
            "adopted_at": self.adopted_at.isoformat(),
            "adopted_by": self.adopted_by,
            "adopted_in": self.adopted_in,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "fields": dict(self.fields),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectionSummary:
        until = data.get("valid_until")
        return cls(
            number=int(data["number"]),
            version=int(data["version"]),
            adopted_at=datetime.fromisoformat(data["adopted_at"]),
            adopted_by=str(data["adopted_by"]),
            adopted_in=str(data["adopted_in"]),
            valid_until=datetime.fromisoformat(until) if until else None,
            fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
        )


@dataclass(frozen=True)
class AgreedMessage:
    """A joint message agreed in the forum: its text, when, and who agreed or objected."""

    number: int
    text: str
    agreed_at: datetime
    agreed: tuple[str, ...] = ()  # organisations that answered ok to the agreed version
    objected: tuple[str, ...] = ()  # organisations that objected to it
    # The forum it was agreed in when that is not the forum shown (a thematic group shows its
    # parent's too, numbered in the parent: "Budskap 1 (Regional samverkanskonferens)").
    forum: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "agreed_at": self.agreed_at.isoformat(),
            "agreed": list(self.agreed),
            "objected": list(self.objected),
            "forum": self.forum,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgreedMessage:
        return cls(
            number=int(data["number"]),
            text=str(data["text"]),
            agreed_at=datetime.fromisoformat(data["agreed_at"]),
            agreed=tuple(data.get("agreed", ())),
            objected=tuple(data.get("objected", ())),
            forum=str(data.get("forum") or ""),
        )


def direction_in_force(store: Store, forum: Forum, at: datetime) -> DirectionSummary | None:
    """The adopted direction that framed ``forum``'s work at ``at``: one for it, for its
    parent (a thematic group works under its parent's), or adopted by it (the strategic
    forum), as ``Directions.in_force_for`` finds it now; the newest when several did."""
    candidates = sorted(
        (d for d in _adopted_ever(store, forum) if _framed(d, forum, at)),
        key=lambda d: (d.adopted_at, d.number),
        reverse=True,
    )
    for direction in candidates:
        version = _version_at(store, direction, at)
        if version.valid_until is None or at < version.valid_until:
            return _summary(store, direction, version)
    return None


def agreed_messages(store: Store, forum: Forum, at: datetime) -> list[AgreedMessage]:
    """The joint messages agreed in ``forum`` (a thematic group: its parent's too) by ``at``
    and not retired by then, in the order they were agreed."""
    forums = [forum]
    if forum.parent_id is not None:
        parent = store.forums.get(forum.parent_id)
        if parent is not None:
            forums.append(parent)
    messages = [
        message
        for each in forums
        for message in store.joint_messages.of_forum(each)
        if message.agreed_at is not None
        and message.agreed_at <= at
        and (message.retired_at is None or message.retired_at > at)
    ]
    messages.sort(key=lambda m: (m.agreed_at, m.forum_id, m.number))
    names = {each.id: each.name for each in forums if each.id != forum.id}
    return [_agreed(store, message, names.get(message.forum_id, "")) for message in messages]


def _adopted_ever(store: Store, forum: Forum) -> list[Direction]:
    """Every direction ever adopted that could frame ``forum``: those for it, for its parent,
    and for any forum with a direction adopted now (the strategic forum's are those it
    adopted, and a forum's earlier directions are those its newest superseded)."""
    homes = {forum.id, forum.parent_id} | {d.forum_id for d in store.directions.adopted()}
    found: list[Direction] = []
    for home_id in sorted(home for home in homes if home is not None):
        home = forum if home_id == forum.id else store.forums.get(home_id)
        if home is not None:
            found.extend(d for d in store.directions.of_forum(home) if d.adopted_at is not None)
    return found


def _framed(direction: Direction, forum: Forum, at: datetime) -> bool:
    """Adopted by ``at``, not superseded by then, and framing ``forum``'s work."""
    if direction.state not in (DirectionState.ADOPTED, DirectionState.SUPERSEDED):
        return False
    if direction.adopted_at is None or direction.adopted_at > at:
        return False
    if direction.superseded_at is not None and direction.superseded_at <= at:
        return False
    return frames(direction, forum)


def _version_at(store: Store, direction: Direction, at: datetime) -> DirectionVersion:
    """The version the direction had at ``at`` (its first, should every one be later)."""
    versions = store.directions.versions(direction)
    then = [version for version in versions if version.at <= at]
    return then[-1] if then else versions[0]


def _summary(store: Store, direction: Direction, version: DirectionVersion) -> DirectionSummary:
    assert direction.adopted_at is not None
    text = DirectionText.of(version)
    adopter = store.people.get(direction.adopted_by_id or 0)
    strategic = store.forums.get(direction.presented_to_id or 0)
    return DirectionSummary(
        number=direction.number,
        version=version.version,
        adopted_at=direction.adopted_at,
        adopted_by=adopter.display_name if adopter else "?",
        adopted_in=strategic.name if strategic else "?",
        valid_until=version.valid_until,
        fields={name: value for name in DIRECTION_FIELDS if (value := text.fields()[name])},
    )


def _agreed(store: Store, message: JointMessage, forum: str = "") -> AgreedMessage:
    """The message as agreed: its text, when, and the organisations that answered ok to the
    agreed version or objected to it (by name, alphabetically); ``forum``: where it was
    agreed, when another forum shows it."""
    answers = store.joint_messages.answers(message)
    names = store.organisations.by_ids([answer.organisation_id for answer in answers])

    def named(objection: bool) -> tuple[str, ...]:
        return tuple(
            sorted(
                names[a.organisation_id].name
                for a in answers
                if bool(a.objection) == objection and a.organisation_id in names
            )
        )

    assert message.agreed_at is not None
    return AgreedMessage(
        number=message.number,
        text=message.text,
        agreed_at=message.agreed_at,
        agreed=named(False),
        objected=named(True),
        forum=forum,
    )

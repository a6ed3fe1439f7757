"""The direction in force and the agreed joint messages as plain data: what the joint
situation picture and the minutes show at their top, and what their exports and published
versions freeze (JSON both ways)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import Store
from storage.directions import DIRECTION_FIELDS, DirectionText
from storage.models import Forum, JointMessage


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

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "agreed_at": self.agreed_at.isoformat(),
            "agreed": list(self.agreed),
            "objected": list(self.objected),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgreedMessage:
        return cls(
            number=int(data["number"]),
            text=str(data["text"]),
            agreed_at=datetime.fromisoformat(data["agreed_at"]),
            agreed=tuple(data.get("agreed", ())),
            objected=tuple(data.get("objected", ())),
        )


def direction_in_force(store: Store, forum: Forum, now: datetime) -> DirectionSummary | None:
    """The adopted direction framing ``forum``'s work now, if any."""
    direction = store.directions.in_force_for(forum, now)
    if direction is None or direction.adopted_at is None:
        return None
    version = store.directions.latest_version(direction)
    text = DirectionText.of(version)
    adopter = store.people.get(direction.adopted_by_id or 0)
    strategic = store.forums.get(direction.presented_to_id or 0)
    return DirectionSummary(
        number=direction.number,
        version=version.version,
        adopted_at=direction.adopted_at,
        adopted_by=adopter.display_name if adopter else "?",
        adopted_in=strategic.name if strategic else "?",
        valid_until=direction.valid_until,
        fields={name: value for name in DIRECTION_FIELDS if (value := text.fields()[name])},
    )


def agreed_messages(store: Store, forum: Forum) -> list[AgreedMessage]:
    """The forum's agreed joint messages in force (a thematic group: its parent's too),
    in the order they were agreed."""
    messages = list(store.joint_messages.agreed(forum))
    if forum.parent_id is not None:
        parent = store.forums.get(forum.parent_id)
        if parent is not None:
            messages += store.joint_messages.agreed(parent)
    messages.sort(key=lambda m: (m.agreed_at or m.proposed_at, m.forum_id, m.number))
    return [_agreed(store, message) for message in messages]


def _agreed(store: Store, message: JointMessage) -> AgreedMessage:
    answers = store.joint_messages.answers(message)
    ids = [answer.organisation_id for answer in answers]
    names = {org.id: org.name for org in store.organisations.all() if org.id in ids}
    return AgreedMessage(
        number=message.number,
        text=message.text,
        agreed_at=message.agreed_at or message.proposed_at,
        agreed=tuple(sorted(names[a.organisation_id] for a in answers if not a.objection)),
        objected=tuple(sorted(names[a.organisation_id] for a in answers if a.objection)),
    )

"""The record's plain data and its JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# What the bot did when an organisation did not acknowledge (commands/followups.py): called
# again with its ersättare mentioned, then told the coordinators who was still missing.
REACH_ORDINARY = "ordinary"
REACH_DEPUTY = "deputy"
REACH_COORDINATORS = "coordinators"


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, what (``kind``, a catalogue key's last part), who,
    and the values its wording needs (names, numbers)."""

    at: datetime
    kind: str
    who: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundFigure:
    """A report round of the activation: how many of those called in reported in it."""

    number: int
    opened_at: datetime
    reported: list[str]
    missing: list[str]

    @property
    def share(self) -> float:
        total = len(self.reported) + len(self.missing)
        return len(self.reported) / total if total else 0.0


@dataclass(frozen=True)
class Figures:
    """The key figures, in whole minutes from the activation (None: it did not happen)."""

    called: int  # organisations counted at the end (called in, not released)
    acknowledged: int
    never_acknowledged: list[str]
    first_ack_minutes: int | None
    all_acks_minutes: int | None
    convene_minutes: int | None
    duration_minutes: int | None
    rounds: list[RoundFigure]


@dataclass(frozen=True)
class Record:
    activation_id: int
    forum: str
    reason: str
    exercise: bool
    activated_at: datetime
    stood_down_at: datetime | None
    entries: list[Entry]
    figures: Figures
    # The step chart: (minutes since activation, share of those called in acknowledged).
    ack_steps: list[tuple[float, float]]

    def to_json(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(asdict(self))
        return plain

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        figures = dict(data["figures"])
        figures["rounds"] = [
            RoundFigure(
                r["number"], datetime.fromisoformat(r["opened_at"]), r["reported"], r["missing"]
            )
            for r in figures["rounds"]
        ]
        return cls(
            activation_id=data["activation_id"],
            forum=data["forum"],
            reason=data["reason"],
            exercise=data["exercise"],
            activated_at=datetime.fromisoformat(data["activated_at"]),
            stood_down_at=(
                datetime.fromisoformat(data["stood_down_at"]) if data["stood_down_at"] else None
            ),
            entries=[
                Entry(datetime.fromisoformat(e["at"]), e["kind"], e["who"], e["values"])
                for e in data["entries"]
            ],
            figures=Figures(**figures),
            ack_steps=[(float(x), float(y)) for x, y in data["ack_steps"]],
        )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value

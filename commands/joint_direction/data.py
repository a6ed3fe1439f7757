"""A direction as plain data: everything its file shows (``!inriktning fil``, ``samverkan-bot
export inriktning``), read once from the database, JSON both ways (the export's JSON file, and
how an attached file waits in the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from commands.joint_direction.confirmations import confirmations_of
from commands.joint_direction.summary import AgreedMessage, agreed_messages
from storage import Store
from storage.directions import DIRECTION_FIELDS, DirectionText, expired, in_force
from storage.models import Direction, DirectionState

# The kind of an attached direction file (``Attachment.kind``), written by ``bot.files``.
DIRECTION_ATTACHMENT = "direction"
EXPIRED = "expired"  # the state shown for an adopted direction past its Gäller till


@dataclass(frozen=True)
class Step:
    """Who did something to the direction, where (a forum's name) and when."""

    who: str
    forum: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"who": self.who, "forum": self.forum, "at": _iso(self.at)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(str(data["who"]), str(data["forum"]), datetime.fromisoformat(data["at"]))


@dataclass(frozen=True)
class VersionEntry:
    version: int
    step: Step

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, **self.step.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VersionEntry:
        return cls(int(data["version"]), Step.from_json(data))


@dataclass(frozen=True)
class ConfirmationEntry:
    organisation: str
    who: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "who": self.who, "at": _iso(self.at)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfirmationEntry:
        return cls(str(data["organisation"]), str(data["who"]), datetime.fromisoformat(data["at"]))


@dataclass(frozen=True)
class DirectionRecord:
    """A direction as its file shows it: its number, state (``draft`` … ``superseded``, or
    ``expired``), latest version and its fields in the model's order (empty ones left out),
    *Gäller till*, who drafted, presented and adopted it where and when, its versions, the
    confirmations and who is still awaited (while it is in force), and the joint messages
    agreed in its forum. Instants in UTC; ``timezone`` is the forum's, to show them in."""

    number: int
    state: str
    version: int
    forum: str
    timezone: str
    compiled_at: datetime
    drafted: Step
    fields: dict[str, str] = field(default_factory=dict)
    valid_until: datetime | None = None
    valid_until_text: str | None = None
    presented: Step | None = None
    adopted: Step | None = None
    superseded_at: datetime | None = None
    superseded_by: int | None = None
    versions: tuple[VersionEntry, ...] = ()
    expected: int = 0  # how many organisations confirm it (while in force)
    confirmations: tuple[ConfirmationEntry, ...] = ()
    not_confirmed: tuple[str, ...] = ()
    agreed_messages: tuple[AgreedMessage, ...] = ()
    # The name of the exercise it was made in (``direction_exercise``); None: real.
    exercise: str | None = None

    @property
    def confirmed(self) -> int:
        """How many of those expected have confirmed."""
        return max(0, self.expected - len(self.not_confirmed)) if self.expected else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "version": self.version,
            "forum": self.forum,
            "timezone": self.timezone,
            "compiled_at": _iso(self.compiled_at),
            "fields": dict(self.fields),
            "valid_until": _iso(self.valid_until),
            "valid_until_text": self.valid_until_text,
            "drafted": self.drafted.to_json(),
            "presented": self.presented.to_json() if self.presented else None,
            "adopted": self.adopted.to_json() if self.adopted else None,
            "superseded_at": _iso(self.superseded_at),
            "superseded_by": self.superseded_by,
            "versions": [entry.to_json() for entry in self.versions],
            "expected": self.expected,
            "confirmations": [entry.to_json() for entry in self.confirmations],
            "not_confirmed": list(self.not_confirmed),
            "agreed_messages": [message.to_json() for message in self.agreed_messages],
            "exercise": self.exercise,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectionRecord:
        return cls(
            number=int(data["number"]),
            state=str(data["state"]),
            version=int(data["version"]),
            forum=str(data["forum"]),
            timezone=str(data["timezone"]),
            compiled_at=datetime.fromisoformat(data["compiled_at"]),
            drafted=Step.from_json(data["drafted"]),
            fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
            valid_until=_instant(data.get("valid_until")),
            valid_until_text=data.get("valid_until_text"),
            presented=Step.from_json(data["presented"]) if data.get("presented") else None,
            adopted=Step.from_json(data["adopted"]) if data.get("adopted") else None,
            superseded_at=_instant(data.get("superseded_at")),
            superseded_by=data.get("superseded_by"),
            versions=tuple(VersionEntry.from_json(row) for row in data.get("versions", ())),
            expected=int(data.get("expected", 0)),
            confirmations=tuple(
                ConfirmationEntry.from_json(row) for row in data.get("confirmations", ())
            ),
            not_confirmed=tuple(str(name) for name in data.get("not_confirmed", ())),
            agreed_messages=tuple(
                AgreedMessage.from_json(row) for row in data.get("agreed_messages", ())
            ),
            exercise=data.get("exercise"),
        )


@dataclass(frozen=True)
class DirectionFile:
    """What an attached direction file holds: the record, in which format (md, html, json)."""

    record: DirectionRecord
    format: str


def direction_file_data(payload: object) -> dict[str, Any]:
    """An attached direction file as JSON values: how it waits in the outbox."""
    if not isinstance(payload, DirectionFile):
        raise TypeError(f"an attached direction carries a {type(payload).__name__}")
    return {"format": payload.format, "record": payload.record.to_json()}


def direction_file_from(data: Any) -> DirectionFile:
    """What :func:`direction_file_data` wrote, read back."""
    return DirectionFile(DirectionRecord.from_json(data["record"]), str(data["format"]))


def state_of(direction: Direction, now: datetime) -> str:
    """``draft``, ``presented``, ``adopted``, ``superseded``, or ``expired`` (adopted, past
    its *Gäller till*)."""
    return EXPIRED if expired(direction, now) else direction.state.value


def direction_record(store: Store, direction: Direction, now: datetime) -> DirectionRecord:
    """Everything the file of ``direction`` shows, as it stands at ``now``."""
    versions = store.directions.versions(direction)
    latest = versions[-1] if versions else store.directions.latest_version(direction)
    text = DirectionText.of(latest)
    person_ids = [
        direction.created_by_id,
        direction.presented_by_id,
        direction.adopted_by_id,
        *(version.by_id for version in versions),
    ]
    confirmed = store.directions.confirmations(direction)
    people = store.people.by_ids(
        sorted({pid for pid in person_ids if pid is not None} | {c.person_id for c in confirmed})
    )
    forums = {forum.id: forum for forum in store.forums.all()}

    def who(person_id: int | None) -> str:
        person = people.get(person_id) if person_id is not None else None
        return person.display_name if person is not None else "?"

    def where(forum_id: int | None) -> str:
        forum = forums.get(forum_id) if forum_id is not None else None
        return forum.name if forum is not None else "?"

    home = forums.get(direction.forum_id)
    state = confirmations_of(store, direction, confirmed)
    live = in_force(direction, now)
    presented = adopted = None
    if direction.presented_at is not None:
        presented = Step(
            who(direction.presented_by_id), where(direction.presented_to_id), direction.presented_at
        )
    if direction.adopted_at is not None and direction.state in (
        DirectionState.ADOPTED,
        DirectionState.SUPERSEDED,
    ):
        adopted = Step(
            who(direction.adopted_by_id), where(direction.presented_to_id), direction.adopted_at
        )
    newer = store.directions.get(direction.superseded_by_id) if direction.superseded_by_id else None
    return DirectionRecord(
        number=direction.number,
        state=state_of(direction, now),
        version=latest.version,
        forum=where(direction.forum_id),
        timezone=home.timezone if home is not None else "Europe/Stockholm",
        compiled_at=now.astimezone(UTC),
        drafted=Step(
            who(direction.created_by_id), where(direction.drafted_in_id), direction.created_at
        ),
        fields={name: value for name in DIRECTION_FIELDS if (value := text.fields()[name])},
        valid_until=text.valid_until,
        valid_until_text=text.valid_until_text,
        presented=presented,
        adopted=adopted,
        superseded_at=direction.superseded_at,
        superseded_by=newer.number if newer is not None else None,
        versions=tuple(
            VersionEntry(v.version, Step(who(v.by_id), where(v.forum_id), v.at)) for v in versions
        ),
        expected=len(state.expected) if live else 0,
        confirmations=tuple(
            ConfirmationEntry(state.name(c.organisation_id), who(c.person_id), c.at)
            for c in confirmed
        ),
        not_confirmed=tuple(state.name(oid) for oid in state.awaited) if live else (),
        agreed_messages=tuple(agreed_messages(store, home, now)) if home is not None else (),
        exercise=direction_exercise(store, direction),
    )


def direction_exercise(store: Store, direction: Direction) -> str | None:
    """The name of the exercise the direction belongs to: its activation's, or the exercise
    under way when it was adopted (in the forum that adopted it, or the one it is for), or,
    not adopted, drafted (``Exercises.of_work``); None for a real direction."""
    if direction.exercise_id is not None:  # drafted in it (noted since migration 0015)
        drafted = store.exercises.get(direction.exercise_id)
        if drafted is not None:
            return drafted.name
    activation = store.activations.get(direction.activation_id) if direction.activation_id else None
    if direction.adopted_at is not None:
        forums, when = (direction.presented_to_id, direction.forum_id), direction.adopted_at
    else:
        forums, when = (direction.drafted_in_id, direction.forum_id), direction.created_at
    exercise = store.exercises.of_work(forums, when, activation)
    return exercise.name if exercise is not None else None


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _instant(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)

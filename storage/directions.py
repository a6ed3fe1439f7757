"""The joint regional direction (gemensam regional inriktning): drafts and their versions,
presenting to a strategic forum, adoption, supersession, and the organisations' confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Direction,
    DirectionConfirmation,
    DirectionState,
    DirectionVersion,
    Forum,
    Organisation,
    Person,
)

# The text fields of a direction, in the order people read them.
DIRECTION_FIELDS = ("target", "priorities", "constraints", "guidelines", "communication")


@dataclass(frozen=True)
class DirectionText:
    """A version's text: the five fields and *Gäller till* (read, and as written)."""

    target: str | None = None
    priorities: str | None = None
    constraints: str | None = None
    guidelines: str | None = None
    communication: str | None = None
    valid_until: datetime | None = None
    valid_until_text: str | None = None

    @classmethod
    def of(cls, version: DirectionVersion) -> DirectionText:
        return cls(
            target=version.target,
            priorities=version.priorities,
            constraints=version.constraints,
            guidelines=version.guidelines,
            communication=version.communication,
            valid_until=version.valid_until,
            valid_until_text=version.valid_until_text,
        )

    def fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in DIRECTION_FIELDS}

    def empty(self) -> bool:
        return not any(self.fields().values()) and self.valid_until is None


def frames(direction: Direction, forum: Forum) -> bool:
    """Whether ``direction`` frames ``forum``'s work: drafted for it or for its parent (a
    thematic group works under its parent's), or adopted by it (the strategic forum). An
    exercise's direction frames only the forum that exercises it, never a thematic group or
    the strategic forum that played along: what they work under for real stays in force."""
    if forum.id == direction.forum_id:
        return True
    if direction.exercise_id is not None:
        return False
    if forum.parent_id is not None and forum.parent_id == direction.forum_id:
        return True
    return forum.id == direction.presented_to_id


def in_force(direction: Direction, now: datetime) -> bool:
    """Adopted, not superseded, and its *Gäller till* not passed."""
    return direction.state is DirectionState.ADOPTED and (
        direction.valid_until is None or now < direction.valid_until
    )


def expired(direction: Direction, now: datetime) -> bool:
    """Adopted and its *Gäller till* has passed (nobody superseded it first)."""
    return (
        direction.state is DirectionState.ADOPTED
        and direction.valid_until is not None
        and now >= direction.valid_until
    )


class Directions:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    # -- reading ----------------------------------------------------------------------------

    def get(self, direction_id: int) -> Direction | None:
        return self._session.get(Direction, direction_id)

    def by_number(self, number: int) -> Direction | None:
        return self._session.exec(select(Direction).where(Direction.number == number)).first()

    def of_forum(self, forum: Forum) -> list[Direction]:
        """The directions for a forum (drafted for it), oldest first."""
        return list(
            self._session.exec(
                select(Direction)
                .where(Direction.forum_id == forum.id)
                .order_by(col(Direction.number))
            )
        )

    def presented_to(self, forum: Forum) -> list[Direction]:
        """Directions presented to a strategic forum and not yet adopted there."""
        return list(
            self._session.exec(
                select(Direction)
                .where(
                    Direction.presented_to_id == forum.id,
                    Direction.state == DirectionState.PRESENTED,
                )
                .order_by(col(Direction.number))
            )
        )

    def adopted(self) -> list[Direction]:
        """Every adopted direction not superseded (some may have expired), newest first."""
        return list(
            self._session.exec(
                select(Direction)
                .where(Direction.state == DirectionState.ADOPTED)
                .order_by(col(Direction.adopted_at).desc(), col(Direction.number).desc())
            )
        )

    def in_force_for(self, forum: Forum, now: datetime) -> Direction | None:
        """The adopted direction in force that frames ``forum``'s work: one drafted for it,
        for its parent (a thematic group works under its parent's), or adopted by it (the
        strategic forum). The newest when several apply."""
        for direction in self.adopted():
            if in_force(direction, now) and frames(direction, forum):
                return direction
        return None

    def being_drafted_for(self, forum: Forum) -> list[Direction]:
        """Drafts and presented directions for ``forum`` (or its parent, for a thematic
        group), oldest first."""
        ids = {forum.id} | ({forum.parent_id} if forum.parent_id is not None else set())
        return list(
            self._session.exec(
                select(Direction)
                .where(
                    col(Direction.forum_id).in_(ids),
                    col(Direction.state).in_([DirectionState.DRAFT, DirectionState.PRESENTED]),
                )
                .order_by(col(Direction.number))
            )
        )

    def versions(self, direction: Direction) -> list[DirectionVersion]:
        return list(
            self._session.exec(
                select(DirectionVersion)
                .where(DirectionVersion.direction_id == direction.id)
                .order_by(col(DirectionVersion.version))
            )
        )

    def latest_version(self, direction: Direction) -> DirectionVersion:
        found = self._session.exec(
            select(DirectionVersion)
            .where(DirectionVersion.direction_id == direction.id)
            .order_by(col(DirectionVersion.version).desc())
            .limit(1)
        ).first()
        assert found is not None, "a direction always has a first version"
        return found

    def confirmations(self, direction: Direction) -> list[DirectionConfirmation]:
        return list(
            self._session.exec(
                select(DirectionConfirmation)
                .where(DirectionConfirmation.direction_id == direction.id)
                .order_by(col(DirectionConfirmation.at))
            )
        )

    def concerning_between(self, forum: Forum, start: datetime, end: datetime) -> list[Direction]:
        """The directions for ``forum`` (drafted for it or in it, a thematic group's for its
        parent) or presented to it, drafted, presented or adopted between ``start`` and
        ``end`` (an activation's timeline), by number."""
        return list(
            self._session.exec(
                select(Direction)
                .where(
                    or_(
                        col(Direction.forum_id) == forum.id,
                        col(Direction.drafted_in_id) == forum.id,
                        col(Direction.presented_to_id) == forum.id,
                    ),
                    or_(
                        col(Direction.created_at).between(start, end),
                        col(Direction.presented_at).between(start, end),
                        col(Direction.adopted_at).between(start, end),
                    ),
                )
                .order_by(col(Direction.number))
            )
        )

    # -- changing ---------------------------------------------------------------------------

    def draft(
        self,
        forum: Forum,
        drafted_in: Forum,
        by: Person,
        text: DirectionText,
        *,
        activation_id: int | None = None,
        exercise_id: int | None = None,
    ) -> Direction:
        """A new direction (förslag), numbered in the region, with its first version;
        ``exercise_id``: drafted in that exercise, and its only."""
        last = self._session.exec(select(func.max(Direction.number))).one()
        direction = Direction(
            number=(last or 0) + 1,
            forum_id=forum.id,  # type: ignore[arg-type]
            drafted_in_id=drafted_in.id,  # type: ignore[arg-type]
            activation_id=activation_id,
            exercise_id=exercise_id,
            created_at=self._audit.context.at,
            created_by_id=by.id,  # type: ignore[arg-type]
            valid_until=text.valid_until,
        )
        self._session.add(direction)
        self._session.flush()
        self._add_version(direction, 1, drafted_in, by, text)
        self._audit.record("direction.draft", forum_id=forum.id, number=direction.number)
        return direction

    def revise(
        self, direction: Direction, forum: Forum, by: Person, text: DirectionText
    ) -> DirectionVersion:
        """A new version (the whole text, as it now reads), edited in ``forum``."""
        number = self.latest_version(direction).version + 1
        version = self._add_version(direction, number, forum, by, text)
        direction.valid_until = text.valid_until
        self._session.add(direction)
        self._audit.record(
            "direction.revise", forum_id=forum.id, number=direction.number, version=number
        )
        return version

    def present(self, direction: Direction, to: Forum, by: Person) -> None:
        direction.state = DirectionState.PRESENTED
        direction.presented_to_id = to.id
        direction.presented_at = self._audit.context.at
        direction.presented_by_id = by.id
        self._session.add(direction)
        self._audit.record(
            "direction.present", forum_id=direction.forum_id, number=direction.number, to=to.name
        )

    def adopt(self, direction: Direction, by: Person) -> list[Direction]:
        """Adopted now; the directions for the same forum in force until now are superseded
        by it (returned). An exercise's direction supersedes only that exercise's, and a real
        one only real ones: a drill never replaces the direction in force."""
        at = self._audit.context.at
        superseded = [
            other
            for other in self.adopted()
            if other.forum_id == direction.forum_id
            and other.id != direction.id
            and other.exercise_id == direction.exercise_id
        ]
        for other in superseded:
            other.state = DirectionState.SUPERSEDED
            other.superseded_at = at
            other.superseded_by_id = direction.id
            self._session.add(other)
        direction.state = DirectionState.ADOPTED
        direction.adopted_at = at
        direction.adopted_by_id = by.id
        self._session.add(direction)
        self._audit.record(
            "direction.adopt",
            forum_id=direction.forum_id,
            number=direction.number,
            superseded=[other.number for other in superseded],
        )
        return superseded

    def end_exercise(self, exercise_id: int) -> list[Direction]:
        """The exercise has ended: its directions, adopted or not, end with it (superseded by
        none, at its end), so none of them is ever in force or adoptable after the drill.
        The directions ended, by number."""
        ended = list(
            self._session.exec(
                select(Direction)
                .where(
                    Direction.exercise_id == exercise_id,
                    Direction.state != DirectionState.SUPERSEDED,
                )
                .order_by(col(Direction.number))
            )
        )
        for direction in ended:
            direction.state = DirectionState.SUPERSEDED
            direction.superseded_at = self._audit.context.at
            direction.superseded_by_id = None
            self._session.add(direction)
            self._audit.record(
                "direction.exercise_end", forum_id=direction.forum_id, number=direction.number
            )
        return ended

    def confirm(
        self, direction: Direction, organisation: Organisation, by: Person
    ) -> DirectionConfirmation | None:
        """The organisation has taken note; None (and nothing changed) if it already had."""
        existing = self._session.get(DirectionConfirmation, (direction.id, organisation.id))
        if existing is not None:
            return None
        confirmation = DirectionConfirmation(
            direction_id=direction.id,  # type: ignore[arg-type]
            organisation_id=organisation.id,  # type: ignore[arg-type]
            person_id=by.id,  # type: ignore[arg-type]
            at=self._audit.context.at,
        )
        self._session.add(confirmation)
        self._audit.record(
            "direction.confirm",
            forum_id=direction.forum_id,
            number=direction.number,
            organisation=organisation.name,
        )
        return confirmation

    def _add_version(
        self, direction: Direction, number: int, forum: Forum, by: Person, text: DirectionText
    ) -> DirectionVersion:
        version = DirectionVersion(
            direction_id=direction.id,  # type: ignore[arg-type]
            version=number,
            forum_id=forum.id,  # type: ignore[arg-type]
            at=self._audit.context.at,
            by_id=by.id,  # type: ignore[arg-type]
            target=text.target,
            priorities=text.priorities,
            constraints=text.constraints,
            guidelines=text.guidelines,
            communication=text.communication,
            valid_until=text.valid_until,
            valid_until_text=text.valid_until_text,
        )
        self._session.add(version)
        self._session.flush()
        return version

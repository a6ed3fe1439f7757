"""Exercises (övningar): a forum's exercise from start to end, and removing what it produced."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import Exercise, Forum, Person


class Exercises:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def get(self, exercise_id: int) -> Exercise | None:
        return self._session.get(Exercise, exercise_id)

    def current(self, forum: Forum) -> Exercise | None:
        """The forum's exercise under way, if any."""
        return self._session.exec(
            select(Exercise).where(Exercise.forum_id == forum.id, col(Exercise.ended_at).is_(None))
        ).first()

    def of_forum(self, forum: Forum) -> list[Exercise]:
        """The forum's exercises, oldest first."""
        return list(
            self._session.exec(
                select(Exercise).where(Exercise.forum_id == forum.id).order_by(col(Exercise.id))
            )
        )

    def start(
        self, forum: Forum, name: str, by: Person, scenario: dict[str, Any] | None = None
    ) -> Exercise:
        exercise = Exercise(
            forum_id=forum.id,  # type: ignore[arg-type]
            name=name,
            started_at=self._audit.context.at,
            started_by_id=by.id,  # type: ignore[arg-type]
            scenario=scenario,
        )
        self._session.add(exercise)
        self._session.flush()
        self._audit.record("exercise.start", forum.id, exercise_id=exercise.id, name=name)
        return exercise

    def end(self, exercise: Exercise, by: Person) -> None:
        exercise.ended_at = self._audit.context.at
        exercise.ended_by_id = by.id
        self._session.add(exercise)
        self._audit.record(
            "exercise.end", exercise.forum_id, exercise_id=exercise.id, name=exercise.name
        )

    def mark_cleared(self, exercise: Exercise, by: Person) -> None:
        """Recorded as removed (the caller deletes what it produced)."""
        exercise.cleared_at = self._audit.context.at
        exercise.cleared_by_id = by.id
        self._session.add(exercise)
        self._audit.record(
            "exercise.clear", exercise.forum_id, exercise_id=exercise.id, name=exercise.name
        )

"""Exercises (övningar): a forum's exercise from start to end, and removing what it produced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Acknowledgement,
    Action,
    Activation,
    ActivationRequest,
    Direction,
    Escalation,
    Exercise,
    Forum,
    JointMessage,
    Meeting,
    MeetingAttendee,
    MeetingChair,
    MeetingItem,
    OutboxMessage,
    Person,
    PublishedPicture,
    ReportRound,
    ScheduledPost,
    SituationReport,
)


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

    def at(self, forum_id: int, when: datetime) -> Exercise | None:
        """The forum's exercise under way at ``when`` (its start and its end included)."""
        return self._session.exec(
            select(Exercise)
            .where(
                Exercise.forum_id == forum_id,
                col(Exercise.started_at) <= when,
                or_(col(Exercise.ended_at).is_(None), col(Exercise.ended_at) >= when),
            )
            .order_by(col(Exercise.id).desc())
        ).first()

    def of_work(
        self, forum_ids: Iterable[int | None], when: datetime, activation: Activation | None
    ) -> Exercise | None:
        """The exercise that something made at ``when`` belongs to (a picture's round, a
        meeting, a direction: what the exports mark ÖVNING): its activation's, when it was
        made in an exercise's activation; else the exercise under way then in one of the
        forums it was made in. The one place this is decided."""
        if activation is not None and activation.exercise_id is not None:
            return self.get(activation.exercise_id)
        for forum_id in dict.fromkeys(forum_ids):
            if forum_id is not None and (found := self.at(forum_id, when)) is not None:
                return found
        return None

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

    def find(self, forum: Forum, name: str) -> Exercise | None:
        """The forum's latest exercise of this name (case as typed or not)."""
        wanted = name.strip().casefold()
        found = [ex for ex in self.of_forum(forum) if ex.name.casefold() == wanted]
        return found[-1] if found else None

    def activations(self, exercise: Exercise) -> list[Activation]:
        return list(
            self._session.exec(
                select(Activation)
                .where(Activation.exercise_id == exercise.id)
                .order_by(col(Activation.id))
            )
        )

    def clear(self, exercise: Exercise) -> dict[str, int]:
        """Delete what an ended exercise produced: its activations (their acknowledgements,
        rounds, reports, published pictures, follow-ups) and the forum's meetings held while
        it lasted (chairs, attendance, items, actions, items raised from them). How many of
        each were deleted. The audit log keeps its history."""
        assert exercise.ended_at is not None, "an exercise under way is not cleared"
        s = self._session
        s.flush()
        activations = [a.id for a in self.activations(exercise) if a.id is not None]
        meetings = _ids(
            s.exec(
                select(Meeting.id).where(
                    Meeting.forum_id == exercise.forum_id,
                    col(Meeting.started_at) >= exercise.started_at,
                    col(Meeting.started_at) <= exercise.ended_at,
                )
            )
        )
        rounds = _ids(
            s.exec(
                select(ReportRound.id).where(
                    or_(
                        col(ReportRound.activation_id).in_(activations),
                        col(ReportRound.rhythm_activation_id).in_(activations),
                    )
                )
            )
        )
        items = _ids(
            s.exec(select(MeetingItem.id).where(col(MeetingItem.meeting_id).in_(meetings)))
        )
        actions = _ids(s.exec(select(Action.id).where(col(Action.meeting_id).in_(meetings))))
        reports = _ids(
            s.exec(select(SituationReport.id).where(col(SituationReport.round_id).in_(rounds)))
        )
        scheduled = _ids(
            s.exec(
                select(ScheduledPost.id).where(
                    or_(
                        col(ScheduledPost.activation_id).in_(activations),
                        col(ScheduledPost.action_id).in_(actions),
                    )
                )
            )
        )
        # References from what stays are let go of; then the rows go, children first.
        for statement in (
            update(OutboxMessage)
            .where(col(OutboxMessage.scheduled_id).in_(scheduled))
            .values(scheduled_id=None),
            update(ScheduledPost)
            .where(col(ScheduledPost.snoozed_from_id).in_(scheduled))
            .values(snoozed_from_id=None),
            delete(ScheduledPost).where(col(ScheduledPost.id).in_(scheduled)),
            update(Escalation)
            .where(col(Escalation.taken_up_meeting_id).in_(meetings))
            .values(taken_up_meeting_id=None),
            delete(Escalation).where(
                or_(
                    col(Escalation.from_meeting_id).in_(meetings),
                    col(Escalation.item_id).in_(items),
                )
            ),
            delete(Action).where(col(Action.id).in_(actions)),
            update(MeetingItem).where(col(MeetingItem.id).in_(items)).values(topic_id=None),
            delete(MeetingItem).where(col(MeetingItem.id).in_(items)),
            delete(MeetingChair).where(col(MeetingChair.meeting_id).in_(meetings)),
            delete(MeetingAttendee).where(col(MeetingAttendee.meeting_id).in_(meetings)),
            update(Meeting).where(col(Meeting.round_id).in_(rounds)).values(round_id=None),
            delete(Meeting).where(col(Meeting.id).in_(meetings)),
            update(SituationReport)
            .where(col(SituationReport.unchanged_from_id).in_(reports))
            .values(unchanged_from_id=None),
            delete(SituationReport).where(col(SituationReport.id).in_(reports)),
            delete(PublishedPicture).where(col(PublishedPicture.round_id).in_(rounds)),
            delete(ReportRound).where(col(ReportRound.id).in_(rounds)),
            delete(Acknowledgement).where(col(Acknowledgement.activation_id).in_(activations)),
            update(ActivationRequest)
            .where(col(ActivationRequest.from_activation_id).in_(activations))
            .values(from_activation_id=None),
            update(Direction)
            .where(col(Direction.activation_id).in_(activations))
            .values(activation_id=None),
            update(JointMessage)
            .where(col(JointMessage.activation_id).in_(activations))
            .values(activation_id=None),
            update(Activation)
            .where(col(Activation.linked_activation_id).in_(activations))
            .values(linked_activation_id=None),
            delete(Activation).where(col(Activation.id).in_(activations)),
        ):
            s.execute(statement.execution_options(synchronize_session=False))
        s.expire_all()
        return {
            "activations": len(activations),
            "meetings": len(meetings),
            "reports": len(reports),
            "rounds": len(rounds),
        }


def _ids(rows: Sequence[int | None] | Any) -> list[int]:
    return [row for row in rows if row is not None]

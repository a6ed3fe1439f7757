"""Read-only queries for a forum's statistics over a period (``!statistik``): the rows the
figures are compiled from, each fetched in one query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    Acknowledgement,
    Activation,
    Exercise,
    Forum,
    Meeting,
    ReportRound,
    RoundKind,
    SituationReport,
)


class StatisticsQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def activations(self, forum: Forum, start: datetime, end: datetime) -> list[Activation]:
        """The forum's activations begun in ``[start, end)``, exercises included (the caller
        sets them apart), oldest first."""
        return list(
            self._session.exec(
                select(Activation)
                .where(
                    Activation.forum_id == forum.id,
                    col(Activation.activated_at) >= start,
                    col(Activation.activated_at) < end,
                )
                .order_by(col(Activation.activated_at))
            )
        )

    def exercises(self, forum: Forum, start: datetime, end: datetime) -> int:
        """How many exercises of the forum began in ``[start, end)`` (``!övning start``, or
        with an exercise's activation), cleared since or not."""
        return self._session.exec(
            select(func.count())
            .select_from(Exercise)
            .where(
                Exercise.forum_id == forum.id,
                col(Exercise.started_at) >= start,
                col(Exercise.started_at) < end,
            )
        ).one()

    def acknowledgements(self, activation_ids: list[int]) -> list[Acknowledgement]:
        """The acknowledgements of these activations, in order of time."""
        if not activation_ids:
            return []
        return list(
            self._session.exec(
                select(Acknowledgement)
                .where(col(Acknowledgement.activation_id).in_(activation_ids))
                .order_by(col(Acknowledgement.at))
            )
        )

    def meeting_starts(self, forum: Forum, start: datetime) -> list[datetime]:
        """When the forum's meetings from ``start`` on began, in order."""
        return list(
            self._session.exec(
                select(Meeting.started_at)
                .where(Meeting.forum_id == forum.id, col(Meeting.started_at) >= start)
                .order_by(col(Meeting.started_at))
            )
        )

    def scheduled_rounds(
        self,
        forum: Forum,
        start: datetime,
        end: datetime,
        apart: Sequence[tuple[datetime, datetime | None]] = (),
    ) -> list[tuple[datetime, dict[int, datetime]]]:
        """The rounds of the forum's scheduled meetings held in ``[start, end)``: each
        meeting's time and, per organisation, when it first reported in the round (late
        reports left out, and those sent during one of the periods ``apart``: the forum's
        exercises, whose reports were the drill's), in order of the meeting."""
        rounds = list(
            self._session.exec(
                select(ReportRound)
                .where(
                    ReportRound.forum_id == forum.id,
                    ReportRound.kind == RoundKind.MEETING,
                    col(ReportRound.meeting_at) >= start,
                    col(ReportRound.meeting_at) < end,
                )
                .order_by(col(ReportRound.meeting_at))
            )
        )
        firsts: dict[int, dict[int, datetime]] = {r.id: {} for r in rounds if r.id is not None}
        if firsts:
            reports = self._session.exec(
                select(
                    SituationReport.round_id, SituationReport.organisation_id, SituationReport.at
                )
                .where(
                    col(SituationReport.round_id).in_(list(firsts)),
                    col(SituationReport.late).is_(False),
                )
                .order_by(col(SituationReport.at))
            )
            for round_id, organisation_id, at in reports:
                if not _within(at, apart):
                    firsts[round_id].setdefault(organisation_id, at)
        return [
            (r.meeting_at, firsts[r.id])
            for r in rounds
            if r.id is not None and r.meeting_at is not None
        ]


def _within(at: datetime, periods: Sequence[tuple[datetime, datetime | None]]) -> bool:
    """Whether ``at`` falls in one of ``periods`` (begun, ended; None: not yet ended)."""
    return any(begun <= at and (ended is None or at <= ended) for begun, ended in periods)

"""Rounds of situation reports, the reports in them, and published joint pictures.

Which round a report belongs to is decided by ``commands.situation.rounds``; this module
only finds, creates and closes rounds and keeps what was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Activation,
    Forum,
    Organisation,
    Person,
    PublishedPicture,
    ReportRound,
    RoundKind,
    SituationReport,
)

# The report's fields in the order of the model (DOMAIN.md): the columns of SituationReport.
FIELDS = (
    "situation",
    "impact",
    "actions_taken",
    "planned_actions",
    "needs",
    "communication",
    "outlook",
)

# Built once: building a statement costs more than running it.
_BY_MEETING = select(ReportRound).where(
    ReportRound.forum_id == bindparam("forum_id"),
    ReportRound.meeting_at == bindparam("meeting_at"),
)
_BY_ACTIVATION = select(ReportRound).where(ReportRound.activation_id == bindparam("activation_id"))
_BY_NUMBER = select(ReportRound).where(
    ReportRound.forum_id == bindparam("forum_id"), ReportRound.number == bindparam("number")
)
_LATEST_ROUND = (
    select(ReportRound)
    .where(ReportRound.forum_id == bindparam("forum_id"))
    .order_by(col(ReportRound.number).desc())
    .limit(1)
)
# The newest round with something to show: a report, or a published version.
_LATEST_WITH_CONTENT = (
    select(ReportRound)
    .where(
        ReportRound.forum_id == bindparam("forum_id"),
        or_(
            exists().where(col(SituationReport.round_id) == col(ReportRound.id)),
            exists().where(col(PublishedPicture.round_id) == col(ReportRound.id)),
        ),
    )
    .order_by(col(ReportRound.number).desc())
    .limit(1)
)
_LATEST_WITH_VERSION = (
    select(ReportRound)
    .join(PublishedPicture, col(PublishedPicture.round_id) == col(ReportRound.id))
    .where(
        ReportRound.forum_id == bindparam("forum_id"),
        PublishedPicture.version == bindparam("version"),
    )
    .order_by(col(ReportRound.number).desc())
    .limit(1)
)
_LAST_NUMBER = select(func.max(ReportRound.number)).where(
    ReportRound.forum_id == bindparam("forum_id")
)
_IN_ROUND = (
    select(SituationReport)
    .where(SituationReport.round_id == bindparam("round_id"))
    .order_by(col(SituationReport.id))
)
_PREVIOUS = (
    select(SituationReport)
    .where(SituationReport.organisation_id == bindparam("organisation_id"))
    .order_by(col(SituationReport.id).desc())
    .limit(1)
)
_PREVIOUS_IN_FORUM = (
    select(SituationReport)
    .join(ReportRound, col(ReportRound.id) == col(SituationReport.round_id))
    .where(
        SituationReport.organisation_id == bindparam("organisation_id"),
        ReportRound.forum_id == bindparam("forum_id"),
    )
    .order_by(col(SituationReport.id).desc())
    .limit(1)
)
_BY_IDS = select(SituationReport).where(
    col(SituationReport.id).in_(bindparam("ids", expanding=True))
)
_PUBLISHED_VERSION = select(PublishedPicture).where(
    PublishedPicture.round_id == bindparam("round_id"),
    PublishedPicture.version == bindparam("version"),
)
_PUBLISHED = (
    select(PublishedPicture)
    .where(PublishedPicture.round_id == bindparam("round_id"))
    .order_by(col(PublishedPicture.version).desc())
)


@dataclass(frozen=True)
class ReportFields:
    """What an organisation reported, field by field (``None``: left empty)."""

    situation: str | None = None
    impact: str | None = None
    actions_taken: str | None = None
    planned_actions: str | None = None
    needs: str | None = None
    communication: str | None = None
    outlook: str | None = None

    def items(self) -> list[tuple[str, str]]:
        """The filled-in fields, in the model's order."""
        return [(name, value) for name in FIELDS if (value := getattr(self, name))]

    def as_dict(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def of(cls, report: SituationReport) -> ReportFields:
        return cls(**{name: getattr(report, name) for name in FIELDS})


class Reports:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    # -- rounds ------------------------------------------------------------------------------

    def meeting_round(self, forum: Forum, meeting_at: datetime) -> ReportRound | None:
        params = {"forum_id": forum.id, "meeting_at": meeting_at}
        return self._session.exec(_BY_MEETING, params=params).first()

    def activation_round(self, activation: Activation) -> ReportRound | None:
        params = {"activation_id": activation.id}
        return self._session.exec(_BY_ACTIVATION, params=params).first()

    def rhythm_rounds(self, activation: Activation) -> list[ReportRound]:
        """The rounds of an activation's meetings (``!rytm``, ``!nästa möte``), in order."""
        return list(
            self._session.exec(
                select(ReportRound)
                .where(ReportRound.rhythm_activation_id == activation.id)
                .order_by(col(ReportRound.number))
            )
        )

    def round_by_number(self, forum: Forum, number: int) -> ReportRound | None:
        params = {"forum_id": forum.id, "number": number}
        return self._session.exec(_BY_NUMBER, params=params).first()

    def latest_round(self, forum: Forum) -> ReportRound | None:
        return self._session.exec(_LATEST_ROUND, params={"forum_id": forum.id}).first()

    def latest_round_with_content(self, forum: Forum) -> ReportRound | None:
        """The highest-numbered round that holds a report or a published version."""
        return self._session.exec(_LATEST_WITH_CONTENT, params={"forum_id": forum.id}).first()

    def latest_round_with_version(self, forum: Forum, version: int) -> ReportRound | None:
        """The highest-numbered round that has published ``version``."""
        params = {"forum_id": forum.id, "version": version}
        return self._session.exec(_LATEST_WITH_VERSION, params=params).first()

    def round_by_id(self, round_id: int) -> ReportRound | None:
        return self._session.get(ReportRound, round_id)

    def open_round(
        self,
        forum: Forum,
        kind: RoundKind,
        *,
        meeting_at: datetime | None = None,
        closes_at: datetime | None = None,
        activation: Activation | None = None,
        opened_at: datetime | None = None,
        closed_at: datetime | None = None,
    ) -> ReportRound:
        """A new round of ``forum``, numbered after its last one.

        Not in the audit log: a round opens as a consequence of what is (an activation, a
        report), or when someone only looks at the picture.
        """
        last = self._session.exec(_LAST_NUMBER, params={"forum_id": forum.id}).first()
        report_round = ReportRound(
            forum_id=forum.id,  # type: ignore[arg-type]
            number=(last or 0) + 1,
            kind=kind,
            meeting_at=meeting_at,
            activation_id=activation.id if activation else None,
            opened_at=opened_at or self._audit.context.at,
            closes_at=closes_at,
            closed_at=closed_at,
        )
        self._session.add(report_round)
        self._session.flush()
        return report_round

    def hold_open(self, report_round: ReportRound) -> None:
        """No planned close: the round stays open until it is closed (a meeting's end)."""
        report_round.closes_at = None
        self._session.add(report_round)

    def close_round(self, report_round: ReportRound) -> None:
        report_round.closed_at = self._audit.context.at
        self._session.add(report_round)
        self._audit.record("round.close", report_round.forum_id, round=report_round.number)

    # -- reports -----------------------------------------------------------------------------

    def in_round(self, report_round: ReportRound) -> list[SituationReport]:
        """Every report of the round, superseded ones too, oldest first."""
        return list(self._session.exec(_IN_ROUND, params={"round_id": report_round.id}))

    def latest_in_round(self, report_round: ReportRound) -> dict[int, SituationReport]:
        """Each organisation's newest report in the round, by organisation id."""
        return {report.organisation_id: report for report in self.in_round(report_round)}

    def by_ids(self, report_ids: list[int]) -> dict[int, SituationReport]:
        if not report_ids:
            return {}
        found = self._session.exec(_BY_IDS, params={"ids": sorted(set(report_ids))})
        return {report.id: report for report in found if report.id is not None}

    def previous(
        self, organisation: Organisation, forum: Forum | None = None
    ) -> SituationReport | None:
        """The organisation's newest report in any round (of ``forum``, when given: what it
        reported to another forum is not its report here)."""
        if forum is None:
            params: dict[str, Any] = {"organisation_id": organisation.id}
            return self._session.exec(_PREVIOUS, params=params).first()
        params = {"organisation_id": organisation.id, "forum_id": forum.id}
        return self._session.exec(_PREVIOUS_IN_FORUM, params=params).first()

    def add(
        self,
        report_round: ReportRound,
        organisation: Organisation,
        by: Person,
        *,
        text: str,
        fields: ReportFields,
        late: bool,
        on_behalf: bool = False,
        source: str = "command",
        unchanged_from: SituationReport | None = None,
    ) -> SituationReport:
        report = SituationReport(
            round_id=report_round.id,  # type: ignore[arg-type]
            organisation_id=organisation.id,  # type: ignore[arg-type]
            person_id=by.id,  # type: ignore[arg-type]
            on_behalf=on_behalf,
            at=self._audit.context.at,
            late=late,
            source=source,
            unchanged_from_id=unchanged_from.id if unchanged_from else None,
            text=text,
        )
        for name, value in fields.as_dict().items():
            setattr(report, name, value)
        self._session.add(report)
        self._session.flush()
        self._audit.record(
            "report.add",
            report_round.forum_id,
            round=report_round.number,
            report_id=report.id,
            organisation=organisation.name,
            on_behalf=on_behalf,
            late=late,
            source=source,
        )
        return report

    # -- published pictures ------------------------------------------------------------------

    def published(self, report_round: ReportRound) -> PublishedPicture | None:
        """The round's newest published version."""
        params = {"round_id": report_round.id}
        return self._session.exec(_PUBLISHED, params=params).first()

    def publish(
        self, report_round: ReportRound, by: Person, version: int, content: dict[str, Any]
    ) -> PublishedPicture:
        """Freeze ``content`` as ``version`` (the next after :meth:`published`)."""
        picture = PublishedPicture(
            round_id=report_round.id,  # type: ignore[arg-type]
            version=version,
            published_at=self._audit.context.at,
            published_by_id=by.id,  # type: ignore[arg-type]
            content=content,
        )
        self._session.add(picture)
        self._session.flush()
        self._audit.record(
            "picture.publish",
            report_round.forum_id,
            round=report_round.number,
            version=picture.version,
        )
        return picture

    def published_version(self, report_round: ReportRound, version: int) -> PublishedPicture:
        params = {"round_id": report_round.id, "version": version}
        found = self._session.exec(_PUBLISHED_VERSION, params=params).first()
        if found is None:
            raise LookupError(version)
        return found

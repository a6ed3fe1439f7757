"""The actor organisations."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import Category, Organisation

# Built once: building a statement costs more than running it.
_BY_IDS = select(Organisation).where(col(Organisation.id).in_(bindparam("ids", expanding=True)))


class Organisations:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit
        # Read once per unit of work: a call-out naming ten organisations looks each up
        # among all of them (held strongly: the session's identity map would let them go).
        self._all: list[Organisation] | None = None

    def all(self) -> list[Organisation]:
        if self._all is None:
            query = select(Organisation).order_by(col(Organisation.name))
            self._all = list(self._session.exec(query))
        return list(self._all)

    def get(self, organisation_id: int) -> Organisation | None:
        return self._session.get(Organisation, organisation_id)

    def by_ids(self, organisation_ids: list[int]) -> dict[int, Organisation]:
        if not organisation_ids:
            return {}
        found = self._session.exec(_BY_IDS, params={"ids": sorted(set(organisation_ids))})
        return {o.id: o for o in found if o.id is not None}

    def create(
        self, name: str, category: Category, aliases: list[str] | None = None
    ) -> Organisation:
        self._all = None
        organisation = Organisation(
            name=name,
            category=category,
            aliases=aliases or [],
            created_at=self._audit.context.at,
        )
        self._session.add(organisation)
        self._session.flush()
        self._audit.record("organisation.create", name=name, category=category.value)
        return organisation

"""People (platform identities), the organisation each represents, and roles in forums."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import Forum, Organisation, Person, Role, RoleGrant

MAX_NAME = 255  # the column's width; platforms allow about as much


# Built once: the statements every message runs (building one costs more than running it).
_LOOKUP = (
    select(Person, Organisation)
    .outerjoin(Organisation, col(Organisation.id) == col(Person.organisation_id))
    .where(Person.platform == bindparam("platform"), Person.user_id == bindparam("user_id"))
)
_BY_IDS = select(Person).where(col(Person.id).in_(bindparam("ids", expanding=True)))
_GRANT = select(RoleGrant).where(
    RoleGrant.forum_id == bindparam("forum_id"), RoleGrant.person_id == bindparam("person_id")
)


class People:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def get(self, person_id: int) -> Person | None:
        return self._session.get(Person, person_id)

    def lookup(self, platform: str, user_id: str) -> Person | None:
        found = self.lookup_with_organisation(platform, user_id)
        return found[0] if found is not None else None

    def lookup_with_organisation(
        self, platform: str, user_id: str
    ) -> tuple[Person, Organisation | None] | None:
        """The person with this identity and the organisation they represent, in one query."""
        params = {"platform": platform, "user_id": user_id}
        row = self._session.exec(_LOOKUP, params=params).first()
        return (row[0], row[1]) if row is not None else None

    def by_ids(self, person_ids: list[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        found = self._session.exec(_BY_IDS, params={"ids": sorted(set(person_ids))})
        return {p.id: p for p in found if p.id is not None}

    def ensure(self, platform: str, user_id: str, display_name: str) -> Person:
        """The person with this platform identity, created on first sight."""
        display_name = display_name[:MAX_NAME]
        person = self.lookup(platform, user_id)
        if person is None:
            person = Person(
                platform=platform,
                user_id=user_id,
                display_name=display_name,
                created_at=self._audit.context.at,
            )
            self._session.add(person)
            self._session.flush()
        elif display_name and person.display_name != display_name:
            person.display_name = display_name
            self._session.add(person)
        return person

    def on_platform(self, platform: str) -> list[Person]:
        query = select(Person).where(Person.platform == platform).order_by(col(Person.id))
        return list(self._session.exec(query))

    def with_user_ids(self, user_ids: list[str]) -> list[Person]:
        if not user_ids:
            return []
        query = select(Person).where(col(Person.user_id).in_(user_ids)).order_by(col(Person.id))
        return list(self._session.exec(query))

    def set_organisation(self, person: Person, organisation: Organisation) -> None:
        previous = person.organisation_id
        person.organisation_id = organisation.id
        self._session.add(person)
        self._audit.record(
            "person.organisation",
            person=person.user_id,
            organisation=organisation.name,
            previous_organisation_id=previous,
        )

    def granted_role(self, forum: Forum, person: Person) -> Role | None:
        params = {"forum_id": forum.id, "person_id": person.id}
        grant = self._session.exec(_GRANT, params=params).first()
        return grant.role if grant else None

    def grant(self, forum: Forum, person: Person, role: Role, by: Person) -> None:
        at = self._audit.context.at
        grant = self._session.get(RoleGrant, (forum.id, person.id))
        if grant is None:
            grant = RoleGrant(
                forum_id=forum.id,  # type: ignore[arg-type]
                person_id=person.id,  # type: ignore[arg-type]
                role=role,
                granted_at=at,
                granted_by_id=by.id,
            )
        else:
            grant.role, grant.granted_at, grant.granted_by_id = role, at, by.id
        self._session.add(grant)
        self._audit.record("person.role", forum.id, person=person.user_id, role=role.value)

    def with_role(self, forum: Forum, role: Role) -> list[Person]:
        query = (
            select(Person)
            .join(RoleGrant, col(RoleGrant.person_id) == col(Person.id))
            .where(RoleGrant.forum_id == forum.id, RoleGrant.role == role)
            .order_by(col(Person.display_name))
        )
        return list(self._session.exec(query))

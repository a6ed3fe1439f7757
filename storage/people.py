"""People (platform identities), the organisation each represents, and roles in forums."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import Forum, Organisation, Person, Role, RoleGrant

MAX_NAME = 255  # the column's width; platforms allow about as much


class People:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def get(self, person_id: int) -> Person | None:
        return self._session.get(Person, person_id)

    def lookup(self, platform: str, user_id: str) -> Person | None:
        return self._session.exec(
            select(Person).where(Person.platform == platform, Person.user_id == user_id)
        ).first()

    def by_ids(self, person_ids: list[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        query = select(Person).where(col(Person.id).in_(set(person_ids)))
        return {p.id: p for p in self._session.exec(query) if p.id is not None}

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
        grant = self._session.get(RoleGrant, (forum.id, person.id))
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

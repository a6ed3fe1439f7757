"""People (platform identities), the organisation each represents, and roles in forums."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Activation,
    ChannelBinding,
    Forum,
    Organisation,
    Person,
    RegionalGrant,
    Role,
    RoleGrant,
)

MAX_NAME = 255  # the column's width; platforms allow about as much


# Built once: the statements every message runs (building one costs more than running it).
_LOOKUP = (
    select(Person, Organisation, RegionalGrant.role)
    .outerjoin(Organisation, col(Organisation.id) == col(Person.organisation_id))
    .outerjoin(RegionalGrant, col(RegionalGrant.person_id) == col(Person.id))
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
    ) -> tuple[Person, Organisation | None, Role | None] | None:
        """The person with this identity, the organisation they represent and the role they
        hold in the whole region, in one query (it runs for every message)."""
        params = {"platform": platform, "user_id": user_id}
        row = self._session.exec(_LOOKUP, params=params).first()
        if row is None:
            return None
        return row[0], row[1], Role(row[2]) if row[2] is not None else None

    def by_ids(self, person_ids: list[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        found = self._session.exec(_BY_IDS, params={"ids": sorted(set(person_ids))})
        return {p.id: p for p in found if p.id is not None}

    def ensure(
        self, platform: str, user_id: str, display_name: str, *, rename: bool = True
    ) -> Person:
        """The person with this platform identity, created on first sight.

        ``rename``: the name is the one the platform gives the person themselves (the
        speaker), so it replaces the stored one. A name someone else wrote (a mention's link
        text) only names a person met for the first time, and renames nobody.
        """
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
        elif rename and display_name and person.display_name != display_name:
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

    def clear_organisation(self, person: Person) -> None:
        """The person no longer speaks for the organisation (a coordinator revoked it)."""
        previous = person.organisation_id
        person.organisation_id = None
        self._session.add(person)
        self._audit.record(
            "person.organisation_revoked", person=person.user_id, previous_organisation_id=previous
        )

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

    def forums_with_role(self, person: Person, role: Role) -> list[int]:
        """The ids of the forums where ``person`` was given ``role``."""
        query = select(RoleGrant.forum_id).where(
            RoleGrant.person_id == person.id, RoleGrant.role == role
        )
        return list(self._session.exec(query))

    def grants(self, forum: Forum) -> list[tuple[Person, RoleGrant]]:
        """The roles given in ``forum``, with whom they were given to, by name."""
        query = (
            select(Person, RoleGrant)
            .join(RoleGrant, col(RoleGrant.person_id) == col(Person.id))
            .where(RoleGrant.forum_id == forum.id)
            .order_by(col(Person.display_name), col(Person.id))
        )
        return [(person, grant) for person, grant in self._session.exec(query)]

    # -- the whole region ---------------------------------------------------------------------

    def regional_role(self, person: Person) -> Role | None:
        grant = self._session.get(RegionalGrant, person.id)
        return grant.role if grant else None

    def grant_regional(self, person: Person, role: Role, by: Person) -> None:
        at = self._audit.context.at
        grant = self._session.get(RegionalGrant, person.id)
        if grant is None:
            grant = RegionalGrant(
                person_id=person.id,  # type: ignore[arg-type]
                role=role,
                granted_at=at,
                granted_by_id=by.id,
            )
        else:
            grant.role, grant.granted_at, grant.granted_by_id = role, at, by.id
        self._session.add(grant)
        self._audit.record("person.regional_role", person=person.user_id, role=role.value)

    def revoke_regional(self, person: Person) -> bool:
        grant = self._session.get(RegionalGrant, person.id)
        if grant is None:
            return False
        self._session.delete(grant)
        self._audit.record("person.regional_role", person=person.user_id, role=Role.NONE.value)
        return True

    def regional_grants(self) -> list[tuple[Person, RegionalGrant]]:
        query = (
            select(Person, RegionalGrant)
            .join(RegionalGrant, col(RegionalGrant.person_id) == col(Person.id))
            .order_by(col(Person.display_name), col(Person.id))
        )
        return [(person, grant) for person, grant in self._session.exec(query)]

    def with_regional_role(self, role: Role) -> list[Person]:
        query = (
            select(Person)
            .join(RegionalGrant, col(RegionalGrant.person_id) == col(Person.id))
            .where(RegionalGrant.role == role)
            .order_by(col(Person.display_name))
        )
        return list(self._session.exec(query))

    def who_acted_as_coordinators(self) -> dict[int, tuple[Person, list[ChannelBinding]]]:
        """Everyone who has done what only a coordinator may (bound a channel, given a role,
        activated or stood down a forum), with the bindings they made: whom the trust model
        of migration 0009 may have taken the role from."""
        acted: set[int] = set()
        for column in (
            ChannelBinding.bound_by_id,
            RoleGrant.granted_by_id,
            Activation.activated_by_id,
            Activation.stood_down_by_id,
        ):
            found = self._session.exec(select(column).where(col(column).is_not(None)).distinct())
            acted.update(person_id for person_id in found if person_id is not None)
        people = self.by_ids(sorted(acted))
        bindings: dict[int, list[ChannelBinding]] = {person_id: [] for person_id in people}
        query = select(ChannelBinding).where(col(ChannelBinding.bound_by_id).in_(sorted(people)))
        for binding in self._session.exec(query.order_by(col(ChannelBinding.id))):
            if binding.bound_by_id is not None:
                bindings[binding.bound_by_id].append(binding)
        return {pid: (person, bindings[pid]) for pid, person in people.items()}

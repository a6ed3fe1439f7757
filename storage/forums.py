"""Forums, the channels that serve them, and the organisations that take part."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Activation,
    Category,
    ChannelBinding,
    Forum,
    ForumKind,
    ForumParticipant,
    ForumRepresentative,
    HolidayPolicy,
    Level,
    Mode,
    Organisation,
    Person,
    Representation,
)

# Built once: the statements every message runs (building one costs more than running it).
_FOR_CHANNEL = (
    select(Forum)
    .join(ChannelBinding, col(ChannelBinding.forum_id) == col(Forum.id))
    .where(
        ChannelBinding.platform == bindparam("platform"),
        ChannelBinding.channel_id == bindparam("channel_id"),
    )
)
_FOR_CHANNEL_WITH_OPEN_ACTIVATION = (
    select(Forum, Activation, col(ChannelBinding.name))
    .join(ChannelBinding, col(ChannelBinding.forum_id) == col(Forum.id))
    .outerjoin(
        Activation,
        (col(Activation.forum_id) == col(Forum.id)) & col(Activation.stood_down_at).is_(None),
    )
    .where(
        ChannelBinding.platform == bindparam("platform"),
        ChannelBinding.channel_id == bindparam("channel_id"),
    )
)
_NAME_CHANNEL = (
    update(ChannelBinding)
    .where(
        col(ChannelBinding.platform) == bindparam("b_platform"),
        col(ChannelBinding.channel_id) == bindparam("b_channel_id"),
    )
    .values(name=bindparam("b_name"))
)
_CHANNELS = (
    select(col(ChannelBinding.platform), col(ChannelBinding.channel_id), col(ChannelBinding.name))
    .where(col(ChannelBinding.forum_id) == bindparam("forum_id"))
    .order_by(col(ChannelBinding.id))
)
_PARTICIPANTS = (
    select(Organisation)
    .join(ForumParticipant, col(ForumParticipant.organisation_id) == col(Organisation.id))
    .where(ForumParticipant.forum_id == bindparam("forum_id"))
    .order_by(col(Organisation.name))
)
# Plain columns, not entities: a call-out lists every organisation, and loading each as an
# ORM object costs more than the query. The representatives are those of this forum.
_ROSTER = (
    select_columns(
        col(Organisation.id),
        col(Organisation.name),
        col(Organisation.category),
        col(ForumRepresentative.kind),
        col(Person.platform),
        col(Person.user_id),
        col(Person.display_name),
    )
    .join(ForumParticipant, col(ForumParticipant.organisation_id) == col(Organisation.id))
    .outerjoin(
        ForumRepresentative,
        (col(ForumRepresentative.organisation_id) == col(Organisation.id))
        & (col(ForumRepresentative.forum_id) == col(ForumParticipant.forum_id)),
    )
    .outerjoin(Person, col(Person.id) == col(ForumRepresentative.person_id))
    .where(col(ForumParticipant.forum_id) == bindparam("forum_id"))
    .order_by(col(Organisation.name), col(Organisation.id), col(Person.display_name))
)


@dataclass(frozen=True)
class Channel:
    """Where a forum is served: a channel on a platform (and what people call it there, when
    a command there has shown it)."""

    platform: str
    channel_id: str
    name: str | None = field(default=None, compare=False)


def channel_name(seen: str | None) -> str | None:
    """A channel's name as kept: without Slack's and IRC's leading ``#``, at most 255
    characters; None for none."""
    name = (seen or "").strip().lstrip("#").strip()[:255]
    return name or None


@dataclass(frozen=True)
class Contact:
    """A person to mention: who they are on which platform."""

    platform: str
    user_id: str
    display_name: str


@dataclass(frozen=True)
class RosterEntry:
    """A member organisation of a forum, and the people who represent it there: its
    ordinarie (``people``, called first) and its ersättare (``deputies``)."""

    id: int
    name: str
    category: Category
    people: list[Contact] = field(default_factory=list)
    deputies: list[Contact] = field(default_factory=list)


class Forums:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def all(self) -> list[Forum]:
        return list(self._session.exec(select(Forum).order_by(col(Forum.id))))

    def get(self, forum_id: int) -> Forum | None:
        return self._session.get(Forum, forum_id)

    def by_ids(self, forum_ids: list[int]) -> list[Forum]:
        """The forums of ``forum_ids`` that exist, in one query, by id."""
        if not forum_ids:
            return []
        return list(
            self._session.exec(
                select(Forum).where(col(Forum.id).in_(forum_ids)).order_by(col(Forum.id))
            )
        )

    def for_channel(self, platform: str, channel_id: str) -> Forum | None:
        params = {"platform": platform, "channel_id": channel_id}
        return self._session.exec(_FOR_CHANNEL, params=params).first()

    def for_channel_with_open_activation(
        self, platform: str, channel_id: str, *, seen_name: str | None = None
    ) -> tuple[Forum, Activation | None] | None:
        """The forum a channel serves and its open activation, in one query.

        ``seen_name``: what the channel is called now (a command there shows it); noted when
        it is not what the binding remembers."""
        params = {"platform": platform, "channel_id": channel_id}
        row = self._session.exec(_FOR_CHANNEL_WITH_OPEN_ACTIVATION, params=params).first()
        if row is None:
            return None
        name = channel_name(seen_name)
        if name is not None and name != row[2]:
            self._session.connection().execute(
                _NAME_CHANNEL, {"b_platform": platform, "b_channel_id": channel_id, "b_name": name}
            )
        return (row[0], row[1])

    def channels(self, forum: Forum) -> list[Channel]:
        """The channels serving ``forum``, in the order they were bound."""
        self._session.flush()  # plain rows come from the connection: send pending changes
        rows = self._session.connection().execute(_CHANNELS, {"forum_id": forum.id})
        return [Channel(platform, channel_id, name) for platform, channel_id, name in rows]

    def bind(
        self,
        forum: Forum,
        platform: str,
        channel_id: str,
        by: Person,
        *,
        name: str | None = None,
    ) -> Forum | None:
        """Let this channel serve ``forum``; returns the forum it served before, if any.
        ``name``: what the channel is called on its platform, if the door said."""
        existing = self._session.exec(
            select(ChannelBinding).where(
                ChannelBinding.platform == platform, ChannelBinding.channel_id == channel_id
            )
        ).first()
        previous = None
        if existing is not None:
            previous = self.get(existing.forum_id)
            existing.forum_id = forum.id  # type: ignore[assignment]
            existing.bound_at = self._audit.context.at
            existing.bound_by_id = by.id
            existing.name = channel_name(name) or existing.name
            self._session.add(existing)
        else:
            self._session.add(
                ChannelBinding(
                    platform=platform,
                    channel_id=channel_id,
                    forum_id=forum.id,  # type: ignore[arg-type]
                    bound_at=self._audit.context.at,
                    bound_by_id=by.id,
                    name=channel_name(name),
                )
            )
        self._audit.record(
            "forum.bind",
            forum.id,
            channel=f"{platform}:{channel_id}",
            previous_forum_id=previous.id if previous else None,
        )
        return previous

    def unbind(self, forum: Forum, platform: str, channel_id: str) -> None:
        binding = self._session.exec(
            select(ChannelBinding).where(
                ChannelBinding.platform == platform, ChannelBinding.channel_id == channel_id
            )
        ).one()
        self._session.delete(binding)
        self._audit.record("forum.unbind", forum.id, channel=f"{platform}:{channel_id}")

    def create(
        self,
        *,
        name: str,
        slug: str,
        level: Level,
        kind: ForumKind,
        language: str,
        timezone: str,
        host: Organisation | None,
    ) -> Forum:
        at = self._audit.context.at
        forum = Forum(
            name=name,
            slug=slug,
            level=level,
            kind=kind,
            mode=Mode.ORDINARY,
            mode_since=at,
            language=language,
            timezone=timezone,
            host_organisation_id=host.id if host else None,
            created_at=at,
        )
        self._session.add(forum)
        self._session.flush()
        self._audit.record("forum.create", forum.id, name=name, level=level.value)
        return forum

    def set_mode(self, forum: Forum, mode: Mode) -> None:
        forum.mode = mode
        forum.mode_since = self._audit.context.at
        self._session.add(forum)
        self._audit.record("forum.mode", forum.id, mode=mode.value)

    def set_language(self, forum: Forum, language: str) -> None:
        forum.language = language
        self._session.add(forum)
        self._audit.record("forum.language", forum.id, language=language)

    def set_schedule(self, forum: Forum, rule: str | None, start: date | None) -> None:
        """The forum's meeting rule (RFC 5545 RRULE in wall-clock time) from ``start``; None
        removes the schedule."""
        forum.schedule_rule = rule
        forum.schedule_start = start if rule else None
        self._session.add(forum)
        self._audit.record(
            "forum.schedule",
            forum.id,
            rule=rule,
            start=forum.schedule_start.isoformat() if forum.schedule_start else None,
        )

    def set_holiday_policy(self, forum: Forum, policy: HolidayPolicy) -> None:
        forum.holiday_policy = policy
        self._session.add(forum)
        self._audit.record("forum.holiday_policy", forum.id, policy=policy.value)

    def participants(self, forum: Forum) -> list[Organisation]:
        return list(self._session.exec(_PARTICIPANTS, params={"forum_id": forum.id}))

    def roster(self, forum: Forum) -> list[RosterEntry]:
        """The organisations of the forum by name, each with its representatives by name."""
        self._session.flush()  # plain rows come from the connection: send pending changes
        rows = self._session.connection().execute(_ROSTER, {"forum_id": forum.id})
        roster: list[RosterEntry] = []
        for org_id, name, category, kind, platform, user_id, display_name in rows:
            assert org_id is not None  # an inner join: every row has its organisation
            if not roster or roster[-1].id != org_id:
                roster.append(RosterEntry(org_id, name, Category(category)))
            if user_id is not None:
                contacts = (
                    roster[-1].deputies if kind == Representation.DEPUTY else roster[-1].people
                )
                contacts.append(Contact(platform, user_id, display_name))
        return roster

    def takes_part(self, forum: Forum, organisation: Organisation) -> bool:
        return self._session.get(ForumParticipant, (forum.id, organisation.id)) is not None

    def add_participant(self, forum: Forum, organisation: Organisation) -> bool:
        """Add ``organisation`` to the forum; False when it already took part."""
        if self.takes_part(forum, organisation):
            return False
        self._session.add(
            ForumParticipant(forum_id=forum.id, organisation_id=organisation.id)  # type: ignore[arg-type]
        )
        self._audit.record("forum.participant", forum.id, organisation=organisation.name)
        return True

    def remove_participant(self, forum: Forum, organisation: Organisation) -> bool:
        """Take ``organisation`` out of the forum, and its representatives there with it;
        False when it was not a member. Its reports and acknowledgements are kept."""
        member = self._session.get(ForumParticipant, (forum.id, organisation.id))
        if member is None:
            return False
        self._session.delete(member)
        for row in self._session.exec(
            select(ForumRepresentative).where(
                ForumRepresentative.forum_id == forum.id,
                ForumRepresentative.organisation_id == organisation.id,
            )
        ):
            self._session.delete(row)
        self._audit.record("forum.participant_removed", forum.id, organisation=organisation.name)
        return True

    # -- representatives ----------------------------------------------------------------------

    def represent(
        self,
        forum: Forum,
        person: Person,
        organisation: Organisation,
        kind: Representation,
        by: Person | None,
    ) -> ForumRepresentative | None:
        """``person`` represents ``organisation`` in ``forum`` (replacing what they
        represented there before); returns the earlier representation, if any."""
        row = self._session.get(ForumRepresentative, (forum.id, person.id))
        previous = ForumRepresentative.model_validate(row.model_dump()) if row is not None else None
        if row is None:
            row = ForumRepresentative(
                forum_id=forum.id,  # type: ignore[arg-type]
                person_id=person.id,  # type: ignore[arg-type]
                organisation_id=organisation.id,  # type: ignore[arg-type]
                kind=kind,
                since=self._audit.context.at,
                by_id=by.id if by else None,
            )
        else:
            row.organisation_id = organisation.id  # type: ignore[assignment]
            row.kind = kind
            row.since = self._audit.context.at
            row.by_id = by.id if by else None
        self._session.add(row)
        self._audit.record(
            "forum.representative",
            forum.id,
            person=person.user_id,
            organisation=organisation.name,
            kind=kind.value,
        )
        return previous

    def representation(self, forum: Forum, person: Person) -> ForumRepresentative | None:
        return self._session.get(ForumRepresentative, (forum.id, person.id))

    def stop_representing(self, forum: Forum, person: Person) -> bool:
        row = self._session.get(ForumRepresentative, (forum.id, person.id))
        if row is None:
            return False
        self._session.delete(row)
        self._audit.record("forum.representative_removed", forum.id, person=person.user_id)
        return True

    def stop_representing_everywhere(self, person: Person) -> int:
        """The person represents nobody in any forum (a coordinator revoked their claim)."""
        rows = list(
            self._session.exec(
                select(ForumRepresentative).where(ForumRepresentative.person_id == person.id)
            )
        )
        for row in rows:
            self._session.delete(row)
        return len(rows)

    def representatives(self, forum: Forum) -> list[tuple[Person, ForumRepresentative]]:
        query = (
            select(Person, ForumRepresentative)
            .join(ForumRepresentative, col(ForumRepresentative.person_id) == col(Person.id))
            .where(ForumRepresentative.forum_id == forum.id)
            .order_by(col(ForumRepresentative.kind).desc(), col(Person.display_name))
        )
        return [(person, row) for person, row in self._session.exec(query)]

    def represented_forums(self, person: Person) -> list[ForumRepresentative]:
        query = select(ForumRepresentative).where(ForumRepresentative.person_id == person.id)
        return list(self._session.exec(query))

    # -- host, parent, eves, agenda ----------------------------------------------------------

    def set_host(self, forum: Forum, host: Organisation | None) -> None:
        forum.host_organisation_id = host.id if host else None
        self._session.add(forum)
        self._audit.record("forum.host", forum.id, host=host.name if host else None)

    def set_parent(self, forum: Forum, parent: Forum | None, *, thematic: bool) -> None:
        forum.parent_id = parent.id if parent else None
        forum.thematic = thematic
        self._session.add(forum)
        self._audit.record(
            "forum.parent", forum.id, parent=parent.name if parent else None, thematic=thematic
        )

    def children(self, forum: Forum) -> list[Forum]:
        query = select(Forum).where(Forum.parent_id == forum.id).order_by(col(Forum.name))
        return list(self._session.exec(query))

    def set_eve_policy(self, forum: Forum, policy: HolidayPolicy) -> None:
        forum.eve_policy = policy
        self._session.add(forum)
        self._audit.record("forum.eve_policy", forum.id, policy=policy.value)

    def set_agenda(self, forum: Forum, mode: Mode, items: list[dict[str, str]] | None) -> None:
        """The forum's own standing agenda in ``mode``; None: back to the default."""
        agenda = dict(forum.agenda or {})
        if items is None:
            agenda.pop(mode.value, None)
        else:
            agenda[mode.value] = items
        # A new dict: a JSON column notices a change by a new value, not a mutation.
        forum.agenda = agenda or None
        self._session.add(forum)
        self._audit.record("forum.agenda", forum.id, mode=mode.value, items=items)

"""Forums, the channels that serve them, and the organisations that take part."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    ChannelBinding,
    Forum,
    ForumKind,
    ForumParticipant,
    Level,
    Mode,
    Organisation,
    Person,
)


class Forums:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def all(self) -> list[Forum]:
        return list(self._session.exec(select(Forum).order_by(col(Forum.id))))

    def get(self, forum_id: int) -> Forum | None:
        return self._session.get(Forum, forum_id)

    def for_channel(self, platform: str, channel_id: str) -> Forum | None:
        query = (
            select(Forum)
            .join(ChannelBinding, col(ChannelBinding.forum_id) == col(Forum.id))
            .where(ChannelBinding.platform == platform, ChannelBinding.channel_id == channel_id)
        )
        return self._session.exec(query).first()

    def channels(self, forum: Forum) -> list[ChannelBinding]:
        query = (
            select(ChannelBinding)
            .where(ChannelBinding.forum_id == forum.id)
            .order_by(col(ChannelBinding.id))
        )
        return list(self._session.exec(query))

    def bind(self, forum: Forum, platform: str, channel_id: str, by: Person) -> Forum | None:
        """Let this channel serve ``forum``; returns the forum it served before, if any."""
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
            self._session.add(existing)
        else:
            self._session.add(
                ChannelBinding(
                    platform=platform,
                    channel_id=channel_id,
                    forum_id=forum.id,  # type: ignore[arg-type]
                    bound_at=self._audit.context.at,
                    bound_by_id=by.id,
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

    def participants(self, forum: Forum) -> list[Organisation]:
        query = (
            select(Organisation)
            .join(ForumParticipant, col(ForumParticipant.organisation_id) == col(Organisation.id))
            .where(ForumParticipant.forum_id == forum.id)
            .order_by(col(Organisation.name))
        )
        return list(self._session.exec(query))

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

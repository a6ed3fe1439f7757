"""The audit log: one row for every state change, written in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import AuditEvent, Person


@dataclass(frozen=True)
class AuditContext:
    """Who is acting, where and when: the same for every change in one unit of work."""

    platform: str
    channel_id: str
    user_id: str
    display_name: str
    at: datetime


class AuditLog:
    def __init__(
        self, session: Session, context: AuditContext, acting_person: Callable[[], Person]
    ) -> None:
        self._session = session
        self.context = context
        self._acting_person = acting_person

    def record(self, action: str, forum_id: int | None = None, **details: Any) -> AuditEvent:
        ctx = self.context
        person = self._acting_person()
        event = AuditEvent(
            at=ctx.at,
            action=action,
            platform=ctx.platform,
            channel_id=ctx.channel_id,
            person_id=person.id,
            actor=f"{person.display_name} ({ctx.platform}:{ctx.user_id})",
            forum_id=forum_id,
            details=details,
        )
        self._session.add(event)
        return event

    def recent(self, forum_id: int | None = None, limit: int = 50) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
        if forum_id is not None:
            query = query.where(AuditEvent.forum_id == forum_id)
        return list(self._session.exec(query))

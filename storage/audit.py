"""The audit log: one row for every state change, written in the same transaction.

Events are collected while a command runs and written in one batch when its unit of work
commits (or when the log is read), so that recording them costs no extra round trip each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from storage.changes import QUIET
from storage.models import AuditEvent, Person

# A Core insert of plain rows: the ORM's bulk path costs more than the rows themselves.
_AUDIT_TABLE: Table = AuditEvent.__table__  # type: ignore[attr-defined]
_INSERT = _AUDIT_TABLE.insert()
# The oldest events from before a time, a bounded number at a time (audit retention).
_DELETE_OLDEST = _AUDIT_TABLE.delete().where(
    _AUDIT_TABLE.c.id.in_(
        select_rows(_AUDIT_TABLE.c.id)
        .where(_AUDIT_TABLE.c.at < bindparam("before"))
        .order_by(_AUDIT_TABLE.c.id)
        .limit(bindparam("limit"))
    )
)


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
        self._pending: list[dict[str, Any]] = []
        # The forums whose changes were recorded (storage/changes.py announces them).
        self.changed_forums: set[int] = set()

    def record(self, action: str, forum_id: int | None = None, **details: Any) -> None:
        ctx = self.context
        person = self._acting_person()
        if forum_id is not None and action not in QUIET:
            self.changed_forums.add(forum_id)
        self._pending.append(
            {
                "at": ctx.at,
                "action": action,
                "platform": ctx.platform,
                "channel_id": ctx.channel_id,
                "person_id": person.id,
                "actor": f"{person.display_name} ({ctx.platform}:{ctx.user_id})",
                "forum_id": forum_id,
                "details": details,
            }
        )

    def write_pending(self) -> None:
        """Write the events recorded so far (the unit of work does this before it commits)."""
        if self._pending:
            self._session.connection().execute(_INSERT, self._pending)
            self._pending = []

    def recent(self, forum_id: int | None = None, limit: int = 50) -> list[AuditEvent]:
        self.write_pending()
        query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
        if forum_id is not None:
            query = query.where(AuditEvent.forum_id == forum_id)
        return list(self._session.exec(query))

    def delete_before(self, before: datetime, limit: int) -> int:
        """Delete the oldest events from before ``before``, at most ``limit`` of them (the
        retention job keeps each transaction small); how many were deleted."""
        result = self._session.connection().execute(
            _DELETE_OLDEST, {"before": before, "limit": limit}
        )
        return int(result.rowcount)

"""What doors need from the database: events already handled, and state kept between runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import DoorState, HandledEvent

_HANDLED: Table = HandledEvent.__table__  # type: ignore[attr-defined]
_INSERTS = {
    "sqlite": sqlite.insert(_HANDLED).on_conflict_do_nothing().returning(_HANDLED.c.event_id),
    "postgresql": postgresql.insert(_HANDLED)
    .on_conflict_do_nothing()
    .returning(_HANDLED.c.event_id),
}


class HandledEvents:
    """Platform event ids the bot has acted on, so a replayed event is not acted on again."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, platform: str, event_id: str, at: datetime) -> bool:
        """Remember ``event_id``; False when it was handled before (then nothing is written).

        One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL both have it): this
        runs for every message from a platform, so it is kept to a single statement.
        """
        connection = self._session.connection()
        insert = _INSERTS.get(connection.dialect.name)
        if insert is None:  # another database: ask first, then write
            if self._session.get(HandledEvent, (platform, event_id)) is not None:
                return False
            self._session.add(HandledEvent(platform=platform, event_id=event_id, handled_at=at))
            return True
        row = {"platform": platform, "event_id": event_id, "handled_at": at}
        return connection.execute(insert, row).first() is not None

    def forget_before(self, when: datetime) -> int:
        """Drop the ids handled before ``when`` (no platform redelivers events that old)."""
        result = self._session.execute(
            delete(HandledEvent).where(col(HandledEvent.handled_at) < when)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class DoorStates:
    """Small named values a door keeps between runs (a device id, a sync token)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, platform: str, key: str) -> str | None:
        found = self._session.get(DoorState, (platform, key))
        return found.value if found is not None else None

    def put(self, platform: str, key: str, value: str, at: datetime) -> None:
        found = self._session.get(DoorState, (platform, key))
        if found is None:
            found = DoorState(platform=platform, key=key, value=value, updated_at=at)
        else:
            found.value, found.updated_at = value, at
        self._session.add(found)

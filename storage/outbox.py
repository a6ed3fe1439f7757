"""The outbox: what the bot will say, until a process that serves the platform has said it.

A row is written in the transaction of the change that made it. The process that made it
usually sends it at once, having claimed it as it wrote it; a row nobody sends (its process
died, or it serves another platform) is *claimed* by another with a guarded UPDATE once it is
ready, so one process at a time sends it. ``ready_at`` is the one column a sender looks at:
when the row may be taken (now, when a claim runs out, when it is to be tried again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, text, update
from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxState
from storage.post_queue import DUE_CHANNEL

# PostgreSQL: announced when its transaction commits, so the leader looks at once.
_NOTIFY = text(f"NOTIFY {DUE_CHANNEL}")

_READY = (
    select(OutboxMessage)
    .where(
        OutboxMessage.state == OutboxState.PENDING,
        OutboxMessage.ready_at <= bindparam("now"),
        col(OutboxMessage.platform).in_(bindparam("platforms", expanding=True)),
    )
    .order_by(col(OutboxMessage.ready_at), col(OutboxMessage.id))
    .limit(bindparam("limit"))
)
_NEW = {"state": OutboxState.PENDING, "failures": 0}
_INSERT_ONE = insert(OutboxMessage).returning(col(OutboxMessage.id))
_INSERT_MANY = insert(OutboxMessage).returning(col(OutboxMessage.id), sort_by_parameter_order=True)
_NEXT_READY = select(func.min(OutboxMessage.ready_at)).where(
    OutboxMessage.state == OutboxState.PENDING
)
# The few messages the bot refers to again, through the partial indexes on ``tag`` (each
# query says ``tag IS NOT NULL``, so the planner may use them).
_TAGGED = (
    select(
        OutboxMessage.id,
        OutboxMessage.kind,
        OutboxMessage.state,
        OutboxMessage.message_id,
    )
    .where(
        col(OutboxMessage.tag).is_not(None),
        OutboxMessage.tag == bindparam("tag"),
        OutboxMessage.platform == bindparam("platform"),
        OutboxMessage.channel_id == bindparam("channel_id"),
    )
    .order_by(col(OutboxMessage.id))
)
_TAG_CHANNELS = (
    select(OutboxMessage.platform, OutboxMessage.channel_id, OutboxMessage.kind)
    .where(
        col(OutboxMessage.tag).is_not(None),
        OutboxMessage.tag == bindparam("tag"),
        OutboxMessage.state != OutboxState.FAILED,
    )
    .order_by(col(OutboxMessage.id))
)
_TAG_OF = (
    select(OutboxMessage.tag)
    .where(
        col(OutboxMessage.tag).is_not(None),
        OutboxMessage.message_id == bindparam("message_id"),
        OutboxMessage.platform == bindparam("platform"),
    )
    .limit(1)
)
_DEPTH = (
    select(OutboxMessage.platform, func.count(), func.min(OutboxMessage.created_at))
    .where(OutboxMessage.state == OutboxState.PENDING)
    .group_by(col(OutboxMessage.platform))
)


@dataclass(frozen=True)
class Depth:
    """Messages not yet sent on one platform, and since when the oldest has waited."""

    platform: str
    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class Tagged:
    """A message under a tag in one channel: its outbox id, kind (an ``"edit"`` is kept under
    the tag it replaces), state and, once sent, the platform's id of its (first) message."""

    outbox_id: int
    kind: str
    state: OutboxState
    message_id: str | None


class Outbox:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: OutboxMessage) -> OutboxMessage:
        """A new message; one nobody claimed is announced to the sender (PostgreSQL)."""
        self._session.add(message)
        self._session.flush()
        if message.claimed_by is None:
            self.announce()
        return message

    def add_all(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """New messages as column values, in one statement (a call-out to forty channels is
        one round trip, not forty); their ids, in order. Unclaimed ones are announced."""
        if not rows:
            return []
        values = [{**_NEW, **row} for row in rows]
        if len(values) == 1:  # the common case (an answer): no batching to set up
            found = [int(self._session.execute(_INSERT_ONE, values[0]).scalar_one())]
        else:
            found = [int(new) for new in self._session.execute(_INSERT_MANY, values).scalars()]
        if any(row.get("claimed_by") is None for row in rows):
            self.announce()
        return found

    def announce(self) -> None:
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(_NOTIFY)

    def get(self, message_id: int) -> OutboxMessage | None:
        return self._session.get(OutboxMessage, message_id)

    def ready(self, platforms: Iterable[str], now: datetime, limit: int) -> Sequence[OutboxMessage]:
        params = {"now": now, "platforms": list(platforms), "limit": limit}
        return list(self._session.exec(_READY, params=params))

    def claim(
        self, message: OutboxMessage, now: datetime, lease: timedelta, by: str | None
    ) -> bool:
        """Take ``message`` for sending until ``now + lease``; False when another has it."""
        claimed = self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message.id,
                col(OutboxMessage.state) == OutboxState.PENDING,
                col(OutboxMessage.ready_at) <= now,
            )
            .values(
                claimed_by=by,
                ready_at=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._session.refresh(message)
        return True

    def renew(self, message_id: int, by: str | None, now: datetime, lease: timedelta) -> bool:
        """Extend ``by``'s claim on a message to ``now + lease``, if it is still ``by``'s
        (pending, claimed by it, and the claim has not run out); False otherwise."""
        renewed = self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message_id,
                col(OutboxMessage.state) == OutboxState.PENDING,
                col(OutboxMessage.claimed_by).is_not_distinct_from(by),
                col(OutboxMessage.ready_at) > now,
            )
            .values(ready_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]

    def sent(self, message: OutboxMessage, at: datetime, message_id: str | None) -> None:
        message.state = OutboxState.SENT
        message.sent_at = at
        message.message_id = message_id[:255] if message_id else None
        message.claimed_by = None
        self._session.add(message)

    def retry(self, message: OutboxMessage, at: datetime, error: str) -> None:
        """Sending failed: to be taken again at ``at``."""
        message.failures += 1
        message.ready_at = at
        message.claimed_by = None
        message.last_error = error[:500]
        self._session.add(message)

    def give_up(self, message: OutboxMessage, error: str) -> None:
        message.state = OutboxState.FAILED
        message.failures += 1
        message.claimed_by = None
        message.last_error = error[:500]
        self._session.add(message)

    def wait(self, message: OutboxMessage, at: datetime, reason: str) -> None:
        """Not sent, and no failure: it waits for something else (an edit for the message it
        edits), to be taken again at ``at``."""
        message.ready_at = at
        message.claimed_by = None
        message.last_error = reason[:500]
        self._session.add(message)

    def tagged(self, platform: str, channel_id: str, tag: str) -> list[Tagged]:
        """Every message tagged ``tag`` in one channel (the ones that edit it too), oldest
        first."""
        params = {"tag": tag, "platform": platform, "channel_id": channel_id}
        return [
            Tagged(int(outbox_id), kind, OutboxState(state), message_id)
            for outbox_id, kind, state, message_id in self._session.execute(_TAGGED, params)
        ]

    def tag_channels(self, tag: str) -> list[tuple[str, str, str]]:
        """Where messages tagged ``tag`` are, or are to be, sent (not the failed ones): each
        message's platform, channel and kind, oldest first."""
        rows = self._session.execute(_TAG_CHANNELS, {"tag": tag})
        return [(platform, channel_id, kind) for platform, channel_id, kind in rows]

    def tag_of(self, platform: str, message_id: str) -> str | None:
        """The tag of the message the platform knows as ``message_id`` (a Matrix event id),
        if the bot sent it tagged."""
        params = {"platform": platform, "message_id": message_id[:255]}
        return self._session.execute(_TAG_OF, params).scalar_one_or_none()

    def next_ready(self) -> datetime | None:
        """When the next pending message may be taken (read through one index)."""
        return self._session.exec(_NEXT_READY).first()

    def depth(self) -> list[Depth]:
        """What waits to be sent, by platform."""
        return [Depth(p, int(n), oldest) for p, n, oldest in self._session.exec(_DEPTH)]

    def take_back(
        self, holder: str, now: datetime, platforms: Iterable[str], previous: str | None
    ) -> int:
        """Messages claimed by another process than ``holder``, the new leader, that only the
        leader sends (on ``platforms``) or that its predecessor ``previous`` had claimed:
        ready again at once."""
        others: Any = col(OutboxMessage.platform).in_(list(platforms))
        if previous is not None:
            others = others | (col(OutboxMessage.claimed_by) == previous)
        taken = self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.state) == OutboxState.PENDING,
                col(OutboxMessage.claimed_by).is_not(None),
                col(OutboxMessage.claimed_by) != holder,
                others,
            )
            .values(ready_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(taken.rowcount or 0)  # type: ignore[attr-defined]

    def forget_before(self, when: datetime, batch: int = 5000) -> int:
        """Sent and given-up messages written before ``when``: deleted, a batch at most."""
        ids = select(OutboxMessage.id).where(
            col(OutboxMessage.state) != OutboxState.PENDING,
            col(OutboxMessage.created_at) < when,
        )
        chosen = list(self._session.exec(ids.limit(batch)))
        if not chosen:
            return 0
        self._session.execute(
            delete(OutboxMessage)
            .where(col(OutboxMessage.id).in_(chosen))
            .execution_options(synchronize_session=False)
        )
        return len(chosen)

"""Posts the bot sends at a time: what is due, who is sending it, what was sent.

Several bot processes may share one database: a post is *claimed* with a guarded UPDATE
(only a pending one, only by one process) before it is sent, and the claim has a lease, so
a process that dies mid-send leaves it to be claimed again when the lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import FIRST_DUE, RETRY_DUE, PostState, ScheduledPost

# PostgreSQL: a new post is announced on this channel when its transaction commits, so the
# leader (the process that sends) looks at once, whichever process planned it.
DUE_CHANNEL = "samverkan_due"
_NOTIFY = text(f"NOTIFY {DUE_CHANNEL}")

_DUE = (
    select(ScheduledPost)
    .where(
        ScheduledPost.state == PostState.PENDING,
        ScheduledPost.due_at <= bindparam("now"),
        or_(
            col(ScheduledPost.next_attempt_at).is_(None),
            col(ScheduledPost.next_attempt_at) <= bindparam("now"),
        ),
    )
    .order_by(col(ScheduledPost.due_at), col(ScheduledPost.id))
    .limit(bindparam("limit"))
)
# Claimed by a process that never said how it went (it died): to be claimed again.
_ABANDONED = (
    select(ScheduledPost)
    .where(
        ScheduledPost.state == PostState.SENDING,
        col(ScheduledPost.claimed_until) < bindparam("now"),
    )
    .order_by(col(ScheduledPost.due_at), col(ScheduledPost.id))
    .limit(bindparam("limit"))
)
# Two reads, each through its own index (a COALESCE of the two columns would read every
# pending row): the soonest first attempt, and the soonest retry.
# The first in the index's order: a planner takes the index whose rows and order these are.
_NEXT_FIRST = (
    select(ScheduledPost.due_at).where(text(FIRST_DUE)).order_by(col(ScheduledPost.due_at)).limit(1)
)
_NEXT_RETRY = (
    select(ScheduledPost.next_attempt_at)
    .where(text(RETRY_DUE))
    .order_by(col(ScheduledPost.next_attempt_at))
    .limit(1)
)
_PENDING_IN_CHANNEL = (
    select(ScheduledPost)
    .where(
        ScheduledPost.platform == bindparam("platform"),
        ScheduledPost.channel_id == bindparam("channel_id"),
        ScheduledPost.state == PostState.PENDING,
        col(ScheduledPost.number).is_not(None),
    )
    .order_by(col(ScheduledPost.due_at), col(ScheduledPost.id))
)
_BY_NUMBER = select(ScheduledPost).where(
    ScheduledPost.platform == bindparam("platform"),
    ScheduledPost.channel_id == bindparam("channel_id"),
    ScheduledPost.number == bindparam("number"),
)
_LAST_NUMBER = select(func.max(ScheduledPost.number)).where(
    ScheduledPost.platform == bindparam("platform"),
    ScheduledPost.channel_id == bindparam("channel_id"),
)
_BY_KEY = select(ScheduledPost).where(ScheduledPost.key == bindparam("key"))
_PENDING_OF_ACTIVATION = select(ScheduledPost).where(
    ScheduledPost.activation_id == bindparam("activation_id"),
    ScheduledPost.state == PostState.PENDING,
)


_TABLE: Table = ScheduledPost.__table__  # type: ignore[attr-defined]
_PLAN_INSERTS = {
    "sqlite": sqlite.insert(_TABLE).on_conflict_do_nothing(index_elements=["key"]),
    "postgresql": postgresql.insert(_TABLE).on_conflict_do_nothing(index_elements=["key"]),
}
# What a planned post starts as (the model's defaults, for a statement without the model).
_PLANNED: dict[str, Any] = {
    "state": PostState.PENDING,
    "attempts": 0,
    "late": False,
    "timezone": "Europe/Stockholm",
    "language": "sv",
}


class ScheduledPosts:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    # -- planning ----------------------------------------------------------------------------

    def add(self, post: ScheduledPost, *, numbered: bool = False) -> ScheduledPost:
        """A new post; ``numbered`` gives it the channel's next number (people's reminders)."""
        if numbered:
            params = {"platform": post.platform, "channel_id": post.channel_id}
            last = self._session.exec(_LAST_NUMBER, params=params).first()
            post.number = (last or 0) + 1
        post.created_at = self._audit.context.at
        self._session.add(post)
        self._session.flush()
        self._announce()
        return post

    def again(self, post: ScheduledPost, due_at: datetime) -> ScheduledPost:
        """A new post like ``post`` (a reminder snoozed, or its next week) at ``due_at``,
        taking over its number: the one the channel knows it by."""
        number = post.number
        post.number = None
        self._session.add(post)
        self._session.flush()  # the number is free before the new row takes it
        again = ScheduledPost(
            kind=post.kind,
            platform=post.platform,
            channel_id=post.channel_id,
            number=number,
            forum_id=post.forum_id,
            text=post.text,
            rule=post.rule,
            timezone=post.timezone,
            language=post.language,
            created_by_id=post.created_by_id,
            due_at=due_at,
        )
        return self.add(again)

    def plan(self, post: ScheduledPost) -> bool:
        """The bot's own post under ``post.key``, unless it is planned already (here or by
        another process); True when this call added it."""
        assert post.key is not None
        if self._session.exec(_BY_KEY, params={"key": post.key}).first() is not None:
            return False
        post.created_at = self._audit.context.at
        bind = self._session.get_bind()
        if bind.dialect.name == "sqlite":
            # One writer at a time: nobody can plan it between the look and the insert. (And
            # a savepoint opened before any write would commit on its own with pysqlite.)
            self._session.add(post)
            self._session.flush()
            return True
        try:
            with self._session.begin_nested():
                self._session.add(post)
        except IntegrityError:
            return False  # another process planned it between our look and our insert
        self._announce()
        return True

    def plan_all(self, posts: list[dict[str, Any]]) -> None:
        """The bot's own posts (column values, each with its ``key``) in one statement, those
        planned already (here or by another process) left as they are: a call-out's re-call
        in forty channels is one round trip."""
        if not posts:
            return
        insert = _PLAN_INSERTS.get(self._session.get_bind().dialect.name)
        if insert is None:  # another database: one at a time
            for values in posts:
                self.plan(ScheduledPost(**values))
            return
        at = self._audit.context.at
        self._session.execute(insert, [{**_PLANNED, "created_at": at, **row} for row in posts])
        self._announce()

    def _announce(self) -> None:
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(_NOTIFY)

    # -- reading -----------------------------------------------------------------------------

    def pending_in_channel(self, platform: str, channel_id: str) -> list[ScheduledPost]:
        """People's reminders waiting in a channel, soonest first."""
        params = {"platform": platform, "channel_id": channel_id}
        return list(self._session.exec(_PENDING_IN_CHANNEL, params=params))

    def by_number(self, platform: str, channel_id: str, number: int) -> ScheduledPost | None:
        params = {"platform": platform, "channel_id": channel_id, "number": number}
        return self._session.exec(_BY_NUMBER, params=params).first()

    def get(self, post_id: int) -> ScheduledPost | None:
        return self._session.get(ScheduledPost, post_id)

    def next_due(self) -> datetime | None:
        """When the next pending post falls due (or is to be tried again)."""
        found = [self._session.exec(query).first() for query in (_NEXT_FIRST, _NEXT_RETRY)]
        times = [when for when in found if when is not None]
        return min(times) if times else None

    # -- sending -----------------------------------------------------------------------------

    def due(
        self, now: datetime, limit: int = 200, lease_now: datetime | None = None
    ) -> list[ScheduledPost]:
        """Posts to send now, oldest first: pending and due, or abandoned by a dead process
        (its lease, in the real time ``lease_now``, has run out)."""
        found = list(self._session.exec(_DUE, params={"now": now, "limit": limit}))
        params = {"now": lease_now or now, "limit": limit}
        found.extend(self._session.exec(_ABANDONED, params=params))
        return sorted(found, key=lambda post: (post.due_at, post.id or 0))

    def claim(
        self,
        post: ScheduledPost,
        lease: timedelta,
        lease_now: datetime | None = None,
        by: str | None = None,
    ) -> bool:
        """Take ``post`` for sending, for ``lease`` from the real time ``lease_now``, for the
        process named ``by``; False when another process has it."""
        now = lease_now or self._audit.context.at
        claimed = self._session.execute(
            update(ScheduledPost)
            .where(
                col(ScheduledPost.id) == post.id,
                or_(
                    col(ScheduledPost.state) == PostState.PENDING,
                    (col(ScheduledPost.state) == PostState.SENDING)
                    & (col(ScheduledPost.claimed_until) < now),
                ),
            )
            .values(state=PostState.SENDING, claimed_until=now + lease, claimed_by=by)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._session.refresh(post)
        return True

    def finish(
        self,
        post: ScheduledPost,
        state: PostState,
        *,
        late: bool = False,
        message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        post.state = state
        post.claimed_until = None
        post.claimed_by = None
        post.late = post.late or late
        if state is PostState.SENT:
            post.sent_at = self._audit.context.at
            post.message_id = message_id
        if error is not None:
            post.last_error = error[:500]
        self._session.add(post)

    def retry(self, post: ScheduledPost, at: datetime, error: str) -> None:
        """Sending failed: try again at ``at``."""
        post.state = PostState.PENDING
        post.claimed_until = None
        post.claimed_by = None
        post.attempts += 1
        post.next_attempt_at = at
        post.last_error = error[:500]
        self._session.add(post)

    def cancel(self, post: ScheduledPost) -> None:
        post.state = PostState.CANCELLED
        self._session.add(post)
        self._audit.record("scheduled.cancel", post.forum_id, kind=post.kind, id=post.id)

    def follow_ups_of(self, activation_id: int, kinds: Sequence[str]) -> list[ScheduledPost]:
        """The activation's own posts of ``kinds`` (its follow-ups), whatever became of them,
        in the order they fell due."""
        return list(
            self._session.exec(
                select(ScheduledPost)
                .where(
                    ScheduledPost.activation_id == activation_id,
                    col(ScheduledPost.kind).in_(kinds),
                )
                .order_by(col(ScheduledPost.due_at), col(ScheduledPost.id))
            )
        )

    def cancel_of_activation(self, activation_id: int) -> int:
        """The activation has ended: its pending follow-ups go with it."""
        posts: Sequence[ScheduledPost] = list(
            self._session.exec(_PENDING_OF_ACTIVATION, params={"activation_id": activation_id})
        )
        for post in posts:
            post.state = PostState.CANCELLED
            self._session.add(post)
        return len(posts)

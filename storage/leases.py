"""Leases: a role only one bot process has at a time, decided in the shared database.

A process *holds* a lease by writing its name and an expiry into the lease's row, with a
guarded UPDATE that succeeds only when the row is its own or has expired; it renews the
lease well before the expiry. A process that dies stops renewing, and another takes the role
once the expiry has passed. Works the same on SQLite (processes on one host sharing a file)
and PostgreSQL (replicas on several hosts; their clocks are assumed to agree to within a
second or so, as NTP keeps them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.models import Lease, PostState, ScheduledPost


@dataclass(frozen=True)
class Held:
    """The lease is ours until ``expires_at``; ``term`` counts its changes of holder."""

    expires_at: datetime
    term: int
    taken_over: bool  # we did not hold it just before (a new term began)
    previous: str | None = None  # who held it before, when we took it over


class Leases:
    def __init__(self, session: Session) -> None:
        self._session = session

    def hold(self, name: str, holder: str, now: datetime, ttl: timedelta) -> Held | None:
        """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; None when another
        process holds it."""
        ours = col(Lease.holder) == holder
        before = self._session.get(Lease, name)
        previous = before.holder if before is not None and before.holder != holder else None
        renewed = self._session.execute(
            update(Lease)
            .where(col(Lease.name) == name, ours | (col(Lease.expires_at) < now))
            .values(
                holder=holder,
                expires_at=now + ttl,
                acquired_at=case((ours, Lease.acquired_at), else_=now),
                term=case((ours, Lease.term), else_=Lease.term + 1),
            )
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount == 1:  # type: ignore[attr-defined]
            lease = self._session.get(Lease, name, populate_existing=True)
            assert lease is not None
            taken_over = lease.acquired_at == now
            return Held(
                lease.expires_at,
                lease.term,
                taken_over=taken_over,
                previous=previous if taken_over else None,
            )
        if self._session.get(Lease, name) is not None:
            return None  # someone else's, and alive
        try:
            with self._session.begin_nested():
                self._session.add(
                    Lease(name=name, holder=holder, expires_at=now + ttl, acquired_at=now)
                )
        except IntegrityError:
            return None  # another process created it between our look and our insert
        return Held(now + ttl, 1, taken_over=True)

    def release(self, name: str, holder: str, now: datetime) -> bool:
        """Give lease ``name`` up at once (a clean shutdown), if ``holder`` has it."""
        released = self._session.execute(
            update(Lease)
            .where(col(Lease.name) == name, col(Lease.holder) == holder)
            .values(expires_at=now - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
        return bool(released.rowcount == 1)  # type: ignore[attr-defined]

    def holder(self, name: str, now: datetime) -> str | None:
        """Who holds lease ``name`` now, if anyone."""
        lease = self._session.get(Lease, name)
        if lease is None or lease.expires_at < now:
            return None
        return lease.holder

    def take_back_claims(self, holder: str) -> int:
        """Scheduled posts claimed for sending by another process than ``holder``, who is
        now the only one sending: pending again, to be sent by ``holder``. Only the leader
        calls this, once it has taken over (its predecessor has stopped, or died)."""
        taken = self._session.execute(
            update(ScheduledPost)
            .where(
                col(ScheduledPost.state) == PostState.SENDING,
                col(ScheduledPost.claimed_by).is_distinct_from(holder),
            )
            # Counted as an attempt: it was being sent, so it is not missed however late it
            # now is, and what follows its sending (a weekly reminder's next) is planned.
            .values(
                state=PostState.PENDING,
                claimed_until=None,
                claimed_by=None,
                attempts=ScheduledPost.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return int(taken.rowcount or 0)  # type: ignore[attr-defined]

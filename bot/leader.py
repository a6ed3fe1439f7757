"""One leader among several bot processes sharing a database.

Some work must be done by one process at a time: syncing the bot's Matrix account (two
syncing processes would both answer) and sending what is due. Every process runs
:meth:`Leadership.run`; the one that holds the lease (storage/leases.py) runs the leader's
duties, the others stand by and serve what any process can serve (Slack over HTTP). The
leader renews its lease every third of ``LEADER_LEASE_SECONDS``; if it cannot, it steps down
before the lease runs out, so two never lead at once. The standbys look every second: when
the leader dies, the lease runs out and one takes over at most a lease and a second later;
when it stops (SIGTERM) it gives the lease up and one takes over within a second. Either
continues from what the database holds (the Matrix sync token, the posts not yet sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot import metrics
from commands.core.clock import Clock, SystemClock
from storage import Database

log = logging.getLogger(__name__)

LEASE_NAME = "leader"
# What only the leader sends (it runs the one Matrix sync): a new leader takes back whatever
# of it another process had claimed.
LEADER_PLATFORMS = ("matrix",)
# A standby looks at the lease at least this often: a lease given up (the leader stopped on
# SIGTERM) is taken within a second, one that runs out within a second of its expiry.
STANDBY_LOOK_S = 1.0


def default_instance_name() -> str:
    """The host and process: unique among processes on one database."""
    return f"{socket.gethostname()}:{os.getpid()}"


Duties = Callable[[], Coroutine[Any, Any, None]]


class Leadership:
    def __init__(
        self,
        database: Database,
        instance: str,
        lease_seconds: float,
        duties: Duties,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.instance = instance
        self.ttl = timedelta(seconds=lease_seconds)
        self.renew_every = lease_seconds / 3
        self.duties = duties
        self.clock = clock or SystemClock()
        self.leading = False
        self.term: int | None = None
        self._renewed_at = 0.0  # time.monotonic() of the last renewal that worked
        self._duties: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Stand by or lead until cancelled (then give the lease up for the next at once).
        Raises what the duties raise (a Matrix login refused for good)."""
        try:
            while True:
                await self._step()
                await self._wait(
                    self.renew_every if self.leading else min(self.renew_every, STANDBY_LOOK_S)
                )
        finally:
            await self._step_down("stopping", stopping=True)
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    asyncio.to_thread(
                        self.database.release_lease, LEASE_NAME, self.instance, self.clock.now()
                    )
                )

    async def _step(self) -> None:
        try:
            held = await asyncio.to_thread(
                self.database.hold_lease, LEASE_NAME, self.instance, self.clock.now(), self.ttl
            )
        except Exception as error:
            # The database is away: we cannot know whether we still lead. Once the lease may
            # have run out for the others (a third of it left, for safety), stop leading.
            log.warning("renewing the leader lease failed: %s", error)
            unsure_for = time.monotonic() - self._renewed_at
            if self.leading and unsure_for > self.ttl.total_seconds() * 2 / 3:
                await self._step_down("the database cannot be reached")
            return
        if held is None:
            if self.leading:
                await self._step_down("another process holds the lease")
            return
        self._renewed_at = time.monotonic()
        if not self.leading:
            await self._take_over(held.term, held.previous)

    async def _take_over(self, term: int, previous: str | None = None) -> None:
        taken = await asyncio.to_thread(
            functools.partial(
                self.database.take_back_claims,
                self.instance,
                self.clock.now(),
                previous=previous,
                leader_platforms=LEADER_PLATFORMS,
            )
        )
        self.leading, self.term = True, term
        metrics.LEADER.set(1)
        metrics.TAKEOVERS.inc()
        log.info(
            "%s leads now (term %d)%s",
            self.instance,
            term,
            f"; took back {taken} messages its predecessor had not sent" if taken else "",
        )
        self._duties = asyncio.create_task(self.duties(), name="leader-duties")

    async def _step_down(self, why: str, *, stopping: bool = False) -> None:
        if not self.leading:
            return
        self.leading = False
        metrics.LEADER.set(0)
        duties, self._duties = self._duties, None
        if duties is not None:
            duties.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await duties
        if stopping:
            log.info("%s gave up leading: stopping", self.instance)
        else:
            log.warning("%s no longer leads: %s", self.instance, why)

    async def _wait(self, seconds: float) -> None:
        """Sleep until the next renewal; the duties ending early ends the run with them."""
        duties = self._duties
        if duties is None:
            await asyncio.sleep(seconds)
            return
        done, _ = await asyncio.wait({duties}, timeout=seconds)
        if done:
            self._duties = None
            self.leading = False
            metrics.LEADER.set(0)
            duties.result()  # raises what ended them
            raise RuntimeError("the leader's duties ended")

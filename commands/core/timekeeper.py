"""The bot's work as time passes, and the bookkeeping of what it sends on its own.

:class:`Timekeeper` sends what is due and runs the timed jobs of its capabilities (``@timed``,
:mod:`commands.core.timed`; :mod:`commands.core.capabilities`) on the hub's ticker, says when
the next scheduled post falls due, records how sending one went, and keeps a post for a platform
another bot process serves (a relay). Answering messages is the dispatcher's; this is the rest
of what the core does in the database for the hub.
"""

from __future__ import annotations

import logging
from datetime import datetime

from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.messages import Post
from commands.core.scheduled_posts import (
    RELAY,
    Delivery,
    Sent,
    next_due,
    record_delivery,
    send_due,
)
from commands.core.timed import BOT_PLATFORM, BOT_USER, Job, Tick
from storage import AuditContext, Database, Store
from storage.models import ScheduledPost

log = logging.getLogger(__name__)


class Timekeeper:
    """Timed jobs and scheduled posts' bookkeeping. Safe to call from one thread at a time.

    ``instance``: the name of this process among several sharing the database
    (``INSTANCE_NAME``), recorded on the posts it claims. ``capabilities``: the timed jobs it
    runs and how each kind of scheduled post is worded (the dispatcher's)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        instance: str | None = None,
        *,
        capabilities: Capabilities,
    ) -> None:
        self.database = database
        self.clock = clock
        # The time beneath a shifted clock (the terminal's ~tid): leases between processes.
        self.real_clock: Clock = getattr(clock, "base", clock)
        self.config = config
        self.instance = instance
        self.capabilities = capabilities

    def tick(self) -> list[Post]:
        """Run the timed jobs (a meeting left open is closed ...); the posts they made.

        Each job is one unit of work: one that fails is logged and rolled back, and the others
        still run."""
        now = self.clock.now()
        context = AuditContext(BOT_PLATFORM, "", BOT_USER, BOT_USER, now)
        tick = Tick(now=now, lease_now=self.real_clock.now(), claimant=self.instance)
        posts: list[Post] = []
        jobs: list[Job] = [self.send_due, *self.capabilities.jobs]
        for job in jobs:
            try:
                with self.database.unit_of_work(context) as store:
                    posts.extend(job(store, tick, self.config))
            except Exception:
                log.exception("the timed job %s failed", job.__name__)
        return posts

    def send_due(self, store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
        """The first job of every tick: the scheduled posts that fell due, worded by their kind."""
        return send_due(store, tick, config, self.capabilities.posts)

    def record_delivery(self, delivery: Delivery) -> Sent | None:
        """How sending a scheduled post went (the hub reports it); what was sent, if it was."""
        now = self.clock.now()
        context = AuditContext(BOT_PLATFORM, "", BOT_USER, BOT_USER, now)
        with self.database.unit_of_work(context) as store:
            return record_delivery(store, delivery, now)

    def relay(self, platform: str, channel_id: str, encoded: str) -> None:
        """A post for a platform another bot process serves (it holds the Matrix sync): kept
        in the database, due now, for that process to send (see ``scheduled_posts.RELAY``)."""
        now = self.clock.now()
        context = AuditContext(BOT_PLATFORM, channel_id, BOT_USER, BOT_USER, now)
        with self.database.unit_of_work(context) as store:
            post = ScheduledPost(
                kind=RELAY, platform=platform, channel_id=channel_id, text=encoded, due_at=now
            )
            store.scheduled.add(post)

    def next_due(self) -> datetime | None:
        """When the next scheduled post falls due, if any is pending."""
        context = AuditContext(BOT_PLATFORM, "", BOT_USER, BOT_USER, self.clock.now())
        with self.database.reading(context) as store:
            return next_due(store)

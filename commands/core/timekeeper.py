"""The bot's work as time passes, and the bookkeeping of what it sends.

:class:`Timekeeper` runs, on the hub's ticker, what is due (scheduled posts worded now) and the
timed jobs of its capabilities (``@timed``, :mod:`commands.core.timed`;
:mod:`commands.core.capabilities`), writing what they say to the outbox in their own unit of
work; then it claims what in the outbox is ready to be sent on the platforms this process
serves. It says when the next thing falls due and records how sending went. Answering
messages is the dispatcher's; this is the rest of what the core does in the database for the
hub.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from commands.core import outbox
from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.messages import Post
from commands.core.outbox import Claims, Delivery, PostCodec, Recorded
from commands.core.scheduled_posts import next_due, send_due
from commands.core.timed import BOT_PLATFORM, BOT_USER, Job, Tick
from storage import AuditContext, Database, Store
from storage.outbox import Depth

log = logging.getLogger(__name__)


class Timekeeper:
    """Timed jobs and the outbox's bookkeeping. Safe to call from one thread at a time.

    ``instance``: the name of this process among several sharing the database
    (``INSTANCE_NAME``), recorded on what it claims. ``capabilities``: the timed jobs it
    runs, how each kind of scheduled post is worded, how attachments wait in the outbox (the
    dispatcher's). ``claims.serves`` says which platforms this process sends to now (the
    hub sets it)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        instance: str | None = None,
        *,
        capabilities: Capabilities,
        claims: Claims | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        # The time beneath a shifted clock (the terminal's ~tid): leases between processes.
        self.real_clock: Clock = getattr(clock, "base", clock)
        self.config = config
        self.instance = instance
        self.capabilities = capabilities
        self.codec = PostCodec(capabilities.attachments)
        self.claims = claims or Claims(instance)
        # The platforms the ticker takes ready messages for (the hub: its doors').
        self.platforms: Iterable[str] | None = None
        self._queued: Counter[str] = Counter()

    def _context(self, now: datetime, channel_id: str = "") -> AuditContext:
        return AuditContext(BOT_PLATFORM, channel_id, BOT_USER, BOT_USER, now)

    def tick(self) -> list[Post]:
        """Run what is due and the timed jobs, each in its own unit of work (one that fails
        is logged and rolled back, and the others still run); what they say goes to the
        outbox with their changes. Then what is ready in the outbox for the platforms this
        process serves, claimed for it: the posts to send now."""
        now = self.clock.now()
        lease_now = self.real_clock.now()
        tick = Tick(now=now, lease_now=lease_now, claimant=self.instance)
        jobs: list[Job] = [self.send_due, *self.capabilities.jobs]
        for job in jobs:
            try:
                with self.database.unit_of_work(self._context(now)) as store:
                    for post in job(store, tick, self.config):
                        self._queue(store, post, lease_now)
            except Exception:
                log.exception("the timed job %s failed", job.__name__)
        return self.claim_ready()

    def _queue(self, store: Store, post: Post, lease_now: datetime) -> None:
        due_at = None
        if post.scheduled_id is not None:
            scheduled = store.scheduled.get(post.scheduled_id)
            due_at = scheduled.due_at if scheduled is not None else None
        # Written unclaimed: the ticker claims it with everything else that is ready.
        unclaimed = Claims(self.instance, serves=lambda platform: False)
        self._queued[post.platform] += 1
        outbox.queue(
            store,
            post,
            kind=outbox.SCHEDULED if post.scheduled_id is not None else outbox.POST,
            codec=self.codec,
            claims=unclaimed,
            now=lease_now,
            due_at=due_at,
        )

    def take_queued(self) -> Counter[str]:
        """How many messages the ticks since the last call wrote to the outbox, by platform."""
        queued, self._queued = self._queued, Counter()
        return queued

    def claim_ready(self) -> list[Post]:
        """What in the outbox nobody is sending and may be sent now, on the platforms this
        process serves, claimed for it."""
        lease_now = self.real_clock.now()
        platforms = list(self.platforms) if self.platforms is not None else None
        with self.database.unit_of_work(self._context(self.clock.now())) as store:
            if platforms is None:
                platforms = [depth.platform for depth in store.outbox.depth()]
            if not platforms:
                return []
            return outbox.claim_ready(
                store,
                platforms,
                lease_now,
                codec=self.codec,
                by=self.instance,
                lease=self.claims.lease,
            )

    def send_due(self, store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
        """The first job of every tick: the scheduled posts that fell due, worded by their kind."""
        return send_due(store, tick, config, self.capabilities.posts)

    def renew_claim(self, outbox_id: int) -> datetime | None:
        """This process's claim on an outbox message, renewed for another lease; None when
        it is no longer this process's (see ``outbox.renew_claim``)."""
        with self.database.unit_of_work(self._context(self.clock.now())) as store:
            return outbox.renew_claim(
                store, outbox_id, self.claims.instance, self.real_clock.now(), self.claims.lease
            )

    def record_delivery(self, delivery: Delivery) -> Recorded:
        """How sending an outbox message went (the hub reports it)."""
        return self.record_deliveries([delivery])[0]

    def record_deliveries(self, deliveries: list[Delivery]) -> list[Recorded]:
        """How sending went, for several messages in one unit of work."""
        now = self.real_clock.now()
        with self.database.unit_of_work(self._context(self.clock.now())) as store:
            return [outbox.record_delivery(store, delivery, now) for delivery in deliveries]

    def next_scheduled(self) -> datetime | None:
        """When the next scheduled post falls due, on the bot's clock (what the terminal's
        ``~tid`` steps to: outbox messages are ready in real time, whatever the clock says)."""
        with self.database.reading(self._context(self.clock.now())) as store:
            return next_due(store)

    def next_due(self) -> datetime | None:
        """When the next scheduled post falls due or outbox message is ready, if any."""
        with self.database.reading(self._context(self.clock.now())) as store:
            scheduled = next_due(store)
            ready = store.outbox.next_ready()
        if ready is not None:
            # Outbox times are real time; the ticker waits on the bot's clock.
            ready = ready + (self.clock.now() - self.real_clock.now())
        times = [when for when in (scheduled, ready) if when is not None]
        return min(times) if times else None

    def outbox_depth(self) -> list[Depth]:
        """What waits in the outbox, by platform (the metrics' gauge, ``/readyz``)."""
        with self.database.reading(self._context(self.clock.now())) as store:
            return store.outbox.depth()

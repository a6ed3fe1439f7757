"""The hub between the doors and the core.

A door hands an :class:`Incoming` to :meth:`Hub.handle`; the hub runs the dispatcher in one
worker thread (database work is synchronous, one message at a time), returns the reply for the
door to show where the message came from, and delivers the reply's posts to the doors of their
platforms (a call-out reaches Slack and Matrix channels of the same forum). Its ticker runs the
timekeeper's timed jobs in the same thread and reports back how each scheduled post went.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from bot import metrics
from bot.files import File, files_of
from bot.relay import RelayError, decode, encode
from commands.core.dispatcher import Dispatcher
from commands.core.document import Document
from commands.core.i18n import normalise_language
from commands.core.messages import Incoming, Post, Reply
from commands.core.scheduled_posts import Delivery
from commands.core.timekeeper import Timekeeper
from storage.audit import AuditContext

log = logging.getLogger(__name__)

# A scheduled post not sent by then (a homeserver away) is taken back and tried again later;
# below the scheduler's lease, so no other process takes it over meanwhile.
CONFIRM_TIMEOUT_S = 10 * 60
T = TypeVar("T")


class DeliveryFailed(Exception):
    """A door could not post a message. ``permanent``: trying again will not help (the
    channel is gone, the bot was removed); otherwise it may work later."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Door(Protocol):
    """A platform the bot lives on."""

    platform: str

    async def deliver(
        self,
        channel_id: str,
        document: Document,
        files: Sequence[File] = (),
        *,
        confirm: bool = False,
        key: str | None = None,
    ) -> str | None:
        """Post ``document`` in ``channel_id`` on this platform, then ``files`` with it
        (uploaded where the platform takes files; otherwise kept where the user finds them).

        With ``confirm``, return only once it is posted, with the platform's id of its first
        message, and raise :class:`DeliveryFailed` when it cannot be (a scheduled post is
        recorded as sent, or tried again). Without, a door may queue it and return at once.

        ``key`` names this delivery for good: where the platform can (Matrix transaction
        ids), delivering the same key twice, by this process or its successor, posts once."""
        ...

    async def run(self) -> None:
        """Serve until stopped (or, for the console, until the input ends)."""
        ...

    @property
    def active(self) -> bool:
        """Whether this door posts now in this process: a door that only one of several bot
        processes runs at a time (Matrix, by the leader) is inactive in the others."""
        ...

    def status(self) -> str:
        """For /readyz: ``connected``, ``connecting``, or ``standby`` (another process runs
        it); ``connected`` and ``standby`` count as ready."""
        ...


def serving(door: Door) -> bool:
    """Whether ``door`` posts now (see :attr:`Door.active`)."""
    return door.active


class Hub:
    """``timekeeper``: the timed jobs and scheduled posts' bookkeeping (by default one on the
    dispatcher's database, clock and configuration, for no process name). ``on_command``: told
    of every message handled as a command, form or dialog answer: the command's key and the
    outcome ("ok", "refused" or "error")."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        timekeeper: Timekeeper | None = None,
        *,
        on_command: Callable[[str, str], None] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.timekeeper = timekeeper or Timekeeper(
            dispatcher.database,
            dispatcher.clock,
            dispatcher.config,
            capabilities=dispatcher.capabilities,
        )
        self.on_command = on_command
        self.doors: dict[str, Door] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch")
        self._wake = asyncio.Event()
        self._ticking = asyncio.Lock()
        self._sending: set[asyncio.Task[None]] = set()
        # Several bot processes share the database: a post for a platform this one does not
        # serve now is left in the database for the one that does (``scheduler.RELAY``).
        self.relaying = False

    def attach(self, door: Door) -> None:
        self.doors[door.platform] = door

    async def handle(self, incoming: Incoming) -> Reply | None:
        loop = asyncio.get_running_loop()
        handled = await loop.run_in_executor(self._worker, self.dispatcher.handle_counted, incoming)
        if handled is None:
            return None
        if self.on_command is not None:
            self.on_command(handled.command_key, handled.outcome)
        reply = handled.reply
        if reply.posts:
            await self.deliver(reply.posts)
        if reply.scheduled:
            self.wake()
        return reply

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` in the worker thread, in turn with the messages (database work)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, function, *args)

    async def language_of(self, platform: str, channel_id: str) -> str:
        """The language of the forum ``channel_id`` serves (else the default): what a door
        needs to word its own additions to a document, such as the numbers of its parts."""
        return await self.call(self._language_of, platform, channel_id)

    def _language_of(self, platform: str, channel_id: str) -> str:
        dispatcher = self.dispatcher
        context = AuditContext(platform, channel_id, "", "", dispatcher.clock.now())
        with dispatcher.database.reading(context) as store:
            forum = store.forum_for_channel(platform, channel_id)
            language = forum.language if forum is not None else None
        return normalise_language(language or dispatcher.config.default_language)

    async def deliver(self, posts: list[Post]) -> None:
        """Post each in its channel. Scheduled posts are confirmed by their doors and how it
        went is recorded; channels are served side by side, each channel's posts in order."""
        scheduled: dict[tuple[str, str], list[Post]] = {}
        for post in posts:
            if post.scheduled_id is None:
                await self._deliver(post)
            else:
                scheduled.setdefault((post.platform, post.channel_id), []).append(post)
        await asyncio.gather(*(self._deliver_in_turn(group) for group in scheduled.values()))

    async def _deliver(self, post: Post) -> None:
        door = self.doors.get(post.platform)
        if door is not None and self.relaying and not serving(door):
            await self._relay(post)
            return
        if door is None:
            log.warning(
                "no %s door running; a post to %s was not delivered",
                post.platform,
                post.channel_id,
            )
            return
        try:
            await door.deliver(post.channel_id, post.document, files_of(post.attachments))
        except Exception:
            metrics.DELIVERY_FAILURES.labels(platform=post.platform).inc()
            log.exception("delivering a post to %s:%s failed", post.platform, post.channel_id)

    async def _relay(self, post: Post) -> None:
        try:
            await self.call(self.timekeeper.relay, post.platform, post.channel_id, encode(post))
        except Exception:
            metrics.DELIVERY_FAILURES.labels(platform=post.platform).inc()
            log.exception("relaying a post to %s:%s failed", post.platform, post.channel_id)
        else:
            log.info("relayed a post to %s:%s to the leader", post.platform, post.channel_id)

    async def _deliver_in_turn(self, posts: list[Post]) -> None:
        for post in posts:
            assert post.scheduled_id is not None
            delivery = await self._confirmed(post, post.scheduled_id)
            if delivery.error is not None:
                metrics.DELIVERY_FAILURES.labels(platform=post.platform).inc()
            try:
                sent = await self.call(self.timekeeper.record_delivery, delivery)
            except Exception:
                log.exception("recording the delivery of scheduled post %s failed", delivery)
                continue
            if sent is not None:
                seconds = max(sent.lateness.total_seconds(), 0.0)
                metrics.LATENESS.labels(kind=sent.kind).observe(seconds)

    async def _confirmed(self, post: Post, post_id: int) -> Delivery:
        door = self.doors.get(post.platform)
        if door is None or not serving(door):
            return Delivery(post_id, error=f"no {post.platform} door running")
        document, attachments = post.document, post.attachments
        if post.relayed is not None:
            try:
                document, attachments = decode(post.relayed)
            except RelayError as error:
                log.error("relayed post %s cannot be read: %s", post_id, error)
                return Delivery(post_id, error=str(error), permanent=True)
        try:
            message_id = await asyncio.wait_for(
                door.deliver(
                    post.channel_id,
                    document,
                    files_of(attachments),
                    confirm=True,
                    key=f"scheduled-{post_id}",
                ),
                timeout=CONFIRM_TIMEOUT_S,
            )
        except DeliveryFailed as failed:
            return Delivery(post_id, error=failed.reason, permanent=failed.permanent)
        except TimeoutError:
            return Delivery(post_id, error="not sent in time; taken back to try again")
        except Exception as error:
            log.exception("delivering scheduled post %s failed", post_id)
            return Delivery(post_id, error=f"{type(error).__name__}: {error}")
        return Delivery(post_id, message_id=message_id)

    @contextlib.asynccontextmanager
    async def ticking_held(self) -> AsyncIterator[None]:
        """The ticker held still (the terminal's ``~tid`` steps time itself), with what it was
        sending sent first, so that posts come out in order."""
        async with self._ticking:
            if self._sending:
                await asyncio.gather(*self._sending, return_exceptions=True)
            yield

    def wake(self) -> None:
        """Something was scheduled: the ticker looks again at once."""
        self._wake.set()

    async def tick_forever(self, interval: float) -> None:
        """The timed jobs' work (in turn with the messages) at once, then whenever the next
        scheduled post falls due, at the latest every ``interval`` seconds; their posts are
        delivered beside the ticking, so a slow platform holds nothing else up. Runs until
        cancelled."""
        while True:
            posts: list[Post] = []
            next_due = None
            async with self._ticking:
                try:
                    posts = await self.call(self.timekeeper.tick)
                    next_due = await self.call(self.timekeeper.next_due)
                except Exception:
                    log.exception("a tick failed")
                if posts:
                    sending = asyncio.create_task(self.deliver(posts))
                    self._sending.add(sending)
                    sending.add_done_callback(self._sending.discard)
            wait = interval
            if next_due is not None:
                until = (next_due - self.timekeeper.clock.now()).total_seconds()
                # Due already but nothing came of it (being sent by another process): not a
                # busy loop, but a look again soon.
                wait = min(interval, until if until > 0 else (0.0 if posts else 1.0))
            # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that comes as the event is set, and the ticker would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(wait, 0.01)):
                    await self._wake.wait()
            self._wake.clear()

    def close(self) -> None:
        self._worker.shutdown(wait=True)

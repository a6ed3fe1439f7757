"""The hub between the doors and the core.

A door hands an :class:`Incoming` to :meth:`Hub.handle`; the hub runs the dispatcher in one
worker thread (database work is synchronous, one message at a time). What the command says —
its answer, with the door's route for it, and its posts to other channels, on any platform —
the dispatcher has written to the outbox with the command's changes; the hub sends what this
process claimed (``bot/sender.py``: the answer first, each channel in order, channels side by
side) and records how it went. Its ticker runs the timekeeper's timed jobs in the same thread
and sends what is ready in the outbox and nobody else is sending (a dead process's answers,
posts for the Matrix room a Slack command made on a process that does not sync Matrix).

An edit of a tagged message is given to its door with the platform ids of the messages it
replaces, found in the outbox as it is sent (or in this process's memory of what it has just
sent, before that is recorded); it waits while they are not sent, and is dropped when none
was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from bot import metrics
from bot.sender import ANSWER, POST, Sender
from commands.core.dispatcher import Dispatcher
from commands.core.i18n import normalise_language
from commands.core.messages import Incoming, Post, Reply
from commands.core.outbox import CLAIM, Delivery, EditTargets, Recorded, edit_targets
from commands.core.timekeeper import Timekeeper
from storage.audit import AuditContext

log = logging.getLogger(__name__)

T = TypeVar("T")
# A send must end this long before its claim does (clocks of processes differ a little).
CLAIM_MARGIN_S = 2.0
# Tagged messages this process sent, remembered (outbox id → message id) until their record
# has surely reached the database: an edit right behind its original in a channel's lane
# finds it here while the record is on its way.
SENT_HERE_MAX = 10_000


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

    async def deliver(self, post: Post) -> str | None:
        """Post ``post`` (its document, then its attachments as files) in its channel and
        return the platform's id of its first message, once it is sent; raise
        :class:`DeliveryFailed` when it cannot be.

        ``post.route`` (for an answer) is the door's own, given with the message it answers:
        its thread, who asked. ``post.key`` names the message for good: delivering the same
        key twice, by this process or another, posts it once (Matrix: transaction ids; Slack:
        the key in the message's metadata, looked for before a post claimed more than once,
        ``post.attempts > 1``, is sent again).

        An edit (``post.replaces``) replaces the messages ``post.targets`` (the platform's ids,
        found by the hub) in the channel with its document, notifying nobody, and returns the
        first one's id. A direct post (``post.direct``) goes to the door's direct conversation
        with the person whose user id is ``post.channel_id``, opened if need be."""
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


class Hub:
    """``timekeeper``: the timed jobs and the outbox's bookkeeping (by default one on the
    dispatcher's database, clock and configuration, for no process name). ``on_command``: told
    of every message handled as a command, form or dialog answer: the command's key and the
    outcome ("ok", "refused" or "error"). ``concurrency``: how many messages go out at once
    on one platform."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        timekeeper: Timekeeper | None = None,
        *,
        on_command: Callable[[str, str], None] | None = None,
        concurrency: int = 1,
        claim_seconds: float = CLAIM.total_seconds(),
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
        self.sender = Sender(self._send, self._record, concurrency)
        # What this process claims of what it writes to the outbox: the platforms it serves.
        claim = timedelta(seconds=claim_seconds)
        self.send_timeout_s = claim_seconds * 3 / 4
        for claims in (dispatcher.claims, self.timekeeper.claims):
            claims.serves = self.serves
            claims.instance = self.timekeeper.instance
            claims.lease = claim
        # Test hooks (the chaos test): the process is killed between a command's commit and
        # its sending, or between a post's sending and the record of it, when these say so
        # of the message or the post.
        self.die_after_commit: Callable[[Incoming], bool] | None = None
        self.die_after_send: Callable[[Post], bool] | None = None
        self._sent_here: OrderedDict[int, str] = OrderedDict()
        # The latest edit this process sent of each tag in each channel: an older one taken
        # up again after it (a retry) is not sent over it.
        self._edited: OrderedDict[tuple[str, str, str], int] = OrderedDict()

    def attach(self, door: Door) -> None:
        self.doors[door.platform] = door
        self.timekeeper.platforms = self.serving_platforms()

    def serves(self, platform: str) -> bool:
        """Whether this process sends to ``platform`` now (a door for it, active here)."""
        door = self.doors.get(platform)
        return door is not None and door.active

    def serving_platforms(self) -> list[str]:
        return [platform for platform, door in self.doors.items() if door.active]

    async def handle(self, incoming: Incoming, *, wait: bool = False) -> Reply | None:
        """Handle ``incoming``; its answer and posts are sent (the answer first) beside what
        follows, or, with ``wait``, before this returns (the terminal prints in order)."""
        loop = asyncio.get_running_loop()
        handled = await loop.run_in_executor(self._worker, self.dispatcher.handle_counted, incoming)
        if handled is None:
            return None
        reply, futures = self._send_reply(incoming, handled.reply)
        if self.on_command is not None:
            self.on_command(handled.command_key, handled.outcome)
        if reply.scheduled:
            self.wake()
        if wait and futures:
            await asyncio.gather(*futures, return_exceptions=True)
        return reply

    def _send_reply(
        self, incoming: Incoming, reply: Reply
    ) -> tuple[Reply, list[asyncio.Future[None]]]:
        """What the dispatcher wrote to the outbox for ``reply`` and this process claimed, to
        the sender: the answer, then (once it is sent) the posts."""
        if self.die_after_commit is not None and self.die_after_commit(incoming):
            log.warning("test hook: dying between the commit and the sending")
            os.kill(os.getpid(), signal.SIGKILL)
        answer = reply.answer
        if answer is None and incoming.route is not None and reply.form is None:
            # Not kept (the database failed as the bug was met): sent as it is, once.
            answer = Post(
                incoming.platform,
                incoming.channel_id,
                reply.document,
                reply.attachments,
                route=incoming.route,
                ok=reply.ok,
                claimed=self.serves(incoming.platform),
                tag=reply.tag,
            )
        futures = []
        # The answer first, alone: the posts to other channels wait until it is sent.
        answered: asyncio.Event | None = None
        if answer is not None and answer.claimed:
            answered = asyncio.Event()
            futures.extend(self.sender.submit([answer], ANSWER, sent=answered))
        posts = [post for post in reply.posts if post.claimed]
        futures.extend(self.sender.submit(posts, POST, after=answered))
        metrics.count_queued([answer, *reply.posts] if answer else reply.posts)
        if len(posts) < len(reply.posts) or (answer is not None and not answer.claimed):
            self.wake()  # what another process sends: its ticker looks (NOTIFY on PostgreSQL)
        return reply, futures

    async def send(self, posts: list[Post], *, wait: bool = False) -> None:
        """Send ``posts`` claimed from the outbox (or made up here, with no outbox id: sent
        once, nothing recorded); with ``wait``, until each is sent and recorded."""
        futures = self.sender.submit(posts, POST)
        if wait and futures:
            await asyncio.gather(*futures, return_exceptions=True)

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

    async def _send(self, post: Post) -> Delivery | None:
        """One post through its door; how it went, for the outbox (None: not in it)."""
        delivery = await self._delivered(post)
        if self.die_after_send is not None and self.die_after_send(post):
            log.warning("test hook: dying between the sending and the record of it")
            os.kill(os.getpid(), signal.SIGKILL)
        if delivery is None or post.outbox_id is None:
            return None
        if delivery.error is not None and not delivery.waiting:
            metrics.DELIVERY_FAILURES.labels(platform=post.platform).inc()
        elif delivery.error is None:
            self._remember(post, delivery)
        return delivery

    def _remember(self, post: Post, delivery: Delivery) -> None:
        """What later edits need to know of a post sent here, until its record is surely in
        the database (a bounded memory: the oldest go first)."""
        assert post.outbox_id is not None
        if post.replaces is not None and delivery.message_id is not None:
            self._edited[(post.platform, post.channel_id, post.replaces)] = post.outbox_id
            while len(self._edited) > SENT_HERE_MAX:
                self._edited.popitem(last=False)
        elif post.tag is not None and delivery.message_id is not None:
            self._sent_here[post.outbox_id] = delivery.message_id
            while len(self._sent_here) > SENT_HERE_MAX:
                self._sent_here.popitem(last=False)

    async def _delivered(self, post: Post) -> Delivery | None:
        outbox_id = post.outbox_id or 0
        door = self.doors.get(post.platform)
        if door is None or not door.active:
            log.warning("no %s door here; a post to %s waits", post.platform, post.channel_id)
            return Delivery(outbox_id, error=f"no {post.platform} door running here")
        if not await self._still_ours(post):
            log.info("outbox message %s was taken over meanwhile: not sent here", outbox_id)
            return None
        if post.replaces is not None:
            found = await self._targets(post)
            if isinstance(found, Delivery):
                return found
            post = found
        try:
            message_id = await asyncio.wait_for(door.deliver(post), timeout=self.send_timeout_s)
        except DeliveryFailed as failed:
            return Delivery(outbox_id, error=failed.reason, permanent=failed.permanent)
        except TimeoutError:
            return Delivery(outbox_id, error="not sent in time; to be tried again")
        except Exception as error:
            log.exception("delivering a post to %s:%s failed", post.platform, post.channel_id)
            return Delivery(outbox_id, error=f"{type(error).__name__}: {error}")
        return Delivery(outbox_id, message_id=message_id)

    async def _targets(self, post: Post) -> Post | Delivery:
        """An edit with the messages it replaces (``Post.targets``), to be sent; or, not to
        be sent now, how that went: it waits while one of them is not sent yet, is dropped
        (given up) when none was sent because they failed for good, and is done with nothing
        to do when there never was one in this channel or a later edit of them has gone out
        already."""
        assert post.replaces is not None
        outbox_id = post.outbox_id or 0
        found: EditTargets = await self.call(
            self._edit_targets, post.platform, post.channel_id, post.replaces, post.outbox_id
        )
        latest = self._edited.get((post.platform, post.channel_id, post.replaces), 0)
        if found.superseded or latest > outbox_id:
            log.info("edit %s of %s: a later one went out first", outbox_id, post.replaces)
            return Delivery(outbox_id)
        targets = list(found.sent)
        for original in found.pending:
            message_id = self._sent_here.get(original)
            if message_id is None:
                return Delivery(
                    outbox_id, error=f"waits for message {original} it edits", waiting=True
                )
            targets.append((original, message_id))
        if not targets and found.failed:
            return Delivery(
                outbox_id,
                error=f"no message tagged {post.replaces!r} sent here to edit",
                permanent=True,
            )
        if not targets:
            # Never a message so tagged here (a channel bound since): nothing to keep current.
            log.info("edit %s: nothing tagged %s in %s", outbox_id, post.replaces, post.channel_id)
            return Delivery(outbox_id)
        ids = tuple(dict.fromkeys(message_id for _, message_id in sorted(targets)))
        return replace(post, targets=ids, direct=found.direct)

    def _edit_targets(
        self, platform: str, channel_id: str, tag: str, outbox_id: int | None
    ) -> EditTargets:
        dispatcher = self.dispatcher
        context = AuditContext(platform, channel_id, "", "", dispatcher.clock.now())
        with dispatcher.database.reading(context) as store:
            return edit_targets(store, platform, channel_id, tag, outbox_id)

    async def _still_ours(self, post: Post) -> bool:
        """Whether this process may send ``post`` now: its claim holds for the whole send.
        A post that waited its turn past that renews its claim first, and one another
        process has taken over meanwhile is left to it (sent by both, a Slack message would
        be posted twice: the other's lookup ran before this one's post)."""
        if post.outbox_id is None or post.claimed_until is None:
            return True
        left = (post.claimed_until - self.timekeeper.real_clock.now()).total_seconds()
        if left > self.send_timeout_s + CLAIM_MARGIN_S:
            return True
        return await self.call(self.timekeeper.renew_claim, post.outbox_id) is not None

    async def _record(self, deliveries: list[Delivery]) -> None:
        recorded: list[Recorded] = await self.call(self.timekeeper.record_deliveries, deliveries)
        metrics.count_recorded(recorded)

    @contextlib.asynccontextmanager
    async def ticking_held(self) -> AsyncIterator[None]:
        """The ticker held still (the terminal's ``~tid`` steps time itself), with what it was
        sending sent first, so that posts come out in order."""
        async with self._ticking:
            await self.sender.drain()
            yield

    def wake(self) -> None:
        """Something was scheduled or left for the ticker: it looks again at once."""
        self._wake.set()

    async def tick_once(self) -> list[Post]:
        """One tick: the timed jobs run, and what is ready in the outbox for this process is
        sent (not waited for); the posts claimed."""
        self.timekeeper.platforms = self.serving_platforms()
        posts = await self.call(self.timekeeper.tick)
        metrics.count_queued_by(self.timekeeper.take_queued())
        if posts:
            self.sender.submit(posts, POST)
        return posts

    async def tick_forever(self, interval: float) -> None:
        """The timed jobs' work (in turn with the messages) at once, then whenever the next
        scheduled post falls due or outbox message is ready, at the latest every ``interval``
        seconds; what they say is sent beside the ticking, so a slow platform holds nothing
        else up. Runs until cancelled."""
        while True:
            posts: list[Post] = []
            next_due = None
            async with self._ticking:
                try:
                    posts = await self.tick_once()
                    next_due = await self.call(self.timekeeper.next_due)
                    depths = await self.call(self.timekeeper.outbox_depth)
                    metrics.observe_depth(depths, self.timekeeper.real_clock.now())
                except Exception:
                    log.exception("a tick failed")
            wait = interval
            if next_due is not None:
                until = (next_due - self.timekeeper.clock.now()).total_seconds()
                # Due already but nothing came of it (being sent by another process, or by
                # this one): not a busy loop, but a look again soon.
                wait = min(interval, until if until > 0 else (0.0 if posts else 1.0))
            # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that comes as the event is set, and the ticker would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(wait, 0.01)):
                    await self._wake.wait()
            self._wake.clear()

    def close(self) -> None:
        self._worker.shutdown(wait=True)

"""Sending what the outbox holds: each channel in order, channels side by side.

Every post to send goes into its channel's *lane* (a queue and one task working it): a
channel's messages leave in the order they came, and no channel waits for another. What
goes out at once on one platform is bounded (``concurrency``), answers to somebody who asked
(``ANSWER``) and posts (``POST``) each with slots of their own: a call-out to forty rooms
does not hold up the coordinator's confirmation, nor an actor's ``!kvittera`` sent
meanwhile. A command's posts wait for its answer to be sent (``after``): the person who
asked sees it first, and it does not share the homeserver with the fan-out. Of several edits
of the same message waiting in a lane, only the last is sent (each replaces it whole).

How each went is collected and recorded in batches (one unit of work for whatever finished
meanwhile), so a fan-out does not queue forty writes before the next command; a lane does
not wait for it. A message whose outcome is not recorded (the process died) is taken again
by another, which looks for it first where the platform cannot recognise a repeat by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from commands.core.messages import Post
from commands.core.outbox import Delivery

log = logging.getLogger(__name__)

ANSWER, POST = 0, 1

Send = Callable[[Post], Awaitable[Delivery | None]]
Record = Callable[[list[Delivery]], Awaitable[None]]


class Slots:
    """At most ``limit`` holders at once; waiters are served in the order they came. (Not an
    ``asyncio.Semaphore``: the hub outlives an event loop in tests and the terminal's runs,
    and each wait here is a future of the loop that waits.)"""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.used = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.used < self.limit and not self._waiting:
            self.used += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)  # the slot passes to it: ``used`` stays
                return
        self.used -= 1


@dataclass
class _Item:
    post: Post
    priority: int
    future: asyncio.Future[None]
    after: asyncio.Event | None = None  # sent once this is set (the answer has gone)
    sent: asyncio.Event | None = None  # set once this one is sent (or has failed)


@dataclass
class _Lane:
    queue: deque[_Item] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class Sender:
    """``send`` delivers one post and says how it went (None: nothing to record, a post that
    was never in the outbox); ``record`` records a batch of outcomes."""

    def __init__(self, send: Send, record: Record, concurrency: int = 1) -> None:
        self._send = send
        self._record = record
        self.concurrency = concurrency
        self._slots: dict[tuple[str, int], Slots] = {}
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._in_hand: set[int] = set()  # outbox ids queued or being sent here
        self._outcomes: list[tuple[Delivery, asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None

    def submit(
        self,
        posts: Sequence[Post],
        priority: int = POST,
        *,
        after: asyncio.Event | None = None,
        sent: asyncio.Event | None = None,
    ) -> list[asyncio.Future[None]]:
        """Queue ``posts`` in their channels' lanes, to be sent once ``after`` is set (if
        given); ``sent`` is set once the last of them is sent or has failed. Each future is
        done once its post is sent (or has failed) and recorded. A post this process already
        has in hand is not queued twice."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for number, post in enumerate(posts):
            future: asyncio.Future[None] = loop.create_future()
            futures.append(future)
            last = number == len(posts) - 1
            if post.outbox_id is not None:
                if post.outbox_id in self._in_hand:
                    future.set_result(None)
                    if last and sent is not None:
                        sent.set()
                    continue
                self._in_hand.add(post.outbox_id)
            lane = self._lanes.setdefault((post.platform, post.channel_id), _Lane())
            lane.queue.append(_Item(post, priority, future, after, sent if last else None))
            if lane.task is None:
                key = (post.platform, post.channel_id)
                lane.task = asyncio.create_task(self._work(key, lane), name=f"lane-{key}")
        return futures

    async def drain(self) -> None:
        """Until every lane is empty and every outcome recorded."""
        while self._lanes or self._recording is not None:
            tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
            if self._recording is not None:
                tasks.append(self._recording)
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            else:
                await asyncio.sleep(0)

    async def _work(self, key: tuple[str, str], lane: _Lane) -> None:
        try:
            while lane.queue:
                item = lane.queue[0]
                post, future = item.post, item.future
                if item.after is not None:
                    await item.after.wait()
                if _superseded(lane, item):
                    # A later edit of the same message waits behind it: only that one goes.
                    delivery = Delivery(post.outbox_id) if post.outbox_id is not None else None
                    if item.sent is not None:
                        item.sent.set()
                else:
                    delivery = await self._sent(key, item)
                lane.queue.popleft()
                if delivery is not None:
                    # Done once recorded; the lane goes on meanwhile.
                    self._outcomes.append((delivery, future))
                    self._start_recording()
                elif not future.done():
                    future.set_result(None)
                if post.outbox_id is not None:
                    self._in_hand.discard(post.outbox_id)
        finally:
            lane.task = None
            self._lanes.pop(key, None)
            # Cancelled with posts left: they are in the outbox, and will be taken again.
            for item in lane.queue:
                if item.post.outbox_id is not None:
                    self._in_hand.discard(item.post.outbox_id)
                item.future.cancel()
                if item.sent is not None:
                    item.sent.set()

    async def _sent(self, key: tuple[str, str], item: _Item) -> Delivery | None:
        """``item`` sent in a slot of its platform and priority; how it went."""
        post = item.post
        slots = self._slots.setdefault((key[0], item.priority), Slots(self.concurrency))
        await slots.acquire()
        try:
            return await self._send(post)
        except Exception:
            log.exception("sending a post to %s:%s failed", post.platform, post.channel_id)
            return None
        finally:
            slots.release()
            if item.sent is not None:
                item.sent.set()

    def _start_recording(self) -> None:
        if self._recording is None:
            self._recording = asyncio.create_task(self._record_all(), name="outbox-record")

    async def _record_all(self) -> None:
        try:
            while self._outcomes:
                batch, self._outcomes = self._outcomes, []
                try:
                    await self._record([delivery for delivery, _ in batch])
                except Exception:
                    log.exception("recording how %d messages went failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._recording = None


def _superseded(lane: _Lane, item: _Item) -> bool:
    """Whether ``item`` is an edit that a later edit of the same messages, queued behind it in
    its channel's lane, makes pointless (edits of one message replace each other whole)."""
    post = item.post
    if post.replaces is None:
        return False
    return any(
        later is not item
        and later.post.replaces == post.replaces
        and (later.post.outbox_id or 0) > (post.outbox_id or 0)
        for later in list(lane.queue)[1:]
    )

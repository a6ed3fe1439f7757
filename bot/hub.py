"""The hub between the doors and the core.

A door hands an :class:`Incoming` to :meth:`Hub.handle`; the hub runs the dispatcher in one
worker thread (database work is synchronous, one message at a time), returns the reply for the
door to show where the message came from, and delivers the reply's posts to the doors of their
platforms (a call-out reaches Slack and Matrix channels of the same forum).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from bot.files import File, files_of
from commands.core.dispatcher import Dispatcher
from commands.core.document import Document
from commands.core.request import Incoming, Post, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")


class Door(Protocol):
    """A platform the bot lives on."""

    platform: str

    async def deliver(
        self, channel_id: str, document: Document, files: Sequence[File] = ()
    ) -> None:
        """Post ``document`` in ``channel_id`` on this platform, then ``files`` with it
        (uploaded where the platform takes files; otherwise kept where the user finds them)."""
        ...

    async def run(self) -> None:
        """Serve until stopped (or, for the console, until the input ends)."""
        ...


class Hub:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.doors: dict[str, Door] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch")

    def attach(self, door: Door) -> None:
        self.doors[door.platform] = door

    async def handle(self, incoming: Incoming) -> Reply | None:
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(self._worker, self.dispatcher.handle, incoming)
        if reply is not None and reply.posts:
            await self.deliver(reply.posts)
        return reply

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` in the worker thread, in turn with the messages (database work)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, function, *args)

    async def deliver(self, posts: list[Post]) -> None:
        for post in posts:
            door = self.doors.get(post.platform)
            if door is None:
                log.warning(
                    "no %s door running; a post to %s was not delivered",
                    post.platform,
                    post.channel_id,
                )
                continue
            try:
                await door.deliver(post.channel_id, post.document, files_of(post.attachments))
            except Exception:
                log.exception("delivering a post to %s:%s failed", post.platform, post.channel_id)

    async def tick_forever(self, interval: float) -> None:
        """Every ``interval`` seconds, the timed jobs' work (in turn with the messages), and
        their posts delivered. Runs until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                posts = await self.call(self.dispatcher.tick)
            except Exception:
                log.exception("a tick failed")
                continue
            if posts:
                await self.deliver(posts)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

"""The web pages in a test: the chat's links, the pages served over aiohttp's test server with
the chat's own database and clock, and what the audit log says of them."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, col, select

from bot.console.door import ConsoleDoor
from bot.hub import Hub
from bot.web_pages import WebPages
from commands.core.document import Link
from commands.core.web_tokens import COOKIE
from storage import Database
from storage.models import AuditEvent, Forum
from tests.support.chat import Chat, Said


def link_in(said: Said, kind: str = "/w/") -> str:
    """The one direct post's link (its path: ``/w/…`` or ``/skarm/…``), checking that the
    answer went to no channel with it."""
    assert said.ok, said.text
    direct = [post for post in said.posts if post.direct]
    assert len(direct) == 1, said.posts
    found = [
        part.url
        for block in direct[0].document.blocks
        for part in getattr(block, "parts", ())
        if isinstance(part, Link)
    ]
    assert len(found) == 1, found
    assert kind in found[0], found
    assert kind not in said.text  # never in the channel
    return re.sub(r"^https?://[^/]+", "", found[0])


async def signed_in(session: TestClient[Any, Any], path: str) -> dict[str, str]:
    """The sign-in link's page opened, its button pressed (a POST, answered with a 303 to the
    forum list): the session's cookie, to send along."""
    page = await session.get(path, allow_redirects=False)
    assert page.status == 200, await page.text()
    assert f'action="{path}"' in await page.text()
    response = await session.post(path, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/"
    return {COOKIE: response.cookies[COOKIE].value}


def pages(chat: Chat, client: Callable[[TestClient[Any, Any]], Awaitable[None]]) -> None:
    """``client`` run against the pages, served on 127.0.0.1 from the chat's database."""
    app = web.Application()
    WebPages(chat.database, chat.clock, chat.config).add_routes(app)

    async def scenario() -> None:
        async with TestClient(TestServer(app, host="127.0.0.1")) as session:
            await client(session)

    asyncio.run(scenario())


def audit_events(database: Database, prefix: str) -> list[AuditEvent]:
    """The audit events whose action is ``prefix`` or starts with it, in order."""
    with Session(database.engine) as session:
        return [
            event
            for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
            if event.action.startswith(prefix)
        ]


def id_of_forum(database: Database, slug_or_name: str) -> int:
    with Session(database.engine) as session:
        forum = session.exec(
            select(Forum).where((Forum.slug == slug_or_name) | (Forum.name == slug_or_name))
        ).one()
        assert forum.id is not None
        return forum.id


class Served:
    """The web pages and a terminal door on one event loop in a thread of their own
    (Playwright's sync API keeps a loop running in the main thread)."""

    def __init__(self, base: str, loop: asyncio.AbstractEventLoop, console: ConsoleDoor) -> None:
        self.base = base
        self.loop = loop
        self.console = console

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def type(self, line: str) -> None:
        """A line typed into the terminal chat, as ``make run`` reads it."""

        async def typed() -> None:
            await self.console.handle_line(line)
            await self.console.hub.sender.drain()

        self.call(typed())


@contextmanager
def serving(chat: Chat) -> Iterator[Served]:
    """The pages on 127.0.0.1 (a free port), with a terminal door on the chat's dispatcher,
    for a browser test: Playwright's sync API keeps a loop running in the main thread, so
    the server (and the door) run in a thread with a loop of their own."""
    app = web.Application()
    WebPages(chat.database, chat.clock, chat.config).add_routes(app)
    hub = Hub(chat.dispatcher, chat.timekeeper)
    console = ConsoleDoor(hub, stdin=io.StringIO(""), stdout=io.StringIO(), interactive=False)
    hub.attach(console)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(timeout=10), "the web pages did not start"
    try:
        yield Served(f"http://127.0.0.1:{runner.addresses[0][1]}", loop, console)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        hub.close()

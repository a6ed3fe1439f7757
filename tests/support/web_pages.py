"""The web pages in a test: the chat's links, the pages served over aiohttp's test server with
the chat's own database and clock, and what the audit log says of them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, col, select

from bot.web_pages import WebPages
from commands.core.document import Link
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

"""``!webb skärm``, ``!webb länkar``, ``!webb återkalla`` and the display page for a
staff-room screen: a coordinator's link, sent privately, valid until revoked; the page with
no cookie, no one's role, large type; 403 for anything else; the page kept live over
server-sent events (or a short poll) within two seconds of a report, a publication, an
acknowledgement or a stand-down made in the chat; a revoked link's stream ended.

The chat through the dispatcher (tests/support/chat.py); the pages through aiohttp's test
server on 127.0.0.1, with the same database and clock. The change signal itself
(``storage/changes.py``) across two databases on PostgreSQL is the last test (slow).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.change_listener import relay_changes
from bot.render.text import render_text
from bot.web_display import WebDisplay
from bot.web_pages import WebPages
from commands.core.clock import FixedClock
from storage import AuditContext, Database
from storage.changes import ForumChanges
from storage.models import WebLink
from tests.support.chat import Chat
from tests.support.databases import Databases
from tests.support.web_pages import audit_events, id_of_forum, link_in, pages

KONFERENS = "Regional samverkanskonferens"
LIVE_S = 2.0  # what the issue promises a screen


def _links(database: Database) -> list[WebLink]:
    with Session(database.engine) as session:
        return list(session.exec(select(WebLink).order_by(WebLink.id)))  # type: ignore[arg-type]


def _activated(chat: Chat) -> None:
    for person, organisation in (("anna", "Polisen"), ("bo", "SOS Alarm")):
        assert chat.say(f"!aktör {organisation}", person=person).ok
    said = chat.say("!aktivera Storm Dagmar, elavbrott i norra länet")
    assert said.ok, said.text


def _display_of(app: web.Application) -> WebDisplay:
    display: WebDisplay = next(
        route.handler.__self__  # type: ignore[attr-defined]
        for route in app.router.routes()
        if route.resource is not None and route.resource.canonical == "/skarm/{token}"
    )
    return display


def _served(
    chat: Chat, client: Callable[[TestClient[Any, Any], WebDisplay], Awaitable[None]]
) -> None:
    """``client`` run against the pages, with the display behind them at hand."""
    app = web.Application()
    WebPages(chat.database, chat.clock, chat.config).add_routes(app)
    display = _display_of(app)

    async def scenario() -> None:
        async with TestClient(TestServer(app, host="127.0.0.1")) as session:
            await client(session, display)

    asyncio.run(scenario())


class Events:
    """A display page's server-sent events, read as a browser's EventSource reads them."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = LIVE_S) -> tuple[str, str]:
        """The next event's name and data (comments and ``retry:`` skipped)."""
        while True:
            raw = await asyncio.wait_for(self.response.content.readuntil(b"\n\n"), timeout)
            fields = dict(
                line.split(": ", 1) if ": " in line else (line, "")
                for line in raw.decode().strip().split("\n")
                if line and not line.startswith(":") and not line.startswith("retry")
            )
            if "event" in fields:
                return fields["event"], fields.get("data", "")

    async def content(self, timeout: float = LIVE_S) -> dict[str, str]:
        name, data = await self.next(timeout)
        assert name == "content", (name, data)
        loaded: dict[str, str] = json.loads(data)
        return loaded


# -- the commands ----------------------------------------------------------------------------


def test_a_coordinator_gets_a_display_link_privately(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!webb skärm")
    path = link_in(said, "/skarm/")
    assert path.startswith("/skarm/")
    assert (
        f"Jag har skickat visningslänk nr 1 för {KONFERENS} till dig i ett direktmeddelande."
        in said.text
    )
    assert [post.channel_id for post in said.posts] == ["operator"]
    letter = render_text(said.posts[0].document)
    assert f"Visningslänk nr 1 för {KONFERENS}" in letter
    assert "återkallas med !webb återkalla 1" in letter
    (link,) = _links(database)
    konferens = id_of_forum(database, KONFERENS)
    assert (link.kind, link.forum_id, link.revoked_at, link.used_at) == (
        "display",
        konferens,
        None,
        None,
    )
    assert [event.forum_id for event in audit_events(database, "web.display_issued")] == [
        id_of_forum(database, KONFERENS)
    ]


def test_a_forum_named_and_in_english_and_in_a_direct_conversation(forum_chat: Chat) -> None:
    said = forum_chat.say("!web display Regional chefsgrupp")
    assert said.ok, said.text
    assert "Regional chefsgrupp" in render_text(said.posts[0].document)
    direct = forum_chat.say(
        "!webb skärm Regional samverkanskonferens", channel="dm-operator", direct=True
    )
    assert direct.ok, direct.text
    assert direct.posts == []
    assert "/skarm/" in direct.text  # the answer itself is private there
    nowhere = forum_chat.say("!webb skärm", channel="dm-operator", direct=True)
    assert not nowhere.ok
    assert "Ange vilket forums sida skärmen ska visa" in nowhere.text
    assert "!webb skärm Regional samverkanskonferens" in nowhere.text  # the example


def _attackers(chat: Chat) -> None:
    """anna an actor, olle an observer, cb the chefsgrupp's coordinator, mallory a room admin
    (a Matrix moderator) with no role."""
    assert chat.say("!aktör Polisen", person="anna").ok
    assert chat.say("!roll @olle observatör").ok
    assert chat.say("!forum koppla chefsgrupp", channel="ledning").ok
    assert chat.say("!roll @cb koordinator", channel="ledning").ok


@pytest.mark.parametrize(
    ("person", "options"),
    [
        ("anna", {}),  # an actor
        ("olle", {}),  # an observer
        ("cb", {}),  # a coordinator of another forum
        ("mallory", {"moderator": True}),  # a room admin who is no coordinator
    ],
)
def test_only_the_forums_coordinators_make_list_and_revoke(
    forum_chat: Chat, database: Database, person: str, options: dict[str, Any]
) -> None:
    _attackers(forum_chat)
    link_in(forum_chat.say("!webb skärm"), "/skarm/")
    before = [(link.id, link.revoked_at) for link in _links(database)]
    events = len(audit_events(database, "web."))
    for text, channel in (
        ("!webb skärm", "stab"),
        ("!webb skärm Regional samverkanskonferens", "ledning"),
        ("!webb länkar", "stab"),
        ("!webb länkar Regional samverkanskonferens", "ledning"),
        ("!webb återkalla 1", "stab"),
        ("!webb återkalla 1", "ledning"),
    ):
        said = forum_chat.say(text, person=person, channel=channel, **options)
        assert not said.ok, (person, text)
        assert f"Bara en koordinator för {KONFERENS} kan göra det. Inget har ändrats." in (
            said.text
        ), said.text
        assert said.posts == []
        assert "/skarm/" not in said.text
    assert [(link.id, link.revoked_at) for link in _links(database)] == before
    assert len(audit_events(database, "web.")) == events


def test_a_coordinator_of_the_other_forum_makes_its_own(forum_chat: Chat) -> None:
    _attackers(forum_chat)
    said = forum_chat.say("!webb skärm", person="cb", channel="ledning")
    link_in(said, "/skarm/")
    assert "Regional chefsgrupp" in said.text
    listed = forum_chat.say("!webb länkar", person="cb", channel="ledning")
    assert "Nr 1: skapad av cb 2026-11-26 15:00, har inte visats ännu" in listed.text
    assert "!webb återkalla 1" in listed.text


def test_listing_and_revoking(forum_chat: Chat, database: Database) -> None:
    assert "har inga visningslänkar som gäller" in forum_chat.say("!webb länkar").text
    link_in(forum_chat.say("!webb skärm"), "/skarm/")
    forum_chat.advance(minutes=5)
    link_in(forum_chat.say("!webb skärm"), "/skarm/")
    link_in(forum_chat.say("!webb skärm Regional chefsgrupp"), "/skarm/")  # another forum's
    listed = forum_chat.say("!webb länkar")
    assert "Nr 1: skapad av operator 2026-11-26 15:00, har inte visats ännu" in listed.text
    assert "Nr 2: skapad av operator 2026-11-26 15:05, har inte visats ännu" in listed.text
    assert "Nr 3" not in listed.text
    assert "till exempel !webb återkalla 2" in listed.text
    revoked = forum_chat.say("!webb återkalla 1")
    assert revoked.ok, revoked.text
    assert f"Visningslänk nr 1 för {KONFERENS} är återkallad" in revoked.text
    listed = forum_chat.say("!webb länkar")
    assert "Nr 1" not in listed.text
    assert "Nr 2" in listed.text
    (event,) = audit_events(database, "web.link_revoked")
    assert event.forum_id == id_of_forum(database, KONFERENS)
    assert event.details == {"link": 1, "kind": "display"}


def test_refusals_say_what_was_wrong_and_change_nothing(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    link_in(forum_chat.say("!webb skärm"), "/skarm/")
    assert forum_chat.say("!webb återkalla 1").ok
    assert forum_chat.say("!webb", person="anna").ok  # anna's personal link: nr 2
    before = [(link.id, link.revoked_at) for link in _links(database)]
    events = len(audit_events(database, ""))
    for text, wanted in (
        ("!webb återkalla 9", "Det finns ingen länk nr 9."),
        ("!webb återkalla nio", "Det finns ingen länk nr nio."),
        ("!webb återkalla 1", "Länk nr 1 är redan återkallad (2026-11-26 15:00)."),
    ):
        said = forum_chat.say(text)
        assert not said.ok, text
        assert f"{wanted} Inget har ändrats." in said.text, said.text
        assert "Se forumets visningslänkar med !webb länkar" in said.text
    someone_elses = forum_chat.say("!webb återkalla 2", person="lisa")
    assert not someone_elses.ok
    assert [(link.id, link.revoked_at) for link in _links(database)] == before
    assert len(audit_events(database, "")) == events
    # anna revokes her own personal link.
    mine = forum_chat.say("!webb återkalla 2", person="anna")
    assert mine.ok, mine.text
    assert "Inloggningslänk nr 2 (anna) är återkallad" in mine.text


def test_help_names_the_display_commands(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp webb skärm")
    assert said.ok, said.text
    assert "visningslänk" in said.text
    assert "!webb skärm" in said.text


# -- the page --------------------------------------------------------------------------------


def test_the_display_page_needs_no_cookie_and_shows_nothing_personal(
    forum_chat: Chat, database: Database
) -> None:
    _activated(forum_chat)
    assert forum_chat.say("!kvittera", person="anna").ok
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        page = await session.get(path)
        assert page.status == 200
        assert not page.cookies
        html = await page.text()
        assert '<html lang="sv">' in html
        assert f"<h1>{KONFERENS}</h1>" in html
        assert "aktiverat läge" in html
        assert "Storm Dagmar, elavbrott i norra länet" in html
        assert re.search(r"Första kvittens.*Polisen Region Stockholm", html), html
        assert "Din roll" not in html  # no role line: the screen is no one's
        assert 'aria-live="polite"' in html
        assert "Uppdaterad 2026-11-26 15:00" in html
        assert f'data-live="{path}/live"' in html
        # The script is served apart (the pages allow no inline script), and a screen
        # without it is told to reload rather than reloaded behind the viewer's back.
        assert '<script src="/skarm.js" defer></script>' in html
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
        assert 'http-equiv="refresh"' not in html
        assert "Utan JavaScript uppdateras sidan inte av sig själv" in html
        script = await session.get("/skarm.js")
        assert script.status == 200
        assert script.headers["Content-Type"].startswith("text/javascript")
        assert script.headers["X-Content-Type-Options"] == "nosniff"
        assert "EventSource" in await script.text()

    pages(forum_chat, client)
    (view,) = audit_events(database, "web.page_view")
    assert view.forum_id == id_of_forum(database, KONFERENS)
    assert view.details == {"page": "/skarm", "link": 1, "display": True}
    assert view.actor.startswith("skärm (länk nr 1)"), view.actor  # the screen, not its maker
    listed = forum_chat.say("!webb länkar")
    assert "senast visad 2026-11-26 15:00" in listed.text


def test_wrong_tampered_personal_and_revoked_tokens_get_403(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")
    token = path.removeprefix("/skarm/")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    personal = forum_chat.say("!webb", person="anna")
    personal_token = render_text(personal.posts[0].document).split("/w/")[1].split(")")[0]

    async def client(session: TestClient[Any, Any]) -> None:
        for wrong in (flipped, "nothing", f"{token}x", personal_token):
            for suffix in ("", "/live", "/innehall"):
                response = await session.get(f"/skarm/{wrong}{suffix}")
                assert response.status == 403, (wrong, suffix)
                assert "Åtkomst nekad" in await response.text()
        # A display token is no sign-in link either.
        assert (await session.get(f"/w/{token}", allow_redirects=False)).status == 403
        assert (await session.get(path)).status == 200
        assert forum_chat.say("!webb återkalla 1").ok
        for suffix in ("", "/live", "/innehall"):
            assert (await session.get(f"{path}{suffix}")).status == 403

    pages(forum_chat, client)
    assert len(audit_events(database, "web.page_view")) == 1


def test_the_poll_says_unchanged_cheaply_and_refuses_once_revoked(forum_chat: Chat) -> None:
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        first = await session.get(f"{path}/innehall")
        assert first.status == 200
        data = await first.json()
        assert data["updated"] == "Uppdaterad 2026-11-26 15:00"
        same = await session.get(f"{path}/innehall", params={"v": data["version"]})
        assert same.status == 304
        forum_chat.advance(minutes=2)
        assert (await asyncio.to_thread(forum_chat.say, "!kvittera", person="anna")).ok
        changed = await session.get(f"{path}/innehall", params={"v": data["version"]})
        assert changed.status == 200
        now = await changed.json()
        assert now["version"] != data["version"]
        assert now["updated"] == "Uppdaterad 2026-11-26 15:02"
        assert "Polisen Region Stockholm" in now["html"]
        assert (await asyncio.to_thread(forum_chat.say, "!webb återkalla 1")).ok
        gone = await session.get(f"{path}/innehall", params={"v": now["version"]})
        assert gone.status == 403

    pages(forum_chat, client)


# What changes on the screen: a report moves its organisation off the round's missing list
# (the reports themselves show once published), a publication shows the picture.
LIVE_CHANGES = [
    ("report", "!läge Läge: träd över väg 76", "bo", "organisationer har inte rapporterat (1 har)"),
    ("acknowledgement", "!kvittera", "anna", "Första kvittens"),
    ("publication", "!lägesbild publicera", "operator", "Samlad lägesbild – Regional"),
    ("stand-down", "!avaktivera Elen är åter", "operator", "ordinarie läge"),
]


@pytest.mark.parametrize(
    ("what", "text", "person", "shown"), LIVE_CHANGES, ids=[c[0] for c in LIVE_CHANGES]
)
def test_a_change_in_the_chat_reaches_the_screen_within_two_seconds(
    forum_chat: Chat, what: str, text: str, person: str, shown: str
) -> None:
    _activated(forum_chat)
    if what == "publication":
        assert forum_chat.say("!läge Läge: lugnt", person="anna").ok
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        response = await session.get(f"{path}/live")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        events = Events(response)
        first = await events.content()
        assert shown not in first["html"]
        forum_chat.advance(minutes=1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        said = await asyncio.to_thread(forum_chat.say, text, person=person)
        assert said.ok, said.text
        update = await events.content()
        assert loop.time() - started < LIVE_S
        assert shown in update["html"]
        assert update["updated"] == "Uppdaterad 2026-11-26 15:01"
        response.close()

    pages(forum_chat, client)


def test_a_revoked_links_stream_ends_and_a_page_view_pushes_nothing(forum_chat: Chat) -> None:
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")
    other = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        response = await session.get(f"{path}/live")
        events = Events(response)
        await events.content()
        assert (await session.get(other)).status == 200  # another screen loads the page
        # A view is no change: the next event the stream sends is the next real change's.
        assert (await asyncio.to_thread(forum_chat.say, "!kvittera", person="anna")).ok
        assert "Första kvittens" in (await events.content())["html"]
        assert (await asyncio.to_thread(forum_chat.say, "!webb återkalla 1")).ok
        assert await events.next() == ("revoked", "{}")
        assert await asyncio.wait_for(response.content.read(), LIVE_S) == b""  # ended
        assert (await session.get(f"{other}/innehall")).status == 200  # the other one lives

    pages(forum_chat, client)


def test_many_screens_cost_one_render_per_change(forum_chat: Chat) -> None:
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")
    app = web.Application()
    pages = WebPages(forum_chat.database, forum_chat.clock, forum_chat.config)
    pages.add_routes(app)
    display = _display_of(app)

    async def scenario() -> None:
        async with TestClient(TestServer(app, host="127.0.0.1")) as session:
            responses = await asyncio.gather(*(session.get(f"{path}/live") for _ in range(50)))
            streams = [Events(response) for response in responses]
            await asyncio.gather(*(events.content() for events in streams))
            renders = display.contents.renders
            said = await asyncio.to_thread(forum_chat.say, "!kvittera", person="anna")
            assert said.ok
            updates = await asyncio.gather(*(events.content() for events in streams))
            assert all("Första kvittens" in update["html"] for update in updates)
            assert len({update["version"] for update in updates}) == 1
            # Rendered for the change, not for each screen (a render already under way when
            # the change was heard may add one more).
            assert 1 <= display.contents.renders - renders <= 2
            for response in responses:
                response.close()

    asyncio.run(scenario())


# -- the change signal across processes (PostgreSQL) ------------------------------------------


@pytest.mark.slow
def test_a_change_committed_by_one_database_reaches_another_through_postgresql(
    databases: Databases, clock: FixedClock
) -> None:
    url = databases.prepared("postgresql")
    writer, reader = Database(url), Database(url)
    try:
        chat = Chat(writer, clock)
        assert chat.say("!forum koppla samverkanskonferens").ok
        konferens = id_of_forum(writer, KONFERENS)

        async def scenario() -> None:
            loop = asyncio.get_running_loop()
            heard: asyncio.Queue[frozenset[int] | None] = asyncio.Queue()
            mine: asyncio.Queue[frozenset[int] | None] = asyncio.Queue()
            reader.changes.subscribe(lambda ids: loop.call_soon_threadsafe(heard.put_nowait, ids))
            writer.changes.subscribe(lambda ids: loop.call_soon_threadsafe(mine.put_nowait, ids))
            relay = loop.create_task(relay_changes(reader))
            echo = loop.create_task(relay_changes(writer))  # the writer's own: heard once
            try:
                # Each listener, once listening, says "any forum may have changed".
                assert await asyncio.wait_for(heard.get(), 10) is None
                assert await asyncio.wait_for(mine.get(), 10) is None
                said = await asyncio.to_thread(chat.say, "!aktör Polisen", person="anna")
                assert said.ok
                started = loop.time()
                assert await asyncio.wait_for(heard.get(), LIVE_S) == frozenset({konferens})
                assert loop.time() - started < LIVE_S
                # A refused command commits nothing and announces nothing; nor does a unit
                # of work that changed no forum.
                refused = await asyncio.to_thread(chat.say, "!webb återkalla 9")
                assert not refused.ok
                with reader.unit_of_work(AuditContext("t", "t", "t", "t", clock.now())):
                    pass
                # The next thing heard is the next change, in another forum.
                bound = await asyncio.to_thread(
                    chat.say, "!forum koppla chefsgrupp", channel="ledning"
                )
                assert bound.ok, bound.text
                chefsgrupp = id_of_forum(writer, "chefsgrupp")
                assert await asyncio.wait_for(heard.get(), LIVE_S) == frozenset({chefsgrupp})
                # The writer heard its changes once each, in process, not again from
                # PostgreSQL.
                assert await asyncio.wait_for(mine.get(), LIVE_S) == frozenset({konferens})
                assert await asyncio.wait_for(mine.get(), LIVE_S) == frozenset({chefsgrupp})
                assert mine.empty()
            finally:
                relay.cancel()
                echo.cancel()

        asyncio.run(scenario())
    finally:
        writer.dispose()
        reader.dispose()


class _QuietConnection:
    """A listening connection that hears nothing and, asked, turns out dead."""

    def __init__(self, executed: list[str]) -> None:
        self.executed = executed

    async def __aenter__(self) -> _QuietConnection:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str) -> None:
        self.executed.append(sql)
        if sql == "SELECT 1":
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    async def notifies(self, *, timeout: float | None = None) -> AsyncIterator[Any]:
        await asyncio.sleep(timeout) if timeout is not None else await asyncio.Event().wait()
        nothing: tuple[Any, ...] = ()
        for notice in nothing:
            yield notice


def test_the_change_listener_outlives_any_failure_and_a_silently_dead_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Any error is logged and retried (the listener ending would stop the whole process,
    ``bot/cli.py``); a connection that hears nothing is pinged, and made again when dead."""
    monkeypatch.setattr("bot.change_listener.RETRY_FIRST_S", 0.01)
    monkeypatch.setattr("bot.change_listener.PING_S", 0.05)
    attempts: list[str] = []
    executed: list[str] = []
    heard: list[frozenset[int] | None] = []

    async def scenario() -> None:
        third = asyncio.Event()

        async def connect(conninfo: str, **_options: Any) -> _QuietConnection:
            attempts.append(conninfo)
            if len(attempts) == 1:
                raise RuntimeError("something no one foresaw")
            if len(attempts) == 3:
                third.set()
            return _QuietConnection(executed)

        monkeypatch.setattr(psycopg.AsyncConnection, "connect", connect)
        changes = ForumChanges()
        changes.subscribe(heard.append)
        database = SimpleNamespace(
            engine=SimpleNamespace(
                dialect=SimpleNamespace(name="postgresql"),
                url=make_url("postgresql+psycopg://bot:secret@db.example/samverkan"),
            ),
            changes=changes,
        )
        task = asyncio.create_task(relay_changes(database))  # type: ignore[arg-type]
        await asyncio.wait_for(third.wait(), LIVE_S)
        assert not task.done()
        task.cancel()

    asyncio.run(scenario())
    assert "keepalives=1" in attempts[0]
    assert "connect_timeout=10" in attempts[0]
    assert executed[:2] == ["LISTEN samverkan_forum", "SELECT 1"]
    assert heard[:1] == [None]  # connected: "any forum may have changed"


def test_a_quiet_stream_keeps_alive_with_comments(
    forum_chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.web_display.HEARTBEAT_S", 0.2)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        response = await session.get(f"{path}/live")
        await Events(response).content()
        raw = await asyncio.wait_for(response.content.readuntil(b"\n\n"), LIVE_S)
        assert raw == b": heartbeat\n\n"
        response.close()

    pages(forum_chat, client)


# -- what a screen is spared: a lost change, a stale token, an old round ----------------------


def test_a_failed_render_is_tried_again_by_the_next_poll(forum_chat: Chat) -> None:
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any], display: WebDisplay) -> None:
        first = await (await session.get(f"{path}/innehall")).json()
        render = display.contents._render_forum
        failures = [RuntimeError("the database went away")]

        def flaky(forum_id: int) -> Any:
            if failures:
                raise failures.pop()
            return render(forum_id)

        display.contents._render_forum = flaky
        assert (await asyncio.to_thread(forum_chat.say, "!kvittera", person="anna")).ok
        failed = await session.get(f"{path}/innehall", params={"v": first["version"]})
        assert failed.status == 500
        again = await session.get(f"{path}/innehall", params={"v": first["version"]})
        assert again.status == 200  # the change is still to show, not forgotten
        assert "Första kvittens" in (await again.json())["html"]

    _served(forum_chat, client)


def test_a_polled_page_moves_with_the_clock(
    forum_chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.web_display.REFRESH_S", 0.0)
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        first = await (await session.get(f"{path}/innehall")).json()
        assert "2026-11-26 15:00 (0 min)" in first["html"]
        forum_chat.advance(minutes=7)  # nothing changes but the time
        later = await session.get(f"{path}/innehall", params={"v": first["version"]})
        assert later.status == 200
        assert "2026-11-26 15:00 (7 min)" in (await later.json())["html"]

    pages(forum_chat, client)


def test_a_link_revoked_where_this_process_does_not_hear_is_refused_within_a_minute(
    forum_chat: Chat, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revoked by another process whose announcement did not reach this one: the poll's
    remembered token is checked again (here at once; at most ``TOKEN_RECHECK_S`` later)."""
    monkeypatch.setattr("bot.web_display.TOKEN_RECHECK_S", 0.0)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")
    elsewhere = Database(str(database.engine.url))  # another process's, unheard here
    try:

        async def client(session: TestClient[Any, Any]) -> None:
            assert (await session.get(f"{path}/innehall")).status == 200
            context = AuditContext("t", "t", "operator", "operator", forum_chat.clock.now())
            with elsewhere.unit_of_work(context) as store:
                link = store.web_links.get(1)
                assert link is not None
                store.web_links.revoke(link, forum_chat.clock.now())
            assert (await session.get(f"{path}/innehall")).status == 403

        pages(forum_chat, client)
    finally:
        elsewhere.dispose()


def test_a_change_made_while_a_stream_opens_is_not_missed(forum_chat: Chat) -> None:
    _activated(forum_chat)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any], display: WebDisplay) -> None:
        current = display.contents.current
        changes = ["!kvittera"]

        async def current_then_change(forum_id: int) -> Any:
            content = await current(forum_id)
            if changes:  # the forum changes just after the stream's first content was read
                said = await asyncio.to_thread(forum_chat.say, changes.pop(), person="anna")
                assert said.ok, said.text
            return content

        display.contents.current = current_then_change  # type: ignore[method-assign]
        response = await session.get(f"{path}/live")
        events = Events(response)
        assert "Första kvittens" not in (await events.content())["html"]
        assert "Första kvittens" in (await events.content())["html"]
        response.close()

    _served(forum_chat, client)


def test_streams_and_polls_note_the_link_as_seen_now_and_then(
    forum_chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.web_display.SEEN_EVERY_S", 0.0)
    monkeypatch.setattr("bot.web_display.HEARTBEAT_S", 0.2)
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        assert (await session.get(f"{path}/innehall")).status == 200
        forum_chat.advance(minutes=10)
        assert (await session.get(f"{path}/innehall")).status == 200  # a remembered token
        listed = await asyncio.to_thread(forum_chat.say, "!webb länkar")
        assert "senast visad 2026-11-26 15:10" in listed.text, listed.text
        response = await session.get(f"{path}/live")
        await Events(response).content()
        forum_chat.advance(minutes=10)
        for _ in range(2):  # the second heartbeat comes after the first one's note
            raw = await asyncio.wait_for(response.content.readuntil(b"\n\n"), LIVE_S)
            assert raw == b": heartbeat\n\n"
        listed = await asyncio.to_thread(forum_chat.say, "!webb länkar")
        assert "senast visad 2026-11-26 15:20" in listed.text, listed.text
        response.close()

    pages(forum_chat, client)


def test_the_round_shows_only_while_it_is_in_force(
    forum_chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thursday 15:00: the 16:00 meeting's round is open for reports, but the room is not in
    it yet; from 16:00 the meeting is, and who is missing shows; an activation's picture and
    missing list go with its stand-down."""
    monkeypatch.setattr("bot.web_display.REFRESH_S", 0.0)  # each poll reads the time anew
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb skärm"), "/skarm/")

    async def client(session: TestClient[Any, Any]) -> None:
        async def html() -> str:
            data: dict[str, str] = await (await session.get(f"{path}/innehall")).json()
            return data["html"]

        assert "har inte rapporterat" not in await html()
        forum_chat.advance(minutes=65)  # 16:05, the meeting under way
        assert "har inte rapporterat (0 har)" in await html()
        forum_chat.advance(minutes=60)  # 17:05, the meeting's round closed
        assert "har inte rapporterat" not in await html()
        for text in ("!aktivera Storm Dagmar", "!läge Läge: lugnt", "!lägesbild publicera"):
            said = await asyncio.to_thread(
                forum_chat.say, text, person="anna" if "läge " in text else "operator"
            )
            assert said.ok, said.text
        shown = await html()
        assert "Samlad lägesbild" in shown
        assert "har inte rapporterat (1 har)" in shown
        assert (await asyncio.to_thread(forum_chat.say, "!avaktivera Elen är åter")).ok
        shown = await html()
        assert "ordinarie läge" in shown
        assert "Samlad lägesbild" not in shown
        assert "har inte rapporterat" not in shown

    pages(forum_chat, client)


# -- the links in a direct conversation --------------------------------------------------------


def test_in_a_direct_conversation_the_list_covers_every_forum_the_asker_coordinates(
    forum_chat: Chat,
) -> None:
    link_in(forum_chat.say("!webb skärm"), "/skarm/")
    link_in(forum_chat.say("!webb skärm Regional chefsgrupp"), "/skarm/")
    refused = forum_chat.say("!webb återkalla 9", channel="dm-operator", direct=True)
    assert not refused.ok
    assert "Se forumets visningslänkar med !webb länkar" in refused.text
    listed = forum_chat.say("!webb länkar", channel="dm-operator", direct=True)  # the hint
    assert listed.ok, listed.text
    assert f"Visningslänkar för {KONFERENS}" in listed.text
    assert "Visningslänkar för Regional chefsgrupp" in listed.text
    assert "Nr 1: skapad av operator" in listed.text
    assert "Nr 2: skapad av operator" in listed.text
    nobody = forum_chat.say("!webb länkar", person="lisa", channel="dm-lisa", direct=True)
    assert not nobody.ok
    assert "Du är inte koordinator för något forum" in nobody.text

"""``!webb`` and the web pages it opens: a personal link sent privately, used once, within
minutes; the session cookie; a forum's page with what the chat shows of it; 403 for anything
else, changing nothing; every page view audited.

The chat through the dispatcher (tests/support/chat.py); the pages through aiohttp's test
server on 127.0.0.1, with the same database and clock.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import Session, select

from bot.config import load_settings
from bot.render.text import render_text
from commands.core.web_tokens import COOKIE
from storage import Database
from storage.models import WebLink
from tests.support.chat import Chat
from tests.support.web_pages import audit_events, id_of_forum, link_in, pages, signed_in

KONFERENS = "samverkanskonferens"


def _activated_with_anna(chat: Chat) -> None:
    for person, organisation in (("anna", "Polisen"), ("bo", "SOS Alarm")):
        assert chat.say(f"!aktör {organisation}", person=person).ok
    assert chat.say("!aktivera Storm Dagmar, elavbrott i norra länet").ok
    said = chat.say("!kvittera", person="anna")
    assert said.ok, said.text


def test_the_link_is_sent_privately_never_in_the_channel(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!webb", person="anna")
    path = link_in(said)
    assert path.startswith("/w/")
    assert "direktmeddelande" in said.text
    assert "/w/" not in said.text
    assert [post.channel_id for post in said.posts] == ["anna"]
    letter = render_text(said.posts[0].document)
    assert "Regional samverkanskonferens" in letter
    assert "12 timmar" in letter
    assert "2026-11-26 15:10 (om 10 minuter)" in letter


def test_asked_in_a_direct_conversation_the_answer_is_the_link(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!webb", person="anna", channel="dm-anna", direct=True)
    assert said.ok, said.text
    assert said.posts == []
    assert "/w/" in said.text
    assert "Regional samverkanskonferens" in said.text


def test_someone_the_bot_knows_in_no_forum_is_refused(chat: Chat, database: Database) -> None:
    said = chat.say("!webb", person="eva", channel="okopplad")
    assert not said.ok
    assert "Du hör inte till något forum" in said.text
    assert "!webb" in said.text  # the hint: where it works
    with Session(database.engine) as session:
        assert session.exec(select(WebLink)).all() == []


def test_sign_in_and_see_the_forum_page_with_the_acknowledgements(
    forum_chat: Chat, database: Database
) -> None:
    _activated_with_anna(forum_chat)
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        opened = await session.get(path, allow_redirects=False)
        assert opened.status == 200
        assert COOKIE not in opened.cookies  # opening the link (a preview) uses nothing up
        assert f'<form method="post" action="{path}">' in await opened.text()
        response = await session.post(path, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == "/"
        morsel = response.cookies[COOKIE]
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Strict"
        assert not morsel["secure"]  # http://127.0.0.1: no TLS
        assert morsel["path"] == "/"
        cookies = {COOKIE: morsel.value}

        listing = await session.get("/", cookies=cookies)
        assert listing.status == 200
        text = await listing.text()
        assert '<html lang="sv">' in text
        assert f'href="/forum/{KONFERENS}"' in text
        assert "aktör" in text

        page = await session.get(f"/forum/{KONFERENS}", cookies=cookies)
        assert page.status == 200
        html = await page.text()
        assert '<html lang="sv">' in html
        assert "<main>" in html
        assert "<script" not in html
        assert "<h1>Regional samverkanskonferens</h1>" in html
        assert "regionalt samordnande" in html or "regionalt inriktande" in html
        assert "aktiverat läge" in html
        assert "Storm Dagmar, elavbrott i norra länet" in html
        assert "Polisen Region Stockholm" in html
        assert "SOS Alarm" in html
        assert re.search(r"Första kvittens.*Polisen Region Stockholm", html), html
        headings = [int(level) for level in re.findall(r"<h(\d)>", html)]
        assert headings[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings

        # Opened again while signed in (a reload, Back): on to the list.
        reload = await session.get(path, allow_redirects=False, cookies=cookies)
        assert reload.status == 303
        assert reload.headers["Location"] == "/"
        # Used: without the session, refused, and pressing its button again signs nobody in.
        session.session.cookie_jar.clear()
        again = await session.get(path, allow_redirects=False)
        assert again.status == 403
        assert "Åtkomst nekad" in await again.text()
        assert "Access denied" in await again.text()
        twice = await session.post(path, allow_redirects=False)
        assert twice.status == 403
        assert COOKIE not in twice.cookies

    pages(forum_chat, client)
    views = audit_events(database, "web.page_view")
    assert [(event.forum_id, event.details["page"]) for event in views] == [
        (None, "/"),
        (id_of_forum(database, KONFERENS), f"/forum/{KONFERENS}"),
    ]
    assert all(event.actor == "anna (test:anna)" for event in views)
    assert all(event.at == forum_chat.clock.now() for event in views)
    assert len(audit_events(database, "web.signed_in")) == 1


def test_an_expired_link_is_refused_and_stays_unused(forum_chat: Chat, database: Database) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))
    forum_chat.advance(minutes=10, seconds=1)

    async def client(session: TestClient[Any, Any]) -> None:
        response = await session.get(path, allow_redirects=False)
        assert response.status == 403
        pressed = await session.post(path, allow_redirects=False)
        assert pressed.status == 403
        assert COOKIE not in pressed.cookies

    pages(forum_chat, client)
    with Session(database.engine) as session:
        (link,) = session.exec(select(WebLink)).all()
        assert link.used_at is None
        assert link.session_key is None
    assert audit_events(database, "web.signed_in") == []


def test_a_tampered_or_made_up_token_is_refused(forum_chat: Chat, database: Database) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))
    token = path.removeprefix("/w/")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    payload, _, rest = token.partition(".")

    async def client(session: TestClient[Any, Any]) -> None:
        for wrong in (flipped, payload[:-1] + "x." + rest, "nothing", f"{token}x"):
            response = await session.get(f"/w/{wrong}", allow_redirects=False)
            assert response.status == 403, wrong
            pressed = await session.post(f"/w/{wrong}", allow_redirects=False)
            assert pressed.status == 403, wrong
            assert COOKIE not in pressed.cookies
        forged = await session.get("/", cookies={COOKIE: token})  # a link is no session
        assert forged.status == 403
        # The real one still works: the refusals used nothing up.
        assert await signed_in(session, path)

    pages(forum_chat, client)


def test_a_forum_the_session_does_not_cover_is_refused(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        other = await session.get("/forum/regional-chefsgrupp", cookies=cookies)
        assert other.status == 403
        unknown = await session.get("/forum/finns-inte", cookies=cookies)
        assert unknown.status == 403
        session.session.cookie_jar.clear()
        anonymous = await session.get(f"/forum/{KONFERENS}")
        assert anonymous.status == 403

    pages(forum_chat, client)
    assert audit_events(database, "web.page_view") == []


def test_the_session_ends_after_its_hours(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        forum_chat.advance(hours=11, minutes=59)
        assert (await session.get(f"/forum/{KONFERENS}", cookies=cookies)).status == 200
        forum_chat.advance(minutes=2)
        assert (await session.get(f"/forum/{KONFERENS}", cookies=cookies)).status == 403

    pages(forum_chat, client)


def test_behind_tls_the_cookie_is_secure(database: Database, forum_chat: Chat) -> None:
    forum_chat.config = replace(forum_chat.config, web_base_url="https://samverkan.example.org")
    forum_chat.dispatcher.config = forum_chat.config
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!webb", person="anna")
    assert "https://samverkan.example.org/w/" in render_text(said.posts[0].document)
    path = link_in(said)

    async def client(session: TestClient[Any, Any]) -> None:
        await session.get(path, allow_redirects=False)
        response = await session.post(path, allow_redirects=False)
        assert response.cookies[COOKIE]["secure"] is True

    pages(forum_chat, client)


def test_web_base_url_defaults_to_the_http_port(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEB_BASE_URL", "HTTP_PORT", "SLACK_PORT", "SAMVERKAN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings(http_port=9123).core().web_base_url == "http://127.0.0.1:9123"
    settings = load_settings(web_base_url="https://samverkan.example.org/")
    assert settings.core().web_base_url == "https://samverkan.example.org"


def test_signing_out_on_the_page_or_in_the_chat_ends_the_session(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!webb", person="anna")
    first = link_in(said)
    (letter,) = [render_text(post.document) for post in said.posts if post.direct]
    assert "Du loggar ut med knappen på sidorna eller med !webb logga ut." in letter
    second = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        here = await signed_in(session, first)
        elsewhere = await signed_in(session, second)  # another browser
        page = await session.get(f"/forum/{KONFERENS}", cookies=here)
        assert '<form class="signout" method="post" action="/logga-ut">' in await page.text()
        # The button: this session ends, and its cookie is removed.
        out = await session.post("/logga-ut", cookies=here)
        assert out.status == 200
        assert "Du är utloggad" in await out.text()
        assert out.cookies[COOKIE].value == ""
        assert (await session.get("/", cookies=here)).status == 403
        assert (await session.get("/", cookies=elsewhere)).status == 200
        # The chat's way, as the link's text says it: every other session ends too.
        told = forum_chat.say("!webb logga ut", person="anna")
        assert told.ok, told.text
        assert "Du är utloggad från webbsidorna (1 inloggning avslutad)." in told.text
        assert (await session.get("/", cookies=elsewhere)).status == 403
        again = forum_chat.say("!webb logga ut", person="anna")
        assert "Du är inte inloggad på webbsidorna" in again.text

    pages(forum_chat, client)


def test_a_post_from_another_site_signs_nobody_in_or_out(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))
    evil = {"Origin": "https://elak.example.com"}

    async def client(session: TestClient[Any, Any]) -> None:
        pressed = await session.post(path, allow_redirects=False, headers=evil)
        assert pressed.status == 403
        assert COOKIE not in pressed.cookies
        cookies = await signed_in(session, path)  # the link still works
        out = await session.post("/logga-ut", cookies=cookies, headers=evil)
        assert out.status == 403
        assert (await session.get("/", cookies=cookies)).status == 200

    pages(forum_chat, client)


def test_a_signed_in_persons_other_forum_is_refused_with_the_way_back(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        other = await session.get("/forum/regional-chefsgrupp", cookies=cookies)
        assert other.status == 403
        text = await other.text()
        assert "Din inloggning gäller inte det här forumet" in text
        assert '<a href="/">Dina forum</a>' in text

    pages(forum_chat, client)


def test_the_pages_say_so_when_the_database_is_away(forum_chat: Chat) -> None:
    """The database file moved away under the running pages (SQLite then opens an empty
    one: every query fails as a database away does), and back."""
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))
    engine = forum_chat.database.engine
    assert engine.url.database is not None
    stored = Path(engine.url.database)
    aside = stored.with_name("undan.db")

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        engine.dispose()
        stored.rename(aside)
        try:
            page = await session.get(f"/forum/{KONFERENS}", cookies=cookies)
            listing = await session.get("/", cookies=cookies)
        finally:
            engine.dispose()
            stored.unlink(missing_ok=True)
            aside.rename(stored)
        assert page.status == 503
        assert listing.status == 503
        assert page.headers["Retry-After"] == "30"
        text = await page.text()
        assert "Sidorna kan inte visas just nu" in text
        assert "The pages cannot be shown just now" in text
        assert "Traceback" not in text
        assert (await session.get(f"/forum/{KONFERENS}", cookies=cookies)).status == 200

    pages(forum_chat, client)


def test_a_role_taken_away_is_gone_from_the_pages_at_once(forum_chat: Chat) -> None:
    assert forum_chat.say("!roll @anna observatör").ok
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        page = await session.get(f"/forum/{KONFERENS}", cookies=cookies)
        assert page.status == 200
        assert "observatör" in await page.text()
        assert forum_chat.say("!roll @anna koordinator").ok  # her role shown is the one now
        page = await session.get(f"/forum/{KONFERENS}", cookies=cookies)
        assert "koordinator" in await page.text()
        assert forum_chat.say("!roll @anna ingen").ok
        gone = await session.get(f"/forum/{KONFERENS}", cookies=cookies)
        assert gone.status == 403
        assert KONFERENS not in await (await session.get("/", cookies=cookies)).text()

    pages(forum_chat, client)


def test_behind_a_proxy_the_pages_own_address_may_post(forum_chat: Chat) -> None:
    """The proxy passes the bot its own Host (127.0.0.1:…); the browser's Origin is the
    public address of WEB_BASE_URL: the sign-in is ours all the same."""
    forum_chat.config = replace(forum_chat.config, web_base_url="https://samverkan.example.org")
    forum_chat.dispatcher.config = forum_chat.config
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        await session.get(path)
        pressed = await session.post(
            path, allow_redirects=False, headers={"Origin": "https://samverkan.example.org"}
        )
        assert pressed.status == 303

    pages(forum_chat, client)

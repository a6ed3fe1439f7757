"""The display page for a staff-room screen: one forum's page, live, from a display link.

- ``GET /skarm/<token>``: the forum's page in large type — level, mode, then what the chat
  shows of it (``bot/web_pages.py``'s sections: the activation, its call-out and
  acknowledgements, the direction, joint messages, next meeting, open actions), read as an
  observer with no one's name, so nothing personal and no role line. No cookie: the token
  (``!webb skärm``, signed with its own salt) is the key; a wrong, tampered or revoked one
  gets the plain 403 page. Each page load is audited (``web.page_view``) and noted as the
  link's ``last_seen_at``.
- ``GET /skarm/<token>/live``: server-sent events. At once the current content, then the new
  content whenever the forum changes (``storage/changes.py``: every committed unit of work
  that recorded audit events for the forum, in this process or — relayed by
  ``bot/change_listener.py`` — another), a comment every ``HEARTBEAT_S`` seconds. When the
  link is revoked the stream says so (``event: revoked``) and ends.
- ``GET /skarm/<token>/innehall?v=<version>``: the same content as JSON for the page's short
  poll (when a proxy strips the events); 304 when ``v`` is current, 403 once revoked.

The content is rendered once per change of the forum, whatever the number of screens
(:class:`Contents`: a cache by forum, one render at a time per forum, shared by everyone
waiting for it); its version is a digest of the HTML, so an unchanged page is not re-sent.
The valid display links of the forum are read with it, which is how a revocation reaches
every screen within the same few seconds without a query per screen.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web
from markupsafe import Markup

from bot.web_html import HEADERS, answer, blocks_of, environment, refused
from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.errors import CommandError
from commands.core.i18n import normalise_language, t
from commands.core.messages import Incoming, Speaker
from commands.core.request import Request
from commands.core.timefmt import format_clock
from commands.core.web_tokens import read, secret_of
from commands.situation.picture import Picture
from commands.situation.render import picture_document
from commands.situation.rounds import round_label
from commands.web_access import DISPLAY_SALT
from storage import AuditContext, Database, Store
from storage.models import Forum, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screen:
    """Who the display reads the forum's commands as: no one in particular."""

    platform: str = "web"
    user_id: str = "display"
    display_name: str = "display"


class Pages(Protocol):
    """What the display takes of ``bot.web_pages.WebPages`` (it is its part, so it imports
    nothing of it): the database, clock and settings, and the forum page's sections."""

    database: Database
    clock: Clock
    config: CoreConfig
    capabilities: Capabilities

    def sections(
        self, store: Store, person: Any, forum: Forum, role: Role, language: str, now: datetime
    ) -> list[list[dict[str, Any]]]: ...


HEARTBEAT_S = 15.0
# A forum's content is rendered again when a screen has waited this long without a change:
# what the page shows also moves with the clock (the next meeting, a deadline passed).
REFRESH_S = 60.0
# A display link lasts until revoked; its signature is refused after this in any case.
DISPLAY_MAX_AGE = timedelta(days=3650)
# The display reads the forum's commands as no one in particular: an observer, unnamed.
_SCREEN = Screen()


def _reading(now: datetime) -> AuditContext:
    return AuditContext("web", "display", "display", "display", now)


@dataclass(frozen=True)
class Content:
    """A forum's display content at one moment, ready to send."""

    forum_id: int
    version: str
    html: str
    updated: str  # "Uppdaterad 16:02"
    links: frozenset[int]  # the forum's display links valid when it was read
    rendered_at: float  # time.monotonic() when it was read
    name: str = ""
    language: str = "sv"
    payload: str = ""  # the JSON the page takes
    event: bytes = b""  # the server-sent event that carries it

    def ready(self) -> Content:
        data = json.dumps(
            {"version": self.version, "html": self.html, "updated": self.updated},
            ensure_ascii=False,
        )
        return replace(self, payload=data, event=f"event: content\ndata: {data}\n\n".encode())


@dataclass(eq=False)
class Watcher:
    """One screen's stream: woken with the latest content of its forum."""

    latest: Content | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class Contents:
    """Each forum's display content, rendered once per change, and the screens watching."""

    def __init__(self, render_forum: Callable[[int], Content]) -> None:
        self._render_forum = render_forum
        self._cache: dict[int, Content] = {}
        self._stale: set[int] = set()
        self._rendering: dict[int, asyncio.Task[None]] = {}
        self._watchers: dict[int, set[Watcher]] = {}
        self._pushing: set[asyncio.Task[None]] = set()
        self.renders = 0  # how many times a forum was rendered (the benchmark, the tests)

    async def current(self, forum_id: int) -> Content:
        """The forum's content, rendered now if it changed since (one render for all)."""
        while True:
            cached = self._cache.get(forum_id)
            if cached is not None and forum_id not in self._stale:
                return cached
            task = self._rendering.get(forum_id)
            if task is None:
                self._stale.discard(forum_id)
                task = asyncio.get_running_loop().create_task(self._render(forum_id))
                self._rendering[forum_id] = task
            await asyncio.shield(task)

    async def _render(self, forum_id: int) -> None:
        try:
            content = await asyncio.to_thread(self._render_forum, forum_id)
            self.renders += 1
            before = self._cache.get(forum_id)
            if before is not None and before.version == content.version:
                # The same page: keep its time ("Uppdaterad" says when it last changed).
                content = replace(before, links=content.links, rendered_at=content.rendered_at)
            self._cache[forum_id] = content
        finally:
            self._rendering.pop(forum_id, None)

    def changed(self, forum_ids: frozenset[int] | None) -> None:
        """Forums changed (None: any may have): render the watched ones again and push."""
        forums = set(self._cache) | set(self._watchers) if forum_ids is None else forum_ids
        for forum_id in forums:
            self._stale.add(forum_id)
            if self._watchers.get(forum_id):
                task = asyncio.get_running_loop().create_task(self._push(forum_id))
                self._pushing.add(task)
                task.add_done_callback(self._pushing.discard)

    def refresh_if_older(self, forum_id: int, age: float) -> None:
        cached = self._cache.get(forum_id)
        if cached is not None and time.monotonic() - cached.rendered_at > age:
            self.changed(frozenset({forum_id}))

    async def _push(self, forum_id: int) -> None:
        try:
            content = await self.current(forum_id)
        except Exception:
            log.exception("rendering the display of forum %s failed", forum_id)
            return
        for watcher in list(self._watchers.get(forum_id, ())):
            watcher.latest = content
            watcher.wake.set()

    def watch(self, forum_id: int, watcher: Watcher) -> None:
        self._watchers.setdefault(forum_id, set()).add(watcher)

    def unwatch(self, forum_id: int, watcher: Watcher) -> None:
        watching = self._watchers.get(forum_id)
        if watching is not None:
            watching.discard(watcher)
            if not watching:
                del self._watchers[forum_id]

    def close_all(self) -> None:
        """The server is stopping: every stream ends."""
        for watching in self._watchers.values():
            for watcher in watching:
                watcher.latest = None
                watcher.wake.set()


class WebDisplay:
    """The display page's routes, added by ``WebPages.add_routes``."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.database = pages.database
        self.clock = pages.clock
        self.config = pages.config
        self.contents = Contents(self.render_forum)
        self._tokens: dict[str, tuple[int, int]] = {}  # checked token → (link id, forum id)
        self._unsubscribe: Callable[[], None] | None = None
        self._closing = False

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/skarm/{token}", self._page)
        app.router.add_get("/skarm/{token}/live", self._live)
        app.router.add_get("/skarm/{token}/innehall", self._content)
        app.on_shutdown.append(self._shutdown)
        app.on_cleanup.append(self._cleanup)

    # -- the change signal -----------------------------------------------------------------

    def _listen(self) -> None:
        """Hear of the database's changes on this event loop (once, on first need)."""
        if self._unsubscribe is not None:
            return
        loop = asyncio.get_running_loop()

        def heard(forum_ids: frozenset[int] | None) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self.contents.changed, forum_ids)

        self._unsubscribe = self.database.changes.subscribe(heard)

    async def _shutdown(self, _app: web.Application) -> None:
        self._closing = True
        self.contents.close_all()

    async def _cleanup(self, _app: web.Application) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- handlers --------------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        token = request.match_info["token"]
        found = await asyncio.to_thread(self.open_link, token, True)
        if found is None:
            return refused(self.config.prefix)
        link_id, forum_id = found
        content = await self.contents.current(forum_id)
        if link_id not in content.links:
            return refused(self.config.prefix)
        language = content.language
        body = (
            environment()
            .get_template("display.html.j2")
            .render(
                language=language,
                t=lambda key, **params: t(language, key, **params),
                site=t(language, "web_page.site"),
                forum_name=content.name,
                base=f"/skarm/{token}",
                version=content.version,
                updated=content.updated,
                prefix=self.config.prefix,
                body=Markup(content.html),  # noqa: S704 - made by the autoescaping templates
            )
        )
        return answer(body)

    async def _live(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        found = await asyncio.to_thread(self.open_link, request.match_info["token"], False)
        if found is None or self._closing:
            return refused(self.config.prefix)
        link_id, forum_id = found
        content = await self.contents.current(forum_id)
        if link_id not in content.links:
            return refused(self.config.prefix)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # nginx: pass each event on at once
                "X-Content-Type-Options": "nosniff",
            }
        )
        await response.prepare(request)
        watcher = Watcher()
        self.contents.watch(forum_id, watcher)
        try:
            await response.write(b"retry: 2000\n\n" + content.event)
            sent = content.version
            while not self._closing:
                try:
                    await asyncio.wait_for(watcher.wake.wait(), HEARTBEAT_S)
                except TimeoutError:
                    await response.write(b": heartbeat\n\n")
                    self.contents.refresh_if_older(forum_id, REFRESH_S)
                    continue
                watcher.wake.clear()
                latest = watcher.latest
                if latest is None:
                    break  # the server is stopping
                if link_id not in latest.links:
                    await response.write(b"event: revoked\ndata: {}\n\n")
                    break
                if latest.version != sent:
                    await response.write(latest.event)
                    sent = latest.version
        except (ConnectionResetError, ConnectionError):
            pass  # the screen went away
        finally:
            self.contents.unwatch(forum_id, watcher)
        return response

    async def _content(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        token = request.match_info["token"]
        found = self._tokens.get(token)
        if found is None:
            found = await asyncio.to_thread(self.open_link, token, False)
        if found is None:
            return refused(self.config.prefix)
        link_id, forum_id = found
        content = await self.contents.current(forum_id)
        if link_id not in content.links:
            self._tokens.pop(token, None)
            return refused(self.config.prefix)
        if request.query.get("v") == content.version:
            return web.Response(status=HTTPStatus.NOT_MODIFIED, headers=HEADERS)
        return answer(content.payload, content_type="application/json")

    # -- in a thread: the database ---------------------------------------------------------

    def open_link(self, token: str, view: bool) -> tuple[int, int] | None:
        """The display link ``token`` names and its forum, or None (nothing changed). The
        link is noted as seen; a page ``view`` is audited too."""
        now = self.clock.now()
        with self.database.reading(_reading(now)) as store:
            secret = secret_of(store, self.config, now, create=False)
            if secret is None:
                return None
            signed = read(secret, DISPLAY_SALT, token, now, DISPLAY_MAX_AGE)
            if signed is None:
                return None
            link = store.web_links.display(signed.link_id, signed.key)
            if link is None or link.id is None or link.forum_id is None:
                return None
            maker = store.people.get(link.person_id)
            if maker is None:
                return None
            found = (link.id, link.forum_id)
            who = AuditContext(maker.platform, "web", maker.user_id, maker.display_name, now)
        with self.database.unit_of_work(who) as store:
            store.web_links.seen(found[0], now)
            if view:
                store.audit.record(
                    "web.page_view", found[1], page="/skarm", link=found[0], display=True
                )
        self._tokens[token] = found
        return found

    def render_forum(self, forum_id: int) -> Content:
        """The forum's display content now (one render, whatever the number of screens)."""
        now = self.clock.now()
        with self.database.reading(_reading(now)) as store:
            forum = store.forums.get(forum_id)
            if forum is None:
                return _gone(forum_id)
            links = frozenset(
                link.id for link in store.web_links.displays(forum_id) if link.id is not None
            )
            language = normalise_language(forum.language)
            zone = ZoneInfo(forum.timezone)
            sections = [
                *self.pages.sections(store, _SCREEN, forum, Role.OBSERVER, language, now),
                *self._extra_sections(store, forum, language, now, zone),
            ]
            facts = [
                (t(language, "web_page.level"), t(language, f"level.{forum.level}")),
                (t(language, "web_page.mode"), t(language, f"mode.{forum.mode}")),
            ]
            html = str(
                environment()
                .get_template("display_content.html.j2")
                .module.content(facts, sections)  # type: ignore[attr-defined]
            )
            return Content(
                forum_id=forum_id,
                version=hashlib.sha256(html.encode()).hexdigest()[:16],
                html=html,
                updated=t(language, "web_display_page.updated", time=format_clock(now, zone)),
                links=links,
                rendered_at=time.monotonic(),
                name=forum.name,
                language=language,
            ).ready()

    def _extra_sections(
        self, store: Store, forum: Forum, language: str, now: datetime, zone: ZoneInfo
    ) -> list[list[dict[str, Any]]]:
        """What a screen shows beyond the forum's page, so that a report and a publication
        show at once: who has not reported in the round (``!saknas`` as an observer sees it:
        organisations only) and the picture as last published."""
        extra = []
        command = self.pages.capabilities.commands.match(["saknas"])
        if command is not None:
            speaker = Speaker(_SCREEN.platform, _SCREEN.user_id, _SCREEN.display_name)
            req = Request(
                incoming=Incoming(_SCREEN.platform, "web", speaker, ""),
                command=command[0],
                args={},
                role=Role.OBSERVER,
                forum=forum,
                language=language,
                now=now,
                store=store,
                config=self.config,
                registry=self.pages.capabilities.commands,
            )
            with suppress(CommandError):  # no round yet: nothing to show of it
                extra.append(blocks_of(command[0].handler(req).document))
        latest = store.reports.latest_round_with_content(forum)
        published = store.reports.published(latest) if latest is not None else None
        if latest is not None and published is not None:
            picture = Picture.from_json(published.content)
            label = round_label(latest, zone, language)
            document = picture_document(picture, label, language, frame=False)
            extra.append(blocks_of(document))
        return extra


# -- helpers ---------------------------------------------------------------------------------


def _gone(forum_id: int) -> Content:
    return Content(forum_id, "gone", "", "", frozenset(), time.monotonic()).ready()

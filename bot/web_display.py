"""The display page for a staff-room screen: one forum's page, live, from a display link.

- ``GET /skarm/<token>``: the forum's page in large type — level, mode, then what the chat
  shows of it (``bot/web_pages.py``'s sections: the activation, its call-out and
  acknowledgements, the direction, joint messages, next meeting, open actions), read as an
  observer with no one's name, so nothing personal and no role line. No cookie: the token
  (``!webb skärm``, signed with its own salt) is the key; a wrong, tampered or revoked one
  gets the plain 403 page. Each page load is audited (``web.page_view``, done by the screen:
  "skärm (länk nr 3)", not by whoever made the link) and noted as the link's
  ``last_seen_at``; streams and polls note it too, at most every ``SEEN_EVERY_S``. Beyond the
  forum's page, while a round is in force (an activation, a meeting under way): who has not
  reported, in one paragraph, and the round's published picture; between rounds neither.
- ``GET /skarm.js``: the page's script (``display_script.js.j2``), apart from the page so
  that the pages' Content-Security-Policy (``script-src 'self'``) lets it run.
- ``GET /skarm/<token>/live``: server-sent events. At once the current content, then the new
  content whenever the forum changes (``storage/changes.py``: every committed unit of work
  that recorded audit events for the forum, in this process or — relayed by
  ``bot/change_listener.py`` — another), a comment every ``HEARTBEAT_S`` seconds. When the
  link is revoked the stream says so (``event: revoked``) and ends.
- ``GET /skarm/<token>/innehall?v=<version>``: the same content as JSON for the page's short
  poll (when a proxy strips the events); 304 when ``v`` is current, 403 once revoked. A
  token the poll remembers is checked in the database again after ``TOKEN_RECHECK_S``.

The content is rendered once per change of the forum, whatever the number of screens
(:class:`Contents`: a cache by forum, one render at a time per forum, shared by everyone
waiting for it); its version is a digest of the HTML, so an unchanged page is not re-sent.
The valid display links of the forum are read with it, which is how a revocation reaches
every screen within the same few seconds without a query per screen. A render that failed
leaves the forum marked changed, so the next poll or heartbeat renders it again; content
older than ``REFRESH_S`` is rendered again too (the page moves with the clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
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
from commands.core.document import Document
from commands.core.i18n import normalise_language, t
from commands.core.timefmt import format_time
from commands.core.web_tokens import DISPLAY_SALT, read
from commands.situation.picture import Picture, expected_organisations
from commands.situation.render import missing_rows, picture_document
from commands.situation.rounds import current_round, is_closed, round_label
from storage import AuditContext, Database, Store
from storage.models import Forum, ReportRound, Role

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

    def secret(self, now: datetime) -> str | None: ...


HEARTBEAT_S = 15.0
# A token checked once is trusted from memory for the poll at most this long, then read again.
TOKEN_RECHECK_S = 60.0
# A screen that keeps showing its page is noted as seen (``last_seen_at``) at most this often.
SEEN_EVERY_S = 300.0
# A forum's content is rendered again when a screen has waited this long without a change:
# what the page shows also moves with the clock (the next meeting, a deadline passed).
REFRESH_S = 60.0
# A display link lasts until revoked; its signature is refused after this in any case.
DISPLAY_MAX_AGE = timedelta(days=3650)
# The display reads the forum's commands as no one in particular: an observer, unnamed.
_SCREEN = Screen()
# The display's script, served apart (``GET /skarm.js``): the pages' Content-Security-Policy
# lets no inline script run.
SCRIPT_PATH = "/skarm.js"


def _reading(now: datetime) -> AuditContext:
    return AuditContext("web", "display", "display", "display", now)


@dataclass(frozen=True)
class Content:
    """A forum's display content at one moment, ready to send."""

    forum_id: int
    version: str
    html: str
    updated: str  # "Uppdaterad 2026-11-26 16:02"
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

    def cached(self, forum_id: int) -> Content | None:
        """The forum's content as last rendered, if any (stale or not)."""
        return self._cache.get(forum_id)

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
        except BaseException:
            # Not rendered: the change is still to show, so the next asker renders again.
            self._stale.add(forum_id)
            raise
        finally:
            self._rendering.pop(forum_id, None)
        self.renders += 1
        before = self._cache.get(forum_id)
        if before is not None and before.version == content.version:
            # The same page: keep its time ("Uppdaterad" says when it last changed).
            content = replace(before, links=content.links, rendered_at=content.rendered_at)
        self._cache[forum_id] = content

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
        """Render the forum again when its content is older than ``age`` seconds (or a render
        of it failed); the watching screens get it if it changed."""
        cached = self._cache.get(forum_id)
        if forum_id in self._stale or (
            cached is not None and time.monotonic() - cached.rendered_at > age
        ):
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


@dataclass(frozen=True)
class Opened:
    """A display link a token named: the link, its forum, and when it was checked."""

    link_id: int
    forum_id: int
    checked_at: float  # time.monotonic()


def script() -> str:
    """The display page's script (``bot/web/templates/display_script.js.j2``, served as is)."""
    env = environment()
    assert env.loader is not None
    source, _name, _uptodate = env.loader.get_source(env, "display_script.js.j2")
    return source


class WebDisplay:
    """The display page's routes, added by ``WebPages.add_routes``."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.database = pages.database
        self.clock = pages.clock
        self.config = pages.config
        self.contents = Contents(self.render_forum)
        self._tokens: dict[str, Opened] = {}  # checked tokens, re-checked now and then
        self._seen: dict[int, float] = {}  # link id → when last noted as seen (monotonic)
        self._unsubscribe: Callable[[], None] | None = None
        self._closing = False

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(SCRIPT_PATH, self._script)
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

    async def _script(self, _request: web.Request) -> web.StreamResponse:
        return answer(script(), content_type="text/javascript")

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        token = request.match_info["token"]
        found = await self._open(token, view=True)
        if found is None:
            return refused(self.config.prefix)
        content = await self.contents.current(found.forum_id)
        if found.link_id not in content.links:
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
                script=SCRIPT_PATH,
                version=content.version,
                updated=content.updated,
                prefix=self.config.prefix,
                body=Markup(content.html),  # noqa: S704 - made by the autoescaping templates
            )
        )
        return answer(body)

    async def _live(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        found = await self._open(request.match_info["token"], view=False)
        if found is None or self._closing:
            return refused(self.config.prefix)
        link_id, forum_id = found.link_id, found.forum_id
        # Watching before reading the content: a change made in between is pushed, not lost.
        watcher = Watcher()
        self.contents.watch(forum_id, watcher)
        try:
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
            await response.write(b"retry: 2000\n\n" + content.event)
            await self._stream(response, watcher, link_id, forum_id, content.version)
        except (ConnectionResetError, ConnectionError):
            pass  # the screen went away
        finally:
            self.contents.unwatch(forum_id, watcher)
        return response

    async def _stream(
        self, response: web.StreamResponse, watcher: Watcher, link_id: int, forum_id: int, sent: str
    ) -> None:
        """Send the forum's new content as it changes, until revoked or the server stops."""
        while not self._closing:
            try:
                await asyncio.wait_for(watcher.wake.wait(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                await self._note_seen(link_id)
                self.contents.refresh_if_older(forum_id, REFRESH_S)
                # A push missed for any reason: what this stream sent is not what is shown.
                latest = self.contents.cached(forum_id)
                if latest is None or latest.version == sent:
                    continue
            else:
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

    async def _content(self, request: web.Request) -> web.StreamResponse:
        self._listen()
        token = request.match_info["token"]
        found = self._tokens.get(token)
        if found is None or time.monotonic() - found.checked_at > TOKEN_RECHECK_S:
            found = await self._open(token, view=False)
        else:
            await self._note_seen(found.link_id)
        if found is None:
            return refused(self.config.prefix)
        self.contents.refresh_if_older(found.forum_id, REFRESH_S)
        content = await self.contents.current(found.forum_id)
        if found.link_id not in content.links:
            self._tokens.pop(token, None)
            return refused(self.config.prefix)
        if request.query.get("v") == content.version:
            return web.Response(status=HTTPStatus.NOT_MODIFIED, headers=HEADERS)
        return answer(content.payload, content_type="application/json")

    async def _open(self, token: str, *, view: bool) -> Opened | None:
        """The display link ``token`` names (checked in the database), or None."""
        due = view or self._seen_due(self._tokens.get(token))
        found = await asyncio.to_thread(self.open_link, token, view, due)
        if found is None:
            self._tokens.pop(token, None)
            return None
        opened = Opened(found[0], found[1], time.monotonic())
        self._tokens[token] = opened
        if due:
            self._seen[opened.link_id] = opened.checked_at
        return opened

    def _seen_due(self, opened: Opened | None) -> bool:
        if opened is None:
            return True
        noted = self._seen.get(opened.link_id)
        return noted is None or time.monotonic() - noted >= SEEN_EVERY_S

    async def _note_seen(self, link_id: int) -> None:
        """The screen still shows the page: note it, at most every ``SEEN_EVERY_S``."""
        noted = self._seen.get(link_id)
        now = time.monotonic()
        if noted is not None and now - noted < SEEN_EVERY_S:
            return
        self._seen[link_id] = now
        try:
            await asyncio.to_thread(self.note_seen, link_id)
        except Exception:  # a screen is not refused for a note not written
            log.exception("noting display link %s as seen failed", link_id)

    # -- in a thread: the database ---------------------------------------------------------

    def open_link(self, token: str, view: bool, seen: bool = True) -> tuple[int, int] | None:
        """The display link ``token`` names and its forum, or None (nothing changed). When
        ``seen``, the link is noted as seen; a page ``view`` is audited too, as done by the
        screen (``skärm (länk nr 3)``), not by whoever made the link."""
        now = self.clock.now()
        secret = self.pages.secret(now)  # read once per process, as the pages read it
        if secret is None:
            return None
        signed = read(secret, DISPLAY_SALT, token, now, DISPLAY_MAX_AGE)
        if signed is None:
            return None
        with self.database.reading(_reading(now)) as store:
            link = store.web_links.display(signed.link_id, signed.key)
            if link is None or link.id is None or link.forum_id is None:
                return None
            forum = store.forums.get(link.forum_id)
            if forum is None:
                return None
            found = (link.id, link.forum_id)
            language = normalise_language(forum.language)
        if seen or view:
            with self.database.unit_of_work(_screen(found[0], language, now)) as store:
                store.web_links.seen(found[0], now)
                if view:
                    store.audit.record(
                        "web.page_view", found[1], page="/skarm", link=found[0], display=True
                    )
        return found

    def note_seen(self, link_id: int) -> None:
        now = self.clock.now()
        with self.database.unit_of_work(_screen(link_id, "sv", now)) as store:
            store.web_links.seen(link_id, now)

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
                *self._round_sections(store, forum, language, now, zone),
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
                updated=t(language, "web_display_page.updated", time=format_time(now, zone)),
                links=links,
                rendered_at=time.monotonic(),
                name=forum.name,
                language=language,
            ).ready()

    def _round_sections(
        self, store: Store, forum: Forum, language: str, now: datetime, zone: ZoneInfo
    ) -> list[list[dict[str, Any]]]:
        """What a screen shows beyond the forum's page while a round is in force (an
        activation, or a meeting under way): who has not reported (organisations only, in
        one paragraph) and the round's picture as last published. Between rounds, neither:
        an ended activation's picture and the next meeting's missing list are not the
        room's situation."""
        target = round_in_force(store, forum, now, self.config.meeting_minutes)
        if target is None:
            return []
        label = round_label(target, zone, language)
        extra = [blocks_of(_missing_document(store, forum, target, label, language))]
        published = store.reports.published(target)
        if published is not None:
            picture = Picture.from_json(published.content)
            document = picture_document(picture, label, language, frame=False)
            extra.append(_without_missing(blocks_of(document), picture, language))
        return extra


# -- helpers ---------------------------------------------------------------------------------


def round_in_force(
    store: Store, forum: Forum, now: datetime, meeting_minutes: int
) -> ReportRound | None:
    """The round the room is working in now: the current activation's, or a meeting's while
    it is under way (opened with ``!möte start``, or its scheduled time come); else None."""
    found = current_round(store, forum, now, meeting_minutes)
    if found is None or is_closed(found, now):
        return None
    if store.activations.current(forum) is not None or store.meetings.open(forum) is not None:
        return found
    if found.meeting_at is not None and found.meeting_at <= now:
        return found
    return None


def _missing_document(
    store: Store, forum: Forum, target: ReportRound, label: str, language: str
) -> Document:
    """``!saknas`` as an observer sees it, compact: the missing organisations in one line."""
    reported = set(store.reports.latest_in_round(target))
    expected = expected_organisations(store, forum, target)
    waiting = expected - reported
    doc = Document().heading(t(language, "missing.title", forum=forum.name))
    doc.paragraph(t(language, "missing.round", round=label))
    if not expected:
        called = target.activation_id or target.rhythm_activation_id
        nobody = "members.nobody_called" if called else "members.nobody_expected"
        return doc.paragraph(t(language, nobody, forum=forum.name))
    if not waiting:
        return doc.paragraph(t(language, "missing.none", count=len(expected)))
    doc.paragraph(
        t(
            language,
            "missing.count",
            count=len(waiting),
            expected=len(expected),
            reported=len(expected & reported),
        )
    )
    rows = missing_rows(store, forum, waiting, language, mention=False)
    names = ", ".join("".join(str(getattr(part, "text", part)) for part in row) for row in rows)
    return doc.paragraph(names)


def _without_missing(
    blocks: list[dict[str, Any]], picture: Picture, language: str
) -> list[dict[str, Any]]:
    """The picture's blocks without its own "not reported" part: the screen's missing list,
    beside it, is the live one (the picture's is as of its publication)."""
    if not picture.missing:
        return blocks
    title = t(language, "picture.missing_title", count=len(picture.missing))
    out: list[dict[str, Any]] = []
    skip = False
    for block in blocks:
        if block["kind"] == "heading" and block["text"] == title:
            skip = True
        elif skip and block["kind"] == "heading":
            skip = False
        if not skip:
            out.append(block)
    return out


def _screen(link_id: int, language: str, now: datetime) -> AuditContext:
    """Who acts when a screen shows its page: the screen itself, named by its link."""
    name = t(language, "web_display_page.actor", number=link_id)
    return AuditContext("web", "skarm", f"skarm-{link_id}", name, now)


def _gone(forum_id: int) -> Content:
    return Content(forum_id, "gone", "", "", frozenset(), time.monotonic()).ready()

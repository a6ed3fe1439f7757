"""The web pages on the bot's HTTP server: who may see what, and a forum's page.

- ``GET /w/<token>``: a personal sign-in link from ``!webb`` (``commands/web_access.py``).
  A good one (signed, not used, not expired, not revoked) is used up, and the answer sets the
  session cookie (HttpOnly, SameSite=Strict, Secure when ``WEB_BASE_URL`` is https) and
  sends the browser on to the forum list. It does so with a page that refreshes to ``/``
  (and links there), not with a 303: a SameSite=Strict cookie is not sent on a redirect that
  a click in another site (the chat) began, so the list would refuse the person just signed
  in. Anything else gets the plain 403 page and changes nothing.
- ``GET /``: the forums the session covers. ``GET /forum/<slug>``: one forum's page — its
  name, level, mode and the person's role there, then what the chat shows of it, through the
  chat's own read-only commands (``!status``: the activation, its call-out and
  acknowledgements; ``!inriktning`` when a direction is in force; ``!budskap`` when joint
  messages are agreed; ``!nästa``; ``!åtgärder``), so the page and the chat never disagree.
  A forum the session does not cover: 403.

Every page shown is audited (``web.page_view``: who, which page, when). Pages are rendered
with Jinja2 (autoescaped, the exports' settings and filters) from ``bot/web/templates``; no
JavaScript. Database work runs in a thread, as ``/readyz``'s does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.web_archive import WebArchive
from bot.web_display import WebDisplay
from bot.web_html import (
    HEADERS,
    READER,
    answer,
    blocks_of,
    person_context,
    refused,
    render,
    unavailable,
)
from commands import CAPABILITIES
from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.errors import CommandError
from commands.core.i18n import normalise_language, t
from commands.core.messages import Incoming, Speaker
from commands.core.request import Request
from commands.core.roles import resolve_role
from commands.core.timefmt import format_time
from commands.core.web_tokens import COOKIE, LINK_SALT, SESSION_SALT, Signed, read, secret_of, sign
from storage import AuditContext, Database, Store
from storage.models import Forum, Person, Role
from storage.web_links import PERSONAL

log = logging.getLogger(__name__)

# The chat's read-only commands whose answers make up a forum's page, in order, each with
# whether it shows for this forum now (None: always).
SECTIONS: tuple[tuple[str, str | None], ...] = (
    ("status", None),
    ("inriktning", "direction"),
    ("budskap", "joint_messages"),
    ("nästa", None),
    ("åtgärder", None),
)
# A link's signature older than this is refused whatever its row says (the row's own
# expiry, WEB_LINK_MINUTES, is the one that counts; this bounds a token's life in any case).
LINK_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Who:
    """A person, as read (plain values: the rows are gone with their transaction)."""

    platform: str
    user_id: str
    display_name: str

    @classmethod
    def of(cls, person: Person) -> Who:
        return cls(person.platform, person.user_id, person.display_name)


@dataclass(frozen=True)
class Signer:
    """A valid session: the link that opened it (its id, forums, end) and its person."""

    link_id: int
    forums: dict[str, str]
    until: datetime
    person: Who


class WebPages:
    """The pages' routes, added to the HTTP server's application by ``add_routes``."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        capabilities: Capabilities = CAPABILITIES,
    ) -> None:
        self.database = database
        self.clock = clock
        self.config = config
        self.capabilities = capabilities
        self.secure = config.web_base_url.startswith("https://")
        self._secret: str | None = config.web_secret or None  # once known, kept

    def add_routes(self, app: web.Application) -> None:
        app.middlewares.append(unavailable_when_the_database_is)
        app.router.add_get("/w/{token}", self._link_page)
        app.router.add_post("/w/{token}", self._sign_in)
        app.router.add_post("/logga-ut", self._sign_out)
        app.router.add_get("/", self._forums)
        app.router.add_get("/forum/{slug}", self._forum)
        WebDisplay(self).add_routes(app)
        WebArchive(self).add_routes(app)

    # -- handlers ------------------------------------------------------------------------------

    async def _link_page(self, request: web.Request) -> web.StreamResponse:
        """A sign-in link opened: a page with a button that signs in (a POST), so that nothing
        that merely fetches the link (a chat's link preview, a mail scanner) uses it up. Opened
        again by someone signed in already (a reload, Back): on to their forums."""
        token = request.match_info["token"]
        fresh = await asyncio.to_thread(self.link_is_fresh, token)
        if not fresh:
            signed_in = await asyncio.to_thread(self.session, _cookie(request), self.clock.now())
            if signed_in is not None:
                return _see_other("/")
            return refused(self.config.prefix)
        language = normalise_language(self.config.default_language)
        body = render(
            "sign_in.html.j2",
            language=language,
            t=_t(language),
            site=t(language, "web_page.site"),
            action=f"/w/{token}",
            hours=self.config.web_session_hours,
        )
        return answer(body)

    async def _sign_in(self, request: web.Request) -> web.StreamResponse:
        """The button pressed: the link used up, the session cookie set (HttpOnly,
        SameSite=Strict, Secure behind https), and on to the forum list with a 303 — a
        redirect our own page began, so the Strict cookie goes with it."""
        if not _same_origin(request, self.config.web_base_url):
            return refused(self.config.prefix)
        cookie = await asyncio.to_thread(self.sign_in, request.match_info["token"])
        if cookie is None:
            return refused(self.config.prefix)
        response = _see_other("/")
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=self.config.web_session_hours * 3600,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.secure,
        )
        return response

    async def _sign_out(self, request: web.Request) -> web.StreamResponse:
        """The session ended (its link revoked, so the cookie opens nothing any more, here or
        in another copy of it) and the cookie removed. Signed out already: the same page."""
        if not _same_origin(request, self.config.web_base_url):
            return refused(self.config.prefix)
        await asyncio.to_thread(self.sign_out, _cookie(request))
        language = normalise_language(self.config.default_language)
        body = render(
            "signed_out.html.j2",
            language=language,
            t=_t(language),
            site=t(language, "web_page.site"),
            prefix=self.config.prefix,
        )
        response = answer(body)
        response.del_cookie(COOKIE, path="/")
        return response

    async def _forums(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self.forum_list, _cookie(request))
        return refused(self.config.prefix) if body is None else answer(body)

    async def _forum(self, request: web.Request) -> web.Response:
        found = await asyncio.to_thread(
            self.forum_page, _cookie(request), request.match_info["slug"]
        )
        if found is None:
            return refused(self.config.prefix)
        return answer(*found)

    # -- in a thread: the database -------------------------------------------------------------

    def link_is_fresh(self, token: str) -> bool:
        """Whether ``token`` names a link that would sign in now (nothing is changed)."""
        now = self.clock.now()
        found = self._link(token, now)
        if found is None:
            return False
        signed = found[0]
        with self.database.reading(READER) as store:
            link = store.web_links.get(signed.link_id)
            return (
                link is not None
                and link.kind == PERSONAL
                and link.used_at is None
                and link.revoked_at is None
                and _aware(link.expires_at) > now
            )

    def sign_in(self, token: str) -> str | None:
        """Use the link ``token`` names: the session cookie's value, or None (nothing changed)."""
        now = self.clock.now()
        found = self._link(token, now)
        if found is None:
            return None
        signed, person, secret = found
        until = now + timedelta(hours=self.config.web_session_hours)
        with self.database.unit_of_work(_context(person, now)) as store:
            key = store.web_links.redeem(signed.link_id, signed.key, now, until)
            if key is None:
                return None
            store.audit.record("web.signed_in", None, link=signed.link_id)
        return sign(secret, SESSION_SALT, Signed(signed.link_id, key), now)

    def sign_out(self, cookie: str) -> None:
        now = self.clock.now()
        signer = self.session(cookie, now)
        if signer is None:
            return
        with self.database.unit_of_work(_context(signer.person, now)) as store:
            link = store.web_links.get(signer.link_id)
            if link is not None and link.revoked_at is None:
                store.web_links.revoke(link, now)
                store.audit.record("web.signed_out", None, link=signer.link_id)

    def forum_list(self, cookie: str) -> str | None:
        now = self.clock.now()
        signer = self.session(cookie, now)
        if signer is None:
            return None
        language = normalise_language(self.config.default_language)
        with self.database.reading(_context(signer.person, now)) as store:
            forums = self.covered(store, signer)
            rows = [
                {"name": forum.name, "slug": forum.slug, "role": t(language, f"role.{role}")}
                for forum, role in forums.values()
            ]
        self._viewed(signer, None, "/", now)
        return render(
            "forums.html.j2",
            language=language,
            t=_t(language),
            site=t(language, "web_page.site"),
            signout=True,
            intro=t(
                language,
                "web_page.forums_intro",
                name=signer.person.display_name,
                until=format_time(signer.until, ZoneInfo(self.config.timezone)),
            ),
            forums=sorted(rows, key=lambda row: row["name"]),
        )

    def forum_page(self, cookie: str, slug: str) -> tuple[str, int] | None:
        """The forum's page and its status; a signed-in person's forum not covered (or not
        there) gets a 403 page saying so with the way back; no session: None (plain 403)."""
        now = self.clock.now()
        signer = self.session(cookie, now)
        if signer is None:
            return None
        with self.database.reading(_context(signer.person, now)) as store:
            covered = {
                forum.slug: (forum, role) for forum, role in self.covered(store, signer).values()
            }
            if slug not in covered:
                return self._not_covered(), HTTPStatus.FORBIDDEN
            forum, role = covered[slug]
            forum_id = forum.id
            language = normalise_language(forum.language)
            sections = self.sections(store, signer.person, forum, role, language, now)
            body = render(
                "forum.html.j2",
                language=language,
                t=_t(language),
                site=t(language, "web_page.site"),
                signout=True,
                crumbs_label=t(language, "web_archive.breadcrumbs"),
                crumbs=[(t(language, "web_page.back"), "/"), (forum.name, f"/forum/{slug}")],
                current=f"/forum/{slug}",
                forum=forum,
                facts=[
                    (t(language, "web_page.level"), t(language, f"level.{forum.level}")),
                    (t(language, "web_page.your_role"), t(language, f"role.{role}")),
                ],
                sections=sections,
            )
        self._viewed(signer, forum_id, f"/forum/{slug}", now)
        return body, HTTPStatus.OK

    def covered(self, store: Store, signer: Signer) -> dict[int, tuple[Forum, Role]]:
        """The forums the session covers that still exist, each with the person's role there
        now (``roles.resolve_role``, as the chat decides it): a forum where they held a role
        when they signed in and hold none any more (an ersättare removed, a grant taken back)
        is covered no longer, from their next page on."""
        speaker = Speaker(signer.person.platform, signer.person.user_id, signer.person.display_name)
        found: dict[int, tuple[Forum, Role]] = {}
        forums = store.forums.by_ids([int(forum_id) for forum_id in signer.forums])
        for forum in forums:
            assert forum.id is not None
            then = Role(signer.forums[str(forum.id)])
            now = resolve_role(store, forum, speaker, self.config)
            if now is Role.NONE and then is not Role.NONE:
                continue
            found[forum.id] = (forum, now)
        return found

    def _viewed(self, signer: Signer, forum_id: int | None, page: str, now: datetime) -> None:
        """The page view in the audit log: a unit of work of its own, the page having been
        read in one whose changes are thrown away (a GET changes nothing else)."""
        with self.database.unit_of_work(_context(signer.person, now)) as store:
            store.audit.record("web.page_view", forum_id, page=page, link=signer.link_id)

    def _not_covered(self) -> str:
        language = normalise_language(self.config.default_language)
        return render(
            "not_covered.html.j2",
            language=language,
            t=_t(language),
            site=t(language, "web_page.site"),
            signout=True,
            prefix=self.config.prefix,
        )

    def sections(
        self, store: Store, person: Who, forum: Forum, role: Role, language: str, now: datetime
    ) -> list[list[dict[str, Any]]]:
        """The chat's answers to its read-only commands about ``forum``, as the person."""
        shown = {
            "direction": store.directions.in_force_for(forum, now) is not None,
            "joint_messages": bool(store.joint_messages.agreed(forum)),
        }
        sections = []
        for name, condition in SECTIONS:
            if condition is not None and not shown[condition]:
                continue
            found = self.capabilities.commands.match([name])
            if found is None:
                continue
            command = found[0]
            speaker = Speaker(person.platform, person.user_id, person.display_name)
            req = Request(
                incoming=Incoming(person.platform, "web", speaker, ""),
                command=command,
                args={},
                role=role,
                forum=forum,
                language=language,
                now=now,
                store=store,
                config=self.config,
                registry=self.capabilities.commands,
            )
            try:
                reply = command.handler(req)
            except CommandError:
                continue  # nothing to show of it here
            sections.append(blocks_of(reply.document))
        return sections

    def secret(self, now: datetime) -> str | None:
        """The signing secret: ``WEB_SECRET``, or the database's, read once and kept (so that
        a made-up token costs no query); None while no link was ever made."""
        if self._secret is None:
            with self.database.reading(READER) as store:
                self._secret = secret_of(store, self.config, now, create=False)
        return self._secret

    def _link(self, token: str, now: datetime) -> tuple[Signed, Who, str] | None:
        secret = self.secret(now)
        if secret is None:
            return None
        signed = read(secret, LINK_SALT, token, now, LINK_MAX_AGE)
        if signed is None:
            return None
        with self.database.reading(READER) as store:
            link = store.web_links.get(signed.link_id)
            if link is None or link.nonce != signed.key:
                return None
            person = store.people.get(link.person_id)
            return None if person is None else (signed, Who.of(person), secret)

    def session(self, cookie: str, now: datetime) -> Signer | None:
        if not cookie:
            return None
        max_age = timedelta(hours=self.config.web_session_hours)
        secret = self.secret(now)
        if secret is None:
            return None
        signed = read(secret, SESSION_SALT, cookie, now, max_age)
        if signed is None:
            return None
        with self.database.reading(READER) as store:
            link = store.web_links.session(signed.link_id, signed.key, now)
            if link is None:
                return None
            person = store.people.get(link.person_id)
            if person is None or link.id is None or link.session_until is None:
                return None
            return Signer(link.id, dict(link.forums), link.session_until, Who.of(person))


# -- helpers ---------------------------------------------------------------------------------


def _context(person: Who, now: datetime) -> AuditContext:
    return person_context(person.platform, person.user_id, person.display_name, now)


def _see_other(location: str) -> web.Response:
    """A 303 to ``location`` (after a POST, or for a link used already by this browser)."""
    return web.Response(status=HTTPStatus.SEE_OTHER, headers={**HEADERS, "Location": location})


def _cookie(request: web.Request) -> str:
    return request.cookies.get(COOKIE, "")


def _same_origin(request: web.Request, base_url: str) -> bool:
    """A form posted from our own pages: its ``Origin`` (browsers send it with a POST) is the
    pages' address (``WEB_BASE_URL``, what a proxy's users see) or the host asked. Without
    one (an old browser), the SameSite=Strict cookie is the guard."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc in (request.host, urlsplit(base_url).netloc)


def _aware(moment: datetime) -> datetime:
    """A stored instant with its offset (SQLite gives them back naive, in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@web.middleware
async def unavailable_when_the_database_is(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The database away (a restart, a failover): a plain 503 page in both languages that
    says to try again shortly, not aiohttp's bare 500."""
    try:
        return await handler(request)
    except (OperationalError, InterfaceError, PoolTimeout) as error:
        log.warning("a web page could not be read from the database: %s", type(error).__name__)
        return unavailable()


def _t(language: str) -> Any:
    return lambda key, **params: t(language, key, **params)

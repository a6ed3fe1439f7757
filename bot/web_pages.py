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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.web_archive import WebArchive
from bot.web_display import WebDisplay
from bot.web_html import answer, blocks_of, refused, render
from commands import CAPABILITIES
from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.errors import CommandError
from commands.core.i18n import normalise_language, t
from commands.core.messages import Incoming, Speaker
from commands.core.request import Request
from commands.core.timefmt import format_time
from commands.core.web_tokens import COOKIE, LINK_SALT, SESSION_SALT, Signed, read, secret_of, sign
from storage import AuditContext, Database, Store
from storage.models import Forum, Person, Role

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

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/w/{token}", self._sign_in)
        app.router.add_get("/", self._forums)
        app.router.add_get("/forum/{slug}", self._forum)
        WebDisplay(self).add_routes(app)
        WebArchive(self).add_routes(app)

    # -- handlers ------------------------------------------------------------------------------

    async def _sign_in(self, request: web.Request) -> web.Response:
        cookie = await asyncio.to_thread(self.sign_in, request.match_info["token"])
        if cookie is None:
            return refused(self.config.prefix)
        language = normalise_language(self.config.default_language)
        body = render(
            "signed_in.html.j2",
            language=language,
            t=_t(language),
            site=t(language, "web_page.site"),
        )
        response = answer(body)
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

    async def _forums(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self.forum_list, request.cookies.get(COOKIE, ""))
        return refused(self.config.prefix) if body is None else answer(body)

    async def _forum(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(
            self.forum_page, request.cookies.get(COOKIE, ""), request.match_info["slug"]
        )
        return refused(self.config.prefix) if body is None else answer(body)

    # -- in a thread: the database -------------------------------------------------------------

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

    def forum_list(self, cookie: str) -> str | None:
        now = self.clock.now()
        signer = self.session(cookie, now)
        if signer is None:
            return None
        language = normalise_language(self.config.default_language)
        with self.database.unit_of_work(_context(signer.person, now)) as store:
            forums = _covered(store, signer.forums)
            store.audit.record("web.page_view", None, page="/", link=signer.link_id)
            until = signer.until
            rows = [
                {"name": forum.name, "slug": forum.slug, "role": t(language, f"role.{role}")}
                for forum, role in forums.values()
            ]
            return render(
                "forums.html.j2",
                language=language,
                t=_t(language),
                site=t(language, "web_page.site"),
                intro=t(
                    language,
                    "web_page.forums_intro",
                    name=signer.person.display_name,
                    until=format_time(until, _zone(self.config.timezone)),
                ),
                forums=sorted(rows, key=lambda row: row["name"]),
            )

    def forum_page(self, cookie: str, slug: str) -> str | None:
        now = self.clock.now()
        signer = self.session(cookie, now)
        if signer is None:
            return None
        with self.database.unit_of_work(_context(signer.person, now)) as store:
            covered = {
                forum.slug: (forum, role) for forum, role in _covered(store, signer.forums).values()
            }
            if slug not in covered:
                return None
            forum, role = covered[slug]
            language = normalise_language(forum.language)
            store.audit.record(
                "web.page_view", forum.id, page=f"/forum/{slug}", link=signer.link_id
            )
            sections = self.sections(store, signer.person, forum, role, language, now)
            return render(
                "forum.html.j2",
                language=language,
                t=_t(language),
                site=t(language, "web_page.site"),
                forum=forum,
                facts=[
                    (t(language, "web_page.level"), t(language, f"level.{forum.level}")),
                    (t(language, "web_page.mode"), t(language, f"mode.{forum.mode}")),
                    (t(language, "web_page.your_role"), t(language, f"role.{role}")),
                ],
                sections=sections,
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

    def _link(self, token: str, now: datetime) -> tuple[Signed, Who, str] | None:
        with self.database.reading(_WEB) as store:
            secret = secret_of(store, self.config, now, create=False)
            if secret is None:
                return None
            signed = read(secret, LINK_SALT, token, now, LINK_MAX_AGE)
            if signed is None:
                return None
            link = store.web_links.get(signed.link_id)
            if link is None or link.nonce != signed.key:
                return None
            person = store.people.get(link.person_id)
            return None if person is None else (signed, Who.of(person), secret)

    def session(self, cookie: str, now: datetime) -> Signer | None:
        if not cookie:
            return None
        max_age = timedelta(hours=self.config.web_session_hours)
        with self.database.reading(_WEB) as store:
            secret = secret_of(store, self.config, now, create=False)
            if secret is None:
                return None
            signed = read(secret, SESSION_SALT, cookie, now, max_age)
            if signed is None:
                return None
            link = store.web_links.session(signed.link_id, signed.key, now)
            if link is None:
                return None
            person = store.people.get(link.person_id)
            if person is None or link.id is None or link.session_until is None:
                return None
            return Signer(link.id, dict(link.forums), link.session_until, Who.of(person))


# -- helpers ---------------------------------------------------------------------------------

_WEB = AuditContext("web", "", "web", "web", datetime.min)


def _context(person: Who, now: datetime) -> AuditContext:
    return AuditContext(person.platform, "web", person.user_id, person.display_name, now)


def _covered(store: Store, forums: dict[str, str]) -> dict[int, tuple[Forum, Role]]:
    """The forums a link covers that still exist, with the role it was given for each."""
    found: dict[int, tuple[Forum, Role]] = {}
    for forum_id, role in forums.items():
        forum = store.forums.get(int(forum_id))
        if forum is not None and forum.id is not None:
            found[forum.id] = (forum, Role(role))
    return found


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _t(language: str) -> Any:
    return lambda key, **params: t(language, key, **params)

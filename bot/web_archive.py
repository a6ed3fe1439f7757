"""The web pages' archive: what a forum has kept, read in the browser, as the exports write it.

For a signed-in session (``bot/web_pages.py``: the same cookie, the same forums):

- ``GET /forum/<slug>/arkiv``: the archive list, newest first: each meeting's minutes, each
  published version of the joint situation picture, each direction, each activation's
  record, and the forum's statistics for the year; each with its date in the forum's zone.
- ``GET /forum/<slug>/lagesbild``: the round's picture as it stands (the round the picture
  export chooses), what changed since its latest published version marked, and the list of
  its published versions. ``GET /forum/<slug>/lagesbild/<round>/<version>``: one published
  version, what changed since the version before it marked.
- ``GET /forum/<slug>/minnesanteckningar/<meeting number>``, ``/efterhand/<activation>``,
  ``/inriktning/<direction number>``, ``/statistik``: the minutes, the record (with its
  charts), the direction, the statistics.

The content is the exports' (``bot/export``): their loaders read it, their views word it, and
their templates' ``*_body.html.j2`` macros lay it out inside the web layout (``base.html.j2``
with breadcrumbs), so a page and its export never disagree. What changed between two
versions of the picture is marked per organisation: a line "Ändrat sedan version 2" (read
out by a screen reader, not colour alone) and each changed field in ``<ins>`` with the
previous value beside it in ``<del>``.

A forum the session does not cover: the plain 403 page. A meeting, version, activation or
direction the forum does not have: a 404 page in the forum's language. Every page shown is
audited (``web.page_view`` with its path). Database work runs in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel import col, select

from bot.export.direction_export import direction_view
from bot.export.minutes_export import minutes_view
from bot.export.picture_export import PictureView, picture_view
from bot.export.record_export import record_view
from bot.export.source import (
    DirectionQuery,
    ExportError,
    MinutesQuery,
    PictureQuery,
    RecordQuery,
    StatisticsQuery,
    load_direction,
    load_minutes,
    load_picture,
    load_record,
    load_statistics,
    picture_exercise,
)
from bot.export.statistics_export import statistics_view
from bot.web_html import answer, refused, render
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.i18n import normalise_language, t
from commands.core.timefmt import format_time, local
from commands.core.web_tokens import COOKIE
from storage import AuditContext, Database, Store
from storage.models import Activation, Forum, Meeting, PublishedPicture, ReportRound


class _Person(Protocol):
    @property
    def platform(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...


class _Signer(Protocol):
    @property
    def link_id(self) -> int: ...
    @property
    def forums(self) -> dict[str, str]: ...
    @property
    def person(self) -> _Person: ...


class Pages(Protocol):
    """What the archive takes of ``bot.web_pages.WebPages``: its database, clock, settings
    and its session check (the archive is its part, so it imports nothing of it)."""

    database: Database
    clock: Clock
    config: CoreConfig

    def session(self, cookie: str, now: datetime) -> _Signer | None: ...


class Missing(Exception):
    """The page names something the forum does not have: 404."""


@dataclass(frozen=True)
class Place:
    """The forum a page is of, as read (plain values: the row is gone with its session)."""

    id: int
    slug: str
    name: str
    language: str
    zone: ZoneInfo

    @classmethod
    def of(cls, forum: Forum) -> Place:
        assert forum.id is not None
        return cls(
            forum.id,
            forum.slug,
            forum.name,
            normalise_language(forum.language),
            ZoneInfo(forum.timezone),
        )

    def href(self, *parts: object) -> str:
        return "/".join((f"/forum/{self.slug}", *(str(part) for part in parts)))


@dataclass(frozen=True)
class Shown:
    """A page to render: its template, its last breadcrumb, and the template's values."""

    template: str
    crumb: str
    values: dict[str, Any]
    via_archive: bool = True  # the breadcrumbs pass through the archive


Builder = Callable[[Place, dict[str, str], datetime], Shown]


class WebArchive:
    """The archive's routes, added by ``WebPages.add_routes``."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    def add_routes(self, app: web.Application) -> None:
        routes: dict[str, Builder] = {
            "/forum/{slug}/arkiv": self.archive,
            "/forum/{slug}/lagesbild": self.picture,
            "/forum/{slug}/lagesbild/{round}/{version}": self.picture_version,
            "/forum/{slug}/minnesanteckningar/{number}": self.minutes,
            "/forum/{slug}/efterhand/{number}": self.record,
            "/forum/{slug}/inriktning/{number}": self.direction,
            "/forum/{slug}/statistik": self.statistics,
        }
        for path, builder in routes.items():
            app.router.add_get(path, self._handler(builder))
        app.middlewares.append(self._unknown_page)

    @web.middleware
    async def _unknown_page(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """A path under a forum that no route knows (``/forum/<slug>/finns-inte``): the 404
        page in the forum's language when the session covers it, else the 403 page. A
        middleware, not a catch-all route, so that it shadows no route added later."""
        try:
            return await handler(request)
        except web.HTTPNotFound:
            parts = request.path.split("/")
            if request.method != "GET" or len(parts) < 4 or parts[1] != "forum":
                raise
            found = await asyncio.to_thread(
                self.page,
                request.cookies.get(COOKIE, ""),
                {"slug": parts[2]},
                request.path,
                _unknown,
            )
            return refused(self.pages.config.prefix) if found is None else answer(*found)

    def _handler(self, builder: Builder) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            found = await asyncio.to_thread(
                self.page,
                request.cookies.get(COOKIE, ""),
                dict(request.match_info),
                request.path,
                builder,
            )
            return refused(self.pages.config.prefix) if found is None else answer(*found)

        return handle

    # -- in a thread: the database -----------------------------------------------------------

    def page(
        self, cookie: str, match: dict[str, str], path: str, builder: Builder
    ) -> tuple[str, int] | None:
        """The page's HTML and status; None (403) when the session does not cover the forum."""
        now = self.pages.clock.now()
        signer = self.pages.session(cookie, now)
        if signer is None:
            return None
        context = AuditContext(
            signer.person.platform, "web", signer.person.user_id, signer.person.display_name, now
        )
        with self.pages.database.reading(context) as store:
            place = _covered(store, signer.forums, match["slug"])
        if place is None:
            return None
        try:
            shown = builder(place, match, now)
        except (Missing, ExportError):
            return self._not_found(place), HTTPStatus.NOT_FOUND
        with self.pages.database.unit_of_work(context) as store:
            store.audit.record("web.page_view", place.id, page=path, link=signer.link_id)
        return self._render(place, shown, path), HTTPStatus.OK

    def _render(self, place: Place, shown: Shown, path: str) -> str:
        language = place.language
        crumbs = [(t(language, "web_page.back"), "/"), (place.name, place.href())]
        if shown.via_archive:
            crumbs.append((t(language, "web_archive.archive_link"), place.href("arkiv")))
        if crumbs[-1][1] != path:
            crumbs.append((shown.crumb, path))
        return render(
            shown.template,
            **_common(place),
            crumbs=crumbs,
            current=path,
            **shown.values,
        )

    def _not_found(self, place: Place) -> str:
        return render(
            "not_found.html.j2",
            **_common(place),
            crumbs=[
                (t(place.language, "web_page.back"), "/"),
                (place.name, place.href()),
                (t(place.language, "web_archive.archive_link"), place.href("arkiv")),
            ],
            current=None,
        )

    # -- the pages ---------------------------------------------------------------------------

    def archive(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        language = place.language
        with self.pages.database.reading(_READER) as store:
            forum = store.forums.get(place.id)
            assert forum is not None
            entries = _entries(store, forum, place)
        year = local(now, place.zone).year
        return Shown(
            "archive.html.j2",
            t(language, "web_archive.archive_link"),
            {
                "title": t(language, "web_archive.archive_title", forum=place.name),
                "intro": t(
                    language, "web_archive.archive_intro", forum=place.name, zone=place.zone.key
                ),
                "statistics": (
                    place.href("statistik"),
                    t(language, "web_archive.statistics_link", year=year),
                ),
                "picture": (place.href("lagesbild"), t(language, "web_archive.picture_link")),
                "entries": sorted(entries, key=lambda entry: entry["at"], reverse=True),
            },
        )

    def picture(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        minutes = self.pages.config.meeting_minutes
        live = load_picture(self.pages.database, PictureQuery(place.slug), now, minutes)
        by = t(place.language, "web_archive.compiled_by")
        live = replace(live, picture=replace(live.picture, compiled_by=by))
        view = picture_view(live)
        number = live.picture.round_number
        versions = self._versions(place, number)
        values: dict[str, Any] = {"view": view, "changes": None, "compared": None}
        if versions:
            latest = versions[0][0]
            earlier = self._version(place, number, latest, now)
            values["changes"] = changes(view, earlier, latest, place.language)
            values["compared"] = _compared(values["changes"], "compared_live", latest, place)
        values["versions"] = self._version_links(place, number, versions)
        values["versions_title"] = t(place.language, "web_archive.versions_title", round=number)
        return Shown(
            "picture.html.j2", t(place.language, "web_archive.picture_link"), values, False
        )

    def picture_version(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number, version = _number(match["round"]), _number(match["version"])
        view = self._version(place, number, version, now)
        values: dict[str, Any] = {"view": view, "changes": None, "compared": None}
        if version > 1:
            earlier = self._version(place, number, version - 1, now)
            values["changes"] = changes(view, earlier, version - 1, place.language)
            values["compared"] = _compared(
                values["changes"], "compared_version", version - 1, place
            )
        values["versions"] = self._version_links(place, number, self._versions(place, number))
        values["versions_title"] = t(place.language, "web_archive.versions_title", round=number)
        crumb = t(place.language, "web_archive.entry_picture", round=number, version=version)
        return Shown("picture.html.j2", crumb, values)

    def minutes(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number = _number(match["number"])
        exported = load_minutes(self.pages.database, MinutesQuery(place.slug, number), now)
        view = minutes_view(exported.minutes, exported.language)
        crumb = t(place.language, "web_archive.minutes_crumb", number=number)
        return Shown("minutes.html.j2", crumb, {"view": view})

    def record(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number = _number(match["number"])
        recall = self.pages.config.activation_recall_minutes
        exported = load_record(self.pages.database, RecordQuery(place.slug, number), now, recall)
        view = record_view(
            exported.record,
            exported.timezone,
            exported.language,
            now,
            charts=True,
            exercise=exported.exercise,
        )
        crumb = t(place.language, "web_archive.record_crumb", number=number)
        return Shown("record.html.j2", crumb, {"view": view})

    def direction(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number = _number(match["number"])
        with self.pages.database.reading(_READER) as store:
            found = store.directions.by_number(number)
            if found is None or place.id not in (found.forum_id, found.presented_to_id):
                raise Missing(number)
        exported = load_direction(
            self.pages.database, DirectionQuery(number, language=place.language), now
        )
        view = direction_view(exported.record, exported.language)
        crumb = t(place.language, "web_archive.direction_crumb", number=number)
        return Shown("direction.html.j2", crumb, {"view": view})

    def statistics(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        year = str(local(now, place.zone).year)
        exported = load_statistics(self.pages.database, StatisticsQuery(place.slug, year), now)
        view = statistics_view(
            exported.statistics, exported.zone, exported.language, exported.compiled_at, True
        )
        crumb = t(place.language, "web_archive.statistics_crumb")
        return Shown("statistics.html.j2", crumb, {"view": view})

    # -- the picture's versions --------------------------------------------------------------

    def _versions(self, place: Place, number: int) -> list[tuple[int, datetime]]:
        """The round's published versions, newest first, with when each was published."""
        with self.pages.database.reading(_READER) as store:
            rows = store.session.exec(
                select(PublishedPicture.version, PublishedPicture.published_at)
                .join(ReportRound, col(PublishedPicture.round_id) == col(ReportRound.id))
                .where(ReportRound.forum_id == place.id, ReportRound.number == number)
                .order_by(col(PublishedPicture.version).desc())
            ).all()
            return [(version, at) for version, at in rows]

    def _version(self, place: Place, number: int, version: int, now: datetime) -> PictureView:
        query = PictureQuery(place.slug, round_number=number, version=version)
        minutes = self.pages.config.meeting_minutes
        return picture_view(load_picture(self.pages.database, query, now, minutes))

    def _version_links(
        self, place: Place, number: int, versions: list[tuple[int, datetime]]
    ) -> list[tuple[str, str]]:
        language = place.language
        links = [(place.href("lagesbild"), t(language, "web_archive.live_entry"))]
        links += [
            (
                place.href("lagesbild", number, version),
                t(
                    language,
                    "web_archive.version_entry",
                    version=version,
                    time=format_time(at, place.zone),
                ),
            )
            for version, at in versions
        ]
        return links


# -- what changed ----------------------------------------------------------------------------


def changes(
    view: PictureView, earlier: PictureView, version: int, language: str
) -> dict[str, dict[str, Any]]:
    """Per organisation, what changed in ``view`` since ``earlier`` (version ``version``):
    its note, its changed fields with their previous value ("" when new), and the fields
    it no longer reports; an organisation whose fields are all as they were is left out."""
    before = {section.organisation: dict(section.fields) for section in earlier.sections}
    found: dict[str, dict[str, Any]] = {}
    for section in view.sections:
        previous = before.get(section.organisation)
        removed: list[tuple[str, str]] = []
        if previous is None:
            fields = {label: "" for label, _ in section.fields}
            note = t(language, "web_archive.new_since", version=version)
        else:
            fields = {
                label: previous.get(label, "")
                for label, value in section.fields
                if previous.get(label) != value
            }
            now = dict(section.fields)
            removed = [(label, value) for label, value in previous.items() if label not in now]
            note = t(language, "web_archive.changed_since", version=version)
        if fields or removed:
            found[section.organisation] = {
                "note": note,
                "before": t(language, "web_archive.before"),
                "fields": fields,
                "removed": removed,
            }
    return found


def _compared(found: dict[str, Any], key: str, version: int, place: Place) -> str:
    if not found:
        return t(place.language, "web_archive.unchanged", version=version)
    return t(place.language, f"web_archive.{key}", version=version)


# -- the archive's entries ---------------------------------------------------------------------


def _entries(store: Store, forum: Forum, place: Place) -> list[dict[str, Any]]:
    """Every meeting, published picture, direction and activation of the forum."""
    language = place.language
    entries: list[dict[str, Any]] = []

    def add(at: datetime, text: str, href: str, exercise: bool) -> None:
        shown = t(language, "export_exercise.title", title=text) if exercise else text
        entries.append({"at": at, "when": format_time(at, place.zone), "text": shown, "href": href})

    meetings = store.session.exec(select(Meeting).where(Meeting.forum_id == place.id)).all()
    for meeting in meetings:
        drill = store.exercises.of_work((place.id,), meeting.started_at, None) is not None
        text = t(language, "web_archive.entry_minutes", number=meeting.number, title=meeting.title)
        add(meeting.started_at, text, place.href("minnesanteckningar", meeting.number), drill)
    published = store.session.exec(
        select(PublishedPicture, ReportRound)
        .join(ReportRound, col(PublishedPicture.round_id) == col(ReportRound.id))
        .where(ReportRound.forum_id == place.id)
    ).all()
    for picture, target in published:
        drill = picture_exercise(store, forum, target, picture.published_at) is not None
        text = t(
            language, "web_archive.entry_picture", round=target.number, version=picture.version
        )
        href = place.href("lagesbild", target.number, picture.version)
        add(picture.published_at, text, href, drill)
    for direction in store.directions.of_forum(forum):
        at = direction.adopted_at or direction.presented_at or direction.created_at
        text = t(language, "web_archive.entry_direction", number=direction.number)
        href = place.href("inriktning", direction.number)
        add(at, text, href, direction.exercise_id is not None)
    activations = store.session.exec(
        select(Activation).where(Activation.forum_id == place.id)
    ).all()
    for activation in activations:
        text = t(
            language, "web_archive.entry_record", number=activation.id, reason=activation.reason
        )
        href = place.href("efterhand", activation.id)
        add(activation.activated_at, text, href, activation.exercise_id is not None)
    return entries


# -- helpers -----------------------------------------------------------------------------------

_READER = AuditContext("web", "", "web", "web", datetime.min)


def _covered(store: Store, forums: dict[str, str], slug: str) -> Place | None:
    """The forum ``slug`` names, if the session covers it and it still exists."""
    for forum_id in forums:
        forum = store.forums.get(int(forum_id))
        if forum is not None and forum.slug == slug:
            return Place.of(forum)
    return None


def _unknown(place: Place, match: dict[str, str], now: datetime) -> Shown:
    raise Missing(match["slug"])


def _number(text: str) -> int:
    if not text.isdigit():
        raise Missing(text)
    return int(text)


def _common(place: Place) -> dict[str, Any]:
    language = place.language
    return {
        "language": language,
        "t": lambda key, **params: t(language, key, **params),
        "site": t(language, "web_page.site"),
        "place": place,
        "crumbs_label": t(language, "web_archive.breadcrumbs"),
    }

"""The web pages' archive: what a forum has kept, read in the browser, as the exports write it.

For a signed-in session (``bot/web_pages.py``: the same cookie, the same forums):

- ``GET /forum/<slug>/arkiv``: the archive list, newest first (what happened in the same
  minute by its number: version 2 before version 1): each meeting's minutes, each
  published version of the joint situation picture, each direction, each activation's
  record (dated by its stand-down; while it goes on, by its start, and it says so), and the
  forum's statistics for the last 12 months; each with its date in the forum's zone.
- ``GET /forum/<slug>/lagesbild``: the round's picture as it stands (the round the picture
  export chooses), marked as not published, compiled now, with a link to the latest
  published version; what changed since that version marked, and the list of its published
  versions. A forum that has had no round yet: a page that says there is no picture yet.
  ``GET /forum/<slug>/lagesbild/<round>/<version>``: one published
  version, what changed since the version before it marked.
- ``GET /forum/<slug>/minnesanteckningar/<meeting number>``, ``/efterhand/<activation>``,
  ``/inriktning/<direction number>``, ``/statistik``: the minutes, the record (with its
  charts), the direction, the statistics (as ``!statistik`` without a period: the last 12
  months).

The content is the exports' (``bot/export``): their loaders read it (by the forum's id, never
by a name that could be another forum's number in ``!forum lista``), their views word it, and
their templates' ``*_body.html.j2`` macros lay it out inside the web layout (``base.html.j2``
with breadcrumbs), so a page and its export never disagree. What changed between two
versions of the picture is marked per organisation: a line "Ändrat sedan version 2" (or "Ny
sedan version 2" for a report the version did not have; read out by a screen reader, not
colour alone), each changed field in ``<ins>`` with the previous value beside it in
``<del>``, and a field no longer reported in ``<del>`` in its place in the report's order.

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
from bot.web_html import READER, answer, person_context, refused, render
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.i18n import normalise_language, t
from commands.core.timefmt import format_time
from commands.core.web_tokens import COOKIE
from commands.situation.render import field_label
from storage import Database, Store
from storage.models import Activation, Forum, Meeting, PublishedPicture, ReportRound, Role
from storage.reports import FIELDS


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

    def covered(self, store: Store, signer: Any) -> dict[int, tuple[Forum, Role]]: ...


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
        person = signer.person
        context = person_context(person.platform, person.user_id, person.display_name, now)
        with self.pages.database.reading(context) as store:
            place = next(
                (
                    Place.of(forum)
                    for forum, _role in self.pages.covered(store, signer).values()
                    if forum.slug == match["slug"]
                ),
                None,
            )
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
        with self.pages.database.reading(READER) as store:
            forum = store.forums.get(place.id)
            assert forum is not None
            entries = _entries(store, forum, place)
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
                    t(language, "web_archive.statistics_link"),
                ),
                "picture": (place.href("lagesbild"), t(language, "web_archive.picture_link")),
                "entries": sorted(
                    entries, key=lambda entry: (entry["at"], entry["tie"]), reverse=True
                ),
            },
        )

    def picture(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        """The round's picture compiled now: marked as not published, with a link to the
        latest published version; a forum without any round yet: a page that says so."""
        language = place.language
        minutes = self.pages.config.meeting_minutes
        query = PictureQuery(place.slug, forum_id=place.id)
        try:
            live = load_picture(self.pages.database, query, now, minutes)
        except ExportError:  # by its id the forum is found: it has no round yet
            return self._no_picture(place)
        by = t(language, "web_archive.compiled_by")
        live = replace(live, picture=replace(live.picture, compiled_by=by))
        view = picture_view(live)
        number = live.picture.round_number
        versions = self._versions(place, number)
        notice: dict[str, Any] = {
            "title": t(language, "web_archive.live_notice"),
            "text": t(language, "web_archive.live_compiled", time=format_time(now, place.zone)),
            "link": None,
            "none": t(language, "web_archive.live_none"),
        }
        values: dict[str, Any] = {"view": view, "changes": None, "compared": None}
        if versions:
            latest, published_at = versions[0]
            earlier = self._version(place, number, latest, now)
            values["changes"] = changes(view, earlier, latest, language)
            values["compared"] = _compared(values["changes"], "compared_live", latest, place)
            when = format_time(published_at, place.zone)
            notice["link"] = (
                place.href("lagesbild", number, latest),
                t(language, "web_archive.live_latest", version=latest, time=when),
            )
        values["notice"] = notice
        values["versions"] = self._version_links(place, number, versions)
        values["versions_title"] = t(place.language, "web_archive.versions_title", round=number)
        return Shown(
            "picture.html.j2", t(place.language, "web_archive.picture_link"), values, False
        )

    def _no_picture(self, place: Place) -> Shown:
        language = place.language
        return Shown(
            "picture.html.j2",
            t(language, "web_archive.picture_link"),
            {
                "view": None,
                "title": t(language, "web_archive.no_picture_title", forum=place.name),
                "empty": t(language, "web_archive.no_picture", forum=place.name),
            },
            False,
        )

    def picture_version(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number, version = _number(match["round"]), _number(match["version"])
        view = self._version(place, number, version, now)
        values: dict[str, Any] = {"view": view, "changes": None, "compared": None, "notice": None}
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
        exported = load_minutes(
            self.pages.database, MinutesQuery(place.slug, number, forum_id=place.id), now
        )
        view = minutes_view(exported.minutes, exported.language)
        crumb = t(place.language, "web_archive.minutes_crumb", number=number)
        return Shown("minutes.html.j2", crumb, {"view": view})

    def record(self, place: Place, match: dict[str, str], now: datetime) -> Shown:
        number = _number(match["number"])
        recall = self.pages.config.activation_recall_minutes
        exported = load_record(
            self.pages.database, RecordQuery(place.slug, number, forum_id=place.id), now, recall
        )
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
        with self.pages.database.reading(READER) as store:
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
        # As ``!statistik`` without a period: the last 12 months (the page says which).
        query = StatisticsQuery(place.slug, "", forum_id=place.id)
        exported = load_statistics(self.pages.database, query, now)
        view = statistics_view(
            exported.statistics, exported.zone, exported.language, exported.compiled_at, True
        )
        crumb = t(place.language, "web_archive.statistics_crumb")
        return Shown("statistics.html.j2", crumb, {"view": view})

    # -- the picture's versions --------------------------------------------------------------

    def _versions(self, place: Place, number: int) -> list[tuple[int, datetime]]:
        """The round's published versions, newest first, with when each was published."""
        with self.pages.database.reading(READER) as store:
            rows = store.session.exec(
                select(PublishedPicture.version, PublishedPicture.published_at)
                .join(ReportRound, col(PublishedPicture.round_id) == col(ReportRound.id))
                .where(ReportRound.forum_id == place.id, ReportRound.number == number)
                .order_by(col(PublishedPicture.version).desc())
            ).all()
            return [(version, at) for version, at in rows]

    def _version(self, place: Place, number: int, version: int, now: datetime) -> PictureView:
        query = PictureQuery(place.slug, round_number=number, version=version, forum_id=place.id)
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
    its note ("Ändrat sedan …", or "Ny sedan …" for a report the version did not have) and
    its ``rows`` in the report's field order: each (label, value, previous, kind) with kind
    ``same``, ``changed`` (previous "" when the field is new) or ``removed`` (a field it no
    longer reports, its previous value); an organisation whose fields are all as they were
    is left out."""
    order = {field_label(name, language): rank for rank, name in enumerate(FIELDS)}
    before = {section.organisation: dict(section.fields) for section in earlier.sections}
    found: dict[str, dict[str, Any]] = {}
    for section in view.sections:
        previous = before.get(section.organisation)
        key = "changed_since" if previous is not None else "new_since"
        previous = previous or {}
        current = dict(section.fields)
        rows = [
            (label, value, previous.get(label, ""), _kind(previous.get(label), value))
            for label, value in section.fields
        ]
        rows += [
            (label, "", value, "removed")
            for label, value in previous.items()
            if label not in current
        ]
        if all(kind == "same" for *_, kind in rows):
            continue
        rows.sort(key=lambda row: order.get(row[0], len(order)))
        found[section.organisation] = {
            "note": t(language, f"web_archive.{key}", version=version),
            "before": t(language, "web_archive.before"),
            "rows": rows,
        }
    return found


def _kind(previous: str | None, value: str) -> str:
    return "same" if previous == value else "changed"


def _compared(found: dict[str, Any], key: str, version: int, place: Place) -> str:
    if not found:
        return t(place.language, "web_archive.unchanged", version=version)
    return t(place.language, f"web_archive.{key}", version=version)


# -- the archive's entries ---------------------------------------------------------------------


def _entries(store: Store, forum: Forum, place: Place) -> list[dict[str, Any]]:
    """Every meeting, published picture, direction and activation of the forum."""
    language = place.language
    entries: list[dict[str, Any]] = []

    def add(at: datetime, text: str, href: str, exercise: bool, tie: tuple[int, ...]) -> None:
        shown = t(language, "export_exercise.title", title=text) if exercise else text
        entries.append(
            {
                "at": at,
                "tie": tie,
                "when": format_time(at, place.zone),
                "text": shown,
                "href": href,
            }
        )

    meetings = store.session.exec(select(Meeting).where(Meeting.forum_id == place.id)).all()
    for meeting in meetings:
        drill = store.exercises.of_work((place.id,), meeting.started_at, None) is not None
        text = t(language, "web_archive.entry_minutes", number=meeting.number, title=meeting.title)
        href = place.href("minnesanteckningar", meeting.number)
        add(meeting.started_at, text, href, drill, (meeting.number,))
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
        add(picture.published_at, text, href, drill, (target.number, picture.version))
    for direction in store.directions.of_forum(forum):
        at = direction.adopted_at or direction.presented_at or direction.created_at
        text = t(language, "web_archive.entry_direction", number=direction.number)
        href = place.href("inriktning", direction.number)
        add(at, text, href, direction.exercise_id is not None, (direction.number,))
    activations = store.session.exec(
        select(Activation).where(Activation.forum_id == place.id)
    ).all()
    for activation in activations:
        assert activation.id is not None
        text = t(
            language, "web_archive.entry_record", number=activation.id, reason=activation.reason
        )
        # Dated by its stand-down (when its record is whole), or its start while it goes on.
        ended = activation.stood_down_at
        state = "record_stood_down" if ended is not None else "record_ongoing"
        text = f"{text} ({t(language, f'web_archive.{state}')})"
        href = place.href("efterhand", activation.id)
        at = ended or activation.activated_at
        add(at, text, href, activation.exercise_id is not None, (activation.id,))
    return entries


# -- helpers -----------------------------------------------------------------------------------


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

"""The HTML files the bot exports, in a real browser (Debian's Chromium through Playwright):
the joint situation picture, the minutes, the direction, the activation record with its
charts, and the statistics, each in Swedish and in English (the forum's language).

Each must meet WCAG 2.1 AA as Swedish public-sector web must (EN 301 549): no axe-core
violation, ``<html lang>`` the forum's language, every link reached by the Tab key in the
document's order, no sideways scrolling at 200 % zoom, and a print stylesheet that changes
what is printed. Screenshots of each (screen, 200 % zoom, print) are kept under
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from commands.core.clock import FixedClock
from storage import Database
from tests.support.browser import (
    ZOOM_200,
    ZOOM_400,
    Browser,
    accessibility_violations,
    computed,
    horizontal_overflow,
    links,
    print_rules,
    screenshot,
    tab_stops,
)
from tests.support.chat import Chat
from tests.support.export_cli import written
from tests.support.time_travel import travel
from tests.test_activation_record import _play
from tests.test_statistics import JANUARY_2027, _build

pytestmark = pytest.mark.usefixtures("restored_umask")

LANGUAGES = ("sv", "en")
PERMALINK = "https://chat.example.se/rcg/lyft-42"
CONFERENCE = ("--forum", "samverkanskonferens")


def _ok(chat: Chat, text: str, **kwargs: str) -> None:
    said = chat.say(text, **kwargs)  # type: ignore[arg-type]
    assert said.ok, (text, said.text)


# -- what is exported: real data from the test chat ---------------------------------------------


def _direction_and_reports(chat: Chat) -> None:
    """An adopted direction with a joint message, and three organisations' reports."""
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(
        chat,
        "!inriktning förslag Målbild: Framkomlighet på E4 och E18\n"
        "Prioriteringar: Räddningstjänstens framkomlighet\nGäller till: 2026-11-27 12:00",
    )
    _ok(chat, "!inriktning föredra 1")
    _ok(chat, "!inriktning fastställ 1", channel="inriktande")
    _ok(chat, "!inriktning kvittera", person="anna")
    _ok(chat, "!läge Läge: E4 stängd vid Rotebro\nBehov: Omledning via väg 267", person="bo")
    _ok(chat, "!läge Läge: Förhöjd beredskap\nKommunikation: Undvik Slussen", person="anna")


def _picture(chat: Chat, database: Database, tmp_path: Path) -> str:
    _direction_and_reports(chat)
    return written(
        database, tmp_path, "lägesbild", "2026-11-26 15:30", *CONFERENCE, "--format", "html"
    )


def _minutes(chat: Chat, database: Database, tmp_path: Path) -> str:
    """Meeting 1 of the conference, with an item raised from the chefsgrupp (a link back to
    where it was raised), items, two actions in a table and the round's picture."""
    _direction_and_reports(chat)
    _ok(chat, "!forum koppla chefsgrupp", channel="rcg")
    _ok(chat, "!möte start Chefsgrupp", channel="rcg")
    _ok(
        chat,
        "!lyft samverkanskonferens Samordna budskap om vattenläckan",
        channel="rcg",
        permalink=PERMALINK,
    )
    _ok(chat, "!möte slut", channel="rcg")
    chat.advance(hours=1)  # 16:00
    _ok(chat, "!möte start Samverkanskonferens v. 48")
    _ok(chat, "!närvarande", person="anna")
    _ok(chat, "!info SMHI varnar för snöfall under natten", person="bo")
    _ok(chat, "!punkt nästa")
    _ok(chat, "!beslut Gemensamt budskap om E4 går ut kl 17", person="anna")
    _ok(chat, "!åtgärd Polisen Ta fram trafikplan för E4 senast fredag kl 12")
    _ok(chat, "!åtgärd Trafikverket Skylta om vid Rotebro", person="anna")
    chat.advance(minutes=40)
    _ok(chat, "!möte slut")
    return written(
        database, tmp_path, "protokoll", "2026-11-26 17:00", *CONFERENCE, "--format", "html"
    )


def _direction(chat: Chat, database: Database, tmp_path: Path) -> str:
    _direction_and_reports(chat)
    return written(database, tmp_path, "inriktning", "2026-11-26 15:30", "--format", "html")


def _record(chat: Chat, database: Database, tmp_path: Path) -> str:
    _play(chat)
    travel(chat, "2026-11-26 18:00")
    return written(
        database, tmp_path, "efterhand", "2026-11-26 18:00", *CONFERENCE, "--format", "html"
    )


def _statistics(chat: Chat, database: Database, tmp_path: Path) -> str:
    _build(database)
    assert isinstance(chat.clock, FixedClock)
    chat.clock.set(JANUARY_2027)
    return written(
        database,
        tmp_path,
        "statistik",
        "2027-01-10 12:00",
        *CONFERENCE,
        "--period",
        "2026",
        "--format",
        "html",
    )


EXPORTS: dict[str, Callable[[Chat, Database, Path], str]] = {
    "picture": _picture,
    "minutes": _minutes,
    "direction": _direction,
    "record": _record,
    "statistics": _statistics,
}


# -- the checks ---------------------------------------------------------------------------------


def _open(page: Page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_an_export_is_accessible_keyboard_zoom_and_print(
    kind: str,
    language: str,
    forum_chat: Chat,
    database: Database,
    browser: Browser,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if language != "sv":
        _ok(forum_chat, f"!forum språk {language}")
    path = tmp_path / f"{kind}.html"
    path.write_text(EXPORTS[kind](forum_chat, database, tmp_path), encoding="utf-8")
    name = request.node.name

    with browser.page() as page:
        _open(page, path)
        assert page.get_attribute("html", "lang") == language
        violations = accessibility_violations(page)
        assert not violations, violations.summary
        assert page.locator("main").count() == 1
        assert page.locator("h1").first.is_visible()
        # A chart is an image named by its visible description.
        for caption in page.locator("figure figcaption").all_inner_texts():
            assert page.get_by_role("img", name=caption, exact=True).count() == 1, caption
        assert page.get_by_role("img").count() == page.locator("figure").count()
        # Every link is reached by the Tab key, in the document's order, and nothing else is.
        assert tab_stops(page) == links(page)
        screenshot(page, name, "screen")

        screen_size = computed(page, "body", "font-size")
        assert print_rules(page), "no @media print rules"
        page.emulate_media(media="print")
        assert computed(page, "body", "font-size") != screen_size  # print sizes, in pt
        assert computed(page, "main", "max-width") == "none"  # the whole width of the paper
        for link in page.locator("main a[href^='http']").all():
            href = link.get_attribute("href")
            assert href is not None
            shown = computed(page, f"a[href='{href}']", "content", "::after")
            assert href in shown, shown  # a printed link shows where it goes
        screenshot(page, name, "print")

    for zoom, options in (("zoom-200", ZOOM_200), ("zoom-400", ZOOM_400)):
        with browser.page(**options) as zoomed:
            _open(zoomed, path)
            assert horizontal_overflow(zoomed) == 0, zoom
            screenshot(zoomed, name, zoom)


def test_the_minutes_link_is_reached_by_the_keyboard(
    forum_chat: Chat, database: Database, browser_page: Page, tmp_path: Path
) -> None:
    """The link back to where an item was raised is a real link, reached with Tab."""
    path = tmp_path / "minutes.html"
    path.write_text(_minutes(forum_chat, database, tmp_path), encoding="utf-8")
    _open(browser_page, path)
    stops = tab_stops(browser_page)
    assert len(stops) == 1
    assert stops[0].startswith(f"a {PERMALINK} ")

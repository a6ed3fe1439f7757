"""The archive's web pages (bot/web_archive.py) in a real browser (Debian's Chromium through
Playwright), signed in with a link from the chat: the archive list, the joint situation
picture (current and a version with its changes marked), minutes, the activation record with
its two charts, a direction, the statistics, and the 404 page.

Each must meet WCAG 2.1 AA (EN 301 549): no axe-core violation, ``<html lang>`` set, one
``<h1>`` in one ``<main>``, every link reached by the Tab key in the document's order, no
sideways scrolling at 200 % zoom, and a print stylesheet that hides the navigation.
Screenshots of each (screen, 200 % zoom) are kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import pytest

from tests.support.browser import (
    ZOOM_200,
    Browser,
    accessibility_violations,
    computed,
    horizontal_overflow,
    links,
    screenshot,
    sign_in,
    tab_stops,
)
from tests.support.chat import Chat
from tests.support.web_pages import link_in, serving
from tests.test_web_access import KONFERENS
from tests.test_web_archive import _ok, played

FORUM = f"/forum/{KONFERENS}"
PAGES = {
    "archive": f"{FORUM}/arkiv",
    "picture": f"{FORUM}/lagesbild",
    "picture-version": f"{FORUM}/lagesbild/1/2",
    "minutes": f"{FORUM}/minnesanteckningar/1",
    "record": f"{FORUM}/efterhand/1",
    "direction": f"{FORUM}/inriktning/1",
    "statistics": f"{FORUM}/statistik",
    "not-found": f"{FORUM}/efterhand/99",
}


def _everything(chat: Chat) -> str:
    """``played`` (an activation, two picture versions, a meeting), with a direction adopted
    and the stand-down; then anna's sign-in link (the one ``played`` gave has expired)."""
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    played(chat)
    _ok(chat, "!inriktning förslag Målbild: Framkomlighet på E4 och E18")
    _ok(chat, "!inriktning föredra 1")
    _ok(chat, "!inriktning fastställ 1", channel="inriktande")
    chat.advance(minutes=30)
    _ok(chat, "!avaktivera Stormen över")
    return link_in(chat.say("!webb", person="anna"))


@pytest.mark.parametrize("kind", list(PAGES))
def test_an_archive_page_is_accessible_keyboard_zoom_and_print(
    kind: str, forum_chat: Chat, browser: Browser, request: pytest.FixtureRequest
) -> None:
    first_link = _everything(forum_chat)
    # A second link for the zoomed window (a link signs in once; each window is a context).
    zoom_link = link_in(forum_chat.say("!webb", person="anna"))
    name = request.node.name
    with serving(forum_chat) as served:
        base = served.base
        with browser.page() as page:
            sign_in(page, base + first_link)
            response = page.goto(base + PAGES[kind])
            assert response is not None
            assert response.status == (404 if kind == "not-found" else 200)
            assert page.get_attribute("html", "lang") == "sv"
            violations = accessibility_violations(page)
            assert not violations, violations.summary
            assert page.locator("main").count() == 1
            assert page.locator("h1").count() == 1
            assert page.locator("h1").is_visible()
            current = page.locator("nav [aria-current=page]")
            if kind != "not-found":
                assert current.count() >= 1
            # Every link is reached by the Tab key, in the document's order.
            assert tab_stops(page) == links(page)
            for caption in page.locator("figure figcaption").all_inner_texts():
                assert page.get_by_role("img", name=caption, exact=True).count() == 1
            screenshot(page, name, "screen")
            page.emulate_media(media="print")
            assert computed(page, "nav", "display") == "none"
            screenshot(page, name, "print")

        with browser.page(**ZOOM_200) as zoomed:
            sign_in(zoomed, base + zoom_link)
            zoomed.goto(base + PAGES[kind])
            assert horizontal_overflow(zoomed) == 0
            screenshot(zoomed, name, "zoom-200")


def test_the_changes_are_shown_not_by_colour_alone(
    forum_chat: Chat, browser: Browser, request: pytest.FixtureRequest
) -> None:
    """What changed in a version reads as words and as inserted/deleted text."""
    first_link = _everything(forum_chat)
    with serving(forum_chat) as served, browser.page() as page:
        base = served.base
        sign_in(page, base + first_link)
        page.goto(base + PAGES["picture-version"])
        police = page.locator("section.report", has_text="Polisen Region Stockholm")
        assert "Ändrat sedan version 1" in police.inner_text()
        assert police.locator("ins").inner_text() == "Träd över vägar i Norrtälje"
        assert police.locator("del").inner_text() == "Tidigare: Träd över vägar"
        screenshot(page, request.node.name, "changes")

"""The web pages as a reader meets them, in a real Chromium: the link from the chat, then
the keyboard only — the list of one's forums, the forum's page, the joint situation picture
— and the plain 403 page once the session has ended or its link was revoked, or when a
used link is opened again. Every page type on the way is checked with axe-core (WCAG 2.1
A/AA), its language, and kept as a screenshot.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from commands.core.web_tokens import COOKIE
from tests.support.browser import Browser, accessibility_violations, screenshot, sign_in
from tests.support.chat import Chat
from tests.support.web_pages import link_in, serving
from tests.test_web_access import KONFERENS
from tests.test_web_archive import played


def _checked(page: Page, test: str, shot: str, language: str = "sv") -> None:
    assert page.get_attribute("html", "lang") == language
    violations = accessibility_violations(page)
    assert not violations, violations.summary
    screenshot(page, test, shot)


def _tab_to(page: Page, name: str, most: int = 40) -> None:
    """Tab until the focused element is the link called ``name``, then press Enter."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement && document.activeElement.textContent.trim()"
        )
        if focused == name:
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"Tab never reached the link {name!r}")


def _refused(page: Page) -> None:
    assert page.locator("h1").first.inner_text() == "Åtkomst nekad"
    assert "Access denied" in page.content()


def test_from_the_chats_link_to_the_picture_by_keyboard_and_out_again(
    forum_chat: Chat, browser: Browser, request: pytest.FixtureRequest
) -> None:
    link = played(forum_chat)
    test = request.node.name
    with serving(forum_chat) as served, browser.page() as page:
        response = page.goto(served.base + link)
        assert response is not None
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Logga in på webbsidorna"
        _checked(page, test, "sign-in")
        page.keyboard.press("Tab")  # the button is the page's one control
        page.keyboard.press("Enter")
        page.wait_for_url(served.base + "/")
        assert [cookie["name"] for cookie in page.context.cookies()] == [COOKIE]
        assert page.locator("h1").inner_text() == "Dina forum"
        _checked(page, test, "forums")

        _tab_to(page, "Regional samverkanskonferens")
        page.wait_for_url(f"{served.base}/forum/{KONFERENS}")
        assert page.locator("h1").inner_text() == "Regional samverkanskonferens"
        assert "Storm Dagmar" in page.locator("main").inner_text()
        _checked(page, test, "forum")

        _tab_to(page, "Samlad lägesbild")
        page.wait_for_url(f"{served.base}/forum/{KONFERENS}/lagesbild")
        main = page.locator("main").inner_text()
        assert "Polisen Region Stockholm" in main
        assert "Träd över vägar i Norrtälje" in main
        _checked(page, test, "picture")

        # The session's hours are over: the same page is refused, plainly.
        forum_chat.advance(hours=12, minutes=1)
        response = page.reload()
        assert response is not None
        assert response.status == 403
        _refused(page)
        _checked(page, test, "refused-expired")

        # The link it came from is used: opened again, it is refused too.
        response = page.goto(served.base + link)
        assert response is not None
        assert response.status == 403


def test_signing_out_with_the_button(
    forum_chat: Chat, browser: Browser, request: pytest.FixtureRequest
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    link = link_in(forum_chat.say("!webb", person="anna"))
    with serving(forum_chat) as served, browser.page() as page:
        sign_in(page, served.base + link)
        page.goto(f"{served.base}/forum/{KONFERENS}")
        page.get_by_role("button", name="Logga ut").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Du är utloggad"
        assert page.context.cookies() == []
        _checked(page, request.node.name, "signed-out")
        response = page.goto(f"{served.base}/forum/{KONFERENS}")
        assert response is not None
        assert response.status == 403


def test_signing_out_in_the_chat_ends_the_session_in_the_browser(
    forum_chat: Chat, browser: Browser, request: pytest.FixtureRequest
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    link = link_in(forum_chat.say("!webb", person="anna"))
    with serving(forum_chat) as served, browser.page() as page:
        sign_in(page, served.base + link)
        response = page.goto(f"{served.base}/forum/{KONFERENS}")
        assert response is not None
        assert response.status == 200
        assert forum_chat.say("!webb logga ut", person="anna").ok
        response = page.reload()
        assert response is not None
        assert response.status == 403
        _refused(page)
        _checked(page, request.node.name, "refused-revoked")

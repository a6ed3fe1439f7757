"""A real headless browser for the tests: Debian's Chromium driven by Playwright.

Playwright's own browser download is not used (nor reachable here): the browser is
``/usr/bin/chromium``, installed by ``scripts/ensure-chromium`` (as root it apt-installs the
``chromium`` package; ``make test`` runs it first). One browser serves the whole session
(:class:`Browser`, the ``browser`` fixture); each test gets a fresh page in a fresh context.

What the tests check on a page, shared by every page type (the exports, the web pages):

- :func:`accessibility_violations`: axe-core (bundled by ``axe-playwright-python``) restricted
  to WCAG 2.1 A and AA, the level Swedish public-sector web must meet (EN 301 549);
- :func:`tab_stops` and :func:`links`: where the Tab key goes, and every link in the
  document's order, to compare;
- :func:`horizontal_overflow`: how far the page is wider than its window, at 200 % zoom;
- :func:`print_rules` and :func:`computed`: the ``@media print`` rules and what they change;
- :func:`screenshot`: a full-page PNG kept under ``test-artifacts/screenshots/`` (ignored by
  git; CI keeps the folder as the run's artefacts).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import Page, Playwright, sync_playwright

from commands.core.web_tokens import COOKIE as SESSION_COOKIE

REPO = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ENSURE_CHROMIUM = REPO / "scripts" / "ensure-chromium"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# axe-core's tags for WCAG 2.0 and 2.1, levels A and AA: what the law asks for. Best-practice
# rules (region, heading-order, …) are left to review.
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# A window of 1280 CSS px at 200 % zoom is 640 CSS px wide, drawn on twice the pixels.
ZOOM_200 = {"viewport": {"width": 640, "height": 900}, "device_scale_factor": 2}
# WCAG 2.1's reflow (1.4.10, AA): 400 % of 1280, 320 CSS px, still without sideways scrolling.
ZOOM_400 = {"viewport": {"width": 320, "height": 900}, "device_scale_factor": 4}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}

_AXE = Axe()
_UNSAFE = re.compile(r"[^\w.-]+")  # what a file name had better not hold


def chromium() -> Path:
    """Debian's Chromium, installed by ``scripts/ensure-chromium`` when missing (as root;
    otherwise the script says what to install and the tests stop with its words)."""
    if not CHROMIUM.exists():
        done = subprocess.run([str(ENSURE_CHROMIUM)], capture_output=True, text=True, check=False)
        if done.returncode != 0 or not CHROMIUM.exists():
            raise RuntimeError(f"no Chromium at {CHROMIUM}: {done.stderr.strip()}")
    return CHROMIUM


class Browser:
    """One headless Chromium for the session; :meth:`page` opens a fresh one per test."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None

    def __enter__(self) -> Self:
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(chromium()), args=["--no-sandbox"], headless=True
        )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    @contextmanager
    def page(self, **options: Any) -> Iterator[Page]:
        """A page in a context of its own (no cookies or storage shared with another test);
        ``options`` are Playwright's ``new_context`` ones (``viewport``, ``locale``, …)."""
        assert self._browser is not None, "use the Browser in a with block"
        context = self._browser.new_context(**{**DESKTOP, **options})
        try:
            yield context.new_page()
        finally:
            context.close()


# -- accessibility -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violations:
    """axe-core's WCAG 2.1 A/AA violations on a page: the rule ids, and a summary to read in
    a failed assertion (each rule, its help text, the elements that break it)."""

    ids: list[str]
    summary: str

    def __bool__(self) -> bool:
        return bool(self.ids)


def accessibility_violations(page: Page) -> Violations:
    """Run axe-core on the page as it is now, restricted to WCAG 2.1 A and AA."""
    options = {
        "runOnly": {"type": "tag", "values": list(WCAG_21_AA)},
        "resultTypes": ["violations"],
    }
    violations: list[dict[str, Any]] = _AXE.run(page, options=options).response["violations"]
    lines: list[str] = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = ", ".join(str(part) for part in node["target"])
            lines.append(f"  - {target}: {node.get('failureSummary', '')}".replace("\n", " "))
    return Violations([violation["id"] for violation in violations], "\n".join(lines))


# -- keyboard ------------------------------------------------------------------------------------

_DESCRIBE_ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  return e.tagName.toLowerCase() + (e.getAttribute("href") ? " " + e.getAttribute("href") : "")
    + " " + (e.textContent || "").trim().replace(/\\s+/g, " ");
}"""


def links(page: Page) -> list[str]:
    """Every link of the document in its order, described as :func:`tab_stops` does."""
    described: list[str] = page.eval_on_selector_all(
        "a[href]",
        """els => els.map(e => "a " + e.getAttribute("href") + " "
             + (e.textContent || "").trim().replace(/\\s+/g, " "))""",
    )
    return described


def tab_stops(page: Page, limit: int = 200) -> list[str]:
    """Where the Tab key goes from the top of the page, in order, until focus leaves the
    document's content (back to the body or the browser) or comes round again."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    stops: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active: str | None = page.evaluate(_DESCRIBE_ACTIVE)
        if active is None or (stops and active == stops[0]):
            return stops
        stops.append(active)
    raise AssertionError(f"Tab never left the page after {limit} stops: {stops[-3:]}")


# -- zoom and print ------------------------------------------------------------------------------


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its window (0: nothing to scroll sideways)."""
    overflow: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow


def print_rules(page: Page) -> list[str]:
    """The CSS text of every rule inside an ``@media print`` block of the page's styles."""
    rules: list[str] = page.evaluate(
        """() => [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
             .filter(rule => rule instanceof CSSMediaRule
                     && [...rule.media].some(medium => medium === "print"))
             .flatMap(rule => [...rule.cssRules].map(inner => inner.cssText))"""
    )
    return rules


def computed(page: Page, selector: str, prop: str, pseudo: str | None = None) -> str:
    """The computed value of a CSS property of the first element matching ``selector``."""
    value: str = page.eval_on_selector(
        selector,
        "(e, [prop, pseudo]) => getComputedStyle(e, pseudo).getPropertyValue(prop)",
        [prop, pseudo],
    )
    return value


# -- artefacts -----------------------------------------------------------------------------------


def screenshot(page: Page, test: str, name: str) -> Path:
    """A full-page PNG of the page as it is now, kept as a test artefact:
    ``test-artifacts/screenshots/<test>/<name>.png``."""
    folder = SCREENSHOTS / _UNSAFE.sub("_", test).strip("_")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_UNSAFE.sub('_', name).strip('_')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, link: str) -> None:
    """A sign-in link from the chat opened and its button pressed, as a person does: the
    session's cookie set, and the browser on the list of their forums."""
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    assert page.context.cookies() == []  # opening the link signs nobody in
    page.get_by_role("button").click()
    page.wait_for_url(link.split("/w/")[0] + "/")
    assert [cookie["name"] for cookie in page.context.cookies()] == [SESSION_COOKIE]

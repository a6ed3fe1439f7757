"""What every web page shares: the templates, the answer's headers, the 403 page, and a chat
document's blocks as the templates take them.

The pages (``bot/web_pages.py``), the archive (``bot/web_archive.py``) and the staff-room
display (``bot/web_display.py``) render with one Jinja2 environment: the exports' HTML settings
(autoescaped, strict; ``bot/export/environments.py``) over ``bot/web/templates``, with the
exports' templates beside them for their ``*_body`` macros, so a page and its export agree.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from aiohttp import web
from jinja2 import ChoiceLoader, Environment, PackageLoader

from bot.export.environments import html_environment_for
from commands.core.document import BulletList, Document, Fields, Heading, Paragraph
from commands.core.i18n import LANGUAGES, t

# Every answer: never cached (the content is not public and changes), no type sniffing, and
# no address of ours (a token's page) sent on to a site a link leads to.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def environment() -> Environment:
    """The web pages' templates, with the exports' beside them."""
    found = html_environment_for("bot", "web/templates")
    found.loader = ChoiceLoader(
        [PackageLoader("bot", "web/templates"), PackageLoader("bot.export", "templates")]
    )
    return found


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def answer(body: str, status: int = HTTPStatus.OK, content_type: str = "text/html") -> web.Response:
    """``body`` with the pages' headers."""
    return web.Response(
        text=body, status=status, content_type=content_type, charset="utf-8", headers=HEADERS
    )


def refused(prefix: str = "!") -> web.Response:
    """The plain 403 page, in Swedish and English: says nothing of why."""
    texts = [
        {
            "lang": language,
            "title": t(language, "web_page.refused_title"),
            "body": t(language, "web_page.refused_body", prefix=prefix),
        }
        for language in LANGUAGES
    ]
    return answer(render("refused.html.j2", texts=texts), HTTPStatus.FORBIDDEN)


def blocks_of(document: Document) -> list[dict[str, Any]]:
    """A chat document's blocks for the templates: headings one level down (the page's own
    heading is above them); buttons and the chat's hints left out (no command is typed
    here)."""
    out: list[dict[str, Any]] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            out.append({"kind": "heading", "level": min(block.level + 1, 6), "text": block.text})
        elif isinstance(block, Paragraph) and not block.hint:
            out.append({"kind": "paragraph", "parts": block.parts})
        elif isinstance(block, BulletList):
            out.append({"kind": "list", "numbered": block.numbered, "items": block.items})
        elif isinstance(block, Fields):
            out.append({"kind": "fields", "rows": block.rows})
    return out

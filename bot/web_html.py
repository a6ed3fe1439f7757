"""What every web page shares: the templates, the answer's headers, the 403 page, and a chat
document's blocks as the templates take them.

The pages (``bot/web_pages.py``), the archive (``bot/web_archive.py``) and the staff-room
display (``bot/web_display.py``) render with one Jinja2 environment: the exports' HTML settings
(autoescaped, strict; ``bot/export/environments.py``) over ``bot/web/templates``, with the
exports' templates beside them for their ``*_body`` macros, so a page and its export agree.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from http import HTTPStatus
from typing import Any

from aiohttp import web
from jinja2 import ChoiceLoader, Environment, PackageLoader

from bot.export.environments import html_environment_for
from commands.core.document import BulletList, Document, Fields, Heading, Paragraph
from commands.core.i18n import LANGUAGES, t
from storage import AuditContext

# Who reads when no one in particular does (a token checked, a forum's archive listed):
# reading changes nothing, so it is never written to the audit log.
READER = AuditContext("web", "", "web", "web", datetime.min)

# Every answer: never cached (the content is not public and changes), no type sniffing, no
# address of ours (a token's page) sent to another site (only our own requests carry it: a
# form posted here keeps its Origin, which the sign-in checks), and a content security
# policy that lets a page run only our own script files (no inline script: an injected one
# would not run), post forms only to us, and be framed by nobody.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
}
# How long a browser is asked to wait before trying a page again while the database is away.
RETRY_AFTER_S = 30


@cache
def environment() -> Environment:
    """The web pages' templates, with the exports' beside them."""
    found = html_environment_for("bot", "web/templates")
    found.loader = ChoiceLoader(
        [PackageLoader("bot", "web/templates"), PackageLoader("bot.export", "templates")]
    )
    return found


def person_context(platform: str, user_id: str, display_name: str, at: datetime) -> AuditContext:
    """A signed-in person reading a page, as the audit log names them."""
    return AuditContext(platform, "web", user_id, display_name, at)


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
    return answer(render("refused.html.j2", texts=texts, code=403), HTTPStatus.FORBIDDEN)


def unavailable() -> web.Response:
    """The plain 503 page, in Swedish and English: the pages cannot be read just now."""
    texts = [
        {
            "lang": language,
            "title": t(language, "web_page.unavailable_title"),
            "body": t(language, "web_page.unavailable_body"),
        }
        for language in LANGUAGES
    ]
    response = answer(
        render("refused.html.j2", texts=texts, code=503), HTTPStatus.SERVICE_UNAVAILABLE
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


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

"""Matrix: a message with a plain ``body`` and an HTML ``formatted_body``.

Every piece of text is escaped here, the one place HTML is made. Mentions of Matrix users are
pills (links to ``https://matrix.to/#/<user id>``) and are listed in ``m.mentions``, so their
clients notify them; people on other platforms are shown by name only.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from bot.render.text import render_text
from commands.core.document import (
    Actions,
    BulletList,
    Code,
    Document,
    Emphasis,
    Fields,
    Heading,
    Inline,
    Mention,
    Paragraph,
    Strong,
    Text,
)

PLATFORM = "matrix"


def pill(user_id: str, name: str) -> str:
    return f'<a href="https://matrix.to/#/{quote(user_id, safe="@:")}">{escape(name)}</a>'


def _inline(part: Inline) -> str:
    if isinstance(part, Mention):
        if part.platform == PLATFORM:
            return pill(part.user_id, part.name)
        return escape(f"@{part.name}")
    if isinstance(part, Strong):
        return f"<strong>{escape(part.text)}</strong>"
    if isinstance(part, Emphasis):
        return f"<em>{escape(part.text)}</em>"
    if isinstance(part, Code):
        return f"<code>{escape(part.text)}</code>"
    assert isinstance(part, Text)
    return escape(part.text)


def _inlines(parts: tuple[Inline, ...]) -> str:
    return "".join(_inline(part) for part in parts)


def render_html(document: Document) -> str:
    chunks: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 2, 6)  # h3 and smaller: a chat message, not a page
            chunks.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            chunks.append(f"<p>{_inlines(block.parts)}</p>")
        elif isinstance(block, BulletList):
            tag = "ol" if block.numbered else "ul"
            items = "".join(f"<li>{_inlines(item)}</li>" for item in block.items)
            chunks.append(f"<{tag}>{items}</{tag}>")
        elif isinstance(block, Fields):
            rows = "".join(
                f"<li><strong>{escape(label)}:</strong> {_inlines(value)}</li>"
                for label, value in block.rows
            )
            chunks.append(f"<ul>{rows}</ul>")
        elif isinstance(block, Actions):
            chunks.append("".join(f"<p>→ {escape(button.hint)}</p>" for button in block.buttons))
    return "".join(chunks)


def mentioned_users(document: Document) -> list[str]:
    """The Matrix users the document mentions, in order, each once."""
    seen: dict[str, None] = {}
    for block in document.blocks:
        rows: tuple[tuple[Inline, ...], ...] = ()
        if isinstance(block, Paragraph):
            rows = (block.parts,)
        elif isinstance(block, BulletList):
            rows = block.items
        elif isinstance(block, Fields):
            rows = tuple(value for _label, value in block.rows)
        for row in rows:
            for part in row:
                if isinstance(part, Mention) and part.platform == PLATFORM:
                    seen.setdefault(part.user_id, None)
    return list(seen)


def render_matrix(document: Document) -> dict[str, Any]:
    """The content of an ``m.room.message`` event.

    Replies are ``m.notice``: other bots do not answer notices, and the default push rules
    make them notify nobody. A message that mentions people (a call-out) must notify them,
    and the push rule that silences notices comes before the one for mentions, so it is an
    ``m.text`` whose ``m.mentions`` names exactly those people.
    """
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": render_text(document),
        "format": "org.matrix.custom.html",
        "formatted_body": render_html(document),
    }
    mentioned = mentioned_users(document)
    if mentioned:
        content["msgtype"] = "m.text"
        content["m.mentions"] = {"user_ids": mentioned}
    return content

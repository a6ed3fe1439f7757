"""Matrix: a message with a plain ``body`` and an HTML ``formatted_body``.

Every piece of text is escaped here, the one place HTML is made, and its line breaks become
``<br>`` (HTML would fold them into spaces). Mentions of Matrix users are pills (links to
``https://matrix.to/#/<user id>``) and are listed in ``m.mentions``, so their clients notify
them; people on other platforms are shown by name only.

A homeserver refuses an event larger than 64 KiB, so a long document is sent as several
messages (:func:`render_matrix_messages`), split between blocks or between the items of a list,
never between a heading and its section, each part numbered at its end ("(del 1 av 4)", in the
document's language, which the door looks up only when there are several parts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Any
from urllib.parse import quote

from bot.render.split import Budget, pack
from bot.render.text import block_lines
from commands.core.document import (
    Actions,
    Block,
    BulletList,
    Code,
    Document,
    Emphasis,
    Fields,
    Heading,
    Inline,
    Link,
    Mention,
    Paragraph,
    Strong,
    Text,
)
from commands.core.i18n import DEFAULT_LANGUAGE, t

PLATFORM = "matrix"
# An event may be 65 536 bytes of JSON. In an encrypted room the content travels as base64
# (a third larger) inside an envelope, so one message's body, formatted body and mentions
# (counted as JSON) stay under this.
MESSAGE_BYTES_MAX = 48_000
# What HTML escaping or a line break changes, and what a JSON string escapes.
_HTML_SPECIAL = re.compile("[&<>\"'\n]")
_JSON_ESCAPED = re.compile('["\\\\\x00-\x1f]')
# The most a list's opening and closing tags add (``<ol start="…">`` … ``</ol>``).
LIST_TAGS_BYTES = 32
# Room each part keeps for its number ("(del 12 av 14)" as text and as HTML, a line break).
PART_MARK_BYTES = 200


def _html_text(text: str) -> str:
    """User text as HTML: escaped first, so the ``<br>`` we add is the only markup."""
    if _HTML_SPECIAL.search(text) is None:
        return text  # most text: nothing to escape (long minutes have thousands of parts)
    return escape(text).replace("\n", "<br>")


def pill(user_id: str, name: str) -> str:
    return f'<a href="https://matrix.to/#/{quote(user_id, safe="@:")}">{_html_text(name)}</a>'


def _inline(part: Inline) -> str:
    if type(part) is Text:  # the common case first
        return _html_text(part.text)
    if isinstance(part, Mention):
        if part.platform == PLATFORM:
            return pill(part.user_id, part.name)
        return _html_text(f"@{part.name}")
    if isinstance(part, Link):
        if not part.safe:
            return _html_text(f"{part.text} ({part.url})")
        return f'<a href="{escape(part.url, quote=True)}">{_html_text(part.text)}</a>'
    if isinstance(part, Strong):
        return f"<strong>{_html_text(part.text)}</strong>"
    if isinstance(part, Emphasis):
        return f"<em>{_html_text(part.text)}</em>"
    if isinstance(part, Code):
        return f"<code>{_html_text(part.text)}</code>"
    assert isinstance(part, Text)
    return _html_text(part.text)


def _inlines(parts: tuple[Inline, ...]) -> str:
    return "".join(_inline(part) for part in parts)


def _users(parts: tuple[Inline, ...]) -> tuple[str, ...]:
    return tuple(p.user_id for p in parts if isinstance(p, Mention) and p.platform == PLATFORM)


def _json_bytes(text: str) -> int:
    """What ``text`` takes inside a JSON string: escapes (``\\n``, ``\\"``) count too."""
    if _JSON_ESCAPED.search(text) is None:
        return len(text.encode())
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


@dataclass(frozen=True)
class _Piece:
    """The unit a message is split at: a whole block, or one item of a list, fields or
    buttons, with its HTML and its plain text (the two must stay in the same message).

    List items carry their list's ``tag`` and the ``block`` they come from: consecutive items
    of one block share one list, opened again (at ``number``) in the next message."""

    html: str
    text: str
    users: tuple[str, ...] = ()
    heading: bool = False
    tag: str = ""
    block: int = -1
    number: int = 1

    @cached_property
    def size(self) -> int:
        """Bytes as JSON; asked for again and again while packing, so worked out once."""
        mentions = sum(_json_bytes(user) + 3 for user in self.users)  # quotes and a comma
        return _json_bytes(self.html) + _json_bytes(self.text) + mentions


def _weight(piece: _Piece, before: _Piece | None) -> int:
    weight = piece.size
    if before is not None:
        weight += 2  # the line break between two entries of the body, as JSON
    if piece.tag and (before is None or before.block != piece.block):
        weight += LIST_TAGS_BYTES
    return weight


BUDGET: Budget[_Piece] = Budget(
    weight=_weight,
    most_weight=MESSAGE_BYTES_MAX - PART_MARK_BYTES,
    keeps_next=lambda piece: piece.heading,
)


def _items(
    index: int, block: Block, tag: str, htmls: list[str], users: list[tuple[str, ...]]
) -> list[_Piece]:
    texts = block_lines(block)
    if not htmls:  # an empty list, shown as it always was
        return [_Piece(f"<{tag}></{tag}>" if tag else "", texts[0])]
    return [
        _Piece(html, text, mentioned, tag=tag, block=index, number=number)
        for number, (html, text, mentioned) in enumerate(zip(htmls, texts, users, strict=True), 1)
    ]


def _block_pieces(index: int, block: Block) -> list[_Piece]:
    if isinstance(block, Heading):
        level = min(block.level + 2, 6)  # h3 and smaller: a chat message, not a page
        html = f"<h{level}>{_html_text(block.text)}</h{level}>"
        return [_Piece(html, block_lines(block)[0], heading=True)]
    if isinstance(block, Paragraph):
        html = f"<p>{_inlines(block.parts)}</p>"
        return [_Piece(html, block_lines(block)[0], _users(block.parts))]
    if isinstance(block, BulletList):
        tag = "ol" if block.numbered else "ul"
        htmls = [f"<li>{_inlines(item)}</li>" for item in block.items]
        return _items(index, block, tag, htmls, [_users(item) for item in block.items])
    if isinstance(block, Fields):
        htmls = [
            f"<li><strong>{_html_text(label)}:</strong> {_inlines(value)}</li>"
            for label, value in block.rows
        ]
        return _items(index, block, "ul", htmls, [_users(value) for _, value in block.rows])
    assert isinstance(block, Actions)
    htmls = [f"<p>→ {_html_text(button.hint)}</p>" for button in block.buttons]
    return _items(index, block, "", htmls, [()] * len(htmls))  # paragraphs, not a list


def _pieces(document: Document) -> list[_Piece]:
    return [
        piece
        for index, block in enumerate(document.blocks)
        for piece in _block_pieces(index, block)
    ]


def _html(pieces: Sequence[_Piece]) -> str:
    """The pieces' HTML, the items of one list inside one ``<ul>`` or ``<ol>``."""
    chunks: list[str] = []
    open_list: _Piece | None = None
    for piece in pieces:
        if open_list is not None and (not piece.tag or piece.block != open_list.block):
            chunks.append(f"</{open_list.tag}>")
            open_list = None
        if piece.tag and open_list is None:
            start = f' start="{piece.number}"' if piece.tag == "ol" and piece.number > 1 else ""
            chunks.append(f"<{piece.tag}{start}>")
            open_list = piece
        chunks.append(piece.html)
    if open_list is not None:
        chunks.append(f"</{open_list.tag}>")
    return "".join(chunks)


def _mentioned(pieces: Sequence[_Piece]) -> list[str]:
    """The Matrix users the pieces mention, in order, each once."""
    return list(dict.fromkeys(user for piece in pieces for user in piece.users))


def _content(pieces: Sequence[_Piece]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": "\n".join(piece.text for piece in pieces),
        "format": "org.matrix.custom.html",
        "formatted_body": _html(pieces),
    }
    mentioned = _mentioned(pieces)
    if mentioned:
        content["msgtype"] = "m.text"
        content["m.mentions"] = {"user_ids": mentioned}
    return content


def _fitted(piece: _Piece) -> _Piece:
    """``piece``, or, if it alone is too heavy for a message, its plain text cut (with "…")
    to the longest start that fits: sent shortened rather than refused by the homeserver."""
    if _weight(piece, None) <= BUDGET.most_weight:
        return piece
    wrap = "li" if piece.tag else "p"

    def cut(length: int) -> _Piece:
        text = piece.text[:length] + "…"
        html = f"<{wrap}>{_html_text(text)}</{wrap}>"
        return _Piece(html, text, piece.users, piece.heading, piece.tag, piece.block, piece.number)

    shortest, longest = 0, len(piece.text)
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if _weight(cut(middle), None) <= BUDGET.most_weight:
            shortest = middle
        else:
            longest = middle - 1
    return cut(shortest)


def render_matrix(document: Document) -> dict[str, Any]:
    """The content of an ``m.room.message`` event.

    Replies are ``m.notice``: other bots do not answer notices, and the default push rules
    make them notify nobody. A message that mentions people (a call-out) must notify them,
    and the push rule that silences notices comes before the one for mentions, so it is an
    ``m.text`` whose ``m.mentions`` names exactly those people.
    """
    return _content(_pieces(document))


@dataclass(frozen=True)
class MatrixParts:
    """A document packed into messages, not yet numbered: the number's words depend on the
    document's language, which only a door can look up (and needs to only for several)."""

    document: Document
    parts: list[list[_Piece]]

    def __len__(self) -> int:
        return max(len(self.parts), 1)

    def contents(self, language: str = DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
        if not self.parts:
            return [render_matrix(self.document)]
        if len(self.parts) == 1:
            return [_content(self.parts[0])]
        count = len(self.parts)
        return [
            _content([*part, _part_mark(t(language, "door.part", number=number, count=count))])
            for number, part in enumerate(self.parts, 1)
        ]


def _part_mark(label: str) -> _Piece:
    return _Piece(f"<p><em>{_html_text(label)}</em></p>", label)


def pack_matrix(document: Document) -> MatrixParts:
    """The document as consecutive messages, each small enough for a homeserver. Each is
    complete on its own (``m.notice``, or ``m.text`` naming only the people mentioned in that
    part), and a section (a heading and what follows it) is split only when it alone is more
    than a message."""
    return MatrixParts(document, pack([_fitted(piece) for piece in _pieces(document)], BUDGET))


def render_matrix_messages(
    document: Document, language: str = DEFAULT_LANGUAGE
) -> list[dict[str, Any]]:
    """The ``m.room.message`` contents of :func:`pack_matrix`, numbered in ``language`` when
    there are several."""
    return pack_matrix(document).contents(language)


def render_matrix_edit(content: dict[str, Any], event_id: str) -> dict[str, Any]:
    """An ``m.replace`` edit of the event ``event_id`` to ``content`` (one message's content).

    An edit is a notice that mentions nobody (``m.mentions`` empty, outside and in the new
    content): keeping a message current (a call-out as acknowledgements come in) notifies no
    one, though its pills still show the people. The fallback for clients without edits is
    the text behind ``* ``, as clients write it (without its HTML when the event would grow
    too large: the new content counts twice)."""
    new = {**content, "msgtype": "m.notice", "m.mentions": {}}
    edit: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": f"* {new['body']}",
        "m.new_content": new,
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }
    size = len(json.dumps(edit, ensure_ascii=False).encode())
    html = new.get("formatted_body")
    if isinstance(html, str) and size + _json_bytes(html) + 64 <= MESSAGE_BYTES_MAX:
        edit["format"] = "org.matrix.custom.html"
        edit["formatted_body"] = f"* {html}"
    elif size > MESSAGE_BYTES_MAX:
        edit["body"] = "* …"  # the new content alone fills the event
    return edit

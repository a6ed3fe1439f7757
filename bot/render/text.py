"""Plain text, for the terminal and for logs: no markup, mentions as ``@name``.

A value written over several lines (a report) keeps its lines; in a list or fields the
continuation lines are indented, so the eye still sees where one item ends and the next begins.
"""

from __future__ import annotations

from commands.core.document import (
    Actions,
    Block,
    BulletList,
    Document,
    Fields,
    Heading,
    Inline,
    Link,
    Mention,
    Paragraph,
)

# Continuation lines of a ``Label: value`` row; a bullet's line up under its text instead.
FIELD_INDENT = "  "


def _mention(mention: Mention) -> str:
    return mention.user_id if mention.user_id.startswith("@") else f"@{mention.user_id}"


def _inline(part: Inline) -> str:
    if isinstance(part, Mention):
        return _mention(part)
    if isinstance(part, Link):
        return f"{part.text} ({part.url})"
    return part.text


def _inlines(parts: tuple[Inline, ...]) -> str:
    return "".join(_inline(p) for p in parts)


def _hanging(first: str, text: str, indent: str) -> str:
    """``first`` + ``text``, its later lines indented by ``indent`` (empty lines stay empty,
    without trailing spaces)."""
    head, *rest = text.split("\n")
    return "\n".join([first + head, *(indent + line if line else "" for line in rest)])


def _bullet(block: BulletList, index: int, item: tuple[Inline, ...]) -> str:
    marker = f"  {index}. " if block.numbered else "  • "
    return _hanging(marker, _inlines(item), " " * len(marker))


def block_lines(block: Block) -> list[str]:
    """The block as text, one entry per list item, field row or button (an entry may span
    lines). Matrix pairs each entry with its HTML, so a long list can be split between items
    and every message's body still matches its formatted body. An empty list still takes its
    (empty) line, as it always has."""
    return _entries(block) or [""]


def _entries(block: Block) -> list[str]:
    if isinstance(block, Heading):
        if block.level == 1:
            return [f"{block.text}\n{'─' * min(len(block.text), 72)}"]
        return [f"{block.text}:"]
    if isinstance(block, Paragraph):
        return [_inlines(block.parts)]
    if isinstance(block, BulletList):
        return [_bullet(block, index, item) for index, item in enumerate(block.items, start=1)]
    if isinstance(block, Fields):
        return [
            _hanging(f"{label}: ", _inlines(value), FIELD_INDENT) for label, value in block.rows
        ]
    assert isinstance(block, Actions)
    return [f"→ {button.hint}" for button in block.buttons]


def render_text(document: Document) -> str:
    return "\n".join(line for block in document.blocks for line in block_lines(block))

"""Slack: a message's fallback ``text`` in mrkdwn and its Block Kit ``blocks``.

Every piece of text is escaped here, the one place mrkdwn is made: ``&``, ``<`` and ``>``
become ``&amp;``, ``&lt;`` and ``&gt;``, as Slack asks, so no one's text can mention
``<!channel>`` or forge a link. Slack users are mentioned as ``<@U…>`` (their clients notify
them); people on other platforms are shown by name only. Fields become a section's fields,
and a button runs its command when clicked (``value`` is the command line, no prefix).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
)

PLATFORM = "slack"
# Every button's action id starts with this; the door listens for it.
ACTION_PREFIX = "samverkan-command"
# Slack's limits: a section's text, a header's text, fields per section, blocks per message.
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
BLOCKS_MAX = 50


def escape(text: str) -> str:
    """User text made safe for mrkdwn: only ``&``, ``<`` and ``>`` are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styled(text: str, mark: str) -> str:
    # Slack needs the marks next to non-space characters: keep the spaces outside.
    stripped = text.strip()
    if not stripped:
        return escape(text)
    start = text[: len(text) - len(text.lstrip())]
    end = text[len(text.rstrip()) :]
    return f"{start}{mark}{escape(stripped)}{mark}{end}"


def _inline(part: Inline) -> str:
    if isinstance(part, Mention):
        if part.platform == PLATFORM:
            return f"<@{part.user_id}>"
        return escape(f"@{part.name}")
    if isinstance(part, Strong):
        return _styled(part.text, "*")
    if isinstance(part, Emphasis):
        return _styled(part.text, "_")
    if isinstance(part, Code):
        quoted = escape(part.text.replace("`", "'"))
        return f"`{quoted}`" if quoted else ""
    return escape(part.text)


def inlines(parts: tuple[Inline, ...]) -> str:
    return "".join(_inline(part) for part in parts)


def _bullets(block: BulletList) -> list[str]:
    return [
        f"{index}. {inlines(item)}" if block.numbered else f"• {inlines(item)}"
        for index, item in enumerate(block.items, start=1)
    ]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(lines: list[str]) -> list[dict[str, Any]]:
    """Lines as few sections as Slack's 3000 characters a section allow."""
    sections: list[dict[str, Any]] = []
    chunk: list[str] = []
    size = 0
    for line in (_cut(line, SECTION_TEXT_MAX) for line in lines):
        if chunk and size + len(line) + 1 > SECTION_TEXT_MAX:
            sections.append(_section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        sections.append(_section("\n".join(chunk)))
    return sections


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@dataclass
class SlackMessage:
    """The arguments of ``chat.postMessage`` besides the channel."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def arguments(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _block(block: Any, index: int) -> list[dict[str, Any]]:
    if isinstance(block, Heading):
        if block.level == 1:
            text = _cut(block.text, HEADER_TEXT_MAX)
            return [{"type": "header", "text": {"type": "plain_text", "text": text}}]
        return [_section(_styled(block.text, "*"))]
    if isinstance(block, Paragraph):
        return _sections([inlines(block.parts)])
    if isinstance(block, BulletList):
        return _sections(_bullets(block))
    if isinstance(block, Fields):
        rendered = [
            {
                "type": "mrkdwn",
                "text": _cut(f"*{escape(label)}*\n{inlines(value)}", FIELD_TEXT_MAX),
            }
            for label, value in block.rows
        ]
        return [
            {"type": "section", "fields": rendered[start : start + FIELDS_MAX]}
            for start in range(0, len(rendered), FIELDS_MAX)
        ]
    assert isinstance(block, Actions)
    return [
        {
            "type": "actions",
            "block_id": f"actions-{index}",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{ACTION_PREFIX}-{number}",
                    "text": {"type": "plain_text", "text": _cut(button.label, 75)},
                    "value": button.command,
                    "style": "primary",
                }
                for number, button in enumerate(block.buttons)
            ],
        }
    ]


def _text_line(block: Any) -> str:
    if isinstance(block, Heading):
        return _styled(block.text, "*")
    if isinstance(block, Paragraph):
        return inlines(block.parts)
    if isinstance(block, BulletList):
        return "\n".join(_bullets(block))
    if isinstance(block, Fields):
        return "\n".join(f"*{escape(label)}:* {inlines(value)}" for label, value in block.rows)
    assert isinstance(block, Actions)
    return "\n".join(f"→ {escape(button.hint)}" for button in block.buttons)


def render_blocks(document: Document) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for index, block in enumerate(document.blocks):
        blocks.extend(_block(block, index))
    return blocks


def render_slack(document: Document) -> SlackMessage:
    """The message: mrkdwn ``text`` (notifications, and clients without blocks) and blocks.

    A message with more blocks than Slack takes is sent as text alone.
    """
    text = "\n".join(_text_line(block) for block in document.blocks)
    blocks = render_blocks(document)
    if len(blocks) > BLOCKS_MAX:
        blocks = []
    return SlackMessage(text, blocks)

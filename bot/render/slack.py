"""Slack: a message's fallback ``text`` in mrkdwn and its Block Kit ``blocks``.

Every piece of text is escaped here, the one place mrkdwn is made: ``&``, ``<`` and ``>``
become ``&amp;``, ``&lt;`` and ``&gt;``, as Slack asks, so no one's text can mention
``<!channel>`` or forge a link. Slack users are mentioned as ``<@U…>`` (their clients notify
them); people on other platforms are shown by name only. Fields become a section's fields,
side by side; stacked fields (long texts) become rows of a section's text, one under the
other. A button runs its command when clicked (``value`` is the command line, no prefix).

Slack takes at most 50 blocks a message and truncates its text at 40 000 characters, so a long
document goes out as several messages (:func:`render_slack_messages`), split between blocks,
never between a heading and its section when that fits in a message, each numbered at its end
("(del 1 av 4)", in the document's language, looked up by the door only when there are several).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.render.split import Budget, pack
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
)
from commands.core.i18n import DEFAULT_LANGUAGE, t

PLATFORM = "slack"
# Every button's action id starts with this; the door listens for it.
ACTION_PREFIX = "samverkan-command"
# Slack's limits: a section's text, a header's text, fields per section, blocks per message.
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
BLOCKS_MAX = 50
# A message's text: Slack truncates at 40 000 characters; stay clear of it.
TEXT_MAX = 38_000
# Room each part keeps for its number: one block, and its words in the text.
PART_MARK_CHARACTERS = 100


def escape(text: str) -> str:
    """User text made safe for mrkdwn: only ``&``, ``<`` and ``>`` are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styled(text: str, mark: str) -> str:
    """``text`` between ``mark``s, each line on its own: Slack does not carry bold or italic
    over a line break, and an unclosed mark would show as a stray ``*``."""
    return "\n".join(_styled_line(line, mark) for line in text.split("\n"))


def _styled_line(text: str, mark: str) -> str:
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
    if isinstance(part, Link):
        if not part.safe:
            return escape(f"{part.text} ({part.url})")
        # "|" would end the label early; the escaped "&gt;" cannot end the link.
        return f"<{part.url}|{escape(part.text).replace('|', '¦')}>"
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


def cut(text: str, limit: int) -> str:
    """``text`` within one of Slack's length limits: cut, and marked so, when too long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class _Piece:
    """One Block Kit block and its share of the message's fallback text: the unit a long
    document is split at (a heading keeps company with what follows it)."""

    block: dict[str, Any]
    text: str
    heading: bool = False


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _section_piece(text: str) -> _Piece:
    return _Piece(_section(text), text)


def _section_lines(entries: list[str]) -> list[str]:
    """Entries that fit a section as they are; a longer one (a report over several lines)
    broken at its line breaks, so only a single line longer than a section is cut."""
    lines: list[str] = []
    for entry in entries:
        if len(entry) <= SECTION_TEXT_MAX:
            lines.append(entry)
        else:
            lines.extend(cut(line, SECTION_TEXT_MAX) for line in entry.split("\n"))
    return lines


def _sections(entries: list[str]) -> list[_Piece]:
    """Entries (a paragraph, bullets, rows) as few sections as Slack's 3000 characters a
    section allow. A blank line that would open a later section is left out: sections are
    apart anyway, and Slack refuses an empty one."""
    pieces: list[_Piece] = []
    chunk: list[str] = []
    size = 0
    for line in _section_lines(entries):
        if chunk and size + len(line) + 1 > SECTION_TEXT_MAX:
            pieces.append(_section_piece("\n".join(chunk)))
            chunk, size = [], 0
        if not chunk and pieces and not line.strip():
            continue
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        pieces.append(_section_piece("\n".join(chunk)))
    return pieces


def _field_line(label: str, value: tuple[Inline, ...]) -> str:
    return f"{_styled(f'{label}:', '*')} {inlines(value)}"


def _fields(block: Fields) -> list[_Piece]:
    """Stacked fields (long texts) as ``*Label:* value`` rows in as many sections as they
    need; others side by side, up to ten to a section (each field at most 2000 characters,
    which a long text would overrun)."""
    if block.stacked:
        return _sections([_field_line(label, value) for label, value in block.rows])
    pieces = []
    for start in range(0, len(block.rows), FIELDS_MAX):
        rows = block.rows[start : start + FIELDS_MAX]
        fields = [
            {"type": "mrkdwn", "text": cut(f"*{escape(label)}*\n{inlines(value)}", FIELD_TEXT_MAX)}
            for label, value in rows
        ]
        text = "\n".join(cut(_field_line(label, value), FIELD_TEXT_MAX) for label, value in rows)
        pieces.append(_Piece({"type": "section", "fields": fields}, text))
    return pieces


def _heading(block: Heading) -> _Piece:
    text = cut(_styled(block.text, "*"), SECTION_TEXT_MAX)
    if block.level == 1:
        header = cut(block.text, HEADER_TEXT_MAX)
        return _Piece(
            {"type": "header", "text": {"type": "plain_text", "text": header}}, text, True
        )
    return _Piece(_section(text), text, heading=True)


def _actions(block: Actions, index: int) -> _Piece:
    elements = [
        {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}-{number}",
            "text": {"type": "plain_text", "text": cut(button.label, 75)},
            "value": button.command,
            "style": "primary",
        }
        for number, button in enumerate(block.buttons)
    ]
    actions = {"type": "actions", "block_id": f"actions-{index}", "elements": elements}
    return _Piece(actions, "\n".join(f"→ {escape(button.hint)}" for button in block.buttons))


def _block_pieces(block: Block, index: int) -> list[_Piece]:
    if isinstance(block, Heading):
        return [_heading(block)]
    if isinstance(block, Paragraph):
        return _sections([inlines(block.parts)])
    if isinstance(block, BulletList):
        return _sections(_bullets(block))
    if isinstance(block, Fields):
        return _fields(block)
    assert isinstance(block, Actions)
    return [_actions(block, index)]


def _pieces(document: Document) -> list[_Piece]:
    return [
        piece
        for index, block in enumerate(document.blocks)
        for piece in _block_pieces(block, index)
    ]


def _text_line(block: Block) -> str:
    if isinstance(block, Heading):
        return _styled(block.text, "*")
    if isinstance(block, Paragraph):
        return inlines(block.parts)
    if isinstance(block, BulletList):
        return "\n".join(_bullets(block))
    if isinstance(block, Fields):
        return "\n".join(_field_line(label, value) for label, value in block.rows)
    assert isinstance(block, Actions)
    return "\n".join(f"→ {escape(button.hint)}" for button in block.buttons)


@dataclass
class SlackMessage:
    """The arguments of ``chat.postMessage`` besides the channel."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def arguments(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def render_blocks(document: Document) -> list[dict[str, Any]]:
    return [piece.block for piece in _pieces(document)]


def render_slack(document: Document) -> SlackMessage:
    """The message: mrkdwn ``text`` (notifications, and clients without blocks) and blocks.

    A message with more blocks than Slack takes is sent as text alone; the doors send
    :func:`render_slack_messages` instead, which never gets there.
    """
    text = "\n".join(_text_line(block) for block in document.blocks)
    blocks = render_blocks(document)
    if len(blocks) > BLOCKS_MAX:
        blocks = []
    return SlackMessage(text, blocks)


def _weight(piece: _Piece, before: _Piece | None) -> int:
    return len(piece.text) + (1 if before is not None else 0)  # a line break in between


BUDGET: Budget[_Piece] = Budget(
    weight=_weight,
    most_weight=TEXT_MAX - PART_MARK_CHARACTERS,
    keeps_next=lambda piece: piece.heading,
    most_pieces=BLOCKS_MAX - 1,
)


def _part_mark(label: str) -> _Piece:
    text = _styled(label, "_")
    return _Piece({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}, text)


def _message(part: list[_Piece]) -> SlackMessage:
    return SlackMessage("\n".join(piece.text for piece in part), [piece.block for piece in part])


@dataclass(frozen=True)
class SlackParts:
    """A document packed into messages, not yet numbered: the number's words depend on the
    document's language, which only a door can look up (and needs to only for several)."""

    document: Document
    parts: list[list[_Piece]]

    def __len__(self) -> int:
        return max(len(self.parts), 1)

    def messages(self, language: str = DEFAULT_LANGUAGE) -> list[SlackMessage]:
        if not self.parts:
            return [render_slack(self.document)]
        if len(self.parts) == 1:
            return [_message(self.parts[0])]
        count = len(self.parts)
        return [
            _message([*part, _part_mark(t(language, "door.part", number=number, count=count))])
            for number, part in enumerate(self.parts, 1)
        ]


def pack_slack(document: Document) -> SlackParts:
    """The document as consecutive messages, each within Slack's limits (50 blocks, text
    under 40 000 characters), split between blocks, never right after a heading, and a
    section (a heading and what follows it) only when it alone is more than a message.

    Each message's ``text`` holds what its own blocks show, so a notification or a client
    without blocks reads the same part."""
    return SlackParts(document, pack(_pieces(document), BUDGET))


def render_slack_messages(
    document: Document, language: str = DEFAULT_LANGUAGE
) -> list[SlackMessage]:
    """The messages of :func:`pack_slack`, numbered in ``language`` when there are several."""
    return pack_slack(document).messages(language)

"""The reply as a small platform-neutral document.

Handlers build a :class:`Document` of blocks (paragraphs, headings, lists, fields) made of
inlines (text, strong, emphasis, code, mentions). Each door renders it in its own format and
escapes user text there, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Emphasis:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Mention:
    """A person to notify. Rendered as a real mention on their own platform."""

    platform: str
    user_id: str
    name: str


@dataclass(frozen=True)
class Link:
    """A web address with a label (a link back to a message). Only http(s) is linked."""

    url: str
    text: str

    @property
    def safe(self) -> bool:
        return self.url.startswith(("https://", "http://")) and not any(
            c.isspace() or c in '<>|"' for c in self.url
        )


Inline = Text | Strong | Emphasis | Code | Mention | Link
Part = Inline | str


def inlines(parts: Iterable[Part]) -> tuple[Inline, ...]:
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]
    # A hint for the chat (which command to type next): shown in chat, left out where no
    # command can be typed (the web pages, the staff-room display).
    hint: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]
    numbered: bool = False


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, e.g. a status; Slack shows them as fields, text as ``label: value``.

    ``stacked`` fields are long texts (a situation report): one under the other everywhere,
    never side by side in columns.
    """

    rows: tuple[tuple[str, tuple[Inline, ...]], ...]
    stacked: bool = False


@dataclass(frozen=True)
class Button:
    """An action a person can take with one click where the platform has buttons.

    ``command`` is the command line the click runs (without prefix), e.g. ``"kvittera"``.
    Doors without buttons show ``hint`` instead.
    """

    label: str
    command: str
    hint: str


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


Block = Paragraph | Heading | BulletList | Fields | Actions


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 1) -> Document:
        self.blocks.append(Heading(text, level))
        return self

    def paragraph(self, *parts: Part) -> Document:
        self.blocks.append(Paragraph(inlines(parts)))
        return self

    def hint(self, *parts: Part) -> Document:
        """A paragraph telling what to type in the chat (see ``Paragraph.hint``)."""
        self.blocks.append(Paragraph(inlines(parts), hint=True))
        return self

    def bullets(self, items: Iterable[Iterable[Part] | Part], numbered: bool = False) -> Document:
        rows = tuple(
            inlines([item])
            if isinstance(item, str | Text | Strong | Emphasis | Code | Mention | Link)
            else inlines(item)
            for item in items
        )
        self.blocks.append(BulletList(rows, numbered))
        return self

    def fields(
        self, rows: Iterable[tuple[str, Iterable[Part] | Part]], *, stacked: bool = False
    ) -> Document:
        out = []
        for label, value in rows:
            if isinstance(value, str | Text | Strong | Emphasis | Code | Mention | Link):
                out.append((label, inlines([value])))
            else:
                out.append((label, inlines(value)))
        self.blocks.append(Fields(tuple(out), stacked))
        return self

    def actions(self, *buttons: Button) -> Document:
        self.blocks.append(Actions(buttons))
        return self

    def plain_text(self) -> str:
        """All text of the document, for logs and simple assertions (not for display)."""
        return "\n".join(_block_text(block) for block in self.blocks)


def inline_text(part: Inline) -> str:
    if isinstance(part, Mention):
        return f"@{part.name}"
    if isinstance(part, Link):
        return f"{part.text} ({part.url})"
    return part.text


def _block_text(block: Block) -> str:
    if isinstance(block, Heading):
        return block.text
    if isinstance(block, Paragraph):
        return "".join(inline_text(p) for p in block.parts)
    if isinstance(block, BulletList):
        return "\n".join("".join(inline_text(p) for p in item) for item in block.items)
    if isinstance(block, Fields):
        return "\n".join(
            f"{label}: {''.join(inline_text(p) for p in value)}" for label, value in block.rows
        )
    return "\n".join(button.hint for button in block.buttons)

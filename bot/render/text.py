"""Plain text, for the terminal and for logs: no markup, mentions as ``@name``."""

from __future__ import annotations

from commands.core.document import (
    Actions,
    BulletList,
    Document,
    Fields,
    Heading,
    Inline,
    Mention,
    Paragraph,
)


def _mention(mention: Mention) -> str:
    return mention.user_id if mention.user_id.startswith("@") else f"@{mention.user_id}"


def _inlines(parts: tuple[Inline, ...]) -> str:
    return "".join(_mention(p) if isinstance(p, Mention) else p.text for p in parts)


def render_text(document: Document) -> str:
    chunks: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                chunks.append(f"{block.text}\n{'─' * min(len(block.text), 72)}")
            else:
                chunks.append(f"{block.text}:")
        elif isinstance(block, Paragraph):
            chunks.append(_inlines(block.parts))
        elif isinstance(block, BulletList):
            chunks.append(
                "\n".join(
                    f"  {index}. {_inlines(item)}" if block.numbered else f"  • {_inlines(item)}"
                    for index, item in enumerate(block.items, start=1)
                )
            )
        elif isinstance(block, Fields):
            chunks.append("\n".join(f"{label}: {_inlines(value)}" for label, value in block.rows))
        elif isinstance(block, Actions):
            chunks.append("\n".join(f"→ {button.hint}" for button in block.buttons))
    return "\n".join(chunks)

"""Files the bot attaches to its messages, written from what the core asks for.

The core says what a file holds (:class:`commands.core.request.Attachment`: the minutes of a
meeting); here it becomes bytes, in the export's Markdown, so that the attached minutes are the
very file ``samverkan-bot export protokoll --format md`` writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.request import Attachment

MARKDOWN = "text/markdown"


@dataclass(frozen=True)
class File:
    filename: str  # with its extension
    content: bytes
    mimetype: str


def files_of(attachments: Iterable[Attachment]) -> list[File]:
    from bot.export.minutes import render_minutes

    return [
        File(
            f"{attachment.filename}.md",
            render_minutes(attachment.minutes, "md", attachment.language).encode("utf-8"),
            MARKDOWN,
        )
        for attachment in attachments
    ]

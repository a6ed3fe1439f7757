"""A post written down for another bot process to send, and read back there.

When several processes share one database, only the leader syncs Matrix; a command answered
by another process (a Slack call-out that also reaches the forum's Matrix room) leaves its
Matrix posts in the database, encoded here, and the leader sends them (``scheduler.RELAY``).
The document's blocks and inlines are small frozen dataclasses, written as JSON objects
tagged with their class; attached minutes travel as the export's JSON.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from bot.export.minutes import minutes_from_json, render_json
from commands.core import document as doc
from commands.core.document import Document
from commands.core.request import Attachment, Post

FORMAT = 1
_TYPES: dict[str, type[Any]] = {
    kind.__name__: kind
    for kind in (
        doc.Text,
        doc.Strong,
        doc.Emphasis,
        doc.Code,
        doc.Mention,
        doc.Link,
        doc.Paragraph,
        doc.Heading,
        doc.BulletList,
        doc.Fields,
        doc.Button,
        doc.Actions,
    )
}


class RelayError(ValueError):
    """A relayed post that cannot be read (written by a newer version, or damaged)."""


def encode(post: Post) -> str:
    return orjson.dumps(
        {
            "format": FORMAT,
            "blocks": [_value(block) for block in post.document.blocks],
            "attachments": [
                {
                    "filename": attachment.filename,
                    "language": attachment.language,
                    # The export's JSON document: the minutes and the round's picture.
                    "minutes": orjson.loads(render_json(attachment.minutes, attachment.language)),
                }
                for attachment in post.attachments
            ],
        }
    ).decode()


def decode(text: str) -> tuple[Document, tuple[Attachment, ...]]:
    try:
        data = orjson.loads(text)
        if data.get("format") != FORMAT:
            raise RelayError(f"relayed post of format {data.get('format')!r}, not {FORMAT}")
        blocks = [_read(block) for block in data["blocks"]]
        attachments = tuple(
            Attachment(
                filename=item["filename"],
                minutes=minutes_from_json(item["minutes"]),
                language=item["language"],
            )
            for item in data["attachments"]
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise RelayError(f"unreadable relayed post: {error}") from error
    return Document(blocks), attachments


def _value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _value(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [_value(item) for item in value]
    return value


def _read(value: Any) -> Any:
    if isinstance(value, dict):
        kind = _TYPES.get(value.get("type", ""))
        if kind is None:
            raise RelayError(f"unknown part of a document: {value.get('type')!r}")
        return kind(**{name: _read(item) for name, item in value.items() if name != "type"})
    if isinstance(value, list):
        return tuple(_read(item) for item in value)
    return value

"""A post written down for another bot process to send, and read back there.

When several processes share one database, only the leader syncs Matrix; a command answered
by another process (a Slack call-out that also reaches the forum's Matrix room) leaves its
Matrix posts in the database, encoded here, and the leader sends them (``scheduler.RELAY``).
The document's blocks and inlines are small frozen dataclasses, written as JSON objects
tagged with their class; an attachment travels encoded by its kind's codec (attached minutes
as the export's JSON, under the key ``minutes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import orjson

from bot.export.minutes_export import minutes_from_json, render_json
from commands.core import document as doc
from commands.core.document import Document
from commands.core.messages import Attachment, Post
from commands.minutes.record import MINUTES_ATTACHMENT, Minutes

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
            "attachments": [_encode_attachment(attachment) for attachment in post.attachments],
        }
    ).decode()


def decode(text: str) -> tuple[Document, tuple[Attachment, ...]]:
    try:
        data = orjson.loads(text)
        if data.get("format") != FORMAT:
            raise RelayError(f"relayed post of format {data.get('format')!r}, not {FORMAT}")
        blocks = [_read(block) for block in data["blocks"]]
        attachments = tuple(_decode_attachment(item) for item in data["attachments"])
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise RelayError(f"unreadable relayed post: {error}") from error
    return Document(blocks), attachments


def _encode_attachment(attachment: Attachment) -> dict[str, Any]:
    codec = _CODECS.get(attachment.kind)
    if codec is None:
        raise ValueError(f"no codec for an attachment of kind {attachment.kind!r}")
    key, encode_payload, _ = codec
    return {
        "filename": attachment.filename,
        "language": attachment.language,
        key: encode_payload(attachment.payload, attachment.language),
    }


def _decode_attachment(item: dict[str, Any]) -> Attachment:
    # A kind's payload is under its own key (a relayed attachment names no kind otherwise).
    for kind, (key, _, decode_payload) in _CODECS.items():
        if key in item:
            return Attachment(
                filename=item["filename"],
                kind=kind,
                payload=decode_payload(item[key]),
                language=item["language"],
            )
    raise RelayError(f"an attachment of no known kind: {sorted(item)}")


def _encode_minutes(payload: object, language: str) -> Any:
    if not isinstance(payload, Minutes):
        raise TypeError(f"a {MINUTES_ATTACHMENT!r} attachment carries {type(payload).__name__}")
    # The export's JSON document: the minutes and the round's picture.
    return orjson.loads(render_json(payload, language))


# Each kind of attachment: the key its payload travels under, how it is written, how read.
_CODECS: dict[str, tuple[str, Callable[[object, str], Any], Callable[[Any], object]]] = {
    MINUTES_ATTACHMENT: ("minutes", _encode_minutes, minutes_from_json),
}


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

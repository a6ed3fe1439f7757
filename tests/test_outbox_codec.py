"""A message written to the outbox reads back as the same document and files."""

from __future__ import annotations

import pytest

from bot.export.minutes_export import render_minutes
from commands import CAPABILITIES
from commands.core.document import (
    Button,
    Code,
    Document,
    Emphasis,
    Link,
    Mention,
    Strong,
)
from commands.core.messages import Attachment
from commands.core.outbox import PostCodec, UnreadableMessage
from tests.support.chat import Chat

CODEC = PostCodec(CAPABILITIES.attachments)


def test_every_part_of_a_document_reads_back_the_same() -> None:
    document = (
        Document()
        .heading("INKALLNING — Regional samverkanskonferens", 2)
        .paragraph(Strong("Storm"), " i ", Emphasis("norra länet"), " ", Code("!kvittera"))
        .paragraph(Mention("matrix", "@anna:x", "Anna <b>"), " ", Link("https://x.se/a", "länk"))
        .bullets([["ett"], [Strong("två")]], numbered=True)
        .fields([("Läge", "Lugnt"), ("Behov", [Strong("Inga"), " just nu"])], stacked=True)
        .actions(Button("Kvittera", "kvittera", "!kvittera"))
    )
    read, attachments = CODEC.decode(CODEC.encode(document))
    assert read == document
    assert attachments == ()


def test_attached_minutes_read_back_to_the_same_file(forum_chat: Chat) -> None:
    forum_chat.say("!möte start")
    forum_chat.say("!beslut Vi samlas igen i morgon 08.00")
    ended = forum_chat.say("!möte slut")
    [attachment] = ended.reply.attachments
    document, [read] = CODEC.decode(CODEC.encode(ended.reply.document, (attachment,)))
    assert document == ended.reply.document
    assert isinstance(read, Attachment)
    assert (read.filename, read.kind, read.language) == (
        attachment.filename,
        attachment.kind,
        attachment.language,
    )
    for fmt in ("md", "html", "json"):
        assert render_minutes(read.payload, fmt, read.language) == render_minutes(
            attachment.payload, fmt, attachment.language
        )


@pytest.mark.parametrize(
    "text",
    [
        '{"format": 3, "blocks": [], "attachments": []}',
        "not json",
        '{"format": 2}',
        '{"format": 2, "blocks": [{"type": "Script"}], "attachments": []}',
        '{"format": 2, "blocks": [], "attachments": [{"kind": "virus"}]}',
    ],
)
def test_an_unreadable_message_is_refused(text: str) -> None:
    with pytest.raises(UnreadableMessage):
        CODEC.decode(text)


def test_a_post_an_older_version_relayed_reads_back_without_its_files() -> None:
    old = (
        '{"format": 1, "blocks": [{"type": "Paragraph", "parts": [{"type": "Text", '
        '"text": "Hej"}]}], "attachments": [{"minutes": {}}]}'
    )
    document, files = CODEC.decode(old)
    assert document == Document().paragraph("Hej")
    assert files == ()

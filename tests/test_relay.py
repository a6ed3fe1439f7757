"""A post written down for another bot process reads back as the same post."""

from __future__ import annotations

import pytest

from bot.export.minutes_export import render_minutes
from bot.relay import RelayError, decode, encode
from commands.core.document import (
    Button,
    Code,
    Document,
    Emphasis,
    Link,
    Mention,
    Strong,
)
from commands.core.messages import Attachment, Post
from tests.support.chat import Chat


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
    post = Post("matrix", "!room:x", document)
    read, attachments = decode(encode(post))
    assert read == document
    assert attachments == ()


def test_attached_minutes_read_back_to_the_same_file(forum_chat: Chat) -> None:
    forum_chat.say("!möte start")
    forum_chat.say("!beslut Vi samlas igen i morgon 08.00")
    ended = forum_chat.say("!möte slut")
    [attachment] = ended.reply.attachments
    post = Post("matrix", "!room:x", ended.reply.document, (attachment,))
    document, [read] = decode(encode(post))
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
        '{"format": 2, "blocks": [], "attachments": []}',
        "not json",
        '{"format": 1}',
        '{"format": 1, "blocks": [{"type": "Script"}], "attachments": []}',
    ],
)
def test_an_unreadable_relayed_post_is_refused(text: str) -> None:
    with pytest.raises(RelayError):
        decode(text)

"""Attached files as the outbox keeps them: encoded with the answer they go with, and read
back when the answer is sent (the bot may have restarted in between)."""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.document import Document
from commands.core.messages import Attachment
from commands.core.outbox import PostCodec
from tests.support.chat import Chat


def through_outbox(chat: Chat, attachments: Sequence[Attachment]) -> list[Attachment]:
    """``attachments`` written to the outbox's JSON and read back, by the kinds the chat's
    bot declares."""
    codec = PostCodec(chat.dispatcher.capabilities.attachments)
    _document, back = codec.decode(codec.encode(Document(), tuple(attachments)))
    return list(back)

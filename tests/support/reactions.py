"""A reaction to a message the bot sent, through the dispatcher as a door hands it in: the
tagged message as the outbox has it once sent, and the reaction to it."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.core import outbox
from commands.core.document import Document
from commands.core.messages import Incoming, Post, Reaction, Reply, Speaker
from commands.core.outbox import Claims, Delivery, PostCodec
from storage import AuditContext, Database
from tests.support.chat import Chat


def sent_tagged(database: Database, tag: str, message_id: str, channel: str = "stab") -> None:
    """A message the bot sent to ``channel`` tagged ``tag``, known to the platform as
    ``message_id`` (as the outbox has it once the door said so)."""
    context = AuditContext("test", channel, "bot", "bot", datetime.now(UTC))
    with database.unit_of_work(context) as store:
        queued = outbox.queue(
            store,
            Post("test", channel, Document().paragraph("Meddelande"), tag=tag),
            kind=outbox.POST,
            codec=PostCodec({}),
            claims=Claims(),
            now=context.at,
        )
    with database.unit_of_work(context) as store:
        outbox.record_delivery(store, Delivery(queued.outbox_id or 0, message_id), context.at)


def react(
    chat: Chat,
    key: str,
    *,
    person: str,
    message: str,
    event: str,
    display_name: str | None = None,
    channel: str = "stab",
) -> Reply | None:
    """``person`` reacts with ``key`` to the platform's message ``message``."""
    return chat.dispatcher.handle(
        Incoming(
            "test",
            channel,
            Speaker("test", person, display_name or person),
            "",
            event_id=event,
            route={"reply_to": message},
            reaction=Reaction(message, key),
        )
    )

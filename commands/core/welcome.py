"""What the bot says on joining a channel (a door asks, once it is in)."""

from __future__ import annotations

from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.document import Document
from commands.core.i18n import t
from commands.core.messages import Reply
from storage import AuditContext, Database


def welcome(
    database: Database,
    clock: Clock,
    config: CoreConfig,
    platform: str,
    channel_id: str,
    direct: bool = False,
) -> Reply | None:
    """What to say on joining a channel: how to bind it, when it serves no forum yet;
    in a direct conversation, what it is for."""
    language = config.default_language
    if direct:
        return Reply(Document().paragraph(t(language, "door.welcome_direct", prefix=config.prefix)))
    context = AuditContext(platform, channel_id, "", "", clock.now())
    with database.reading(context) as store:
        if store.forum_for_channel(platform, channel_id) is not None:
            return None
    return Reply(Document().paragraph(t(language, "door.welcome", prefix=config.prefix)))

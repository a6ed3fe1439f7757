"""An in-memory chat for command tests: messages in, rendered replies out, no door involved.

chat = Chat(database, clock)
chat.say("!forum koppla samverkanskonferens")
reply = chat.say("!kvittera", person="anna", organisation="Polisen")
assert "Kvittens från Polisen Region Stockholm" in reply.text
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, MentionRef, Post, Reply, Speaker
from commands.core.outbox import Delivery, Recorded
from commands.core.timekeeper import Timekeeper
from storage import Database

OPERATOR = "operator"


@dataclass
class Said:
    """What the bot answered to one message."""

    reply: Reply | None
    text: str
    posts: list[Post] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reply is not None and self.reply.ok

    @property
    def full_minutes(self) -> str:
        """The complete minutes attached to the reply, as text."""
        from commands.minutes.render import minutes_document

        assert self.reply is not None
        assert self.reply.attachments, "no minutes attached"
        attached = self.reply.attachments[0]
        return render_text(minutes_document(attached.payload, attached.language, full=True))

    def post_text(self, channel: str) -> str:
        return "\n".join(render_text(p.document) for p in self.posts if p.channel_id == channel)


class Chat:
    def __init__(
        self,
        database: Database,
        clock: FixedClock,
        config: CoreConfig | None = None,
        platform: str = "test",
    ) -> None:
        self.database = database
        self.clock = clock
        self.platform = platform
        # The operator is a coordinator of the region, as the terminal's is (BOT_ADMINS).
        config = config or CoreConfig()
        admins = config.bot_admins | {OPERATOR}
        self.config = replace(config, bot_admins=admins)
        self.dispatcher = Dispatcher(database, clock, self.config)
        self.timekeeper = Timekeeper(
            database, clock, self.config, capabilities=self.dispatcher.capabilities
        )

    def say(
        self,
        text: str,
        *,
        person: str = OPERATOR,
        organisation: str | None = None,
        channel: str = "stab",
        channel_name: str | None = None,
        moderator: bool = False,
        direct: bool = False,
        home: str | None = None,
        event_id: str | None = None,
        permalink: str | None = None,
        routed: bool = False,
    ) -> Said:
        """``text`` said in ``channel``; ``routed``: as a door says it, with a route, so the
        answer itself goes through the outbox (``Said.reply.answer``)."""
        speaker = Speaker(
            platform=self.platform,
            user_id=person,
            display_name=person,
            platform_moderator=moderator,
            organisation_hint=organisation,
            home=home,
        )
        mentions = {f"@{name}": MentionRef(name, name) for name in re.findall(r"@([\w.\-]+)", text)}
        incoming = Incoming(
            self.platform,
            channel,
            speaker,
            text,
            event_id=event_id,
            channel_name=channel_name,
            mentions=mentions,
            permalink=permalink,
            direct=direct,
            route={"reply_to": "event"} if routed else None,
        )
        reply = self.dispatcher.handle(incoming)
        if reply is not None:
            # As a door would: what the command said is sent, and recorded so.
            sent = [post for post in (reply.answer, *reply.posts) if post and post.outbox_id]
            if sent:
                self.timekeeper.record_deliveries(
                    [Delivery(post.outbox_id or 0, message_id="m") for post in sent]
                )
        rendered = render_text(reply.document) if reply else ""
        return Said(reply, rendered, list(reply.posts) if reply else [])

    def tick(self) -> list[Post]:
        """The timed jobs run once, as the hub's ticker runs them; the posts they made."""
        return self.timekeeper.tick()

    def record_delivery(self, delivery: Delivery) -> Recorded:
        return self.timekeeper.record_delivery(delivery)

    def next_due(self) -> datetime | None:
        return self.timekeeper.next_due()

    def advance(self, **delta: float) -> datetime:
        self.clock.set(self.clock.now() + timedelta(**delta))
        return self.clock.now()

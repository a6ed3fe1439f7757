"""Moving a test chat's clock as the terminal's ``~tid`` does: tick, deliver what went out as a
door would, then on to the next post due (or a day at most), until a given time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.render.text import render_text
from commands.core.messages import Post
from commands.core.outbox import Delivery
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat


@dataclass(frozen=True)
class Sent:
    at: datetime  # the clock when it went out, in Stockholm
    post: Post

    @property
    def text(self) -> str:
        return render_text(self.post.document)

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0]

    @property
    def when(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M")


def local(text: str) -> datetime:
    """``2026-12-24 16:00`` in Stockholm."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=STOCKHOLM)


def deliver(chats: list[Chat], posts: list[Post]) -> None:
    """The door posted them: confirm it as the hub would (else they are sent again when their
    lease runs out)."""
    for number, post in enumerate(posts):
        if post.outbox_id is not None:
            chats[0].record_delivery(Delivery(post.outbox_id, message_id=f"m{number}"))


def travel(chat: Chat, until: str, *others: Chat) -> list[Sent]:
    """Tick, then on to the next post due or a day at most, until ``until``; each chat (bot
    process) ticks in turn. What went out, in order."""
    target = local(until)
    chats = [chat, *others]
    sent: list[Sent] = []
    while True:
        for one in chats:
            posts = one.tick()
            deliver(chats, posts)
            now = chat.clock.now().astimezone(STOCKHOLM)
            sent.extend(Sent(now, post) for post in posts)
        now = chat.clock.now()
        if now >= target:
            return sent
        next_due = chat.next_due()
        step = min(target, now + timedelta(days=1))
        if next_due is not None and now < next_due < step:
            step = next_due
        chat.clock.set(step)

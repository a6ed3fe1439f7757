"""A meeting left open is closed by the bot after a quiet spell, once, and its chair is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from storage import AuditContext, Database
from tests.support.chat import Chat
from tests.support.databases import Databases


def _render(posts: list) -> str:  # type: ignore[type-arg]
    from bot.render.text import render_text

    return "\n".join(render_text(post.document) for post in posts)


def test_a_forgotten_meeting_is_closed_after_four_quiet_hours(forum_chat: Chat) -> None:
    forum_chat.say("!aktör Polisen", person="anna")
    forum_chat.say("!möte start Kvällsmöte")
    forum_chat.say("!ordförande @anna")
    forum_chat.advance(hours=3)
    forum_chat.say("!info Fortfarande igång", person="anna")
    forum_chat.advance(hours=3, minutes=59)
    assert forum_chat.tick() == []  # 3 h 59 min since the last note
    forum_chat.advance(minutes=1)
    posts = forum_chat.tick()
    [post] = posts
    assert (post.platform, post.channel_id) == ("test", "stab")
    text = _render(posts)
    assert "Möte 1 avslutades automatiskt efter 4 h 0 min utan anteckningar." in text
    mentioned = {
        part.user_id
        for block in post.document.blocks
        for part in getattr(block, "parts", ())
        if hasattr(part, "user_id")
    }
    assert mentioned == {"operator", "anna"}  # both chairs are told
    assert "Mötet avslutades automatiskt." in text
    [attached] = post.attachments
    assert attached.payload.closed_automatically
    # Closed for good: nothing more is noted, and the next tick has nothing to do.
    late = forum_chat.say("!info För sent")
    assert not late.ok
    assert "har inget pågående möte" in late.text
    assert forum_chat.tick() == []
    minutes = forum_chat.say("!protokoll")
    assert "Mötet avslutades automatiskt." in minutes.text


def test_the_quiet_spell_is_configurable(database: Database, clock: FixedClock) -> None:
    chat = Chat(database, clock, replace(CoreConfig(), meeting_auto_close_minutes=30))
    chat.say("!forum koppla samverkanskonferens")
    chat.say("!möte start")
    chat.advance(minutes=29)
    assert chat.tick() == []
    chat.advance(minutes=1)
    assert "efter 30 min utan anteckningar" in _render(chat.tick())


def test_two_bot_processes_close_a_meeting_once(databases: Databases, clock: FixedClock) -> None:
    """Two replicas on one PostgreSQL database: the one that closes it posts; the other not."""
    url = databases.prepared("postgresql")
    first, second = Database(url), Database(url)
    try:
        chat = Chat(first, clock)
        chat.say("!forum koppla samverkanskonferens")
        assert chat.say("!möte start").ok
        later = clock.now() + timedelta(hours=5)
        context = AuditContext("system", "", "samverkan-bot", "samverkan-bot", later)
        # Both have read the meeting as open before either closes it.
        with first.unit_of_work(context) as one:
            [seen_by_one] = one.meetings.all_open()
            with second.unit_of_work(context) as other:
                [seen_by_other] = other.meetings.all_open()
                assert other.meetings.end(seen_by_other, None, automatically=True)
            assert not one.meetings.end(seen_by_one, None, automatically=True)
        # Through the timed job: the second process finds nothing left to close.
        clock.set(later)
        assert Chat(second, clock).tick() == []
        assert chat.tick() == []
    finally:
        first.dispose()
        second.dispose()


def test_each_process_ticks_safely_one_after_the_other(
    databases: Databases, clock: FixedClock
) -> None:
    url = databases.prepared("postgresql")
    first, second = Database(url), Database(url)
    try:
        chat = Chat(first, clock)
        chat.say("!forum koppla samverkanskonferens")
        chat.say("!möte start")
        chat.advance(hours=4)
        posted = chat.tick() + Chat(second, clock).tick()
        assert len(posted) == 1
    finally:
        first.dispose()
        second.dispose()

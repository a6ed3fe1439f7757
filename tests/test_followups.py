"""What the bot follows up by itself: an unanswered call-out, and actions falling due."""

from __future__ import annotations

from dataclasses import replace

from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Post
from commands.core.outbox import Delivery
from storage import Database
from tests.support.chat import Chat


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        assert chat.say(f"!aktör {organisation}", person=person).ok


def _text(posts: list[Post]) -> str:
    return "\n".join(render_text(post.document) for post in posts)


def _sent(chat: Chat, posts: list[Post]) -> None:
    for post in posts:
        if post.outbox_id is not None:
            chat.record_delivery(Delivery(post.outbox_id, message_id="m"))


def test_who_has_not_acknowledged_is_called_again_then_the_coordinators_told(
    forum_chat: Chat,
) -> None:
    _register(forum_chat, anna="Polisen", bo="Trafikverket", cia="SOS Alarm")
    assert forum_chat.say("!forum koppla samverkanskonferens", channel="ledning").ok
    assert forum_chat.say("!roll @lisa koordinator").ok
    forum_chat.say("!aktivera Storm Dagmar kalla: Polisen, Trafikverket, SOS Alarm")
    forum_chat.advance(minutes=5)
    forum_chat.say("!kvittera", person="anna")
    forum_chat.advance(minutes=4, seconds=59)
    assert forum_chat.tick() == []
    forum_chat.advance(seconds=1)
    posts = forum_chat.tick()
    assert sorted(post.channel_id for post in posts) == ["ledning", "stab"]  # every channel
    text = render_text(posts[0].document)
    assert "Påminnelse: inkallning till Regional samverkanskonferens" in text
    assert "2 organisationer har inte kvitterat" in text
    assert "SOS Alarm: @cia" in text
    assert "Trafikverket: @bo" in text
    assert "Polisen" not in text
    _sent(forum_chat, posts)
    forum_chat.say("!kvittera", person="bo")
    forum_chat.advance(minutes=10)
    [told] = forum_chat.tick()
    assert told.channel_id == "stab"  # where the call-out came from
    text = render_text(told.document)
    assert "1 organisation har fortfarande inte kvitterat inkallningen." in text
    assert "SOS Alarm" in text
    assert "För koordinatorerna: @lisa" in text


def test_nothing_follows_a_call_out_everyone_answered_or_that_was_stood_down(
    database: Database, clock: FixedClock
) -> None:
    # Without the conference's own posts (its start at 16:00 is within the half hour).
    quiet = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))
    forum_chat = Chat(database, clock, quiet)
    forum_chat.say("!forum koppla samverkanskonferens")
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Storm kalla: Polisen")
    forum_chat.say("!kvittera", person="anna")
    forum_chat.advance(minutes=30)
    assert forum_chat.tick() == []
    forum_chat.say("!avaktivera")
    _register(forum_chat, bo="Trafikverket")
    forum_chat.say("!aktivera Ny storm kalla: Trafikverket")
    forum_chat.say("!avaktivera Över")
    forum_chat.advance(minutes=30)
    assert forum_chat.tick() == []


def test_the_wait_before_calling_again_is_configurable(
    database: Database, clock: FixedClock
) -> None:
    chat = Chat(database, clock, replace(CoreConfig(), activation_recall_minutes=3))
    chat.say("!forum koppla samverkanskonferens")
    _register(chat, anna="Polisen")
    chat.say("!aktivera Storm")
    chat.advance(minutes=3)
    assert "Påminnelse: inkallning" in _text(chat.tick())


def test_an_action_is_brought_up_the_day_before_and_when_due(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!möte start")
    forum_chat.say("!åtgärd Polisen Ta fram trafikplan senast lördag kl 12")
    forum_chat.say("!åtgärd @anna Ring SMHI senast fredag kl 10")
    forum_chat.say("!åtgärd Polisen Utan slutdatum")
    forum_chat.say("!möte slut")
    forum_chat.advance(hours=19)  # Friday 10:00
    posts = forum_chat.tick()
    text = _text(posts)
    assert "Åtgärd 2 ska vara klar nu, fredag 2026-11-27 10:00: Ring SMHI" in text
    assert "Ansvarig: anna @anna" in text
    assert "Åtgärd 1" not in text  # its day before is at noon
    assert "Utan slutdatum" not in text
    _sent(forum_chat, posts)
    forum_chat.advance(hours=2)  # Friday 12:00: the day before action 1
    posts = forum_chat.tick()
    text = _text(posts)
    assert "Åtgärd 1 ska vara klar imorgon, lördag 2026-11-28 12:00: Ta fram trafikplan" in text
    assert "Ansvarig: Polisen Region Stockholm @anna" in text
    assert "Klar? Markera den med !åtgärd klar 1." in text
    _sent(forum_chat, posts)
    forum_chat.say("!åtgärd klar 1", person="anna")
    forum_chat.advance(days=1)
    assert forum_chat.tick() == []  # closed: not brought up again

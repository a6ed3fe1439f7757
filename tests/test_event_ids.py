"""A platform event is acted on at most once, even when the platform delivers it again."""

from __future__ import annotations

from sqlmodel import Session, func, select

from storage import Database
from storage.models import Activation, HandledEvent
from tests.support.chat import Chat


def _activations(database: Database) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(Activation)).one()


def test_the_same_event_delivered_twice_is_acted_on_once(
    forum_chat: Chat, database: Database
) -> None:
    first = forum_chat.say("!aktivera Storm", event_id="$abc")
    assert first.ok, first.text
    forum_chat.say("!avaktivera", event_id="$def")
    again = forum_chat.say("!aktivera Storm", event_id="$abc")
    assert again.reply is None  # no second activation, and nothing said
    assert _activations(database) == 1


def test_a_refused_event_is_not_answered_again(forum_chat: Chat, database: Database) -> None:
    refused = forum_chat.say("!kvittera", person="anna", event_id="$k1")
    assert not refused.ok
    assert forum_chat.say("!kvittera", person="anna", event_id="$k1").reply is None
    with Session(database.engine) as session:
        handled = session.exec(select(HandledEvent)).all()
    assert [(h.platform, h.event_id) for h in handled] == [("test", "$k1")]


def test_the_same_event_id_on_another_platform_is_another_event(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!status", event_id="1").ok
    other = Chat(database, forum_chat.clock, platform="other")
    assert other.say("!status", event_id="1").reply is not None


def test_messages_without_an_event_id_are_always_handled(forum_chat: Chat) -> None:
    assert forum_chat.say("!status").ok
    assert forum_chat.say("!status").ok


def test_old_event_ids_are_forgotten(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!status", event_id="$old")
    later = forum_chat.advance(days=40)
    assert database.forget_handled_before(later) == 1
    assert forum_chat.say("!status", event_id="$old").ok

"""Reactions to the bot's tagged messages, through the dispatcher.

A feature declares what a reaction to its tagged messages runs (``feature(__name__,
reactions={"callout": "kvittera"})``): 👍 ✅ ✔ in any skin tone on a call-out runs
``!kvittera`` as the person who reacted, once per reaction event, answered in reply to the
call-out. Any other key, a message without a tag, or a tag no feature declares: no answer,
nothing changed, not even the event remembered. A refusal (the person represents no
organisation) is answered like a command's, quietly: the door sends it as a notice that
notifies nobody.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from commands import CAPABILITIES, Dispatcher
from commands.core.capabilities import build
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.features import ACKNOWLEDGING, ReactionRoute, feature, reaction_key
from commands.core.messages import Reply
from storage import Database
from storage.models import Acknowledgement, Activation, HandledEvent
from tests.support import tagged_feature
from tests.support.chat import Chat
from tests.support.reactions import react, sent_tagged

CALLOUT_EVENT = "$callout-event"


def _activation_id(database: Database) -> int:
    with Session(database.engine) as session:
        activation = session.exec(select(Activation)).one()
        assert activation.id is not None
        return activation.id


def _acks(database: Database) -> list[Acknowledgement]:
    with Session(database.engine) as session:
        return list(session.exec(select(Acknowledgement)))


def _handled(database: Database) -> int:
    with Session(database.engine) as session:
        return len(list(session.exec(select(HandledEvent))))


def _react(
    chat: Chat,
    key: str,
    *,
    person: str = "anna",
    message: str = CALLOUT_EVENT,
    event: str = "$reaction-1",
) -> Reply | None:
    return react(
        chat, key, person=person, message=message, event=event, display_name=person.capitalize()
    )


@pytest.fixture
def called_out(forum_chat: Chat, database: Database) -> Chat:
    """The conference activated with Polisen (anna) called in, its call-out sent tagged."""
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    assert forum_chat.say("!aktivera Storm Dagmar").ok
    sent_tagged(database, f"callout:{_activation_id(database)}", CALLOUT_EVENT)
    return forum_chat


@pytest.mark.parametrize("key", ["👍", "👍🏽", "✅", "✔️", "✔"])
def test_an_acknowledging_reaction_on_a_call_out_acknowledges_it_once(
    called_out: Chat, database: Database, key: str
) -> None:
    reply = _react(called_out, key)
    assert reply is not None
    assert reply.ok
    assert reply.answer is not None
    assert reply.answer.route == {"reply_to": CALLOUT_EVENT}  # in reply to the call-out
    [ack] = _acks(database)
    assert ack.activation_id == _activation_id(database)
    # The same reaction delivered again (a sync replayed after a restart) runs nothing.
    assert _react(called_out, key) is None
    assert len(_acks(database)) == 1


def test_the_command_a_reaction_runs_knows_the_tagged_message(
    database: Database, clock: FixedClock
) -> None:
    tagged_feature.CLICKS.clear()
    config = CoreConfig()
    chat = Chat(database, clock, config)
    chat.dispatcher = Dispatcher(database, clock, config, build([tagged_feature.FEATURE]))
    sent_tagged(database, "card:7", "$card")
    reply = _react(chat, "✅", person="bo", message="$card", event="$r")
    assert reply is not None
    assert reply.ok
    assert tagged_feature.CLICKS == [("bo", "card:7")]


@pytest.mark.parametrize("key", ["❤️", "👎", "thumbsup", "👍👍"])
def test_another_key_does_nothing_and_is_not_remembered(
    called_out: Chat, database: Database, key: str
) -> None:
    handled = _handled(database)
    assert _react(called_out, key) is None
    assert _acks(database) == []
    assert _handled(database) == handled


def test_a_reaction_to_an_untagged_message_does_nothing(
    called_out: Chat, database: Database
) -> None:
    assert _react(called_out, "👍", message="$someone-elses-message") is None
    assert _acks(database) == []


def test_a_reaction_to_a_tag_no_feature_declares_does_nothing(
    called_out: Chat, database: Database
) -> None:
    sent_tagged(database, "minutes:3", "$minutes")
    assert _react(called_out, "👍", message="$minutes") is None
    assert _acks(database) == []


def test_a_reaction_by_someone_who_represents_nobody_is_refused_and_changes_nothing(
    called_out: Chat, database: Database
) -> None:
    reply = _react(called_out, "👍", person="nils")
    assert reply is not None
    assert not reply.ok
    assert reply.answer is not None
    assert reply.answer.route == {"reply_to": CALLOUT_EVENT}
    assert _acks(database) == []
    # The refusal is not repeated when the same reaction comes again.
    assert _react(called_out, "👍", person="nils") is None


def test_the_call_out_declares_kvittera_for_its_reactions() -> None:
    route = CAPABILITIES.reaction_route("callout:12")
    assert route == ReactionRoute("kvittera")
    assert route.keys == ACKNOWLEDGING
    match = CAPABILITIES.commands.match(route.command.split())
    assert match is not None
    assert match[0].key == "activation.ack"


def test_reaction_keys_are_compared_without_skin_tone_or_variation() -> None:
    assert reaction_key("👍🏿") == "👍"
    assert reaction_key("✔️") == "✔"
    assert reaction_key("✔︎") == "✔"
    assert ReactionRoute("x", keys=frozenset({"✔️"})).counts("✔")


def test_a_reaction_that_runs_no_known_command_is_refused_when_the_bot_is_built() -> None:
    broken = feature("tests.broken", reactions={"card": "ingen sådan"})
    with pytest.raises(ValueError, match="no known command"):
        build([broken])


def test_reactions_to_one_tag_declared_twice_are_refused() -> None:
    one = feature("tests.one", reactions={"card": "klick"})
    with pytest.raises(ValueError, match="declared twice"):
        build([tagged_feature.FEATURE, one])

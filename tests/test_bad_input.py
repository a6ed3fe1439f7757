"""Bad input gets a clear answer in the forum's language and changes nothing."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from commands import CAPABILITIES, Capabilities, Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Reply
from commands.core.registry import Registry, command
from commands.core.request import Request
from storage import Database
from tests.support.chat import Chat

TABLES = (
    "forum",
    "organisation",
    "forumparticipant",
    "person",
    "rolegrant",
    "channelbinding",
    "activation",
    "acknowledgement",
    "activationrequest",
    "auditevent",
)


def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    with database.engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
            for table in TABLES
        }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("!flurp", "Det finns inget kommando ”flurp”"),
        ("!aktivra Storm", "Menade du !aktivera"),
        ("!", "Det står inget kommando efter utropstecknet"),
        ("!   ", "Det står inget kommando efter utropstecknet"),
        ("!aktivera " + "x" * 10_000, "Meddelandet är för långt (10010 tecken; högst 4000)"),
        ("!aktivera Storm\x07", "styrtecken (U+0007)"),
        ("!aktivera Storm\u202e", "styrtecken (U+202E)"),
        ("!status extra ord", "Jag förstod inte ”extra ord”"),
        ("!forum koppla", "Det saknas <forum>"),
        ("!roll @bo", "Det saknas <roll>"),
    ],
)
def test_bad_input_is_answered_and_changes_nothing(
    forum_chat: Chat, database: Database, message: str, expected: str
) -> None:
    before = snapshot(database)
    said = forum_chat.say(message)
    assert not said.ok
    assert expected in said.text
    assert "Traceback" not in said.text
    assert snapshot(database) == before


def test_bad_input_in_an_english_forum_is_answered_in_english(forum_chat: Chat) -> None:
    forum_chat.say("!forum språk en")
    said = forum_chat.say("!aktivera")
    assert "The reason is missing" in said.text
    assert "for example !activate Storm Dagmar" in said.text
    said = forum_chat.say("!kvittera", person="eve")
    assert "You have not said which organisation you represent" in said.text
    said = forum_chat.say("!aktivera Storm", person="eve")
    assert "needs the role coordinator; your role here: no role" in said.text


def test_plain_chat_is_ignored(forum_chat: Chat, database: Database) -> None:
    before = snapshot(database)
    assert forum_chat.say("hej, ses vi kl 16?").reply is None
    assert forum_chat.say("").reply is None
    assert snapshot(database) == before


def test_our_own_bugs_get_an_apology_with_an_id_that_is_logged(
    database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    registry = Registry()

    @command("status", "status", registry=registry)
    def broken(_request: Request) -> Reply:
        raise RuntimeError("kaboom")

    chat = Chat(database, clock)
    chat.dispatcher = Dispatcher(database, clock, CoreConfig(), Capabilities(commands=registry))
    before = snapshot(database)
    with caplog.at_level(logging.ERROR):
        said = chat.say("!status")
    assert not said.ok
    assert "Något gick fel hos mig, inte hos dig. Inget har ändrats." in said.text
    assert "kaboom" not in said.text
    error_id = said.text.split("Felkod: ")[1].split(" ")[0]
    assert len(error_id) == 8
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "kaboom" in str(logged[0].exc_info[1])
    assert snapshot(database) == before


command_words = st.sampled_from(
    [name for cmd in CAPABILITIES.commands.commands for name in cmd.names("sv")]
)
junk = st.text(max_size=300)
messages = st.one_of(
    junk,
    junk.map(lambda s: "!" + s),
    st.tuples(command_words, junk).map(lambda pair: f"!{pair[0]} {pair[1]}"),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(message=messages, person=st.sampled_from(["eve", "anna"]))
def test_arbitrary_text_never_escapes_and_refusals_change_nothing(
    forum_chat: Chat, database: Database, message: str, person: str
) -> None:
    before = snapshot(database)
    said = forum_chat.say(message, person=person)
    if said.reply is None:
        assert not message.strip().startswith("!")
        assert snapshot(database) == before
        return
    assert said.text.strip()
    assert "Traceback" not in said.text
    assert "Något gick fel hos mig" not in said.text, message
    if not said.ok:
        assert snapshot(database) == before

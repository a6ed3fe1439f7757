"""``!hjälp`` is generated from the registry and depends on the person's role."""

from __future__ import annotations

import pytest

from commands import CAPABILITIES
from commands.core.i18n import LANGUAGES, t
from tests.support.chat import Chat


def test_coordinator_sees_every_command_in_a_forum_channel(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp")
    assert said.ok
    assert "Kommandon du kan använda här" in said.text
    for cmd in CAPABILITIES.commands.commands:
        assert cmd.usage("sv") in said.text
        assert cmd.summary("sv") in said.text
    assert "kräver en annan roll" not in said.text


def test_a_person_without_role_sees_only_what_they_may_use(forum_chat: Chat) -> None:
    said = forum_chat.say("!help", person="eve")
    assert "!status" in said.text
    assert "!forum lista" in said.text
    assert "!aktivera" not in said.text
    assert "!roll <" not in said.text
    assert "kräver en annan roll än din (ingen roll)" in said.text


def test_help_on_one_command(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp aktivera")
    assert "!aktivera <anledning>" in said.text
    assert "Exempel: !aktivera Storm Dagmar" in said.text
    assert "Kräver rollen: koordinator" in said.text
    assert "Även: !activate" in said.text
    two_words = forum_chat.say("!hjälp forum koppla")
    assert "!forum koppla <forum>" in two_words.text
    with_prefix = forum_chat.say("!help !kvittera", person="eve")
    assert "!kvittera" in with_prefix.text
    assert "Din roll här: ingen roll. Du kan inte använda kommandot." in with_prefix.text


def test_help_on_unknown_command(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp flyga")
    assert not said.ok
    assert "Det finns inget kommando ”flyga” att visa hjälp för" in said.text


def test_help_in_english_puts_english_names_first(forum_chat: Chat) -> None:
    forum_chat.say("!forum language en")
    said = forum_chat.say("!help activate")
    assert "!activate <reason>" in said.text
    assert "Also: !aktivera" in said.text


def test_accents_and_case_do_not_matter_in_command_names(forum_chat: Chat) -> None:
    assert forum_chat.say("!HJALP").ok
    assert forum_chat.say("!Aktor Polisen", person="anna").ok
    assert "Regional samverkanskonferens" in forum_chat.say("!FORUM").text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_has_help_texts_and_a_parsable_example(
    forum_chat: Chat, language: str
) -> None:
    for cmd in CAPABILITIES.commands.commands:
        assert cmd.summary(language)
        example = cmd.example(language)
        parsed = forum_chat.dispatcher.parse(example[1:], language)
        assert parsed.command is cmd, (cmd.key, example)
        for arg in cmd.args:
            assert t(language, f"arg.{arg.name}")


def test_help_on_the_first_word_of_several_commands_lists_them(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp möte")
    assert said.ok, said.text
    assert "Kommandon som börjar med !möte" in said.text
    assert "!möte start" in said.text
    assert "!möte slut" in said.text
    assert "!webb" not in said.text
    hint = said.text.rsplit("Mer om ett av dem: ", 1)[1].split(".")[0]
    followed = forum_chat.say(hint)  # the hint, as typed
    assert followed.ok, followed.text
    assert "Exempel" in followed.text
    english = forum_chat.say("!help meeting")  # the English names work in any forum
    assert "Kommandon som börjar med !meeting" in english.text
    assert "!möte start" in english.text

"""``!hjälp`` says what it leaves out and why, in words that fit the asker's role and place:
each hidden command is counted under the one thing that would show it."""

from __future__ import annotations

import re

from commands import CAPABILITIES
from commands.core.registry import Scope
from storage.models import Role
from tests.support.chat import Chat


def _shown(text: str) -> int:
    return len(re.findall(r"^  • ", text, re.MULTILINE))


def test_a_coordinator_in_an_unbound_channel_is_told_it_needs_a_forum_not_a_role(
    chat: Chat,
) -> None:
    said = chat.say("!hjälp", channel="ny-kanal")
    assert said.ok
    assert "annan roll" not in said.text
    assert "(koordinator)" not in said.text
    hidden = len(CAPABILITIES.commands.commands) - _shown(said.text)
    assert hidden == sum(1 for cmd in CAPABILITIES.commands.commands if cmd.needs_forum)
    assert (
        f"{hidden} kommandon till gäller ett forum och går att använda när kanalen är kopplad "
        "till ett." in said.text
    )
    assert "Kanalen är inte kopplad till något forum." in said.text  # how to bind it


def test_a_person_without_role_is_told_which_roles_unlock_what(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp", person="eve")
    actor = sum(1 for c in CAPABILITIES.commands.commands if c.role is Role.ACTOR)
    region = sum(1 for c in CAPABILITIES.commands.commands if c.scope is Scope.REGION)
    coordinator = sum(
        1
        for c in CAPABILITIES.commands.commands
        if c.role is Role.COORDINATOR and c.scope is not Scope.REGION
    )
    total = actor + coordinator + region
    assert total == len(CAPABILITIES.commands.commands) - _shown(said.text)
    assert (
        f"{total} kommandon kräver en annan roll än din (ingen roll): {actor} är för aktörer; "
        f"{coordinator} är för forumets koordinatorer; {region} är för regionens koordinatorer."
    ) in said.text
    assert "Säg vilken organisation du företräder med !aktör <organisation>, så blir du aktör." in (
        said.text
    )
    assert "gäller ett forum" not in said.text  # the channel is bound: nothing hidden for that


def test_a_person_without_role_in_an_unbound_channel_is_not_sent_to_say_aktor_there(
    chat: Chat,
) -> None:
    said = chat.say("!hjälp", person="eve", channel="ny")
    assert "kräver en annan roll än din (ingen roll)" in said.text
    assert "så blir du aktör" not in said.text  # !aktör is refused outside a forum's channel


def test_an_actor_in_an_unbound_channel_hears_both_reasons_each_counted_once(
    forum_chat: Chat,
) -> None:
    assert forum_chat.say("!aktör SOS Alarm", person="bo").ok
    said = forum_chat.say("!help", person="bo", channel="ny")
    role_line = next(line for line in said.text.splitlines() if "annan roll" in line)
    forum_line = next(line for line in said.text.splitlines() if "gäller ett forum" in line)
    by_role = [int(n) for n in re.findall(r"(\d+) är för", role_line)]
    assert role_line.startswith(f"{sum(by_role)} kommandon kräver en annan roll än din (aktör)")
    [by_forum] = [int(n) for n in re.findall(r"^(\d+) kommandon till", forum_line)]
    assert sum(by_role) + by_forum == len(CAPABILITIES.commands.commands) - _shown(said.text)
    assert "aktörer" not in role_line  # an actor lacks no actor's role
    assert "så blir du aktör" not in said.text


def test_a_coordinator_in_a_forum_channel_sees_no_hidden_paragraph(forum_chat: Chat) -> None:
    said = forum_chat.say("!hjälp")
    assert "annan roll" not in said.text
    assert "gäller ett forum" not in said.text


def test_the_hidden_paragraph_in_english(forum_chat: Chat) -> None:
    forum_chat.say("!forum language en")
    said = forum_chat.say("!help", person="eve")
    assert "commands need another role than yours (no role): " in said.text
    assert "are for actors; " in said.text
    assert "Say which organisation you represent with !actor <organisation>" in said.text

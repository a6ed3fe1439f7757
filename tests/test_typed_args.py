"""Typed arguments are read once, by the dispatcher; a forum command's handler gets its forum."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from commands import CAPABILITIES, Capabilities, Dispatcher
from commands.core.clock import FixedClock
from commands.core.errors import CommandError
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, ArgType, Registry, command
from commands.core.request import Request
from storage import Database
from tests.support.chat import Chat


def _unknown(req: Request, wanted: str) -> CommandError:
    return CommandError(
        "error.unknown_action", hint_key="hint.actions", name=wanted, forum=req.forum_here.name
    )


def _number_command(registry: Registry, calls: list[Request]) -> None:
    """``!nummer <number>``: one more than the number, in this forum."""

    @command(
        "test.number",
        "nummer",
        args=(Arg("number", type=ArgType.NUMBER, invalid=_unknown),),
        needs_forum=True,
        registry=registry,
    )
    def handler(req: Request) -> Reply:
        calls.append(req)
        return Reply(
            req.document().paragraph(f"{req.number('number') + 1} i {req.forum_here.name}")
        )


@pytest.fixture
def local(database: Database, clock: FixedClock) -> tuple[Chat, Registry, list[Request]]:
    """A chat bound to the samverkanskonferens whose dispatcher knows only test commands."""
    chat = Chat(database, clock)
    assert chat.say("!forum koppla samverkanskonferens").ok
    registry = Registry()
    chat.dispatcher = Dispatcher(database, clock, chat.config, Capabilities(commands=registry))
    return chat, registry, []


def test_a_number_argument_reaches_the_handler_as_an_int(
    local: tuple[Chat, Registry, list[Request]],
) -> None:
    chat, registry, calls = local
    _number_command(registry, calls)
    said = chat.say("!nummer #41")
    assert said.ok, said.text
    assert "42 i Regional samverkanskonferens" in said.text
    assert calls[0].values == {"number": 41}
    assert calls[0].arg("number") == "#41"  # the text as typed stays


def test_a_bad_number_gets_the_declared_refusal_and_the_handler_is_not_called(
    local: tuple[Chat, Registry, list[Request]],
) -> None:
    chat, registry, calls = local
    _number_command(registry, calls)
    for bad in ("tre", "99999999999999999999", "²"):
        said = chat.say(f"!nummer {bad}")
        assert not said.ok
        assert f"Det finns ingen åtgärd ”{bad}” i Regional samverkanskonferens." in said.text
    assert calls == []


def test_an_optional_number_not_given_is_none_and_invalid_may_take_it_as_not_given(
    local: tuple[Chat, Registry, list[Request]],
) -> None:
    chat, registry, calls = local

    @command(
        "test.number",
        "nummer",
        args=(Arg("number", required=False, type=ArgType.NUMBER, invalid=lambda r, w: None),),
        registry=registry,
    )
    def handler(req: Request) -> Reply:
        calls.append(req)
        return Reply(req.document().paragraph(str(req.optional_number("number"))))

    assert "None" in chat.say("!nummer").text
    assert "None" in chat.say("!nummer #").text
    assert "7" in chat.say("!nummer 7").text
    assert calls[1].args == {"number": None}


def test_a_forum_argument_is_looked_up_once(
    local: tuple[Chat, Registry, list[Request]],
) -> None:
    chat, registry, calls = local

    @command(
        "test.forum",
        "vilket",
        args=(Arg("forum", ArgKind.TEXT, type=ArgType.FORUM),),
        registry=registry,
    )
    def handler(req: Request) -> Reply:
        calls.append(req)
        return Reply(req.document().paragraph(req.found_forum("forum").name))

    said = chat.say("!vilket samverkanskonf")
    assert said.ok, said.text
    assert "Regional samverkanskonferens" in said.text
    refused = chat.say("!vilket inget-sådant-forum")
    assert not refused.ok
    assert "Jag känner inte till något forum ”inget-sådant-forum”." in refused.text
    assert len(calls) == 1


def test_a_number_argument_must_say_its_refusal() -> None:
    with pytest.raises(ValueError, match="invalid="):
        command(
            "test.number", "nummer", args=(Arg("n", type=ArgType.NUMBER),), registry=Registry()
        )(lambda req: Reply(req.document()))


def test_a_forum_command_gets_its_forum_without_asking_again(
    local: tuple[Chat, Registry, list[Request]],
) -> None:
    chat, registry, calls = local

    @command("test.here", "här", needs_forum=True, registry=registry)
    def handler(req: Request) -> Reply:
        calls.append(req)
        return Reply(req.document().paragraph(req.forum_here.name))

    assert "Regional samverkanskonferens" in chat.say("!här").text
    refused = chat.say("!här", channel="obunden")
    assert "Den här kanalen är inte kopplad till något forum." in refused.text
    assert len(calls) == 1


def test_no_forum_command_checks_for_its_forum_again() -> None:
    """``require_forum()`` is for what works with or without a forum (a form's answers)."""
    for cmd in CAPABILITIES.commands.commands:
        if not cmd.needs_forum:
            continue
        source = textwrap.dedent(inspect.getsource(cmd.handler))
        called = {
            node.func.attr
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert "require_forum" not in called, cmd.key

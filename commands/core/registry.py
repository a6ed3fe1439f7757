"""The command registry: each command declares its names, arguments, role and help.

Help, usage lines and the dispatcher's lookup are all generated from these declarations, so
there is one source of truth. Commands are declared with :func:`command` in their module in
``commands/``, what receives a form's answers with :func:`form_type`, what notices every
command with :func:`after_command`: each records into its module's ``FEATURE``
(:mod:`commands.core.features`), and :mod:`commands.core.capabilities` builds the registry the
dispatcher is given from a list of features.

Handlers take a :class:`commands.core.request.Request`, which names its :class:`Command`: the
request is imported here for type checking only, so the two modules form no import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from commands.core.errors import CommandError
from commands.core.features import declared_in
from commands.core.forms import Form, FormSubmission
from commands.core.i18n import t
from commands.core.text import fold
from storage.models import Role

if TYPE_CHECKING:
    from commands.core.messages import Reply
    from commands.core.request import Request

Handler = Callable[["Request"], "Reply"]


class ArgKind(Enum):
    """How an argument is cut from the line."""

    WORD = "word"  # one word (or a "quoted phrase")
    TEXT = "text"  # the rest of the line, as typed


class ArgType(Enum):
    """What an argument is read as: the dispatcher reads it once, before the handler runs,
    and the handler takes the value with ``Request.number``/``found_forum``/``organisation``
    (the text as typed stays in ``Request.arg``)."""

    STRING = "string"  # the text itself
    NUMBER = "number"  # ``12`` or ``#12`` (``text.small_number``); else ``Arg.invalid``
    FORUM = "forum"  # ``lookup.find_forum``: its own refusals ("did you mean ...")
    ORGANISATION = "organisation"  # ``lookup.find_organisation``, likewise


class Scope(Enum):
    """Where a command's role must be held."""

    FORUM = "forum"  # in the forum of the channel it is written in (most commands)
    REGION = "region"  # in the whole region: creating forums and organisations
    # In the forum the command names (``!forum koppla <forum>``) or the region
    # (``!roll … regionalt``): the handler checks, through ``roles.require_*``.
    TARGET = "target"


@dataclass(frozen=True)
class Arg:
    """An argument. ``name`` is a catalogue key under ``arg.`` (its display name)."""

    name: str
    kind: ArgKind = ArgKind.WORD
    required: bool = True
    # Required (``<…>`` in the usage line), but the handler refuses its absence itself, with
    # an example made for the case: the dispatcher lets it through as None.
    refused_by_handler: bool = False
    # Not shown in the usage line: text the handler takes in another way when present
    # (``!läge oförändrat`` followed by more words is an ordinary report).
    hidden: bool = False
    type: ArgType = ArgType.STRING
    # The command's refusal for a value that does not read as its type (a NUMBER's "no
    # such meeting"), given the request and the text as typed; returning None takes the
    # value as not given (an optional one).
    invalid: Callable[[Request, str], CommandError | None] | None = None


@dataclass(frozen=True)
class Command:
    """A command. ``key`` names its help texts: ``cmd.<key>.summary`` and ``.example``."""

    key: str
    name: str  # Swedish, may be several words: "forum koppla"
    aliases: tuple[str, ...]
    handler: Handler
    args: tuple[Arg, ...] = ()
    role: Role = Role.NONE
    needs_forum: bool = False
    scope: Scope = Scope.FORUM
    # Answered in a direct conversation with the bot too (help, one's own reminders);
    # everything else acts on a forum, which a direct conversation never does.
    personal: bool = False

    def names(self, language: str) -> list[str]:
        """Every name; the language's own first (English aliases first for English)."""
        if language == "en" and self.aliases:
            return [*self.aliases, self.name]
        return [self.name, *self.aliases]

    def display_name(self, language: str) -> str:
        return self.names(language)[0]

    def usage(self, language: str, prefix: str = "!") -> str:
        parts = [f"{prefix}{self.display_name(language)}"]
        for arg in self.args:
            if arg.hidden:
                continue
            label = t(language, f"arg.{arg.name}")
            parts.append(f"<{label}>" if arg.required else f"[{label}]")
        return " ".join(parts)

    def summary(self, language: str) -> str:
        return t(language, f"cmd.{self.key}.summary")

    def example(self, language: str, prefix: str = "!") -> str:
        return prefix + t(language, f"cmd.{self.key}.example")


@dataclass
class Registry:
    commands: list[Command] = field(default_factory=list)
    _index: dict[tuple[str, ...], Command] = field(default_factory=dict)

    def add(self, cmd: Command) -> None:
        for arg in cmd.args:
            if arg.type is ArgType.NUMBER and arg.invalid is None:
                raise ValueError(f"{cmd.key}: the NUMBER argument {arg.name!r} needs invalid=")
        for name in (cmd.name, *cmd.aliases):
            words = tuple(fold(name).split())
            if words in self._index:
                raise ValueError(f"command name {name!r} registered twice")
            self._index[words] = cmd
        self.commands.append(cmd)

    @property
    def longest_name(self) -> int:
        return max((len(words) for words in self._index), default=1)

    def match(self, words: list[str]) -> tuple[Command, int] | None:
        """The command whose name is the longest prefix of ``words``, and its word count."""
        folded = [fold(w) for w in words[: self.longest_name]]
        for size in range(len(folded), 0, -1):
            cmd = self._index.get(tuple(folded[:size]))
            if cmd is not None:
                return cmd, size
        return None

    def near(
        self, words: list[str], head: tuple[str, ...] = (), cutoff: float = 70
    ) -> tuple[Command, int] | None:
        """The command whose name ``words`` most resemble (a typo), and how many of the
        words were its name; None below ``cutoff``.

        With ``head`` (a command's folded name, already matched), only its sub-commands are
        looked at and only the words after it compared: ``kopla`` with ``koppla`` for
        ``forum``, never the shared ``forum`` that would make every sub-command look close.
        One word more or fewer than the name is tried too (``tabort`` for ``ta bort``).
        """
        from rapidfuzz import fuzz  # only when a name was mistyped: not at every start

        folded = [fold(w) for w in words[: self.longest_name + 1]]
        best: tuple[float, Command, int] | None = None
        for key, cmd in self._index.items():
            if key[: len(head)] != head or len(key) == len(head):
                continue
            name = " ".join(key[len(head) :])
            wanted = len(key) - len(head)
            for size in range(max(1, wanted - 1), min(len(folded), wanted + 1) + 1):
                score = fuzz.ratio(" ".join(folded[:size]), name)
                if score >= cutoff and (best is None or score > best[0]):
                    best = (score, cmd, size)
        return (best[1], best[2]) if best else None


def after_command(hook: Callable[[Request], None]) -> Callable[[Request], None]:
    """Declare ``hook`` to be called with the request after every command that succeeded, in
    its unit of work: what a topic needs to notice about any command (a meeting records who
    spoke during it)."""
    declared_in(hook).after_command.append(hook)
    return hook


def command(
    key: str,
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    args: tuple[Arg, ...] = (),
    role: Role = Role.NONE,
    needs_forum: bool = False,
    scope: Scope = Scope.FORUM,
    personal: bool = False,
    registry: Registry | None = None,
) -> Callable[[Handler], Handler]:
    """Declare the decorated function as a command of its module's feature (or add it to
    ``registry`` at once, when given: a test's own command)."""

    def register(handler: Handler) -> Handler:
        add = registry.add if registry is not None else declared_in(handler).commands.append
        add(
            Command(
                key=key,
                name=name,
                aliases=aliases,
                handler=handler,
                args=args,
                role=role,
                needs_forum=needs_forum,
                scope=scope,
                personal=personal,
            )
        )
        return handler

    return register


@dataclass(frozen=True)
class FormType:
    key: str
    # The form, in a language, for a context: to ask a dialog's next question after a restart.
    build: Callable[[str, dict[str, Any]], Form]
    submit: Callable[[Request, FormSubmission], Reply]
    # The role its sender must hold when the answers come in (checked again then).
    role: Role = Role.ACTOR


def form_type(
    key: str, build: Callable[[str, dict[str, Any]], Form], role: Role = Role.ACTOR
) -> Callable[
    [Callable[[Request, FormSubmission], Reply]], Callable[[Request, FormSubmission], Reply]
]:
    """Declare the decorated function as what receives ``key`` forms' answers."""

    def register(
        submit: Callable[[Request, FormSubmission], Reply],
    ) -> Callable[[Request, FormSubmission], Reply]:
        declared_in(submit).form_types.append(FormType(key, build, submit, role))
        return submit

    return register

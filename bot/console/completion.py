"""Tab completion in the terminal chat: command names from the registry, organisation names
from the database (after ``@person/`` and as a command's organisation argument)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from commands.core.registry import ArgKind, Command, Registry
from commands.core.text import fold

# What may stand before the message on a line: ``#channel`` and ``@person/Organisation:``.
_LINE_PREFIX = re.compile(r"^\s*(?:#[^\s#@:]+\s+)?(?:@[^\s/:@]+(?:/[^:]*)?\s*:\s*)?")
# The organisation being typed in the person prefix: ``@anna/Pol``.
_ORGANISATION_PREFIX = re.compile(r"^\s*(?:#[^\s#@:]+\s+)?@[^\s/:@]+/(?P<typed>[^:]*)$")


class ConsoleCompleter(Completer):
    """Completes the line being typed (the last line of a pasted block), with the names of
    ``registry``'s commands (the dispatcher's)."""

    def __init__(
        self, prefix: str, organisations: Callable[[], Sequence[str]], registry: Registry
    ) -> None:
        self.prefix = prefix
        self.registry = registry
        # Called at each completion: the door refreshes the names after every message, so an
        # organisation added a moment ago (``!aktör ny``) completes at once.
        self.organisations = organisations

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        line = document.current_line_before_cursor
        in_person_prefix = _ORGANISATION_PREFIX.match(line)
        if in_person_prefix:
            yield from self._organisations(in_person_prefix["typed"], quoted=False)
            return
        before = _LINE_PREFIX.match(line)
        assert before is not None  # every part of the pattern is optional
        body = line[before.end() :]
        if not body.startswith(self.prefix):
            return
        typed = body[len(self.prefix) :]
        yield from self._commands(typed)
        yield from self._arguments(typed)

    def _commands(self, typed: str) -> Iterable[Completion]:
        """Names that go on from what is typed (``!forum `` offers ``!forum koppla`` ...),
        matched as the dispatcher matches them: case and accents ignored."""
        wanted = fold(typed)
        if typed != typed.lstrip():
            return  # "! kvitt" is no command
        for cmd in self.registry.commands:
            for name in (cmd.name, *cmd.aliases):
                if fold(name).startswith(wanted) and fold(name) != wanted:
                    yield Completion(
                        self.prefix + name,
                        start_position=-len(self.prefix + typed),
                        display=self.prefix + name,
                    )

    def _arguments(self, typed: str) -> Iterable[Completion]:
        """Organisation names for a command whose first argument is an organisation
        (``!aktör Pol`` → ``!aktör Polisen Region Stockholm``)."""
        words = typed.split()
        found = self.registry.match(words)
        if found is None or (len(words) == found[1] and not typed[-1:].isspace()):
            return  # still typing the command's name
        cmd, size = found
        argument = _organisation_argument(cmd)
        if argument is None:
            return
        # The argument starts after the command's words and the space that follows them.
        start = _after_words(typed, size)
        rest = typed[start:]
        if argument is ArgKind.WORD and " " in rest.strip() and not rest.startswith('"'):
            return  # a one-word argument already typed: the report text follows
        yield from self._organisations(rest, quoted=argument is ArgKind.WORD)

    def _organisations(self, typed: str, *, quoted: bool) -> Iterable[Completion]:
        """Names for ``typed`` (an opening quote included), which the choice replaces."""
        wanted = fold(typed.lstrip('"'))
        found = [name for name in self.organisations() if _begins_a_word(fold(name), wanted)]
        # Names that begin so first: "Sto" offers Stockholms stad before Polisen Region Stockholm.
        found.sort(key=lambda name: not fold(name).startswith(wanted))
        for name in found:
            # A one-word argument takes a name of several words only in quotes.
            text = f'"{name}"' if quoted and " " in name else name
            yield Completion(text, start_position=-len(typed), display=name)


def _organisation_argument(cmd: Command) -> ArgKind | None:
    first = cmd.args[0] if cmd.args else None
    return first.kind if first is not None and first.name == "organisation" else None


def _after_words(text: str, count: int) -> int:
    """The index in ``text`` just after its first ``count`` words and one space."""
    index = 0
    for _ in range(count):
        while index < len(text) and text[index].isspace():
            index += 1
        while index < len(text) and not text[index].isspace():
            index += 1
    return min(index + 1, len(text))


def _begins_a_word(name: str, wanted: str) -> bool:
    """``polisen region stockholm`` is found by ``pol`` and by ``reg``."""
    return name.startswith(wanted) or any(
        name[i + 1 :].startswith(wanted) for i, c in enumerate(name) if c == " "
    )

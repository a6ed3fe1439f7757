"""Reading a console line: ``#channel @person/Organisation: text``, each part optional."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(
    r"""^\s*
    (?:\#(?P<channel>[^\s#@:]+)\s*)?
    (?:@(?P<person>[^\s/:@]+)(?:/(?P<organisation>[^:]+?))?\s*:\s*)?
    (?P<text>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_MENTION = re.compile(r"(?<![\w@])@([\w.\-åäöÅÄÖ]+)")


@dataclass(frozen=True)
class ConsoleLine:
    channel: str | None
    person: str | None
    organisation: str | None
    text: str


def parse_line(line: str) -> ConsoleLine:
    match = _LINE.match(line.rstrip("\r\n"))
    assert match is not None  # the pattern matches any line
    organisation = match.group("organisation")
    return ConsoleLine(
        channel=match.group("channel"),
        person=match.group("person"),
        organisation=organisation.strip() if organisation else None,
        text=match.group("text").strip(),
    )


def mentions_in(text: str) -> list[str]:
    """The ``@name`` mentions in a console message."""
    return _MENTION.findall(text)

"""Small text helpers: folding for matching, tokens with their spans, input checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')
# Bidirectional overrides and isolates can make a line display differently from what it says.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"Aktör"`` and ``"aktor"`` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


@dataclass(frozen=True)
class Token:
    value: str  # without surrounding quotes
    start: int
    end: int


def leading_phrases(tokens: list[Token], max_words: int) -> Iterator[tuple[int, str]]:
    """The first words of ``tokens`` as folded phrases, the longest first, each with its
    word count; at least one token is left over (the text after a name)."""
    for size in range(min(max_words, len(tokens) - 1), 0, -1):
        yield size, fold(" ".join(token.value for token in tokens[:size]))


def tokenize(text: str) -> list[Token]:
    """Words, with ``"quoted phrases"`` as one token; never fails on unbalanced quotes."""
    tokens = []
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            value = match.group(1)
        elif match.group(2) is not None:
            value = match.group(2)
        else:
            value = match.group(3)
        tokens.append(Token(value, match.start(), match.end()))
    return tokens


def span_text(text: str, tokens: list[Token]) -> str:
    """The original text covered by ``tokens``; a single quoted token loses its quotes."""
    if not tokens:
        return ""
    if len(tokens) == 1:
        return tokens[0].value.strip()
    return text[tokens[0].start : tokens[-1].end].strip()


def bad_character(text: str) -> str | None:
    """The first character that has no place in a chat message, if any."""
    for char in text:
        if char in "\n\r\t":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in _BIDI:
            return char
    return None


MAX_NUMBER = 999_999_999  # no forum has a billion meetings, rounds or reminders


def small_number(text: str) -> int | None:
    """A number people type to pick something (``12``, ``#12``): ASCII digits only, at most
    ``MAX_NUMBER``; None otherwise, so that ``99999999999999999999`` or ``²`` is "no such
    thing" rather than an overflow in the database."""
    digits = text.strip().lstrip("#")
    if not digits or len(digits) > 9 or not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:80] or "forum"

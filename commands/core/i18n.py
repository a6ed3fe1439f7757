"""The message catalogue: every user-visible text, in Swedish and English.

The catalogues are TOML files in ``commands/messages`` (``sv.toml``, and a topic's own in
``sv/<topic>.toml``, merged); nested tables become dotted keys
(``[error] unknown_command = "..."`` is ``error.unknown_command``). Placeholders use
``str.format`` syntax. Swedish is the reference: English must have exactly the same keys and
placeholders (a test checks it).

A text that depends on a number is a table with the forms ``one`` and ``other`` (the two
plural categories Swedish and English have), chosen by the ``count`` parameter::

    callout_who = { one = "Inkallad (1 organisation):", other = "Inkallade ({count} st):" }
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "messages"


class Plural(NamedTuple):
    """A text in its singular (``count`` is 1) and plural forms."""

    one: str
    other: str

    def choose(self, count: Any) -> str:
        return self.one if count == 1 else self.other


Entry = str | Plural
PLURAL_FORMS = {"one", "other"}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) == PLURAL_FORMS:
            out[dotted] = Plural(str(value["one"]), str(value["other"]))
        elif isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = str(value)
    return out


@cache
def catalogue(language: str) -> dict[str, Entry]:
    """``<language>.toml`` and the topic files beside it in ``<language>/`` (``sv/duty.toml``),
    as one catalogue: a key defined twice is a mistake, refused."""
    files = [CATALOGUE_DIR / f"{language}.toml", *sorted((CATALOGUE_DIR / language).glob("*.toml"))]
    merged: dict[str, Entry] = {}
    for path in files:
        with path.open("rb") as handle:
            entries = _flatten(tomllib.load(handle))
        twice = set(entries) & set(merged)
        if twice:
            raise ValueError(f"{path.name}: defined in another catalogue file too: {sorted(twice)}")
        merged.update(entries)
    return merged


def placeholders(entry: Entry) -> set[str]:
    """The names a text fills in (of both forms, for a plural)."""
    forms = entry if isinstance(entry, Plural) else (entry,)
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def normalise_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def t(language: str, key: str, **params: Any) -> str:
    """The text for ``key`` in ``language``, with ``params`` filled in."""
    messages = catalogue(normalise_language(language))
    entry = messages.get(key)
    if entry is None:
        entry = catalogue(DEFAULT_LANGUAGE)[key]
    template = entry.choose(params.get("count")) if isinstance(entry, Plural) else entry
    return template.format(**params) if params else template


def has(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)

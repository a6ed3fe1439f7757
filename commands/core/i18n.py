"""The message catalogue: every user-visible text, in Swedish and English.

The catalogues are TOML files in ``commands/messages``; nested tables become dotted keys
(``[error] unknown_command = "..."`` is ``error.unknown_command``). Placeholders use
``str.format`` syntax. Swedish is the reference: English must have exactly the same keys and
placeholders (a test checks it).
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "messages"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = str(value)
    return out


@cache
def catalogue(language: str) -> dict[str, str]:
    with (CATALOGUE_DIR / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def normalise_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def t(language: str, key: str, **params: Any) -> str:
    """The text for ``key`` in ``language``, with ``params`` filled in."""
    messages = catalogue(normalise_language(language))
    template = messages.get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE)[key]
    return template.format(**params) if params else template


def has(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)

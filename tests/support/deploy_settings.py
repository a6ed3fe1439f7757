"""The bot's setting names, as environment variables, from `bot.config.Settings` itself."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pydantic import AliasChoices, SecretStr

from bot.config import Settings

OTHER_VARIABLES = frozenset({"SAMVERKAN_CONFIG"})
"""Read by the bot besides the settings: the TOML configuration file."""


@cache
def setting_names() -> frozenset[str]:
    """Every environment variable name the settings accept (field names and aliases)."""
    names: set[str] = set()
    for name, info in Settings.model_fields.items():
        names.add(name.upper())
        alias = info.validation_alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
    return frozenset(names)


@cache
def secret_names() -> frozenset[str]:
    """The settings that are secrets (SecretStr fields): never in a ConfigMap or a log."""
    return frozenset(
        name.upper()
        for name, info in Settings.model_fields.items()
        if SecretStr in _types(info.annotation)
    )


def _types(annotation: object) -> set[object]:
    found = {annotation}
    for argument in getattr(annotation, "__args__", ()):
        found |= _types(argument)
    return found


def unknown_names(names: Iterable[str]) -> list[str]:
    """The names in ``names`` that the bot does not read."""
    known = setting_names() | OTHER_VARIABLES
    return sorted(name for name in names if name.upper() not in known)

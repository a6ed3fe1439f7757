"""The environment for a bot process started by a test: the developer's own settings removed."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import AliasChoices

from bot.config import Settings
from tests.support.loopback import free_port


def _setting_names() -> frozenset[str]:
    """Every environment variable the bot reads, from the settings class itself."""
    names = {"SAMVERKAN_CONFIG"}
    for name, field in Settings.model_fields.items():
        names.add(name.upper())
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias.upper())
    return frozenset(names)


# Settings the developer's shell may have; the tests decide them.
CLEARED = _setting_names()


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the bot's settings, plus ``extra``. The HTTP port
    is a free one unless ``extra`` says: the terminal chat serves the web pages too, and
    several started at once must not fight over 8080."""
    env = {key: value for key, value in os.environ.items() if key.upper() not in CLEARED}
    env["HTTP_PORT"] = str(free_port())
    env.update(extra or {})
    return env

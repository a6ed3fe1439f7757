"""The environment for a bot process started by a test: the developer's own settings removed."""

from __future__ import annotations

import os
from collections.abc import Mapping

# Settings the developer's shell may have; the tests decide them.
CLEARED_PREFIXES = ("SLACK_", "MATRIX_")
CLEARED = (
    "DATABASE_URL",
    "BOT_ADMINS",
    "SAMVERKAN_CONFIG",
    "LOG_LEVEL",
    "DEFAULT_LANGUAGE",
    "TIMEZONE",
    "COMMAND_PREFIX",
    "MAX_MESSAGE_LENGTH",
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the bot's settings, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CLEARED and not key.startswith(CLEARED_PREFIXES)
    }
    env.update(extra or {})
    return env

"""``!budskap``: joint messages to the public, proposed, answered, revised, agreed and retired."""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

"""``!övning``: exercise mode, its injects from a scenario file, removing its data afterwards."""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

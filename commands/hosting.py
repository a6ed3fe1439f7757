"""(being written: issue 18)"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

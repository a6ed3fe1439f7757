"""``!efterhand``: the record of an activation, compiled from what is stored: timeline, key
figures, charts.
"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

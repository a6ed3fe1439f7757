"""``!statistik``: a forum's figures over a period (activations, acknowledgements, reports,
meetings), exercises apart.
"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

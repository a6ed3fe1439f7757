"""``!inriktning``: the joint regional direction — drafted, presented, adopted, its versions and
files.
"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

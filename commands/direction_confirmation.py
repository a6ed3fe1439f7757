"""``!inriktning kvittera``: each organisation confirms an adopted direction; the bot follows up
those who have not, and reminds before it expires.
"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

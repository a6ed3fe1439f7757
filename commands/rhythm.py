"""``!rytm``, ``!nästa möte``: the meeting rhythm of an activation, its meetings' reminders and
rounds.
"""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

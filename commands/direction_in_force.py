"""Once a direction is adopted: ``!inriktning kvittera`` (each organisation confirms it has
taken note), ``!inriktning fil`` (the direction as a file to send on in one's own
organisation), and the bot's follow-ups: those who have not confirmed, and its expiry."""

from __future__ import annotations

from commands.core.features import feature

FEATURE = feature(__name__)

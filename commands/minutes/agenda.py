"""The standing agenda of a forum's meeting, ordinary or activated (DOMAIN.md)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from commands.core.i18n import t
from storage.models import Mode

ORDINARY = (
    "opening",
    "follow_up",
    "reports",
    "outlook",
    "needs",
    "communication",
    "picture",
    "agreements",
    "next",
)
# Activated mode adds the purpose after the opening, a joint analysis after the needs, and
# the joint regional direction before the agreements.
ACTIVATED = (
    "opening",
    "purpose",
    "follow_up",
    "reports",
    "outlook",
    "needs",
    "analysis",
    "communication",
    "picture",
    "direction",
    "agreements",
    "next",
)


def standing_agenda(mode: Mode) -> tuple[str, ...]:
    return ACTIVATED if mode is Mode.ACTIVATED else ORDINARY


def agenda_titles(mode: Mode, at: datetime, zone: ZoneInfo, language: str) -> list[str]:
    """The agenda's items as people read them (``Samlad lägesbild vecka 48``)."""
    week = at.astimezone(zone).isocalendar().week
    return [t(language, f"agenda.{key}", week=week) for key in standing_agenda(mode)]

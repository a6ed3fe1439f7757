"""The standing agenda of a forum's meeting, ordinary or activated (DOMAIN.md).

A forum may have its own standing agenda per mode (``Forum.agenda``: ``{"ordinary": [item,
…], "activated": [...]}``, each item ``{"key": k}``, a catalogue key under ``agenda.``, or
``{"text": t}``, words of the forum's own); a mode it has none for gets the default below,
the Thursday conference's. A keyed item is shown in the reader's language; a text as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.i18n import catalogue, t
from storage.models import Forum, Mode

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
# The agenda items under which a meeting's follow-up goes (commands/minutes/render.py): the
# open actions, the items raised to the forum, and the thematic groups' reports back.
ACTIONS_ITEMS = ("follow_up", "decisions_follow_up")
RAISED_ITEM = "raised_items"
REPORTS_ITEM = "thematic_reports"


def follow_up_item(keys: list[str], report_back: bool = False, action: bool = False) -> str:
    """The key of the agenda item (among ``keys``) a follow-up goes under: an open action
    (``action``), an item raised to the forum, or a report back; "" for the one block
    "Uppföljning" of an agenda without items for the raised ones (the conference's)."""
    if RAISED_ITEM not in keys and REPORTS_ITEM not in keys:
        return ""
    actions = next((key for key in keys if key in ACTIONS_ITEMS), "")
    if action:
        return actions
    raised = RAISED_ITEM if RAISED_ITEM in keys else actions
    if report_back:
        return REPORTS_ITEM if REPORTS_ITEM in keys else raised
    return raised


@dataclass(frozen=True)
class AgendaItem:
    """One item of a standing agenda: a catalogue key, or a forum's own words."""

    key: str | None = None
    text: str | None = None

    def title(self, language: str, week: int) -> str:
        if self.key is not None:
            return t(language, f"agenda.{self.key}", week=week)
        return self.text or ""

    def to_json(self) -> dict[str, str]:
        return {"key": self.key} if self.key is not None else {"text": self.text or ""}


def known_keys() -> list[str]:
    """Every catalogue key of an agenda item (``opening``, ``region_plans`` …)."""
    return [key.removeprefix("agenda.") for key in catalogue("sv") if key.startswith("agenda.")]


def _item(value: Any) -> AgendaItem | None:
    """A stored item, or None for what does not read as one (a key no longer known)."""
    if not isinstance(value, dict):
        return None
    key, text = value.get("key"), value.get("text")
    if isinstance(key, str) and f"agenda.{key}" in catalogue("sv"):
        return AgendaItem(key=key)
    if isinstance(text, str) and text.strip():
        return AgendaItem(text=text.strip())
    return None


def own_agenda(forum: Forum | None, mode: Mode) -> list[AgendaItem] | None:
    """The forum's own standing agenda in ``mode``; None when it has none (the default)."""
    if forum is None or not forum.agenda:
        return None
    stored = forum.agenda.get(mode.value)
    if not isinstance(stored, list):
        return None
    items = [item for item in map(_item, stored) if item is not None]
    return items or None


def default_agenda(mode: Mode) -> list[AgendaItem]:
    return [AgendaItem(key=key) for key in (ACTIVATED if mode is Mode.ACTIVATED else ORDINARY)]


def standing_agenda(mode: Mode, forum: Forum | None = None) -> list[AgendaItem]:
    """The forum's standing agenda in ``mode``: its own, or the default."""
    return own_agenda(forum, mode) or default_agenda(mode)


def agenda_keys(mode: Mode, forum: Forum | None = None) -> list[str]:
    """The catalogue keys of the standing agenda's items, in order (its own words have none)."""
    return [item.key for item in standing_agenda(mode, forum) if item.key is not None]


def follow_up_title(forum: Forum, language: str, *, report_back: bool = False) -> str:
    """The title of the item of ``forum``'s standing agenda (in its current mode) that an
    item raised to it, or a report back, is taken up under at its next meeting."""
    key = follow_up_item(agenda_keys(forum.mode, forum), report_back=report_back)
    return t(language, f"agenda.{key}") if key else t(language, "minutes.follow_up")


def agenda_titles(
    mode: Mode, at: datetime, zone: ZoneInfo, language: str, forum: Forum | None = None
) -> list[str]:
    """The agenda's items as people read them (``Samlad lägesbild vecka 48``): the forum's
    own for ``mode`` if it has one, else the default."""
    week = at.astimezone(zone).isocalendar().week
    return [item.title(language, week) for item in standing_agenda(mode, forum)]

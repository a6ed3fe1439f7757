"""A joint regional direction as people write it, into the model's fields.

Labelled lines, read as ``!läge`` reads them (``commands/core/labelled.py``): a line that starts
with a known label (Swedish or English, any case, accents optional, bold or bulleted:
``Målbild:``, ``*Prioriteringar:*``, ``- Ramar:``) starts that field and the lines after it
continue it; a known label after a sentence (``Målbild: framkomlighet. Ramar: inga``) starts one
too. Text before the first label is *Målbild*. An unknown label (``Väder: snö``) stays as text
where it stands and is reported back. *Gäller till* is an instant, read by the bot's one time
reader (``commands/core/when.py``).

What was written is kept apart from what it means for a version: a label given with nothing
after it (or ``-``) empties its field, which matters when a version is edited
(``!inriktning ändra``: the fields given replace those fields, the others are kept).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.labelled import LabelledLines
from commands.core.timefmt import format_time_with_weekday
from commands.core.when import Refusal, read_when
from storage.directions import DIRECTION_FIELDS, DirectionText

VALID_UNTIL = "valid_until"
# Every field people may write, in the model's order: the five texts, then *Gäller till*.
FIELDS = (*DIRECTION_FIELDS, VALID_UNTIL)
# What *Gäller till* may be as written (the column's length).
MAX_VALID_UNTIL_TEXT = 200

# Every way of writing a field's label, folded (case and accents off, punctuation as spaces).
LABELS: dict[str, tuple[str, ...]] = {
    "target": (
        "malbild",
        "mal",
        "gemensam malbild",
        "target picture",
        "target",
        "objective",
        "objectives",
        "end state",
    ),
    "priorities": (
        "prioriteringar",
        "prioritering",
        "gemensamma prioriteringar",
        "priorities",
        "priority",
        "joint priorities",
    ),
    "constraints": (
        "ramar och begransningar",
        "ramar begransningar",
        "ramar",
        "begransningar",
        "begransning",
        "limits and constraints",
        "limits",
        "constraints",
        "frames",
    ),
    "guidelines": (
        "riktlinjer for det fortsatta arbetet",
        "riktlinjer for fortsatt arbete",
        "riktlinjer och strukturer",
        "riktlinjer",
        "guidelines for the continued work",
        "guidelines",
    ),
    "communication": (
        "kommunikation och gemensamma budskap",
        "kommunikation",
        "gemensamma budskap",
        "budskap",
        "communication and joint messages",
        "communication",
        "joint messages",
    ),
    VALID_UNTIL: (
        "galler till",
        "giltig till",
        "giltigt till",
        "giltighet",
        "valid until",
        "valid to",
        "expires",
    ),
}
assert tuple(LABELS) == FIELDS
# The reader of those labels (``commands/core/labelled.py``); words in brackets after a label
# are not read as a note: ``Målbild (kort):`` is text.
_READER = LabelledLines(LABELS)
# A field given as one of these is emptied.
_EMPTY = frozenset({"", "-", "–", "—"})


@dataclass(frozen=True)
class WrittenDirection:
    """The fields a text gives, as written (a field given empty is ``""``), and the labels
    it used that are none of the direction's."""

    given: dict[str, str]
    unknown_labels: tuple[str, ...] = ()


def read_written(text: str) -> WrittenDirection:
    """The fields ``text`` gives; text before any label is *Målbild* (blank lines there give
    no field: an edit keeps *Målbild*); a field written as ``-`` is empty."""
    read = _READER.read(text)
    given = {name: "" if value in _EMPTY else value for name, value in read.given.items()}
    return WrittenDirection(given, read.unknown_labels)


# -- what it means for a version ---------------------------------------------------------------


@dataclass(frozen=True)
class TimeContext:
    """Where a *Gäller till* is read: now, the forum's zone and language, and the hint to
    give with a refusal (an example that works)."""

    now: datetime
    zone: ZoneInfo
    language: str
    hint_key: str
    hint_params: dict[str, object]


def read_valid_until(written: str, at: TimeContext) -> datetime:
    """The instant *Gäller till* names; refused with the time reader's own words when it
    cannot be read, and when it has passed."""
    phrase = written.strip()
    if len(phrase) > MAX_VALID_UNTIL_TEXT:
        raise CommandError(
            "error.text_too_long",
            hint_key=at.hint_key,
            limit=MAX_VALID_UNTIL_TEXT,
            **at.hint_params,
        )
    found = read_when(phrase, at.now, at.zone)
    if isinstance(found, Refusal):
        raise CommandError(
            found.key, hint_key=at.hint_key, **found.texts(at.language, at.zone), **at.hint_params
        )
    if found.at <= at.now:
        raise CommandError(
            "direction_lifecycle_error.valid_until_past",
            hint_key=at.hint_key,
            phrase=phrase[:80],
            time=format_time_with_weekday(found.at, at.zone, at.language),
            **at.hint_params,
        )
    return found.at


def new_text(written: WrittenDirection, at: TimeContext) -> DirectionText:
    """A first version from what was written: the fields not given are empty."""
    return revised_text(DirectionText(), written, at)


def revised_text(
    current: DirectionText, written: WrittenDirection, at: TimeContext
) -> DirectionText:
    """``current`` with the fields ``written`` gives replaced (an empty one emptied)."""
    changes: dict[str, Any] = {
        name: written.given[name] or None for name in DIRECTION_FIELDS if name in written.given
    }
    if VALID_UNTIL in written.given:
        phrase = written.given[VALID_UNTIL]
        changes["valid_until"] = read_valid_until(phrase, at) if phrase else None
        changes["valid_until_text"] = phrase or None
    return replace(current, **changes)


def field_label(name: str, language: str) -> str:
    """A field's label as shown (``[direction.field]``)."""
    return t(language, f"direction.field.{name}")

"""A joint regional direction as people write it, into the model's fields.

Labelled lines as in ``!läge`` (``commands/situation/parse.py``): a line that starts with a
known label (Swedish or English, any case, accents optional, bold or bulleted: ``Målbild:``,
``*Prioriteringar:*``, ``- Ramar:``) starts that field and the lines after it continue it; a
known label after a sentence (``Målbild: framkomlighet. Ramar: inga``) starts one too. Text
before the first label is *Målbild*. An unknown label (``Väder: snö``) stays as text where it
stands and is reported back. *Gäller till* is an instant, read by the bot's one time reader
(``commands/core/when.py``).

What was written is kept apart from what it means for a version: a label given with nothing
after it (or ``-``) empties its field, which matters when a version is edited
(``!inriktning ändra``: the fields given replace those fields, the others are kept).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.text import fold
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
_FIELD_OF = {label: name for name, labels in LABELS.items() for label in labels}

# What a label may look like around it: a bullet, Markdown/Slack emphasis, then the colon.
_LEAD = r"(?:[-*•>]\s*)?[*_]*"
_TAIL = r"[*_]*\s*[:：][*_]*"
_KNOWN = "|".join(
    r"[\s/&,()+-]+".join(re.escape(word) for word in label.split())
    for label in sorted(_FIELD_OF, key=len, reverse=True)
)
# Matched on the line's skeleton (same length, lower case, accents off), so positions hold.
_LABEL_AT = re.compile(rf"(?:^|(?<=[.;!?|])\s)\s*{_LEAD}(?P<label>{_KNOWN}){_TAIL}")
# Something that looks like a label at the start of a line but is none we know.
_UNKNOWN_AT = re.compile(rf"^\s*{_LEAD}(?P<label>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){{0,2}}){_TAIL}\s")
# A field given as one of these is emptied.
_EMPTY = frozenset({"", "-", "–", "—"})


@dataclass(frozen=True)
class WrittenDirection:
    """The fields a text gives, as written (a field given empty is ``""``), and the labels
    it used that are none of the direction's."""

    given: dict[str, str]
    unknown_labels: tuple[str, ...] = ()


def _skeleton(text: str) -> str:
    """``text`` lower-cased with accents dropped, one character for each character."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        lowered = base.lower()
        out.append(lowered if len(lowered) == 1 else char)
    return "".join(out)


def _label_key(label: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(label)).split())


def field_of(label: str) -> str | None:
    """The field a label names (``"Ramar och begränsningar"`` -> ``"constraints"``)."""
    return _FIELD_OF.get(_label_key(label))


def read_written(text: str) -> WrittenDirection:
    """The fields ``text`` gives; text before any label is *Målbild*."""
    parts: dict[str, list[str]] = {}
    unknown: list[str] = []
    current = "target"

    def add(name: str, value: str) -> None:
        # Blank lines before the first label give no field (an edit keeps *Målbild*).
        if value.strip() or name in parts:
            parts.setdefault(name, []).append(value)

    for line in text.splitlines():
        skeleton = _skeleton(line)
        matches = list(_LABEL_AT.finditer(skeleton))
        if not matches:
            found = _UNKNOWN_AT.match(skeleton)
            label = line[found.start("label") : found.end("label")] if found else ""
            if label[:1].isupper() and field_of(label) is None and label not in unknown:
                unknown.append(label)
            add(current, line)
            continue
        if matches[0].start() > 0:
            add(current, _before_label(line[: matches[0].start()]))
        for index, match in enumerate(matches):
            current = _FIELD_OF[_label_key(match.group("label"))]
            if index + 1 < len(matches):
                value = _before_label(line[match.end() : matches[index + 1].start()])
            else:
                value = line[match.end() :].strip()
            parts.setdefault(current, []).append(value)
    given = {name: _joined(parts[name]) for name in FIELDS if name in parts}
    return WrittenDirection(given, tuple(unknown))


def _before_label(segment: str) -> str:
    """A field's text that a label on the same line ends: ``"inga;"`` -> ``"inga"``."""
    return segment.strip().rstrip(";|").rstrip()


def _joined(lines: list[str]) -> str:
    """The lines of one field as one text: trimmed, blank lines at the ends dropped; a field
    written as ``-`` is empty."""
    kept = [line.rstrip() for line in lines]
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    text = "\n".join(kept).strip()
    return "" if text in _EMPTY else text


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

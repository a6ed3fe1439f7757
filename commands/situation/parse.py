"""A situation report as people write it, into the model's seven fields.

Free text goes to *Läge*. A line that starts with a known label (Swedish or English, any case,
with or without accents, bold or bulleted: ``Konsekvenser:``, ``konsekvens:``, ``*Behov:*``,
``- Impact:``) starts that field, and the lines after it continue it; a known label after a
sentence (``Läge: normalt. Behov: inga``) starts a field too. An unknown label
(``Väder: blåsigt``) is kept as text where it stands and reported back, and words in
brackets after a label (``Prognos (24 h):``) stay with the field, so nothing is lost. The
reading is ``commands/core/labelled.py``'s (as for ``!inriktning``); the labels are the report's.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.core.labelled import LabelledLines, label_key
from storage.reports import FIELDS, ReportFields

# Every way of writing a field's label that is recognised, folded (case and accents ignored,
# punctuation as spaces). Swedish from the model first, then English.
LABELS: dict[str, tuple[str, ...]] = {
    "situation": ("lage", "nulage", "lagesbeskrivning", "status", "situation", "current situation"),
    "impact": (
        "konsekvenser",
        "konsekvens",
        "paverkan",
        "konsekvenser paverkan",
        "konsekvenser och paverkan",
        "impact",
        "impacts",
        "consequences",
        "effects",
    ),
    "actions_taken": (
        "vidtagna atgarder",
        "vidtagen atgard",
        "genomforda atgarder",
        "atgarder",
        "atgarder vidtagna",
        "actions taken",
        "action taken",
        "actions",
    ),
    "planned_actions": (
        "planerade atgarder",
        "planerad atgard",
        "planerat",
        "kommande atgarder",
        "planned actions",
        "planned action",
        "planned",
        "next steps",
    ),
    "needs": (
        "behov",
        "behov av samverkan",
        "behov av stod",
        "behov av samverkan stod",
        "behov av samverkan och stod",
        "samverkansbehov",
        "stodbehov",
        "samordningsbehov",
        "coordination needs",
        "support needs",
        "needs",
        "need",
    ),
    "communication": (
        "kommunikation",
        "kommunikation budskap",
        "budskap",
        "kommunikation till allmanheten",
        "public communication",
        "communication",
        "comms",
        "messaging",
        "public messaging",
    ),
    "outlook": ("prognos", "bedomning", "prognos och bedomning", "outlook", "forecast"),
}
assert set(LABELS) == set(FIELDS)
# The reader of those labels (``commands/core/labelled.py``); words in brackets after a label
# stay with the field (``Prognos (24 h):``).
_READER = LabelledLines(LABELS, notes=True)
# A field's text that says there is nothing to say, folded as labels are.
_NOTHING = {
    "",
    "-",
    "inga",
    "inget",
    "ingen",
    "nej",
    "saknas",
    "inga behov",
    "inga sarskilda behov",
    "inga behov just nu",
    "inget att rapportera",
    "ingen kommunikation",
    "none",
    "no",
    "nothing",
    "nil",
    "n a",
    "na",
    "no needs",
    "nothing to report",
}


@dataclass(frozen=True)
class ParsedReport:
    fields: ReportFields
    unknown_labels: tuple[str, ...] = ()


def field_of(label: str) -> str | None:
    """The field a label names (``"Konsekvenser / påverkan"`` -> ``"impact"``), if any."""
    return _READER.field_of(label)


def parse_report(text: str) -> ParsedReport:
    """The fields of a report; text before any label is the situation (*Läge*)."""
    read = _READER.read(text)
    values = {name: read.given.get(name) or None for name in FIELDS}
    return ParsedReport(ReportFields(**values), read.unknown_labels)


def says_nothing(value: str | None) -> bool:
    """``"Inga"``, ``"-"``, ``"none"``: a field filled in with "nothing to say"."""
    if value is None:
        return True
    return label_key(value) in _NOTHING or not any(char.isalnum() for char in value)

"""A situation report as people write it, into the model's seven fields.

Free text goes to *Läge*. A line that starts with a known label (Swedish or English, any case,
with or without accents, bold or bulleted: ``Konsekvenser:``, ``konsekvens:``, ``*Behov:*``,
``- Impact:``) starts that field, and the lines after it continue it; a known label after a
sentence (``Läge: normalt. Behov: inga``) starts a field too. An unknown label
(``Väder: blåsigt``) is kept as text where it stands and reported back, and words in
brackets after a label (``Prognos (24 h):``) stay with the field, so nothing is lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from commands.core.text import fold
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
_FIELD_OF = {label: name for name, labels in LABELS.items() for label in labels}
# The words of each field's labels: ``Behov (stöd):`` says no more than ``Behov:``.
_WORDS = {
    name: {word for label in labels for word in label.split()} for name, labels in LABELS.items()
}
assert set(LABELS) == set(FIELDS)

# What a label may look like around it: a bullet, Markdown/Slack emphasis, then the colon.
_LEAD = r"(?:[-*•>]\s*)?[*_]*"
_TAIL = r"[*_]*\s*[:：][*_]*"
# A known label: its words separated by spaces or punctuation ("Konsekvenser / påverkan").
_KNOWN = "|".join(
    r"[\s/&,()+-]+".join(re.escape(word) for word in label.split())
    for label in sorted(_FIELD_OF, key=len, reverse=True)
)
# Matched on the line's skeleton (same length, lower case, accents off), so positions hold.
_LABEL_AT = re.compile(
    rf"(?:^|(?<=[.;!?|])\s)\s*{_LEAD}(?P<label>{_KNOWN})(?:\s*\((?P<note>[^)\n]{{0,40}})\))?{_TAIL}"
)
# Something that looks like a label at the start of a line but is none we know.
_UNKNOWN_AT = re.compile(rf"^\s*{_LEAD}(?P<label>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){{0,2}}){_TAIL}\s")
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
    """The field a label names (``"Konsekvenser / påverkan"`` -> ``"impact"``), if any."""
    return _FIELD_OF.get(_label_key(label))


def parse_report(text: str) -> ParsedReport:
    """The fields of a report; text before any label is the situation (*Läge*)."""
    parts: dict[str, list[str]] = {name: [] for name in FIELDS}
    unknown: list[str] = []
    current = "situation"
    for line in text.splitlines():
        skeleton = _skeleton(line)
        matches = list(_LABEL_AT.finditer(skeleton))
        if not matches:
            found = _UNKNOWN_AT.match(skeleton)
            label = line[found.start("label") : found.end("label")] if found else ""
            if label[:1].isupper() and field_of(label) is None and label not in unknown:
                unknown.append(label)
            parts[current].append(line)
            continue
        if matches[0].start() > 0:
            parts[current].append(_before_label(line[: matches[0].start()]))
        for index, match in enumerate(matches):
            current = _FIELD_OF[_label_key(match.group("label"))]
            note = _note(line, match, current)
            if index + 1 < len(matches):
                value = _before_label(line[match.end() : matches[index + 1].start()])
            else:
                value = line[match.end() :].lstrip()
            parts[current].append(f"{note} {value}".strip() if note else value)
    values = {name: _joined(lines) for name, lines in parts.items()}
    return ParsedReport(ReportFields(**values), tuple(unknown))


def _note(line: str, match: re.Match[str], name: str) -> str:
    """A label's words in brackets, as written, when they say more than the label: kept
    with the field (``Prognos (24 h):`` -> ``(24 h)``); the model's own label
    (``Kommunikation (budskap):``) or another name of the same field is only the label."""
    if match.group("note") is None:
        return ""
    note = line[match.start("note") : match.end("note")]
    if set(_label_key(note).split()) <= _WORDS[name]:
        return ""
    return f"({note})"


def _before_label(segment: str) -> str:
    """A field's text that a label on the same line ends: ``"inga;"`` -> ``"inga"``."""
    return segment.strip().rstrip(";|").rstrip()


def _joined(lines: list[str]) -> str | None:
    """The lines of one field as one text: trimmed, blank lines at the ends dropped."""
    kept = [line.rstrip() for line in lines]
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    if not kept:
        return None
    kept[0] = kept[0].strip()
    text = "\n".join(kept).strip()
    return text or None


def says_nothing(value: str | None) -> bool:
    """``"Inga"``, ``"-"``, ``"none"``: a field filled in with "nothing to say"."""
    if value is None:
        return True
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(value)).split()) in _NOTHING or not any(
        char.isalnum() for char in value
    )

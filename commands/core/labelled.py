"""Labelled lines as people write them, read into the fields of a table of labels.

The one reader behind ``!läge`` (``commands/situation/parse.py``) and ``!inriktning``
(``commands/joint_direction/text.py``); each gives its own labels and decides what a field's
text means. A line that starts with a known label (any case, accents optional, bold or
bulleted: ``Behov:``, ``*Målbild:*``, ``- Ramar:``) starts that field, and the lines after it
continue it; a known label after a sentence (``Läge: normalt. Behov: inga``) starts one too.
Text before the first label belongs to the table's first field. Something that looks like a
label but is none of the table's (``Väder: blåsigt``) stays as text where it stands and is
reported back, so nothing is lost. With ``notes``, words in brackets after a label
(``Prognos (24 h):``) stay with the field unless they only name it again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commands.core.text import fold

# What a label may look like around it: a bullet, Markdown/Slack emphasis, then the colon.
_LEAD = r"(?:[-*•>]\s*)?[*_]*"
_TAIL = r"[*_]*\s*[:：][*_]*"
# Words in brackets after a label: ``Prognos (24 h):``.
_NOTE = r"(?:\s*\((?P<note>[^)\n]{0,40})\))?"
# Something that looks like a label at the start of a line (a table's or not).
_ANY_LABEL_AT = re.compile(
    rf"^\s*{_LEAD}(?P<label>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){{0,2}}){_TAIL}\s"
)


@dataclass(frozen=True)
class Labelled:
    """The fields a text gives, in the table's order, each as one text (trimmed, blank lines
    at the ends dropped; ``""`` when its label had nothing after it), and the labels it used
    that are none of the table's, as written."""

    given: dict[str, str]
    unknown_labels: tuple[str, ...] = ()


def label_key(label: str) -> str:
    """A label as the tables hold it: folded, punctuation as single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(label)).split())


def _skeleton(text: str) -> str:
    """``text`` lower-cased with accents dropped, one character for each character."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        lowered = base.lower()
        out.append(lowered if len(lowered) == 1 else char)
    return "".join(out)


def _before_label(segment: str) -> str:
    """A field's text that a label on the same line ends: ``"inga;"`` -> ``"inga"``."""
    return segment.strip().rstrip(";|").rstrip()


def _joined(lines: list[str]) -> str:
    """The lines of one field as one text: trimmed, blank lines at the ends dropped."""
    kept = [line.rstrip() for line in lines]
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept).strip()


class LabelledLines:
    """A reader of labelled lines for one table: field name -> every way of writing its
    label, folded as :func:`label_key` folds (``"konsekvenser paverkan"``)."""

    def __init__(self, labels: Mapping[str, Sequence[str]], *, notes: bool = False) -> None:
        self.fields = tuple(labels)
        self._field_of = {label: name for name, spellings in labels.items() for label in spellings}
        # The words of each field's labels: ``Behov (stöd):`` says no more than ``Behov:``.
        self._words = {
            name: {word for label in spellings for word in label.split()}
            for name, spellings in labels.items()
        }
        # A known label: its words separated by spaces or punctuation ("Konsekvenser / påverkan").
        known = "|".join(
            r"[\s/&,()+-]+".join(re.escape(word) for word in label.split())
            for label in sorted(self._field_of, key=len, reverse=True)
        )
        # Matched on the line's skeleton (same length, lower case, accents off): positions hold.
        self._label_at = re.compile(
            rf"(?:^|(?<=[.;!?|])\s)\s*{_LEAD}(?P<label>{known}){_NOTE if notes else ''}{_TAIL}"
        )

    def field_of(self, label: str) -> str | None:
        """The field a label names (``"Konsekvenser / påverkan"`` -> ``"impact"``), if any."""
        return self._field_of.get(label_key(label))

    def read(self, text: str) -> Labelled:
        """The fields ``text`` gives; text before any label is the table's first field."""
        parts: dict[str, list[str]] = {}
        unknown: list[str] = []
        current = self.fields[0]

        def add(name: str, value: str) -> None:
            # Blank lines before the first label give no field.
            if value.strip() or name in parts:
                parts.setdefault(name, []).append(value)

        for line in text.splitlines():
            skeleton = _skeleton(line)
            matches = list(self._label_at.finditer(skeleton))
            if not matches:
                found = _ANY_LABEL_AT.match(skeleton)
                label = line[found.start("label") : found.end("label")] if found else ""
                if label[:1].isupper() and self.field_of(label) is None and label not in unknown:
                    unknown.append(label)
                add(current, line)
                continue
            if matches[0].start() > 0:
                add(current, _before_label(line[: matches[0].start()]))
            for index, match in enumerate(matches):
                current = self._field_of[label_key(match.group("label"))]
                if index + 1 < len(matches):
                    value = _before_label(line[match.end() : matches[index + 1].start()])
                else:
                    value = line[match.end() :].strip()
                note = self._note(line, match, current)
                parts.setdefault(current, []).append(f"{note} {value}".strip() if note else value)
        given = {name: _joined(parts[name]) for name in self.fields if name in parts}
        return Labelled(given, tuple(unknown))

    def _note(self, line: str, match: re.Match[str], name: str) -> str:
        """A label's words in brackets, as written, when they say more than the label: kept
        with the field (``Prognos (24 h):`` -> ``(24 h)``); the field's own label
        (``Kommunikation (budskap):``) or another name of the same field is only the label."""
        if "note" not in match.re.groupindex or match.group("note") is None:
            return ""
        note = line[match.start("note") : match.end("note")]
        if set(label_key(note).split()) <= self._words[name]:
            return ""
        return f"({note})"

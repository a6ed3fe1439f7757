"""A joint regional direction as a platform-neutral document: its heading, where it stands
(who proposed, presented and adopted it, where and when), its fields in the model's order,
and its history, each version with who, when and where, and what changed from the one
before (word by word, kept short enough to read in chat)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.core.document import Document, Part, Strong
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.summary import AgreedMessage, agreed_messages
from commands.joint_direction.text import VALID_UNTIL, field_label
from storage import Store
from storage.directions import DIRECTION_FIELDS, DirectionText, expired
from storage.models import Direction, DirectionState, DirectionVersion

# A quoted change longer than this is cut ("…").
MAX_QUOTE = 240
# Words of context named before an addition.
CONTEXT_WORDS = 4
# More changes than this in one field, or most of it changed: the field is shown as rewritten.
MAX_CHANGES = 5
REWRITTEN_SHARE = 0.6


@dataclass(frozen=True)
class Where:
    """How a document is read: the language, the zone its times are shown in, and now."""

    language: str
    zone: ZoneInfo
    now: datetime

    def t(self, key: str, **params: object) -> str:
        return t(self.language, key, **params)

    def time(self, at: datetime) -> str:
        return format_time(at, self.zone)


def state_key(direction: Direction, now: datetime) -> str:
    """The direction's state as ``[direction.state]`` names it; adopted and past its
    *Gäller till* is "expired" (upphävd)."""
    if expired(direction, now):
        return "expired"
    return direction.state.value


def state_word(direction: Direction, where: Where) -> str:
    return where.t(f"direction.state.{state_key(direction, where.now)}")


def heading(direction: Direction, version: int, where: Where) -> str:
    """``Gemensam regional inriktning 3 – förslag, version 2``."""
    return where.t(
        "direction_lifecycle.doc.heading",
        number=direction.number,
        state=state_word(direction, where),
        version=version,
    )


def _forum_name(store: Store, forum_id: int | None) -> str:
    forum = store.forums.get(forum_id) if forum_id is not None else None
    return forum.name if forum is not None else "?"


def _person_name(store: Store, person_id: int | None) -> str:
    person = store.people.get(person_id) if person_id is not None else None
    return person.display_name if person is not None else "?"


def state_lines(store: Store, direction: Direction, where: Where) -> list[str]:
    """Where the direction stands: for which forum, drafted where, presented, adopted,
    superseded or expired, with who and when."""
    forum = _forum_name(store, direction.forum_id)
    if direction.drafted_in_id != direction.forum_id:
        drafted = _forum_name(store, direction.drafted_in_id)
        lines = [where.t("direction_lifecycle.doc.for_drafted_in", forum=forum, drafted=drafted)]
    else:
        lines = [where.t("direction_lifecycle.doc.for", forum=forum)]
    strategic = _forum_name(store, direction.presented_to_id)
    if direction.presented_at is not None:
        lines.append(
            where.t(
                "direction_lifecycle.doc.presented",
                forum=strategic,
                time=where.time(direction.presented_at),
                who=_person_name(store, direction.presented_by_id),
            )
        )
    if direction.adopted_at is not None:
        lines.append(
            where.t(
                "direction_lifecycle.doc.adopted",
                forum=strategic,
                time=where.time(direction.adopted_at),
                who=_person_name(store, direction.adopted_by_id),
            )
        )
    if direction.state is DirectionState.SUPERSEDED:
        newer = store.directions.get(direction.superseded_by_id or 0)
        lines.append(
            where.t(
                "direction_lifecycle.doc.superseded",
                number=newer.number if newer else "?",
                time=where.time(direction.superseded_at) if direction.superseded_at else "?",
            )
        )
    elif expired(direction, where.now) and direction.valid_until is not None:
        lines.append(
            where.t("direction_lifecycle.doc.expired", time=where.time(direction.valid_until))
        )
    return lines


def version_line(store: Store, version: DirectionVersion, where: Where) -> str:
    """``Version 2: 2026-11-26 16:20, anna, Analysgrupp snö.``"""
    return where.t(
        "direction_lifecycle.doc.version",
        version=version.version,
        time=where.time(version.at),
        who=_person_name(store, version.by_id),
        forum=_forum_name(store, version.forum_id),
    )


def valid_until_text(value: datetime | None, where: Where) -> str:
    return where.time(value) if value is not None else where.t("direction_lifecycle.doc.no_end")


def add_fields(
    doc: Document,
    text: DirectionText,
    where: Where,
    agreed: list[AgreedMessage] | None = None,
) -> Document:
    """The fields in the model's order (an empty one says so), *Gäller till*, and the
    forum's agreed joint messages under the communication field when given."""
    empty = where.t("direction_lifecycle.doc.empty_field")
    rows: list[tuple[str, Part]] = [
        (field_label(name, where.language), value or empty) for name, value in text.fields().items()
    ]
    doc.fields(rows, stacked=True)
    if agreed:
        doc.paragraph(Strong(where.t("direction_lifecycle.doc.agreed_messages")))
        doc.bullets(
            where.t(
                "direction_lifecycle.doc.agreed_message",
                text=message.text,
                number=message.number,
                time=where.time(message.agreed_at),
            )
            for message in agreed
        )
    doc.fields(
        [(field_label(VALID_UNTIL, where.language), valid_until_text(text.valid_until, where))],
        stacked=True,
    )
    return doc


def direction_document(store: Store, direction: Direction, where: Where) -> Document:
    """The whole direction: heading, where it stands, its latest version's fields."""
    version = store.directions.latest_version(direction)
    doc = Document().heading(heading(direction, version.version, where))
    for line in state_lines(store, direction, where):
        doc.paragraph(line)
    doc.paragraph(version_line(store, version, where))
    agreed = None
    if direction.state in (DirectionState.DRAFT, DirectionState.PRESENTED):
        home = store.forums.get(direction.forum_id)
        agreed = agreed_messages(store, home, where.now) if home is not None else None
    return add_fields(doc, DirectionText.of(version), where, agreed)


def summary_line(store: Store, direction: Direction, where: Where) -> str:
    """One line for a list: number, state, version, latest edit."""
    version = store.directions.latest_version(direction)
    return where.t(
        "direction_lifecycle.doc.line",
        number=direction.number,
        state=state_word(direction, where),
        version=version.version,
        time=where.time(version.at),
        who=_person_name(store, version.by_id),
        forum=_forum_name(store, version.forum_id),
    )


# -- what changed ------------------------------------------------------------------------------


def _quote(words: list[str]) -> str:
    text = " ".join(words)
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def text_changes(before: str | None, after: str | None, where: Where) -> list[str]:
    """What changed in one field, word by word: each change a short sentence."""
    if before == after:
        return []
    if not before:
        return [where.t("direction_lifecycle.diff.filled", new=_quote((after or "").split()))]
    if not after:
        return [where.t("direction_lifecycle.diff.emptied", old=_quote(before.split()))]
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    opcodes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not opcodes:  # only the line breaks or spacing changed
        return [where.t("direction_lifecycle.diff.layout")]
    if len(opcodes) > MAX_CHANGES or matcher.ratio() < 1 - REWRITTEN_SHARE:
        return [where.t("direction_lifecycle.diff.rewritten", new=_quote(new))]
    out = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace":
            what = where.t(
                "direction_lifecycle.diff.replaced", old=_quote(old[i1:i2]), new=_quote(new[j1:j2])
            )
        elif tag == "delete":
            what = where.t("direction_lifecycle.diff.removed", old=_quote(old[i1:i2]))
        else:
            what = where.t("direction_lifecycle.diff.added", new=_quote(new[j1:j2]))
        out.append(f"{_place(old, i1, where)}: {what}")
    return out


def _place(words: list[str], index: int, where: Where) -> str:
    """Where in the text a change is: after which words (the last few), or at its start."""
    if index == 0:
        return where.t("direction_lifecycle.diff.at_start")
    before = words[max(0, index - CONTEXT_WORDS) : index]
    shown = ("… " if index > CONTEXT_WORDS else "") + _quote(before)
    return where.t("direction_lifecycle.diff.after", before=shown)


def changes(
    before: DirectionText, after: DirectionText, where: Where
) -> list[tuple[str, list[str]]]:
    """Each changed field's label and what changed in it, in the model's order."""
    found = []
    for name in DIRECTION_FIELDS:
        said = text_changes(getattr(before, name), getattr(after, name), where)
        if said:
            found.append((field_label(name, where.language), said))
    if before.valid_until != after.valid_until:
        found.append(
            (
                field_label(VALID_UNTIL, where.language),
                [
                    where.t(
                        "direction_lifecycle.diff.replaced",
                        old=valid_until_text(before.valid_until, where),
                        new=valid_until_text(after.valid_until, where),
                    )
                ],
            )
        )
    return found


def add_changes(doc: Document, found: list[tuple[str, list[str]]]) -> Document:
    """``Prioriteringar:`` and its changes as a list, field after field."""
    for label, said in found:
        doc.paragraph(Strong(f"{label}:"))
        doc.bullets(said)
    return doc


# -- the history -------------------------------------------------------------------------------


def history_document(store: Store, direction: Direction, where: Where) -> Document:
    """Every version with who, when and where, and what changed from the one before; the
    steps of its way (presented, adopted, superseded) where they fell."""
    versions = store.directions.versions(direction)
    latest = versions[-1].version if versions else 1
    doc = Document().heading(
        where.t(
            "direction_lifecycle.doc.history_heading",
            number=direction.number,
            state=state_word(direction, where),
            count=len(versions),
            version=latest,
        )
    )
    for line in state_lines(store, direction, where):
        doc.paragraph(line)
    steps: list[tuple[datetime, int, str | DirectionVersion]] = [
        (version.at, 0, version) for version in versions
    ]
    superseded_by = store.directions.get(direction.superseded_by_id or 0)
    for key, at, params in (
        ("presented_event", direction.presented_at, {}),
        ("adopted_event", direction.adopted_at, {}),
        (
            "superseded_event",
            direction.superseded_at,
            {"number": superseded_by.number if superseded_by else "?"},
        ),
    ):
        if at is not None:
            said = where.t(
                f"direction_lifecycle.doc.{key}",
                forum=_forum_name(store, direction.presented_to_id),
                time=where.time(at),
                **params,
            )
            steps.append((at, 1, said))
    steps.sort(key=lambda step: (step[0], step[1]))
    previous: DirectionVersion | None = None
    for _at, _order, step in steps:
        if isinstance(step, str):
            doc.paragraph(Strong(step))
            continue
        doc.heading(version_line(store, step, where).rstrip("."), level=2)
        text = DirectionText.of(step)
        if previous is None:
            filled = [
                field_label(name, where.language) for name, value in text.fields().items() if value
            ]
            if text.valid_until is not None:
                filled.append(field_label(VALID_UNTIL, where.language))
            doc.paragraph(
                where.t("direction_lifecycle.diff.first", fields=", ".join(filled) or "–")
            )
        else:
            add_changes(doc, changes(DirectionText.of(previous), text, where))
        previous = step
    return doc

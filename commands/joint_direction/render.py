"""A joint regional direction as a platform-neutral document: its heading, where it stands
(who proposed, presented and adopted it, where and when), its fields in the model's order,
and its history, each version with who, when and where, and what changed from the one
before (line by line, then word by word within a changed line, kept short enough to read in
chat)."""

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
# A line break inside a quoted text.
LINE_BREAK = " ⏎ "
# How alike (difflib's ratio of their words) a line must be to an earlier one to be read as
# that line changed, rather than one line struck and another added.
SAME_LINE = 0.5
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
        time = where.time(direction.superseded_at) if direction.superseded_at else "?"
        if newer is None and direction.exercise_id is not None:
            lines.append(where.t("direction_lifecycle.doc.exercise_ended", time=time))
        else:
            lines.append(
                where.t(
                    "direction_lifecycle.doc.superseded",
                    number=newer.number if newer else "?",
                    time=time,
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
    agreed_in: str = "",
) -> Document:
    """The fields in the model's order (an empty one says so), *Gäller till*, and the
    joint messages agreed in the forum named ``agreed_in`` under the communication field
    when given."""
    empty = where.t("direction_lifecycle.doc.empty_field")
    rows: list[tuple[str, Part]] = [
        (field_label(name, where.language), value or empty) for name, value in text.fields().items()
    ]
    doc.fields(rows, stacked=True)
    if agreed:
        doc.paragraph(Strong(where.t("direction_lifecycle.doc.agreed_messages", forum=agreed_in)))
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
    home = store.forums.get(direction.forum_id)
    agreed = None
    if home is not None and direction.state in (DirectionState.DRAFT, DirectionState.PRESENTED):
        agreed = agreed_messages(store, home, where.now)
    return add_fields(
        doc, DirectionText.of(version), where, agreed, home.name if home is not None else "?"
    )


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


def _cut(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def _quote(words: list[str]) -> str:
    return _cut(" ".join(words))


def _lines(text: str) -> list[list[str]]:
    """The text's lines that say something, each as its words."""
    return [line.split() for line in text.splitlines() if line.strip()]


def _quote_lines(lines: list[list[str]]) -> str:
    """A text of several lines quoted on one: its line breaks marked ``⏎``."""
    return _cut(LINE_BREAK.join(" ".join(line) for line in lines))


def text_changes(before: str | None, after: str | None, where: Where) -> list[str]:
    """What changed in one field, each change a short sentence: line by line (a line added
    or struck), and word by word within a line that changed."""
    if before == after:
        return []
    if not before:
        return [where.t("direction_lifecycle.diff.filled", new=_quote_lines(_lines(after or "")))]
    if not after:
        return [where.t("direction_lifecycle.diff.emptied", old=_quote_lines(_lines(before)))]
    old, new = _lines(before), _lines(after)
    old_words = [word for line in old for word in line]
    new_words = [word for line in new for word in line]
    if old_words == new_words:  # only the line breaks or spacing changed
        return [where.t("direction_lifecycle.diff.layout")]
    if len(old) == len(new) == 1:
        said = _word_changes(old[0], new[0], where, of_line=False)
    else:
        said = _line_changes(old, new, where)
    alike = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).ratio()
    if len(said) > MAX_CHANGES or alike < 1 - REWRITTEN_SHARE:
        return [where.t("direction_lifecycle.diff.rewritten", new=_quote_lines(new))]
    return said


def _line_changes(old: list[list[str]], new: list[list[str]], where: Where) -> list[str]:
    """The lines added and struck, and the changes within each line that changed."""
    joined = difflib.SequenceMatcher(
        None, [" ".join(line) for line in old], [" ".join(line) for line in new], autojunk=False
    )
    out: list[str] = []
    for tag, i1, i2, j1, j2 in joined.get_opcodes():
        if tag == "equal":
            continue
        for old_line, new_index in _paired(old[i1:i2], new, j1, j2):
            if old_line is not None and new_index is not None:
                out.extend(_word_changes(old_line, new[new_index], where, of_line=True))
            elif old_line is not None:
                out.append(where.t("direction_lifecycle.diff.line_removed", old=_quote(old_line)))
            elif new_index is not None:
                added = where.t("direction_lifecycle.diff.line_added", new=_quote(new[new_index]))
                out.append(f"{_line_place(new, new_index, where)}: {added}")
    return out


def _paired(
    old: list[list[str]], new: list[list[str]], start: int, end: int
) -> list[tuple[list[str] | None, int | None]]:
    """The old lines of a changed stretch against the new lines ``new[start:end]``, in order:
    a line and the index of the new line it became, a line struck (None), or the index of a
    line added (None for the old one). An old line becomes the next new line alike enough."""
    found: list[tuple[list[str] | None, int | None]] = []
    at = start
    for line in old:
        match = next(
            (
                index
                for index in range(at, end)
                if difflib.SequenceMatcher(None, line, new[index], autojunk=False).ratio()
                >= SAME_LINE
            ),
            None,
        )
        if match is None:
            found.append((line, None))
            continue
        found.extend((None, index) for index in range(at, match))
        found.append((line, match))
        at = match + 1
    found.extend((None, index) for index in range(at, end))
    return found


def _word_changes(old: list[str], new: list[str], where: Where, *, of_line: bool) -> list[str]:
    """What changed between two versions of a text (``of_line``: of one of its lines),
    word by word."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            what = where.t(
                "direction_lifecycle.diff.replaced", old=_quote(old[i1:i2]), new=_quote(new[j1:j2])
            )
        elif tag == "delete":
            what = where.t("direction_lifecycle.diff.removed", old=_quote(old[i1:i2]))
        else:
            what = where.t("direction_lifecycle.diff.added", new=_quote(new[j1:j2]))
        out.append(f"{_place(old, i1, where, of_line=of_line)}: {what}")
    return out


def _place(words: list[str], index: int, where: Where, *, of_line: bool = False) -> str:
    """Where in the text (``of_line``: in a line of it) a change is: after which words (the
    last few), or at its start."""
    if index == 0:
        if of_line:
            return where.t("direction_lifecycle.diff.line_start", line=_start_of(words))
        return where.t("direction_lifecycle.diff.at_start")
    return where.t("direction_lifecycle.diff.after", before=_end_of(words[:index]))


def _line_place(lines: list[list[str]], index: int, where: Where) -> str:
    """Where a line added is: after which line (its last few words), or at the start."""
    if index == 0:
        return where.t("direction_lifecycle.diff.at_start")
    return where.t("direction_lifecycle.diff.after_line", before=_end_of(lines[index - 1]))


def _end_of(words: list[str]) -> str:
    """The last few words, ``… `` before them when there are more."""
    return ("… " if len(words) > CONTEXT_WORDS else "") + _quote(words[-CONTEXT_WORDS:])


def _start_of(words: list[str]) -> str:
    """The first few words, `` …`` after them when there are more."""
    return _quote(words[:CONTEXT_WORDS]) + (" …" if len(words) > CONTEXT_WORDS else "")


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
    ended_with_exercise = superseded_by is None and direction.exercise_id is not None
    for key, at, params in (
        ("presented_event", direction.presented_at, {}),
        ("adopted_event", direction.adopted_at, {}),
        (
            "exercise_ended" if ended_with_exercise else "superseded_event",
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

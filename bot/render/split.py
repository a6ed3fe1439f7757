"""Long replies as several messages: pieces packed, in order, into parts within a budget.

Slack and Matrix both refuse (or silently truncate) a message past a size, and a joint
situation picture or a meeting's minutes can be far longer. Each renderer cuts its document
into *pieces* (a Slack block, an HTML fragment with its text) and says what a piece weighs;
:func:`pack` fills parts one after the other, so the reader gets the same document in the same
order, only spread over consecutive messages. Nothing is ever dropped: a piece heavier than a
whole part still goes out, alone (the renderers cut such pieces before, so it rarely happens).

A heading and what follows it up to the next heading (an organisation's report in a joint
picture: its name, when it reported, its fields) is a *section*, and a section that fits in a
part is never split: a reader seeing a heading in one message and its fields in the next (seen
in a real client) cannot tell whose fields they are. Parts are numbered by the renderers ("del
1 av 4"), in room each budget keeps free for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

P = TypeVar("P")


@dataclass(frozen=True)
class Budget(Generic[P]):
    """What one message may hold.

    ``weight(piece, before)`` is what adding ``piece`` after ``before`` (``None`` at the start
    of a part) adds to the part: it may depend on its neighbour, e.g. a separator, or a list
    that has to be opened again. ``keeps_next(piece)`` marks a piece that should not end a
    part (a heading belongs with what it introduces).
    """

    weight: Callable[[P, P | None], int]
    most_weight: int
    keeps_next: Callable[[P], bool]
    most_pieces: int | None = None

    def weigh(self, part: Sequence[P]) -> int:
        return sum(
            self.weight(piece, part[index - 1] if index else None)
            for index, piece in enumerate(part)
        )

    def fits(self, part: Sequence[P]) -> bool:
        return not self.too_many(len(part)) and self.weigh(part) <= self.most_weight

    def too_many(self, count: int) -> bool:
        return self.most_pieces is not None and count > self.most_pieces


def pack(pieces: Sequence[P], budget: Budget[P]) -> list[list[P]]:
    """``pieces`` in order as consecutive parts, each within ``budget`` where possible.

    Section by section (see the module): a section goes whole into the current part if it
    fits there, else whole into the next one if it fits in a part. A section too large for
    any part is filled in piece by piece, greedily; headings at the end of a full part then
    move on with the piece they introduce, unless the two together would not fit in a part
    either, and then the limit wins over the preference.
    """
    parts: list[list[P]] = []
    current: list[P] = []
    used = 0
    for section in _sections(pieces, budget):
        inside = budget.weigh(section) - budget.weight(section[0], None)
        joined = used + budget.weight(section[0], current[-1] if current else None) + inside
        if not budget.too_many(len(current) + len(section)) and joined <= budget.most_weight:
            current.extend(section)
            used = joined
            continue
        if current and budget.fits(section):
            parts.append(current)
            current, used = list(section), budget.weigh(section)
            continue
        for piece in section:
            added = budget.weight(piece, current[-1] if current else None)
            if current and (budget.too_many(len(current) + 1) or used + added > budget.most_weight):
                carried = _carried(current, piece, budget)
                parts.append(current[: len(current) - len(carried)])
                current = carried
                used = budget.weigh(current)
                added = budget.weight(piece, current[-1] if current else None)
            current.append(piece)
            used += added
    if current:
        parts.append(current)
    return parts


def _sections(pieces: Sequence[P], budget: Budget[P]) -> list[list[P]]:
    """``pieces`` cut before each heading (a heading right after another, such as a title
    and the first subheading, stays in its section)."""
    sections: list[list[P]] = []
    for index, piece in enumerate(pieces):
        starts = budget.keeps_next(piece) and not (index and budget.keeps_next(pieces[index - 1]))
        if starts or not sections:
            sections.append([])
        sections[-1].append(piece)
    return sections


def _carried(full: list[P], coming: P, budget: Budget[P]) -> list[P]:
    """The pieces at the end of ``full`` that should go on with ``coming`` (trailing
    headings), when that leaves something behind and the new part still fits."""
    start = len(full)
    while start > 0 and budget.keeps_next(full[start - 1]):
        start -= 1
    carried = full[start:]
    if not carried or start == 0 or not budget.fits([*carried, coming]):
        return []
    return carried

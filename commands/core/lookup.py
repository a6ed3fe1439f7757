"""Finding the forum, organisation or person a user meant, forgiving typos but never guessing.

An exact name or alias wins; then a unique prefix; then a clear fuzzy winner. Anything else is
a :class:`CommandError` that lists the closest candidates ("did you mean ...").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz, process

from commands.core.errors import CommandError
from commands.core.request import Request
from commands.core.text import fold, small_number
from storage.models import Forum, ForumKind, Level, Organisation, Person

T = TypeVar("T")

CLEAR_WINNER = 88.0
MARGIN = 8.0
SUGGEST = 70.0


def _find(
    query: str,
    items: Sequence[T],
    names: Callable[[T], list[str]],
    display: Callable[[T], str],
    unknown_key: str,
    hint_key: str,
    scorer: Callable[..., float] = fuzz.WRatio,
) -> T:
    wanted = fold(query)
    if not wanted:
        raise CommandError(unknown_key, hint_key=hint_key, name=query)
    choices: list[tuple[str, int]] = []
    for index, item in enumerate(items):
        choices.extend((fold(name), index) for name in names(item))

    exact = {index for name, index in choices if name == wanted}
    if len(exact) == 1:
        return items[exact.pop()]

    prefixed = {
        index
        for name, index in choices
        if name.startswith(wanted) or any(word.startswith(wanted) for word in name.split())
    }
    if len(prefixed) == 1 and len(wanted) >= 2:
        return items[prefixed.pop()]

    scored = process.extract(wanted, [c[0] for c in choices], scorer=scorer, limit=10)
    best: dict[int, float] = {}
    for _name, score, position in scored:
        index = choices[position][1]
        best[index] = max(best.get(index, 0.0), float(score))
    ranked = sorted(best.items(), key=lambda pair: -pair[1])
    if (
        ranked
        and not prefixed
        and ranked[0][1] >= CLEAR_WINNER
        and (len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= MARGIN)
    ):
        return items[ranked[0][0]]

    candidates = (
        sorted(prefixed, key=lambda i: display(items[i]))
        if prefixed
        else [index for index, score in ranked if score >= SUGGEST]
    )
    if candidates:
        shown = ", ".join(display(items[i]) for i in candidates[:4])
        raise CommandError("error.ambiguous", hint_key=hint_key, name=query, candidates=shown)
    raise CommandError(unknown_key, hint_key=hint_key, name=query)


def find_forum(req: Request, query: str) -> Forum:
    forums = req.store.forums.all()
    wanted = fold(query.strip())
    for forum in forums:  # its very name or slug first: a number picks from the list only then
        if wanted in (fold(forum.name), forum.slug):
            return forum
    number = small_number(query) if query.strip().isdigit() else None
    if query.strip().isdigit():
        if number is not None and 1 <= number <= len(forums):
            return forums[number - 1]
        raise CommandError("error.unknown_forum", hint_key="hint.forum_list", name=query)
    return _find(
        query,
        forums,
        lambda f: [f.name, f.slug],
        lambda f: f.name,
        "error.unknown_forum",
        "hint.forum_list",
        scorer=_forum_score,
    )


def _forum_score(wanted: str, name: str, **kwargs: object) -> float:
    """A forum's name shares words with many ("forum", "regional"): scored as a whole and
    by its words, never by a part of a long name ("påhittat forum för fiske" is not
    "Verkställande forum – Ledningscentraler")."""
    return max(fuzz.ratio(wanted, name), fuzz.token_set_ratio(wanted, name))


def activated_strategic_forum(req: Request, missing_key: str) -> Forum:
    """Regionalt inriktande forum: the forum of the strategic level that is convened on
    activation (``!lyft inriktande`` asks for it, ``!inriktning föredra`` presents to it);
    refused with ``missing_key`` when the region has none."""
    forums = [
        forum
        for forum in req.store.forums.all()
        if forum.level is Level.STRATEGIC and forum.kind is ForumKind.ACTIVATED
    ]
    if not forums:
        raise CommandError(missing_key, hint_key="hint.forum_list")
    return forums[0]


def find_organisation(req: Request, query: str) -> Organisation:
    return _find(
        query,
        req.store.organisations.all(),
        lambda o: [o.name, *o.aliases],
        lambda o: o.name,
        "error.unknown_organisation",
        "hint.organisation",
    )


def find_person(req: Request, query: str) -> Person:
    """A person by mention, user id or display name, on the platform the request came from."""
    incoming = req.incoming
    ref = incoming.mentions.get(query)
    if ref is not None:
        # The mention's name is what the writer's client showed, not the person's own: it
        # names someone new, and renames nobody.
        return req.store.people.ensure(
            incoming.platform, ref.user_id, ref.display_name, rename=False
        )
    people = req.store.people.on_platform(incoming.platform)
    bare = query.lstrip("@")
    for person in people:
        if person.user_id in (query, bare):
            return person
    named = [p for p in people if fold(p.display_name) == fold(bare)]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        shown = ", ".join(f"{p.display_name} ({p.user_id})" for p in named[:4])
        raise CommandError("error.ambiguous", hint_key="hint.person", name=query, candidates=shown)
    raise CommandError("error.unknown_person", hint_key="hint.person", name=query)


def find_choice(query: str, choices: dict[str, T], unknown_key: str, hint_key: str) -> T:
    """One of a fixed set of words (a level, a category, a role), accents and case ignored."""
    value = choices.get(fold(query))
    if value is None:
        raise CommandError(unknown_key, hint_key=hint_key, name=query)
    return value


def my_organisation(req: Request) -> Organisation:
    organisation = req.store.my_organisation()
    if organisation is None:
        raise CommandError("error.no_organisation", hint_key="hint.organisation")
    return organisation

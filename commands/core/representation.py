"""Who speaks for an organisation in a forum: its *ordinarie*, and its *ersättare* (deputy).

"Deltagarna kallas utifrån funktion och mandat snarare än person": a person represents an
organisation in one forum (``ForumRepresentative``), as ordinarie or ersättare. Shared by
``!aktör`` (oneself), ``!företrädare`` (a coordinator names someone), ``!forum medlemmar``
(the listing) and whatever mentions an organisation that owes something (who has not
reported): its ordinarie, its deputies only when it has none.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz

from commands.core.errors import CommandError
from commands.core.text import fold
from storage.forums import Contact, RosterEntry
from storage.models import Organisation, Representation

# The word after an organisation's name that says how one represents it: "Polisen ersättare".
KIND_WORDS: dict[str, Representation] = {
    fold(word): kind
    for kind, words in {
        Representation.ORDINARY: ("ordinarie", "ordinary", "principal", "ledamot"),
        Representation.DEPUTY: ("ersättare", "deputy", "substitute", "suppleant"),
    }.items()
    for word in words
}


def split_kind(text: str) -> tuple[str, Representation | None]:
    """``Polisen Region Stockholm ersättare`` → the name and the kind; without a kind word
    last (or with nothing before it), the text and None."""
    words = text.split()
    if len(words) > 1:
        kind = KIND_WORDS.get(fold(words[-1]))
        if kind is not None:
            return " ".join(words[:-1]), kind
    return " ".join(words), None


# How close a word must be to a word of the organisation's name to be read as part of it
# ("Stokholm" is "Stockholm"), not as a mistyped kind word ("ersätare", "vice").
NAME_WORD = 80.0


def check_kind_word(
    text: str,
    organisation: Organisation,
    find: Callable[[str], Organisation],
    hint_key: str,
) -> None:
    """Refuse ``Polisen ersätare`` or ``Polisen vice``: a last word that is neither a kind
    word nor part of the organisation's name, when the name without it (looked up with
    ``find``) names the organisation all the same. Read as part of the name, the typo would
    make an ersättare ordinarie without a word said about it."""
    words = text.split()
    if len(words) < 2:
        return
    last = fold(words[-1])
    name_words = {
        word for name in (organisation.name, *organisation.aliases) for word in fold(name).split()
    }
    if any(fuzz.ratio(last, word) >= NAME_WORD for word in name_words):
        return
    try:
        if find(" ".join(words[:-1])).id != organisation.id:
            return
    except CommandError:
        return
    raise CommandError("members.error.unknown_kind", hint_key=hint_key, word=words[-1])


def to_mention(entry: RosterEntry) -> list[Contact]:
    """Whom to mention for an organisation in a forum: its ordinarie; its ersättare only
    when it has no ordinarie there."""
    return entry.people or entry.deputies

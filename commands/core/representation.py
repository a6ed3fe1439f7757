"""Who speaks for an organisation in a forum: its *ordinarie*, and its *ersättare* (deputy).

"Deltagarna kallas utifrån funktion och mandat snarare än person": a person represents an
organisation in one forum (``ForumRepresentative``), as ordinarie or ersättare. Shared by
``!aktör`` (oneself), ``!företrädare`` (a coordinator names someone), ``!forum medlemmar``
(the listing) and whatever mentions an organisation that owes something (who has not
reported): its ordinarie, its deputies only when it has none.
"""

from __future__ import annotations

from commands.core.text import fold
from storage.forums import Contact, RosterEntry
from storage.models import Representation

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


def to_mention(entry: RosterEntry) -> list[Contact]:
    """Whom to mention for an organisation in a forum: its ordinarie; its ersättare only
    when it has no ordinarie there."""
    return entry.people or entry.deputies

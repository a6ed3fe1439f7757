"""What a meeting item is called in a forum: an agreement, or (in chefsgrupp) a decision.

The model (DOMAIN.md, "The model's own words"): "Det finns inga formella gemensamma beslut …
De faktiska besluten måste alltid tas av respektive aktör." What a coordinating forum agrees
on is an *överenskommelse*; only Regional chefsgrupp takes (consensus) *beslut*. The item is
stored as ``decision`` either way; only its name differs.
"""

from __future__ import annotations

from storage.models import Forum

# The forums whose agreed points are decisions: the seeded Regional chefsgrupp.
DECIDING_SLUGS = frozenset({"chefsgrupp"})


def takes_decisions(forum: Forum) -> bool:
    return forum.slug in DECIDING_SLUGS


def kind_key(kind: str, decides: bool) -> str:
    """The catalogue key of an item's kind (``minutes.kind.<kind>``): a ``decision`` is an
    agreement unless the forum takes decisions."""
    if kind == "decision" and decides:
        return "minutes.kind.consensus_decision"
    return f"minutes.kind.{kind}"


def decision_command_key(decides: bool) -> str:
    """The command a forum's agreed points are noted with, as the catalogue words it."""
    return "meeting.command_decision" if decides else "meeting.command_agreement"

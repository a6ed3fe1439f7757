"""Whom a direction concerns: the forums that work under it, and the organisations that
confirm it. Shared by ``!inriktning`` (``commands/direction.py``), its confirmations
(``commands/direction_in_force.py``) and joint messages (``commands/joint_message.py``)."""

from __future__ import annotations

from storage import Store
from storage.models import Direction, Forum


def home_forum(store: Store, forum: Forum) -> Forum:
    """The coordinating forum a direction drafted in ``forum`` is for: a thematic group's
    parent (the analysis group drafts for the forum it works under), else the forum itself."""
    if forum.thematic and forum.parent_id is not None:
        parent = store.forums.get(forum.parent_id)
        if parent is not None:
            return parent
    return forum


def governed_forums(store: Store, direction: Direction) -> list[Forum]:
    """The forums that work under the direction once adopted: the forum it was drafted for
    and its thematic groups."""
    home = store.forums.get(direction.forum_id)
    if home is None:
        return []
    return [home, *(child for child in store.forums.children(home) if child.thematic)]


def member_organisations(store: Store, forum: Forum) -> list[int]:
    """The organisations that answer for ``forum`` (confirm a direction, answer a joint
    message): in an activation those called in and not released, else its members."""
    activation = store.activations.current(forum)
    if activation is not None:
        released = set(activation.released or [])
        return [oid for oid in activation.called_out if oid not in released]
    return [entry.id for entry in store.forums.roster(forum)]

"""Whom a direction concerns: the forums that work under it, and the organisations that
confirm it. Shared by ``!inriktning`` (``commands/direction.py``), its confirmations
(``commands/direction_in_force.py``) and joint messages (``commands/joint_message.py``)."""

from __future__ import annotations

from datetime import datetime

from storage import Store
from storage.models import Activation, Direction, Forum


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
    and its thematic groups — an exercise's direction only the forum that exercises it."""
    home = store.forums.get(direction.forum_id)
    if home is None:
        return []
    if direction.exercise_id is not None:
        return [home]
    return [home, *(child for child in store.forums.children(home) if child.thematic)]


def answering_activation(
    store: Store, forum: Forum, at: datetime | None = None, activation_id: int | None = None
) -> Activation | None:
    """The activation whose call-out answers for ``forum``: the one open now, or (``at``) the
    one open at that time, stood down since or not (``activation_id``: the one the thing
    answered was made in, looked at too); None: the forum was in ordinary mode."""
    if at is None:
        return store.activations.current(forum)
    candidates = [store.activations.current(forum), store.activations.latest(forum)]
    if activation_id is not None:
        candidates.append(store.activations.get(activation_id))
    for activation in candidates:
        if (
            activation is not None
            and activation.forum_id == forum.id
            and activation.activated_at <= at
            and (activation.stood_down_at is None or at < activation.stood_down_at)
        ):
            return activation
    return None


def member_organisations(
    store: Store, forum: Forum, at: datetime | None = None, activation_id: int | None = None
) -> list[int]:
    """The organisations that answer for ``forum`` (confirm a direction, answer a joint
    message): in an activation those called in and not released, else its members. With
    ``at``, as the forum was then: a direction adopted (a message agreed) during an
    activation is answered by those it called in, also after its stand-down, not by every
    member (see :func:`answering_activation`)."""
    activation = answering_activation(store, forum, at, activation_id)
    if activation is not None:
        released = set(activation.released or [])
        return [oid for oid in activation.called_out if oid not in released]
    return [entry.id for entry in store.forums.roster(forum)]

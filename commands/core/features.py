"""What one feature module declares: its commands, hooks, forms, timed jobs and composers,
and what a reaction to its tagged messages runs (``feature(__name__, reactions=...)``).

A feature module (``commands/<topic>.py``) says ``FEATURE = feature(__name__)`` before its first
declaration; the decorators (``@command``, ``@after_command``, ``@form_type``, ``@timed``,
``@composer``, ``@after_sent``) record into the ``FEATURE`` of the module their function is
defined in. Nothing is registered anywhere by importing a module:
:func:`commands.core.capabilities.build` makes a
:class:`~commands.core.capabilities.Capabilities` from an explicit list of features
(``commands.FEATURES``), and the dispatcher and timekeeper are given it.

This module comes first in the core (the declarations are typed in ``capabilities``, which
imports the modules whose decorators record here), so what it holds is loosely typed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Skin tones (U+1F3FB–U+1F3FF) and the text/emoji variation selectors (U+FE0E, U+FE0F): a
# 👍🏽 or a ✔️ is the key 👍 or ✔ to the bot.
_MODIFIERS = dict.fromkeys((*range(0x1F3FB, 0x1F400), 0xFE0E, 0xFE0F))


def reaction_key(key: str) -> str:
    """A reaction's key as the bot compares it: without skin tone or variation selector."""
    return key.translate(_MODIFIERS).strip()


# What acknowledges something with one tap: thumbs up, the check mark button, a check mark.
ACKNOWLEDGING = frozenset({"👍", "✅", "✔"})


@dataclass(frozen=True)
class ReactionRoute:
    """What a reaction to a message of a tag (``callout:12``) does: the ``command`` line to
    run as the person who reacted (without the prefix: ``"kvittera"``), for the reaction
    ``keys`` that count (compared by :func:`reaction_key`). Its answer is sent in reply to
    the message reacted to; any other key, or an untagged message, does nothing."""

    command: str
    keys: frozenset[str] = ACKNOWLEDGING

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(reaction_key(key) for key in self.keys))

    def counts(self, key: str) -> bool:
        return reaction_key(key) in self.keys


@dataclass
class Feature:
    """The declarations of one module, in the order they were made."""

    name: str
    commands: list[Any] = field(default_factory=list)  # Command
    after_command: list[Any] = field(default_factory=list)  # Callable[[Request], None]
    form_types: list[Any] = field(default_factory=list)  # FormType
    jobs: list[Any] = field(default_factory=list)  # Job
    # (kind, Composer, forum_bound)
    composers: list[tuple[str, Any, bool]] = field(default_factory=list)
    after_sent: list[tuple[str, Any]] = field(default_factory=list)  # (kind, follow-up)
    # Files its replies carry, by kind: how each waits in the outbox (AttachmentKind).
    attachments: list[Any] = field(default_factory=list)
    # What a reaction to one of its tagged messages does, by the tag's prefix (the part
    # before ``:``): ``{"callout": ReactionRoute("kvittera")}``.
    reactions: dict[str, ReactionRoute] = field(default_factory=dict)


def feature(module: str, *, reactions: Mapping[str, str | ReactionRoute] | None = None) -> Feature:
    """A module's collector of declarations: ``FEATURE = feature(__name__)``.

    ``reactions``: tag prefix → what a reaction to a message tagged so runs, a
    :class:`ReactionRoute` or just the command line (then the acknowledging keys count:
    👍 ✅ ✔, any skin tone): ``feature(__name__, reactions={"callout": "kvittera"})``."""
    routes = {
        prefix: route if isinstance(route, ReactionRoute) else ReactionRoute(route)
        for prefix, route in (reactions or {}).items()
    }
    return Feature(module, reactions=routes)


def declared_in(function: Any) -> Feature:
    """The ``FEATURE`` of the module ``function`` is defined in, which its decorator records
    into; a module that declared none is our bug, said at import."""
    module = sys.modules.get(function.__module__)
    found = getattr(module, "FEATURE", None)
    if not isinstance(found, Feature):
        raise LookupError(
            f"{function.__module__}.{function.__qualname__}: its module declares no feature "
            "(FEATURE = feature(__name__) before the first declaration)"
        )
    return found

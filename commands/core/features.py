"""What one feature module declares: its commands, hooks, forms, timed jobs and composers.

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
from dataclasses import dataclass, field
from typing import Any


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


def feature(module: str) -> Feature:
    """A module's collector of declarations: ``FEATURE = feature(__name__)``."""
    return Feature(module)


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

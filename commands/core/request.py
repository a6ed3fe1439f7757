"""The request a handler sees.

The dispatcher turns an :class:`commands.core.messages.Incoming` into a :class:`Request`:
who, where, which forum, with what role, the arguments (as typed, and read as their declared
types), the clock and the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.config import CoreConfig
from commands.core.document import Document, Mention
from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.messages import Incoming
from commands.core.registry import Command, Registry
from storage import Store
from storage.models import Forum, Organisation, Person, Role


@dataclass
class Request:
    incoming: Incoming
    command: Command | None  # None for a form's answers
    args: dict[str, str | None]
    role: Role
    forum: Forum | None
    language: str
    now: datetime
    store: Store
    config: CoreConfig
    # The commands of the bot that took the request (``!hjälp`` lists them).
    registry: Registry
    # What the door's organisation hint did in this unit of work (console ``@anna/Polisen:``),
    # so that ``!aktör`` can tell a first registration from a repeat.
    hint_registered: bool = False
    # The text after the command's name, as typed (line breaks kept).
    tail: str = ""
    # The arguments declared with a type (``Arg.type``), read by the dispatcher: an int, a
    # forum, an organisation. An optional one not given is absent.
    values: dict[str, object] = field(default_factory=dict)

    def t(self, key: str, **params: Any) -> str:
        return t(self.language, key, **params)

    @property
    def me(self) -> Person:
        """The asker, as a stored person: created on first sight (``Store.ensure_me``), so
        read it only when the command changes something; ``store.known_me()`` creates
        nothing."""
        return self.store.ensure_me()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.forum.timezone if self.forum else self.config.timezone)

    def arg(self, name: str) -> str:
        value = self.args.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def number(self, name: str) -> int:
        """A NUMBER argument, as the dispatcher read it."""
        value = self.values[name]
        if not isinstance(value, int):
            raise TypeError(f"argument {name!r} is no number")
        return value

    def optional_number(self, name: str) -> int | None:
        """An optional NUMBER argument; None when not given."""
        return self.number(name) if name in self.values else None

    def found_forum(self, name: str) -> Forum:
        """A FORUM argument: the forum it names."""
        value = self.values[name]
        if not isinstance(value, Forum):
            raise TypeError(f"argument {name!r} is no forum")
        return value

    def organisation(self, name: str) -> Organisation:
        """An ORGANISATION argument: the organisation it names."""
        value = self.values[name]
        if not isinstance(value, Organisation):
            raise TypeError(f"argument {name!r} is no organisation")
        return value

    @property
    def forum_here(self) -> Forum:
        """The channel's forum, in a command declared ``needs_forum``: the dispatcher has
        refused it already where there is none."""
        if self.forum is None:
            raise RuntimeError("forum_here is for commands declared needs_forum")
        return self.forum

    def require_forum(self) -> Forum:
        """The channel's forum, or the refusal where there is none: for what works with or
        without one (a form's answers)."""
        if self.forum is None:
            raise CommandError("error.no_forum", hint_key="hint.bind_forum")
        return self.forum

    def mention(self, person: Person) -> Mention:
        return Mention(person.platform, person.user_id, person.display_name)

    def document(self) -> Document:
        return Document()

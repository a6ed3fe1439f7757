"""The request a handler sees.

The dispatcher turns an :class:`commands.core.messages.Incoming` into a :class:`Request`:
who, where, which forum, with what role, the parsed arguments, the clock and the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.config import CoreConfig
from commands.core.document import Document, Mention
from commands.core.errors import CommandError
from commands.core.i18n import t
from commands.core.messages import Incoming
from commands.core.registry import Command
from storage import Store
from storage.models import Forum, Person, Role


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
    # What the door's organisation hint did in this unit of work (console ``@anna/Polisen:``),
    # so that ``!aktör`` can tell a first registration from a repeat.
    hint_registered: bool = False
    hint_joined_forum: bool = False
    # The text after the command's name, as typed (line breaks kept).
    tail: str = ""

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

    def require_forum(self) -> Forum:
        if self.forum is None:
            raise CommandError("error.no_forum", hint_key="hint.bind_forum")
        return self.forum

    def mention(self, person: Person) -> Mention:
        return Mention(person.platform, person.user_id, person.display_name)

    def document(self) -> Document:
        return Document()

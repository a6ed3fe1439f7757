"""What a door hands to the core, and what the core hands back.

:class:`Incoming` is a message as a door saw it. The dispatcher turns it into a
:class:`Request` (who, where, which forum, with what role, parsed arguments, the clock) for a
handler, which returns a :class:`Reply`: a document for the channel it came from, and posts for
other channels (a forum-wide call-out goes to every channel bound to the forum).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from commands.core.document import Document, Mention
from commands.core.forms import Form, FormSubmission, FormSupport
from commands.core.i18n import t
from commands.core.registry import Command
from storage import Store
from storage.models import Forum, Person, Role

if TYPE_CHECKING:
    from commands.minutes.record import Minutes


@dataclass(frozen=True)
class CoreConfig:
    """The part of the configuration the core needs (built by ``bot.config``)."""

    default_language: str = "sv"
    timezone: str = "Europe/Stockholm"
    # Coordinators of the whole region by configuration: the root of trust.
    bot_admins: frozenset[str] = frozenset()
    # The old rule, for deployments that opt in: a platform's moderators (Matrix power
    # level 50, Slack workspace admins) are coordinators of every forum.
    platform_moderators_are_coordinators: bool = False
    # Which identities may speak for which organisation: (folded organisation name,
    # ``platform:home``) pairs, e.g. ("polisen region stockholm", "matrix:polisen.se");
    # homes compare without regard to case.
    organisation_identities: frozenset[tuple[str, str]] = frozenset()
    prefix: str = "!"
    max_message_length: int = 4000
    meeting_minutes: int = 60
    meeting_auto_close_minutes: int = 240
    reminder_grace_minutes: int = 30
    activation_recall_minutes: int = 10
    # Minutes before a scheduled meeting of the bot's posts: the notice with the agenda, the
    # nag about missing reports, "starts soon", "starts now"; None leaves one out.
    meeting_reminder_offsets: tuple[int | None, ...] = (1440, 120, 15, 0)
    # Audit events older than this many days are deleted; 0 keeps them for ever.
    audit_retention_days: int = 730


@dataclass(frozen=True)
class Speaker:
    """Who wrote a message, as the door knows them."""

    platform: str
    user_id: str
    display_name: str
    # The platform says this person moderates the channel (Matrix power level 50 or more,
    # a Slack admin of the bot's own workspace). Grants nothing by itself: only with
    # ``PLATFORM_MODERATORS_ARE_COORDINATORS`` (see ``commands/core/roles.py``).
    platform_moderator: bool = False
    # The door says which organisation the person speaks for (console ``@anna/Polisen:``).
    organisation_hint: str | None = None
    # Where the identity lives, as the platform vouches for it: a Matrix user's homeserver
    # (``polisen.se``), a Slack user's team id (``T024BE7LH``; another workspace's in a Slack
    # Connect channel). ``ORGANISATION_IDENTITIES`` maps these to organisations.
    home: str | None = None


@dataclass(frozen=True)
class MentionRef:
    user_id: str
    display_name: str


@dataclass(frozen=True)
class Incoming:
    platform: str
    channel_id: str
    speaker: Speaker
    text: str
    event_id: str | None = None
    channel_name: str | None = None
    # Mentions the door found in ``text``: the token as written -> the person meant.
    mentions: Mapping[str, MentionRef] = field(default_factory=dict)
    # How this door can show a form, and a filled-in form it brings (a Slack modal's answers).
    forms: FormSupport = FormSupport.DIALOG
    submission: FormSubmission | None = None
    # A web link to this message (or, for a slash command, its channel) where the platform
    # has one: how another forum finds its way back to an item raised to it.
    permalink: str | None = None
    # A direct conversation between the bot and one person (a Slack DM, a Matrix room the
    # bot was invited to as a direct chat): never acts on a forum.
    direct: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file to go with a document: the full minutes beside the shortened ones in the chat.

    The core says what the file holds; the bot writes it (``bot.files``), in the format of the
    export, so that the attached file and ``samverkan-bot export protokoll`` are the same.
    """

    filename: str  # without extension: the bot adds the format's
    minutes: Minutes
    language: str


@dataclass(frozen=True)
class Post:
    """A document for a channel other than the one the command came from."""

    platform: str
    channel_id: str
    document: Document
    attachments: tuple[Attachment, ...] = ()
    # A scheduled post's id: the hub confirms its delivery and reports how it went.
    scheduled_id: int | None = None
    # A post relayed from another bot process (see ``scheduler.RELAY``), encoded by the bot:
    # the hub decodes it in place of ``document``.
    relayed: str | None = None


@dataclass
class Reply:
    document: Document
    ok: bool = True
    posts: list[Post] = field(default_factory=list)
    # A form for the door to open (only for doors that said they can: FormSupport.MODAL).
    form: Form | None = None
    attachments: tuple[Attachment, ...] = ()
    # The command scheduled a post: the bot looks at what is due again at once.
    scheduled: bool = False
    # A bug of ours: the id the user was given to quote (it is in the log with the traceback).
    error_id: str | None = None


class CommandError(Exception):
    """Bad input or a refused action: the user gets the text, nothing is changed.

    ``key`` is a catalogue key; ``params`` fill it in. ``hint_key`` adds a second paragraph,
    typically an example that works.
    """

    def __init__(self, key: str, hint_key: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.hint_key = hint_key
        self.params = params


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
        return self.store.me

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

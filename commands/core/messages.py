"""What a door hands to the core, and what it gets back.

:class:`Incoming` is a message as a door saw it. The dispatcher turns it into a
:class:`commands.core.request.Request` for a handler, which returns a :class:`Reply`: a
document for the channel it came from, and posts for other channels (a forum-wide call-out
goes to every channel bound to the forum).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commands.core.document import Document
from commands.core.forms import Form, FormSubmission, FormSupport


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
    # How the door answers this message (its thread, who asked, where a refusal goes), as
    # JSON values the door reads back when it sends the answer; the answer waits in the
    # outbox with it. None: the door shows the answer itself (the Slack Home tab), and it is
    # not kept.
    route: Mapping[str, Any] | None = None
    # A reaction (Matrix ``m.reaction``) rather than a message: ``text`` is empty and this
    # says on which message, with which key. The core finds what the message is by its
    # outbox tag (a call-out: 👍 or ✅ acknowledges it).
    reaction: Reaction | None = None
    # The door can answer in the channel for the asker's eyes only (Slack's ephemeral
    # messages): a private answer (``Reply.private``) is shown so, not sent as a direct
    # message.
    private_answers: bool = False


@dataclass(frozen=True)
class Reaction:
    """A reaction to one of the bot's messages: the platform's id of that message (a Matrix
    event id) and the reaction's key (``👍``). ``tag``: what that message is (``callout:12``),
    found by the dispatcher in the outbox before it runs the command the tag's feature
    declared for it (``Feature.reactions``): the command reads it from
    ``req.incoming.reaction`` to act on that message's matter (that call-out), not on
    whatever is current."""

    message_id: str
    key: str
    tag: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file to go with a document (today: the full minutes beside the shortened ones).

    The core says what the file holds: ``payload`` is plain data of the ``kind`` named
    (``"minutes"``: a :class:`commands.minutes.record.Minutes`). The bot writes it
    (``bot.files``, by kind), in the format of the export, so that the attached file and
    ``samverkan-bot export protokoll`` are the same.
    """

    filename: str  # without extension: the bot adds the format's
    kind: str
    payload: object
    language: str


@dataclass(frozen=True)
class AttachmentKind:
    """How a kind of attachment waits in the outbox: its payload as JSON values, and back
    (declared by the feature whose replies carry it)."""

    kind: str
    encode: Callable[[object], Any]
    decode: Callable[[Any], object]


@dataclass(frozen=True)
class Post:
    """A document for a channel: a post to another channel than the command came from, or,
    with a ``route``, the answer to the command.

    Once written to the outbox it has an ``outbox_id`` and a ``key`` that names it for good
    (a Matrix transaction id, a Slack message's metadata: sent twice, it is posted once).
    ``claimed``: this process is to send it now (it serves the platform); ``attempts``: how
    often it has been claimed, this time included (more than once: an earlier try may have
    gone out)."""

    platform: str
    channel_id: str
    document: Document
    attachments: tuple[Attachment, ...] = ()
    # The scheduled post this sends (its kind's lateness is measured when it has gone out).
    scheduled_id: int | None = None
    outbox_id: int | None = None
    key: str | None = None
    route: Mapping[str, Any] | None = None
    ok: bool = True  # False: a refusal
    claimed: bool = False
    attempts: int = 0
    # Until when (real time) this process's claim holds: a post sent after that may be
    # another process's by then.
    claimed_until: datetime | None = None
    # What the message is, for the bot to find it again ("callout:12"): kept with its row
    # and its platform message id (a reaction to it, an edit of it).
    tag: str | None = None
    # An edit: the door replaces, in this channel, the message(s) tagged so with this
    # document (Slack ``chat.update``; Matrix an ``m.replace`` edit, which notifies nobody).
    # It waits while they are not sent yet, and is dropped when they failed for good; edits
    # of one tag in one channel apply in order. An edit has no tag of its own (its row is
    # kept under the tag it replaces), and an edit of direct messages goes to the direct
    # conversation they are in (``outbox.edits`` makes one for every channel holding them).
    replaces: str | None = None
    # A direct message to one person: ``channel_id`` is their user id on ``platform``, and
    # the door finds (or opens) its direct conversation with them (Slack: the app's DM;
    # Matrix: a direct room the bot remembers; the terminal: printed as such).
    direct: bool = False
    # For an edit, as it is sent: the platform's ids of the messages it replaces (the hub
    # finds them in the outbox just before; the door never looks them up).
    targets: tuple[str, ...] = ()


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
    # The answer as it waits in the outbox (when the message came with a route).
    answer: Post | None = None
    # What the answer is, for the bot to find it again (``Post.tag``): a call-out answers
    # ``!aktivera`` in the coordinator's channel, and is kept current there too.
    tag: str | None = None
    # The answer and its posts are an exercise's work wherever they go (a drill's direction
    # adopted in a strategic forum that is not exercising): marked as the exercise's are.
    exercise: bool = False
    # For the asker's eyes only: the door shows it so in the channel (``Incoming.private_answers``;
    # the dispatcher puts ``"private": <user id>`` in the answer's route). A handler whose door
    # cannot sends a direct post instead.
    private: bool = False

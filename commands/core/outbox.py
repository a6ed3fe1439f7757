"""Everything the bot says goes through the outbox (``storage/outbox.py``).

A command's answer and its posts, a timed job's posts and a scheduled post once worded are
written to the outbox in the transaction of the change that made them: a process that dies
after its commit leaves them for another to send, never lost. The process that wrote them
claims them as it writes (when it serves their platform) and sends them at once; anything
nobody sends — its process died, or it serves another platform (only the leader runs the
Matrix sync) — is claimed by the leader's ticker once it is ready (:func:`claim_ready`).

How sending went is recorded by :func:`record_delivery`: sent, with the platform's message
id; or failed, to be tried again after 30 s, 1, 2, 4 ... minutes (at most 30), up to
``MAX_ATTEMPTS`` times, or given up at once when the platform refuses for good. A scheduled
post is told how its message went.

A message is encoded as JSON (:class:`PostCodec`): the document's blocks and inlines (small
frozen dataclasses, tagged with their class) and its attachments, each by the codec its kind
declares (``AttachmentKind``; the minutes as plain data).

A message the bot refers to again carries a tag (``callout:12``, its row's ``tag``): a
reaction to it is found by its platform message id (:meth:`storage.outbox.Outbox.tag_of`),
and an *edit* (``Post.replaces``) is a row of kind ``edit`` kept under the tag it replaces,
sent once the messages it replaces are (:func:`edit_targets`: it waits while they are not,
is dropped when they failed for good, and is skipped when a later edit of them went out
first). A direct message (``Post.direct``) is a row of kind ``direct`` whose channel is the
person's user id.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import orjson

from commands.core import document as doc
from commands.core.document import Document
from commands.core.exercise_marking import ExerciseMarking
from commands.core.messages import Attachment, AttachmentKind, Post
from storage import Store
from storage.models import OutboxMessage, OutboxState, PostState

log = logging.getLogger(__name__)

# How long a process may take to send what it claimed before another may take it over.
CLAIM = timedelta(minutes=2)
# Pauses between attempts: 30 s, 1, 2, 4 ... minutes, at most 30; given up after this many.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)
MAX_ATTEMPTS = 8
# At most this many are claimed at once; the next tick takes the rest at once.
BATCH = 200

REPLY, POST, SCHEDULED = "reply", "post", "scheduled"
# An edit of the messages tagged as its row is, and a direct message to one person: kinds of
# their own, so that where they go is read from the row without its payload.
EDIT, DIRECT = "edit", "direct"
# An edit whose original is not sent yet looks again after 5 s, 10 s ... at most 30 min.
FIRST_WAIT = timedelta(seconds=5)

FORMAT = 2
_TYPES: dict[str, type[Any]] = {
    kind.__name__: kind
    for kind in (
        doc.Text,
        doc.Strong,
        doc.Emphasis,
        doc.Code,
        doc.Mention,
        doc.Link,
        doc.Paragraph,
        doc.Heading,
        doc.BulletList,
        doc.Fields,
        doc.Button,
        doc.Actions,
    )
}


class UnreadableMessage(ValueError):
    """An outbox message this version cannot read (written by a newer one, or damaged)."""


class PostCodec:
    """A document and its attachments as JSON text, and back."""

    def __init__(self, attachments: Mapping[str, AttachmentKind]) -> None:
        self.attachments = attachments

    def encode(self, document: Document, attachments: tuple[Attachment, ...] = ()) -> str:
        return orjson.dumps(
            {
                "format": FORMAT,
                "blocks": [_value(block) for block in document.blocks],
                "attachments": [self._encode_attachment(item) for item in attachments],
            }
        ).decode()

    def decode(self, text: str) -> tuple[Document, tuple[Attachment, ...]]:
        try:
            data = orjson.loads(text)
            if data.get("format") not in (1, FORMAT):
                raise UnreadableMessage(f"a message of format {data.get('format')!r}")
            blocks = [_read(block) for block in data["blocks"]]
            if data["format"] == 1:  # a relay of an older version: its files are not read
                if data.get("attachments"):
                    log.warning("an older relayed post's files are left out")
                return Document(blocks), ()
            attachments = tuple(self._decode_attachment(item) for item in data["attachments"])
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise UnreadableMessage(f"an unreadable message: {error}") from error
        return Document(blocks), attachments

    def _encode_attachment(self, attachment: Attachment) -> dict[str, Any]:
        kind = self.attachments.get(attachment.kind)
        if kind is None:
            raise ValueError(f"no codec for an attachment of kind {attachment.kind!r}")
        return {
            "filename": attachment.filename,
            "kind": attachment.kind,
            "language": attachment.language,
            "payload": kind.encode(attachment.payload),
        }

    def _decode_attachment(self, item: dict[str, Any]) -> Attachment:
        kind = self.attachments.get(item["kind"])
        if kind is None:
            raise UnreadableMessage(f"an attachment of no known kind: {item['kind']!r}")
        return Attachment(
            filename=item["filename"],
            kind=item["kind"],
            payload=kind.decode(item["payload"]),
            language=item["language"],
        )


def _value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _value(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [_value(item) for item in value]
    return value


def _read(value: Any) -> Any:
    if isinstance(value, dict):
        kind = _TYPES.get(value.get("type", ""))
        if kind is None:
            raise UnreadableMessage(f"unknown part of a document: {value.get('type')!r}")
        return kind(**{name: _read(item) for name, item in value.items() if name != "type"})
    if isinstance(value, list):
        return tuple(_read(item) for item in value)
    return value


@dataclass
class Claims:
    """Who sends what this process writes: ``instance`` (its ``INSTANCE_NAME``) claims, as
    it writes them, the messages for the platforms it ``serves`` now, for ``lease``; the
    others wait for the process that serves theirs. The hub sets ``serves`` from its doors."""

    instance: str | None = None
    serves: Callable[[str], bool] = field(default=lambda platform: True)
    lease: timedelta = CLAIM


def queue(
    store: Store,
    post: Post,
    *,
    kind: str,
    codec: PostCodec,
    claims: Claims,
    now: datetime,
    due_at: datetime | None = None,
    exercise: str | None = None,
) -> Post:
    """``post`` written to the outbox (``now``: the real time, as leases are between
    processes); the post as it is to be sent, claimed by this process if it serves its
    platform."""
    [queued] = queue_all(
        store,
        [post],
        kind=kind,
        codec=codec,
        claims=claims,
        now=now,
        due_at=due_at,
        exercise=exercise,
    )
    return queued


def queue_all(
    store: Store,
    posts: list[Post],
    *,
    kind: str,
    codec: PostCodec,
    claims: Claims,
    now: datetime,
    due_at: datetime | None = None,
    origin: tuple[str, str] | None = None,
    exercise: str | None = None,
) -> list[Post]:
    """``posts`` written to the outbox in one statement; each as it is to be sent, marked
    when an exercise says so (``origin``: where the command that made them was typed;
    ``exercise``: the language to mark them in, whatever their channels, for an exercise's
    work)."""
    rows: list[dict[str, Any]] = []
    queued: list[Post] = []
    encoded: dict[int, str] = {}  # a call-out's one document, encoded once for every channel
    marking = ExerciseMarking(store)
    for post in posts:
        post = marking.mark(post, origin, exercise)
        serving = claims.serves(post.platform)
        key = uuid.uuid4().hex
        payload = encoded.get(id(post.document))
        if payload is None or post.attachments:
            payload = codec.encode(post.document, post.attachments)
            encoded[id(post.document)] = payload
        rows.append(
            {
                "key": key,
                "platform": post.platform,
                "channel_id": post.channel_id,
                "kind": EDIT if post.replaces else DIRECT if post.direct else kind,
                # An edit is kept under the tag it replaces (and has none of its own).
                "tag": post.replaces or post.tag,
                "scheduled_id": post.scheduled_id,
                "route": orjson.dumps(post.route).decode() if post.route is not None else None,
                "ok": post.ok,
                "payload": payload,
                "created_at": now,
                "due_at": due_at,
                "ready_at": now + claims.lease if serving else now,
                "claimed_by": claims.instance if serving else None,
                "attempts": 1 if serving else 0,
            }
        )
        queued.append(
            replace(
                post,
                tag=None if post.replaces else post.tag,
                key=key,
                claimed=serving,
                attempts=1 if serving else 0,
                claimed_until=now + claims.lease if serving else None,
            )
        )
        if post.scheduled_id is not None:
            scheduled = store.scheduled.get(post.scheduled_id)
            if scheduled is not None:
                store.scheduled.finish(scheduled, PostState.QUEUED)
    ids = store.outbox.add_all(rows)
    return [replace(post, outbox_id=outbox_id) for post, outbox_id in zip(queued, ids, strict=True)]


def claim_ready(
    store: Store,
    platforms: Iterable[str],
    now: datetime,
    *,
    codec: PostCodec,
    by: str | None,
    lease: timedelta = CLAIM,
    limit: int = BATCH,
) -> list[Post]:
    """What nobody is sending and may be sent now on ``platforms``, claimed for ``by``, oldest
    first (a channel's in the order they were written)."""
    posts: list[Post] = []
    for message in store.outbox.ready(platforms, now, limit):
        if not store.outbox.claim(message, now, lease, by):
            continue  # another process has it
        try:
            document, attachments = codec.decode(message.payload)
            route = orjson.loads(message.route) if message.route is not None else None
        except (UnreadableMessage, orjson.JSONDecodeError) as error:
            log.error("outbox message %s cannot be read: %s", message.id, error)
            _give_up(store, message, str(error))
            continue
        posts.append(
            Post(
                message.platform,
                message.channel_id,
                document,
                attachments,
                scheduled_id=message.scheduled_id,
                outbox_id=message.id,
                key=message.key,
                route=route,
                ok=message.ok,
                claimed=True,
                attempts=message.attempts,
                claimed_until=message.ready_at,
                tag=None if message.kind == EDIT else message.tag,
                replaces=message.tag if message.kind == EDIT else None,
                direct=message.kind == DIRECT,
            )
        )
    return sorted(posts, key=lambda post: post.outbox_id or 0)


def renew_claim(
    store: Store, outbox_id: int, by: str | None, now: datetime, lease: timedelta
) -> datetime | None:
    """Hold on to a claim running short (a message that waited its turn): until when it now
    holds, or None when it is no longer ours (another process has taken it over)."""
    if store.outbox.renew(outbox_id, by, now, lease):
        return now + lease
    return None


@dataclass(frozen=True)
class Delivery:
    """How sending an outbox message went, as the hub reports it. ``waiting``: not sent, and
    no failure either (an edit whose original is not sent yet): taken again soon."""

    outbox_id: int
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False
    waiting: bool = False


@dataclass(frozen=True)
class Sent:
    """A message that went out: its platform, and for a scheduled post its kind and how long
    after its time."""

    platform: str
    kind: str
    lateness: timedelta | None = None


@dataclass(frozen=True)
class Recorded:
    """What recording a delivery did: ``sent``, ``retried``, ``waiting`` or ``given_up``, or
    ``stale`` (recorded before: another process took it over and sent it)."""

    outcome: str
    platform: str
    sent: Sent | None = None


def record_delivery(store: Store, delivery: Delivery, now: datetime) -> Recorded:
    """Record how sending went (``now``: the real time)."""
    message = store.outbox.get(delivery.outbox_id)
    if message is None or message.state is not OutboxState.PENDING:
        return Recorded("stale", message.platform if message else "")
    scheduled = store.scheduled.get(message.scheduled_id) if message.scheduled_id else None
    if delivery.waiting:
        pause = min(FIRST_WAIT * 2 ** max(message.attempts - 1, 0), LONGEST_RETRY)
        store.outbox.wait(message, now + pause, delivery.error or "waiting")
        return Recorded("waiting", message.platform)
    if delivery.error is None:
        store.outbox.sent(message, now, delivery.message_id)
        if scheduled is not None:
            store.scheduled.finish(scheduled, PostState.SENT, message_id=delivery.message_id)
        lateness = now - message.due_at if message.due_at is not None else None
        kind = scheduled.kind if scheduled is not None else message.kind
        return Recorded("sent", message.platform, Sent(message.platform, kind, lateness))
    if delivery.permanent or message.failures + 1 >= MAX_ATTEMPTS:
        log.warning(
            "gave up a message (%s) to %s:%s after %d attempts: %s",
            message.kind,
            message.platform,
            message.channel_id,
            message.failures + 1,
            delivery.error,
        )
        _give_up(store, message, delivery.error)
        return Recorded("given_up", message.platform)
    pause = min(FIRST_RETRY * 2**message.failures, LONGEST_RETRY)
    store.outbox.retry(message, now + pause, delivery.error)
    if scheduled is not None:
        scheduled.attempts += 1
        scheduled.last_error = delivery.error[:500]
        store.session.add(scheduled)
    return Recorded("retried", message.platform)


def _give_up(store: Store, message: OutboxMessage, error: str) -> None:
    store.outbox.give_up(message, error)
    if message.scheduled_id is not None:
        scheduled = store.scheduled.get(message.scheduled_id)
        if scheduled is not None:
            store.scheduled.finish(scheduled, PostState.FAILED, error=error)


# -- tagged messages: edits ------------------------------------------------------------------


@dataclass(frozen=True)
class EditTargets:
    """What an edit replaces in its channel, as the outbox has it now: the ``sent`` messages
    (outbox id, the platform's message id), the ``pending`` ones (outbox ids: not sent yet,
    or sent and not yet recorded), whether some ``failed`` for good, whether they are
    ``direct`` messages, and whether a later edit of them has gone out already
    (``superseded``: this one is stale)."""

    sent: tuple[tuple[int, str], ...] = ()
    pending: tuple[int, ...] = ()
    failed: bool = False
    direct: bool = False
    superseded: bool = False


def edit_targets(
    store: Store, platform: str, channel_id: str, tag: str, outbox_id: int | None
) -> EditTargets:
    """What the edit ``outbox_id`` of the messages tagged ``tag`` in a channel replaces."""
    sent: list[tuple[int, str]] = []
    pending: list[int] = []
    failed = direct = superseded = False
    for message in store.outbox.tagged(platform, channel_id, tag):
        if message.kind == EDIT:
            later = outbox_id is not None and message.outbox_id > outbox_id
            superseded = superseded or (later and message.state is OutboxState.SENT)
            continue
        direct = direct or message.kind == DIRECT
        if message.state is OutboxState.PENDING:
            pending.append(message.outbox_id)
        elif message.state is OutboxState.SENT and message.message_id:
            sent.append((message.outbox_id, message.message_id))
        else:
            failed = True  # given up (or sent where no message is left to edit)
    return EditTargets(tuple(sent), tuple(pending), failed, direct, superseded)


def edits(store: Store, tag: str, document: Document) -> list[Post]:
    """An edit to ``document`` of the messages tagged ``tag``, for every channel that holds
    one (sent or on its way; a direct message's conversation as a direct post): what a
    handler returns to keep a message current everywhere it went (a call-out, as
    acknowledgements come in)."""
    posts: list[Post] = []
    seen: set[tuple[str, str]] = set()
    for platform, channel_id, kind in store.outbox.tag_channels(tag):
        if kind == EDIT or (platform, channel_id) in seen:
            continue
        seen.add((platform, channel_id))
        posts.append(Post(platform, channel_id, document, replaces=tag, direct=kind == DIRECT))
    return posts

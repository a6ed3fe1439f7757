"""Sending what is due: the scheduled posts' way out, and how each kind is worded.

Every tick, :func:`send_due` claims the posts that have fallen due (a guarded UPDATE: one bot
process each), words each one *now* (a kind's composer reads the current state: who has not
reported, whether the call-out still stands), and hands them to the hub as posts carrying
their id; the timekeeper writes them to the outbox in the same transaction (the post is then
``queued``), which sends them and tells the post how it went (``commands/core/outbox.py``:
sent, with the platform's message id; tried again with a growing pause; or given up).

A post that fell due while the bot was down is sent on start, marked late, if it is less
than ``grace`` late; older ones are reported to their channel as missed, never dropped
silently. A weekly reminder plans its next occurrence when it goes out (or is missed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commands.core.config import CoreConfig
from commands.core.document import Document, Emphasis, Strong
from commands.core.features import declared_in
from commands.core.i18n import normalise_language, t
from commands.core.messages import Post
from commands.core.timed import Tick
from commands.core.timefmt import format_time_with_weekday
from storage import Store
from storage.models import PostState, ScheduledPost

log = logging.getLogger(__name__)

# How long a process may take to send a post it claimed before another may take it over.
LEASE = timedelta(minutes=15)
# Later than this after its time, a post says it is late.
LATE_AFTER = timedelta(minutes=1)
# At most this many posts are claimed in one tick; the next tick takes the rest at once.
BATCH = 200
# Posts of an older version made for the process that served Matrix: migration 0011 moved
# the pending ones to the outbox.
RELAY = "relay"

Composer = Callable[[Store, ScheduledPost, datetime, CoreConfig], "Document | None"]
FollowUp = Callable[[Store, ScheduledPost, datetime], None]


@dataclass
class PostKinds:
    """How each kind of scheduled post is sent, as the bot's features declared it
    (``Capabilities.posts``): ``composers`` word it; the ``forum_bound`` kinds speak for the
    forum of their post (a call-out's re-call, an action's due time, the conference's posts)
    and are sent only while their channel still serves that forum; ``after_sent`` is a kind's
    follow-up once it has gone out or been missed (a weekly reminder's next one)."""

    composers: dict[str, Composer] = field(default_factory=dict)
    forum_bound: set[str] = field(default_factory=set)
    after_sent: dict[str, FollowUp] = field(default_factory=dict)

    def add_composer(self, kind: str, composer: Composer, *, forum_bound: bool = True) -> None:
        if kind in self.composers:
            raise ValueError(f"composer for {kind!r} registered twice")
        self.composers[kind] = composer
        if forum_bound:
            self.forum_bound.add(kind)

    def add_after_sent(self, kind: str, follow_up: FollowUp) -> None:
        if kind in self.after_sent:
            raise ValueError(f"follow-up for {kind!r} registered twice")
        self.after_sent[kind] = follow_up


def composer(kind: str, *, forum_bound: bool = True) -> Callable[[Composer], Composer]:
    """Declare how posts of ``kind`` are worded. A composer returns None when the post is
    no longer relevant (the call-out was stood down): it is cancelled, not sent.

    ``forum_bound``: the post speaks for its forum, so it is cancelled when its channel was
    rebound to another forum meanwhile (a person's own reminder is not: it stays)."""

    def register(function: Composer) -> Composer:
        declared_in(function).composers.append((kind, function, forum_bound))
        return function

    return register


def after_sent(kind: str) -> Callable[[FollowUp], FollowUp]:
    """Declare the decorated function as the follow-up of posts of ``kind`` once they have
    gone out or been missed (on their first claim only)."""

    def register(function: FollowUp) -> FollowUp:
        declared_in(function).after_sent.append((kind, function))
        return function

    return register


def send_due(store: Store, tick: Tick, config: CoreConfig, kinds: PostKinds) -> list[Post]:
    """Claim what is due, in real time (``tick.lease_now``: leases are between processes) and
    in the name of ``tick.claimant``, and word it now by its kind (``kinds``); the posts to
    send. The timekeeper runs it first on every tick, before the timed jobs."""
    now, lease_now = tick.now, tick.lease_now
    grace = timedelta(minutes=config.reminder_grace_minutes)
    posts: list[Post] = []
    missed: dict[tuple[str, str], list[ScheduledPost]] = {}
    for post in store.scheduled.due(now, BATCH, lease_now):
        # A retry, or a post taken over from a dead process, has had its follow-up planned.
        first_claim = post.state is PostState.PENDING and post.attempts == 0
        if not store.scheduled.claim(post, LEASE, lease_now, by=tick.claimant):
            continue  # another bot process has it
        if post.kind == RELAY:
            store.scheduled.finish(post, PostState.CANCELLED)  # moved to the outbox
            continue
        if not _still_bound(store, post, kinds):
            store.scheduled.finish(post, PostState.CANCELLED)
            continue
        if post.attempts == 0 and now - post.due_at > grace:
            store.scheduled.finish(post, PostState.MISSED)
            missed.setdefault((post.platform, post.channel_id), []).append(post)
            if first_claim:
                _after(store, post, now, kinds)
            continue
        compose = kinds.composers.get(post.kind)
        try:
            document = compose(store, post, now, config) if compose else None
        except Exception:
            # Our bug: this post fails, the others still go.
            log.exception("wording scheduled post %s (%s) failed", post.id, post.kind)
            store.scheduled.finish(post, PostState.FAILED, error="wording it failed")
            continue
        if document is None:
            if compose is None:
                log.warning("no composer for scheduled posts of kind %r", post.kind)
            store.scheduled.finish(post, PostState.CANCELLED)
            continue
        if now - post.due_at > LATE_AFTER:
            document.blocks.insert(0, _late_note(post).blocks[0])
            post.late = True
        posts.append(Post(post.platform, post.channel_id, document, scheduled_id=post.id))
        if first_claim:
            _after(store, post, now, kinds)
    for (platform, channel_id), posts_missed in missed.items():
        posts.append(Post(platform, channel_id, _missed_notice(posts_missed)))
    return posts


def _still_bound(store: Store, post: ScheduledPost, kinds: PostKinds) -> bool:
    """Checked at sending time: a forum's post goes only to a channel that still serves it."""
    if post.kind not in kinds.forum_bound or post.forum_id is None:
        return True
    forum = store.forums.for_channel(post.platform, post.channel_id)
    return forum is not None and forum.id == post.forum_id


def _after(store: Store, post: ScheduledPost, now: datetime, kinds: PostKinds) -> None:
    follow_up = kinds.after_sent.get(post.kind)
    if follow_up is not None:
        follow_up(store, post, now)


def next_due(store: Store) -> datetime | None:
    return store.scheduled.next_due()


def _late_note(post: ScheduledPost) -> Document:
    from zoneinfo import ZoneInfo

    language = normalise_language(post.language)
    due = format_time_with_weekday(post.due_at, ZoneInfo(post.timezone), language)
    return Document().paragraph(Emphasis(t(language, "scheduled.late", time=due)))


def _missed_notice(posts: list[ScheduledPost]) -> Document:
    from zoneinfo import ZoneInfo

    language = normalise_language(posts[0].language)
    doc = Document().paragraph(Strong(t(language, "scheduled.missed", count=len(posts))))
    rows = []
    for post in posts:
        due = format_time_with_weekday(post.due_at, ZoneInfo(post.timezone), language)
        what = post.text or t(language, f"scheduled.kind.{post.kind}")
        rows.append([due, ": ", what[:200]])
    doc.bullets(rows)
    return doc

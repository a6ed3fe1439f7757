"""What the bot's posts before a meeting share, for the forum's scheduled meetings
(``commands/conference.py``) and an activation's meetings (``commands/rhythm.py``) alike: how
they are planned (a post in each channel under a key that names the channel, and what this
process remembers having planned), how long until the meeting, and how to send the situation
report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary

from commands.core.config import CoreConfig
from commands.core.document import Button, Document
from commands.core.i18n import t
from commands.core.timefmt import format_duration
from storage import Store
from storage.forums import Channel
from storage.models import Forum, ScheduledPost

# A channel id longer than this is hashed in a post's key (keys are at most 200 characters).
LONG_CHANNEL_ID = 80

# -- planning ---------------------------------------------------------------------------------


def meeting_key(at: datetime) -> str:
    """A meeting's time in a post's key: ``2026-11-26T15:00Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def channel_key(channel: Channel) -> str:
    """A channel at the end of a post's key: ``slack:C0123``; a long id hashed."""
    channel_id = channel.channel_id
    if len(channel_id) > LONG_CHANNEL_ID:
        channel_id = "#" + hashlib.sha256(channel_id.encode()).hexdigest()[:32]
    return f"{channel.platform}:{channel_id}"


def plan_in_channels(
    store: Store,
    channels: Iterable[Channel],
    key: str,
    *,
    kind: str,
    forum: Forum,
    at: datetime,
    due: datetime,
    now: datetime,
    activation_id: int | None = None,
) -> tuple[int, str] | None:
    """The post of ``kind`` before the meeting at ``at``, due at ``due``, planned in each of
    ``channels`` under ``key`` and the channel (:func:`channel_key`; one planned already is
    left as it is); one of those this call added, (id, key), to check later that they were
    kept."""
    added: tuple[int, str] | None = None
    for channel in channels:
        post = ScheduledPost(
            kind=kind,
            key=f"{key}:{channel_key(channel)}",
            platform=channel.platform,
            channel_id=channel.channel_id,
            forum_id=forum.id,
            activation_id=activation_id,
            occurrence_at=at,
            timezone=forum.timezone,
            language=forum.language,
            created_at=now,
            due_at=due,
        )
        if store.scheduled.plan(post) and post.id is not None and post.key is not None:
            added = (post.id, post.key)
    return added


@dataclass
class _Planned:
    """What this process planned for one forum or activation: from what (a signature of
    everything the plan depends on), the meetings before when, and a post the last run added
    (id, key), if any."""

    signature: tuple[object, ...]
    until: datetime
    check: tuple[int, str] | None = None


class PlanMemory:
    """What a timed job that plans meeting posts ahead has planned, per database (its engine)
    and per forum or activation, so that a tick that changes nothing plans nothing. Two bot
    processes each keep their own; a restart forgets (planning again adds nothing: each post
    is looked up by its key)."""

    def __init__(self) -> None:
        self._planned: WeakKeyDictionary[object, dict[int, _Planned]] = WeakKeyDictionary()

    def clear(self) -> None:
        """Forget everything (as a restart does)."""
        self._planned.clear()

    def start(
        self, store: Store, key: int, signature: tuple[object, ...], now: datetime, end: datetime
    ) -> datetime | None:
        """Where planning for ``key`` up to ``end`` starts: ``now`` when nothing was planned
        from this ``signature`` or the run that planned it was rolled back (its post is not
        there); the end of what was planned when the window has moved beyond it; None when
        everything up to ``end`` is planned."""
        known = self._planned.get(store.database_key, {}).get(key)
        if known is not None and known.check is not None:
            post_id, post_key = known.check
            found = store.scheduled.get(post_id)
            known.check = None
            if found is None or found.key != post_key:
                known = None  # the run that planned it was rolled back
        if known is None or known.signature != signature:
            return now
        if known.until >= end:
            return None
        return max(now, known.until)

    def remember(
        self,
        store: Store,
        key: int,
        signature: tuple[object, ...],
        until: datetime,
        check: tuple[int, str] | None,
    ) -> None:
        """What was planned for ``key``: from ``signature``, the meetings before ``until``;
        ``check``, a post the run added (looked up by the next :meth:`start`)."""
        self._planned.setdefault(store.database_key, {})[key] = _Planned(signature, until, check)

    def keep_only(self, store: Store, keys: Iterable[int]) -> None:
        """Forget the forums or activations not in ``keys`` (no longer planned for)."""
        memory = self._planned.setdefault(store.database_key, {})
        for gone in set(memory) - set(keys):
            del memory[gone]


# -- wording ----------------------------------------------------------------------------------


def time_left(delta: timedelta, language: str) -> str:
    """``2 timmar``, ``15 minuter``, ``1 h 30 min``: how long until the meeting."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes and minutes % 60 == 0:
        return t(language, "conference.hours", count=minutes // 60)
    if minutes < 60:
        return t(language, "conference.minutes", count=minutes)
    return format_duration(timedelta(minutes=minutes), language)


def add_how_to_report(doc: Document, language: str, config: CoreConfig) -> None:
    """How to send the situation report: the command, and the form (a button in Slack)."""
    doc.paragraph(t(language, "conference.report", prefix=config.prefix))
    form = f"{t(language, 'report.command')} {t(language, 'report.form_word')}"
    doc.actions(
        Button(
            t(language, "conference.report_button"),
            form,
            t(language, "conference.report_hint", prefix=config.prefix, command=form),
        )
    )

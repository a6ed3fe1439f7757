"""What changed: the forums a committed unit of work recorded audit events for.

Every change records an audit event with its forum's id (``storage/audit.py``), so the audit
log of a unit of work already says which forums it changed. When the unit of work commits,
:class:`ForumChanges` announces those forum ids:

- in this process, to every subscriber (a callback, called in the committing thread: a
  subscriber living on an event loop hands the news over with ``call_soon_threadsafe``);
- on PostgreSQL, to every other process too: ``NOTIFY samverkan_forum, '<forum id>:<origin>'``
  in the same transaction (PostgreSQL delivers it when, and only if, the transaction commits).
  ``bot/change_listener.py`` listens on that channel in every process that serves web pages
  and relays what *other* processes announced (``origin`` names the announcing
  :class:`ForumChanges`, so a process does not hear its own changes twice).

Some events change nothing a forum shows (a page viewed): :data:`QUIET` ones announce nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "samverkan_forum"
# Audit actions that change nothing a forum's page shows: announcing them would make every
# screen's page load re-render every screen of the forum.
QUIET = frozenset({"web.page_view"})

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")

# A subscriber: given the forum ids that changed, or None for "any forum may have" (after a
# listener reconnected and may have missed announcements).
Subscriber = Callable[[frozenset[int] | None], None]


class ForumChanges:
    """One database's change signal, in one process: subscribe, and hear of changes."""

    def __init__(self) -> None:
        self.origin = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Hear of every change from now on; returns what ends it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def notify_in(self, session: Session, forum_ids: Iterable[int]) -> None:
        """On PostgreSQL, announce ``forum_ids`` to other processes when ``session``'s
        transaction commits (call it just before the commit)."""
        if session.get_bind().dialect.name != "postgresql":
            return
        for forum_id in sorted(set(forum_ids)):
            session.execute(_NOTIFY, {"channel": CHANNEL, "payload": f"{forum_id}:{self.origin}"})

    def announce(self, forum_ids: Iterable[int] | None) -> None:
        """Tell this process's subscribers (None: any forum may have changed)."""
        changed = None if forum_ids is None else frozenset(forum_ids)
        if changed is not None and not changed:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(changed)
            except Exception:  # one subscriber's failure is not the committer's
                log.exception("a subscriber to forum changes failed")

    def relay(self, payload: str) -> None:
        """An announcement heard from the database (``<forum id>:<origin>``): passed on to
        this process's subscribers unless this process made it, or it is not ours."""
        forum, _, origin = payload.partition(":")
        if origin == self.origin or not forum.isdigit():
            return
        self.announce([int(forum)])

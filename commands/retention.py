"""Audit retention: audit events older than ``AUDIT_RETENTION_DAYS`` (730 days, two years, by
default; 0 keeps them for ever) are deleted by a timed job.

A second job forgets, the same way (hourly, in batches), what only served delivery: outbox
messages sent or given up, and the ids of handled platform events, after ``KEEP_DELIVERED``
(30 days: no platform delivers an event again after a day).

Only the audit log (who changed what, when) is subject to the first: situation reports, pictures,
minutes and actions are the forums' own records and are never deleted by the bot.

The job runs on every tick but works at most once a day per database in a process: it
remembers when it last finished. Then it deletes the oldest events from before the cut-off,
a bounded batch per transaction; a full batch means there may be more, so the next tick goes
on rather than waiting a day. It records one audit event saying how many it deleted and up to
when, so the log shows where it was cut. Deleting is idempotent, so two bot processes on one
database do no harm: the second finds nothing left.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from commands.core.config import CoreConfig
from commands.core.features import feature
from commands.core.messages import Post
from commands.core.timed import Tick, timed
from storage import Store

FEATURE = feature(__name__)

log = logging.getLogger(__name__)

# Events deleted per transaction: small enough not to hold the database long.
BATCH = 5000
EVERY = timedelta(days=1)

KEEP_DELIVERED = timedelta(days=30)
DELIVERED_EVERY = timedelta(hours=1)

# Per database (its engine): when the job last found nothing more to delete.
_FINISHED: WeakKeyDictionary[object, datetime] = WeakKeyDictionary()
_DELIVERED_FINISHED: WeakKeyDictionary[object, datetime] = WeakKeyDictionary()


@timed
def forget_old_audit_events(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    """Delete audit events older than ``config.audit_retention_days``; no posts."""
    now = tick.now
    days = config.audit_retention_days
    if days <= 0:
        return []
    finished = _FINISHED.get(store.database_key)
    # A clock set back (the terminal, tests) counts as due, as does a day gone by.
    if finished is not None and finished <= now < finished + EVERY:
        return []
    before = now - timedelta(days=days)
    deleted = store.audit.delete_before(before, BATCH)
    if deleted:
        store.audit.record(
            "audit.retention", deleted=deleted, before=before.isoformat(), retention_days=days
        )
        log.info(
            "deleted %d audit events older than %d days (before %s)",
            deleted,
            days,
            before.isoformat(timespec="seconds"),
        )
    if deleted < BATCH:
        _FINISHED[store.database_key] = now
    return []


@timed
def forget_delivered(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    """Delete outbox messages sent or given up, and handled event ids, older than
    ``KEEP_DELIVERED`` (in real time, ``tick.lease_now``: they were written in it); no
    posts."""
    now = tick.lease_now
    finished = _DELIVERED_FINISHED.get(store.database_key)
    if finished is not None and finished <= now < finished + DELIVERED_EVERY:
        return []
    before = now - KEEP_DELIVERED
    messages = store.outbox.forget_before(before, BATCH)
    events = store.handled_events.forget_before(before)
    if messages or events:
        log.info("forgot %d delivered messages and %d handled event ids", messages, events)
    if messages < BATCH:
        _DELIVERED_FINISHED[store.database_key] = now
    return []

"""Every process that serves web pages hears of forum changes made by the others (PostgreSQL).

A unit of work that changed a forum announces it in its own process and, on PostgreSQL, with
``NOTIFY samverkan_forum`` in the same transaction (``storage/changes.py``). This listener —
one task in every process that serves the display page, not only the leader — relays what
the other processes announced to this process's subscribers, so a screen served by any
process updates within the same second or two. Each time it has (re)connected it announces
"any forum may have changed" once, for what was said while it was not listening.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg

from storage import Database
from storage.changes import CHANNEL

log = logging.getLogger(__name__)

RETRY_FIRST_S = 1.0
RETRY_MAX_S = 30.0


def relays(database: Database) -> bool:
    """Whether there is anything to relay: only PostgreSQL has other processes' changes."""
    return database.engine.dialect.name == "postgresql"


async def relay_changes(database: Database) -> None:
    """Relay other processes' announcements until cancelled (returns at once on SQLite,
    where one process serves everything); reconnects when the database goes away."""
    if not relays(database):
        return
    url = database.engine.url.set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    changes = database.changes
    wait = RETRY_FIRST_S
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wait = RETRY_FIRST_S
                changes.announce(None)
                async for notice in conn.notifies():
                    changes.relay(notice.payload)
        except psycopg.Error as error:
            log.warning("listening for forum changes failed (%s); again in %.0f s", error, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_MAX_S)

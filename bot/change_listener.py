"""Every process that serves web pages hears of forum changes made by the others (PostgreSQL).

A unit of work that changed a forum announces it in its own process and, on PostgreSQL, with
``NOTIFY samverkan_forum`` in the same transaction (``storage/changes.py``). This listener —
one task in every process that serves the display page, not only the leader — relays what
the other processes announced to this process's subscribers, so a screen served by any
process updates within the same second or two. Each time it has (re)connected it announces
"any forum may have changed" once, for what was said while it was not listening.

A connection that silently died (a failover, a firewall dropping idle connections) would
never deliver again: TCP keepalives are on, and when nothing was heard for ``PING_S`` the
listener asks ``SELECT 1``, so a dead connection fails within a minute or so and is made
again. Whatever goes wrong is logged and retried after a growing pause: this task runs beside
the process's others (``bot/cli.py`` stops the process when any of them ends), so it never
ends but by cancellation.
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
# Nothing heard for this long: the connection is asked whether it still lives.
PING_S = 30.0
# libpq's settings for the listening connection: give up connecting after this long, and have
# TCP notice a peer gone quiet (idle 30 s, then a probe every 10 s, 3 unanswered: dead).
CONNECT_OPTIONS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}


def relays(database: Database) -> bool:
    """Whether there is anything to relay: only PostgreSQL has other processes' changes."""
    return database.engine.dialect.name == "postgresql"


def conninfo_of(database: Database) -> str:
    """The database's address for psycopg, with the listener's connection options."""
    url = database.engine.url.set(drivername="postgresql").update_query_dict(CONNECT_OPTIONS)
    return url.render_as_string(hide_password=False)


async def relay_changes(database: Database) -> None:
    """Relay other processes' announcements until cancelled (returns at once on SQLite,
    where one process serves everything); reconnects when the database goes away."""
    if not relays(database):
        return
    conninfo = conninfo_of(database)
    changes = database.changes
    wait = RETRY_FIRST_S
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wait = RETRY_FIRST_S
                changes.announce(None)
                while True:
                    async for notice in conn.notifies(timeout=PING_S):
                        changes.relay(notice.payload)
                    await conn.execute("SELECT 1")  # still there? (raises if not)
        except Exception as error:  # never end the process's other tasks
            log.warning("listening for forum changes failed (%s); again in %.0f s", error, wait)
        await asyncio.sleep(wait)
        wait = min(wait * 2, RETRY_MAX_S)

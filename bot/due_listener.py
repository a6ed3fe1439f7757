"""The leader hears at once of posts planned by other bot processes (PostgreSQL only).

A reminder set or a call-out made through another process is a row in the database; the
leader would see it at its next look (``TICK_SECONDS`` at the latest). PostgreSQL announces
each new row on a channel when its transaction commits (storage/post_queue.py); the leader
listens there and looks at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg

from storage import Database
from storage.post_queue import DUE_CHANNEL

log = logging.getLogger(__name__)

RETRY_FIRST_S = 1.0
RETRY_MAX_S = 30.0


def listens(database: Database) -> bool:
    return database.engine.dialect.name == "postgresql"


async def listen_for_due(database: Database, wake: Callable[[], None]) -> None:
    """Call ``wake`` for every announcement, until cancelled; reconnects when the database
    goes away (and wakes once then, for what was announced meanwhile)."""
    url = database.engine.url.set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    wait = RETRY_FIRST_S
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {DUE_CHANNEL}")
                wait = RETRY_FIRST_S
                wake()
                async for _notice in conn.notifies():
                    wake()
        except psycopg.Error as error:
            log.warning("listening for new posts failed (%s); again in %.0f s", error, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_MAX_S)

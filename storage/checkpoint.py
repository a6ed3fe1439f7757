"""WAL checkpoints of a SQLite file in a background thread, not inside a command's commit.

SQLite in WAL mode copies the write-ahead log back into the database file every 1000 pages,
in whichever commit crosses that line: that one command then waits on the copy and its
fsync (10-20 ms on this kind of machine, against 2-4 ms for a command). The bot turns that
automatic checkpoint off on its connections and lets this thread checkpoint instead, with
``PASSIVE`` checkpoints that never block the bot's readers or its writer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


class WalCheckpointer:
    """Checkpoints the SQLite file at ``path`` every ``interval`` seconds until stopped."""

    def __init__(self, path: str, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and fold the whole log back into the file (a clean shutdown)."""
        if not self._thread.is_alive():
            return
        self._stop.set()
        self._thread.join()
        self.checkpoint("TRUNCATE")

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int] | None:
        """One checkpoint: (busy, log pages, pages copied), or None when it failed."""
        try:
            with sqlite3.connect(self.path, timeout=5) as connection:
                row = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            connection.close()
        except sqlite3.Error:
            log.warning("WAL checkpoint of %s failed; will try again", self.path, exc_info=True)
            return None
        return (int(row[0]), int(row[1]), int(row[2])) if row else None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint()

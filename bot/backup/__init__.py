"""Backups: ``samverkan-bot export all`` and ``samverkan-bot import``.

- ``dump``: ``database.json``, every table's rows without loss (written from, and loaded into,
  the database by :mod:`storage.dump`), and the import;
- ``export_all``: the backup folder: the dump, and for people each forum's joint pictures,
  minutes and situation reports, and the audit log, as JSON and Markdown;
- ``records``: the situation reports, the audit log and the folder's README as files.
"""

from __future__ import annotations


class BackupError(Exception):
    """A backup cannot be written or read; the message is one line saying why.

    ``status``: the command line's exit status: 2 when refused before anything was done,
    1 when it failed on the way."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


DUMP_FILE = "database.json"

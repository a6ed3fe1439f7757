"""``database.json``: every table's rows without loss, as a file; and ``samverkan-bot import``.

The file is one JSON object: what it is (``format``, ``format_version``), the schema's alembic
revision, when and by what it was written, and under ``tables`` each table in foreign-key
order with its ``columns`` and its ``rows`` (objects, sorted by primary key), one row a line,
so that the file can be read by any JSON tool and still be compared and searched line by
line. The values are :mod:`storage.dump`'s: instants in ISO 8601 in UTC with their offset,
enums as their stored values. ``samverkan-bot import`` reads a file so laid out a row a line
as it inserts them, so memory stays small however big the dump; the same JSON laid out
otherwise (reformatted by a tool) is read whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.backup import DUMP_FILE, BackupError
from bot.files import open_private
from storage import Database
from storage.database import sqlite_file
from storage.dump import (
    DUMP_FORMAT,
    DUMP_FORMAT_VERSION,
    Document,
    DumpError,
    DumpSource,
    Loaded,
    NotEmptyError,
    check_header,
    load,
)


class DumpWriter:
    """Writes ``database.json`` table by table as the rows come, so a big database never has
    to be in memory at once. It is written as ``database.json.partial`` and renamed by
    :meth:`finish`: the dump appears whole or not at all."""

    def __init__(
        self, directory: Path, *, revision: str, exported_at: datetime, database: str
    ) -> None:
        self.path = directory / DUMP_FILE
        self._partial = directory / f"{DUMP_FILE}.partial"
        self._handle: BinaryIO = open_private(self._partial, "xb")
        self.rows = 0
        self._tables = 0
        header = {
            "format": DUMP_FORMAT,
            "format_version": DUMP_FORMAT_VERSION,
            "schema_revision": revision,
            "exported_at": exported_at.astimezone(UTC).isoformat(),
            "exported_by": f"samverkan-bot {__version__}",
            "database": database,
        }
        self._handle.write(b"{\n")
        for key, value in header.items():
            self._handle.write(b"  " + orjson.dumps(key) + b": " + orjson.dumps(value) + b",\n")
        self._handle.write(b'  "tables": {')

    def table(self, name: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
        """One table, its rows one a line; how many rows."""
        write = self._handle.write
        write(b",\n" if self._tables else b"\n")
        self._tables += 1
        write(b"    " + orjson.dumps(name) + b": {\n")
        write(b'      "columns": ' + orjson.dumps(columns) + b",\n")
        write(b'      "rows": [')
        count = 0
        for row in rows:
            write(b",\n        " if count else b"\n        ")
            write(orjson.dumps(row))
            count += 1
        write(b"\n      ]\n    }" if count else b"]\n    }")
        self.rows += count
        return count

    def finish(self) -> Path:
        self._handle.write(b"\n  }\n}\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._partial.replace(self.path)
        return self.path

    def close(self) -> None:
        """Give up: an unfinished dump is not left looking like one."""
        if not self._handle.closed:
            self._handle.close()
            self._partial.unlink(missing_ok=True)


def write_dump(
    directory: Path,
    tables: dict[str, dict[str, Any]],
    *,
    revision: str,
    exported_at: datetime,
    database: str,
) -> Path:
    """Write ``database.json`` in ``directory`` from tables in memory."""
    writer = DumpWriter(directory, revision=revision, exported_at=exported_at, database=database)
    try:
        for name, table in tables.items():
            writer.table(name, table["columns"], table["rows"])
        return writer.finish()
    finally:
        writer.close()


class _OtherLayout(Exception):
    """The file is not laid out as :class:`DumpWriter` writes it (it may still be JSON)."""


_HEADER = re.compile(rb'  ("(?:[^"\\]|\\.)*"): (.*),\n')
_TABLE = re.compile(rb'    ("(?:[^"\\]|\\.)*"): \{\n')
_COLUMNS = re.compile(rb'      "columns": (.*),\n')


class LineDump:
    """``database.json`` as :class:`DumpWriter` lays it out, read a row a line: one pass
    finds where each table's rows are, and :meth:`rows` reads them when they are inserted,
    so memory stays small however big the dump."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: dict[str, Any] = {}
        self.columns: dict[str, Any] = {}
        self._where: dict[str, tuple[int, int]] = {}  # table -> offset of its rows, count
        with path.open("rb") as handle:
            try:
                self._scan(handle)
            except (orjson.JSONDecodeError, TypeError):
                raise _OtherLayout from None

    def _scan(self, handle: BinaryIO) -> None:
        if handle.readline() != b"{\n":
            raise _OtherLayout
        while (line := handle.readline()) != b'  "tables": {\n':
            header = _HEADER.fullmatch(line)
            if header is None:
                raise _OtherLayout
            self.header[orjson.loads(header[1])] = orjson.loads(header[2])
        while (line := handle.readline()) != b"  }\n":
            table = _TABLE.fullmatch(line)
            columns = _COLUMNS.fullmatch(handle.readline())
            if table is None or columns is None:
                raise _OtherLayout
            name = orjson.loads(table[1])
            rows = handle.readline()
            offset, count = handle.tell(), 0
            if rows == b'      "rows": [\n':
                while (line := handle.readline()) != b"      ]\n":
                    if not line.startswith(b"        {") or not line.endswith((b"},\n", b"}\n")):
                        raise _OtherLayout
                    count += 1
            elif rows != b'      "rows": []\n':
                raise _OtherLayout
            if handle.readline() not in (b"    },\n", b"    }\n") or name in self.columns:
                raise _OtherLayout
            self.columns[name] = orjson.loads(columns[1])
            self._where[name] = (offset, count)
        if handle.readline() != b"}\n" or handle.read(1):
            raise _OtherLayout

    def rows(self, table: str) -> Iterator[Any]:
        offset, count = self._where[table]
        with self.path.open("rb") as handle:
            handle.seek(offset)
            for number in range(1, count + 1):
                line = handle.readline().rstrip(b"\n").removesuffix(b",")
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise DumpError(
                        f"row {number} of the dump's table {table} is not JSON"
                    ) from None


def read_dump(directory: Path) -> DumpSource:
    """The dump in a backup folder, once it is one this code can load: read a row a line when
    it is laid out as ``export all`` writes it, else (JSON laid out otherwise) whole."""
    if not directory.exists():
        raise BackupError(f"no backup at {directory}: the folder does not exist")
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a folder (give the folder export all wrote)")
    path = directory / DUMP_FILE
    if not path.is_file():
        raise BackupError(
            f"{directory} is not a samverkan-bot backup: it has no {DUMP_FILE} "
            "(samverkan-bot export all --out DIR writes one)"
        )
    source: DumpSource
    try:
        try:
            source = LineDump(path)
        except _OtherLayout:
            source = Document(orjson.loads(path.read_bytes()))
        check_header(source.header)
    except orjson.JSONDecodeError as error:
        raise BackupError(f"{path} is not a samverkan-bot database dump: {error}") from None
    except DumpError as error:
        raise BackupError(f"{path}: {error}") from None
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror or error}") from None
    return source


def import_backup(database_url: str, directory: Path) -> Loaded:
    """Load the backup in ``directory`` into the database at ``database_url``, which is
    migrated first and must hold no data of its own. All or nothing: a new SQLite file is
    removed again when the import fails."""
    source = read_dump(directory)
    path = sqlite_file(database_url)
    created = path is not None and not Path(path).exists()
    database = Database(database_url)
    loaded: Loaded | None = None
    try:
        loaded = load(database, source)
    except NotEmptyError as error:
        raise BackupError(str(error)) from None
    except DumpError as error:
        raise BackupError(f"{directory / DUMP_FILE}: {error}") from None
    except SQLAlchemyError as error:
        raise BackupError(
            f"the import failed and nothing was imported: {_first_line(error)}", status=1
        ) from None
    finally:
        database.dispose()
        if loaded is None and created and path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
    return loaded


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

"""Every table as plain data, and back: the lossless part of a backup (``samverkan-bot export
all`` writes it as ``database.json``, ``samverkan-bot import`` reads it).

A dump is the rows of every table the models define, read in one consistent, read-only
snapshot, each value as JSON: instants in ISO 8601 in UTC with their offset, dates in ISO
8601, enums as their stored values, JSON columns as they are. Tables come in foreign-key
order, rows in primary-key order (integer keys sorted by the database, text keys here, so a
dump of SQLite and one of PostgreSQL holding the same rows are the same whatever the
collation), streamed so that a big table is never in memory at once. The schema's alembic
revision goes with it.

Loading is all or nothing: the target is migrated to the newest schema first, must hold no
data but the seed (which the dump's rows replace), and gets every row in one transaction,
read from the dump as it is inserted; on PostgreSQL each table's id sequence then continues
after the largest id. A dump of an older schema is brought up to date first, through the
migrations, in a scratch SQLite file.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy import column as column_clause
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Connection
from sqlalchemy.types import DateTime
from sqlmodel import Session, SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.database import Database
from storage.migrate import MIGRATIONS, current_revision, upgrade
from storage.seed import seed_data
from storage.store import AuditContext, Store
from storage.types import UTCDateTime

# What a dump's ``format`` says, and the layout version this code reads and writes; raise it
# when an older reader could no longer load what is written.
DUMP_FORMAT = "samverkan-bot database dump"
DUMP_FORMAT_VERSION = 1
# The tables ``Database.prepare`` seeds on a new database, and the leader's lease a bot process
# takes when it starts: the target of an import may hold these rows (the seed's only), which
# the dump's replace.
REPLACED_TABLES = ("forum", "organisation", "forumparticipant", "lease")
_BATCH = 2000

Row = dict[str, Any]


class DumpError(Exception):
    """A dump cannot be read or loaded; the message is one line saying why."""


class NotEmptyError(DumpError):
    """The import's target holds data of its own."""


# -- revisions -------------------------------------------------------------------------------


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def known_revisions() -> list[str]:
    """Every schema revision this code knows, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def schema_revision(database: Database) -> str | None:
    """The database's revision; None when it was never migrated."""
    return current_revision(database.engine)


# -- reading ---------------------------------------------------------------------------------


@contextmanager
def snapshot(database: Database, context: AuditContext) -> Iterator[Store]:
    """A unit of work that sees one consistent state of the whole database and can change
    nothing (SQLite: one read transaction with ``query_only``; PostgreSQL: REPEATABLE READ,
    READ ONLY). Everything in it is rolled back; a running bot may go on writing meanwhile."""
    sqlite = database.engine.dialect.name == "sqlite"
    with database.engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only=ON")
            # pysqlite begins transactions only before writes; without this every SELECT
            # would see the database as it is at that moment.
            connection.exec_driver_sql("BEGIN")
        else:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                yield Store(session, context)
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only=OFF")
                connection.rollback()


def tables() -> list[Table]:
    """The models' tables in foreign-key order (a table after those it refers to)."""
    return list(SQLModel.metadata.sorted_tables)


def table_rows(store: Store, table: Table) -> Iterator[Row]:
    """The table's rows as JSON values, in primary-key order. A table with one integer key
    (every big one) is streamed in that order from the database; the others (a few rows
    keyed by text, which databases sort by different collations) are sorted here."""
    connection = store.session.connection()
    codecs = [(c.name, _encoder(c.type)) for c in table.columns]

    def encoded(row: Any) -> Row:
        return {
            name: None if value is None else encode(value)
            for (name, encode), value in zip(codecs, row, strict=True)
        }

    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        query = select(table).order_by(keys[0]).execution_options(yield_per=_BATCH)
        for row in connection.execute(query):
            yield encoded(row)
        return
    rows = [encoded(row) for row in connection.execute(select(table))]
    rows.sort(key=_row_key(table))
    yield from rows


def rows_where(store: Store, table: Table, column: str, values: Iterable[Any]) -> list[Row]:
    """The table's rows whose ``column`` is one of ``values``, as JSON values, in
    primary-key order."""
    connection = store.session.connection()
    codecs = [(c.name, _encoder(c.type)) for c in table.columns]
    wanted = sorted(set(values))
    rows: list[Row] = []
    for start in range(0, len(wanted), 500):
        query = select(table).where(table.c[column].in_(wanted[start : start + 500]))
        rows.extend(
            {
                name: None if value is None else encode(value)
                for (name, encode), value in zip(codecs, row, strict=True)
            }
            for row in connection.execute(query)
        )
    rows.sort(key=_row_key(table))
    return rows


def row_count(store: Store, table: Table) -> int:
    return int(
        store.session.connection().execute(select(func.count()).select_from(table)).scalar_one()
    )


def dump_tables(store: Store) -> dict[str, dict[str, Any]]:
    """Every table's columns and rows as JSON values, in a stable order (in memory: for
    small databases and tests; ``export all`` streams :func:`table_rows`)."""
    return {
        table.name: {
            "columns": [c.name for c in table.columns],
            "rows": list(table_rows(store, table)),
        }
        for table in tables()
    }


def _row_key(table: Table) -> Callable[[Row], tuple[Any, ...]]:
    keys = [c.name for c in table.primary_key.columns]
    return lambda row: tuple(row[key] for key in keys)


def _encoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, UTCDateTime | DateTime):
        return lambda value: _instant_text(value)
    if isinstance(column_type, Date):
        return lambda value: value.isoformat()
    if isinstance(column_type, SAEnum):
        return lambda value: value.value if isinstance(value, Enum) else str(value)
    return lambda value: value


def _instant_text(value: datetime) -> str:
    if value.tzinfo is None:  # a reflected SQLite column (the scratch upgrade): naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


# -- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """What an import wrote: rows per table, in the order they were inserted."""

    rows: dict[str, int]
    replaced_seed: bool

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class DumpSource(Protocol):
    """A dump to load: what it says of itself, each table's columns, and each table's rows
    (read as they are inserted, so a big dump need not be in memory at once)."""

    @property
    def header(self) -> dict[str, Any]:
        """Everything but the tables: format, version, schema revision, when, from where."""
        ...

    @property
    def columns(self) -> dict[str, Any]:
        """Each table's columns as the dump gives them (checked by :func:`load`)."""
        ...

    def rows(self, table: str) -> Iterable[Any]:
        """The table's rows as the dump gives them, each an object of column to value."""
        ...


class Document:
    """A dump held whole in memory, as JSON reads it (``database.json`` parsed)."""

    def __init__(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise DumpError("not a samverkan-bot database dump")
        self.header = {key: value for key, value in document.items() if key != "tables"}
        tables = document.get("tables")
        if self.header.get("format") == DUMP_FORMAT and not isinstance(tables, dict):
            raise DumpError("the dump has no tables")
        self._tables: dict[str, Any] = tables if isinstance(tables, dict) else {}
        self.columns = {
            name: entry.get("columns") if isinstance(entry, dict) else None
            for name, entry in self._tables.items()
        }

    def rows(self, table: str) -> Iterable[Any]:
        entry = self._tables.get(table)
        rows = entry.get("rows") if isinstance(entry, dict) else None
        if not isinstance(rows, list):
            raise DumpError(f"the dump has no rows of the table {table}")
        return rows


def check_header(header: dict[str, Any]) -> str:
    """The dump's schema revision, once its format, version and revision are ones this code
    can load; otherwise a :class:`DumpError` saying which."""
    if header.get("format") != DUMP_FORMAT:
        raise DumpError("not a samverkan-bot database dump")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DumpError("the dump has no format version")
    if version != DUMP_FORMAT_VERSION:
        raise DumpError(
            f"the dump's format version {version} is unknown to this samverkan-bot, which "
            f"reads version {DUMP_FORMAT_VERSION}"
        )
    revision = header.get("schema_revision")
    known = known_revisions()
    if not isinstance(revision, str) or not revision:
        raise DumpError("the dump does not say its schema revision")
    if revision not in known:
        raise DumpError(
            f"the dump is of schema revision {revision!r}, newer than this samverkan-bot "
            f"(it knows up to {known[-1]}): import it with the version that wrote it"
        )
    return revision


def user_data(connection: Connection) -> dict[str, int]:
    """Tables holding rows beyond the seed (and a lease), with how many; works at any
    schema revision."""
    found: dict[str, int] = {}
    seed = seed_data()
    seed_rows = {
        "forum": ("slug", {entry["slug"] for entry in seed["forum"]}),
        "organisation": (
            "name",
            {entry["name"] for entry in seed["organisation"]}
            | {f"{name} kommun" for name in seed["municipalities"]["names"]}
            | set(seed["municipalities"]["cities"]),
        ),
    }
    for name in inspect(connection).get_table_names():
        if name == "alembic_version":
            continue
        if name in seed_rows:
            key, expected = seed_rows[name]
            query = select(column_clause(key, String())).select_from(table_clause(name))
            stored: list[Any] = list(connection.execute(query).scalars())
            extra = sum(1 for value in stored if value not in expected)
            if extra:
                found[name] = extra
        elif name not in REPLACED_TABLES:
            count = connection.execute(select(func.count()).select_from(table_clause(name)))
            rows = int(count.scalar_one())
            if rows:
                found[name] = rows
    return found


def _not_empty(found: dict[str, int]) -> NotEmptyError:
    listed = ", ".join(f"{name} ({rows})" for name, rows in sorted(found.items()))
    return NotEmptyError(
        f"the target database already holds data ({listed}): import only into a new or "
        "freshly migrated database"
    )


def check_target(database: Database) -> None:
    """Refuse a target that holds data, before anything is done to it."""
    with database.engine.connect() as connection:
        found = user_data(connection)
        connection.rollback()
    if found:
        raise _not_empty(found)


def load(database: Database, source: DumpSource, scratch: Path | None = None) -> Loaded:
    """Migrate the target to the newest schema and put the dump's rows in it, in one
    transaction; the seed's rows, if it has them, are replaced. ``scratch``: where an older
    dump is brought up to date (a temporary directory by default).

    Refused (:class:`DumpError`) before the target is touched: a dump this code cannot read
    (its format, version, schema, tables and columns), a target with data of its own. A row
    that cannot be read or stored ends the transaction: the target keeps nothing of the dump
    (only the migration to the newest schema, which every start of the bot does too)."""
    revision = check_header(source.header)
    if revision != head_revision():
        source = upgraded(source, revision, scratch)
    plan = _plan(source)
    check_target(database)
    database.migrate()
    sqlite = database.engine.dialect.name == "sqlite"
    with database.engine.connect() as connection:
        try:
            if sqlite:
                # Take the write lock now: nobody may write between the check and the load.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            found = user_data(connection)
            if found:
                raise _not_empty(found)
            replaced = False
            for table in reversed(tables()):
                if table.name in REPLACED_TABLES:
                    replaced = connection.execute(table.delete()).rowcount > 0 or replaced
            counts = {step.table.name: step.insert(connection) for step in plan}
            if not sqlite:
                _continue_sequences(connection)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return Loaded(counts, replaced)


@dataclass(frozen=True)
class _Step:
    """One table of the dump, its rows to be read, decoded and inserted in batches."""

    table: Table
    source: DumpSource

    def insert(self, connection: Connection) -> int:
        """The rows in the dump's order (export all's: by primary key); a reference to a row
        of the same table not yet in (a superseded report, a snoozed reminder, an item's
        topic) is set once every row is in. How many rows."""
        table = self.table
        decoders = [(c.name, _decoder(c.type)) for c in table.columns]
        own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        keys = [c.name for c in table.primary_key.columns]
        later: list[tuple[Any, dict[str, Any]]] = []
        seen: set[Any] = set()
        batch: list[Row] = []
        count = 0
        for number, raw in enumerate(self.source.rows(table.name), 1):
            count = number
            row = self._decoded(number, raw, decoders)
            if own and len(keys) == 1:
                key = row[keys[0]]
                forward = {
                    name: row[name]
                    for name in own
                    if row[name] is not None and row[name] not in seen and row[name] != key
                }
                if forward:
                    later.append((key, forward))
                    row.update(dict.fromkeys(forward))
                seen.add(key)
            batch.append(row)
            if len(batch) == _BATCH:
                connection.execute(table.insert(), batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
        for key, values in later:
            connection.execute(table.update().where(table.c[keys[0]] == key).values(**values))
        return count

    def _decoded(
        self, number: int, raw: Any, decoders: list[tuple[str, Callable[[Any], Any]]]
    ) -> Row:
        name = self.table.name
        if not isinstance(raw, dict) or len(raw) != len(decoders):
            raise DumpError(f"row {number} of the dump's table {name} is not a row of it")
        try:
            return {
                column: None if raw[column] is None else decode(raw[column])
                for column, decode in decoders
            }
        except KeyError as error:
            raise DumpError(f"row {number} of the dump's table {name} has no {error}") from None
        except (TypeError, ValueError) as error:
            raise DumpError(f"row {number} of the dump's table {name}: {error}") from None


def _plan(source: DumpSource) -> list[_Step]:
    """Every table of the schema in foreign-key order, once the dump's tables and columns are
    the schema's (rows are checked as they are read)."""
    schema = tables()
    unknown = sorted(set(source.columns) - {table.name for table in schema})
    if unknown:
        raise DumpError(f"the dump has tables this schema has not: {', '.join(unknown)}")
    for table in schema:
        columns = [c.name for c in table.columns]
        if table.name not in source.columns:
            raise DumpError(f"the dump has no rows of the table {table.name}")
        if source.columns[table.name] != columns:
            raise DumpError(
                f"the dump's table {table.name} has the columns {source.columns[table.name]}, "
                f"the schema {columns}"
            )
    return [_Step(table, source) for table in schema]


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, UTCDateTime | DateTime):
        return _instant
    if isinstance(column_type, Date):
        return _date
    if isinstance(column_type, SAEnum) and column_type.enum_class is not None:
        return column_type.enum_class
    if isinstance(column_type, Boolean):
        return _boolean
    if isinstance(column_type, Integer):
        return _integer
    if isinstance(column_type, JSON):
        return lambda value: value
    return _text


def _instant(value: Any) -> datetime:
    at = datetime.fromisoformat(_text(value))
    if at.tzinfo is None:
        raise ValueError(f"an instant without its offset: {value!r}")
    return at.astimezone(UTC)


def _date(value: Any) -> date:
    return date.fromisoformat(_text(value))


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"not true or false: {value!r}")
    return value


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a whole number: {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a text: {value!r}")
    return value


def _continue_sequences(connection: Connection) -> None:
    """PostgreSQL: each id sequence goes on after the largest id loaded."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        key = keys[0]
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608
                f"COALESCE(MAX({quote(key.name)}), 0) + 1, false) FROM {quote(table.name)}"
            ),
            {"table": quote(table.name), "column": key.name},
        )


# -- an older dump -----------------------------------------------------------------------------


def upgraded(source: DumpSource, revision: str, scratch: Path | None = None) -> Document:
    """A dump of an older schema as the newest schema holds it: loaded into a scratch SQLite
    database migrated to its revision, that migrated to the newest, and read again (into
    memory: older dumps are rare)."""
    with contextlib.ExitStack() as stack:
        directory = scratch or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database = Database(f"sqlite:///{directory / 'upgrade.db'}")
        stack.callback(database.dispose)
        upgrade(database.engine, revision)
        old = MetaData()
        old.reflect(database.engine)
        unknown = sorted(set(source.columns) - set(old.tables) - {"alembic_version"})
        if unknown:
            raise DumpError(
                f"the dump has tables its schema revision {revision} has not: {', '.join(unknown)}"
            )
        with database.engine.connect() as connection:
            # The rows come as the dump has them; the import into the target checks them.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            try:
                for table in old.sorted_tables:
                    if table.name not in source.columns:
                        continue
                    batch: list[Row] = []
                    for row in source.rows(table.name):
                        batch.append(_scratch_row(table, row))
                        if len(batch) == _BATCH:
                            connection.execute(table.insert(), batch)
                            batch = []
                    if batch:
                        connection.execute(table.insert(), batch)
                connection.commit()
            finally:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        upgrade(database.engine, "head")
        context = AuditContext(
            "cli", "import", "import", "samverkan-bot (import)", datetime.now(UTC)
        )
        with snapshot(database, context) as store:
            dumped = dump_tables(store)
    return Document({**source.header, "schema_revision": head_revision(), "tables": dumped})


def _scratch_row(table: Table, row: Any) -> Row:
    """A row for a reflected SQLite table: instants naive in UTC, dates as dates."""
    if not isinstance(row, dict):
        raise DumpError(f"the dump's table {table.name} has a row that is not a row")
    converted: Row = {}
    for name, value in row.items():
        if name not in table.c:
            raise DumpError(f"the dump's table {table.name} has a column {name} it had not")
        column_type = table.c[name].type
        if value is not None and isinstance(column_type, DateTime):
            value = _instant(value).replace(tzinfo=None)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        converted[name] = value
    return converted

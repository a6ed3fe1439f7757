"""Fresh databases on every backend the bot supports, for tests that must run on all of them.

`Databases` hands out URLs of new databases: a file in a temporary directory for SQLite,
a new database on one shared, throwaway `PostgresServer` for PostgreSQL. The server is
started on first use only (about 1.5-2.5 s) and lives as long as the `Databases` object,
so make that session-scoped and parametrise the per-test fixture over `BACKENDS`::

    @pytest.fixture(scope="session")
    def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
        with Databases(tmp_path_factory.mktemp("databases")) as found:
            yield found

    @pytest.fixture(params=BACKENDS)
    def db_url(request: pytest.FixtureRequest, databases: Databases) -> str:
        return databases.empty(request.param)

`empty` gives a database with no tables at all. `prepared` gives one already migrated and
seeded by `Database.prepare` (at `SEEDED_AT`): a copy of a template prepared once per
backend, which saves the migration and seeding in every test that does not test those.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from storage import Database
from tests.support.postgres import HOST, SUPERUSER, PostgresServer

__all__ = ["BACKENDS", "SEEDED_AT", "Backend", "Databases"]

Backend = Literal["sqlite", "postgresql"]
BACKENDS: Final[tuple[Backend, ...]] = ("sqlite", "postgresql")

SEEDED_AT: Final = datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
"""The ``now`` the `prepared` databases were seeded at."""

_TEMPLATE = "prepared_template"


class Databases:
    """New, separate databases on demand; the PostgreSQL server is started on first use.

    Args:
        directory: Where the SQLite files go (a session-scoped temporary directory).
        postgres: A running server to use instead of starting one; it is not stopped here.
    """

    def __init__(self, directory: Path, postgres: PostgresServer | None = None) -> None:
        self.directory = directory
        self._postgres = postgres
        self._owns_postgres = postgres is None
        self._numbers = itertools.count(1)
        self._sqlite_template: Path | None = None
        self._postgres_template: str | None = None

    # -- public API ------------------------------------------------------------------

    @property
    def postgres(self) -> PostgresServer:
        """The shared server, started now if this is the first PostgreSQL database."""
        if self._postgres is None:
            server = PostgresServer()
            server.start()
            self._postgres = server
        return self._postgres

    def empty(self, backend: Backend) -> str:
        """The URL of a new database without any tables."""
        name = self._name()
        if backend == "sqlite":
            return f"sqlite:///{self.directory / f'{name}.db'}"
        if backend == "postgresql":
            return self.postgres.create_database(name)
        raise ValueError(f"unknown backend {backend!r}")

    def prepared(self, backend: Backend) -> str:
        """The URL of a new database as `Database.prepare` leaves it (migrated, seeded)."""
        name = self._name()
        if backend == "sqlite":
            path = self.directory / f"{name}.db"
            shutil.copyfile(self._sqlite_prepared_template(), path)
            return f"sqlite:///{path}"
        if backend == "postgresql":
            template = self._postgres_prepared_template()
            with psycopg.connect(self._postgres_conninfo(), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
            return self.postgres.url_for(name)
        raise ValueError(f"unknown backend {backend!r}")

    def close(self) -> None:
        """Stop the PostgreSQL server if this object started it. Idempotent."""
        server, self._postgres = self._postgres, None
        if server is not None and self._owns_postgres:
            server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------

    def _name(self) -> str:
        return f"samverkan_{next(self._numbers)}"

    def _sqlite_prepared_template(self) -> Path:
        if self._sqlite_template is None:
            path = self.directory / f"{_TEMPLATE}.db"
            database = Database(f"sqlite:///{path}")
            try:
                database.prepare(SEEDED_AT)
                with database.engine.connect() as connection:
                    # Everything into the main file, so copying that file copies it all.
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                database.dispose()
            self._sqlite_template = path
        return self._sqlite_template

    def _postgres_prepared_template(self) -> str:
        if self._postgres_template is None:
            url = self.postgres.create_database(_TEMPLATE)
            database = Database(url)
            try:
                database.prepare(SEEDED_AT)
            finally:
                # CREATE DATABASE ... TEMPLATE needs the template to have no connections.
                database.dispose()
            self._postgres_template = _TEMPLATE
        return self._postgres_template

    def _postgres_conninfo(self) -> str:
        return make_conninfo(host=HOST, port=self.postgres.port, user=SUPERUSER, dbname="postgres")

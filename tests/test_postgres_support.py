"""Tests for tests/support/postgres.py: a real, throwaway PostgreSQL server."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    text,
)

from tests.support.postgres import INSTALL_COMMAND, PostgresServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _round_trip(url: str, label: str, when: datetime) -> None:
    """SELECT 1, then create a table, insert a row and read it back through `url`."""
    metadata = MetaData()
    meetings = Table(
        "meetings",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(50), nullable=False),
        Column("starts_at", DateTime(timezone=True), nullable=False),
    )
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            assert database == url.rsplit("/", 1)[1]
        with engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(insert(meetings).values(label=label, starts_at=when))
        with engine.connect() as conn:
            rows = conn.execute(select(meetings.c.label, meetings.c.starts_at)).all()
    finally:
        engine.dispose()

    # Each database has only its own row: the two databases are separate.
    assert len(rows) == 1
    got_label, got_when = rows[0]
    assert got_label == label
    assert got_when.tzinfo is not None
    assert got_when.utcoffset() is not None
    assert got_when == when
    assert got_when.astimezone(UTC) == when.astimezone(UTC)


def test_server_databases_round_trip_and_cleanup() -> None:
    with PostgresServer() as pg:
        directory = pg.directory
        port = pg.port
        assert directory.is_dir()
        assert pg.data_directory.joinpath("PG_VERSION").is_file()
        assert _accepts_connections(port)
        assert pg.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

        url_a = pg.create_database("samverkan_a")
        url_b = pg.create_database("samverkan_b")
        assert url_a == f"postgresql+psycopg://postgres@127.0.0.1:{port}/samverkan_a"
        assert url_b == f"postgresql+psycopg://postgres@127.0.0.1:{port}/samverkan_b"

        # 16:00 in Stockholm on a summer-time day (UTC+2) and on a winter day (UTC+1).
        _round_trip(url_a, "a", datetime(2026, 5, 14, 16, 0, tzinfo=STOCKHOLM))
        _round_trip(url_b, "b", datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM))

    assert not directory.exists()
    assert not _accepts_connections(port)
    with pytest.raises(RuntimeError, match="not running"):
        _ = pg.port


class _BodyError(Exception):
    """Raised inside the ``with`` block to check the cleanup on errors."""


def test_cleanup_when_the_body_raises() -> None:
    seen: list[tuple[Path, int]] = []

    def fail_inside() -> None:
        with PostgresServer() as pg:
            seen.append((pg.directory, pg.port))
            raise _BodyError("boom")

    with pytest.raises(_BodyError, match="boom"):
        fail_inside()
    ((directory, port),) = seen
    assert not directory.exists()
    assert not _accepts_connections(port)


def test_missing_binaries_say_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as raised:
        PostgresServer(bindir=tmp_path).start()
    assert INSTALL_COMMAND in str(raised.value)
    assert INSTALL_COMMAND == "apt-get install -y postgresql"

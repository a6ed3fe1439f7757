"""Shared fixtures: a migrated and seeded SQLite template copied per test, and a chat."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page

from commands.core.clock import FixedClock
from storage import Database
from tests.support.browser import Browser
from tests.support.chat import Chat
from tests.support.databases import Databases
from tests.support.synapse import SynapseServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Thursday 26 November 2026, an hour before the samverkanskonferens.
THURSDAY_1500 = datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.prepare(datetime(2026, 11, 1, 9, 0, tzinfo=STOCKHOLM))
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def database(template_db: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "bot.db"
    shutil.copyfile(template_db, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """New databases on demand, SQLite or PostgreSQL; one PostgreSQL server for the whole
    session, started when first asked for."""
    with Databases(tmp_path_factory.mktemp("databases")) as found:
        yield found


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(THURSDAY_1500)


@pytest.fixture
def chat(database: Database, clock: FixedClock) -> Chat:
    return Chat(database, clock)


@pytest.fixture
def forum_chat(chat: Chat) -> Chat:
    """A chat whose channel ``stab`` is bound to the samverkanskonferens."""
    said = chat.say("!forum koppla samverkanskonferens")
    assert said.ok, said.text
    return chat


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """A real Synapse on 127.0.0.1 for the whole session (installed once, then cached)."""
    with SynapseServer() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright, one per test module (installed by
    scripts/ensure-chromium when missing); tests/support/browser.py has what to check.

    Not one per session: while Playwright's sync API is started it keeps an asyncio loop
    running in the main thread, and every later test calling ``asyncio.run`` would fail."""
    with Browser() as found:
        yield found


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    """A fresh page, in a context of its own, 1280 CSS px wide."""
    with browser.page() as page:
        yield page


# -- the fast tier: `make test-fast` (pytest -m "not slow") -----------------------------------

# Modules whose every test runs a child process (the bot, the console, a tool) or a server.
SLOW_MODULES = frozenset(
    {
        "test_backup",
        "test_cli",
        "test_config_docs",
        "test_console",
        "test_console_interactive",
        "test_console_meeting",
        "test_console_time",
        "test_console_web",
        "test_deploy",
        "test_export",
        "test_file_modes",
        "test_http_limits",
        "test_layers",
        "test_leadership",
        "test_postgres_support",
        "test_reminders_two_processes",
        "test_replicas",
        "test_web_display_replicas",
    }
)


def _slow(item: pytest.Item) -> bool:
    module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
    if module.startswith(("test_matrix", "test_slack")) or module in SLOW_MODULES:
        return True
    if {"synapse", "browser"} & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)  # a test run on each database
    return callspec is not None and "postgresql" in callspec.params.values()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs a Synapse, a PostgreSQL, a browser or a child process as ``slow``."""
    for item in items:
        if _slow(item):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def restored_umask() -> Iterator[None]:
    """``bot.cli.main`` makes everything it writes private (umask 077) for the process: a test
    that calls it in this process puts the umask back for the others."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)

"""The bot's hub, doors and HTTP server in the test's own process, with capabilities the test
chooses (a feature of its own: ``build([tagged_feature.FEATURE])``).

``samverkan-bot run`` always serves every feature; a door's handling of what only a test
feature says (a tagged message, its edit, a direct message) is tested here, against the same
real Synapse or fake Slack Web API, through the same doors, hub, outbox and HTTP endpoint.
Everything runs on an event loop of its own in a background thread, as the process would::

    with InProcessBot(settings, capabilities, directory) as bot:
        slash(bot, "kort Hej", ANNA, channel)   # Slack: signed requests to bot.url

Leaving it stops the doors and checks that none of them failed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.config import Settings
from bot.hub import Hub
from bot.matrix.door import MatrixDoor
from bot.slack.door import SlackDoor
from bot.web import WebServer
from commands import Dispatcher, Timekeeper
from commands.core.capabilities import Capabilities
from commands.core.clock import SystemClock
from storage import Database
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import free_port

T = TypeVar("T")
log = logging.getLogger(__name__)
TICK_SECONDS = 0.2


class InProcessBot:
    """``settings`` say which doors (Matrix, Slack over HTTP) and where; the database is a
    new SQLite file in ``directory``. ``fake``: the fake Slack Web API, for the tests'
    helpers (``tests/support/slack_http.py``)."""

    def __init__(
        self,
        settings: Settings,
        capabilities: Capabilities,
        directory: Path,
        fake: FakeSlack | None = None,
    ) -> None:
        self.port = free_port()
        self.settings = settings.model_copy(
            update={
                "http_host": "127.0.0.1",
                "http_port": self.port,
                "database_url": f"sqlite:///{directory / 'bot.db'}",
            }
        )
        self.capabilities = capabilities
        self._fake = fake
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._tasks: list[asyncio.Task[None]] = []
        self.database: Database | None = None
        self.hub: Hub | None = None
        self.matrix: MatrixDoor | None = None
        self.slack: SlackDoor | None = None

    @property
    def fake(self) -> FakeSlack:
        assert self._fake is not None, "no fake Slack given"
        return self._fake

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coroutine`` on the bot's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def __enter__(self) -> Self:
        self._thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        settings = self.settings
        database = self.database = Database(settings.database_url)
        database.prepare(datetime.now(UTC))
        core = settings.core()
        dispatcher = Dispatcher(database, SystemClock(), core, self.capabilities)
        timekeeper = Timekeeper(
            database, dispatcher.clock, core, "in-process", capabilities=self.capabilities
        )
        hub = self.hub = Hub(dispatcher, timekeeper)
        web = WebServer(settings.http_host, settings.http_port, database, hub.doors)
        runs: list[Coroutine[Any, Any, None]] = [web.run(), hub.tick_forever(TICK_SECONDS)]
        if settings.slack_configured:
            self.slack = SlackDoor(hub, settings, web)
            hub.attach(self.slack)
            runs.append(self.slack.run())
        if settings.matrix_configured:
            self.matrix = MatrixDoor(hub, database, settings)
            hub.attach(self.matrix)
            runs.append(self.matrix.run())
        self._tasks = [asyncio.create_task(run) for run in runs]
        await self._until_ready()

    async def _until_ready(self, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                for task in self._tasks:
                    if task.done():
                        task.result()  # a door that failed to start says why
                doors = [door for door in (self.matrix, self.slack) if door is not None]
                if all(door.status() == "connected" for door in doors):
                    return
                await asyncio.sleep(0.05)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            failures = self.call(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            if self.hub is not None:
                self.hub.close()
            if self.database is not None:
                self.database.dispose()
        if kind is None:
            assert not failures, failures

    async def _stop(self) -> list[str]:
        """Every door stopped; what ended with an error meanwhile."""
        failures = [
            repr(task.exception())
            for task in self._tasks
            if task.done() and not task.cancelled() and task.exception() is not None
        ]
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.hub is not None:
            await self.hub.sender.drain()
        return failures

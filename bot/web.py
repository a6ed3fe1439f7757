"""The HTTP server of ``samverkan-bot run``: health, readiness, metrics, and Slack's events.

- ``GET /healthz``: the process is alive and its event loop answers (liveness probe).
- ``GET /readyz``: the database answers and every door is connected, or standing by as it
  should (readiness probe): 200 or 503, with what was checked as JSON.
- ``GET /metrics``: Prometheus' text format (bot/metrics.py).
- ``POST /slack/events``: the Slack door's HTTP Events API, when Slack is configured so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot import metrics
from storage import Database

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_S = 3.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ListenError(RuntimeError):
    """The HTTP port cannot be had (another program has it); the message says which."""


class WebServer:
    def __init__(
        self,
        host: str,
        port: int,
        database: Database,
        doors: Mapping[str, Any],
        leading: Callable[[], bool] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.database = database
        self.doors = doors
        self.leading = leading
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    async def run(self) -> None:
        """Serve until cancelled."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, self.host, self.port).start()
            except OSError as error:
                raise ListenError(
                    f"cannot listen on {self.host}:{self.port} (HTTP_HOST, HTTP_PORT): "
                    f"{error.strerror or error}"
                ) from None
            log.info("HTTP server listening on %s:%d", self.host, self.port)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        checks: dict[str, Any] = {"database": await self._database()}
        ready = checks["database"] == "ok"
        doors: dict[str, str] = {}
        for platform, door in self.doors.items():
            state, door_ready = door_status(door)
            doors[platform] = state
            ready = ready and door_ready
        checks["doors"] = doors
        if self.leading is not None:
            checks["leader"] = self.leading()
        status = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
        return web.json_response({"ready": ready, **checks}, status=status)

    async def _database(self) -> str:
        try:
            await asyncio.wait_for(asyncio.to_thread(self.database.ping), DATABASE_TIMEOUT_S)
        except TimeoutError:
            return "timeout"
        except Exception as error:
            log.warning("readiness: the database cannot be reached: %s", error)
            return "unreachable"
        return "ok"

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await asyncio.to_thread(metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def door_status(door: Any) -> tuple[str, bool]:
    """What a door says of its connection (``status()``), and whether that is ready."""
    status = getattr(door, "status", None)
    if status is None:
        return "running", True
    state: str = status()
    return state, state in ("connected", "standby")

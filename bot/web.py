"""The HTTP server of ``samverkan-bot run``: health, readiness, metrics, and Slack's events.

- ``GET /healthz``: the process is alive and its event loop answers (liveness probe).
- ``GET /readyz``: the database answers and every door is connected, or standing by as it
  should (readiness probe): 200 or 503, with what was checked as JSON, and what waits in the
  outbox by platform (how many, the oldest's wait; ``"backlog": "growing"`` once the oldest
  has waited longer than ``BACKLOG_S``: a platform away, or no process serving it). A backlog
  does not make a process unready: taking it out of service would not send anything sooner.
- ``GET /metrics``: Prometheus' text format (bot/metrics.py).
- ``POST /slack/events``: the Slack door's HTTP Events API, when Slack is configured so.
- ``GET /w/<token>``, ``GET /``, ``GET /forum/<slug>``: the web pages (bot/web_pages.py),
  added by ``samverkan-bot run``.

The server faces the network (or a reverse proxy), so no client may hold it up: a request's
headers, and then its body, must arrive within ``HTTP_HEADER_TIMEOUT_SECONDS``; an idle
connection is closed after ``HTTP_KEEPALIVE_SECONDS``; and at most ``HTTP_MAX_CONNECTIONS``
(fewer if the process may not open that many files) are open at once. At the limit the oldest
connection that owes a request is closed to make room, so a health probe always gets in.
What is refused or closed is logged in aggregate, a line a minute at most, never a line each.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot import metrics
from bot.config import Settings
from storage import Database

if TYPE_CHECKING:  # the hub imports the doors; the server only reads them
    from bot.hub import Door
    from storage.outbox import Depth

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_S = 3.0
# A message in the outbox waiting longer than this: /readyz says the backlog grows.
BACKLOG_S = 60.0
# Connections the kernel may queue before the server accepts them; each accepted one holds a
# file descriptor before the server sees it, so the connection budget leaves this many spare.
LISTEN_BACKLOG = 128
# Descriptors kept for everything else: the database, the Slack and Matrix clients' pools,
# log files. At least this many, or an eighth of the limit.
RESERVED_FDS = 64
# The soft RLIMIT_NOFILE is raised towards the hard limit, but not beyond this.
FD_LIMIT_CAP = 65_536
# After an answer to a request whose body was not read (or came too slowly), the rest is read
# and dropped for at most this long before closing, so the client gets the answer and not a
# reset (aiohttp's default, 10 s, would let a slow client hold the connection that long).
LINGER_S = 1.0
# A recurring log line (a refused request, a closed connection) at most once this often.
LOG_EVERY_S = 60.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ListenError(RuntimeError):
    """The HTTP port cannot be had (another program has it); the message says which."""


@dataclass(frozen=True)
class HttpLimits:
    """What a client of the server may take: time and connections (the ``HTTP_*`` settings)."""

    header_timeout: float = 10.0
    keepalive: float = 75.0
    max_connections: int = 1000

    @classmethod
    def of(cls, settings: Settings) -> HttpLimits:
        return cls(
            header_timeout=settings.http_header_timeout_seconds,
            keepalive=settings.http_keepalive_seconds,
            max_connections=settings.http_max_connections,
        )


class Throttle:
    """Lets a recurring event through at most once every ``every`` seconds, counting the
    ones held back in between."""

    def __init__(
        self, every: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.clock = clock
        self._next = float("-inf")
        self._held = 0

    def allow(self) -> int | None:
        """None to hold this one back; else how many were held back since the last let through."""
        now = self.clock()
        if now < self._next:
            self._held += 1
            return None
        self._next = now + self.every
        held, self._held = self._held, 0
        return held

    def overdue(self) -> int:
        """How many were held back, once their time is over (the event may have stopped
        coming), counted as let through; else 0."""
        if not self._held or self.clock() < self._next:
            return 0
        self._next = self.clock() + self.every
        held, self._held = self._held, 0
        return held


class ThrottledLog:
    """A log line for an event that may come thousands of times a second (a flood of forged
    requests): the first is logged, then at most one line every ``every`` seconds, saying how
    many more there were. Attacks must not fill the disk or drown the other lines."""

    def __init__(self, logger: logging.Logger, every: float = LOG_EVERY_S) -> None:
        self.logger = logger
        self.throttle = Throttle(every)
        self._last: tuple[int, str, tuple[Any, ...]] | None = None

    def log(self, level: int, message: str, *args: Any) -> None:
        self._last = (level, message, args)
        held = self.throttle.allow()
        if held is not None:
            self._emit(level, message, args, held)

    def flush(self) -> None:
        """The count of lines held back, if their minute is over: call now and then, so the
        end of a flood is counted too."""
        held = self.throttle.overdue()
        if held and self._last is not None:
            self._emit(*self._last, held)

    def _emit(self, level: int, message: str, args: tuple[Any, ...], held: int) -> None:
        if held:
            message += " (%d more like it since the last such line)"
            args = (*args, held)
        self.logger.log(level, message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self.log(logging.WARNING, message, *args)

    def info(self, message: str, *args: Any) -> None:
        self.log(logging.INFO, message, *args)


class WebServer:
    """The server; ``limits`` are the ``HTTP_*`` settings (``HttpLimits.of(settings)``; not
    given: the defaults)."""

    def __init__(
        self,
        host: str,
        port: int,
        database: Database,
        doors: Mapping[str, Any],
        leading: Callable[[], bool] | None = None,
        limits: HttpLimits | None = None,
        outbox: Callable[[], list[Depth]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.database = database
        self.doors = doors
        self.leading = leading
        self.outbox = outbox
        self.limits = limits or HttpLimits()
        self.guard = ConnectionGuard(self.limits)
        # Called once the port is had (the terminal chat then prints the pages' address).
        self.on_listening: Callable[[], None] | None = None
        self.app = web.Application(middlewares=[self.guard.middleware])
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, self._body_in_time(handler))

    def _body_in_time(self, handler: Handler) -> Handler:
        """``handler`` once the request's body is in; 408 if it does not come in time (a
        client sending a byte now and then would otherwise hold the connection for ever)."""

        async def bounded(request: web.Request) -> web.StreamResponse:
            try:
                await asyncio.wait_for(request.read(), self.limits.header_timeout)
            except TimeoutError:
                self.guard.slow_bodies.warning(
                    "closed HTTP connections whose request body did not arrive within %.0f s",
                    self.limits.header_timeout,
                )
                response = web.Response(status=HTTPStatus.REQUEST_TIMEOUT)
                response.force_close()
                return response
            return await handler(request)

        return bounded

    async def run(self) -> None:
        """Serve until cancelled."""
        raise_open_files_limit()
        self.guard.most = connection_budget(self.limits.max_connections)
        # aiohttp's own idle timeout, the same as ours: whichever acts first closes gently.
        runner = web.AppRunner(
            self.app,
            access_log=None,
            keepalive_timeout=self.limits.keepalive,
            lingering_time=LINGER_S,
        )
        await runner.setup()
        loop = asyncio.get_running_loop()
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(QuietLoopErrors(previous_handler))
        server: asyncio.Server | None = None
        try:
            make_protocol = runner.server
            assert make_protocol is not None
            try:
                server = await loop.create_server(
                    lambda: self.guard.protocol(make_protocol()),
                    self.host,
                    self.port,
                    backlog=LISTEN_BACKLOG,
                )
            except OSError as error:
                raise ListenError(
                    f"cannot listen on {self.host}:{self.port} (HTTP_HOST, HTTP_PORT): "
                    f"{error.strerror or error}"
                ) from None
            log.info(
                "HTTP server listening on %s:%d (at most %d connections)",
                self.host,
                self.port,
                self.guard.most,
            )
            if self.on_listening is not None:
                self.on_listening()
            while True:
                await asyncio.sleep(LOG_EVERY_S)
                self.guard.flush_logs()
        finally:
            if server is not None:
                server.close()
            await runner.cleanup()
            loop.set_exception_handler(previous_handler)

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
        if self.outbox is not None and checks["database"] == "ok":
            checks.update(await self._outbox())
        status = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
        return web.json_response({"ready": ready, **checks}, status=status)

    async def _outbox(self) -> dict[str, Any]:
        try:
            assert self.outbox is not None
            depths = await asyncio.wait_for(asyncio.to_thread(self.outbox), DATABASE_TIMEOUT_S)
        except Exception as error:
            log.warning("readiness: the outbox could not be read: %s", error)
            return {}
        now = datetime.now(UTC)
        waiting = {
            depth.platform: {
                "waiting": depth.count,
                "oldest_seconds": round((now - depth.oldest).total_seconds(), 1)
                if depth.oldest is not None
                else 0.0,
            }
            for depth in depths
        }
        growing = any(row["oldest_seconds"] > BACKLOG_S for row in waiting.values())
        return {"outbox": waiting, "backlog": "growing" if growing else "ok"}

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


def door_status(door: Door) -> tuple[str, bool]:
    """What a door says of its connection (``status()``), and whether that is ready."""
    state = door.status()
    return state, state in ("connected", "standby")


# -- holding clients to time and number ------------------------------------------------------


class _Connection:
    """One open connection, and when it must have sent a complete request head."""

    __slots__ = ("answered", "busy", "timer", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.busy = False  # a request is being handled
        self.answered = False  # idle after an answer (a keep-alive connection)
        self.timer: asyncio.TimerHandle | None = None


class ConnectionGuard:
    """Every connection to the server, with a deadline for its next request head: within the
    header timeout of connecting, within the keep-alive timeout of an answer (and within the
    header timeout of the first byte after it). A connection that misses it is closed. At most
    ``most`` connections are open; a new one beyond that closes the oldest one still owing a
    request head (they cost the attacker nothing; a request in progress is never cut), or is
    closed itself when every connection is busy."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self.most = limits.max_connections
        self._open: dict[asyncio.BaseTransport, _Connection] = {}
        # Those owing a request head, the longest waiting first: the first to go at the limit.
        self._waiting: OrderedDict[asyncio.BaseTransport, _Connection] = OrderedDict()
        self.timed_out = ThrottledLog(log)
        self.crowded = ThrottledLog(log)
        self.slow_bodies = ThrottledLog(log)

    def protocol(self, inner: asyncio.Protocol) -> asyncio.Protocol:
        return _GuardedProtocol(inner, self)

    def flush_logs(self) -> None:
        for throttled in (self.timed_out, self.crowded, self.slow_bodies):
            throttled.flush()

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # -- what the connections do ---------------------------------------------------------------

    def opened(self, transport: asyncio.Transport) -> None:
        if len(self._open) >= self.most and not self._make_room():
            self.crowded.warning(
                "refused HTTP connections: all %d are busy with requests", self.most
            )
            transport.abort()
            return
        connection = _Connection(transport)
        self._open[transport] = connection
        self._wait(connection, self.limits.header_timeout)

    def received(self, transport: asyncio.BaseTransport) -> None:
        """Bytes came: after an answer, the next request's head now has the header timeout."""
        connection = self._open.get(transport)
        if connection is None or connection.busy or not connection.answered:
            return
        connection.answered = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.header_timeout
        if connection.timer is None or deadline < connection.timer.when():
            self._schedule(connection, deadline)

    def closed(self, transport: asyncio.BaseTransport) -> None:
        connection = self._open.pop(transport, None)
        if connection is not None:
            self._waiting.pop(transport, None)
            self._cancel(connection)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A request's head is complete when it reaches the application: no deadline while it
        is handled; the keep-alive timeout once it is answered."""
        connection = self._open.get(request.transport) if request.transport else None
        if connection is not None:
            connection.busy = True
            self._waiting.pop(connection.transport, None)
            self._cancel(connection)
        try:
            return await handler(request)
        finally:
            if connection is not None and connection.transport in self._open:
                connection.busy = False
                connection.answered = True
                self._wait(connection, self.limits.keepalive)

    # -- deadlines -------------------------------------------------------------------------------

    def _wait(self, connection: _Connection, seconds: float) -> None:
        self._waiting[connection.transport] = connection
        self._waiting.move_to_end(connection.transport)
        self._schedule(connection, asyncio.get_running_loop().time() + seconds)

    def _schedule(self, connection: _Connection, deadline: float) -> None:
        self._cancel(connection)
        loop = asyncio.get_running_loop()
        connection.timer = loop.call_at(deadline, self._expire, connection)

    def _cancel(self, connection: _Connection) -> None:
        if connection.timer is not None:
            connection.timer.cancel()
            connection.timer = None

    def _expire(self, connection: _Connection) -> None:
        connection.timer = None
        if connection.busy or connection.transport not in self._open:
            return
        if not connection.answered:
            self.timed_out.info(
                "closed HTTP connections that sent no complete request within %.0f s",
                self.limits.header_timeout,
            )
        self._close(connection, gently=connection.answered)

    def _make_room(self) -> bool:
        """Close the connection that has owed a request head the longest; False if none does."""
        if not self._waiting:
            return False
        _transport, oldest = next(iter(self._waiting.items()))
        self.crowded.warning(
            "HTTP connection limit (%d) reached: closed the longest idle connection", self.most
        )
        self._close(oldest, gently=False)
        return True

    def _close(self, connection: _Connection, *, gently: bool) -> None:
        """Forget ``connection`` now (its descriptor is freed on the loop's next turn)."""
        transport = connection.transport
        self._open.pop(transport, None)
        self._waiting.pop(transport, None)
        self._cancel(connection)
        # An idle keep-alive connection gets a clean end; one with an unread answer still
        # buffered (a client that never reads) or owing a request is cut off at once.
        if gently and not transport.get_write_buffer_size():
            transport.close()
        else:
            transport.abort()


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the guard told of its life."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.inner.connection_made(transport)
        self.guard.opened(transport)

    def data_received(self, data: bytes) -> None:
        if self.transport is not None:
            self.guard.received(self.transport)
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.guard.closed(self.transport)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class QuietLoopErrors:
    """The event loop's error reports, each kind at most once a minute with a count of the
    rest: when descriptors run out, asyncio reports every failed ``accept()`` (1.5 million
    lines in two minutes were seen before the connection limit)."""

    KINDS_MAX = 256

    def __init__(
        self, previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None
    ) -> None:
        self.previous = previous
        self._throttles: dict[tuple[str, str], Throttle] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message") or "")
        kind = (message, type(context.get("exception")).__name__)
        if kind not in self._throttles and len(self._throttles) >= self.KINDS_MAX:
            self._throttles.clear()
        held = self._throttles.setdefault(kind, Throttle()).allow()
        if held is None:
            return
        if held:
            context = {**context, "message": f"{message} ({held} more like it since)"}
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


def raise_open_files_limit(cap: int = FD_LIMIT_CAP) -> None:
    """Each connection is a file descriptor, and the soft limit is often only 1024: raise it
    towards the hard limit (which only root could raise), up to ``cap``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = cap if hard == resource.RLIM_INFINITY else min(hard, cap)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError) as error:
        log.warning("could not raise the open files limit from %d: %s", soft, error)
        return
    log.info("open files limit raised from %d to %d", soft, wanted)


def connection_budget(most: int) -> int:
    """``most`` (HTTP_MAX_CONNECTIONS), or fewer if the open files limit would not allow it:
    what is open now, the listen backlog and a reserve for the rest of the bot stay spare."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return most
    spare = soft - _open_descriptors() - LISTEN_BACKLOG - max(RESERVED_FDS, soft // 8)
    budget = max(16, min(most, spare))
    if budget < most:
        log.info(
            "at most %d HTTP connections (HTTP_MAX_CONNECTIONS is %d): the open files limit is %d",
            budget,
            most,
            soft,
        )
    return budget


def _open_descriptors() -> int:
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(listing))
        except OSError:
            continue
    return 0

"""Reply latency of samverkan-bot in a Matrix room, against a bot that only echoes.

Run from the project root::

    .venv/bin/python benchmarks/matrix_latency.py                 # 100 round trips per bot
    .venv/bin/python benchmarks/matrix_latency.py --count 300 --json
    .venv/bin/python benchmarks/matrix_latency.py --command '!status' --command '!forum'

One throwaway Synapse (``tests/support/synapse.py``) serves three users: ``meter``, who
measures, and two bots, each in a room of its own with ``meter``: samverkan-bot
(``samverkan-bot run``, as in production) and a minimal matrix-nio bot that answers every
text with an ``m.notice`` carrying the same body (this script again, with ``--echo-bot``).
Both bots are separate processes. ``meter`` binds samverkan-bot's room to a forum
(``!forum koppla 4``), warms both up, then sends the same command to one bot and the
other in turn, one message in flight at a time.

A round trip starts just before ``room_send`` is called and ends when the body of
``meter``'s long-polling ``/sync`` that carries the bot's reply (the first message from the
bot after the command in the room) has arrived. The difference of the medians is what
samverkan-bot adds to a reply; the issue's target is under 10 ms.

This is a measurement, not a test: it prints PASS/MISS and exits 0 either way. It exits 2
when it could not measure (Synapse or a bot did not start, a reply did not come), and
128 + the signal number when stopped by SIGINT or SIGTERM. Every process it started is
stopped and its temporary directories are removed in all cases.
See benchmarks/README.md, "Matrix reply latency".
"""

# ruff: noqa: E402  (the project root goes on sys.path before the test support is imported)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import html
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinError,
    LoginResponse,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

from benchmarks.common import cpu_model, filesystem_of, no_nan, progress

# -- the target (from the issue) -----------------------------------------------------------------

ADDED_MEDIAN_TARGET_MS = 10.0

# -- the set-up ----------------------------------------------------------------------------------

PASSWORD = "matrix latency benchmark"  # noqa: S105  (a throwaway homeserver's users)
METER = "meter"
ECHO = "echo"
SAMVERKAN = "samverkan"
BIND_COMMAND = "!forum koppla 4"  # the seeded forum no. 4, Regional samverkanskonferens
BOUND_REPLY = "Kanalen är nu kopplad"
# What a right answer contains, for the commands whose answer is known.
EXPECTED_IN_REPLY = {"!status": "Status för", "!forum": "Regional samverkanskonferens"}
SYNC_TIMEOUT_MS = 30_000
ECHO_ENVIRONMENT = ("ECHO_HOMESERVER", "ECHO_USER_ID", "ECHO_PASSWORD")
ECHO_SHAPED = "ECHO_SHAPED"  # "1": notices shaped like samverkan-bot's (--echo-shaped)
ECHO_READY = "echo bot ready"
DRAIN_SECONDS = 1.0  # after the last round trip: time for late or extra replies to show

T = TypeVar("T")


class MeasureError(RuntimeError):
    """Something needed for the measurement did not work; the message says what."""


# -- the echo bot (a separate process: this script with --echo-bot) ------------------------------


async def run_echo_bot() -> int:
    """Log in, join every invitation, answer each m.text of others with an equal m.notice.

    What is in the rooms before the first sync is history and gets no answer. No
    encryption: the benchmark's rooms are plain. Settings come from ``ECHO_*`` variables.
    With ``ECHO_SHAPED=1`` a notice also has an HTML ``formatted_body`` and an empty
    ``m.mentions``, as samverkan-bot's replies have.
    """
    homeserver, user_id, password = (os.environ[name] for name in ECHO_ENVIRONMENT)
    shaped = os.environ.get(ECHO_SHAPED) == "1"
    client = AsyncClient(homeserver, user_id, config=AsyncClientConfig(encryption_enabled=False))
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    assert current is not None
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, current.cancel)
    try:
        login = await client.login(password, device_name="echo-bot")
        if not isinstance(login, LoginResponse):
            print(f"echo bot: login failed: {login}", file=sys.stderr, flush=True)
            return 2
        first = await client.sync(timeout=0, full_state=True)
        if not isinstance(first, SyncResponse):
            print(f"echo bot: first sync failed: {first}", file=sys.stderr, flush=True)
            return 2
        await echo_join(client, first)
        print(ECHO_READY, file=sys.stderr, flush=True)
        while True:
            response = await client.sync(timeout=SYNC_TIMEOUT_MS)
            if not isinstance(response, SyncResponse):
                print(f"echo bot: sync failed: {response}", file=sys.stderr, flush=True)
                await asyncio.sleep(0.2)
                continue
            await echo_join(client, response)
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    if isinstance(event, RoomMessageText) and event.sender != user_id:
                        sent = await client.room_send(
                            room_id, "m.room.message", echo_content(event.body, shaped=shaped)
                        )
                        if not isinstance(sent, RoomSendResponse):
                            print(f"echo bot: send failed: {sent}", file=sys.stderr, flush=True)
    except asyncio.CancelledError:
        return 0
    finally:
        await client.close()


def echo_content(body: str, *, shaped: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": "m.notice", "body": body}
    if shaped:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = f"<p>{html.escape(body)}</p>"
        content["m.mentions"] = {"user_ids": []}
    return content


async def echo_join(client: AsyncClient, response: SyncResponse) -> None:
    for room_id in response.rooms.invite:
        joined = await client.join(room_id)
        if isinstance(joined, JoinError):
            print(f"echo bot: could not join {room_id}: {joined}", file=sys.stderr, flush=True)


class EchoProcess:
    """The echo bot as a child process in a session of its own; its output goes to a file."""

    def __init__(
        self, log_file: Path, homeserver: str, user_id: str, password: str, *, shaped: bool
    ) -> None:
        self.log_file = log_file
        self._environment = dict(
            zip(ECHO_ENVIRONMENT, (homeserver, user_id, password), strict=True)
        )
        self._environment[ECHO_SHAPED] = "1" if shaped else "0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--echo-bot"],
                env={**os.environ, **self._environment},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ECHO_READY in self.log():
                return
            if self._process is None or self._process.poll() is not None:
                break
            time.sleep(0.05)
        raise MeasureError(f"the echo bot did not start:\n{self.log()[-2000:]}")

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)


# -- the measuring user --------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """A room timeline event as ``meter`` received it."""

    event_id: str
    sender: str
    type: str
    content: dict[str, Any]
    state_key: str | None
    server_ts: int
    """``origin_server_ts``: when the homeserver took it, in ms."""
    at: float
    """``time.perf_counter()`` when the body of the ``/sync`` carrying it had arrived."""

    @property
    def body(self) -> str:
        body = self.content.get("body")
        return body if isinstance(body, str) else ""

    @property
    def msgtype(self) -> str | None:
        value = self.content.get("msgtype")
        return value if isinstance(value, str) else None


class Meter:
    """A plain matrix-nio client that reads its own ``/sync`` and timestamps each response.

    nio logs in, creates the rooms and sends. The ``/sync`` responses are read as raw JSON
    (not through nio's parsing and schema checks) and stamped as soon as the body is in, so
    that the meter's own work after that moment is not part of any round trip.
    """

    def __init__(self, homeserver: str, user_id: str, password: str) -> None:
        self.user_id = user_id
        self._password = password
        self.client = AsyncClient(
            homeserver, user_id, config=AsyncClientConfig(encryption_enabled=False)
        )
        self.timelines: dict[str, list[Arrival]] = {}
        self._positions: dict[str, int] = {}  # event id -> index in its room's timeline
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._since: str | None = None
        self.sync_errors: list[str] = []

    async def start(self) -> None:
        login = await self.client.login(self._password, device_name="latency-meter")
        if not isinstance(login, LoginResponse):
            raise MeasureError(f"{self.user_id} could not log in: {login}")
        try:
            body, at = await self._sync(timeout_ms=0)
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
            raise MeasureError(f"{self.user_id}'s first sync failed: {error!r}") from None
        self._record(body, at)
        self._task = asyncio.create_task(self._sync_forever(), name="meter-sync")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.client.close()

    async def _sync(self, timeout_ms: int) -> tuple[dict[str, Any], float]:
        """One ``/sync`` from the last position: the body, and when it had arrived."""
        query = {"timeout": str(timeout_ms)}
        if self._since is not None:
            query["since"] = self._since
        response = await self.client.send(
            "GET",
            f"/_matrix/client/v3/sync?{urlencode(query)}",
            headers={"Authorization": f"Bearer {self.client.access_token}"},
            timeout=timeout_ms / 1000 + 30,
        )
        async with response:
            raw = await response.read()
            at = time.perf_counter()
            if response.status != HTTPStatus.OK:
                raise ValueError(f"/sync answered {response.status}: {raw[:200]!r}")
        body = json.loads(raw)
        if not isinstance(body, dict) or not isinstance(body.get("next_batch"), str):
            raise ValueError(f"/sync answered without next_batch: {raw[:200]!r}")
        self._since = body["next_batch"]
        return body, at

    async def _sync_forever(self) -> None:
        while True:
            try:
                body, at = await self._sync(SYNC_TIMEOUT_MS)
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
                self.sync_errors.append(repr(error))
                await asyncio.sleep(0.1)
                continue
            self._record(body, at)
            async with self._changed:
                self._changed.notify_all()

    def _record(self, body: dict[str, Any], at: float) -> None:
        joined = body.get("rooms", {}).get("join", {})
        for room_id, info in joined.items():
            timeline = self.timelines.setdefault(room_id, [])
            for event in info.get("timeline", {}).get("events", []):
                content = event.get("content")
                state_key = event.get("state_key")
                arrival = Arrival(
                    event_id=str(event.get("event_id", "")),
                    sender=str(event.get("sender", "")),
                    type=str(event.get("type", "")),
                    content=content if isinstance(content, dict) else {},
                    state_key=state_key if isinstance(state_key, str) else None,
                    server_ts=int(event.get("origin_server_ts", 0)),
                    at=at,
                )
                self._positions[arrival.event_id] = len(timeline)
                timeline.append(arrival)

    async def wait_for(self, find: Callable[[], T | None], *, timeout: float, what: str) -> T:
        """Until ``find()`` returns something (checked after every sync)."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                while (found := find()) is None:
                    await self._changed.wait()
                return found
        except TimeoutError:
            errors = f" (sync errors: {self.sync_errors[-3:]})" if self.sync_errors else ""
            raise MeasureError(f"no {what} within {timeout:g} s{errors}") from None

    async def create_room(self, name: str, invite: str) -> str:
        created = await self.client.room_create(name=name, invite=[invite])
        if not isinstance(created, RoomCreateResponse):
            raise MeasureError(f"could not create room {name!r}: {created}")
        return str(created.room_id)

    def joined_or_none(self, room_id: str, user_id: str) -> bool | None:
        """True once ``user_id``'s join to the room has arrived; None before."""
        joined = any(
            event.type == "m.room.member"
            and event.state_key == user_id
            and event.content.get("membership") == "join"
            for event in self.timelines.get(room_id, [])
        )
        return True if joined else None

    def first_message_from(self, room_id: str, sender: str, after: int = -1) -> Arrival | None:
        """The first message from ``sender`` after position ``after`` in the room."""
        timeline = self.timelines.get(room_id, [])
        for event in timeline[after + 1 :]:
            if event.type == "m.room.message" and event.sender == sender:
                return event
        return None

    def position(self, event_id: str) -> int | None:
        return self._positions.get(event_id)

    async def send(self, room_id: str, body: str) -> tuple[float, str]:
        """Send an m.text; return the time just before sending, and the event id."""
        content = {"msgtype": "m.text", "body": body}
        started = time.perf_counter()
        response = await self.client.room_send(room_id, "m.room.message", content)
        if not isinstance(response, RoomSendResponse):
            raise MeasureError(f"sending {body!r} to {room_id} failed: {response}")
        return started, str(response.event_id)

    async def round_trip(
        self, room_id: str, bot_id: str, body: str, timeout: float
    ) -> tuple[float, Arrival, Arrival]:
        """Send ``body`` and wait for the bot's next message: (seconds, own event, reply)."""
        started, event_id = await self.send(room_id, body)

        def reply() -> tuple[Arrival, Arrival] | None:
            position = self.position(event_id)
            if position is None:
                return None
            answer = self.first_message_from(room_id, bot_id, after=position)
            if answer is None:
                return None
            return self.timelines[room_id][position], answer

        own, answer = await self.wait_for(
            reply, timeout=timeout, what=f"reply from {bot_id} to {body!r}"
        )
        return answer.at - started, own, answer


# -- the figures ---------------------------------------------------------------------------------


@dataclass
class Series:
    """The round trips of one bot for one command."""

    bot: str
    command: str
    seconds: list[float] = field(default_factory=list)
    server_ms: list[int] = field(default_factory=list)
    """Reply's minus command's ``origin_server_ts``: the bot's share, at 1 ms resolution."""
    first_reply: str = ""
    wrong_replies: int = 0
    first_wrong_reply: str = ""
    non_notices: int = 0


def nearest_rank(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile ``p`` of ``values`` (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1])


def summary(series: Series) -> dict[str, Any]:
    ms = [value * 1000 for value in series.seconds]
    return {
        "bot": series.bot,
        "command": series.command,
        "count": len(ms),
        "median_ms": statistics.median(ms) if ms else math.nan,
        "p95_ms": nearest_rank(ms, 95),
        "max_ms": max(ms, default=math.nan),
        "min_ms": min(ms, default=math.nan),
        "server_median_ms": statistics.median(series.server_ms) if series.server_ms else math.nan,
        "first_reply": series.first_reply,
        "wrong_replies": series.wrong_replies,
        "first_wrong_reply": series.first_wrong_reply,
        "non_notices": series.non_notices,
    }


def compare(echo: dict[str, Any], samverkan: dict[str, Any]) -> dict[str, Any]:
    added = samverkan["median_ms"] - echo["median_ms"]
    ratio = samverkan["median_ms"] / echo["median_ms"] if echo["median_ms"] > 0 else math.nan
    return {
        "command": samverkan["command"],
        "added_median_ms": added,
        "ratio": ratio,
        "added_server_median_ms": samverkan["server_median_ms"] - echo["server_median_ms"],
        "verdict": "PASS" if added < ADDED_MEDIAN_TARGET_MS else "MISS",
    }


# -- the run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    count: int
    warmup: int
    commands: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class Bot:
    name: str
    user_id: str
    room_id: str


async def measure(
    homeserver: str, meter_id: str, echo_id: str, samverkan_id: str, options: Options
) -> dict[str, Any]:
    """Set up the rooms with ``meter``, then the round trips; the figures."""
    meter = Meter(homeserver, meter_id, PASSWORD)
    try:
        await meter.start()
        echo = Bot("echo-bot", echo_id, await meter.create_room("Latens echo-bot", echo_id))
        samverkan = Bot(
            "samverkan-bot",
            samverkan_id,
            await meter.create_room("Latens samverkan-bot", samverkan_id),
        )
        bots = (echo, samverkan)
        for bot in bots:
            await meter.wait_for(
                partial(meter.joined_or_none, bot.room_id, bot.user_id),
                timeout=options.timeout,
                what=f"join of {bot.user_id}",
            )
        welcome = await meter.wait_for(
            lambda: meter.first_message_from(samverkan.room_id, samverkan.user_id),
            timeout=options.timeout,
            what="welcome from samverkan-bot",
        )
        progress(f"samverkan-bot says: {first_line(welcome.body)}")
        _, _, bound = await meter.round_trip(
            samverkan.room_id, samverkan.user_id, BIND_COMMAND, options.timeout
        )
        if BOUND_REPLY not in bound.body:
            raise MeasureError(f"{BIND_COMMAND!r} was answered with: {bound.body[:500]!r}")
        progress(f"{BIND_COMMAND}: {first_line(bound.body)}")

        started_at = {bot.name: len(meter.timelines[bot.room_id]) for bot in bots}
        series = {
            (bot.name, command): Series(bot.name, command)
            for command in options.commands
            for bot in bots
        }
        rounds = len(options.commands) * (options.warmup + options.count)
        progress(
            f"{rounds} rounds ({options.warmup} warm-up and {options.count} timed per command), "
            "each one command to the echo bot, then the same to samverkan-bot"
        )
        gc.collect()
        gc.freeze()
        sent = dict.fromkeys(started_at, 0)
        for index in range(rounds):
            command = options.commands[index % len(options.commands)]
            timed = index >= options.warmup * len(options.commands)
            for bot in bots:  # strictly in turn: each bot's turn follows the other's reply
                seconds, own, reply = await meter.round_trip(
                    bot.room_id, bot.user_id, command, options.timeout
                )
                sent[bot.name] += 1
                record = series[(bot.name, command)]
                if not record.first_reply:
                    record.first_reply = reply.body
                expected = command if bot is echo else EXPECTED_IN_REPLY.get(command, "")
                if expected not in reply.body:
                    record.wrong_replies += 1
                    record.first_wrong_reply = record.first_wrong_reply or reply.body
                if reply.msgtype != "m.notice":
                    record.non_notices += 1
                if timed:
                    record.seconds.append(seconds)
                    record.server_ms.append(reply.server_ts - own.server_ts)
            if (index + 1) % 50 == 0:
                progress(f"  {index + 1}/{rounds} rounds")
        gc.unfreeze()
        await asyncio.sleep(DRAIN_SECONDS)
        extra = {
            bot.name: sum(
                1
                for event in meter.timelines[bot.room_id][started_at[bot.name] :]
                if event.type == "m.room.message" and event.sender == bot.user_id
            )
            - sent[bot.name]
            for bot in bots
        }
        rows = [
            summary(series[(bot.name, command)]) for command in options.commands for bot in bots
        ]
        comparisons = [
            compare(
                summary(series[(echo.name, command)]), summary(series[(samverkan.name, command)])
            )
            for command in options.commands
        ]
        return {
            "rows": rows,
            "comparisons": comparisons,
            "extra_bot_messages": extra,
            "meter_sync_errors": len(meter.sync_errors),
        }
    finally:
        await meter.close()


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 100 else line[:97] + "..."


def log_problems(text: str, limit: int = 10) -> list[str]:
    """WARNING, ERROR, traceback and echo-bot failure lines of a log (the first ``limit``)."""
    marks = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "echo bot: ")
    return [line for line in text.splitlines() if any(mark in line for mark in marks)][:limit]


# -- machine and report --------------------------------------------------------------------------


def revision() -> str | None:
    """The checkout's commit, with ``-dirty`` when it has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if changes else commit


def machine_info() -> dict[str, Any]:
    from tests.support.synapse import SYNAPSE_VERSION

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model(),
        "load_average": [round(value, 2) for value in load] if load else None,
        "synapse": SYNAPSE_VERSION,
        "matrix_nio": package_version("matrix-nio"),
        "revision": revision(),
        "tmp_filesystem": filesystem_of(Path(tempfile.gettempdir())),
    }


def package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def print_report(result: dict[str, Any]) -> None:
    machine = result["machine"]
    config = result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"Synapse {machine['synapse']} | matrix-nio {machine['matrix_nio']}"
    )
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    print(
        f"Checkout {machine['revision'] or 'unknown'} | temporary directories (Synapse's "
        f"SQLite, the bot's) on {machine['tmp_filesystem'] or 'unknown'}"
    )
    print(
        f"Per bot and command: {config['warmup']} warm-up and {config['count']} timed round "
        "trips, alternating between the bots, one message in flight. A round trip is from\n"
        "just before room_send until the /sync that brings the reply is in; server = reply's "
        "minus command's origin_server_ts (1 ms resolution)."
    )
    if config["echo_shaped"]:
        print("The echo bot's notices carry HTML and an empty m.mentions, as samverkan-bot's do.")
    print()
    header = (
        f"{'bot':<14} {'command':<12} {'count':>5} {'median ms':>9} {'p95 ms':>7} "
        f"{'max ms':>7} {'server ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        print(
            f"{row['bot']:<14} {row['command']:<12} {row['count']:>5} "
            f"{ms(row['median_ms']):>9} {ms(row['p95_ms']):>7} {ms(row['max_ms']):>7} "
            f"{ms(row['server_median_ms']):>9}"
        )
    print()
    for comparison in result["comparisons"]:
        print(
            f"{comparison['command']}: samverkan-bot adds {comparison['added_median_ms']:.1f} ms "
            f"to the median (ratio {comparison['ratio']:.2f}; server-side "
            f"{comparison['added_server_median_ms']:+.1f} ms): {comparison['verdict']} "
            f"(target: under {ADDED_MEDIAN_TARGET_MS:g} ms)"
        )
    notes = []
    for row in result["rows"]:
        if row["wrong_replies"]:
            notes.append(
                f"{row['bot']} gave {row['wrong_replies']} unexpected replies to "
                f"{row['command']}; the first: {first_line(row['first_wrong_reply'])!r}"
            )
        if row["non_notices"]:
            notes.append(f"{row['bot']} answered {row['non_notices']} times with no m.notice")
    for bot, extra in result["extra_bot_messages"].items():
        if extra:
            notes.append(f"{bot} sent {extra} messages more than it was asked for")
    if result["meter_sync_errors"]:
        notes.append(f"meter's /sync failed {result['meter_sync_errors']} times")
    for bot, lines in result["bot_log_problems"].items():
        notes.extend(f"{bot} log: {line}" for line in lines)
    if notes:
        print()
        print("Noticed:")
        for note in notes:
            print(f"  - {note}")


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Reply latency of samverkan-bot in a Matrix room against an echo bot "
        "(a throwaway Synapse on 127.0.0.1)."
    )
    parser.add_argument(
        "--count", type=int, default=100, help="timed round trips per bot and command (100)"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="untimed round trips per bot and command (10)"
    )
    parser.add_argument(
        "--command",
        action="append",
        help="the message sent (repeatable; taken in turn); default !status",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for any one reply (30)"
    )
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the temporary directories go: Synapse's SQLite database and the bot's "
        "(default: the system's, e.g. /tmp); /dev/shm takes the disk's fsyncs out",
    )
    parser.add_argument(
        "--echo-shaped",
        action="store_true",
        help="the echo bot's notices also carry an HTML formatted_body and an empty "
        "m.mentions, as samverkan-bot's replies do (what Synapse spends on that shape is "
        "then on both sides)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count < 1 or args.warmup < 0 or not args.timeout > 0:
        parser.error("--count must be at least 1, --warmup at least 0, --timeout positive")
    if args.command and any(not command.strip() for command in args.command):
        parser.error("--command must not be empty")
    if args.tmpdir is not None and not args.tmpdir.is_dir():
        parser.error(f"--tmpdir {args.tmpdir} is not a directory")
    return args


def leave_on_signal(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (and SIGINT) leave through SystemExit, so everything is cleaned up."""
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """While cleaning up, a second Ctrl-C or SIGTERM does not cut the cleaning short."""
    previous = {
        signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.echo_bot:
        return asyncio.run(run_echo_bot())
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, leave_on_signal)
    options = Options(args.count, args.warmup, tuple(args.command or ["!status"]), args.timeout)
    if args.tmpdir is not None:
        # SynapseServer makes its directory with tempfile.mkdtemp() too.
        tempfile.tempdir = str(args.tmpdir.resolve())

    from tests.support.bot_process import BotProcess
    from tests.support.synapse import SynapseServer

    machine = machine_info()
    cleanup = contextlib.ExitStack()
    try:
        directory = Path(tempfile.mkdtemp(prefix="samverkan-matrix-latency-"))
        cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
        progress("starting Synapse (installed into a cached venv on first use)")
        synapse = cleanup.enter_context(SynapseServer())
        users = {name: synapse.register(name, PASSWORD) for name in (METER, ECHO, SAMVERKAN)}

        echo = EchoProcess(
            directory / "echo.log",
            synapse.url,
            users[ECHO].user_id,
            PASSWORD,
            shaped=args.echo_shaped,
        )
        cleanup.callback(echo.stop)
        echo.start()
        bot_directory = directory / "samverkan-bot"
        bot = BotProcess(
            bot_directory,
            {
                "MATRIX_HOMESERVER": synapse.url,
                "MATRIX_USER_ID": users[SAMVERKAN].user_id,
                "MATRIX_PASSWORD": PASSWORD,
                # The meter binds the room: a coordinator, named as a deployment names one.
                "BOT_ADMINS": users[METER].user_id,
                "DATABASE_URL": f"sqlite:///{bot_directory / 'bot.db'}",
                # INFO for the "logged in" line; nothing is logged per message at INFO.
                "LOG_LEVEL": "INFO",
            },
        )
        cleanup.callback(bot.stop)
        progress("starting samverkan-bot and the echo bot")
        bot.start()
        echo.wait_until_ready()
        try:
            bot.wait_for_log("logged in to Matrix", timeout=60)
        except AssertionError as error:
            raise MeasureError(f"samverkan-bot did not log in: {error}") from None

        figures = asyncio.run(
            measure(
                synapse.url,
                users[METER].user_id,
                users[ECHO].user_id,
                users[SAMVERKAN].user_id,
                options,
            )
        )
        with signals_held():
            bot.stop()
            echo.stop()
        figures["bot_log_problems"] = {
            "samverkan-bot": log_problems(bot.log()),
            "echo-bot": log_problems(echo.log()),
        }
    except (RuntimeError, OSError) as error:  # MeasureError, or Synapse would not start
        progress(f"could not measure: {error}")
        return 2
    finally:
        with signals_held():
            cleanup.close()

    result = {
        "machine": machine,
        "target": {"added_median_ms_below": ADDED_MEDIAN_TARGET_MS},
        "config": {
            "count": options.count,
            "warmup": options.warmup,
            "commands": list(options.commands),
            "timeout_s": options.timeout,
            "echo_shaped": args.echo_shaped,
        },
        **figures,
    }
    if args.json:
        print(json.dumps(no_nan(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

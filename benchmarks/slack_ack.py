"""Slash-command ack latency of samverkan-bot on Slack, against a bolt app that only acks.

Run from the project root::

    .venv/bin/python benchmarks/slack_ack.py                       # 200 one at a time, 5 x 50
    .venv/bin/python benchmarks/slack_ack.py --count 500 --bursts 10 --json
    .venv/bin/python benchmarks/slack_ack.py --command status --command forum

Three processes besides this one, all on 127.0.0.1:

- a fake Slack Web API (``tests/support/fake_slack.py``; this script with ``--fake-web-api``)
  that records every call and tells this script about each one as it arrives;
- samverkan-bot, ``samverkan-bot run`` as in production, on the HTTP Events API
  (``SLACK_SIGNING_SECRET``, ``HTTP_PORT``), its Web API client pointed at the fake, on a
  SQLite file in a temporary directory;
- a minimal bolt app (this script with ``--minimal-app``): an ``AsyncApp`` with the same token
  and signing secret, pointed at the same fake, whose ``/samverkan`` listener only calls
  ``await ack()``, served the way the bot serves it (bolt's aiohttp adapter on an aiohttp
  server, no access log).

Both get the very same signed slash commands (``/samverkan status`` by default) at
``/slack/events``, from this script's aiohttp client (a session per app, keep-alive
connections). An **ack** is the time from just before the request is sent to the end of the
HTTP response. Both apps' acks include bolt's wait for ``ack()``, for which it looks every
10 ms (``slack_bolt/listener/asyncio_runner.py``): about 11 ms is the floor. Two loads, with
the apps taking turns (20 commands at a time, or a burst each) so that a slow stretch of the
machine hits both: one command at a time (``--count``; for samverkan-bot the next command
waits until the answer of the last one has arrived), then bursts of ``--concurrency``
commands sent at once (``--bursts``), each to a channel of its own.

samverkan-bot answers each command afterwards with ``chat.postMessage``; an **answer** is the
time from sending the command to that call arriving at the fake. Every command must be
answered, with the expected text; the script counts what was not.

Before measuring, samverkan-bot's channels (one per concurrent command) are bound to a forum,
ten people register for ten organisations, an activation is started and three of them
acknowledge it, so that ``status`` has something to show. Both apps then get ``--warmup``
commands and one burst that are not measured.

This is a measurement, not a test: it prints PASS/MISS against the issue's targets and exits
0 either way. It exits 2 when it could not measure (a process did not start, the set-up was
refused), and 128 + the signal number when stopped by SIGINT or SIGTERM. Every process it
started is stopped and its temporary directory removed in all cases.
See benchmarks/README.md, "Slack ack latency".
"""

# ruff: noqa: E402  (the project root goes on sys.path before the test support is imported)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import aiohttp

from benchmarks.common import cpu_model, no_nan, percentile, progress
from tests.support.bot_process import BotProcess
from tests.support.environment import clean_env
from tests.support.fake_slack import Call, FakeSlack
from tests.support.loopback import free_port

# -- the targets (from the issue) ----------------------------------------------------------------

SLACK_ACK_LIMIT_MS = 3000.0  # Slack shows the user an error when the ack takes longer
MEDIAN_RATIO_TARGET = 1.5  # samverkan-bot's median ack under 1.5 x the minimal app's

# -- the set-up ----------------------------------------------------------------------------------

SECRET = "bench-signing-secret-0123456789ab"  # noqa: S105  (a fake, for a fake Slack)
TOKEN = "xoxb-benchmark-token-not-real"  # noqa: S105
COMMAND = "/samverkan"
EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"
SAMVERKAN = "samverkan-bot"
MINIMAL = "minimal bolt"
APPS = (SAMVERKAN, MINIMAL)
ONE_AT_A_TIME = "one at a time"

ADMIN = "UADMIN001"  # a workspace admin: a coordinator, binds the channels and activates
FORUM = 4  # the seeded forum no. 4, Regional samverkanskonferens
REPRESENTATIVES = tuple(
    (f"UREP{number:05d}", organisation)
    for number, organisation in enumerate(
        ("Polisen", "SSBF", "SBFF", "Attunda", "SOS", "Regionen", "TRV", "Hamnarna", "FM", "KSL"),
        start=1,
    )
)
ACKNOWLEDGED = 3  # representatives who have acknowledged the activation
REASON = "Övning: elavbrott i södra länet"
# What a right answer contains, for the commands whose answer is known.
EXPECTED_IN_ANSWER = {
    "status": "Status för",
    "forum": "Regional samverkanskonferens",
    "aktörer": "Polisen",
}
ANSWER_METHODS = ("chat.postMessage", "chat.postEphemeral", "response_url")

CHUNK = 20  # commands one at a time per app before the other app's turn
READY = "ready"
START_TIMEOUT_S = 30.0
ANSWER_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 30.0  # longer than Slack's 3 s: a slow ack is measured, not cut off
SETTLE_S = 0.2  # a pause after each burst, so that the next one starts on a quiet machine


class MeasureError(RuntimeError):
    """Something needed for the measurement did not work; the message says what."""


# -- the fake Web API (a separate process: this script with --fake-web-api) ----------------------


class StreamingFake(FakeSlack):
    """The tests' fake, which also writes each call as a JSON line to standard output: the
    method, the channel, the text and when it arrived (``time.monotonic()``, a clock the
    processes of one machine share)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._out = threading.Lock()

    def record(self, call: Call) -> dict[str, Any]:
        arrived = time.monotonic()
        answer = super().record(call)
        channel = call.args.get("channel")
        if call.method == "response_url":
            # The benchmark's response URLs end in the channel they belong to.
            channel = str(call.args.get("_path", "")).rsplit("/", 1)[-1]
        line = json.dumps(
            {"method": call.method, "channel": channel, "text": call.text[:200], "at": arrived}
        )
        with self._out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        return answer


def serve_fake_web_api() -> int:
    # Blocked before the server's threads start, so that they inherit it: sigwait gets them.
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    fake = StreamingFake()
    fake.add_user(ADMIN, "Anna Admin", admin=True)
    for user, organisation in REPRESENTATIVES:
        fake.add_user(user, f"Representant {organisation}")
    fake.start()
    print(f"{READY} {fake.base_url}", flush=True)
    signal.sigwait(stops)
    fake.stop()
    return 0


@dataclass(frozen=True)
class Record:
    """A call that arrived at the fake Web API."""

    method: str
    channel: str | None
    text: str
    at: float


class FakeWebApi:
    """The fake's process, and what it has been called with so far."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self.base_url = ""
        self.records: list[Record] = []
        self.by_channel: dict[str, list[Record]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    async def start(self) -> None:
        with self.log_file.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(Path(__file__).resolve()),
                "--fake-web-api",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        assert self._process.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                first = (await self._process.stdout.readline()).decode()
        except TimeoutError:
            first = ""
        if not first.startswith(READY + " "):
            raise MeasureError(f"the fake Web API did not start:\n{self.log()[-2000:]}")
        self.base_url = first.split()[1]
        self._reader = asyncio.create_task(self._read(self._process.stdout), name="fake-reader")

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            raw = json.loads(line)
            record = Record(raw["method"], raw["channel"], raw["text"], raw["at"])
            self.records.append(record)
            if record.channel:
                self.by_channel.setdefault(record.channel, []).append(record)
            async with self._changed:
                self._changed.notify_all()

    def answer(self, channel: str, since: float) -> Record | None:
        """The first answer in ``channel`` that arrived at ``since`` or later."""
        for record in self.by_channel.get(channel, ()):
            if record.at >= since and record.method in ANSWER_METHODS:
                return record
        return None

    async def wait_for_answers(
        self, wanted: Sequence[tuple[str, float]], timeout: float
    ) -> list[Record | None]:
        """The answer for each (channel, sent at); None for those that did not come in time."""
        found: list[Record | None] = [None] * len(wanted)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    for index, (channel, since) in enumerate(wanted):
                        if found[index] is None:
                            found[index] = self.answer(channel, since)
                    if all(record is not None for record in found):
                        break
                    await self._changed.wait()
        return found

    async def quiet(self, for_s: float = 0.3, at_most_s: float = 10.0) -> None:
        """Until nothing has arrived for ``for_s`` seconds."""
        deadline = time.monotonic() + at_most_s
        while time.monotonic() < deadline:
            seen = len(self.records)
            await asyncio.sleep(for_s)
            if len(self.records) == seen:
                return

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def count(self, method: str) -> int:
        return sum(1 for record in self.records if record.method == method)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


# -- the minimal bolt app (a separate process: this script with --minimal-app) -------------------

MINIMAL_ENVIRONMENT = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "HTTP_PORT")


async def serve_minimal_app() -> int:
    """An AsyncApp whose ``/samverkan`` listener only acks, served as the bot serves its app."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_bolt.context.ack.async_ack import AsyncAck

    token, secret, api_url, port = (os.environ[name] for name in MINIMAL_ENVIRONMENT)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    app = AsyncApp(token=token, signing_secret=secret, process_before_response=False)
    app.client.base_url = api_url

    @app.command(COMMAND)
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    server = web.Application()
    server.router.add_post(EVENTS_PATH, events)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, "127.0.0.1", int(port)).start()
        print(f"{READY} on port {port}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


class MinimalProcess:
    """The minimal app as a child process in a session of its own; its output to a file."""

    def __init__(self, log_file: Path, settings: dict[str, str]) -> None:
        self.log_file = log_file
        self.settings = settings
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--minimal-app"],
                env=clean_env(self.settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def wait_until_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY in self.log():
                return
            if self._process is None or self._process.poll() is not None:
                break
            time.sleep(0.05)
        raise MeasureError(f"the minimal bolt app did not start:\n{self.log()[-2000:]}")

    def stop(self, timeout: float = 10.0) -> int:
        process, self._process = self._process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
        return process.returncode


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time of process ``pid`` so far (all its threads); NaN if unknown."""
    if pid is None:
        return math.nan
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            # The fields after the command name, which is in parentheses and may hold spaces.
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- slash commands, signed as Slack signs them ---------------------------------------------------


@dataclass(frozen=True)
class Command:
    text: str
    user: str
    channel: str


@dataclass(frozen=True)
class Signed:
    command: Command
    body: bytes
    headers: dict[str, str]


def sign(command: Command, response_base: str) -> Signed:
    """The form Slack posts for ``/samverkan <text>``, with its timestamp and signature."""
    body = urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0001",
            "team_domain": "samverkan-test",
            "channel_id": command.channel,
            "channel_name": command.channel.lower(),
            "user_id": command.user,
            "user_name": command.user.lower(),
            "command": COMMAND,
            "text": command.text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            # Used only when posting fails; the fake records it under the channel.
            "response_url": f"{response_base}/commands/T0001/{command.channel}",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex}",
        }
    ).encode()
    stamp = str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return Signed(command, body, headers)


@dataclass(frozen=True)
class Ack:
    command: Command
    sent: float  # time.monotonic() just before sending
    seconds: float  # until the whole response was in; NaN when there was none
    status: int  # the HTTP status; 0 when the request failed
    error: str | None = None


class Target:
    """One app's ``/slack/events``, with a client session of its own."""

    def __init__(self, name: str, port: int, connections: int) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
        self._connections = connections
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connections),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def send(self, signed: Signed) -> Ack:
        assert self.session is not None
        sent = time.monotonic()
        try:
            async with self.session.post(self.url, data=signed.body, headers=signed.headers) as r:
                await r.read()
                return Ack(signed.command, sent, time.monotonic() - sent, r.status)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return Ack(signed.command, sent, math.nan, 0, f"{type(error).__name__}: {error}")


# -- the figures ---------------------------------------------------------------------------------


@dataclass
class Series:
    """The acks (and, for samverkan-bot, the answers) of one app under one load."""

    app: str
    mode: str
    acks_ms: list[float] = field(default_factory=list)
    answers_ms: list[float] = field(default_factory=list)
    # Seconds with commands in flight (one at a time: the sum of the acks; bursts: from the
    # first send to the last ack, and to the last answer, summed over the bursts).
    busy_ack_s: float = 0.0
    busy_answer_s: float = 0.0
    sent: int = 0
    failed: int = 0  # no response, or not 200
    first_failure: str | None = None
    unanswered: int = 0
    refused: int = 0  # answered privately (chat.postEphemeral): the bot refused the command
    by_response_url: int = 0  # answered through the response URL: posting had failed
    unexpected: int = 0  # an answer without the expected text
    first_unexpected: str | None = None
    # CPU time of the app's process, and of the fake Web API's, while this load ran.
    cpu_s: float = math.nan
    fake_cpu_s: float = math.nan

    def add_ack(self, ack: Ack) -> None:
        self.sent += 1
        if ack.status == 200 and not math.isnan(ack.seconds):
            self.acks_ms.append(ack.seconds * 1e3)
        else:
            self.failed += 1
            if self.first_failure is None:
                self.first_failure = ack.error or f"HTTP {ack.status}"

    def add_answer(self, ack: Ack, record: Record | None) -> None:
        if record is None:
            self.unanswered += 1
            return
        self.answers_ms.append((record.at - ack.sent) * 1e3)
        if record.method == "chat.postEphemeral":
            self.refused += 1
        elif record.method == "response_url":
            self.by_response_url += 1
        expected = EXPECTED_IN_ANSWER.get(ack.command.text)
        if expected is not None and expected not in record.text:
            self.unexpected += 1
            if self.first_unexpected is None:
                self.first_unexpected = f"{ack.command.text!r} -> {record.text[:160]!r}"


def figures(samples: Sequence[float], busy_s: float) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "median_ms": round(percentile(ordered, 50), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3) if ordered else math.nan,
        "per_s": round(len(ordered) / busy_s, 1) if busy_s > 0 else math.nan,
    }


def per_command_ms(seconds: float, commands: int) -> float:
    return round(seconds * 1e3 / commands, 2) if commands else math.nan


def rows_of(series: Series) -> list[dict[str, Any]]:
    ack: dict[str, Any] = {"app": series.app, "mode": series.mode, "what": "ack"}
    ack.update(figures(series.acks_ms, series.busy_ack_s))
    ack["cpu_ms_per_command"] = per_command_ms(series.cpu_s, series.sent)
    ack["fake_cpu_ms_per_command"] = per_command_ms(series.fake_cpu_s, series.sent)
    ack["failed"] = series.failed
    if series.app != SAMVERKAN:
        return [ack]
    answer: dict[str, Any] = {"app": series.app, "mode": series.mode, "what": "answer"}
    answer.update(figures(series.answers_ms, series.busy_answer_s))
    answer["unanswered"] = series.unanswered
    return [ack, answer]


# -- the measurement -----------------------------------------------------------------------------


@dataclass
class Bench:
    fake: FakeWebApi
    targets: dict[str, Target]
    channels: list[str]
    texts: list[str]
    index: int = 0

    def next_commands(self, count: int, channels: Sequence[str] | None = None) -> list[Command]:
        """The next ``count`` commands: the texts and representatives in turn; with
        ``channels``, one command per channel."""
        commands = []
        for offset in range(count):
            number = self.index + offset
            user = REPRESENTATIVES[number % len(REPRESENTATIVES)][0]
            channel = channels[offset] if channels else self.channels[number % len(self.channels)]
            commands.append(Command(self.texts[number % len(self.texts)], user, channel))
        self.index += count
        return commands

    def sign_all(self, commands: Sequence[Command]) -> list[Signed]:
        return [sign(command, self.fake.base_url) for command in commands]

    async def one_at_a_time(self, app: str, commands: Sequence[Command], series: Series) -> None:
        target = self.targets[app]
        for signed in self.sign_all(commands):
            ack = await target.send(signed)
            series.add_ack(ack)
            if not math.isnan(ack.seconds):
                series.busy_ack_s += ack.seconds
            if app == SAMVERKAN:
                # The next command only once this one is answered: one in flight at a time.
                (record,) = await self.fake.wait_for_answers(
                    [(ack.command.channel, ack.sent)], ANSWER_TIMEOUT_S
                )
                series.add_answer(ack, record)
                if record is not None:
                    series.busy_answer_s += record.at - ack.sent

    async def burst(self, app: str, size: int, series: Series) -> None:
        """``size`` commands sent at once, each to a channel of its own."""
        target = self.targets[app]
        signed = self.sign_all(self.next_commands(size, self.channels[:size]))
        acks = await asyncio.gather(*(target.send(one) for one in signed))
        first = min(ack.sent for ack in acks)
        done = [ack.sent + ack.seconds for ack in acks if not math.isnan(ack.seconds)]
        for ack in acks:
            series.add_ack(ack)
        if done:
            series.busy_ack_s += max(done) - first
        if app == SAMVERKAN:
            records = await self.fake.wait_for_answers(
                [(ack.command.channel, ack.sent) for ack in acks], ANSWER_TIMEOUT_S
            )
            for ack, record in zip(acks, records, strict=True):
                series.add_answer(ack, record)
            arrived = [record.at for record in records if record is not None]
            if arrived:
                series.busy_answer_s += max(arrived) - first
        await asyncio.sleep(SETTLE_S)


async def set_up_samverkan(bench: Bench) -> None:
    """Bind every channel to the forum, register ten organisations, activate, acknowledge."""
    target = bench.targets[SAMVERKAN]
    first = bench.channels[0]

    async def must_work(text: str, user: str, channel: str, contains: str = "") -> None:
        ack = await target.send(sign(Command(text, user, channel), bench.fake.base_url))
        if ack.status != 200:
            raise MeasureError(f"{text!r} was not acknowledged: {ack.error or ack.status}")
        (record,) = await bench.fake.wait_for_answers([(channel, ack.sent)], ANSWER_TIMEOUT_S)
        if record is None or record.method != "chat.postMessage" or contains not in record.text:
            said = f"{record.method}: {record.text!r}" if record else "no answer"
            raise MeasureError(f"{user}: {text!r} in {channel} did not work ({said})")

    for channel in bench.channels:
        await must_work(f"forum koppla {FORUM}", ADMIN, channel, "Kanalen är nu kopplad")
    for user, organisation in REPRESENTATIVES:
        await must_work(f"aktör {organisation}", user, first)
    await must_work(f"aktivera {REASON}", ADMIN, first)
    for user, _organisation in REPRESENTATIVES[:ACKNOWLEDGED]:
        await must_work("kvittera", user, first)
    # The call-out and the claims' notices in every channel: the bot paces each channel to
    # about a message a second (Slack's limit), so the last take a while to come.
    await bench.fake.quiet(for_s=2.5, at_most_s=60.0)


def bot_pid(bot: BotProcess) -> int | None:
    process = bot._process  # BotProcess keeps it to itself; only read here
    return process.pid if process is not None else None


@contextlib.contextmanager
def cpu_time_of(
    series: dict[str, Series], pids: dict[str, int | None], fake_pid: int | None
) -> Iterator[None]:
    """Each app's process CPU time, and the fake's (counted for samverkan-bot, the only app
    that calls it), over the block."""
    before = {app: cpu_seconds(pid) for app, pid in pids.items()}
    fake_before = cpu_seconds(fake_pid)
    yield
    for app, pid in pids.items():
        series[app].cpu_s = cpu_seconds(pid) - before[app]
    series[SAMVERKAN].fake_cpu_s = cpu_seconds(fake_pid) - fake_before


async def measure(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    fake = FakeWebApi(directory / "fake-web-api.log")
    bot: BotProcess | None = None
    minimal: MinimalProcess | None = None
    targets: dict[str, Target] = {}
    bot_exit: int | None = None
    try:
        progress("starting the fake Web API, samverkan-bot and the minimal bolt app")
        await fake.start()
        ports = {SAMVERKAN: free_port(), MINIMAL: free_port()}
        settings = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        bot = BotProcess(
            directory / "samverkan-bot",
            {
                **settings,
                "HTTP_PORT": str(ports[SAMVERKAN]),
                "BOT_ADMINS": ADMIN,  # binds the channel
                "DATABASE_URL": f"sqlite:///{directory / 'samverkan-bot' / 'bot.db'}",
            },
        )
        minimal = MinimalProcess(
            directory / "minimal-app.log", {**settings, "HTTP_PORT": str(ports[MINIMAL])}
        )
        bot.start()
        minimal.start()
        try:
            await asyncio.to_thread(
                bot.wait_for_log, "Slack door listening on port", timeout=START_TIMEOUT_S
            )
        except AssertionError as error:
            raise MeasureError(f"samverkan-bot did not start: {error}") from None
        await asyncio.to_thread(minimal.wait_until_ready)

        for app in APPS:
            targets[app] = Target(app, ports[app], args.concurrency)
            await targets[app].open()
        channels = [f"CBENCH{number:04d}" for number in range(args.concurrency)]
        bench = Bench(fake, targets, channels, args.command)

        progress(f"setting up samverkan-bot: {len(channels)} channels bound, an activation")
        await set_up_samverkan(bench)

        progress(f"warming up: {args.warmup} commands and a burst of {args.concurrency} each")
        warm = {app: Series(app, "warm-up") for app in APPS}
        commands = bench.next_commands(args.warmup)
        for app in APPS:
            await bench.one_at_a_time(app, commands, warm[app])
            await bench.burst(app, args.concurrency, warm[app])
        for app in APPS:
            if warm[app].failed:
                raise MeasureError(f"{app} failed in the warm-up: {warm[app].first_failure}")

        pids = {SAMVERKAN: bot_pid(bot), MINIMAL: minimal.pid}
        posts_before = fake.count("chat.postMessage")
        progress(f"{args.count} commands one at a time per app, {CHUNK} at a time in turn")
        sequential = {app: Series(app, ONE_AT_A_TIME) for app in APPS}
        with cpu_time_of(sequential, pids, fake.pid):
            left = args.count
            while left > 0:
                commands = bench.next_commands(min(CHUNK, left))
                for app in APPS:
                    await bench.one_at_a_time(app, commands, sequential[app])
                left -= len(commands)

        burst_mode = f"{args.concurrency} at once"
        progress(f"{args.bursts} bursts of {args.concurrency} commands per app, in turn")
        bursts = {app: Series(app, burst_mode) for app in APPS}
        with cpu_time_of(bursts, pids, fake.pid):
            for number in range(args.bursts):
                order = APPS if number % 2 == 0 else APPS[::-1]
                for app in order:
                    await bench.burst(app, args.concurrency, bursts[app])
            await fake.quiet()
        measured = [sequential[app] for app in APPS] + [bursts[app] for app in APPS]
        posts = fake.count("chat.postMessage") - posts_before
        samverkan_sent = sequential[SAMVERKAN].sent + bursts[SAMVERKAN].sent
    finally:
        for target in targets.values():
            await target.close()
        if minimal is not None:
            minimal.stop()
        if bot is not None:
            bot_exit = bot.stop()
        await fake.stop()

    bot_log = bot.log() if bot is not None else ""
    return result_of(args, measured, posts, samverkan_sent, bot_exit, bot_log, minimal)


def log_lines(log: str, *levels: str) -> list[str]:
    return [line for line in log.splitlines() if any(f" {level} " in line for level in levels)]


def result_of(
    args: argparse.Namespace,
    measured: list[Series],
    posts: int,
    samverkan_sent: int,
    bot_exit: int | None,
    bot_log: str,
    minimal: MinimalProcess | None,
) -> dict[str, Any]:
    rows = [row for series in measured for row in rows_of(series)]

    def row(app: str, mode: str, what: str = "ack") -> dict[str, Any]:
        return next(r for r in rows if (r["app"], r["mode"], r["what"]) == (app, mode, what))

    burst_mode = f"{args.concurrency} at once"
    ours, theirs = row(SAMVERKAN, ONE_AT_A_TIME), row(MINIMAL, ONE_AT_A_TIME)
    ratio = ours["median_ms"] / theirs["median_ms"] if theirs["median_ms"] > 0 else math.nan
    burst_ours, burst_theirs = row(SAMVERKAN, burst_mode), row(MINIMAL, burst_mode)
    burst_ratio = (
        burst_ours["median_ms"] / burst_theirs["median_ms"]
        if burst_theirs["median_ms"] > 0
        else math.nan
    )
    worst = burst_ours["max_ms"]
    samverkan = [series for series in measured if series.app == SAMVERKAN]
    failed = {series.app: 0 for series in measured}
    for series in measured:
        failed[series.app] += series.failed
    answers = {
        "commands": samverkan_sent,
        "chat_postMessage_calls": posts,
        "unanswered": sum(series.unanswered for series in samverkan),
        "refused": sum(series.refused for series in samverkan),
        "by_response_url": sum(series.by_response_url for series in samverkan),
        "unexpected_text": sum(series.unexpected for series in samverkan),
        "first_unexpected": next(
            (s.first_unexpected for s in samverkan if s.first_unexpected), None
        ),
    }
    all_answered = (
        answers["unanswered"] == answers["refused"] == answers["by_response_url"] == 0
        and answers["unexpected_text"] == 0
        and posts == samverkan_sent
    )
    problems = log_lines(bot_log, "WARNING", "ERROR", "CRITICAL")
    return {
        "machine": machine_info(),
        "config": {
            "count": args.count,
            "concurrency": args.concurrency,
            "bursts": args.bursts,
            "warmup": args.warmup,
            "commands": args.command,
            "chunk": CHUNK,
            "client": "aiohttp, keep-alive connections, one session per app",
        },
        "targets": {
            "max_ack_ms_below": SLACK_ACK_LIMIT_MS,
            "median_ratio_below": MEDIAN_RATIO_TARGET,
        },
        "rows": rows,
        "median_ratio": round(ratio, 3),
        "median_ratio_at_once": round(burst_ratio, 3),
        "max_ack_at_once_ms": worst,
        "verdicts": {
            "max_ack_at_once": "PASS" if worst < SLACK_ACK_LIMIT_MS else "MISS",
            "median_ratio": "PASS" if ratio < MEDIAN_RATIO_TARGET else "MISS",
            "all_answered": "PASS" if all_answered else "MISS",
        },
        "failed_requests": failed,
        "first_failure": next((s.first_failure for s in measured if s.first_failure), None),
        "answers": answers,
        "samverkan_bot": {
            "exit_code_on_sigterm": bot_exit,
            "log_warnings_and_errors": len(problems),
            "first_log_problems": problems[:5],
            "traceback_in_log": "Traceback" in bot_log,
        },
        "minimal_app_log_problems": log_lines(minimal.log() if minimal else "", "WARNING", "ERROR")[
            :5
        ],
    }


# -- output --------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    from importlib.metadata import version

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "slack_bolt": version("slack_bolt"),
        "slack_sdk": version("slack_sdk"),
        "aiohttp": version("aiohttp"),
        "load_average": [round(x, 2) for x in load] if load else None,
    }


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def cpu_column(row: dict[str, Any]) -> str:
    """The app's CPU per command, and the fake Web API's after a plus sign."""
    own = row.get("cpu_ms_per_command")
    if own is None or math.isnan(own):
        return ""
    fake = row.get("fake_cpu_ms_per_command")
    return f"{own:.2f}" + (f"+{fake:.2f}" if fake is not None and not math.isnan(fake) else "")


def print_table(result: dict[str, Any]) -> None:
    machine, config = result["machine"], result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs {machine['cpu_model'] or ''} | "
        f"slack_bolt {machine['slack_bolt']} | slack_sdk {machine['slack_sdk']} | "
        f"aiohttp {machine['aiohttp']}"
    )
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    print(
        f"Commands: /samverkan {' | '.join(config['commands'])}; {config['count']} one at a "
        f"time and {config['bursts']} bursts of {config['concurrency']} per app, in turn.\n"
        "ack = request sent -> HTTP response in; answer = request sent -> chat.postMessage at "
        "the fake Web API.\ncmd/s = commands / seconds with commands in flight. CPU ms/cmd: "
        "the app's process (+ the fake Web API's) over the whole load.\nBoth apps' acks "
        "include bolt's wait for ack(), which it checks for every 10 ms."
    )
    print()
    header = (
        f"{'app':<14} {'mode':<14} {'':<6} {'count':>6} {'median ms':>10} {'p99 ms':>9} "
        f"{'max ms':>9} {'cmd/s':>7} {'CPU ms/cmd':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        print(
            f"{row['app']:<14} {row['mode']:<14} {row['what']:<6} {row['count']:>6} "
            f"{ms(row['median_ms']):>10} {ms(row['p99_ms']):>9} {ms(row['max_ms']):>9} "
            f"{row['per_s']:>7.0f} {cpu_column(row):>11}"
        )
    print()
    verdicts = result["verdicts"]
    ratio = result["median_ratio"]
    print(
        f"median ack, samverkan-bot / minimal app, one at a time: {ratio:.2f}x "
        f"(target under {MEDIAN_RATIO_TARGET:g}x)  {verdicts['median_ratio']}"
    )
    print(
        f"  the same with {config['concurrency']} at once: "
        f"{result['median_ratio_at_once']:.2f}x (not judged)"
    )
    worst = result["max_ack_at_once_ms"]
    print(
        f"slowest ack of samverkan-bot with {config['concurrency']} at once: {ms(worst)} ms, "
        f"{SLACK_ACK_LIMIT_MS - worst:.0f} ms inside Slack's {SLACK_ACK_LIMIT_MS:.0f} ms "
        f"({worst / SLACK_ACK_LIMIT_MS:.1%} of it)  {verdicts['max_ack_at_once']}"
    )
    answers = result["answers"]
    print(
        f"answers: {answers['chat_postMessage_calls']} chat.postMessage for "
        f"{answers['commands']} measured commands; unanswered {answers['unanswered']}, "
        f"refused {answers['refused']}, by response URL {answers['by_response_url']}, "
        f"unexpected text {answers['unexpected_text']}  {verdicts['all_answered']}"
    )
    if answers["first_unexpected"]:
        print(f"  first unexpected: {answers['first_unexpected']}")
    failed = result["failed_requests"]
    if any(failed.values()):
        print(
            f"failed requests (no response or not 200): {failed}; first: {result['first_failure']}"
        )
    bot = result["samverkan_bot"]
    print(
        f"samverkan-bot: exit code {bot['exit_code_on_sigterm']} on SIGTERM, "
        f"{bot['log_warnings_and_errors']} warnings/errors in its log"
        + (", a traceback" if bot["traceback_in_log"] else "")
    )
    for line in bot["first_log_problems"]:
        print(f"  {line}")
    for line in result["minimal_app_log_problems"]:
        print(f"  minimal app: {line}")


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Signed slash-command ack latency of samverkan-bot against a minimal bolt "
        "app that only acks, on one fake Slack Web API."
    )
    parser.add_argument(
        "--count", type=int, default=200, help="commands one at a time per app (200)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="commands sent at once in a burst (50)"
    )
    parser.add_argument("--bursts", type=int, default=5, help="bursts per app (5)")
    parser.add_argument(
        "--warmup", type=int, default=20, help="unmeasured commands one at a time first (20)"
    )
    parser.add_argument(
        "--command",
        action="append",
        metavar="TEXT",
        help="what follows /samverkan, e.g. status or forum; repeatable, taken in turn "
        "(default: status)",
    )
    parser.add_argument(
        "--tmpdir", type=Path, default=None, help="where the temporary directory goes"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    # The script's own child processes.
    parser.add_argument("--fake-web-api", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--minimal-app", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.command = args.command or ["status"]
    if args.count < 1 or args.concurrency < 1 or args.bursts < 1 or args.warmup < 0:
        parser.error("--count, --concurrency and --bursts must be at least 1, --warmup >= 0")
    return args


async def run(args: argparse.Namespace) -> tuple[int, dict[str, Any] | None]:
    """Measure, stopping cleanly on SIGINT or SIGTERM: (exit code, result)."""
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    assert current is not None
    stopped_by: list[int] = []

    def stop(signum: int) -> None:
        if stopped_by:
            progress("stopping the processes started; a moment")
            return
        stopped_by.append(signum)
        current.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    directory = Path(tempfile.mkdtemp(prefix="samverkan-slack-ack-", dir=args.tmpdir))
    try:
        return 0, await measure(args, directory)
    except asyncio.CancelledError:
        if not stopped_by:
            raise
        progress(f"stopped by signal {stopped_by[0]}; everything started was stopped")
        return 128 + stopped_by[0], None
    except MeasureError as error:
        progress(f"could not measure: {error}")
        return 2, None
    finally:
        if args.keep:
            progress(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.fake_web_api:
        return serve_fake_web_api()
    if args.minimal_app:
        return asyncio.run(serve_minimal_app())
    code, result = asyncio.run(run(args))
    if result is None:
        return code
    if args.json:
        print(json.dumps(no_nan(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print_table(result)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""The scheduler with 10 000 reminders waiting: what it costs while nothing is due, and how
late each reminder goes out when they fall due.

Run from the project root::

    .venv/bin/python benchmarks/reminders.py                        # SQLite, under 2 minutes
    .venv/bin/python benchmarks/reminders.py --throwaway-postgres   # and PostgreSQL after it
    .venv/bin/python benchmarks/reminders.py --idle 60 --spread 180 --json

A database (``Database.prepare``, opened as the running bot opens it) gets ``--pending``
reminders (10 000) in 100 channels, inserted in bulk: ``--soon`` of them (1 000) fall due
one by one, at random instants, within ``--spread`` seconds (60) that start right after the
idle phase; the rest are spread over the next ``--hours`` (24). Then the real ``Hub`` runs its
real ``tick_forever`` (``TICK_SECONDS`` as configured: ``--tick-seconds``, 30) on the real
``SystemClock`` with a recording door that answers at once with a message id, as Slack does:

- (a) **idle**: the first ``--idle`` seconds (40) nothing is due. The process's CPU time
  (``time.process_time``: every thread, the dispatcher's worker and SQLite's checkpointer
  too) is reported per minute, with the number of ticks. Afterwards, with nothing due, the
  cost of one tick (``Timekeeper.tick`` + ``next_due``, as the ticker runs them) is timed
  directly ``--tick-samples`` times, to show what a shorter ``TICK_SECONDS`` would cost.
- (b) **lateness**: when each of the ``--soon`` reminders reaches the door, minus its
  ``due_at``. Target: median under 1 s, none over 5 s.

Afterwards the database must say: every one of the ``--soon`` sent once, with the door's
message id, none late; the rest pending. This is a measurement, not a test: it prints
PASS/FAIL against the target and exits 0 either way; 2 when something could not be set up or
the deliveries did not add up. See benchmarks/README.md for the method and the figures.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import func, insert, select

from benchmarks.common import (
    ErrorCounter,
    emit,
    filesystem_of,
    machine_info,
    measure_each,
    percentile,
    progress,
    stop_on_sigterm,
)
from bot.hub import Hub
from commands import Dispatcher
from commands.core.clock import SystemClock
from commands.core.config import CoreConfig
from commands.core.document import Document, Paragraph, Text
from commands.core.messages import Post
from commands.core.timekeeper import Timekeeper
from storage import Database
from storage.models import PostState, ScheduledPost

PLATFORM = "bench"
CHANNELS = 100
TEXT = "bench reminder {}"
MEDIAN_TARGET_S = 1.0
MAX_TARGET_S = 5.0
# Between the end of the idle phase and the first reminder due: the idle phase must see
# nothing due, so the ticker's own wake-up for the first one falls after it.
LEAD_S = 3.0
# After the last one is due: how long to wait for the stragglers before calling it failed.
DRAIN_S = 30.0
# The far reminders start this long after the last soon one.
FAR_GAP = timedelta(minutes=10)
ERROR_LOGGERS = ("commands", "storage", "bot")
_POSTS = ScheduledPost.__table__  # type: ignore[attr-defined]


class SetupError(RuntimeError):
    """The scenario could not be built or did not add up."""


@dataclass(frozen=True)
class Options:
    pending: int
    soon: int
    spread_s: float
    hours: float
    idle_s: float
    tick_seconds: float
    tick_samples: int
    seed: int


# -- the door ------------------------------------------------------------------------------------


@dataclass
class RecordingDoor:
    """A door that posts at once and answers with a message id, as Slack does; it notes when
    each reminder reached it (wall clock) by the reminder's own text."""

    platform: str = PLATFORM
    active: bool = True
    arrived: dict[str, list[float]] = field(default_factory=dict)
    others: int = 0
    count: int = 0
    everything_in: asyncio.Event | None = None
    expected: int = 0

    def status(self) -> str:
        return "connected"

    async def deliver(self, post: Post) -> str | None:
        at = time.time()
        text = _reminder_text(post.document)
        if text is None:
            self.others += 1
        else:
            self.arrived.setdefault(text, []).append(at)
            if len(self.arrived) >= self.expected and self.everything_in is not None:
                self.everything_in.set()
        self.count += 1
        return f"{post.channel_id}:{self.count}"

    async def run(self) -> None:
        return None


def _reminder_text(document: Document) -> str | None:
    """The reminder's own words: its second paragraph (a late note would come first)."""
    for block in document.blocks:
        if isinstance(block, Paragraph) and len(block.parts) == 1:
            part = block.parts[0]
            if isinstance(part, Text) and part.text.startswith("bench reminder "):
                return part.text
    return None


# -- the database --------------------------------------------------------------------------------


def _row(index: int, due: datetime, now: datetime) -> dict[str, Any]:
    return {
        "kind": "reminder",
        "platform": PLATFORM,
        "channel_id": f"C{index % CHANNELS:03d}",
        "number": index // CHANNELS + 1,
        "text": TEXT.format(index),
        "timezone": "Europe/Stockholm",
        "language": "sv",
        "created_at": now,
        "due_at": due,
        "state": PostState.PENDING,
        "attempts": 0,
        "late": False,
    }


def fill_far(database: Database, options: Options, rng: random.Random) -> None:
    """The reminders that are not due during the run, over the next ``hours``, in bulk."""
    now = datetime.now(UTC)
    # After the idle phase, the soon ones and the wait for stragglers, with room to spare.
    run_s = options.idle_s + LEAD_S + options.spread_s + DRAIN_S + 60
    far_from = now + timedelta(seconds=run_s) + FAR_GAP
    far_until = now + timedelta(hours=options.hours)
    if far_until <= far_from:
        raise SetupError(f"--hours {options.hours:g} is shorter than the run")
    rows = [
        _row(index, far_from + (far_until - far_from) * rng.random(), now)
        for index in range(options.soon, options.pending)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(_POSTS), rows)


def fill_soon(
    database: Database, options: Options, rng: random.Random, soon_from: datetime
) -> dict[str, datetime]:
    """The reminders due one by one within ``spread`` seconds from ``soon_from``; their due
    times by their text."""
    now = datetime.now(UTC)
    rows = [
        _row(index, soon_from + timedelta(seconds=rng.uniform(0, options.spread_s)), now)
        for index in range(options.soon)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(_POSTS), rows)
    return {row["text"]: row["due_at"] for row in rows}


def states(database: Database) -> dict[str, int]:
    with database.engine.connect() as connection:
        query = select(_POSTS.c.state, func.count()).group_by(_POSTS.c.state)
        return {str(state): int(count) for state, count in connection.execute(query)}


def sent_rows(database: Database) -> list[tuple[str, str | None, bool, int]]:
    with database.engine.connect() as connection:
        query = select(_POSTS.c.text, _POSTS.c.message_id, _POSTS.c.late, _POSTS.c.attempts)
        query = query.where(_POSTS.c.state == PostState.SENT.value)
        return [(str(a), b, bool(c), int(d)) for a, b, c, d in connection.execute(query)]


# -- the run -------------------------------------------------------------------------------------


def run_database(database: Database, label: str, options: Options) -> dict[str, Any]:
    """Fill ``database``, run the hub through the idle phase and the soon reminders."""
    errors = ErrorCounter()
    errors.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ERROR_LOGGERS]
    for logger in loggers:
        logger.addHandler(errors)
        logger.propagate = False
    try:
        return _run(database, label, options, errors)
    finally:
        for logger in loggers:
            logger.removeHandler(errors)
            logger.propagate = True


def _run(database: Database, label: str, options: Options, errors: ErrorCounter) -> dict[str, Any]:
    started = time.monotonic()
    rng = random.Random(options.seed)
    progress(f"{label}: {options.pending} pending reminders, {options.soon} of them soon")
    fill_far(database, options, rng)
    # The soon ones fall due after the idle phase, which starts as soon as they are in.
    soon_from = datetime.now(UTC) + timedelta(seconds=options.idle_s + LEAD_S + 2)
    soon = fill_soon(database, options, rng, soon_from)
    filled_s = time.monotonic() - started
    if (soon_from - datetime.now(UTC)).total_seconds() < options.idle_s + 1:
        raise SetupError("filling the soon reminders took too long for the idle phase to fit")
    config = CoreConfig()
    clock = SystemClock()
    dispatcher = Dispatcher(database, clock, config)
    timekeeper = Timekeeper(database, clock, config, capabilities=dispatcher.capabilities)
    hub = Hub(dispatcher, timekeeper)
    door = RecordingDoor(expected=options.soon)
    hub.attach(door)
    ticks: list[float] = []  # when each tick started (monotonic)
    real_tick = timekeeper.tick

    def counted_tick() -> list[Post]:
        ticks.append(time.monotonic())
        return real_tick()

    timekeeper.tick = counted_tick  # type: ignore[method-assign]
    gc.collect()
    gc.freeze()  # as bot/app.py does once started
    result: dict[str, Any] = {"database": label, "fill_s": round(filled_s, 2)}
    try:
        asyncio.run(_scenario(hub, door, options, soon_from, ticks, result))
        result["tick_cost"] = tick_cost(timekeeper, real_tick, options.tick_samples)
    finally:
        hub.close()
    result.update(lateness(door, soon))
    result["states"] = states(database)
    result["check"] = check(database, door, soon, options)
    result["errors"] = errors.count
    result["first_error"] = errors.first
    return result


async def _scenario(
    hub: Hub,
    door: RecordingDoor,
    options: Options,
    soon_from: datetime,
    ticks: list[float],
    result: dict[str, Any],
) -> None:
    door.everything_in = asyncio.Event()
    started = time.monotonic()
    ticker = asyncio.create_task(hub.tick_forever(options.tick_seconds))
    # The first tick (at start) pays for warming up: queries compiled, caches filled. The
    # idle phase is measured from when it is done.
    while not ticks:
        await asyncio.sleep(0.01)
    async with hub.ticking_held():
        first_tick_s = time.monotonic() - started
    # (a) nothing due: what the ticker costs.
    idle_start, cpu_start = time.monotonic(), time.process_time()
    threads_start = thread_cpu()
    await asyncio.sleep(options.idle_s)
    idle_s = time.monotonic() - idle_start
    idle_cpu = time.process_time() - cpu_start
    threads_end = thread_cpu()
    idle_ticks = sum(idle_start <= at < idle_start + idle_s for at in ticks)
    result["idle"] = {
        "seconds": round(idle_s, 2),
        "cpu_s": round(idle_cpu, 4),
        "cpu_s_per_min": round(idle_cpu / idle_s * 60, 4),
        "ticks": idle_ticks,
        "first_tick_s": round(first_tick_s, 3),
        "cpu_s_per_min_by_thread": {
            name: round((threads_end[name] - before) / idle_s * 60, 4)
            for name, before in threads_start.items()
            if name in threads_end
        },
        "delivered": door.count,
    }
    progress(
        f"  idle {idle_s:.0f} s: {idle_cpu * 1000:.0f} ms CPU, {idle_ticks} tick(s); "
        f"the soon ones fall due in {(soon_from - datetime.now(UTC)).total_seconds():.0f} s"
    )
    # (b) the soon ones fall due: how late each reaches the door.
    busy_start, cpu_start = time.monotonic(), time.process_time()
    deadline = (soon_from - datetime.now(UTC)).total_seconds() + options.spread_s + DRAIN_S
    try:
        await asyncio.wait_for(door.everything_in.wait(), timeout=max(deadline, 1.0))
    except TimeoutError:
        progress(f"  only {len(door.arrived)} of {options.soon} arrived in time")
    # What is being sent is sent (and recorded) before the ticker stops.
    async with hub.ticking_held():
        ticker.cancel()
    await asyncio.gather(ticker, return_exceptions=True)
    busy_s = time.monotonic() - busy_start
    busy_cpu = time.process_time() - cpu_start
    result["busy"] = {
        "seconds": round(busy_s, 2),
        "cpu_s": round(busy_cpu, 3),
        "ticks": sum(at >= busy_start for at in ticks),
    }


def thread_cpu() -> dict[str, float]:
    """CPU seconds so far of each thread of this process, by name (the event loop is
    ``MainThread``, the dispatcher's worker ``dispatch_0``, SQLite's checkpointer
    ``wal-checkpoint``)."""
    found: dict[str, float] = {}
    for thread in threading.enumerate():
        if thread.ident is None:
            continue
        try:
            clock = time.pthread_getcpuclockid(thread.ident)
            found[thread.name] = time.clock_gettime(clock)
        except (OSError, AttributeError):  # not on Linux, or the thread just ended
            continue
    return found


def tick_cost(
    timekeeper: Timekeeper, real_tick: Callable[[], list[Post]], samples: int
) -> dict[str, Any]:
    """One idle tick as the ticker runs it, timed directly: the timed jobs, then when the
    next post is due. What a shorter TICK_SECONDS would cost, and what each tick costs the
    one worker thread that also runs every command."""
    jobs: list[float] = []
    looks: list[float] = []
    cpu_start = time.process_time()
    for _ in range(samples):
        began = time.perf_counter()
        posts = real_tick()
        between = time.perf_counter()
        timekeeper.next_due()
        looks.append(time.perf_counter() - between)
        jobs.append(between - began)
        if posts:
            raise SetupError("an idle tick found something due")
    cpu = time.process_time() - cpu_start
    both = sorted(a + b for a, b in zip(jobs, looks, strict=True))
    jobs.sort()
    looks.sort()
    return {
        "samples": samples,
        "p50_ms": round(percentile(both, 50) * 1000, 3),
        "p99_ms": round(percentile(both, 99) * 1000, 3),
        "jobs_p50_ms": round(percentile(jobs, 50) * 1000, 3),
        "next_due_p50_ms": round(percentile(looks, 50) * 1000, 3),
        "cpu_ms_per_tick": round(cpu / max(samples, 1) * 1000, 3),
    }


def lateness(door: RecordingDoor, soon: dict[str, datetime]) -> dict[str, Any]:
    late = sorted(
        times[0] - soon[text].timestamp() for text, times in door.arrived.items() if text in soon
    )
    median, maximum = percentile(late, 50), (late[-1] if late else float("nan"))
    passed = bool(late) and median < MEDIAN_TARGET_S and maximum <= MAX_TARGET_S
    return {
        "arrived": len(late),
        "late_s": {
            "min": round(late[0], 4) if late else None,
            "p50": round(median, 4),
            "p95": round(percentile(late, 95), 4),
            "p99": round(percentile(late, 99), 4),
            "max": round(maximum, 4),
        },
        "early": sum(value < 0 for value in late),
        "verdict": "PASS" if passed else "FAIL",
    }


def check(
    database: Database, door: RecordingDoor, soon: dict[str, datetime], options: Options
) -> dict[str, Any]:
    """Each soon one delivered once and recorded sent with the door's id; the rest waiting."""
    problems: list[str] = []
    twice = [text for text, times in door.arrived.items() if len(times) > 1]
    if twice:
        problems.append(f"{len(twice)} delivered more than once, e.g. {twice[0]}")
    unknown = [text for text in door.arrived if text not in soon]
    if unknown:
        problems.append(f"{len(unknown)} delivered before their time, e.g. {unknown[0]}")
    if door.others:
        problems.append(f"{door.others} other posts (missed notices?)")
    rows = sent_rows(database)
    if len(rows) != options.soon:
        problems.append(f"{len(rows)} recorded sent, not {options.soon}")
    if any(message_id is None for _, message_id, _, _ in rows):
        problems.append("a sent row without its message id")
    late_rows = sum(late for _, _, late, _ in rows)
    if late_rows:
        problems.append(f"{late_rows} marked late")
    retried = sum(attempts > 0 for *_, attempts in rows)
    if retried:
        problems.append(f"{retried} needed a second attempt")
    pending = states(database).get(PostState.PENDING.value, 0)
    if pending != options.pending - options.soon:
        problems.append(f"{pending} still pending, not {options.pending - options.soon}")
    return {"ok": not problems, "problems": problems}


# -- databases -----------------------------------------------------------------------------------


def run_sqlite(options: Options, tmpdir: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-reminders-", dir=tmpdir) as name:
        path = Path(name) / "bot.db"
        # As the running bot opens it (bot/app.py): WAL checkpoints in a background thread.
        database = Database(f"sqlite:///{path}", background_checkpoints=True)
        try:
            database.prepare(datetime.now(UTC))
            result = run_database(database, "sqlite", options)
        finally:
            database.dispose()
        result["filesystem"] = filesystem_of(path.parent)
        return result


def run_postgres(options: Options) -> dict[str, Any]:
    from tests.support.postgres import PostgresServer

    progress("starting a throwaway PostgreSQL cluster")
    with PostgresServer() as server:
        database = Database(server.create_database("reminders"))
        try:
            database.prepare(datetime.now(UTC))
            result = run_database(database, "postgresql", options)
        finally:
            database.dispose()
        engine = sqlalchemy.create_engine(server.url_for("postgres"))
        try:
            with engine.connect() as connection:
                version = connection.exec_driver_sql("SHOW server_version").scalar()
        finally:
            engine.dispose()
        result["server_version"] = version
        return result


# -- output --------------------------------------------------------------------------------------


def print_table(result: dict[str, Any]) -> None:
    machine, config = result["machine"], result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )
    for row in result["rows"]:
        if row.get("server_version"):
            print(f"PostgreSQL {row['server_version']} (throwaway cluster, fsync=off)")
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    print(
        f"{config['pending']} pending reminders in {CHANNELS} channels: {config['soon']} due "
        f"within {config['spread_s']:g} s after {config['idle_s']:g} s with nothing due, the "
        f"rest over the next {config['hours']:g} h.\nThe real Hub.tick_forever "
        f"(TICK_SECONDS={config['tick_seconds']:g}) on the system clock, a door that answers "
        f"at once. Target: lateness median under {MEDIAN_TARGET_S:g} s, none over "
        f"{MAX_TARGET_S:g} s."
    )
    print()
    header = (
        f"{'db':<10} {'idle CPU s/min':>14} {'ticks':>5} {'tick p50 ms':>11} "
        f"{'tick p99 ms':>11} {'sent':>5} {'late p50 s':>10} {'p95 s':>7} {'p99 s':>7} "
        f"{'max s':>7} {'busy CPU s':>10}  target"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        late, idle, cost = row["late_s"], row["idle"], row["tick_cost"]
        print(
            f"{row['database']:<10} {idle['cpu_s_per_min']:>14.4f} {idle['ticks']:>5} "
            f"{cost['p50_ms']:>11.2f} {cost['p99_ms']:>11.2f} {row['arrived']:>5} "
            f"{late['p50']:>10.3f} {late['p95']:>7.3f} {late['p99']:>7.3f} {late['max']:>7.3f} "
            f"{row['busy']['cpu_s']:>10.2f}  {row['verdict']}"
        )
    print()
    for row in result["rows"]:
        check_ = row["check"]
        said = "as expected" if check_["ok"] else "; ".join(check_["problems"])
        print(
            f"{row['database']}: filled in {row['fill_s']} s; idle {row['idle']['seconds']} s, "
            f"{row['idle']['cpu_s'] * 1000:.0f} ms CPU; busy {row['busy']['seconds']} s, "
            f"{row['busy']['ticks']} ticks; the database afterwards: {row['states']} "
            f"({said}); {row['errors']} internal errors"
        )
        by_thread = ", ".join(
            f"{name} {value:.4f}" for name, value in row["idle"]["cpu_s_per_min_by_thread"].items()
        )
        print(f"  idle CPU s/min by thread: {by_thread}")
        print(
            f"  one idle tick (the jobs + next due), timed {row['tick_cost']['samples']} times: "
            f"{row['tick_cost']['cpu_ms_per_tick']} ms CPU each; medians: the jobs "
            f"{row['tick_cost']['jobs_p50_ms']} ms, next_due {row['tick_cost']['next_due_p50_ms']}"
            f" ms; the first tick at start took {row['idle']['first_tick_s']} s"
        )
        if row.get("first_error"):
            print(f"  first internal error: {row['first_error']}")
    for label, problem in result.get("failures", {}).items():
        print()
        print(f"{label} could not be measured: {problem}")


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The scheduler with 10 000 pending reminders: idle CPU and the lateness "
        "of each delivery."
    )
    parser.add_argument("--pending", type=int, default=10_000, help="reminders (10000)")
    parser.add_argument("--soon", type=int, default=1_000, help="of them due soon (1000)")
    parser.add_argument(
        "--spread", type=float, default=60.0, help="seconds the soon ones fall due in (60)"
    )
    parser.add_argument("--hours", type=float, default=24.0, help="the rest over hours (24)")
    parser.add_argument("--idle", type=float, default=40.0, help="seconds with nothing due (40)")
    parser.add_argument(
        "--tick-seconds", type=float, default=30.0, help="TICK_SECONDS, as the bot's (30)"
    )
    parser.add_argument(
        "--tick-samples", type=int, default=200, help="idle ticks timed directly (200)"
    )
    parser.add_argument("--seed", type=int, default=7, help="for the due times (7)")
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="also measure on a PostgreSQL cluster started for this run and removed after it "
        "(needs PostgreSQL's binaries, as the test suite does)",
    )
    parser.add_argument(
        "--tmpdir", type=Path, default=None, help="where the temporary SQLite directory goes"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.soon <= args.pending:
        parser.error("--soon must be between 1 and --pending")
    if args.spread <= 0 or args.idle <= 0 or args.hours <= 0 or args.tick_seconds < 0.05:
        parser.error("--spread, --idle and --hours must be positive, --tick-seconds >= 0.05")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    options = Options(
        pending=args.pending,
        soon=args.soon,
        spread_s=args.spread,
        hours=args.hours,
        idle_s=args.idle,
        tick_seconds=args.tick_seconds,
        tick_samples=args.tick_samples,
        seed=args.seed,
    )
    result: dict[str, Any] = {
        "machine": machine_info(),
        "target": {"median_s_below": MEDIAN_TARGET_S, "max_s_at_most": MAX_TARGET_S},
        "config": {
            "pending": options.pending,
            "soon": options.soon,
            "spread_s": options.spread_s,
            "hours": options.hours,
            "idle_s": options.idle_s,
            "tick_seconds": options.tick_seconds,
            "tick_samples": options.tick_samples,
            "channels": CHANNELS,
            "seed": options.seed,
        },
        "rows": [],
        "failures": {},
    }
    runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("sqlite", lambda: run_sqlite(options, args.tmpdir))
    ]
    if args.throwaway_postgres:
        runs.append(("postgresql", lambda: run_postgres(options)))
    status = 0
    for _label, row in measure_each(runs, result["failures"]):
        result["rows"].append(row)
        if not row["check"]["ok"] or row["errors"]:
            status = 2
    if result["failures"]:
        status = 2
    if not result["rows"]:
        return 2
    emit(result, args.json, print_table)
    return status


if __name__ == "__main__":
    sys.exit(main())

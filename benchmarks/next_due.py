"""How long the ticker's ``Timekeeper.next_due()`` takes with a large backlog.

Run from the project root::

    .venv/bin/python benchmarks/next_due.py                        # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/next_due.py --no-postgres          # SQLite only
    .venv/bin/python benchmarks/next_due.py --sizes 10000 --calls 500 --json

A migrated database (``Database(url).prepare(now)``; a temporary SQLite file, and a throwaway
PostgreSQL cluster from ``tests/support/postgres.py`` when its binaries are installed) gets,
for each size in ``--sizes`` (10 000, 50 000, 100 000), that many pending ``ScheduledPost``
rows and as many pending ``OutboxMessage`` rows, inserted in bulk (the sizes are reached by
adding to the rows already there). Scheduled posts are due from an hour ago to 30 days ahead,
one in ten with a ``next_attempt_at`` (a retry); outbox messages are ready from an hour ago to
a day ahead. Then ``Timekeeper.next_due()`` (the soonest first attempt, the soonest retry and
the soonest ready outbox message: three queries in one read-only unit of work) is called
``--warmup`` times untimed and ``--calls`` times timed with ``time.perf_counter_ns``. The
answer is checked against the minimum computed in Python from the inserted rows. The target:
median under 2 ms at 100 000.

A measurement, not a test: it prints PASS/MISS and exits 0 either way; 2 when a database
could not be set up or an answer was wrong. See benchmarks/README.md, "next_due".
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import gc
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import sqlalchemy
from sqlalchemy import insert

from benchmarks.common import (
    emit,
    filesystem_of,
    machine_info,
    measure_each,
    percentile,
    progress,
    stop_on_sigterm,
)
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.timekeeper import Timekeeper
from storage import Database
from storage.models import OutboxMessage, OutboxState, PostState, ScheduledPost

PLATFORM = "bench"
CHANNELS = 200
MEDIAN_TARGET_MS = 2.0
TARGET_SIZE = 100_000
RETRY_SHARE = 0.1
BATCH = 5_000
_POSTS = ScheduledPost.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
PAYLOAD = '{"document": [{"paragraph": [{"text": "bench outbox message"}]}], "files": []}'


class SetupError(RuntimeError):
    """The scenario could not be built, or next_due gave a wrong answer."""


# -- the rows ------------------------------------------------------------------------------------


def post_row(index: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    due = now + timedelta(seconds=rng.uniform(-3600, 30 * 86400))
    retry = due + timedelta(seconds=rng.uniform(60, 3600)) if rng.random() < RETRY_SHARE else None
    return {
        "kind": "reminder",
        "platform": PLATFORM,
        "channel_id": f"C{index % CHANNELS:03d}",
        "number": index // CHANNELS + 1,
        "text": f"bench reminder {index}",
        "timezone": "Europe/Stockholm",
        "language": "sv",
        "created_at": now,
        "due_at": due,
        "state": PostState.PENDING,
        "attempts": 1 if retry is not None else 0,
        "next_attempt_at": retry,
        "late": False,
    }


def outbox_row(index: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    return {
        "key": f"bench-{index:08d}",
        "platform": PLATFORM,
        "channel_id": f"C{index % CHANNELS:03d}",
        "kind": "post",
        "ok": True,
        "payload": PAYLOAD,
        "created_at": now,
        "ready_at": now + timedelta(seconds=rng.uniform(-3600, 86400)),
        "state": OutboxState.PENDING,
        "attempts": 0,
        "failures": 0,
    }


def fill(database: Database, start: int, stop: int, now: datetime, rng: random.Random) -> datetime:
    """Rows ``start`` to ``stop`` of both tables; the soonest time among them."""
    soonest: datetime | None = None
    for first in range(start, stop, BATCH):
        indices = range(first, min(first + BATCH, stop))
        posts = [post_row(index, now, rng) for index in indices]
        messages = [outbox_row(index, now, rng) for index in indices]
        with database.engine.begin() as connection:
            connection.execute(insert(_POSTS), posts)
            connection.execute(insert(_OUTBOX), messages)
        times = [row["next_attempt_at"] or row["due_at"] for row in posts]
        times.extend(row["ready_at"] for row in messages)
        batch_soonest = min(times)
        soonest = batch_soonest if soonest is None else min(soonest, batch_soonest)
    assert soonest is not None
    return soonest


# -- the run -------------------------------------------------------------------------------------


def run_database(database: Database, label: str, options: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    database.prepare(now)
    rng = random.Random(options.seed)
    clock = FixedClock(now)
    config = CoreConfig()
    dispatcher = Dispatcher(database, clock, config)
    timekeeper = Timekeeper(database, clock, config, capabilities=dispatcher.capabilities)
    rows: list[dict[str, Any]] = []
    inserted = 0
    soonest: datetime | None = None
    plans: dict[bool, list[str]] = {}
    for size in sorted(options.sizes):
        started = time.perf_counter()
        batch_soonest = fill(database, inserted, size, now, rng)
        soonest = batch_soonest if soonest is None else min(soonest, batch_soonest)
        inserted = size
        fill_s = time.perf_counter() - started
        for analyzed in (False, True):
            if analyzed:
                analyze(database)
            row = time_calls(timekeeper, soonest, options)
            # Planner statistics: none before the first ANALYZE, then those of the size before.
            stats = "fresh" if analyzed else ("stale" if rows else "none")
            row.update(database=label, size=size, stats=stats, fill_s=round(fill_s, 2))
            row["target"] = (
                ("PASS" if row["median_ms"] < MEDIAN_TARGET_MS else "MISS")
                if size >= TARGET_SIZE
                else "info"
            )
            progress(
                f"  {label} {size} ({stats} statistics): median "
                f"{row['median_ms']:.3f} ms, p95 {row['p95_ms']:.3f} ms"
            )
            rows.append(row)
            plans[analyzed] = query_plans(database)
    return {"rows": rows, "plans": plans[False], "plans_analyzed": plans[True]}


def analyze(database: Database) -> None:
    """Fresh planner statistics (PostgreSQL's autovacuum, SQLite's ``ANALYZE``)."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def time_calls(
    timekeeper: Timekeeper, soonest: datetime | None, options: argparse.Namespace
) -> dict[str, Any]:
    answer = timekeeper.next_due()
    if answer != soonest:
        raise SetupError(f"next_due() said {answer}, expected {soonest}")
    for _ in range(options.warmup):
        timekeeper.next_due()
    gc.collect()
    gc.disable()
    times: list[float] = []
    try:
        for _ in range(options.calls):
            before = time.perf_counter_ns()
            timekeeper.next_due()
            times.append((time.perf_counter_ns() - before) / 1e6)
    finally:
        gc.enable()
    times.sort()
    return {
        "calls": len(times),
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 95),
        "max_ms": times[-1],
    }


def query_plans(database: Database) -> list[str]:
    """How the database runs the three queries (EXPLAIN), for the report."""
    from storage.outbox import _NEXT_READY
    from storage.post_queue import _NEXT_FIRST, _NEXT_RETRY

    plans = []
    with database.engine.connect() as connection:
        dialect = connection.dialect
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
        for name, query in (
            ("first", _NEXT_FIRST),
            ("retry", _NEXT_RETRY),
            ("outbox", _NEXT_READY),
        ):
            compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            lines = connection.exec_driver_sql(prefix + str(compiled)).all()
            text = " | ".join(str(line[-1]).strip() for line in lines)
            plans.append(f"{name}: {text}")
    return plans


def run_sqlite(options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="samverkan-next-due-", dir=options.tmpdir) as tmp:
        path = Path(tmp) / "bot.db"
        database = Database(f"sqlite:///{path}", background_checkpoints=True)
        try:
            result = run_database(database, "sqlite", options)
        finally:
            database.dispose()
        result["filesystem"] = filesystem_of(path.parent)
        return result


def run_postgres(options: argparse.Namespace) -> dict[str, Any]:
    from tests.support.postgres import PostgresServer

    progress("starting a throwaway PostgreSQL cluster")
    with PostgresServer() as server:
        database = Database(server.create_database("next_due"))
        try:
            result = run_database(database, "postgresql", options)
        finally:
            database.dispose()
        engine = sqlalchemy.create_engine(server.url_for("postgres"))
        try:
            with engine.connect() as connection:
                result["server_version"] = connection.exec_driver_sql(
                    "SHOW server_version"
                ).scalar()
        finally:
            engine.dispose()
        return result


# -- output --------------------------------------------------------------------------------------


def print_table(result: dict[str, Any]) -> None:
    machine, config = result["machine"], result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )
    for run in result["runs"]:
        if run.get("server_version"):
            print(f"PostgreSQL {run['server_version']} (throwaway cluster, same machine)")
        if run.get("filesystem"):
            print(f"SQLite file on {run['filesystem']}")
    print(
        f"Timekeeper.next_due(): {config['warmup']} warm-up and {config['calls']} timed calls "
        f"per size; N pending scheduled posts ({RETRY_SHARE:.0%} with a retry) and N pending "
        "outbox messages"
    )
    print(
        "stats: the planner's statistics when timed: none (no ANALYZE yet), stale (ANALYZE "
        "ran at the size before), fresh (ANALYZE just ran)"
    )
    print()
    header = (
        f"{'db':<11} {'N':>8} {'stats':>6} {'fill s':>7} {'calls':>6} {'median ms':>10} "
        f"{'p95 ms':>8} {'max ms':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for run in result["runs"]:
        for row in run["rows"]:
            target = row["target"]
            if target != "info":
                target += f" (median < {MEDIAN_TARGET_MS:g} ms at {TARGET_SIZE})"
            print(
                f"{row['database']:<11} {row['size']:>8} {row['stats']:>6} {row['fill_s']:>7.1f} "
                f"{row['calls']:>6} {row['median_ms']:>10.3f} {row['p95_ms']:>8.3f} "
                f"{row['max_ms']:>8.3f}  {target}"
            )
    for run in result["runs"]:
        print()
        print(f"Query plans ({run['rows'][0]['database'] if run['rows'] else '?'}):")
        for plan in run["plans"]:
            print(f"  {plan}")
        print("after ANALYZE:")
        for plan in run["plans_analyzed"]:
            print(f"  {plan}")
    for label, problem in result["failures"].items():
        print(f"\n{label} could not be measured: {problem}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 50_000, 100_000],
        help="numbers of pending scheduled posts (and as many outbox messages)",
    )
    parser.add_argument("--calls", type=int, default=200, help="timed calls per size (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per size (20)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--tmpdir", default=None, help="where the SQLite file goes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.warmup < 0 or any(size < 1 for size in args.sizes):
        parser.error("--calls and --sizes must be positive, --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [("sqlite", lambda: run_sqlite(args))]
    if not args.no_postgres:
        runs.append(("postgresql", lambda: run_postgres(args)))
    failures: dict[str, str] = {}
    measured = measure_each(runs, failures)
    result = {
        "machine": machine_info(),
        "config": {"sizes": args.sizes, "calls": args.calls, "warmup": args.warmup},
        "runs": [run for _, run in measured],
        "failures": failures,
    }
    emit(result, args.json, print_table)
    return 2 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

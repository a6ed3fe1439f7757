"""What every benchmark script here needs: percentiles, machine facts, JSON-safe figures."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import os
import platform
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import sqlalchemy
import sqlalchemy.exc

T = TypeVar("T")


def progress(message: str) -> None:
    """Progress goes to standard error, so standard output holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values; NaN when there are none."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def cpu_model() -> str | None:
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return None


def no_nan(value: Any) -> Any:
    """JSON has no NaN: a missing figure becomes null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: no_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [no_nan(item) for item in value]
    return value


def machine_info() -> dict[str, Any]:
    """Where the figures were taken: interpreter, CPUs, database libraries, load."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "cpu_model": cpu_model(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "load_average": [round(x, 2) for x in load] if load else None,
    }


class ErrorCounter(logging.Handler):
    """Counts ERROR records from the product (an internal error behind a reply), keeps the
    first one for the report, and keeps them off the terminal while the loop runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = self.format(record)


def stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """Leave through SystemExit, so temporary directories (and servers) are removed."""
    raise SystemExit(128 + signum)


def filesystem_of(path: Path) -> str | None:
    """The type and device of the file system holding ``path`` (from /proc/mounts)."""
    try:
        with open("/proc/mounts", encoding="utf-8") as handle:
            mounts = [line.split()[:3] for line in handle]
    except OSError:
        return None
    resolved = str(path.resolve())
    best: list[str] | None = None
    for mount in mounts:
        if len(mount) != 3 or not (resolved + "/").startswith(mount[1].rstrip("/") + "/"):
            continue
        if best is None or len(mount[1]) > len(best[1]):
            best = mount
    return f"{best[2]} ({best[0]} on {best[1]})" if best else None


def measure_each(
    runs: Sequence[tuple[str, Callable[[], T]]], failures: dict[str, str]
) -> list[tuple[str, T]]:
    """Each database's run in turn, with what it measured. A run whose set-up or database
    fails (``RuntimeError``, a SQLAlchemy error) is reported, left out, and noted in
    ``failures`` by its first line; the others still run."""
    measured: list[tuple[str, T]] = []
    for label, run in runs:
        progress(f"measuring on {label}")
        try:
            measured.append((label, run()))
        except (RuntimeError, sqlalchemy.exc.SQLAlchemyError) as error:
            problem = f"{type(error).__name__}: {error}"
            progress(f"{label} failed: {problem}")
            failures[label] = problem.splitlines()[0]
    return measured


def emit(
    result: dict[str, Any], as_json: bool, print_table: Callable[[dict[str, Any]], None]
) -> None:
    """The figures as JSON (``--json``) or as the benchmark's table."""
    if as_json:
        print(json.dumps(no_nan(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print_table(result)


# -- scripts that time several kinds of work in turns (record.py, year_statistics.py) -------


def timing_row(
    kind: str, samples_ns: Sequence[int], errors: int, target_ms: float
) -> dict[str, Any]:
    """One kind's figures in milliseconds, with PASS/FAIL against ``target_ms`` at p99."""
    ordered = sorted(samples_ns)

    def ms(p: float) -> float:
        return round(percentile(ordered, p) / 1e6, 2)

    return {
        "kind": kind,
        "count": len(ordered),
        "errors": errors,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": round(ordered[-1] / 1e6, 2),
        "verdict": "PASS" if ms(99) < target_ms else "FAIL",
    }


def in_turns(
    once: Callable[[str, bool], None], kinds: Sequence[str], counts: dict[str, int], warmup: int
) -> None:
    """``once(kind, record)`` for every kind: ``warmup`` untimed runs, then the timed ones
    taking turns, so that a slower moment of the machine falls on every kind alike."""
    for kind in kinds:
        for _ in range(warmup):
            once(kind, False)
    for turn in range(max(counts.values())):
        for kind in kinds:
            if turn < counts[kind]:
                once(kind, True)


def print_timings(result: dict[str, Any], titles: dict[str, str]) -> None:
    """The table of ``result["rows"]`` (see :func:`timing_row`), and the first internal error
    the product logged, if any."""
    width = max(len(title) for title in titles.values()) + 2
    header = (
        f"{'what':<{width}} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'errors':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        print(
            f"{titles[row['kind']]:<{width}} {row['count']:>5} {row['p50_ms']:>8.2f} "
            f"{row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['max_ms']:>8.2f} "
            f"{row['errors']:>6}  {row['verdict']}"
        )
    if result["first_error"]:
        print()
        print("First internal error logged by the product:")
        print(result["first_error"])


def machine_line(machine: dict[str, Any]) -> str:
    return (
        f"Python {machine['python']} | {machine['cpu_count']} CPUs {machine['cpu_model'] or ''} "
        f"| SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )


def timing_arguments(
    description: str, count_help: str, argv: Sequence[str] | None
) -> argparse.Namespace:
    """``--count`` (the command and its compilation), ``--export-count``, ``--warmup``,
    ``--tmpdir``, ``--json``, checked."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--count", type=int, default=100, help=f"timed runs of {count_help} (100)")
    parser.add_argument(
        "--export-count", type=int, default=30, help="timed runs of each export (30)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each kind (3)")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.count < 1 or args.export_count < 1 or args.warmup < 0:
        parser.error("--count and --export-count must be at least 1, --warmup at least 0")
    return args


@contextlib.contextmanager
def product_errors(loggers: Sequence[str]) -> Iterator[ErrorCounter]:
    """The product's ERROR records under ``loggers`` counted (and kept off the terminal)
    while the block runs."""
    errors = ErrorCounter()
    errors.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in loggers:
        logging.getLogger(name).addHandler(errors)
        logging.getLogger(name).propagate = False
    try:
        yield errors
    finally:
        for name in loggers:
            logging.getLogger(name).removeHandler(errors)


def time_kinds(
    once: Callable[[str, bool], None], kinds: Sequence[str], options: argparse.Namespace
) -> None:
    """Each kind timed in turns (:func:`in_turns`): ``command`` and ``compile``
    ``options.count`` times, the others (exports) ``options.export_count``; with the garbage
    collected and the heap frozen first, as bot/app.py does once started."""
    counts = {
        kind: options.count if kind in ("command", "compile") else options.export_count
        for kind in kinds
    }
    gc.collect()
    gc.freeze()
    try:
        in_turns(once, kinds, counts, options.warmup)
    finally:
        gc.unfreeze()

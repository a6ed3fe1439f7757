"""How long a year's statistics (``!statistik 2026``) take for a busy conference.

Run from the project root::

    .venv/bin/python benchmarks/year_statistics.py                  # 100 timed runs of each kind
    .venv/bin/python benchmarks/year_statistics.py --count 300 --json

The requirement (issue 20): a year's statistics under 200 ms. A migrated and seeded SQLite
database (WAL, as the bot opens it) gets 40 organisations in Regional samverkanskonferens
(weekly on Thursdays at 16:00, holidays by its policy) with a representative each, and then a
year, 2026, played through the real ``Dispatcher`` with the clock moved: before each of the
year's Thursdays 36–38 organisations send ``!läge`` the day before, a few only after the
meeting has begun; six activations of all 40 (acknowledgements minutes to hours apart, a
meeting, the stand-down) and two exercises (``!övning start``, ``!aktivera övning``,
``!övning slut``). Then, taking turns, many repetitions of:

- ``!statistik 2026`` through the dispatcher (a new message each time; reply not rendered);
- ``compile_statistics`` alone, in a read-only unit of work (``Database.reading``);
- ``export statistik --period 2026 --format html`` (``load_statistics`` +
  ``render_statistics``, the week-by-week chart drawn by matplotlib) and ``--format md``.

It prints PASS/FAIL against 200 ms at p99 and exits 0 either way; 2 when the year could not
be played. See benchmarks/README.md.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

from benchmarks.common import (
    ErrorCounter,
    emit,
    machine_info,
    machine_line,
    print_timings,
    product_errors,
    progress,
    stop_on_sigterm,
    time_kinds,
    timing_arguments,
    timing_row,
)
from benchmarks.record import (
    CHANNEL,
    ERROR_LOGGERS,
    FORUM,
    OPERATOR_SPEAKER,
    PLATFORM,
    TARGET_MS,
    Driver,
    SetupError,
    context,
    forty_organisations,
    report_text,
    speaker,
)
from bot.export.source import StatisticsQuery, load_statistics
from bot.export.statistics_export import render_statistics
from commands.core.clock import FixedClock
from commands.statistics_data import Statistics, compile_statistics
from storage import Database

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEEDED_AT = datetime(2025, 12, 1, 9, 0, tzinfo=STOCKHOLM)
YEAR = 2026
START = datetime(YEAR, 1, 1, tzinfo=STOCKHOLM)
END = datetime(YEAR + 1, 1, 1, tzinfo=STOCKHOLM)
NOW = datetime(YEAR + 1, 1, 10, 12, 0, tzinfo=STOCKHOLM)
# The Thursdays of 2026 at 16:00: 1 January is one, so 53 of them.
THURSDAYS = [datetime(YEAR, 1, 1, 16, 0, tzinfo=STOCKHOLM) + timedelta(weeks=w) for w in range(53)]
# Tuesdays (days, hours to stand-down): no conference or report day is crossed.
ACTIVATIONS = [(5, 6), (12, 30), (20, 4), (31, 10), (40, 20), (47, 8)]
EXERCISES = [(15, 3), (44, 5)]
KINDS = ("command", "compile", "export_html", "export_md")
TITLES = {
    "command": "!statistik 2026 (dispatcher)",
    "compile": "compile_statistics alone",
    "export_html": "export statistik html",
    "export_md": "export statistik md",
}


def tuesday(week: int) -> datetime:
    return THURSDAYS[week] - timedelta(days=2, hours=6)  # 10:00 on the Tuesday


def play_activation(
    driver: Driver, reps: list[Any], start: datetime, hours: int, seed: int, exercise: bool
) -> int:
    """An activation of all 40: 36 acknowledge 1–90 minutes in, a meeting, the stand-down."""
    reason = f"{'övning ' if exercise else ''}Störning nummer {seed}"
    if exercise:
        driver.say(OPERATOR_SPEAKER, f"!övning start Övning {seed}", start - timedelta(minutes=5))
    driver.say(OPERATOR_SPEAKER, f"!aktivera {reason}", start)
    acked = 0
    for position in range(36):
        i = (position * 7 + seed) % len(reps)
        delay = timedelta(minutes=1 + (position * 13 + seed) % 90, seconds=position)
        driver.say(reps[i], "!kvittera", start + delay)
        acked += 1
    meeting = start + timedelta(minutes=95 + seed * 5)
    driver.say(OPERATOR_SPEAKER, "!möte start", meeting)
    driver.say(OPERATOR_SPEAKER, "!möte slut", meeting + timedelta(minutes=30))
    driver.say(OPERATOR_SPEAKER, "!avaktivera Läget normalt", start + timedelta(hours=hours))
    if exercise:
        driver.say(OPERATOR_SPEAKER, "!övning slut", start + timedelta(hours=hours, minutes=1))
    return acked


def play_year(driver: Driver, names: list[str]) -> dict[str, int]:
    reps = [speaker(f"rep{i:02d}", name) for i, name in enumerate(names, start=1)]
    driver.say(OPERATOR_SPEAKER, f"!forum koppla {FORUM}", SEEDED_AT + timedelta(hours=1))
    for rep in reps:
        driver.say(rep, "!aktör")
    activations = {week: (hours, False) for week, hours in ACTIVATIONS}
    activations.update({week: (hours, True) for week, hours in EXERCISES})
    reports = acks = 0
    for week, thursday in enumerate(THURSDAYS):
        if week in activations:
            hours, exercise = activations[week]
            acks += play_activation(driver, reps, tuesday(week), hours, week, exercise)
        silent = {(week * 5 + k * 11) % len(reps) for k in range(2 + week % 3)}
        after = {(week * 3 + 1) % len(reps)}
        for position, rep in enumerate(reps):
            if position in silent:
                continue
            sent = thursday - timedelta(hours=24) + timedelta(minutes=position)
            if position in after:
                sent = thursday + timedelta(minutes=10)
            driver.say(rep, f"!läge {report_text(names[position], week)}", sent)
            reports += 1
    driver.clock.set(NOW)
    return {"reports": reports, "acknowledgements": acks, "commands": driver.events}


@dataclass
class Bench:
    database: Database
    driver: Driver
    errors: ErrorCounter
    samples: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def compiled(self) -> Statistics:
        with self.database.reading(context(NOW)) as store:
            forum = store.forums.for_channel(PLATFORM, CHANNEL)
            assert forum is not None
            return compile_statistics(store, forum, START, END, NOW)

    def shape(self) -> dict[str, Any]:
        stats = self.compiled()
        if stats.activations != len(ACTIVATIONS) or stats.exercises != len(EXERCISES):
            raise SetupError(
                f"the year has {stats.activations} activations, {stats.exercises} exercises"
            )
        return {
            "activations": stats.activations,
            "exercises": stats.exercises,
            "weeks": len(stats.weeks),
            "organisations": len(stats.completeness),
            "reports_counted": sum(week.reported for week in stats.weeks),
            "held": stats.held,
            "moved": stats.moved,
            "skipped": stats.skipped,
        }

    def once(self, kind: str, record: bool) -> None:
        logged = self.errors.count
        ok = True
        if kind == "command":
            incoming = self.driver.incoming(OPERATOR_SPEAKER, f"!statistik {YEAR}")
            began = time.perf_counter_ns()
            reply = self.driver.dispatcher.handle(incoming)
            took = time.perf_counter_ns() - began
            ok = reply is not None and reply.ok
        elif kind == "compile":
            with self.database.reading(context(NOW)) as store:
                forum = store.forums.for_channel(PLATFORM, CHANNEL)
                assert forum is not None
                began = time.perf_counter_ns()
                compile_statistics(store, forum, START, END, NOW)
                took = time.perf_counter_ns() - began
        else:
            fmt = kind.removeprefix("export_")
            began = time.perf_counter_ns()
            loaded = load_statistics(self.database, StatisticsQuery(FORUM, str(YEAR)), NOW)
            text = render_statistics(
                loaded.statistics, fmt, loaded.language, loaded.zone, loaded.compiled_at
            )
            took = time.perf_counter_ns() - began
            ok = len(text) > 1000 and (fmt != "html" or "<svg" in text)
        if record:
            self.samples[kind].append(took)
            if not ok or self.errors.count != logged:
                self.failed[kind] += 1


def summarise(bench: Bench, kind: str) -> dict[str, Any]:
    return timing_row(kind, bench.samples[kind], bench.failed[kind], TARGET_MS)


def run(options: argparse.Namespace) -> dict[str, Any]:
    with (
        product_errors(ERROR_LOGGERS) as errors,
        tempfile.TemporaryDirectory(prefix="samverkan-statistics-", dir=options.tmpdir) as temp,
    ):
        database = Database(f"sqlite:///{Path(temp) / 'year.db'}", background_checkpoints=True)
        try:
            began = time.perf_counter()
            database.prepare(SEEDED_AT)
            driver = Driver(database, FixedClock(SEEDED_AT))
            played = play_year(driver, forty_organisations(database, SEEDED_AT))
            progress(f"played the year in {time.perf_counter() - began:.1f} s: {played}")
            bench = Bench(database, driver, errors)
            shape = bench.shape()
            time_kinds(bench.once, KINDS, options)
        finally:
            database.dispose()
    return {
        "machine": machine_info(),
        "target_ms": TARGET_MS,
        "played": played,
        "statistics": shape,
        "rows": [summarise(bench, kind) for kind in KINDS],
        "first_error": errors.first,
    }


def print_table(result: dict[str, Any]) -> None:
    machine, shape, played = result["machine"], result["statistics"], result["played"]
    print(machine_line(machine))
    print(
        f"The year {YEAR}: {shape['organisations']} organisations, {shape['weeks']} conference "
        f"rounds (held {shape['held']}, moved {shape['moved']}, skipped {shape['skipped']}), "
        f"{played['reports']} reports, {shape['activations']} activations and "
        f"{shape['exercises']} exercises ({played['acknowledgements']} acknowledgements; "
        f"{played['commands']} commands played). Target: p99 under {TARGET_MS:g} ms."
    )
    print()
    print_timings(result, TITLES)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return timing_arguments((__doc__ or "").splitlines()[0], "the command and compile", argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        result = run(args)
    except SetupError as error:
        progress(f"could not play the year: {error}")
        return 2
    emit(result, args.json, print_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

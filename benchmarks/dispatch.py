"""Commands per second and latency through the real dispatcher, on a real SQLite file.

Run from the project root::

    .venv/bin/python benchmarks/dispatch.py                  # 3 s per scenario, a table
    .venv/bin/python benchmarks/dispatch.py --seconds 10 --json
    .venv/bin/python benchmarks/dispatch.py --postgres postgresql+psycopg://u@host/throwaway

Every scenario gets its own copy of a database that was migrated and seeded with
``Database.prepare`` (as every production start does), in WAL mode in a temporary
directory, and drives ``Dispatcher.handle`` directly (no door, no rendering). Only the
``handle`` call is timed (``time.perf_counter_ns``); the clock moves a second per command.
cmd/s is commands divided by the time spent inside ``handle``: the capacity of one
dispatcher, which handles one message at a time.

This is a measurement, not a test: it prints PASS/MISS against the targets and exits 0
either way. It exits non-zero only when a scenario cannot be set up or measured at all.
See benchmarks/README.md for the scenarios and figures.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import logging
import math
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import sqlalchemy
import sqlalchemy.exc

from benchmarks.common import (
    ErrorCounter,
    filesystem_of,
    machine_info,
    no_nan,
    percentile,
    progress,
    stop_on_sigterm,
)
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Reply, Speaker
from storage import AuditContext, Database

# -- targets (from the issue) ------------------------------------------------------------------

P99_TARGET_MS = 10.0
THROUGHPUT_TARGET = 500.0  # commands per second, on the 2-core benchmark machine

# -- the world the commands run in ---------------------------------------------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Seeded like a first production start, then used on a Thursday before the conference.
SEEDED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=STOCKHOLM)
START_AT = datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)
PLATFORM = "bench"
CHANNEL = "stab"
FORUM = "samverkanskonferens"
# Where Regionalt inriktande forum adopts the joint regional direction ((e)).
STRATEGIC_CHANNEL = "inriktande"
DIRECTION = "Målbild: Samhällsviktig verksamhet fungerar\nPrioriteringar: Liv och hälsa först"
MESSAGE = "Undvik onödiga resor i kväll; följ SMHI:s varningar."
OPERATOR = "operator"
# Ten representatives, one per organisation (names as a door's organisation hint gives them).
ORGANISATIONS = (
    "Polisen",
    "SSBF",
    "SBFF",
    "Attunda",
    "SOS",
    "Regionen",
    "TRV",
    "Hamnarna",
    "FM",
    "KSL",
)
ACKED_BEFORE_STATUS = 3  # "a few" have acknowledged when (a) and (d) run
REASON = "Övning: omfattande elavbrott i södra länet"
# Whom the call-out calls: the ten (not the forum's 37 members, most with nobody in the chat).
CALL = "kalla: " + ", ".join(ORGANISATIONS)
# (d): one of each way of being refused, in turn; said by a representative (True) or by the
# operator (False, who may activate, so the missing argument is what is refused).
BAD_INPUTS = (
    (True, "!kvitera"),  # a typo: unknown command, with a suggestion (fuzzy match)
    (True, "!blaha"),  # unknown command, nothing close
    (False, "!aktivera"),  # missing argument
    (True, "!status nu genast"),  # too many arguments
    (True, "!status\x07"),  # a control character
    (True, f"!aktivera {REASON}"),  # a representative may not activate: not allowed
)

SCENARIOS = ("status", "cycle", "ack", "refusal", "confirm", "message")

ERROR_LOGGERS = ("commands", "storage", "bot")


class SetupError(RuntimeError):
    """A scenario could not be set up: the product refused a step that should work."""


# -- budget, recording, statistics ---------------------------------------------------------------


@dataclass
class Budget:
    """When to stop: after ``seconds`` of wall time, or ``count`` timed commands; never more
    than ``limit`` timed commands."""

    seconds: float | None
    count: int | None
    limit: int
    started: float = field(default_factory=time.perf_counter)
    done: int = 0

    def more(self) -> bool:
        if self.done >= self.limit:
            return False
        if self.count is not None:
            return self.done < self.count
        assert self.seconds is not None
        return time.perf_counter() - self.started < self.seconds


@dataclass
class Series:
    """Latencies in nanoseconds of one kind of command, and how many went wrong."""

    name: str
    unit: str = "commands"
    samples: list[int] = field(default_factory=list)
    errors: int = 0
    # Counted during the warm-up only, so that counting does not add to the timings.
    warm_commands: int = 0
    warm_statements: int = 0

    def statements_per_command(self) -> float | None:
        if not self.warm_commands:
            return None
        return self.warm_statements / self.warm_commands


def verdict(p99_ms: float, per_second: float) -> str:
    missed = []
    if not p99_ms < P99_TARGET_MS:
        missed.append("p99")
    if not per_second >= THROUGHPUT_TARGET:
        missed.append("cmd/s")
    return "PASS" if not missed else "MISS (" + ", ".join(missed) + ")"


def summarise(
    series: Series,
    database: str,
    wall_seconds: float,
    judged: bool,
    statements: float | None,
) -> dict[str, Any]:
    ordered = sorted(series.samples)
    busy = sum(ordered) / 1e9
    n = len(ordered)
    per_second = n / busy if busy > 0 else 0.0
    p99 = percentile(ordered, 99) / 1e6
    return {
        "scenario": series.name,
        "database": database,
        "unit": series.unit,
        "count": n,
        "errors": series.errors,
        "busy_s": round(busy, 4),
        "wall_s": round(wall_seconds, 4),
        "per_s": round(per_second, 1),
        "mean_ms": round(busy * 1e3 / n, 3) if n else math.nan,
        "p50_ms": round(percentile(ordered, 50) / 1e6, 3),
        "p95_ms": round(percentile(ordered, 95) / 1e6, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(ordered[-1] / 1e6, 3) if n else math.nan,
        "sql_statements": round(statements, 2) if statements is not None else None,
        "verdict": verdict(p99, per_second) if judged and n else "info",
    }


# -- driving the dispatcher ----------------------------------------------------------------------


# Whether this version of the bot keeps answers in an outbox (run against an older checkout
# with PYTHONPATH, the same script measures the code before it).
_ROUTED = "route" in {field.name for field in dataclasses.fields(Incoming)}


def speaker(platform: str, user: str, organisation: str | None = None) -> Speaker:
    return Speaker(
        platform=platform,
        user_id=user,
        display_name=user,
        organisation_hint=organisation,
    )


class Bench:
    """One dispatcher on one database, with a clock that moves a second per command."""

    def __init__(self, database: Database, errors: ErrorCounter, platform: str = PLATFORM) -> None:
        self.database = database
        self.errors = errors
        self.platform = platform
        self.clock = FixedClock(START_AT)
        # The operator binds and activates: a coordinator of the region (BOT_ADMINS).
        config = CoreConfig(bot_admins=frozenset({f"{platform}:{OPERATOR}"}))
        self.dispatcher = Dispatcher(database, self.clock, config)
        self.operator = speaker(platform, OPERATOR)
        self.representatives = [
            speaker(platform, f"rep{index:02d}", organisation)
            for index, organisation in enumerate(ORGANISATIONS, start=1)
        ]
        self.recording = True
        self.statements = 0
        self.events = 0

    def count_statement(self, *_args: Any) -> None:
        """A ``before_cursor_execute`` listener: one more SQL statement sent."""
        self.statements += 1

    def again(self, incoming: Incoming) -> Incoming:
        """``incoming`` sent anew: a platform gives each message its own event id."""
        return self.incoming(incoming.speaker, incoming.text, incoming.channel_id)

    def incoming(self, who: Speaker, text: str, channel: str = CHANNEL) -> Incoming:
        """As a door hands it in: with the platform's event id (acted on once) and the route of
        its answer (which then waits in the outbox with the command's changes)."""
        self.events += 1
        event_id = f"$bench{self.events}"
        if _ROUTED:
            return Incoming(
                self.platform, channel, who, text, event_id=event_id, route={"reply_to": event_id}
            )
        return Incoming(self.platform, channel, who, text, event_id=event_id)

    def tick(self) -> None:
        self.clock.set(self.clock.now() + timedelta(seconds=1))

    def say(
        self, who: Speaker, text: str, *, must_work: bool = True, channel: str = CHANNEL
    ) -> Reply | None:
        """An untimed command (setup, resets); raises SetupError when it does not work."""
        self.tick()
        reply = self.dispatcher.handle(self.incoming(who, text, channel))
        if must_work and (reply is None or not reply.ok):
            said = render_text(reply.document) if reply else "(no reply)"
            raise SetupError(f"{who.user_id}: {text!r} did not work:\n{said}")
        return reply

    def timed(self, series: Series, incoming: Incoming, budget: Budget, expect_ok: bool) -> int:
        """Handle ``incoming`` under the stopwatch, as a new message (its own event id); the
        nanoseconds it took."""
        incoming = self.again(incoming)
        self.tick()
        logged = self.errors.count
        sent = self.statements
        began = time.perf_counter_ns()
        reply = self.dispatcher.handle(incoming)
        took = time.perf_counter_ns() - began
        budget.done += 1
        if not self.recording:
            series.warm_commands += 1
            series.warm_statements += self.statements - sent
        else:
            series.samples.append(took)
            # A wrong answer, or an internal error (which also comes back as a refusal).
            if reply is None or reply.ok is not expect_ok or self.errors.count != logged:
                series.errors += 1
        return took

    # -- common setup --------------------------------------------------------------------

    def bind_and_register(self) -> None:
        """Bind the channel as a coordinator; each representative says who they
        represent through the door's organisation hint."""
        self.say(self.operator, f"!forum koppla {FORUM}")
        for representative in self.representatives:
            self.say(representative, "!aktör")

    def activate(self, acknowledged: int) -> None:
        self.say(self.operator, f"!aktivera {REASON} {CALL}")
        for representative in self.representatives[:acknowledged]:
            self.say(representative, "!kvittera")
        context = AuditContext(self.platform, CHANNEL, OPERATOR, OPERATOR, self.clock.now())
        with self.database.reading(context) as store:
            forum = store.forums.for_channel(self.platform, CHANNEL)
            current = store.activations.current(forum) if forum else None
            called = len(current.called_out) if current else 0
            acks = len(store.activations.acknowledgements(current)) if current else 0
        if (called, acks) != (len(self.representatives), acknowledged):
            raise SetupError(
                f"expected an activation calling out {len(self.representatives)} organisations "
                f"with {acknowledged} acknowledgements, found {called} and {acks}"
            )


# -- scenarios -----------------------------------------------------------------------------------
# Each has a setup (untimed) and a loop that runs while the budget allows.


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    setup: Callable[[Bench], None]
    loop: Callable[[Bench, Budget, dict[str, Series]], None]
    series: tuple[tuple[str, str, bool], ...]  # (name, unit, judged against the targets)


def setup_activated(bench: Bench) -> None:
    bench.bind_and_register()
    bench.activate(ACKED_BEFORE_STATUS)


def loop_status(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    incomings = [bench.incoming(rep, "!status") for rep in bench.representatives]
    index = 0
    while budget.more():
        bench.timed(series["status"], incomings[index % len(incomings)], budget, True)
        index += 1


def setup_cycle(bench: Bench) -> None:
    bench.bind_and_register()
    # A PostgreSQL database may still be activated by an earlier, interrupted run.
    bench.say(bench.operator, "!avaktivera", must_work=False)


def loop_cycle(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    stand_down = bench.incoming(bench.operator, "!avaktivera")
    number = 0
    while budget.more():
        number += 1
        activate = bench.incoming(bench.operator, f"!aktivera {REASON} ({number}) {CALL}")
        first = bench.timed(series["aktivera"], activate, budget, True)
        second = bench.timed(series["avaktivera"], stand_down, budget, True)
        if bench.recording:
            series["cycle"].samples.append(first + second)


def setup_ack(bench: Bench) -> None:
    bench.bind_and_register()
    bench.activate(0)


def loop_ack(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    incomings = [bench.incoming(rep, "!kvittera") for rep in bench.representatives]
    index = 0
    while budget.more():
        if index == len(incomings):
            # Everyone has acknowledged: a new activation, outside the stopwatch.
            bench.say(bench.operator, "!avaktivera")
            bench.say(bench.operator, f"!aktivera {REASON} {CALL}")
            index = 0
        bench.timed(series["kvittera"], incomings[index], budget, True)
        index += 1


def adopt_direction(bench: Bench) -> None:
    """A joint regional direction drafted in the conference and adopted by Regionalt
    inriktande forum (superseding the one before): everyone is to confirm it anew."""
    bench.say(bench.operator, f"!inriktning förslag {DIRECTION}")
    bench.say(bench.operator, "!inriktning föredra")
    bench.say(bench.operator, "!inriktning fastställ", channel=STRATEGIC_CHANNEL)


def setup_confirm(bench: Bench) -> None:
    bench.bind_and_register()
    bench.say(bench.operator, "!forum koppla inriktande forum", channel=STRATEGIC_CHANNEL)
    bench.activate(0)
    adopt_direction(bench)


def loop_confirm(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    incomings = [bench.incoming(rep, "!inriktning kvittera") for rep in bench.representatives]
    index = 0
    while budget.more():
        if index == len(incomings):
            adopt_direction(bench)  # everyone has confirmed: a new one, outside the stopwatch
            index = 0
        bench.timed(series["inriktning kvittera"], incomings[index], budget, True)
        index += 1


def setup_message(bench: Bench) -> None:
    bench.bind_and_register()
    bench.activate(0)
    bench.say(bench.operator, f"!budskap förslag {MESSAGE}")


def loop_message(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    # Each organisation's newer answer replaces its earlier one.
    incomings = [bench.incoming(rep, "!budskap ok 1") for rep in bench.representatives]
    index = 0
    while budget.more():
        bench.timed(series["budskap ok"], incomings[index % len(incomings)], budget, True)
        index += 1


def loop_refusal(bench: Bench, budget: Budget, series: dict[str, Series]) -> None:
    representatives = bench.representatives
    incomings = [
        bench.incoming(
            representatives[i % len(representatives)] if by_rep else bench.operator, text
        )
        for i, (by_rep, text) in enumerate(BAD_INPUTS)
    ]
    index = 0
    while budget.more():
        bench.timed(series["refusal"], incomings[index % len(incomings)], budget, False)
        index += 1


ALL_SCENARIOS = {
    "status": Scenario(
        "status",
        "(a) !status",
        setup_activated,
        loop_status,
        (("status", "commands", True),),
    ),
    "cycle": Scenario(
        "cycle",
        "(b) !aktivera / !avaktivera",
        setup_cycle,
        loop_cycle,
        (
            ("aktivera", "commands", True),
            ("avaktivera", "commands", True),
            ("cycle", "cycles", False),
        ),
    ),
    "ack": Scenario(
        "ack",
        "(c) !kvittera",
        setup_ack,
        loop_ack,
        (("kvittera", "commands", True),),
    ),
    "refusal": Scenario(
        "refusal",
        "(d) refusals",
        setup_activated,
        loop_refusal,
        (("refusal", "commands", True),),
    ),
    "confirm": Scenario(
        "confirm",
        "(e) !inriktning kvittera",
        setup_confirm,
        loop_confirm,
        (("inriktning kvittera", "commands", True),),
    ),
    "message": Scenario(
        "message",
        "(f) !budskap ok",
        setup_message,
        loop_message,
        (("budskap ok", "commands", True),),
    ),
}

ROW_TITLES = {
    "status": "(a) !status",
    "aktivera": "(b) !aktivera",
    "avaktivera": "(b) !avaktivera",
    "aktivera+avaktivera": "(b) both, per command",
    "cycle": "(b) per cycle (2 cmds)",
    "kvittera": "(c) !kvittera",
    "refusal": "(d) refusal/bad input",
    "inriktning kvittera": "(e) !inriktning kvittera",
    "budskap ok": "(f) !budskap ok",
}


@dataclass
class Options:
    seconds: float
    count: int | None
    warmup: int
    limit: int


def run_scenario(
    scenario: Scenario,
    database: Database,
    label: str,
    options: Options,
    errors: ErrorCounter,
    platform: str = PLATFORM,
) -> list[dict[str, Any]]:
    bench = Bench(database, errors, platform)
    scenario.setup(bench)
    # As bot/app.py does once started: what is loaded by now stays out of full GC passes.
    gc.collect()
    gc.freeze()
    series = {name: Series(name, unit) for name, unit, _judged in scenario.series}

    bench.recording = False
    sqlalchemy.event.listen(database.engine, "before_cursor_execute", bench.count_statement)
    try:
        scenario.loop(bench, Budget(None, options.warmup, options.warmup), series)
    finally:
        sqlalchemy.event.remove(database.engine, "before_cursor_execute", bench.count_statement)
    bench.recording = True

    budget = Budget(options.seconds, options.count, options.limit)
    scenario.loop(bench, budget, series)
    wall = time.perf_counter() - budget.started

    rows = []
    judged = {name: flag for name, _unit, flag in scenario.series}
    for name, one in series.items():
        statements = one.statements_per_command()
        if name == "cycle":
            one.errors = series["aktivera"].errors + series["avaktivera"].errors
            halves = [series[half].statements_per_command() for half in ("aktivera", "avaktivera")]
            statements = None if None in halves else sum(h for h in halves if h is not None)
        rows.append(summarise(one, label, wall, judged[name], statements))
    if scenario.key == "cycle":
        first, second = series["aktivera"], series["avaktivera"]
        both = Series(
            "aktivera+avaktivera",
            samples=first.samples + second.samples,
            errors=first.errors + second.errors,
            warm_commands=first.warm_commands + second.warm_commands,
            warm_statements=first.warm_statements + second.warm_statements,
        )
        rows.insert(2, summarise(both, label, wall, True, both.statements_per_command()))
    return rows


# -- databases -----------------------------------------------------------------------------------


def sqlite_template(directory: Path) -> Path:
    """A database migrated and seeded as on a first production start, checkpointed."""
    path = directory / "template.db"
    database = Database(f"sqlite:///{path}")
    database.prepare(SEEDED_AT)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def sqlite_copy(template: Path, directory: Path, name: str) -> Database:
    path = directory / f"{name}.db"
    shutil.copyfile(template, path)
    # As the running bot opens it (bot/app.py): WAL checkpoints in a background thread.
    database = Database(f"sqlite:///{path}", background_checkpoints=True)
    database.prepare(START_AT)  # what every start does: a no-op migration, no seeding
    with database.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    if mode != "wal":
        raise SetupError(f"expected journal_mode=wal on {path}, got {mode!r}")
    return database


# -- machine and output --------------------------------------------------------------------------


def format_count(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def print_table(result: dict[str, Any]) -> None:
    machine = result["machine"]
    config = result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    print(f"SQLite files (WAL) on: {machine.get('sqlite_filesystem') or 'unknown'}")
    run_for = f"{config['count']} commands" if config["count"] else f"{config['seconds']:g} s"
    print(
        f"Each scenario: {config['warmup']} warm-up commands, then {run_for} "
        f"(at most {config['limit']}); cmd/s = commands / time inside Dispatcher.handle;\n"
        "SQL = statements sent per command, counted during the warm-up."
    )
    print(
        f"Targets (from the issue): p99 under {P99_TARGET_MS:g} ms and at least "
        f"{THROUGHPUT_TARGET:g} commands/s on this 2-core machine."
    )
    print()
    header = (
        f"{'scenario':<26} {'db':<10} {'commands':>8} {'cmd/s':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'SQL':>5} {'errors':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for row in result["scenarios"]:
        title = ROW_TITLES.get(row["scenario"], row["scenario"])
        print(
            f"{title:<26} {row['database']:<10} {row['count']:>8} "
            f"{row['per_s']:>7.0f} {format_ms(row['p50_ms']):>8} {format_ms(row['p95_ms']):>8} "
            f"{format_ms(row['p99_ms']):>8} {format_ms(row['max_ms']):>8} "
            f"{format_count(row['sql_statements']):>5} {row['errors']:>6}  "
            f"{row['verdict']}"
        )
    if any(row["unit"] == "cycles" for row in result["scenarios"]):
        print("(b) per cycle: commands and cmd/s count cycles; latencies are per cycle.")
    if result.get("postgres_error"):
        print()
        print(f"PostgreSQL could not be measured: {result['postgres_error']}")
    if result.get("first_error"):
        print()
        print("First internal error logged by the product:")
        print(result["first_error"])


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Commands per second and latency through the dispatcher (SQLite file, WAL)."
    )
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="wall time per scenario (default 3)"
    )
    parser.add_argument(
        "--count", type=int, default=None, help="timed commands per scenario instead of --seconds"
    )
    parser.add_argument(
        "--warmup", type=int, default=100, help="untimed commands per scenario first (100)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=200_000,
        help="never more than this many timed commands per scenario (200000)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="run only this scenario (repeatable); default all",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run (b) on this PostgreSQL database (it is migrated, seeded if empty, "
        "and written to: use a throwaway database)",
    )
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="also run (b) on a PostgreSQL cluster started for this run and removed after "
        "it (needs PostgreSQL's binaries, as the test suite does)",
    )
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the temporary SQLite directory goes (default: the system's, e.g. /tmp); "
        "put it on the disk production uses to measure that disk's fsyncs",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.seconds > 0):
        parser.error("--seconds must be positive")
    if args.count is not None and args.count < 1:
        parser.error("--count must be at least 1")
    if args.warmup < 0 or args.limit < 1:
        parser.error("--warmup must be >= 0 and --limit >= 1")
    return args


def run_postgres(url: str, options: Options, errors: ErrorCounter) -> list[dict[str, Any]]:
    """Scenario (b) on the PostgreSQL database at ``url`` (migrated, seeded when empty)."""
    database = Database(url)
    try:
        database.prepare(SEEDED_AT)
        # Its own platform, so earlier runs' people and bindings do not interfere.
        platform_id = f"bench-{uuid.uuid4().hex[:8]}"
        cycle = ALL_SCENARIOS["cycle"]
        return run_scenario(cycle, database, "postgresql", options, errors, platform_id)
    finally:
        database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    options = Options(args.seconds, args.count, args.warmup, args.limit)
    chosen = args.scenario or list(SCENARIOS)

    errors = ErrorCounter()
    errors.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in ERROR_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(errors)
        logger.propagate = False

    machine = machine_info()
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="samverkan-bench-", dir=args.tmpdir) as temp:
            directory = Path(temp)
            machine["sqlite_filesystem"] = filesystem_of(directory)
            progress(f"preparing a migrated, seeded SQLite template in {directory}")
            template = sqlite_template(directory)
            for key in SCENARIOS:
                if key not in chosen:
                    continue
                scenario = ALL_SCENARIOS[key]
                progress(f"running {scenario.title} on SQLite")
                database = sqlite_copy(template, directory, key)
                try:
                    rows.extend(run_scenario(scenario, database, "sqlite", options, errors))
                finally:
                    database.dispose()
    except SetupError as error:
        progress(f"setup failed: {error}")
        return 2

    if args.throwaway_postgres and not args.postgres:
        from tests.support.postgres import PostgresServer

        progress("starting a throwaway PostgreSQL cluster")
        with PostgresServer() as server:
            args.postgres = server.create_database("bench")
            return report(args, options, errors, machine, rows)
    return report(args, options, errors, machine, rows)


def report(
    args: argparse.Namespace,
    options: Options,
    errors: ErrorCounter,
    machine: dict[str, Any],
    rows: list[dict[str, Any]],
) -> int:
    """Run (b) on PostgreSQL when asked, then print everything."""
    postgres_error: str | None = None
    if args.postgres:
        progress("running (b) !aktivera / !avaktivera on PostgreSQL")
        try:
            rows.extend(run_postgres(args.postgres, options, errors))
        except (SetupError, sqlalchemy.exc.SQLAlchemyError) as error:
            # Keep the SQLite figures; say why PostgreSQL could not be measured.
            postgres_error = f"{type(error).__name__}: {error}".splitlines()[0]
            progress(f"PostgreSQL run failed: {postgres_error}")

    result: dict[str, Any] = {
        "machine": machine,
        "targets": {"p99_ms_below": P99_TARGET_MS, "commands_per_s_at_least": THROUGHPUT_TARGET},
        "config": {
            "seconds": None if options.count else options.seconds,
            "count": options.count,
            "warmup": options.warmup,
            "limit": options.limit,
            "clock_step_s": 1,
            "representatives": len(ORGANISATIONS),
            "acknowledged_before_status": ACKED_BEFORE_STATUS,
        },
        "scenarios": rows,
        "internal_errors": errors.count,
        "first_error": errors.first,
        "postgres_error": postgres_error,
    }
    if args.json:
        print(json.dumps(no_nan(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print_table(result)
    return 2 if postgres_error else 0


if __name__ == "__main__":
    sys.exit(main())

"""How long an activation's record (``!efterhand``) takes for a big activation.

Run from the project root::

    .venv/bin/python benchmarks/record.py                  # 100 timed runs of each kind
    .venv/bin/python benchmarks/record.py --count 300 --json

The requirement (issue 20): the record of an activation with 40 organisations and 50 report
rounds under 200 ms. A migrated and seeded SQLite database (WAL, as the bot opens it) gets 40
organisations in Regional samverkanskonferens, a representative for each and an ersättare
for ten, and then one activation played through the real ``Dispatcher`` with the clock
moved: 38 called in, acknowledgements by ordinarie, by ersättare after the re-call and late
ones after the coordinators were told, two released, two called in later, one never
acknowledging, reports to the activation's round, a rhythm of 49 meetings (each with its
round, most organisations reporting), a meeting held at every fifth, a picture published at
every tenth, and the stand-down. Then, taking turns, many repetitions of:

- ``!efterhand`` through the dispatcher (a new message each time; the reply not rendered);
- ``compile_record`` alone, in a read-only unit of work (``Database.reading``);
- ``export efterhand --format html`` (``load_record`` + ``render_record``: the charts drawn by
  matplotlib, SVG and PNG) and ``--format md``, as the command line does without the file.

It prints PASS/FAIL against 200 ms at p99 and exits 0 either way; 2 when the activation could
not be played. See benchmarks/README.md.
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
from bot.export.record_export import render_record
from bot.export.source import RecordQuery, load_record
from bot.files import files_of
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Reply, Speaker
from commands.record import compile_record, record_activation
from storage import AuditContext, Database
from storage.models import Category

TARGET_MS = 200.0

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEEDED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=STOCKHOLM)
ACTIVATED_AT = datetime(2026, 11, 23, 8, 0, tzinfo=STOCKHOLM)
PLATFORM = "bench"
CHANNEL = "stab"
FORUM = "samverkanskonferens"
OPERATOR = "operator"
CONFIG = CoreConfig(bot_admins=frozenset({f"{PLATFORM}:{OPERATOR}"}))
ORGANISATIONS = 40
# The seed has 37 organisations, all taking part in every forum; these make 40.
EXTRA_ORGANISATIONS: tuple[tuple[str, Category, list[str]], ...] = (
    ("Svenska kraftnät", Category.OTHER, ["SvK"]),
    ("Ellevio", Category.OTHER, []),
    ("Stockholm Vatten och Avfall", Category.OTHER, ["SVOA"]),
)
RHYTHM_MEETINGS = 49  # with the activation's own round: 50 rounds
MISSING_PER_ROUND = 5  # of the 38 counted at the end, these do not report to a round
KINDS = ("command", "compile", "export_html", "export_md", "chat_charts")
TITLES = {
    "command": "!efterhand (dispatcher)",
    "compile": "compile_record alone",
    "export_html": "export efterhand html",
    "export_md": "export efterhand md",
    "chat_charts": "charts as PNG (chat)",
}
ERROR_LOGGERS = ("commands", "storage", "bot")


class SetupError(RuntimeError):
    """The product refused a step of the activation, or did not store what was played."""


# -- driving the dispatcher ----------------------------------------------------------------------


def speaker(user: str, organisation: str | None = None) -> Speaker:
    return Speaker(PLATFORM, user, user, organisation_hint=organisation)


OPERATOR_SPEAKER = speaker(OPERATOR)


@dataclass
class Driver:
    """One dispatcher on one database; every command at a time the caller sets."""

    database: Database
    clock: FixedClock = field(default_factory=lambda: FixedClock(SEEDED_AT))
    events: int = 0

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(self.database, self.clock, CONFIG)

    def incoming(self, who: Speaker, text: str) -> Incoming:
        self.events += 1
        event_id = f"$bench{self.events}"
        return Incoming(
            PLATFORM, CHANNEL, who, text, event_id=event_id, route={"reply_to": event_id}
        )

    def say(self, who: Speaker, text: str, at: datetime | None = None) -> Reply:
        if at is not None:
            self.clock.set(at)
        reply = self.dispatcher.handle(self.incoming(who, text))
        if reply is None or not reply.ok:
            said = render_text(reply.document) if reply else "(no reply)"
            raise SetupError(
                f"{who.user_id} at {self.clock.now():%Y-%m-%d %H:%M}: {text!r}:\n{said}"
            )
        return reply


def context(at: datetime) -> AuditContext:
    return AuditContext(PLATFORM, CHANNEL, OPERATOR, OPERATOR, at)


def forty_organisations(database: Database, at: datetime = SEEDED_AT) -> list[str]:
    """The forum's 40 organisations' names, in id order (three added to the seed's 37)."""
    with database.unit_of_work(context(at)) as store:
        forum = next(f for f in store.forums.all() if f.slug == FORUM)
        existing = {o.name for o in store.forums.participants(forum)}
        for name, category, aliases in EXTRA_ORGANISATIONS:
            if name not in existing:
                store.forums.add_participant(
                    forum, store.organisations.create(name, category, aliases)
                )
        names = [o.name for o in sorted(store.forums.participants(forum), key=lambda o: o.id or 0)]
    if len(names) != ORGANISATIONS:
        raise SetupError(f"expected {ORGANISATIONS} organisations, found {len(names)}")
    return names


def report_text(organisation: str, number: int) -> str:
    return (
        f"Läge: {organisation} har förhöjd beredskap, omgång {number}.\n"
        "Konsekvenser: Begränsad påverkan på verksamheten.\n"
        "Behov: Inga särskilda behov."
    )


def play_activation(driver: Driver, names: list[str]) -> dict[str, int]:
    """The activation described in the module's docstring; what was played, counted."""
    reps = [speaker(f"rep{i:02d}", name) for i, name in enumerate(names, start=1)]
    deputies = {i: speaker(f"dep{i:02d}") for i in range(24, 34)}
    at = ACTIVATED_AT - timedelta(days=1)
    driver.say(OPERATOR_SPEAKER, f"!forum koppla {FORUM}", at)
    for rep in reps:
        driver.say(rep, "!aktör")
    for i, deputy in deputies.items():
        driver.say(deputy, f"!aktör {names[i]} ersättare")
    called = names[:38]
    driver.say(
        OPERATOR_SPEAKER,
        "!aktivera Omfattande elavbrott i södra länet kalla: " + ", ".join(called),
        ACTIVATED_AT,
    )
    minute = timedelta(minutes=1)
    acks = 0
    for i in range(24):  # ordinarie, within the first ten minutes
        driver.say(reps[i], "!kvittera", ACTIVATED_AT + minute + i * timedelta(seconds=20))
        acks += 1
    for i in range(24, 32):  # ersättare, after the re-call at ten minutes
        driver.say(deputies[i], "!kvittera", ACTIVATED_AT + (12 + i - 24) * minute)
        acks += 1
    for i in range(10):  # to the activation's own round, before the rhythm is set
        driver.say(reps[i], f"!läge {report_text(names[i], 0)}", ACTIVATED_AT + (15 + i) * minute)
    for i in range(32, 35):  # ordinarie, after the coordinators were told
        driver.say(reps[i], "!kvittera", ACTIVATED_AT + (25 + i - 32) * minute)
        acks += 1
    driver.say(OPERATOR_SPEAKER, f"!kalla in {names[38]}, {names[39]}", ACTIVATED_AT + 30 * minute)
    for i in (38, 39):
        driver.say(reps[i], "!kvittera", ACTIVATED_AT + (33 + i - 38) * minute)
        acks += 1
    driver.say(OPERATOR_SPEAKER, f"!släpp {names[35]}, {names[36]}", ACTIVATED_AT + 40 * minute)
    # names[37] never acknowledges. The rhythm: a meeting every other hour from 10:00.
    driver.say(OPERATOR_SPEAKER, "!rytm varannan timme från 10:00", ACTIVATED_AT + 45 * minute)
    counted = [i for i in range(ORGANISATIONS) if i not in (35, 36)]
    reports = 10
    meetings = pictures = 0
    first = ACTIVATED_AT.replace(hour=10)
    for number in range(1, RHYTHM_MEETINGS + 1):
        meeting_at = first + (number - 1) * timedelta(hours=2)
        missing = {counted[(number * 7 + k) % len(counted)] for k in range(MISSING_PER_ROUND)}
        sending = [i for i in counted if i not in missing]
        for position, i in enumerate(sending):
            sent = meeting_at - timedelta(minutes=50) + position * timedelta(seconds=60)
            driver.say(reps[i], f"!läge {report_text(names[i], number)}", sent)
            reports += 1
        if number % 10 == 0:
            driver.say(OPERATOR_SPEAKER, "!lägesbild publicera", meeting_at - 5 * minute)
            pictures += 1
        if number % 5 == 0:
            driver.say(OPERATOR_SPEAKER, "!möte start", meeting_at)
            driver.say(OPERATOR_SPEAKER, "!möte slut", meeting_at + 30 * minute)
            meetings += 1
    end = first + RHYTHM_MEETINGS * timedelta(hours=2) - timedelta(minutes=30)
    driver.say(OPERATOR_SPEAKER, "!avaktivera Strömmen åter i hela länet", end)
    driver.clock.set(end + timedelta(days=1))
    return {
        "acknowledgements": acks,
        "reports": reports,
        "meetings": meetings,
        "pictures": pictures,
        "commands": driver.events,
    }


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class Bench:
    database: Database
    driver: Driver
    errors: ErrorCounter
    samples: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def shape(self) -> dict[str, Any]:
        """What the record holds: it must be the activation asked for."""
        with self.database.reading(context(self.driver.clock.now())) as store:
            forum = store.forums.for_channel(PLATFORM, CHANNEL)
            assert forum is not None
            activation = record_activation(store, forum, None)
            assert activation is not None
            record = compile_record(store, forum, activation, CONFIG.activation_recall_minutes)
        f = record.figures
        if f.called != ORGANISATIONS - 2 or len(f.rounds) != RHYTHM_MEETINGS + 1:
            raise SetupError(f"the record has {f.called} called and {len(f.rounds)} rounds")
        return {
            "organisations_counted": f.called,
            "rounds": len(f.rounds),
            "timeline_entries": len(record.entries),
            "acknowledged": f.acknowledged,
            "never_acknowledged": len(f.never_acknowledged),
            "kinds": sorted({entry.kind for entry in record.entries}),
        }

    def once(self, kind: str, record: bool) -> None:
        now = self.driver.clock.now()
        logged = self.errors.count
        ok = True
        if kind == "command":
            incoming = self.driver.incoming(OPERATOR_SPEAKER, "!efterhand")
            began = time.perf_counter_ns()
            reply = self.driver.dispatcher.handle(incoming)
            took = time.perf_counter_ns() - began
            ok = reply is not None and reply.ok
        elif kind == "compile":
            with self.database.reading(context(now)) as store:
                forum = store.forums.for_channel(PLATFORM, CHANNEL)
                assert forum is not None
                activation = record_activation(store, forum, None)
                assert activation is not None
                began = time.perf_counter_ns()
                compile_record(store, forum, activation, CONFIG.activation_recall_minutes)
                took = time.perf_counter_ns() - began
        elif kind == "chat_charts":
            # What a door does with the answer's attachments: the charts drawn as PNG.
            incoming = self.driver.incoming(OPERATOR_SPEAKER, "!efterhand")
            reply = self.driver.dispatcher.handle(incoming)
            assert reply is not None
            began = time.perf_counter_ns()
            files = files_of(reply.attachments)
            took = time.perf_counter_ns() - began
            ok = len(files) == 2 and all(f.content.startswith(b"\x89PNG") for f in files)
        else:
            fmt = kind.removeprefix("export_")
            began = time.perf_counter_ns()
            kept = load_record(
                self.database, RecordQuery(FORUM), now, CONFIG.activation_recall_minutes
            )
            text = render_record(kept.record, fmt, kept.language, kept.timezone, now)
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
        tempfile.TemporaryDirectory(prefix="samverkan-record-", dir=options.tmpdir) as temp,
    ):
        path = Path(temp) / "record.db"
        database = Database(f"sqlite:///{path}", background_checkpoints=True)
        try:
            began = time.perf_counter()
            database.prepare(SEEDED_AT)
            driver = Driver(database)
            played = play_activation(driver, forty_organisations(database))
            progress(f"played the activation in {time.perf_counter() - began:.1f} s: {played}")
            bench = Bench(database, driver, errors)
            shape = bench.shape()
            time_kinds(bench.once, KINDS, options)
        finally:
            database.dispose()
    return {
        "machine": machine_info(),
        "target_ms": TARGET_MS,
        "played": played,
        "record": shape,
        "rows": [summarise(bench, kind) for kind in KINDS],
        "first_error": errors.first,
    }


def print_table(result: dict[str, Any]) -> None:
    machine = result["machine"]
    print(machine_line(machine))
    shape, played = result["record"], result["played"]
    print(
        f"The record: {shape['organisations_counted']} organisations counted, "
        f"{shape['rounds']} rounds, {shape['timeline_entries']} timeline entries "
        f"({played['reports']} reports, {played['meetings']} meetings, "
        f"{played['pictures']} pictures; {played['commands']} commands played). "
        f"Target: p99 under {TARGET_MS:g} ms."
    )
    print()
    print_timings(result, TITLES)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return timing_arguments(
        (__doc__ or "").splitlines()[0], "!efterhand and of compile_record", argv
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        result = run(args)
    except SetupError as error:
        progress(f"could not play the activation: {error}")
        return 2
    emit(result, args.json, print_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

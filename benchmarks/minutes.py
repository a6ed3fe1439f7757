"""How long the minutes (protokoll) of a 300-item meeting take to compile and render, in
every format the bot writes them.

Run from the project root::

    .venv/bin/python benchmarks/minutes.py                        # SQLite, 100 runs
    .venv/bin/python benchmarks/minutes.py --throwaway-postgres   # and compiling on PostgreSQL
    .venv/bin/python benchmarks/minutes.py --count 200 --json

The target: rendering the minutes of a 300-item meeting in all formats takes under 100 ms,
judged on the p99 of the total per run. The meeting (built with the storage API, as the
commands write it, on a database migrated and seeded with ``Database.prepare``): 300 items
(12 agenda topics, 173 info, 50 decisions, 60 actions with owners, most with due times, 5
items raised to other forums), 40 attendees from 40 organisations, a follow-up of 10 open
actions from the previous meeting and 2 items raised from the Regional chefsgrupp, and the
round's joint situation picture of 40 organisations (``benchmarks/picture.py``'s data).
Each run, timed step by step (``time.perf_counter_ns``):

- compile: ``minutes_of`` in a read-only unit of work (``Database.reading``);
- the chat documents: ``minutes_document`` in full and shortened (what the channel gets);
- each door, both documents: ``render_text``, ``render_matrix_messages``,
  ``render_slack_messages``;
- the files: ``render_minutes`` as Markdown, HTML and JSON (``bot/export/minutes_export.py``).

"all formats" is the sum of every step but compiling. This is a measurement, not a test: it
prints PASS/FAIL against the target and exits 0 either way; it exits 2 when the meeting could
not be built or did not come out as built. See benchmarks/README.md for the figures.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))


from benchmarks.common import (
    emit,
    machine_info,
    measure_each,
    percentile,
    progress,
    stop_on_sigterm,
)
from benchmarks.picture import (
    EVENTS,
    ORGANISATIONS,
    OTHERS,
    ROADS,
    SetupError,
    World,
    context,
    fill_current,
    forum_of,
    load_world,
    meeting_at,
    prepare_base,
    settle,
)
from bot.export.minutes_export import minutes_from_json, render_minutes
from bot.render.matrix import render_matrix_messages
from bot.render.slack import render_slack_messages
from bot.render.text import render_text
from commands.meeting import close_meeting_round
from commands.minutes.agenda import agenda_titles
from commands.minutes.record import Minutes, minutes_of
from commands.minutes.render import minutes_document
from storage import Database, Store
from storage.models import Forum, ItemKind, Meeting, MeetingItem, Mode, Person

# -- the target (from the issue) -----------------------------------------------------------------

TOTAL_P99_TARGET_MS = 100.0

# -- the meeting ---------------------------------------------------------------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LANGUAGE = "sv"
MEETING = meeting_at(0)  # Thursday 2026-11-26 16:00, the round benchmarks/picture.py fills
PREVIOUS = meeting_at(1)  # the week before: the actions still open come back as follow-up
ITEMS = 300
EXTRA_TOPICS = ("Övrigt: vinterberedskap", "Övrigt: övning i februari", "Övrigt: kontaktlistor")
ACTIONS = 60
PERSON_OWNERS = 10  # of the actions; the others are an organisation's
ESCALATIONS = 5
DECISIONS = 50
ITEM_SECONDS = 20  # one item every 20 seconds: 300 items in 100 minutes
PREVIOUS_OPEN_ACTIONS = 10
RAISED_TO_US = 2  # items the Regional chefsgrupp raised to the samverkanskonferens
RAISING_FORUM = "chefsgrupp"
ESCALATION_TARGETS = ("chefsgrupp", "inriktande-forum", "samordningsgrupp")
SEED = "minutes-benchmark"

STEPS = (
    "compile",
    "document full",
    "document short",
    "text",
    "matrix",
    "slack",
    "markdown",
    "html",
    "json",
)
RENDER_STEPS = STEPS[1:]
STEP_TITLES = {
    "compile": "compile (minutes_of)",
    "document full": "chat document, full",
    "document short": "chat document, short",
    "text": "terminal, both docs",
    "matrix": "Matrix, both docs",
    "slack": "Slack, both docs",
    "markdown": "file: Markdown",
    "html": "file: HTML",
    "json": "file: JSON",
    "render total": "all formats",
    "total": "compile + all formats",
}

INFO = (
    "{org} rapporterar {event}: läget är under kontroll, {n} ärenden under dygnet.",
    "SMHI:s prognos: risk för fortsatt påverkan av {event} till {day}.",
    "Framkomligheten på {road} är begränsad, omledning skyltad. Räkna med {n} minuters extra "
    "restid.",
    "{org} har förstärkt bemanningen i ledningscentralen.\n"
    "Kontakt hålls med {other} två gånger om dagen.\n"
    "Nästa avstämning {day} kl {hh}.00.",
    "Krisinformation.se uppdateras med de samordnade budskapen om {event}.",
    "{org}: inga störningar i den samhällsviktiga verksamheten.",
)
DECISION = (
    "Gemensamt budskap om {event} tas fram av {other} och publiceras på Krisinformation.se.",
    "Forumet följer läget; nästa avstämning {day} kl {hh}.00.",
    "{org} samordnar informationen till allmänheten om {event}.",
    "Aktörerna delar sina lägesbilder med {other} inför {day}.",
)
ACTION = (
    "Ta fram en trafikplan för {road}",
    "Sammanställ behovet av reservkraft i {org}s verksamhet",
    "Kontakta {other} om gemensam lägesbild för {event}",
    "Uppdatera kontaktlistan och skicka den till forumets funktionsbrevlåda",
    "Förbered underlag om {event} till nästa möte",
)
ESCALATION = (
    "Behov av samordnad kommunikation om {event} i hela länet.",
    "Fråga om prioritering av reservkraft mellan kommunerna efter {event}.",
)
DAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag")


def phrase(rng: random.Random, templates: Sequence[str], org: str) -> str:
    return rng.choice(templates).format(
        org=org,
        n=rng.randint(2, 40),
        hh=rng.randint(7, 18),
        event=rng.choice(EVENTS),
        road=rng.choice(ROADS),
        other=rng.choice(OTHERS),
        day=rng.choice(DAYS),
    )


def item_kinds(rng: random.Random) -> list[ItemKind]:
    """The 300 items' kinds in order: the standing agenda's topics and three more spread
    evenly (the first item is the opening, as ``!möte start`` notes it), the rest mixed."""
    topics = len(agenda_titles(Mode.ORDINARY, MEETING, STOCKHOLM, LANGUAGE)) + len(EXTRA_TOPICS)
    notes = [ItemKind.ACTION] * ACTIONS + [ItemKind.ESCALATION] * ESCALATIONS
    notes += [ItemKind.DECISION] * DECISIONS
    notes += [ItemKind.INFO] * (ITEMS - topics - len(notes))
    rng.shuffle(notes)
    kinds: list[ItemKind] = []
    per_topic = len(notes) / topics
    for index in range(topics):
        kinds.append(ItemKind.TOPIC)
        kinds.extend(notes[round(index * per_topic) : round((index + 1) * per_topic)])
    assert len(kinds) == ITEMS
    return kinds


@dataclass
class Built:
    forum_id: int
    number: int
    shape: dict[str, int] = field(default_factory=dict)


def forum_named(store: Store, slug: str) -> Forum:
    for forum in store.forums.all():
        if forum.slug == slug:
            return forum
    raise SetupError(f"the seed has no forum {slug!r}")


def person(store: Store, world: World, position: int) -> Person:
    org_id, _name = world.organisations[position % len(world.organisations)]
    found = store.people.get(world.person_of[org_id])
    assert found is not None
    return found


def build_meeting(database: Database, world: World, round_id: int) -> Built:
    """The previous meeting with open actions, two items raised to the forum from another,
    and the measured meeting: 300 items, one unit of work each, as the commands write them."""
    rng = random.Random(SEED)
    # The previous meeting: actions still open when the measured one begins.
    with database.unit_of_work(context("rep01", PREVIOUS)) as store:
        forum = forum_of(store)
        previous = store.meetings.start(
            forum,
            "Samverkanskonferens v. 47",
            store.ensure_me(),
            platform="console",
            channel_id="samverkan",
            report_round=None,
        )
        topic = store.meetings.add_item(
            previous, ItemKind.TOPIC, "Inledning", store.ensure_me(), topic=None
        )
        for number in range(PREVIOUS_OPEN_ACTIONS):
            org_id, org_name = world.organisations[number * 3]
            organisation = store.organisations.get(org_id)
            text = phrase(rng, ACTION, org_name)
            item = store.meetings.add_item(
                previous, ItemKind.ACTION, text, store.ensure_me(), topic=topic
            )
            store.actions.add(
                previous,
                item,
                text=text,
                owner_name=org_name,
                owner_organisation=organisation,
                due_at=MEETING + timedelta(days=number - 5, hours=2),
            )
    with database.unit_of_work(context("rep01", PREVIOUS + timedelta(hours=1))) as store:
        previous_meeting = store.meetings.open(forum_of(store))
        assert previous_meeting is not None
        store.meetings.end(previous_meeting, store.ensure_me())
    # The Regional chefsgrupp raises two items to the samverkanskonferens.
    raised_at = MEETING - timedelta(days=2)
    with database.unit_of_work(context("rep02", raised_at)) as store:
        chefs = forum_named(store, RAISING_FORUM)
        ours = forum_of(store)
        theirs = store.meetings.start(
            chefs,
            "Chefsgrupp",
            store.ensure_me(),
            platform="console",
            channel_id="chefer",
            report_round=None,
        )
        for _ in range(RAISED_TO_US):
            text = phrase(rng, ESCALATION, "Region Stockholm")
            item = store.meetings.add_item(
                theirs, ItemKind.ESCALATION, text, store.ensure_me(), topic=None
            )
            link = "https://chat.example/samverkan/chefer/p1732000000"
            store.escalations.add(theirs, item, ours, text, store.ensure_me(), link)
        store.meetings.end(theirs, store.ensure_me())
    # The measured meeting.
    with database.unit_of_work(context("rep01", MEETING)) as store:
        forum = forum_of(store)
        report_round = store.reports.round_by_id(round_id)
        meeting = store.meetings.start(
            forum,
            "Samverkanskonferens v. 48",
            store.ensure_me(),
            platform="console",
            channel_id="samverkan",
            report_round=report_round,
        )
        if report_round is not None:
            store.reports.hold_open(report_round)
        store.escalations.take_up(store.escalations.pending(forum), meeting)
        for position in range(len(world.organisations)):
            rep = person(store, world, position)
            organisation = store.organisations.get(rep.organisation_id or 0)
            store.meetings.attend(meeting, rep, organisation, announced=position % 2 == 0)
        number = meeting.number
        forum_id = forum.id
        assert forum_id is not None
    agenda = agenda_titles(Mode.ORDINARY, MEETING, STOCKHOLM, LANGUAGE) + list(EXTRA_TOPICS)
    topics = iter(agenda)
    actions = 0
    for index, kind in enumerate(item_kinds(rng)):
        at = MEETING + timedelta(seconds=ITEM_SECONDS * index)
        speaker = rng.randrange(len(world.organisations))
        user = world.user_of[world.organisations[speaker][0]]
        with database.unit_of_work(context(user, at)) as store:
            add_item(store, world, number, kind, topics, rng, actions)
        actions += kind is ItemKind.ACTION
    ended_at = MEETING + timedelta(seconds=ITEM_SECONDS * ITEMS + 300)
    with database.unit_of_work(context("rep01", ended_at)) as store:
        meeting_now = store.meetings.open(forum_of(store))
        assert meeting_now is not None
        store.meetings.end(meeting_now, store.ensure_me())
        close_meeting_round(store, meeting_now)
    return Built(forum_id, number)


def add_item(
    store: Store,
    world: World,
    number: int,
    kind: ItemKind,
    topics: Iterator[str],
    rng: random.Random,
    actions: int,
) -> MeetingItem:
    forum = forum_of(store)
    meeting = store.meetings.by_number(forum, number)
    assert meeting is not None
    organisation = store.my_organisation()
    org_name = organisation.name if organisation else "Länsstyrelsen"
    if kind is ItemKind.TOPIC:
        return store.meetings.add_item(meeting, kind, next(topics), store.ensure_me(), topic=None)
    topic = store.meetings.current_topic(meeting)
    if kind is ItemKind.INFO:
        text = phrase(rng, INFO, org_name)
    elif kind is ItemKind.DECISION:
        text = phrase(rng, DECISION, org_name)
    elif kind is ItemKind.ESCALATION:
        text = phrase(rng, ESCALATION, org_name)
    else:
        owner_id, owner_name = world.organisations[rng.randrange(len(world.organisations))]
        text = phrase(rng, ACTION, owner_name)
    item = store.meetings.add_item(meeting, kind, text, store.ensure_me(), topic=topic)
    if kind is ItemKind.ESCALATION:
        target = forum_named(store, ESCALATION_TARGETS[rng.randrange(len(ESCALATION_TARGETS))])
        store.escalations.add(meeting, item, target, text, store.ensure_me(), None)
    elif kind is ItemKind.ACTION:
        add_action(store, world, meeting, item, text, owner_id, owner_name, rng, actions)
    return item


def add_action(
    store: Store,
    world: World,
    meeting: Meeting,
    item: MeetingItem,
    text: str,
    owner_id: int,
    owner_name: str,
    rng: random.Random,
    actions: int,
) -> None:
    """Every sixth action is a person's; four in five have a due time, within two weeks."""
    due = None
    if actions % 5:
        due = MEETING + timedelta(days=rng.randint(1, 14), hours=rng.choice((-4, -2, 0, 1)))
    if actions % 6 == 0 and actions // 6 < PERSON_OWNERS:
        owner = store.people.get(world.person_of[owner_id])
        assert owner is not None
        store.actions.add(
            meeting,
            item,
            text=text,
            owner_name=owner.display_name,
            owner_person=owner,
            due_at=due,
        )
        return
    organisation = store.organisations.get(owner_id)
    store.actions.add(
        meeting,
        item,
        text=text,
        owner_name=owner_name,
        owner_organisation=organisation,
        due_at=due,
    )


# -- measuring -----------------------------------------------------------------------------------


class Bench:
    """One database with the meeting; one run compiles and renders everything once."""

    def __init__(self, database: Database, label: str, built: Built) -> None:
        self.database = database
        self.label = label
        self.built = built
        self.context = context("rep01", MEETING + timedelta(hours=3))
        self.samples: dict[str, list[int]] = {step: [] for step in STEPS}
        self.totals: list[int] = []
        self.render_totals: list[int] = []
        self.errors = 0
        self.expected: tuple[int, ...] = ()

    def compile(self) -> Minutes:
        with self.database.reading(self.context) as store:
            forum = store.forums.get(self.built.forum_id)
            assert forum is not None
            meeting = store.meetings.by_number(forum, self.built.number)
            assert meeting is not None
            return minutes_of(store, meeting, LANGUAGE)

    def once(self) -> tuple[list[int], tuple[int, ...], Minutes, dict[str, str]]:
        """Every step once: the time of each, the size of each output (to check the run)."""
        marks = [time.perf_counter_ns()]
        minutes = self.compile()
        marks.append(time.perf_counter_ns())
        full = minutes_document(minutes, LANGUAGE, full=True)
        marks.append(time.perf_counter_ns())
        short = minutes_document(minutes, LANGUAGE, full=False)
        marks.append(time.perf_counter_ns())
        text = (render_text(full), render_text(short))
        marks.append(time.perf_counter_ns())
        matrix = (render_matrix_messages(full), render_matrix_messages(short))
        marks.append(time.perf_counter_ns())
        slack = (render_slack_messages(full), render_slack_messages(short))
        marks.append(time.perf_counter_ns())
        files = {}
        for fmt in ("md", "html", "json"):
            files[fmt] = render_minutes(minutes, fmt, LANGUAGE)
            marks.append(time.perf_counter_ns())
        steps = [after - before for before, after in itertools.pairwise(marks)]
        sizes = (
            len(full.blocks),
            len(short.blocks),
            len(text[0]),
            len(text[1]),
            len(matrix[0]),
            len(matrix[1]),
            len(slack[0]),
            len(slack[1]),
            *(len(files[fmt]) for fmt in ("md", "html", "json")),
        )
        return steps, sizes, minutes, files

    def check(self) -> None:
        """The minutes are the meeting as built, and the JSON file reads back to them."""
        _steps, sizes, minutes, files = self.once()
        entries = sum(len(section.entries) for section in minutes.sections)
        attendees = sum(len(people) for _, people in minutes.attendance)
        kinds = [entry.kind for section in minutes.sections for entry in section.entries]
        picture = minutes.picture
        problems = [
            f"{what}: {found} (expected {wanted})"
            for what, found, wanted in (
                ("items", entries + len(minutes.sections), ITEMS),
                ("actions", len(minutes.actions), ACTIONS),
                ("escalations", kinds.count("escalation"), ESCALATIONS),
                ("decisions", kinds.count("decision"), DECISIONS),
                ("attendees", attendees, ORGANISATIONS),
                ("follow-up actions", len(minutes.follow_up_actions), PREVIOUS_OPEN_ACTIONS),
                ("items raised to us", len(minutes.follow_up_escalations), RAISED_TO_US),
                ("picture reports", len(picture.reports) if picture else 0, ORGANISATIONS),
                ("picture missing", len(picture.missing) if picture else -1, 0),
            )
            if found != wanted
        ]
        if minutes_from_json(json.loads(files["json"])) != minutes:
            problems.append("the JSON file does not read back to the compiled minutes")
        if problems:
            raise SetupError("the minutes are not the meeting as built: " + "; ".join(problems))
        self.expected = sizes
        due = sum(1 for action in minutes.actions if action.due_at is not None)
        owners = len(minutes.actions_by_owner())
        self.built.shape = {
            "items": ITEMS,
            "topics": len(minutes.sections),
            "actions": len(minutes.actions),
            "actions_due": due,
            "owners": owners,
            "attendees": attendees,
            "picture_reports": len(picture.reports) if picture else 0,
            "full_blocks": sizes[0],
            "short_blocks": sizes[1],
            "full_text_chars": sizes[2],
            "short_text_chars": sizes[3],
            "matrix_messages_full": sizes[4],
            "matrix_messages_short": sizes[5],
            "slack_messages_full": sizes[6],
            "slack_messages_short": sizes[7],
            "markdown_chars": sizes[8],
            "html_chars": sizes[9],
            "json_chars": sizes[10],
        }

    def run(self, record: bool) -> None:
        steps, sizes, _minutes, _files = self.once()
        if not record:
            return
        for name, took in zip(STEPS, steps, strict=True):
            self.samples[name].append(took)
        self.render_totals.append(sum(steps[1:]))
        self.totals.append(sum(steps))
        if sizes != self.expected:
            self.errors += 1


def ms(values: list[int], p: float) -> float:
    return round(percentile(sorted(values), p) / 1e6, 3)


def summarise(bench: Bench) -> list[dict[str, Any]]:
    rows = []
    series = [(name, bench.samples[name]) for name in STEPS]
    series += [("render total", bench.render_totals), ("total", bench.totals)]
    for name, values in series:
        row: dict[str, Any] = {
            "step": name,
            "database": bench.label,
            "count": len(values),
            "p50_ms": ms(values, 50),
            "p95_ms": ms(values, 95),
            "p99_ms": ms(values, 99),
            "max_ms": round(max(values) / 1e6, 3) if values else None,
            "errors": bench.errors,
        }
        if name == "render total":
            row["verdict"] = "PASS" if row["p99_ms"] < TOTAL_P99_TARGET_MS else "FAIL"
        rows.append(row)
    return rows


@dataclass
class Options:
    count: int
    warmup: int


def measure(make: Callable[[], Database], label: str, options: Options) -> dict[str, Any]:
    database = make()
    try:
        began = time.perf_counter()
        world = load_world(database)
        round_id = fill_current(database, world, 0)
        built = build_meeting(database, world, round_id)
        settle(database)
        took = time.perf_counter() - began
        bench = Bench(database, label, built)
        bench.check()
        progress(f"  meeting of {ITEMS} items built in {took:.1f} s; {options.count} timed runs")
        # As bot/app.py does once started: what is loaded by now stays out of full GC passes.
        gc.collect()
        gc.freeze()
        try:
            for _ in range(options.warmup):
                bench.run(record=False)
            for _ in range(options.count):
                bench.run(record=True)
        finally:
            gc.unfreeze()
        return {"rows": summarise(bench), "shape": built.shape, "build_seconds": round(took, 2)}
    finally:
        database.dispose()


def run_sqlite(options: Options, tmpdir: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="samverkan-minutes-", dir=tmpdir) as temp:
        directory = Path(temp)
        progress(f"SQLite in {directory}")
        template = directory / "template.db"
        base = Database(f"sqlite:///{template}")
        try:
            prepare_base(base)
        finally:
            base.dispose()

        def make() -> Database:
            path = directory / "minutes.db"
            shutil.copyfile(template, path)
            # As the running bot opens it (bot/app.py): WAL checkpoints in a background thread.
            database = Database(f"sqlite:///{path}", background_checkpoints=True)
            database.prepare(MEETING)  # what every start does: a no-op migration, no seeding
            return database

        return measure(make, "sqlite", options)


def run_postgres(options: Options) -> dict[str, Any]:
    from tests.support.postgres import PostgresServer

    progress("starting a throwaway PostgreSQL cluster")
    with PostgresServer() as server:

        def make() -> Database:
            database = Database(server.create_database("minutes"))
            prepare_base(database)
            return database

        return measure(make, "postgresql", options)


# -- output --------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(result: dict[str, Any]) -> None:
    machine, config = result["machine"], result["config"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    shape = result["shape"]
    print(
        f"A meeting of {shape['items']} items ({shape['topics']} topics, {shape['actions']} "
        f"actions for {shape['owners']} owners, {shape['actions_due']} with a due time), "
        f"{shape['attendees']} attendees, the joint picture of {shape['picture_reports']} "
        f"organisations.\n{config['warmup']} warm-up + {config['count']} timed runs; each run "
        "compiles once and renders everything once. Target: all formats (every step but "
        f"compile) p99 under {TOTAL_P99_TARGET_MS:g} ms."
    )
    print()
    header = (
        f"{'step':<24} {'db':<10} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        if row["step"] == "render total":
            print("-" * len(header))
        print(
            f"{STEP_TITLES[row['step']]:<24} {row['database']:<10} {row['count']:>5} "
            f"{fmt(row['p50_ms']):>8} {fmt(row['p95_ms']):>8} {fmt(row['p99_ms']):>8} "
            f"{fmt(row['max_ms']):>8} {row['errors']:>6}  {row.get('verdict', '')}"
        )
    print()
    print(
        f"Sizes: chat text {shape['full_text_chars']} characters in full, "
        f"{shape['short_text_chars']} shortened; Matrix {shape['matrix_messages_full']} / "
        f"{shape['matrix_messages_short']} messages, Slack {shape['slack_messages_full']} / "
        f"{shape['slack_messages_short']}; files: Markdown {shape['markdown_chars']}, HTML "
        f"{shape['html_chars']}, JSON {shape['json_chars']} characters."
    )
    for database, problem in result.get("failures", {}).items():
        print()
        print(f"{database} could not be measured: {problem}")


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time compiling and rendering the minutes of a 300-item meeting in every "
        "format: the chat documents, each door, and the Markdown, HTML and JSON files."
    )
    parser.add_argument("--count", type=int, default=100, help="timed runs (100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs first (10)")
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="also measure on a PostgreSQL cluster started for this run and removed after it "
        "(needs PostgreSQL's binaries, as the test suite does)",
    )
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the temporary SQLite directory goes (default: the system's)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.count < 1 or args.warmup < 0:
        parser.error("--count must be at least 1, --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    options = Options(args.count, args.warmup)
    result: dict[str, Any] = {
        "machine": machine_info(),
        "target": {"render_total_p99_ms_below": TOTAL_P99_TARGET_MS},
        "config": {
            "count": args.count,
            "warmup": args.warmup,
            "items": ITEMS,
            "actions": ACTIONS,
            "decisions": DECISIONS,
            "escalations": ESCALATIONS,
            "meeting": MEETING.isoformat(),
        },
        "rows": [],
        "failures": {},
    }
    runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("sqlite", lambda: run_sqlite(options, args.tmpdir))
    ]
    if args.throwaway_postgres:
        runs.append(("postgresql", lambda: run_postgres(options)))
    for label, measured in measure_each(runs, result["failures"]):
        result["rows"].extend(measured["rows"])
        result["shape"] = measured["shape"]
        result.setdefault("build_seconds", {})[label] = measured["build_seconds"]
    if not result["rows"]:
        return 2
    emit(result, args.json, print_table)
    return 2 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

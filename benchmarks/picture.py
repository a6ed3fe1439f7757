"""How long the joint situation picture (samlad lägesbild) takes, and that history does not
make it slower.

Run from the project root::

    .venv/bin/python benchmarks/picture.py                        # SQLite; 0, 52, 260 weeks
    .venv/bin/python benchmarks/picture.py --throwaway-postgres   # and the same on PostgreSQL
    .venv/bin/python benchmarks/picture.py --weeks 0,520 --count 500 --json

The requirement: compiling a picture of 40 organisations with a year of weekly history in
the database takes under 50 ms, independent of history size. For each history size (weeks of
weekly meeting rounds before the current one, ``--weeks``) a database is migrated and seeded
with ``Database.prepare``, 40 organisations take part in the forum, each has one
representative, the history rounds are bulk-inserted (40 reports each and a few superseded
ones) and the current round is filled through the storage API. Then, taking turns across the
databases and the three kinds, many repetitions of:

- (a) ``compile_picture`` in a read-only unit of work (``Database.reading``);
- (b) the same plus ``picture_document`` and rendering it for the terminal, Matrix and Slack;
- (c) ``!lägesbild`` through the real ``Dispatcher`` from a console channel bound to the forum.

This is a measurement, not a test: it prints PASS/FAIL against the target (p99 under 50 ms)
and exits 0 either way. It exits 2 when something could not be set up or measured.
See benchmarks/README.md for the method and the figures.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import gc
import logging
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import Table, func, select

from benchmarks.common import (
    ErrorCounter,
    emit,
    machine_info,
    measure_each,
    percentile,
    progress,
    stop_on_sigterm,
)
from bot.render.matrix import render_matrix_messages
from bot.render.slack import render_slack_messages
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.i18n import t
from commands.core.messages import Incoming, Reply, Speaker
from commands.situation.parse import parse_report
from commands.situation.picture import Picture, compile_picture
from commands.situation.render import picture_document
from commands.situation.rounds import round_label
from storage import AuditContext, Database, Store
from storage.models import Category, Forum, ReportRound, RoundKind, SituationReport
from storage.reports import FIELDS, ReportFields

# -- the target (from the issue) -----------------------------------------------------------------

P99_TARGET_MS = 50.0

# -- the world -----------------------------------------------------------------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEEDED_AT = datetime(2020, 1, 2, 9, 0, tzinfo=STOCKHOLM)
# The current round: the conference of Thursday 26 November 2026 (week 48), an hour before it.
MEETING_DAY = date(2026, 11, 26)
MEETING_TIME = clock_time(16, 0)
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)
MEETING_MINUTES = CoreConfig().meeting_minutes
FORUM = "samverkanskonferens"  # weekly on Thursdays 16:00 in the seed
PLATFORM = "console"
CHANNEL = "samverkan"
ORGANISATIONS = 40
# The seed has 37 organisations, all taking part in every forum; these make 40.
EXTRA_ORGANISATIONS: tuple[tuple[str, Category, list[str]], ...] = (
    ("Svenska kraftnät", Category.OTHER, ["SvK"]),
    ("Ellevio", Category.OTHER, []),
    ("Stockholm Vatten och Avfall", Category.OTHER, ["SVOA"]),
)
SUPERSEDED_PER_ROUND = 3  # organisations that send a first version and then a new one
UNCHANGED_IN_CURRENT = 2  # "!läge oförändrat" in the current round (when there is history)
READER = Speaker(platform=PLATFORM, user_id="rep01", display_name="Rep 01")

KINDS = ("compile", "render", "command")
KIND_TITLES = {
    "compile": "(a) compile",
    "render": "(b) compile+render",
    "command": "(c) !lägesbild",
}
PARTS = ("compile", "document", "text", "matrix", "slack")

ERROR_LOGGERS = ("commands", "storage", "bot")

_REPORTS: Table = SituationReport.__table__  # type: ignore[attr-defined]
_ROUNDS: Table = ReportRound.__table__  # type: ignore[attr-defined]


class SetupError(RuntimeError):
    """A database could not be set up, or the product did not give the expected picture."""


# -- report texts --------------------------------------------------------------------------------

LABELS = {
    "situation": "Läge",
    "impact": "Konsekvenser",
    "actions_taken": "Vidtagna åtgärder",
    "planned_actions": "Planerade åtgärder",
    "needs": "Behov",
    "communication": "Kommunikation",
    "outlook": "Prognos",
}
EVENTS = (
    "snöovädret i norra länet",
    "elavbrottet i södra länet",
    "vattenläckan vid Norrtull",
    "IT-störningen hos en gemensam leverantör",
    "skyfallet i centrala Stockholm",
    "värmeböljan",
    "skogsbranden på Södertörn",
)
ROADS = ("E4 norr om Rotebro", "E18 vid Jakobsberg", "väg 73 vid Handen", "Essingeleden")
OTHERS = ("Länsstyrelsen", "Region Stockholm", "Trafikverket", "SOS Alarm", "Polisen")
DAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag")
PHRASES: dict[str, tuple[str, ...]] = {
    "situation": (
        "Normalläge i verksamheten. Ordinarie bemanning, {n} ärenden under dygnet och inget "
        "som påverkar samverkan.",
        "Förhöjd beredskap efter {event}. Stab i gång sedan kl {hh}.00, TiB informerad.",
        "Störningar i delar av verksamheten efter {event}, i övrigt normalläge.\n"
        "Ledningsgruppen följer läget två gånger om dagen.",
    ),
    "impact": (
        "Begränsad påverkan: {n} förseningar och ökad belastning på växeln.",
        "Framkomligheten begränsad på {road}, omledning skyltad.\n"
        "Längre insatstider i ytterområdena, uppskattningsvis {n} minuter.",
        "Ingen påverkan på samhällsviktig verksamhet.",
    ),
    "actions_taken": (
        "- Förstärkt bemanning i ledningscentralen\n- Kontakt med {other} om gemensam lägesbild",
        "Informerat berörda kommuner och {other}.",
        "Reservkraft provkörd på {n} anläggningar, samtliga fungerar.",
    ),
    "planned_actions": (
        "Fortsatt bevakning, ny avstämning på {day} kl {hh}.00.",
        "Återgå till normal bemanning om läget håller i sig.",
        "Förstärkning inför helgen planeras tillsammans med {other}.",
    ),
    "needs": (
        "Inga särskilda behov.",
        "Samordnad information om {event} från {other}.",
        "Stöd med reservkraft till {n} äldreboenden.",
    ),
    "communication": (
        "Följer de samordnade budskapen på Krisinformation.se.",
        "Pressmeddelande på {day}, hänvisar allmänheten till 1177 och 113 13.",
        "Inga egna utskick, delar {other}s budskap i sociala medier.",
    ),
    "outlook": (
        "Oförändrat läge närmaste dygnet.",
        "Förbättring väntas till {day} när {event} klingar av.",
        "Risk för ny påverkan om prognosen slår in, bedömningen ses över på {day}.",
    ),
}


def report_text(organisation: str, week: int, version: int) -> str:
    """A report as a person writes it: every field labelled, some over several lines."""
    rng = random.Random(f"{organisation}/{week}/{version}")
    values = {
        "n": rng.randint(2, 40),
        "hh": rng.randint(6, 20),
        "event": rng.choice(EVENTS),
        "road": rng.choice(ROADS),
        "other": rng.choice(OTHERS),
        "day": rng.choice(DAYS),
    }
    lines = []
    for name in FIELDS:
        value = rng.choice(PHRASES[name]).format(**values)
        if "\n" in value and value.startswith("- "):
            lines.append(f"{LABELS[name]}:\n{value}")
        else:
            lines.append(f"{LABELS[name]}: {value}")
    return "\n".join(lines)


def parsed_fields(text: str) -> ReportFields:
    """The report's fields as ``!läge`` finds them; all seven must be there."""
    parsed = parse_report(text)
    if parsed.unknown_labels or len(parsed.fields.items()) != len(FIELDS):
        raise SetupError(f"a generated report does not parse into seven fields:\n{text}")
    return parsed.fields


# -- building a database -------------------------------------------------------------------------


def meeting_at(weeks_before: int) -> datetime:
    """The Thursday conference ``weeks_before`` weeks before the current one (wall time)."""
    day = MEETING_DAY - timedelta(weeks=weeks_before)
    return datetime.combine(day, MEETING_TIME, tzinfo=STOCKHOLM)


@dataclass
class World:
    """What a prepared database holds for the benchmark (ids, for fresh sessions)."""

    forum_id: int
    organisations: list[tuple[int, str]]  # the forum's 40, by id
    person_of: dict[int, int]  # organisation id -> its representative's person id
    user_of: dict[int, str]  # organisation id -> the representative's user id


def context(user_id: str, at: datetime) -> AuditContext:
    return AuditContext(PLATFORM, CHANNEL, user_id, user_id.replace("rep", "Rep "), at)


def prepare_base(database: Database) -> None:
    """Migrated and seeded; 40 organisations in the forum, one representative each, and the
    console channel bound to the forum, all through the storage API."""
    database.prepare(SEEDED_AT)
    at = SEEDED_AT + timedelta(days=1)
    with database.unit_of_work(context("rep01", at)) as store:
        forum = forum_of(store)
        existing = {organisation.name for organisation in store.forums.participants(forum)}
        for name, category, aliases in EXTRA_ORGANISATIONS:
            if name not in existing:
                created = store.organisations.create(name, category, aliases)
                store.forums.add_participant(forum, created)
        organisations = sorted(
            store.forums.participants(forum), key=lambda organisation: organisation.id or 0
        )
        if len(organisations) != ORGANISATIONS:
            raise SetupError(f"expected {ORGANISATIONS} organisations, found {len(organisations)}")
        for index, organisation in enumerate(organisations, start=1):
            user = f"rep{index:02d}"
            person = store.people.ensure(PLATFORM, user, user.replace("rep", "Rep "))
            store.people.set_organisation(person, organisation)
        store.forums.bind(forum, PLATFORM, CHANNEL, store.ensure_me())


def forum_of(store: Store) -> Forum:
    for forum in store.forums.all():
        if forum.slug == FORUM:
            return forum
    raise SetupError(f"the seed has no forum {FORUM!r}")


def load_world(database: Database) -> World:
    with database.reading(context("rep01", NOW)) as store:
        forum = forum_of(store)
        assert forum.id is not None
        organisations = sorted(
            (organisation.id, organisation.name)
            for organisation in store.forums.participants(forum)
            if organisation.id is not None
        )
        person_of: dict[int, int] = {}
        user_of: dict[int, str] = {}
        for index in range(1, ORGANISATIONS + 1):
            person = store.people.lookup(PLATFORM, f"rep{index:02d}")
            if person is None or person.organisation_id is None or person.id is None:
                raise SetupError(f"representative rep{index:02d} is missing")
            person_of[person.organisation_id] = person.id
            user_of[person.organisation_id] = person.user_id
        return World(forum.id, organisations, person_of, user_of)


def superseded_in(week: int, count: int) -> list[int]:
    """Which organisations (by position) send a first version in the round of ``week``."""
    return sorted({(week * 7 + step * 13) % count for step in range(SUPERSEDED_PER_ROUND)})


def fill_history(database: Database, world: World, weeks: int) -> None:
    """``weeks`` closed meeting rounds before the current one, 40 reports each and a few
    superseded ones: Core bulk inserts, oldest round first (so ids grow with time)."""
    if weeks == 0:
        return
    rounds = []
    for back in range(weeks, 0, -1):
        meeting = meeting_at(back)
        rounds.append(
            {
                "forum_id": world.forum_id,
                "number": weeks - back + 1,
                "kind": RoundKind.MEETING.value,
                "meeting_at": meeting,
                "activation_id": None,
                "opened_at": meeting - timedelta(days=3, hours=8),
                "closes_at": meeting + timedelta(minutes=MEETING_MINUTES),
                "closed_at": None,
            }
        )
    with database.engine.begin() as connection:
        connection.execute(_ROUNDS.insert(), rounds)
        numbered = connection.execute(
            select(_ROUNDS.c.number, _ROUNDS.c.id).where(_ROUNDS.c.forum_id == world.forum_id)
        )
        round_ids: dict[int, int] = {row[0]: row[1] for row in numbered}
        batch: list[dict[str, Any]] = []
        for back in range(weeks, 0, -1):
            week = weeks - back + 1
            meeting = meeting_at(back)
            first_versions = set(superseded_in(week, len(world.organisations)))
            sent = [
                (position, 0, meeting - timedelta(days=1, hours=6, minutes=position))
                for position in sorted(first_versions)
            ] + [
                (position, 1, meeting - timedelta(hours=7) + timedelta(minutes=5 * position))
                for position in range(len(world.organisations))
            ]
            for position, version, at in sent:
                org_id, name = world.organisations[position]
                text = report_text(name, week, version)
                row: dict[str, Any] = {
                    "round_id": round_ids[week],
                    "organisation_id": org_id,
                    "person_id": world.person_of[org_id],
                    "on_behalf": False,
                    "at": at,
                    "late": False,
                    "source": "command",
                    "unchanged_from_id": None,
                    "text": text,
                }
                row.update(parsed_fields(text).as_dict())
                batch.append(row)
            if len(batch) >= 2000:
                connection.execute(_REPORTS.insert(), batch)
                batch = []
        if batch:
            connection.execute(_REPORTS.insert(), batch)


def fill_current(database: Database, world: World, weeks: int) -> int:
    """The current round, opened and reported into through the storage API, one unit of
    work per report as the commands do; the round's id."""
    meeting = meeting_at(0)
    opened = meeting - timedelta(days=3, hours=8)
    with database.unit_of_work(context("rep01", opened)) as store:
        forum = store.forums.get(world.forum_id)
        assert forum is not None
        report_round = store.reports.open_round(
            forum,
            RoundKind.MEETING,
            meeting_at=meeting,
            closes_at=meeting + timedelta(minutes=MEETING_MINUTES),
        )
        round_id = report_round.id
    assert round_id is not None
    week = weeks + 1
    count = len(world.organisations)
    unchanged = {count // 3, 2 * count // 3} if weeks else set()
    sent = [
        (position, 0, meeting - timedelta(days=1, hours=6, minutes=position))
        for position in superseded_in(week, count)
    ] + [
        (position, 1, meeting - timedelta(hours=7) + timedelta(minutes=5 * position))
        for position in range(count)
    ]
    for position, version, at in sent:
        org_id, name = world.organisations[position]
        with database.unit_of_work(context(world.user_of[org_id], at)) as store:
            report_round_now = store.reports.round_by_id(round_id)
            organisation = store.organisations.get(org_id)
            assert report_round_now is not None
            assert organisation is not None
            previous = store.reports.previous(organisation)
            if version == 1 and position in unchanged and previous is not None:
                original = previous
                if previous.unchanged_from_id is not None:
                    original = store.reports.by_ids([previous.unchanged_from_id])[
                        previous.unchanged_from_id
                    ]
                store.reports.add(
                    report_round_now,
                    organisation,
                    store.ensure_me(),
                    text=previous.text,
                    fields=ReportFields.of(previous),
                    late=False,
                    source="unchanged",
                    unchanged_from=original,
                )
                continue
            text = report_text(name, week, version)
            store.reports.add(
                report_round_now,
                organisation,
                store.ensure_me(),
                text=text,
                fields=parsed_fields(text),
                late=False,
            )
    if weeks and len(unchanged) != UNCHANGED_IN_CURRENT:
        raise SetupError("expected two unchanged reports in the current round")
    return round_id


def table_counts(database: Database) -> tuple[int, int]:
    """Rows in situationreport and reportround."""
    with database.engine.connect() as connection:
        reports = connection.execute(select(func.count()).select_from(_REPORTS)).scalar_one()
        rounds = connection.execute(select(func.count()).select_from(_ROUNDS)).scalar_one()
    return int(reports), int(rounds)


def settle(database: Database) -> None:
    """SQLite: fold the log into the file. PostgreSQL: VACUUM ANALYZE after the bulk load,
    as autovacuum would within a minute or so."""
    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with database.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE")


# -- one database, three things to time ----------------------------------------------------------


@dataclass
class Series:
    kind: str
    samples: list[int] = field(default_factory=list)
    parts: dict[str, list[int]] = field(default_factory=lambda: {p: [] for p in PARTS})
    errors: int = 0
    warm: int = 0
    warm_statements: int = 0


def said(reply: Reply | None) -> str | None:
    """A reply as terminal text; None when there was none or it was a refusal."""
    if reply is None or not reply.ok:
        return None
    return render_text(reply.document)


def comparable(text: str | None) -> str | None:
    """The picture as text without its "compiled by" line, which the command words its own
    way ("samverkan-bot, på begäran av …")."""
    if text is None:
        return None
    label = t("sv", "picture.compiled_by") + ":"
    return "\n".join(line for line in text.splitlines() if not line.startswith(label))


class Bench:
    """One database with ``weeks`` of history, and the three measurements on it."""

    def __init__(self, database: Database, label: str, weeks: int, errors: ErrorCounter) -> None:
        self.database = database
        self.label = label
        self.weeks = weeks
        self.errors = errors
        self.world = load_world(database)
        self.round_id = 0
        self.reports_in_db = 0
        self.rounds_in_db = 0
        self.context = context(READER.user_id, NOW)
        self.dispatcher = Dispatcher(database, FixedClock(NOW), CoreConfig())
        self.incoming = Incoming(PLATFORM, CHANNEL, READER, "!lägesbild")
        self.series = {kind: Series(kind) for kind in KINDS}
        self.statements = 0
        self.captured: list[tuple[str, Any]] | None = None
        self.expected_text = ""
        self.shape: dict[str, Any] = {}

    def on_statement(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any
    ) -> None:
        """A ``before_cursor_execute`` listener: count, and keep when capturing."""
        self.statements += 1
        if self.captured is not None:
            self.captured.append((statement, parameters))

    @contextmanager
    def listening(self) -> Iterator[None]:
        sqlalchemy.event.listen(self.database.engine, "before_cursor_execute", self.on_statement)
        try:
            yield
        finally:
            sqlalchemy.event.remove(
                self.database.engine, "before_cursor_execute", self.on_statement
            )

    # -- the three operations ----------------------------------------------------------------

    def compile(self) -> Picture:
        with self.database.reading(self.context) as store:
            forum = store.forums.get(self.world.forum_id)
            report_round = store.reports.round_by_id(self.round_id)
            assert forum is not None
            assert report_round is not None
            return compile_picture(store, forum, report_round, NOW, READER.display_name)

    def render(self) -> tuple[list[int], str, int, int]:
        """Compile, build the document, render it three ways: the time of each step, the
        terminal text, and how many Matrix and Slack messages it became."""
        began = time.perf_counter_ns()
        with self.database.reading(self.context) as store:
            forum = store.forums.get(self.world.forum_id)
            report_round = store.reports.round_by_id(self.round_id)
            assert forum is not None
            assert report_round is not None
            picture = compile_picture(store, forum, report_round, NOW, READER.display_name)
            label = round_label(report_round, ZoneInfo(forum.timezone), forum.language)
        compiled = time.perf_counter_ns()
        document = picture_document(picture, label, picture.language)
        documented = time.perf_counter_ns()
        text = render_text(document)
        texted = time.perf_counter_ns()
        matrix = render_matrix_messages(document)
        matrixed = time.perf_counter_ns()
        slack = render_slack_messages(document)
        done = time.perf_counter_ns()
        steps = [compiled - began, documented - compiled, texted - documented]
        steps += [matrixed - texted, done - matrixed]
        return steps, text, len(matrix), len(slack)

    def command(self) -> Reply | None:
        """``!lägesbild`` through the dispatcher (the reply is not rendered)."""
        return self.dispatcher.handle(self.incoming)

    def once(self, kind: str, series: Series, record: bool) -> None:
        logged = self.errors.count
        wrong = False
        began = time.perf_counter_ns()
        if kind == "compile":
            picture = self.compile()
            took = time.perf_counter_ns() - began
            wrong = len(picture.reports) != ORGANISATIONS
        elif kind == "render":
            steps, text, _, _ = self.render()
            took = time.perf_counter_ns() - began
            wrong = comparable(text) != self.expected_text
            if record:
                for name, step in zip(PARTS, steps, strict=True):
                    series.parts[name].append(step)
        else:
            reply = self.command()
            took = time.perf_counter_ns() - began
            wrong = comparable(said(reply)) != self.expected_text
        if record:
            series.samples.append(took)
            if wrong or self.errors.count != logged:
                series.errors += 1

    def warm_up(self, kind: str, count: int) -> None:
        """Untimed runs, counting the SQL statements each sends."""
        series = self.series[kind]
        with self.listening():
            for _ in range(count):
                sent = self.statements
                self.once(kind, series, record=False)
                series.warm += 1
                series.warm_statements += self.statements - sent

    def capture(self, kind: str) -> list[tuple[str, Any]]:
        """The statements one run of ``kind`` sends, with their parameters."""
        self.captured = []
        with self.listening():
            self.once(kind, self.series[kind], record=False)
        captured, self.captured = self.captured, None
        return captured

    def check(self) -> None:
        """The picture is the one the setup made, and the command shows the same."""
        picture = self.compile()
        superseded = sum(1 for report in picture.reports if report.reports > 1)
        unchanged = sum(1 for report in picture.reports if report.unchanged_since is not None)
        expected_unchanged = UNCHANGED_IN_CURRENT if self.weeks else 0
        if (
            len(picture.reports) != ORGANISATIONS
            or picture.missing
            or superseded != SUPERSEDED_PER_ROUND
            or unchanged != expected_unchanged
        ):
            raise SetupError(
                f"unexpected picture with {self.weeks} weeks: {len(picture.reports)} reports, "
                f"{len(picture.missing)} missing, {superseded} superseded, {unchanged} unchanged"
            )
        _steps, text, matrix, slack = self.render()
        self.expected_text = comparable(text) or ""
        answer = said(self.command())
        if comparable(answer) != self.expected_text:
            raise SetupError(
                f"!lägesbild did not answer with the compiled picture ({self.weeks} weeks):\n"
                + (answer or "(refused)")[:2000]
            )
        # Showing the picture changes nothing (a round opened by it would be a write).
        writes = [
            statement
            for statement, _ in self.capture("command")
            if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
        ]
        if writes:
            raise SetupError(f"!lägesbild wrote to the database: {writes[0][:200]}")
        fields = sum(len(report.fields) for report in picture.reports)
        characters = sum(len(v) for report in picture.reports for v in report.fields.values())
        self.shape = {
            "reports_shown": len(picture.reports),
            "fields_shown": fields,
            "field_characters": characters,
            "text_characters": len(text),
            "matrix_messages": matrix,
            "slack_messages": slack,
        }


# -- query plans ---------------------------------------------------------------------------------


def full_scans(dialect: str, plan: list[str]) -> list[str]:
    """The tables a plan reads from start to end."""
    scanned = []
    for line in plan:
        if dialect == "sqlite":
            words = line.split()
            if len(words) >= 2 and words[0] == "SCAN" and not words[1].startswith("CONSTANT"):
                scanned.append(words[1])
        elif "Seq Scan on " in line:
            scanned.append(line.split("Seq Scan on ", 1)[1].split()[0])
    return scanned


def explain(database: Database, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Each SELECT's plan, with the tables it scans in full. On PostgreSQL a sequential scan
    is looked at again with ``enable_seqscan=off``: if it stays, no index can serve it."""
    dialect = database.engine.dialect.name
    found = []
    with database.engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if dialect == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plan = [str(row[-1]) for row in rows]
            else:
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                plan = [str(row[0]) for row in rows]
            scans = full_scans(dialect, plan)
            unavoidable = scans
            if scans and dialect == "postgresql":
                connection.exec_driver_sql("SET enable_seqscan = off")
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                unavoidable = full_scans(dialect, [str(row[0]) for row in rows])
                connection.exec_driver_sql("RESET enable_seqscan")
            found.append(
                {
                    "statement": " ".join(statement.split()),
                    "plan": plan,
                    "full_scans": scans,
                    "no_index_for": unavoidable,
                }
            )
        connection.rollback()
    return found


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class Options:
    count: int
    warmup: int
    chunk: int
    explain: bool


def measure(benches: list[Bench], options: Options) -> None:
    """Warm-up first; then the kinds and the databases take turns in chunks, so that a slow
    stretch of the machine (a shared VM has them) hits every kind and history size alike."""
    for kind in KINDS:
        for bench in benches:
            bench.warm_up(kind, options.warmup)
    progress(
        f"  {options.count} timed runs of each of {len(KINDS)} kinds on {len(benches)} "
        f"databases, in turns of {options.chunk}"
    )
    done = 0
    while done < options.count:
        step = min(options.chunk, options.count - done)
        for kind in KINDS:
            for bench in benches:
                for _ in range(step):
                    bench.once(kind, bench.series[kind], record=True)
        done += step


def verdict(p99_ms: float) -> str:
    return "PASS" if p99_ms < P99_TARGET_MS else "FAIL"


def ms(values: list[int], p: float) -> float:
    return round(percentile(sorted(values), p) / 1e6, 3)


def summarise(bench: Bench, kind: str) -> dict[str, Any]:
    series = bench.series[kind]
    ordered = sorted(series.samples)
    n = len(ordered)
    row: dict[str, Any] = {
        "kind": kind,
        "database": bench.label,
        "weeks": bench.weeks,
        "reports_in_db": bench.reports_in_db,
        "rounds_in_db": bench.rounds_in_db,
        "count": n,
        "errors": series.errors,
        "mean_ms": round(sum(ordered) / n / 1e6, 3) if n else None,
        "p50_ms": ms(ordered, 50),
        "p95_ms": ms(ordered, 95),
        "p99_ms": ms(ordered, 99),
        "max_ms": round(ordered[-1] / 1e6, 3) if n else None,
        "sql_statements": round(series.warm_statements / series.warm, 2) if series.warm else None,
        "verdict": verdict(ms(ordered, 99)) if n else "info",
    }
    if kind == "render":
        row["parts_p50_ms"] = {name: ms(series.parts[name], 50) for name in PARTS}
    return row


def independence(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per database and kind: the largest median over the smallest."""
    found = []
    for database in dict.fromkeys(row["database"] for row in rows):
        for kind in KINDS:
            medians = {
                row["weeks"]: row["p50_ms"]
                for row in rows
                if row["database"] == database and row["kind"] == kind
            }
            if len(medians) < 2:
                continue
            high = max(medians, key=lambda weeks: medians[weeks])
            low = min(medians, key=lambda weeks: medians[weeks])
            found.append(
                {
                    "database": database,
                    "kind": kind,
                    "largest_median_weeks": high,
                    "smallest_median_weeks": low,
                    "ratio": round(medians[high] / medians[low], 3) if medians[low] else None,
                }
            )
    return found


def run_databases(
    make: Callable[[int], Database], label: str, weeks_list: list[int], options: Options
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Build one database per history size, measure them together, summarise."""
    errors = ErrorCounter()
    errors.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in ERROR_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(errors)
        logger.propagate = False
    databases: list[Database] = []
    benches: list[Bench] = []
    extra: dict[str, Any] = {"setup": [], "explain": {}}
    try:
        for weeks in weeks_list:
            began = time.perf_counter()
            database = make(weeks)
            databases.append(database)
            bench = Bench(database, label, weeks, errors)
            benches.append(bench)
            fill_history(database, bench.world, weeks)
            bench.round_id = fill_current(database, bench.world, weeks)
            settle(database)
            bench.reports_in_db, bench.rounds_in_db = table_counts(database)
            bench.check()
            took = time.perf_counter() - began
            progress(
                f"  {weeks} weeks: {bench.reports_in_db} reports in {bench.rounds_in_db} rounds "
                f"({took:.1f} s to build)"
            )
            extra["setup"].append(
                {"weeks": weeks, "seconds": round(took, 2), "picture": bench.shape}
            )
        # As bot/app.py does once started: what is loaded by now stays out of full GC passes.
        gc.collect()
        gc.freeze()
        measure(benches, options)
        if options.explain:
            for bench in benches:
                extra["explain"][str(bench.weeks)] = {
                    kind: explain(bench.database, bench.capture(kind))
                    for kind in ("compile", "command")
                }
        rows = [summarise(bench, kind) for kind in KINDS for bench in benches]
        extra["internal_errors"] = errors.count
        extra["first_error"] = errors.first
        return rows, extra
    finally:
        gc.unfreeze()
        for database in databases:
            database.dispose()
        for name in ERROR_LOGGERS:
            logging.getLogger(name).removeHandler(errors)


def run_sqlite(
    weeks_list: list[int], options: Options, tmpdir: Path | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="samverkan-picture-", dir=tmpdir) as temp:
        directory = Path(temp)
        progress(f"SQLite in {directory}")
        template = directory / "template.db"
        base = Database(f"sqlite:///{template}")
        try:
            prepare_base(base)
            with base.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            base.dispose()

        def make(weeks: int) -> Database:
            path = directory / f"weeks-{weeks}.db"
            shutil.copyfile(template, path)
            # As the running bot opens it (bot/app.py): WAL checkpoints in a background thread.
            database = Database(f"sqlite:///{path}", background_checkpoints=True)
            database.prepare(NOW)  # what every start does: a no-op migration, no seeding
            return database

        return run_databases(make, "sqlite", weeks_list, options)


def run_postgres(
    weeks_list: list[int], options: Options
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from tests.support.postgres import PostgresServer

    progress("starting a throwaway PostgreSQL cluster")
    with PostgresServer() as server:

        def make(weeks: int) -> Database:
            database = Database(server.create_database(f"picture_{weeks}_weeks"))
            prepare_base(database)
            return database

        rows, extra = run_databases(make, "postgresql", weeks_list, options)
        engine = sqlalchemy.create_engine(server.url_for("postgres"))
        try:
            with engine.connect() as connection:
                extra["server_version"] = connection.exec_driver_sql("SHOW server_version").scalar()
        finally:
            engine.dispose()
        return rows, extra


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
    if result.get("postgres_version"):
        print(f"PostgreSQL {result['postgres_version']} (throwaway cluster, fsync=off)")
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    print(
        f"{config['organisations']} organisations report in the current round "
        f"(+{config['superseded_per_round']} superseded; {config['unchanged_in_current']} "
        "'oförändrat' when there is history);\n"
        f"each history week is one closed meeting round like it. {config['warmup']} warm-up "
        f"+ {config['count']} timed runs per kind and history size, kinds and databases "
        f"in turns of {config['chunk']}.\nSQL = statements per run. Target: p99 under "
        f"{P99_TARGET_MS:g} ms."
    )
    print()
    header = (
        f"{'what':<20} {'db':<10} {'weeks':>5} {'reports':>7} {'runs':>5} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'SQL':>5} {'errors':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        print(
            f"{KIND_TITLES[row['kind']]:<20} {row['database']:<10} {row['weeks']:>5} "
            f"{row['reports_in_db']:>7} {row['count']:>5} {fmt(row['p50_ms']):>8} "
            f"{fmt(row['p95_ms']):>8} {fmt(row['p99_ms']):>8} {fmt(row['max_ms']):>8} "
            f"{fmt(row['sql_statements'], 1):>5} {row['errors']:>6}  {row['verdict']}"
        )
    print()
    print("(b) medians of its steps, ms:")
    for row in result["rows"]:
        if row["kind"] != "render":
            continue
        parts = "  ".join(f"{name} {value:.2f}" for name, value in row["parts_p50_ms"].items())
        print(f"  {row['database']:<10} {row['weeks']:>4} weeks: {parts}")
    print()
    print("History size: largest median / smallest median")
    for item in result["independence"]:
        print(
            f"  {KIND_TITLES[item['kind']]:<20} {item['database']:<10} {fmt(item['ratio'], 3)} "
            f"({item['largest_median_weeks']} weeks / {item['smallest_median_weeks']} weeks)"
        )
    shape = result["picture"]
    print()
    print(
        f"The picture: {shape['reports_shown']} reports, {shape['fields_shown']} fields, "
        f"{shape['field_characters']} characters in the fields; {shape['text_characters']} "
        f"characters as terminal text, {shape['matrix_messages']} Matrix and "
        f"{shape['slack_messages']} Slack message(s)."
    )
    for database, explained in result.get("explain", {}).items():
        print_plans(database, explained)
    for database, problem in result.get("failures", {}).items():
        print()
        print(f"{database} could not be measured: {problem}")
    if result.get("first_error"):
        print()
        print("First internal error logged by the product:")
        print(result["first_error"])


def print_plans(database: str, explained: dict[str, Any]) -> None:
    for weeks, kinds in explained.items():
        for kind, statements in kinds.items():
            print()
            print(f"Query plans, {database}, {weeks} weeks, {KIND_TITLES[kind]}:")
            for item in statements:
                flag = ""
                if item["no_index_for"]:
                    flag = f"  <-- no index: {', '.join(item['no_index_for'])}"
                elif item["full_scans"]:
                    flag = f"  (planner's choice: {', '.join(item['full_scans'])})"
                print(f"  {item['statement'][:150]}{flag}")
                for line in item["plan"]:
                    print(f"      {line}")


# -- main ----------------------------------------------------------------------------------------


def weeks_list(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not values or values[0] < 0:
        raise argparse.ArgumentTypeError("give one or more numbers of weeks, 0 or more")
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the joint situation picture of 40 organisations, with and without "
        "history in the database."
    )
    parser.add_argument(
        "--weeks",
        type=weeks_list,
        default=[0, 52, 260],
        help="history sizes in weeks, comma-separated (default 0,52,260)",
    )
    parser.add_argument(
        "--count", type=int, default=200, help="timed runs per kind and history size (200)"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="untimed runs per kind and history size (20)"
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=10,
        help="runs of one kind on one database in a row before the next turn (10)",
    )
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
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print the query plans of (a) and (c), flagging full table scans",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.count < 1 or args.warmup < 0 or args.chunk < 1:
        parser.error("--count and --chunk must be at least 1, --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    options = Options(args.count, args.warmup, args.chunk, args.explain)
    result: dict[str, Any] = {
        "machine": machine_info(),
        "target": {"p99_ms_below": P99_TARGET_MS},
        "config": {
            "weeks": args.weeks,
            "count": args.count,
            "warmup": args.warmup,
            "chunk": args.chunk,
            "organisations": ORGANISATIONS,
            "superseded_per_round": SUPERSEDED_PER_ROUND,
            "unchanged_in_current": UNCHANGED_IN_CURRENT,
            "now": NOW.isoformat(),
        },
        "rows": [],
        "setup": {},
        "explain": {},
        "failures": {},
    }
    first_error: str | None = None
    runs: list[tuple[str, Callable[[], tuple[list[dict[str, Any]], dict[str, Any]]]]] = [
        ("sqlite", lambda: run_sqlite(args.weeks, options, args.tmpdir))
    ]
    if args.throwaway_postgres:
        runs.append(("postgresql", lambda: run_postgres(args.weeks, options)))
    for label, (rows, extra) in measure_each(runs, result["failures"]):
        result["rows"].extend(rows)
        result["setup"][label] = extra["setup"]
        result["picture"] = extra["setup"][0]["picture"]
        first_error = first_error or extra["first_error"]
        if extra.get("server_version"):
            result["postgres_version"] = extra["server_version"]
        if extra["explain"]:
            result["explain"][label] = extra["explain"]
    result["first_error"] = first_error
    result["independence"] = independence(result["rows"])
    if not result["rows"]:
        return 2
    emit(result, args.json, print_table)
    return 2 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""How long a whole backup of a year takes (``samverkan-bot export all``), and loading it into a
new database (``samverkan-bot import``), on SQLite and, with ``--throwaway-postgres``, on
PostgreSQL.

Run from the project root::

    .venv/bin/python benchmarks/backup.py                        # SQLite: a year, 40 forums
    .venv/bin/python benchmarks/backup.py --throwaway-postgres   # and SQLite -> PostgreSQL -> back
    .venv/bin/python benchmarks/backup.py --forums 10 --weeks 10 --json

The year (``--forums`` 40, ``--weeks`` 52): 40 forums of 40 organisations with one
representative each; every week every forum has a round of situation reports, one from each
organisation (seven fields, several lines, as ``benchmarks/picture.py`` writes them), and a
meeting: the ordinary agenda's 9 topics, 6 information items, 3 decisions, 2 actions with owners
and due times, a chair and 10 attendees, ending and closing the round. The samverkanskonferens
publishes each round's picture. Every change has its audit event (a report, an item, a
meeting's start and end, a round's close). The database is migrated and seeded with
``Database.prepare``, the forums, organisations and people are made through the storage API,
and the year is bulk-inserted with Core (the rows as the commands write them).

What is timed, each as the real command in its own process (wall time and the process's peak
memory, its ``VmHWM``), one after the other:

- ``export all`` of the year from SQLite;
- ``import`` of that backup into a new SQLite file;
- with ``--throwaway-postgres``: ``import`` into a new PostgreSQL database (on a throwaway
  cluster, ``fsync=off``), ``export all`` from it, and ``import`` of that into a new SQLite
  file; the two dumps are compared (they must be equal but for the time of export).

And in this process, of the export: reading every table in one snapshot (``dump_tables``), and
writing ``database.json``. This is a measurement, not a test: it exits 0 when every step
worked, 2 when one failed or the dumps differ. See benchmarks/README.md for the figures.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import orjson
from sqlalchemy import Table
from sqlmodel import SQLModel

from benchmarks.common import emit, machine_info, progress, stop_on_sigterm
from benchmarks.picture import EXTRA_ORGANISATIONS, parsed_fields, report_text
from bot.backup.dump import write_dump
from commands.core.i18n import t
from commands.minutes.agenda import agenda_titles
from commands.situation.picture import compile_picture
from storage import AuditContext, Database
from storage.dump import dump_tables, head_revision, snapshot
from storage.models import (
    Action,
    AuditEvent,
    ForumKind,
    ItemKind,
    Level,
    Meeting,
    MeetingAttendee,
    MeetingChair,
    MeetingItem,
    Mode,
    PublishedPicture,
    ReportRound,
    RoundKind,
    SituationReport,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEEDED_AT = datetime(2025, 11, 1, 9, 0, tzinfo=STOCKHOLM)
FIRST_MEETING = datetime(2025, 12, 4, 16, 0, tzinfo=STOCKHOLM)  # a Thursday
NOW = "2026-12-01 06:00"  # when the backups are taken (a nightly job)
PLATFORM = "console"
ORGANISATIONS = 40
INFO, DECISIONS, ACTIONS, ATTENDEES = 6, 3, 2, 10
PUBLISHING_FORUM = "samverkanskonferens"
SCRIPT = Path(sys.executable).with_name("samverkan-bot")


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class SetupError(RuntimeError):
    """The year could not be built, or a step did not do what it should."""


# -- the year ------------------------------------------------------------------------------------


@dataclass
class People:
    """Ids the bulk insert needs: forums, organisations, their representatives."""

    forums: list[tuple[int, str]]  # id, slug
    organisations: list[tuple[int, str]]  # the 40, by id
    person_of: dict[int, int]  # organisation id -> person id
    name_of: dict[int, str]  # person id -> display name


def context(at: datetime) -> AuditContext:
    return AuditContext(PLATFORM, "setup", "rep01", "Rep 01", at)


def prepare(database: Database, forums: int) -> People:
    """Migrated and seeded; ``forums`` forums of the same 40 organisations, one representative
    each, through the storage API."""
    database.prepare(SEEDED_AT)
    with database.unit_of_work(context(SEEDED_AT + timedelta(hours=1))) as store:
        for name, category, aliases in EXTRA_ORGANISATIONS:
            store.organisations.create(name, category, aliases)
        organisations = sorted(store.organisations.all(), key=lambda org: org.id or 0)
        if len(organisations) != ORGANISATIONS:
            raise SetupError(f"expected {ORGANISATIONS} organisations, not {len(organisations)}")
        existing = store.forums.all()
        for number in range(len(existing) + 1, forums + 1):
            store.forums.create(
                name=f"Verkställande forum {number}",
                slug=f"verkstallande-{number:02d}",
                level=Level.OPERATIONAL,
                kind=ForumKind.BOTH,
                language="sv",
                timezone="Europe/Stockholm",
                host=None,
            )
        chosen = sorted(store.forums.all(), key=lambda forum: forum.id or 0)[:forums]
        for forum in chosen:
            for organisation in organisations:
                store.forums.add_participant(forum, organisation)
        person_of: dict[int, int] = {}
        name_of: dict[int, str] = {}
        for index, organisation in enumerate(organisations, start=1):
            person = store.people.ensure(PLATFORM, f"rep{index:02d}", f"Rep {index:02d}")
            store.people.set_organisation(person, organisation)
            assert person.id is not None
            assert organisation.id is not None
            person_of[organisation.id] = person.id
            name_of[person.id] = person.display_name
        return People(
            [(forum.id or 0, forum.slug) for forum in chosen],
            [(org.id or 0, org.name) for org in organisations],
            person_of,
            name_of,
        )


class Rows:
    """Rows to insert, written in batches, every table's pending rows in foreign-key order (a
    row after those it refers to)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        name = _table(model).name
        self.pending.setdefault(name, []).append(row)
        self.counts[name] = self.counts.get(name, 0) + 1
        if len(self.pending[name]) >= 5000:
            self.flush()

    def flush(self) -> None:
        for table in SQLModel.metadata.sorted_tables:
            rows = self.pending.pop(table.name, [])
            if rows:
                self.connection.execute(table.insert(), rows)


def fill_year(database: Database, people: People, weeks: int) -> dict[str, int]:
    """``weeks`` weeks of every forum: rounds, reports, meetings and their audit events,
    bulk-inserted with ids given here (so the rows can refer to each other)."""
    rng = random.Random("backup-benchmark")
    texts = {
        (name, week): report_text(name, week, 1)
        for week in range(1, weeks + 1)
        for _, name in people.organisations
    }
    fields = {key: parsed_fields(text).as_dict() for key, text in texts.items()}
    ids = {"round": 0, "report": 0, "meeting": 0, "item": 0, "action": 0}
    chair = people.person_of[people.organisations[0][0]]

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    with database.engine.begin() as connection:
        rows = Rows(connection)

        def audit(at: datetime, action: str, forum_id: int, person: int, **details: Any) -> None:
            rows.add(
                AuditEvent,
                {
                    "at": at,
                    "action": action,
                    "platform": PLATFORM,
                    "channel_id": f"forum-{forum_id}",
                    "person_id": person,
                    "actor": f"{people.name_of[person]} ({PLATFORM}:rep)",
                    "forum_id": forum_id,
                    "details": details,
                },
            )

        for forum_id, _slug in people.forums:
            action_number = 0
            for week in range(1, weeks + 1):
                meeting_at = FIRST_MEETING + timedelta(weeks=week - 1)
                ended = meeting_at + timedelta(minutes=45)
                round_id = next_id("round")
                rows.add(
                    ReportRound,
                    {
                        "id": round_id,
                        "forum_id": forum_id,
                        "number": week,
                        "kind": RoundKind.MEETING.value,
                        "meeting_at": meeting_at,
                        "activation_id": None,
                        "opened_at": meeting_at - timedelta(days=3, hours=8),
                        "closes_at": meeting_at + timedelta(minutes=60),
                        "closed_at": ended,
                    },
                )
                for position, (org_id, name) in enumerate(people.organisations):
                    at = meeting_at - timedelta(hours=7) + timedelta(minutes=5 * position)
                    report_id = next_id("report")
                    rows.add(
                        SituationReport,
                        {
                            "id": report_id,
                            "round_id": round_id,
                            "organisation_id": org_id,
                            "person_id": people.person_of[org_id],
                            "on_behalf": False,
                            "at": at,
                            "late": False,
                            "source": "command",
                            "unchanged_from_id": None,
                            "text": texts[(name, week)],
                            **fields[(name, week)],
                        },
                    )
                    audit(at, "report.add", forum_id, people.person_of[org_id], round=week)
                meeting_id = next_id("meeting")
                rows.add(
                    Meeting,
                    {
                        "id": meeting_id,
                        "forum_id": forum_id,
                        "number": week,
                        "title": f"Möte vecka {meeting_at.isocalendar().week}",
                        "mode": Mode.ORDINARY.value,
                        "round_id": round_id,
                        "platform": PLATFORM,
                        "channel_id": f"forum-{forum_id}",
                        "started_at": meeting_at,
                        "started_by_id": chair,
                        "ended_at": ended,
                        "ended_by_id": chair,
                        "closed_automatically": False,
                        "agenda_position": 8,
                    },
                )
                audit(meeting_at, "meeting.start", forum_id, chair, meeting=week)
                rows.add(
                    MeetingChair,
                    {"meeting_id": meeting_id, "person_id": chair, "since": meeting_at},
                )
                for org_id, _ in people.organisations[:ATTENDEES]:
                    rows.add(
                        MeetingAttendee,
                        {
                            "meeting_id": meeting_id,
                            "person_id": people.person_of[org_id],
                            "organisation_id": org_id,
                            "first_seen_at": meeting_at + timedelta(minutes=1),
                            "announced": True,
                        },
                    )
                kinds = [ItemKind.INFO] * INFO + [ItemKind.DECISION] * DECISIONS
                kinds += [ItemKind.ACTION] * ACTIONS
                rng.shuffle(kinds)
                titles = agenda_titles(Mode.ORDINARY, meeting_at, STOCKHOLM, "sv")
                sequence = 0
                topic_id = None
                for index, title in enumerate(titles):
                    notes = kinds[
                        index * len(kinds) // len(titles) : (index + 1) * len(kinds) // len(titles)
                    ]
                    for kind, text in [(ItemKind.TOPIC, title)] + [
                        (kind, f"{t('sv', f'minutes.kind.{kind.value}')} {sequence} vecka {week}")
                        for kind in notes
                    ]:
                        sequence += 1
                        item_id = next_id("item")
                        at = meeting_at + timedelta(minutes=2 * sequence)
                        org_id, _ = people.organisations[sequence % ORGANISATIONS]
                        person = people.person_of[org_id]
                        rows.add(
                            MeetingItem,
                            {
                                "id": item_id,
                                "meeting_id": meeting_id,
                                "sequence": sequence,
                                "kind": kind.value,
                                "text": text,
                                "topic_id": None if kind is ItemKind.TOPIC else topic_id,
                                "person_id": person,
                                "at": at,
                                "removed_at": None,
                                "removed_by_id": None,
                            },
                        )
                        if kind is ItemKind.TOPIC:
                            topic_id = item_id
                        audit(at, f"meeting.{kind.value}", forum_id, person, meeting=week)
                        if kind is ItemKind.ACTION:
                            action_number += 1
                            owner_id, owner = people.organisations[(sequence * 7) % ORGANISATIONS]
                            rows.add(
                                Action,
                                {
                                    "id": next_id("action"),
                                    "forum_id": forum_id,
                                    "number": action_number,
                                    "meeting_id": meeting_id,
                                    "item_id": item_id,
                                    "owner_organisation_id": owner_id,
                                    "owner_person_id": None,
                                    "owner_everyone": False,
                                    "owner_name": owner,
                                    "text": text,
                                    "due_at": meeting_at + timedelta(days=2),
                                    "created_at": at,
                                    "closed_at": None if week == weeks else at + timedelta(days=7),
                                    "closed_by_id": None if week == weeks else chair,
                                    "withdrawn_at": None,
                                },
                            )
                audit(ended, "meeting.end", forum_id, chair, meeting=week)
                audit(ended, "round.close", forum_id, chair, round=week)
        rows.flush()
    publish(database, people)
    settle(database)
    return rows.counts


def publish(database: Database, people: People) -> None:
    """Each round of the samverkanskonferens published once, at its meeting's end."""
    forum_id = next(fid for fid, slug in people.forums if slug == PUBLISHING_FORUM)
    chair = people.person_of[people.organisations[0][0]]
    rows: list[dict[str, Any]] = []
    with database.reading(context(datetime.now(UTC))) as store:
        forum = store.forums.get(forum_id)
        assert forum is not None
        number = 1
        while (target := store.reports.round_by_number(forum, number)) is not None:
            assert target.closed_at is not None
            picture = compile_picture(store, forum, target, target.closed_at, "Rep 01")
            rows.append(
                {
                    "round_id": target.id,
                    "version": 1,
                    "published_at": target.closed_at,
                    "published_by_id": chair,
                    "content": picture.to_json(),
                }
            )
            number += 1
    with database.engine.begin() as connection:
        connection.execute(_table(PublishedPicture).insert(), rows)


def settle(database: Database) -> None:
    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with database.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE")


# -- timing the commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One command in its own process: wall time and its peak resident memory."""

    what: str
    seconds: float
    peak_mb: float
    output: str


def command(what: str, args: list[str], env: dict[str, str] | None = None) -> Step:
    """Run ``samverkan-bot <args>``; its wall time, and its peak memory from the kernel's
    high-water mark (``VmHWM``, read while it runs: ``ru_maxrss`` of a child forked from this
    big process would count this process's memory too)."""
    progress(f"{what} ...")
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([str(SCRIPT), *args], stdout=out, stderr=err, env=environment)
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, high_water_kb(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SetupError(f"{what} failed ({process.returncode}): {errors.strip() or output}")
    return Step(what, seconds, peak_kb / 1024, output.strip())


def high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass  # it has just ended
    return 0


@contextmanager
def timed() -> Iterator[list[float]]:
    spent: list[float] = []
    started = time.perf_counter()
    yield spent
    spent.append(time.perf_counter() - started)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def comparable(folder: Path) -> dict[str, Any]:
    dump: dict[str, Any] = orjson.loads((folder / "database.json").read_bytes())
    return {key: value for key, value in dump.items() if key not in ("exported_at", "database")}


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    source = directory / "year.db"
    database = Database(f"sqlite:///{source}")
    try:
        progress(f"building {args.forums} forums x {args.weeks} weeks in {source}")
        with timed() as built:
            people = prepare(database, args.forums)
            counts = fill_year(database, people, args.weeks)
        with timed() as read:
            now = datetime.now(UTC)
            with snapshot(database, context(now)) as store:
                tables = dump_tables(store)
        rows = sum(len(table["rows"]) for table in tables.values())
        written_dir = directory / "dump-only"
        written_dir.mkdir()
        with timed() as written:
            write_dump(
                written_dir, tables, revision=head_revision(), exported_at=now, database="sqlite"
            )
        del tables
    finally:
        database.dispose()
    steps: list[Step] = []
    backup = directory / "backup"
    steps.append(
        command(
            "export all (SQLite)",
            ["export", "all", "--db", str(source), "--out", str(backup), "--now", NOW],
        )
    )
    files, size = folder_size(backup)
    dump_size = (backup / "database.json").stat().st_size
    steps.append(
        command(
            "import (into SQLite)",
            ["import", "--from", str(backup), "--db", str(directory / "copy.db")],
        )
    )
    result: dict[str, Any] = {
        "year": {
            "forums": args.forums,
            "weeks": args.weeks,
            "organisations": ORGANISATIONS,
            "rows": rows,
            "tables": dict(sorted(counts.items())),
            "build_seconds": built[0],
        },
        "backup": {"files": files, "bytes": size, "database_json_bytes": dump_size},
        "in_process": {"read_all_tables_s": read[0], "write_database_json_s": written[0]},
        "steps": steps,
    }
    if args.throwaway_postgres:
        from tests.support.postgres import PostgresServer

        progress("starting a throwaway PostgreSQL cluster")
        with PostgresServer() as server:
            url = server.create_database("backup_benchmark")
            steps.append(
                command(
                    "import (into PostgreSQL)",
                    ["import", "--from", str(backup)],
                    {"DATABASE_URL": url},
                )
            )
            again = directory / "backup-from-postgresql"
            steps.append(
                command(
                    "export all (PostgreSQL)",
                    ["export", "all", "--out", str(again), "--now", NOW],
                    {"DATABASE_URL": url},
                )
            )
            steps.append(
                command(
                    "import (PostgreSQL backup into SQLite)",
                    ["import", "--from", str(again), "--db", str(directory / "back.db")],
                )
            )
            equal = comparable(backup) == comparable(again)
            result["dumps_equal"] = equal
            if not equal:
                raise SetupError("the dump from PostgreSQL differs from the one from SQLite")
    result["steps"] = [step.__dict__ for step in steps]
    return result


# -- output --------------------------------------------------------------------------------------


def print_table(result: dict[str, Any]) -> None:
    machine, year, backup = result["machine"], result["year"], result["backup"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs "
        f"({machine['cpus_usable']} usable) {machine['cpu_model'] or ''} | "
        f"SQLite {machine['sqlite']} | SQLAlchemy {machine['sqlalchemy']}"
    )
    print(f"{machine['platform']} | load average at start: {machine['load_average']}")
    tables = year["tables"]
    print(
        f"The year: {year['forums']} forums x {year['weeks']} weeks, {year['organisations']} "
        f"organisations: {tables.get('situationreport', 0)} situation reports, "
        f"{tables.get('meeting', 0)} meetings, {tables.get('meetingitem', 0)} items, "
        f"{tables.get('auditevent', 0)} audit events; {year['rows']} rows in all "
        f"(built in {year['build_seconds']:.1f} s)."
    )
    print(
        f"The backup: {backup['files']} files, {backup['bytes'] / 1e6:.0f} MB, of which "
        f"database.json {backup['database_json_bytes'] / 1e6:.0f} MB."
    )
    print()
    header = f"{'step (the command, its own process)':<40} {'seconds':>8} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    for step in result["steps"]:
        print(f"{step['what']:<40} {step['seconds']:>8.1f} {step['peak_mb']:>8.0f}")
    inside = result["in_process"]
    print()
    print(
        f"Of the export, in this process: reading every table in one snapshot "
        f"{inside['read_all_tables_s']:.1f} s, writing database.json "
        f"{inside['write_database_json_s']:.1f} s."
    )
    if "dumps_equal" in result:
        print(f"Dumps from SQLite and PostgreSQL equal: {result['dumps_equal']}")
    if result.get("failure"):
        print()
        print(f"Failed: {result['failure']}")


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time export all and import of a year of forums, reports and meetings."
    )
    parser.add_argument("--forums", type=int, default=40, help="forums (40; 7 are the seed's)")
    parser.add_argument("--weeks", type=int, default=52, help="weeks of history (52)")
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="also import into and export from a PostgreSQL cluster started for this run",
    )
    parser.add_argument(
        "--tmpdir", type=Path, default=None, help="where the temporary directory goes"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.forums < 7 or args.weeks < 1:
        parser.error("--forums at least 7 (the seed's), --weeks at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    result: dict[str, Any] = {"machine": machine_info()}
    with tempfile.TemporaryDirectory(prefix="samverkan-backup-", dir=args.tmpdir) as temp:
        try:
            result.update(run(args, Path(temp)))
        except SetupError as error:
            result["failure"] = str(error)
            print(f"backup benchmark: {error}", file=sys.stderr)
            return 2
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    emit(result, args.json, print_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

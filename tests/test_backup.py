"""``samverkan-bot export all`` and ``samverkan-bot import``: a backup that loses nothing.

A realistic database is built through the real dispatcher (two forums, one in English; an
activation with call-out, acknowledgement and a request; reports superseded, sent for an
organisation, unchanged, late and with markup; published versions; meetings with items,
an undone one, actions with owners and due times, an item raised to another forum; reminders,
a weekly one, a form dialog left open, event ids, the timed jobs' posts, a door's state and
the leader's lease). It is exported from SQLite, imported into a throwaway PostgreSQL,
exported again, and the two dumps must be equal in every table, row and column; then the same
the other way round. The files for people are checked against what ``export protokoll`` and
``export lägesbild`` print, and every refusal leaves the target as it was.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import inspect
from sqlmodel import Session

import bot.backup.export_all as export_all_module
from bot.backup.dump import LineDump, read_dump
from bot.cli import main
from commands.core.clock import FixedClock
from storage import AuditContext, Database
from storage.database import sqlite_file
from storage.door_state import DoorStates
from storage.dump import dump_tables, head_revision, known_revisions, snapshot
from storage.leases import Leases
from storage.migrate import upgrade
from tests.support.chat import Chat
from tests.support.databases import Databases
from tests.support.environment import clean_env
from tests.test_export import SCRIPT, markdown_html

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = "2026-12-03 18:00"  # the backups are taken then (local time)
MARKUP = "E4 stängd <script>alert(1)</script> [x](http://evil) **fet** | a | b |"
# Every file of a backup: slugs, numbers, fixed names.
SAFE_PATH = re.compile(r"[a-z0-9][a-z0-9.-]*(/[a-z0-9][a-z0-9.-]*)*")


# -- running the command line ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """``samverkan-bot <args>`` through the real entry point, in this process."""
    capsys.readouterr()
    status = main(list(args))
    captured = capsys.readouterr()
    return Ran(status, captured.out, captured.err)


def assert_refused(result: Ran, message: str, status: int = 2) -> None:
    """One line on standard error, the status, no traceback, nothing on standard output."""
    assert result.status == status, result.err
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("samverkan-bot: ")
    assert message in lines[0], lines[0]


def export_all(capsys: pytest.CaptureFixture[str], url: str, out: Path, *more: str) -> Ran:
    """``export all`` of the database at ``url`` (SQLite by ``--db``, else DATABASE_URL)."""
    path = sqlite_file(url)
    where = ["--db", path] if path is not None else []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        return run(capsys, "export", "all", *where, "--out", str(out), "--now", NOW, *more)


def import_into(capsys: pytest.CaptureFixture[str], url: str, source: Path) -> Ran:
    path = sqlite_file(url)
    where = ["--db", path] if path is not None else []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        return run(capsys, "import", "--from", str(source), *where)


def dumped(url: str) -> dict[str, Any]:
    """Every table's rows, as the dump reads them."""
    database = Database(url)
    try:
        context = AuditContext("test", "", "test", "test", datetime.now(UTC))
        with snapshot(database, context) as store:
            return dump_tables(store)
    finally:
        database.dispose()


def document(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads((folder / "database.json").read_bytes())
    return loaded


def without_time(dump: dict[str, Any]) -> dict[str, Any]:
    """The dump but for when it was written and from which kind of database."""
    return {key: value for key, value in dump.items() if key not in ("exported_at", "database")}


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# -- a database with a bit of everything ----------------------------------------------------------


def _ok(chat: Chat, text: str, **kwargs: Any) -> None:
    said = chat.say(text, **kwargs)
    assert said.ok, f"{text}: {said.text}"


def _at(chat: Chat, day: int, hour: int, minute: int = 0, microsecond: int = 0) -> None:
    chat.clock.set(datetime(2026, 11, day, hour, minute, 0, microsecond, tzinfo=STOCKHOLM))


def fill(database: Database) -> None:
    """Two weeks of two forums, through the dispatcher and the timed jobs."""
    chat = Chat(database, FixedClock(datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)))
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(chat, "!forum språk en", channel="ledning")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, "!aktör SOS Alarm", person="cilla")
    _ok(chat, "!aktör ny Norrvatten övrig")
    _ok(chat, "!roll @bo koordinator")
    _ok(chat, "!roll @cia koordinator regionalt")
    _ok(chat, "!beredskap ta över RSK")
    _ok(chat, "!beredskap schema TiB @anna, @bo måndag 08:00")
    _ok(chat, "!begär aktivering Stormen närmar sig", person="anna")
    _ok(chat, "!aktivera Storm Dagmar, elavbrott i norra länet")
    _ok(chat, "!kvittera", person="anna", event_id="evt-ack-1")
    _ok(chat, "!släpp Försvarsmakten")
    _ok(chat, "!kalla in Försvarsmakten")
    _ok(chat, "!släpp Stockholms hamnar")
    _ok(chat, "!värd Polisen")
    _ok(chat, "!läge Läge: första versionen", person="anna")
    _ok(chat, "!lägesbild publicera")
    _at(chat, 26, 15, 5, 123456)  # an instant with microseconds
    _ok(chat, "!läge Läge: andra versionen\nPrognos: bättre i kväll", person="anna")
    _ok(chat, f"!läge Läge: {MARKUP}\nBehov: röjning på väg 76 🌲", person="bo")
    _ok(chat, "!läge för SOS Alarm Läge: inringt per telefon")
    _ok(chat, "!lägesbild publicera")
    _at(chat, 26, 16)
    _ok(chat, "!möte start Stormmöte")
    _ok(chat, "!närvarande", person="anna")
    _ok(chat, "!info SMHI varnar för **kraftig** vind\nrad två", person="bo")
    _ok(chat, "!punkt nästa")
    _ok(chat, "!beslut Polisen leder trafikinsatsen", person="anna")
    _ok(chat, "!åtgärd Polisen Ta fram trafikplan för E4 senast fredag kl 12")
    _ok(chat, "!åtgärd @bo Skylta om vid Rotebro")
    _ok(chat, "!lyft chefsgrupp Behov av samordnad kommunikation", permalink="https://x/1")
    _ok(chat, "!info Fel punkt", person="bo")
    _ok(chat, "!ångra")
    _ok(chat, "!ordförande @anna")
    _ok(chat, "!påminn imorgon kl 08.30 Ring SMHI")
    _ok(chat, "!påminn varje torsdag 15:00 Lägesrapport till konferensen")
    _at(chat, 26, 16, 40)
    _ok(chat, "!möte slut")
    # The activation's rhythm, a joint message and the joint regional direction.
    _ok(chat, "!rytm var 4:e timme från 20:00")
    _ok(chat, "!budskap förslag Undvik onödiga resor", person="anna")
    _ok(chat, "!budskap invändning 1 För vagt", person="bo")
    _ok(chat, "!budskap ok 1", person="anna")
    _ok(chat, "!budskap fastställ 1")
    _ok(
        chat,
        "!inriktning förslag Målbild: Samhällsviktig verksamhet fungerar\nGäller till: om 2 dagar",
    )
    _ok(chat, "!inriktning ändra Prioriteringar: Liv och hälsa först")
    _ok(chat, "!forum koppla inriktande forum", channel="inriktande")
    _ok(chat, "!inriktning föredra")
    _ok(chat, "!inriktning fastställ", channel="inriktande")
    _ok(chat, "!inriktning kvittera", person="anna")
    _ok(chat, "!avaktivera Elen åter")
    # A thematic group under the samordningsgrupp reports back; chefsgrupp's activated agenda.
    _ok(chat, "!forum skapa Kommunikationsgruppen tematisk under samordningsgrupp")
    _ok(chat, "!forum koppla Kommunikationsgruppen", channel="tema")
    _ok(chat, "!återrapport Budskapen är samordnade", channel="tema")
    _ok(chat, "!dagordning sätt aktiverat Inledning; Läget; Nästa möte", channel="ledning")
    # The Regional chefsgrupp (in English, no schedule): an exercise, and a report too late.
    _ok(chat, "!aktivera Övning", channel="ledning")
    _ok(chat, "!läge Situation: the exercise goes well", person="anna", channel="ledning")
    _ok(chat, "!avaktivera", channel="ledning")
    _ok(chat, "!läge Situation: after the fact", person="bo", channel="ledning")
    chat.tick()
    # The week after: the Thursday conference's round, an unchanged report and a late one.
    chat.clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=STOCKHOLM))
    chat.tick()
    _ok(chat, "!läge oförändrat", person="anna")
    _ok(chat, "!läge Läge: lugnt", person="bo")
    _ok(chat, "!lägesbild publicera")
    chat.clock.set(datetime(2026, 12, 3, 16, 0, tzinfo=STOCKHOLM))
    _ok(chat, "!möte start")
    _ok(chat, "!åtgärd klar 1")
    _ok(chat, "!info Inget nytt", person="bo")
    _ok(chat, "!möte start Chefsgruppen", channel="ledning")
    _ok(chat, "!beslut Följa upp kommunikationen", channel="ledning")
    chat.clock.set(datetime(2026, 12, 3, 16, 30, tzinfo=STOCKHOLM))
    _ok(chat, "!möte slut")
    _ok(chat, "!möte slut", channel="ledning")
    _ok(chat, "!övning start Stormövning", channel="ledning")  # an exercise, nothing in it
    _ok(chat, "!övning slut", channel="ledning")
    _ok(chat, "!webb", person="anna")  # a sign-in link to the web pages
    _ok(chat, "!webb skärm")  # a display link for a staff-room screen (forum_id)
    _ok(chat, "!läge Läge: nästa vecka", person="cilla")
    _ok(chat, "!läge formulär", person="cilla")  # a dialog left open
    chat.tick()
    # What the doors and the leader keep.
    at = datetime(2026, 12, 3, 16, 31, tzinfo=STOCKHOLM)
    with Session(database.engine) as session:
        DoorStates(session).put("matrix", "sync_token", "s123_456", at)
        Leases(session).hold("leader", "bot-1", at, timedelta(seconds=15))
        session.commit()


@pytest.fixture(scope="session")
def filled_template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded SQLite template with the two weeks in it, built once."""
    path = tmp_path_factory.mktemp("filled") / "filled.db"
    path.write_bytes(template_db.read_bytes())
    database = Database(f"sqlite:///{path}")
    try:
        fill(database)
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.dispose()
    return path


@pytest.fixture
def filled(filled_template: Path, tmp_path: Path) -> str:
    """The URL of a copy of the filled SQLite database."""
    path = tmp_path / "bot.db"
    path.write_bytes(filled_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def backup(filled_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``export all`` of the filled database, by the installed script in its own process."""
    out = tmp_path_factory.mktemp("backup") / "backup"
    result = subprocess.run(
        [
            str(SCRIPT),
            "export",
            "all",
            "--db",
            str(filled_template),
            "--out",
            str(out),
            "--now",
            NOW,
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(
        f"wrote {out}: 8 forums, 4 rounds (3 published versions), 3 meetings, 9 situation reports, "
    )
    return out


# -- the round trips ------------------------------------------------------------------------------


def test_the_filled_database_has_rows_in_every_table(backup: Path) -> None:
    """Otherwise the round trips below would prove less than they claim."""
    tables = document(backup)["tables"]
    empty = [name for name, table in tables.items() if not table["rows"]]
    assert empty == []
    reports = tables["situationreport"]["rows"]
    assert {row["source"] for row in reports} >= {"command", "unchanged"}
    assert any(row["late"] for row in reports)
    assert any(row["on_behalf"] for row in reports)
    assert any(row["unchanged_from_id"] is not None for row in reports)
    assert any(row["removed_at"] is not None for row in tables["meetingitem"]["rows"])
    assert any(row["rule"] is not None for row in tables["scheduledpost"]["rows"])
    assert ".123456+00:00" in (backup / "database.json").read_text(encoding="utf-8")


def test_sqlite_to_postgresql_and_back_loses_nothing(
    backup: Path,
    databases: Databases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = document(backup)
    assert original["schema_revision"] == head_revision()
    assert original["database"] == "sqlite"
    # Into a PostgreSQL database as a first start leaves it (migrated and seeded), by the
    # installed script: the seed gives way to the backup's forums and organisations.
    postgres = databases.prepared("postgresql")
    loaded = subprocess.run(
        [str(SCRIPT), "import", "--from", str(backup)],
        capture_output=True,
        text=True,
        env=clean_env({"DATABASE_URL": postgres}),
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    rows = sum(len(table["rows"]) for table in original["tables"].values())
    assert loaded.stdout.startswith(f"imported {rows} rows from {backup} into postgresql")
    again = tmp_path / "from-postgresql"
    result = export_all(capsys, postgres, again)
    assert result.status == 0, result.err
    second = document(again)
    assert second["database"] == "postgresql"
    assert without_time(second) == without_time(original)
    # Every file for people is the same, byte for byte, whichever database it came from.
    first_files, second_files = files(backup), files(again)
    for name in ("database.json", "README.txt"):
        first_files.pop(name), second_files.pop(name)
    assert second_files == first_files

    # And back: into a new SQLite file.
    path = tmp_path / "restored.db"
    result = import_into(capsys, f"sqlite:///{path}", again)
    assert result.status == 0, result.err
    third = tmp_path / "from-sqlite-again"
    assert export_all(capsys, f"sqlite:///{path}", third).status == 0
    assert without_time(document(third)) == without_time(original)


def test_after_an_import_into_postgresql_the_bot_goes_on_adding_rows(
    backup: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id sequences continue after the imported ids: new rows do not collide."""
    postgres = databases.empty("postgresql")
    assert import_into(capsys, postgres, backup).status == 0
    before = {name: table["rows"] for name, table in document(backup)["tables"].items()}
    database = Database(postgres)
    try:
        chat = Chat(database, FixedClock(datetime(2026, 12, 10, 15, 0, tzinfo=STOCKHOLM)))
        _ok(chat, "!läge Läge: efter flytten", person="anna")
        _ok(chat, "!aktör Region Stockholm", person="dora")  # a new person
        _ok(chat, "!möte start Första mötet i PostgreSQL")
        _ok(chat, "!åtgärd Polisen Något nytt")
        _ok(chat, "!påminn om 2 timmar Kolla läget")
        _ok(chat, "!möte slut")
        minutes = chat.say("!protokoll")
        assert "Första mötet i PostgreSQL" in minutes.text
    finally:
        database.dispose()
    after = dumped(postgres)
    for table in ("situationreport", "person", "meeting", "meetingitem", "action"):
        old_ids = {row["id"] for row in before[table]}
        new = [row for row in after[table]["rows"] if row["id"] not in old_ids]
        assert new, table
        assert min(row["id"] for row in new) == max(old_ids) + 1, table
    # The imported rows are untouched.
    for table in ("auditevent", "publishedpicture", "escalation"):
        assert after[table]["rows"][: len(before[table])] == before[table]


# -- the files for people -------------------------------------------------------------------------


def test_each_meetings_minutes_are_what_export_protokoll_prints(
    backup: Path, filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_file(filled)
    assert path is not None
    meetings = document(backup)["tables"]["meeting"]["rows"]
    slugs = {row["id"]: row["slug"] for row in document(backup)["tables"]["forum"]["rows"]}
    assert len(meetings) == 3
    for meeting in meetings:
        slug, number = slugs[meeting["forum_id"]], meeting["number"]
        for fmt in ("md", "json"):
            printed = run(
                capsys, "export", "protokoll", "--db", path, "--forum", slug,
                "--meeting", str(number), "--format", fmt,
            )  # fmt: skip
            assert printed.status == 0, printed.err
            written = backup / "forum" / slug / "protokoll" / f"mote-{number:04d}.{fmt}"
            assert written.read_text(encoding="utf-8") == printed.out
    english = (backup / "forum/chefsgrupp/protokoll/mote-0001.md").read_text(encoding="utf-8")
    assert "# Minutes – Regional chefsgrupp, meeting 1" in english  # the forum's language


def test_each_direction_is_what_export_inriktning_prints(
    backup: Path, filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_file(filled)
    assert path is not None
    for fmt in ("md", "json"):
        printed = run(
            capsys, "export", "inriktning", "--db", path, "--number", "1", "--format", fmt,
            "--now", NOW,
        )  # fmt: skip
        assert printed.status == 0, printed.err
        written = backup / "forum/samverkanskonferens/inriktning" / f"inriktning-0001.{fmt}"
        assert written.read_text(encoding="utf-8") == printed.out
    text = (backup / "forum/samverkanskonferens/inriktning/inriktning-0001.md").read_text(
        encoding="utf-8"
    )
    assert "Samhällsviktig verksamhet fungerar" in text
    assert "Polisen Region Stockholm" in text  # it confirmed


def test_each_rounds_picture_and_published_version_is_what_export_lägesbild_prints(
    backup: Path, filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_file(filled)
    assert path is not None
    folder = backup / "forum/samverkanskonferens/lagesbild"
    stems = ("0001", "0001-version-1", "0001-version-2", "0002", "0002-version-1", "0003")
    assert {p.name for p in folder.iterdir()} == {
        f"runda-{stem}.{fmt}" for stem in stems for fmt in ("json", "md")
    }
    for stem, extra in (
        ("runda-0001", ["--round", "1"]),
        ("runda-0002", ["--round", "2"]),
        ("runda-0003", ["--round", "3"]),
        ("runda-0001-version-2", ["--round", "1", "--version", "2"]),
    ):
        printed = run(
            capsys, "export", "lägesbild", "--db", path, "--now", NOW,
            "--forum", "samverkanskonferens", *extra, "--format", "md",
        )  # fmt: skip
        assert printed.status == 0, printed.err
        assert (folder / f"{stem}.md").read_text(encoding="utf-8") == printed.out
    first = (folder / "runda-0001.md").read_text(encoding="utf-8")
    assert "andra versionen" in first
    assert "första versionen" not in first  # the picture has the newest report only
    assert "<script>" not in markdown_html(first)


def test_the_reports_file_has_every_report_as_written(backup: Path) -> None:
    text = (backup / "forum/samverkanskonferens/lagesrapporter.md").read_text(encoding="utf-8")
    reports = document(backup)["tables"]["situationreport"]["rows"]
    assert text.count("\n### ") == 7
    assert text.index("första versionen") < text.index("andra versionen")  # superseded kept
    assert "*rapporterad 2026-11-26 15:05 av operator · lämnad av koordinator*" in text
    assert "oförändrad sedan 2026-11-26 15:05" in text
    assert "<script>" not in markdown_html(text)
    assert "E4 stängd &lt;script&gt;alert(1)&lt;/script&gt;" in markdown_html(text)
    english = (backup / "forum/chefsgrupp/lagesrapporter.md").read_text(encoding="utf-8")
    assert "# Situation reports – Regional chefsgrupp" in english
    assert "*reported 2026-11-26 16:40 by bo · late*" in english
    texts = []
    for slug in ("samverkanskonferens", "chefsgrupp"):
        data = orjson.loads((backup / "forum" / slug / "lagesrapporter.json").read_bytes())
        texts += [report["text"] for entry in data["rounds"] for report in entry["reports"]]
        if slug == "samverkanskonferens":
            assert data["rounds"][0]["label"] == "runda 1 (aktivering 2026-11-26 15:00)"
    assert sorted(texts) == sorted(row["text"] for row in reports)


def test_the_audit_log_has_every_event(backup: Path) -> None:
    events = document(backup)["tables"]["auditevent"]["rows"]
    assert len(events) > 40
    written = orjson.loads((backup / "audit.json").read_bytes())["events"]
    assert [event["id"] for event in written] == [event["id"] for event in events]
    assert [event["action"] for event in written] == [event["action"] for event in events]
    assert {event["forum"] for event in written} >= {"samverkanskonferens", "chefsgrupp", None}
    text = (backup / "audit.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == len(events)
    assert f"Händelser: {len(events)}, äldsta först. Tider i Europe/Stockholm." in text
    assert "## 2026-11-26" in text
    assert "## 2026-12-03" in text


def test_the_readme_says_what_is_where_and_names_are_safe(backup: Path) -> None:
    readme = (backup / "README.txt").read_text(encoding="utf-8")
    assert "samverkan-bot import --from" in readme
    assert f"schema revision {head_revision()}" in readme
    assert (
        "forum/samverkanskonferens/  Regional samverkanskonferens: 3 rundor/rounds "
        "(3 publicerade/published), 2 möten/meetings, 7 lägesrapporter/reports"
    ) in readme
    for name in files(backup):
        assert name == "README.txt" or SAFE_PATH.fullmatch(name), name
    assert {path.name for path in (backup / "forum").iterdir()} == {
        row["slug"] for row in document(backup)["tables"]["forum"]["rows"]
    }


def test_lang_en_writes_the_files_for_people_in_english(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "en"
    assert export_all(capsys, filled, out, "--lang", "en").status == 0
    text = (out / "forum/samverkanskonferens/protokoll/mote-0001.md").read_text(encoding="utf-8")
    assert text.startswith("# Minutes – Regional samverkanskonferens, meeting 1")
    assert "Events: " in (out / "audit.md").read_text(encoding="utf-8")
    reports = (out / "forum/samverkanskonferens/lagesrapporter.md").read_text(encoding="utf-8")
    assert "sent by a coordinator" in reports


# -- export all: read-only, and its refusals ------------------------------------------------------


def test_export_all_changes_nothing_in_the_database(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dumped(filled)
    assert export_all(capsys, filled, tmp_path / "new" / "folder").status == 0
    assert dumped(filled) == before
    # An empty folder that exists is fine too.
    (tmp_path / "empty").mkdir()
    assert export_all(capsys, filled, tmp_path / "empty").status == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_bot_writing_meanwhile_is_not_blocked_and_not_half_in_the_backup(
    backup: Path,
    databases: Databases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    backend: Any,
) -> None:
    """While the export compiles the pictures, a report is sent: it is saved at once, and the
    backup is the database as it was when the export began, in every file."""
    source = databases.empty(backend)
    assert import_into(capsys, source, backup).status == 0
    database = Database(source)
    chat = Chat(database, FixedClock(datetime(2026, 12, 3, 17, 0, tzinfo=STOCKHOLM)))
    compiling = export_all_module.compile_picture
    sent: list[bool] = []

    def compile_and_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not sent:
            said = chat.say("!läge Läge: skickad under säkerhetskopieringen", person="bo")
            sent.append(said.ok)
        return compiling(*args, **kwargs)

    monkeypatch.setattr(export_all_module, "compile_picture", compile_and_meanwhile)
    out = tmp_path / "during"
    try:
        assert export_all(capsys, source, out).status == 0
    finally:
        database.dispose()
    assert sent == [True]
    assert "skickad under" in str(dumped(source)["situationreport"]["rows"])
    assert without_time(document(out)) == without_time(document(backup))
    for path in out.rglob("*.md"):
        assert "skickad under" not in path.read_text(encoding="utf-8"), path


def test_a_backup_that_fails_midway_has_no_database_json(
    filled: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def disk_full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_all_module, "reports_markdown", disk_full)
    out = tmp_path / "out"
    result = export_all(capsys, filled, out)
    assert_refused(result, "the backup there is incomplete: No space left on device", status=1)
    assert not (out / "database.json").exists()
    assert not (out / "database.json.partial").exists()
    # What import says of such a folder.
    assert_refused(import_into(capsys, f"sqlite:///{tmp_path / 'x.db'}", out), "no database.json")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("full", "is not empty"),
        ("file", "is a file, not a folder"),
        ("under-file", "cannot create"),
        ("no-database", "no database at"),
    ],
)
def test_export_all_refusals_are_one_line_and_status_2(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
) -> None:
    out = tmp_path / "out"
    url = filled
    if setup == "full":
        out.mkdir()
        (out / "old.txt").write_text("keep me")
    elif setup == "file":
        out.write_text("keep me")
    elif setup == "under-file":
        (tmp_path / "file").write_text("keep me")
        out = tmp_path / "file" / "out"
    else:
        url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert_refused(export_all(capsys, url, out), message)
    if setup == "full":
        assert [p.name for p in out.iterdir()] == ["old.txt"]
    if setup == "no-database":
        assert not (tmp_path / "missing.db").exists()
        assert not out.exists()


def test_export_all_refuses_a_database_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    old = Database(f"sqlite:///{path}")
    upgrade(old.engine, known_revisions()[-2])
    old.dispose()
    result = export_all(capsys, f"sqlite:///{path}", tmp_path / "out")
    assert_refused(result, "run samverkan-bot migrate first")


# -- import: refusals, and all or nothing ---------------------------------------------------------


def _copy(backup: Path, to: Path, change: Any = None) -> Path:
    """A copy of the backup's dump, changed by ``change(document)``."""
    to.mkdir()
    data = document(backup)
    if change is not None:
        change(data)
    (to / "database.json").write_bytes(orjson.dumps(data))
    return to


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda backup, to: to, "the folder does not exist"),
        (lambda backup, to: (to.mkdir(), to)[1], "has no database.json"),
        (
            lambda backup, to: (to.mkdir(), (to / "database.json").write_text("{nope"), to)[2],
            "is not a samverkan-bot database dump",
        ),
        (
            lambda backup, to: (to.mkdir(), (to / "database.json").write_text("[1, 2]"), to)[2],
            "not a samverkan-bot database dump",
        ),
        (
            lambda backup, to: _copy(backup, to, lambda d: d.update(format_version=2)),
            "format version 2 is unknown to this samverkan-bot, which reads version 1",
        ),
        (
            lambda backup, to: _copy(backup, to, lambda d: d.update(schema_revision="9999")),
            "newer than this samverkan-bot",
        ),
        (
            lambda backup, to: _copy(backup, to, lambda d: d["tables"].pop("meeting")),
            "the dump has no rows of the table meeting",
        ),
    ],
)
def test_import_refuses_what_is_not_a_backup_it_can_read(
    backup: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    template_db: Path,
    make: Any,
    message: str,
) -> None:
    target = tmp_path / "target.db"
    target.write_bytes(template_db.read_bytes())
    before = dumped(f"sqlite:///{target}")
    source = make(backup, tmp_path / "backup")
    assert_refused(import_into(capsys, f"sqlite:///{target}", source), message)
    assert dumped(f"sqlite:///{target}") == before
    # A new file is not left behind either.
    assert_refused(import_into(capsys, f"sqlite:///{tmp_path / 'new.db'}", source), message)
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_import_refuses_a_database_with_data_and_changes_nothing(
    backup: Path, databases: Databases, capsys: pytest.CaptureFixture[str], backend: Any
) -> None:
    target = databases.prepared(backend)
    database = Database(target)
    try:
        chat = Chat(database, FixedClock(datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)))
        _ok(chat, "!forum koppla samverkanskonferens")
    finally:
        database.dispose()
    before = dumped(target)
    result = import_into(capsys, target, backup)
    assert_refused(result, "the target database already holds data (auditevent (1), ")
    assert "channelbinding (1)" in result.err
    assert dumped(target) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_failure_midway_leaves_the_target_as_it_was(
    backup: Path,
    databases: Databases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    backend: Any,
) -> None:
    """The last table with forums' rows: its last row refers to a forum that does not exist;
    everything before it was inserted (and the seed deleted) in the same transaction, and all
    of it is undone."""

    def broken(data: dict[str, Any]) -> None:
        tables = data["tables"]
        last = [
            name
            for name in tables
            if tables[name]["rows"] and "forum_id" in tables[name]["rows"][-1]
        ][-1]
        tables[last]["rows"][-1]["forum_id"] = 999_999

    source = _copy(backup, tmp_path / "broken", broken)
    target = databases.prepared(backend)
    before = dumped(target)
    result = import_into(capsys, target, source)
    assert_refused(result, "the import failed and nothing was imported: ", status=1)
    assert dumped(target) == before


def test_a_row_that_cannot_be_read_refuses_the_import_and_changes_nothing(
    backup: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def naive(data: dict[str, Any]) -> None:
        data["tables"]["auditevent"]["rows"][3]["at"] = "2026-11-26T15:00:00"

    source = _copy(backup, tmp_path / "naive", naive)
    target = databases.prepared("sqlite")
    before = dumped(target)
    result = import_into(capsys, target, source)
    assert_refused(result, "row 4 of the dump's table auditevent: an instant without its offset")
    assert dumped(target) == before


def test_export_alls_dump_is_read_a_row_a_line_and_any_other_layout_whole(
    backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A year's dump need not be in memory at once; and the same JSON laid out otherwise (a
    tool reformatted it) imports all the same."""
    assert isinstance(read_dump(backup), LineDump)
    other = tmp_path / "reformatted"
    other.mkdir()
    (other / "database.json").write_bytes(
        orjson.dumps(document(backup), option=orjson.OPT_INDENT_2)
    )
    assert not isinstance(read_dump(other), LineDump)
    path = tmp_path / "from-reformatted.db"
    assert import_into(capsys, f"sqlite:///{path}", other).status == 0
    again = tmp_path / "again"
    assert export_all(capsys, f"sqlite:///{path}", again).status == 0
    assert without_time(document(again)) == without_time(document(backup))


def test_a_damaged_row_refuses_the_import_and_changes_nothing(
    backup: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    lines = (backup / "database.json").read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index('    "meetingitem": {\n') + 3  # past the columns and "rows": [
    lines[start + 1] = lines[start + 1].replace('"kind":', '"kind" ', 1)
    (damaged / "database.json").write_text("".join(lines), encoding="utf-8")
    assert isinstance(read_dump(damaged), LineDump)  # the layout is whole; one row is not
    target = databases.prepared("postgresql")
    before = dumped(target)
    result = import_into(capsys, target, damaged)
    assert_refused(result, "row 2 of the dump's table meetingitem is not JSON")
    assert dumped(target) == before


# What the newest migration derives from an older schema's rows rather than filling with a
# default (its own assertions below).
DERIVED_TABLES = {"forumrepresentative"}
DERIVED_COLUMNS = {("forum", "agenda")}


def test_a_backup_of_an_older_schema_is_brought_up_to_date(
    backup: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup written before the newest migration: its rows go through the migrations, and
    what the newer schema adds takes its defaults."""
    older = known_revisions()[-2]
    scratch = Database(f"sqlite:///{tmp_path / 'shape.db'}")
    upgrade(scratch.engine, older)
    with scratch.engine.connect() as connection:
        shape = {
            name: [column["name"] for column in inspect(connection).get_columns(name)]
            for name in inspect(connection).get_table_names()
            if name != "alembic_version"
        }
    scratch.dispose()
    original = document(backup)["tables"]

    def older_rows(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows an older schema could hold (a thematic group's report back, without a
        meeting, came with 0012)."""
        if older == "0011" and name == "escalation":
            return [row for row in rows if row["kind"] != "report_back"]
        return rows

    def made_older(data: dict[str, Any]) -> None:
        data["schema_revision"] = older
        data["tables"] = {
            name: {
                "columns": shape[name],
                "rows": [
                    {c: row[c] for c in shape[name]} for row in older_rows(name, table["rows"])
                ],
            }
            for name, table in data["tables"].items()
            if name in shape
        }

    source = _copy(backup, tmp_path / "older", made_older)
    target = databases.empty("postgresql")
    result = import_into(capsys, target, source)
    assert result.status == 0, result.err
    now = dumped(target)
    for name, table in original.items():
        if name in DERIVED_TABLES:
            continue  # checked below
        if name not in shape:
            assert now[name]["rows"] == [], name  # a table the older schema had not
            continue
        added = [c for c in table["columns"] if c not in shape[name]]
        kept = [{c: row[c] for c in shape[name]} for row in now[name]["rows"]]
        was = older_rows(name, table["rows"])
        assert kept == [{c: row[c] for c in shape[name]} for row in was], name
        for column in added:  # one default for every row
            if (name, column) in DERIVED_COLUMNS:
                continue
            assert len({orjson.dumps(row[column]) for row in now[name]["rows"]}) <= 1, column
    if older == "0011":
        # Migration 0012 makes whoever represented an organisation its ordinarie in each
        # forum the organisation is a member of, and gives the groups their own agendas.
        organisation_of = {row["id"]: row["organisation_id"] for row in now["person"]["rows"]}
        members = {
            (row["forum_id"], row["organisation_id"]) for row in now["forumparticipant"]["rows"]
        }
        represented = {
            (row["forum_id"], row["person_id"], row["organisation_id"], row["kind"])
            for row in now["forumrepresentative"]["rows"]
        }
        assert represented == {
            (forum_id, person_id, organisation_id, "ordinary")
            for person_id, organisation_id in organisation_of.items()
            if organisation_id is not None
            for forum_id, member in members
            if member == organisation_id
        }
        agendas = {row["slug"]: row["agenda"] for row in now["forum"]["rows"]}
        assert agendas["chefsgrupp"]["ordinary"][1] == {"key": "decisions_follow_up"}
        assert agendas["samverkanskonferens"] is None

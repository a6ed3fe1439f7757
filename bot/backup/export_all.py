"""``samverkan-bot export all --out DIR``: a whole backup in a new folder.

Everything is read in one consistent, read-only snapshot of the database
(:func:`storage.dump.snapshot`), so a bot may keep running meanwhile and the files agree with
each other. The big tables stream from the database into the files, so memory stays small
whatever the history. The folder gets (see the README written into it):

- ``database.json``: every table without loss (:mod:`bot.backup.dump`), for ``import``;
- ``audit.json``/``audit.md``: the whole audit log;
- ``forum/<slug>/``: per forum each round's joint picture as compiled now and each published
  version (the picture export's own Markdown and JSON, :mod:`bot.export.picture_export`), each
  meeting's minutes (:mod:`bot.export.minutes_export`, exactly what ``export protokoll`` writes),
  each joint regional direction drafted for it (:mod:`bot.export.direction_export`, what
  ``!inriktning fil`` attaches), and every situation report (:mod:`bot.backup.records`);
- ``README.txt``: what is where, written last.

File names are made of slugs and numbers only. A folder that exists and is not empty is
refused, so a backup never mixes with another. Folders are made 0700 and files 0600: a
backup holds everything the forums said. ``database.json`` appears whole or not at all,
and only once every other file is written: a folder without it is not a backup.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.backup import DUMP_FILE, BackupError
from bot.backup.dump import DumpWriter
from bot.backup.records import (
    AuditFiles,
    ForumFolder,
    Names,
    RoundReports,
    Row,
    readme,
    reports_json,
    reports_markdown,
)
from bot.export.direction_export import render_direction
from bot.export.minutes_export import render_minutes
from bot.export.picture_export import render
from bot.export.source import ExportedPicture, live_picture_at, picture_exercise
from bot.files import open_private, private_folder
from commands.core.i18n import normalise_language, t
from commands.joint_direction.data import direction_record
from commands.minutes.record import Minutes, compile_minutes, minutes_of
from commands.situation.picture import Picture, compile_picture
from commands.situation.rounds import is_closed, round_label
from storage import AuditContext, Database, Store
from storage.database import sqlite_file
from storage.dump import (
    head_revision,
    known_revisions,
    row_count,
    rows_where,
    schema_revision,
    snapshot,
    table_rows,
    tables,
)
from storage.models import Forum, Meeting, ReportRound, SituationReport

README = "README.txt"
FORMATS = ("md", "json")
_SAFE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


@dataclass(frozen=True)
class Summary:
    """What a backup holds, for the line the command prints."""

    forums: int
    rounds: int
    versions: int
    meetings: int
    reports: int
    audit_events: int
    rows: int
    files: int

    def line(self, out: Path) -> str:
        return (
            f"wrote {out}: {self.forums} forums, {self.rounds} rounds ({self.versions} "
            f"published versions), {self.meetings} meetings, {self.reports} situation reports, "
            f"{self.audit_events} audit events; {self.rows} rows in {DUMP_FILE}, "
            f"{self.files} files"
        )


def check_folder(out: Path) -> None:
    """Refuse a folder that holds something already, or a path that is not a folder."""
    try:
        if out.is_dir():
            if any(out.iterdir()):
                raise BackupError(
                    f"{out} is not empty: export all writes a new folder, or an empty one"
                )
        elif out.exists():
            raise BackupError(f"{out} is a file, not a folder")
    except OSError as error:
        raise BackupError(f"cannot use {out}: {error.strerror or error}") from None


def export_all(
    database_url: str,
    out: Path,
    now: datetime,
    language: str | None,
    *,
    default_language: str,
    timezone: str,
) -> Summary:
    """Write the backup of the database at ``database_url`` into the new folder ``out``.

    ``now``: when the pictures are compiled and the backup is dated; ``language``: of the
    files for people (None: each forum's own, and ``default_language`` for the audit log; the
    README is in both); ``timezone``: of the audit log's times."""
    check_folder(out)
    path = sqlite_file(database_url)
    if path is not None and not Path(path).is_file():
        raise BackupError(f"no database at {path} (samverkan-bot migrate creates one)")
    now = now.astimezone(UTC)
    database = Database(database_url)
    begun = False
    try:
        revision = _revision(database)
        try:
            private_folder(out)
        except OSError as error:
            raise BackupError(f"cannot create {out}: {error.strerror or error}") from None
        begun = True
        audit_language = normalise_language(language or default_language)
        return _write(database, out, now, language, audit_language, timezone, revision)
    except SQLAlchemyError as error:
        incomplete = f", so the backup in {out} is incomplete" if begun else ""
        raise BackupError(
            f"reading the database failed{incomplete}: {_first_line(error)}", 1
        ) from None
    except OSError as error:
        raise BackupError(
            f"writing {out} failed, so the backup there is incomplete: "
            f"{error.strerror or error}{f' ({error.filename})' if error.filename else ''}",
            1,
        ) from None
    finally:
        database.dispose()


def _revision(database: Database) -> str:
    revision = schema_revision(database)
    head = head_revision()
    if revision == head:
        return revision
    if revision is None:
        raise BackupError("the database has no tables (samverkan-bot migrate creates them)")
    if revision in known_revisions():
        raise BackupError(
            f"the database's schema is at revision {revision}, older than this "
            f"samverkan-bot's {head}: run samverkan-bot migrate first"
        )
    raise BackupError(
        f"the database's schema is at revision {revision}, newer than this samverkan-bot "
        f"knows ({head}): export it with the version that runs on it"
    )


class _Files:
    """Writes the backup's files, each new, counting them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        private_folder(path.parent)
        with open_private(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        self.count += 1


# The tables the files for people are made from, kept in memory while the dump streams by;
# the big ones (the reports, the audit log, the meetings' items) are not.
KEPT = ("forum", "organisation", "person", "reportround", "publishedpicture", "meeting")


def _write(
    database: Database,
    out: Path,
    now: datetime,
    language: str | None,
    audit_language: str,
    timezone: str,
    revision: str,
) -> Summary:
    files = _Files(out)
    context = AuditContext("cli", "export", "export", "samverkan-bot (export all)", now)
    dialect = database.engine.dialect.name
    with snapshot(database, context) as store:
        dump = DumpWriter(out, revision=revision, exported_at=now, database=dialect)
        kept: dict[str, list[Row]] = {}
        audit: AuditFiles | None = None
        try:
            for table in tables():
                columns = [c.name for c in table.columns]
                rows: Iterable[Row] = table_rows(store, table)
                if table.name in KEPT:
                    rows = kept[table.name] = list(rows)
                elif table.name == "auditevent":
                    # After forum and person in the tables' order: their names are known.
                    total = row_count(store, table)
                    audit = AuditFiles(out, Names.of(kept), audit_language, timezone, total)
                    rows = audit.passing(rows)
                dump.table(table.name, columns, rows)
            assert audit is not None
            audit.close()
            files.count += 2
            folders = _forums(store, kept, files, now, language)
            dump.finish()
            files.count += 1
        finally:
            if audit is not None:
                audit.close()
            dump.close()
    files.write(
        README,
        readme(
            exported_at=now,
            zone_name=timezone,
            database=dialect,
            revision=revision,
            version=__version__,
            forums=folders,
            audit_events=audit.count,
        ),
    )
    return Summary(
        forums=len(folders),
        rounds=sum(folder.rounds for folder in folders),
        versions=sum(folder.versions for folder in folders),
        meetings=sum(folder.meetings for folder in folders),
        reports=sum(folder.reports for folder in folders),
        audit_events=audit.count,
        rows=dump.rows,
        files=files.count,
    )


def _grouped(rows: list[Row], key: str, order: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    for members in grouped.values():
        members.sort(key=lambda row: row[order])
    return grouped


def folder_name(forum: Forum, taken: set[str]) -> str:
    """The forum's slug when it is a safe file name (it always is when the bot made it),
    else ``forum-<id>``; never one already taken."""
    name = forum.slug if _SAFE.fullmatch(forum.slug) else f"forum-{forum.id}"
    if name in taken:
        name = f"{name}-{forum.id}"
    taken.add(name)
    return name


def _forums(
    store: Store,
    kept: dict[str, list[Row]],
    files: _Files,
    now: datetime,
    language: str | None,
) -> list[ForumFolder]:
    rounds = _grouped(kept["reportround"], "forum_id", "number")
    versions = _grouped(kept["publishedpicture"], "round_id", "version")
    meetings = _grouped(kept["meeting"], "forum_id", "number")
    forum_rows = {row["id"]: row for row in kept["forum"]}
    names = Names.of(kept)
    report_table: Table = SituationReport.__table__  # type: ignore[attr-defined]
    taken: set[str] = set()
    folders: list[ForumFolder] = []
    for forum in sorted(store.forums.all(), key=lambda forum: forum.id or 0):
        folder = f"forum/{folder_name(forum, taken)}"
        forum_language = normalise_language(language or forum.language)
        zone = ZoneInfo(forum.timezone)
        compiled_by = t(forum_language, "export.compiled_by")
        reported: list[RoundReports] = []
        compiled: dict[int, tuple[ReportRound, Picture, str]] = {}
        published = 0
        for round_row in rounds.get(forum.id, []):
            target = store.reports.round_by_id(round_row["id"])
            assert target is not None  # in the same snapshot as the rows
            label = round_label(target, zone, forum_language)
            stem = f"{folder}/lagesbild/runda-{target.number:04d}"
            picture = compile_picture(store, forum, target, now, compiled_by)
            compiled[round_row["id"]] = (target, picture, label)
            exercise = picture_exercise(store, forum, target, live_picture_at(target, now))
            exported = ExportedPicture(picture, label, forum_language, exercise)
            for fmt in FORMATS:
                files.write(f"{stem}.{fmt}", render(exported, fmt))
            for version in versions.get(round_row["id"], []):
                content = Picture.from_json(version["content"])
                made = picture_exercise(store, forum, target, content.published_at or now)
                frozen = ExportedPicture(content, label, forum_language, made)
                for fmt in FORMATS:
                    files.write(f"{stem}-version-{version['version']}.{fmt}", render(frozen, fmt))
                published += 1
            reported.append(RoundReports(round_row, label, []))
        forum_meetings = meetings.get(forum.id, [])
        for meeting_row in forum_meetings:
            meeting = store.meetings.by_number(forum, meeting_row["number"])
            assert meeting is not None
            minutes = _minutes(store, forum, meeting, compiled, names, forum_language)
            for fmt in FORMATS:
                files.write(
                    f"{folder}/protokoll/mote-{meeting.number:04d}.{fmt}",
                    render_minutes(minutes, fmt, forum_language),
                )
        for direction in store.directions.of_forum(forum):
            record = direction_record(store, direction, now)
            for fmt in FORMATS:
                files.write(
                    f"{folder}/inriktning/inriktning-{direction.number:04d}.{fmt}",
                    render_direction(record, fmt, forum_language),
                )
        forum_row = forum_rows[forum.id]
        # The forum's reports, read forum by forum; and when each report an unchanged one
        # repeats was sent (it may be another forum's).
        forum_reports = rows_where(store, report_table, "round_id", compiled)
        by_round = _grouped(forum_reports, "round_id", "id")
        for entry in reported:
            entry.reports.extend(by_round.get(entry.round["id"], []))
        sent_at = {row["id"]: row["at"] for row in forum_reports}
        repeated = {row["unchanged_from_id"] for row in forum_reports} - set(sent_at) - {None}
        for row in rows_where(store, report_table, "id", repeated):
            sent_at[row["id"]] = row["at"]
        files.write(
            f"{folder}/lagesrapporter.md",
            reports_markdown(forum_row, forum_language, reported, names, sent_at),
        )
        files.write(
            f"{folder}/lagesrapporter.json",
            reports_json(forum_row, forum_language, reported, names),
        )
        folders.append(
            ForumFolder(
                folder=folder.removeprefix("forum/"),
                name=forum.name,
                rounds=len(reported),
                versions=published,
                meetings=len(forum_meetings),
                reports=sum(len(entry.reports) for entry in reported),
            )
        )
    return folders


def _minutes(
    store: Store,
    forum: Forum,
    meeting: Meeting,
    compiled: dict[int, tuple[ReportRound, Picture, str]],
    names: Names,
    language: str,
) -> Minutes:
    """The meeting's minutes as :func:`minutes_of` compiles them (what ``!protokoll`` and
    ``export protokoll`` show), with the round's picture taken from the one compiled for the
    round's own file: a picture holds every report of its round whenever it is compiled, so
    only when (the meeting's end), by whom and whether closed then differ; compiling it
    again would cost a sixth of a backup's time."""
    found = compiled.get(meeting.round_id or 0)
    if found is None or meeting.ended_at is None:
        return minutes_of(store, meeting, language)
    target, picture, label = found
    ended_by = names.people.get(meeting.ended_by_id or 0) if meeting.ended_by_id else None
    at_end = replace(
        picture,
        compiled_at=meeting.ended_at.astimezone(UTC),
        compiled_by=ended_by if ended_by is not None else forum.name,
        closed=is_closed(target, meeting.ended_at),
    )
    return compile_minutes(store, meeting, at_end, label)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

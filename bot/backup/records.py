"""The backup's files for people besides the pictures and minutes (which the exports in
:mod:`bot.export` write): every situation report of a forum, the audit log, the README.

They are made from the same rows as ``database.json`` (:func:`storage.dump.table_rows`), so
they hold exactly what it holds; the audit log is written as its rows stream by. Markdown
escapes every value that comes from people (:mod:`bot.export.markdown`), as the exports do;
the JSON files keep the values as they are, instants in ISO 8601 with their offset. The words
that only these files use are here, in Swedish and English; the rest (field labels,
"rapporterad … av …") come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from bot.export.markdown import escape_inline, escape_lines
from bot.files import open_private
from commands.core.i18n import has, t
from commands.core.timefmt import format_time
from commands.situation.render import field_label
from storage.reports import FIELDS

# The layout of the JSON files here; raise it when a consumer would have to read them anew.
JSON_FORMAT = 1

Row = dict[str, Any]

LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "reports.title": "Lägesrapporter – {forum}",
        "reports.intro": "Rundor: {rounds}. Rapporter: {reports}. Äldsta rundan först, och i "
        "varje runda alla rapporter i den ordning de kom, också de som en nyare ersatt.",
        "reports.none": "Inga rapporter i den här rundan.",
        "reports.form": "via formulär",
        "audit.title": "Granskningslogg",
        "audit.intro": "Händelser: {count}, äldsta först. Tider i {zone}.",
        "audit.none": "Inga händelser.",
    },
    "en": {
        "reports.title": "Situation reports – {forum}",
        "reports.intro": "Rounds: {rounds}. Reports: {reports}. The oldest round first, and in "
        "each round every report in the order it came, also those a newer one replaced.",
        "reports.none": "No reports in this round.",
        "reports.form": "through the form",
        "audit.title": "Audit log",
        "audit.intro": "Events: {count}, oldest first. Times in {zone}.",
        "audit.none": "No events.",
    },
}


def label(language: str, key: str, **values: Any) -> str:
    return LABELS.get(language, LABELS["sv"])[key].format(**values)


def instant(value: str) -> datetime:
    """An instant as the dump writes it."""
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Names:
    """Names for the ids in the rows: organisations, people, forums (by slug and name)."""

    organisations: dict[int, str]
    people: dict[int, str]
    forum_slugs: dict[int, str]
    forum_names: dict[int, str]

    @classmethod
    def of(cls, rows: dict[str, list[Row]]) -> Names:
        """From the rows of the tables organisation, person and forum."""
        return cls(
            organisations={row["id"]: row["name"] for row in rows["organisation"]},
            people={row["id"]: row["display_name"] for row in rows["person"]},
            forum_slugs={row["id"]: row["slug"] for row in rows["forum"]},
            forum_names={row["id"]: row["name"] for row in rows["forum"]},
        )

    def person(self, person_id: int | None) -> str:
        return self.people.get(person_id or 0, "?")


@dataclass(frozen=True)
class RoundReports:
    """One round with its label in the file's language, and every report sent in it."""

    round: Row
    label: str
    reports: list[Row]


def _fields(report: Row) -> dict[str, str]:
    return {name: report[name] for name in FIELDS if report[name] is not None}


# -- situation reports ---------------------------------------------------------------------------


def reports_json(forum: Row, language: str, rounds: Sequence[RoundReports], names: Names) -> str:
    """Every report of the forum, round by round, with names beside the ids."""
    document = {
        "format": JSON_FORMAT,
        "language": language,
        "forum": forum["name"],
        "forum_slug": forum["slug"],
        "timezone": forum["timezone"],
        "labels": {"fields": {name: field_label(name, language) for name in FIELDS}},
        "rounds": [
            {
                "number": entry.round["number"],
                "label": entry.label,
                "kind": entry.round["kind"],
                "meeting_at": entry.round["meeting_at"],
                "opened_at": entry.round["opened_at"],
                "closes_at": entry.round["closes_at"],
                "closed_at": entry.round["closed_at"],
                "reports": [
                    {
                        "id": report["id"],
                        "organisation": names.organisations.get(report["organisation_id"], "?"),
                        "organisation_id": report["organisation_id"],
                        "by": names.person(report["person_id"]),
                        "person_id": report["person_id"],
                        "at": report["at"],
                        "on_behalf": report["on_behalf"],
                        "late": report["late"],
                        "source": report["source"],
                        "unchanged_from_id": report["unchanged_from_id"],
                        "text": report["text"],
                        "fields": _fields(report),
                    }
                    for report in entry.reports
                ],
            }
            for entry in rounds
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def reports_markdown(
    forum: Row, language: str, rounds: Sequence[RoundReports], names: Names, sent_at: dict[int, str]
) -> str:
    """Every report of the forum as written, round by round; ``sent_at``: when each report
    (by id) was sent, for one that repeats an earlier one unchanged."""
    zone = ZoneInfo(forum["timezone"])
    count = sum(len(entry.reports) for entry in rounds)
    out = [
        f"# {escape_inline(label(language, 'reports.title', forum=forum['name']))}",
        "",
        escape_inline(label(language, "reports.intro", rounds=len(rounds), reports=count)),
    ]
    for entry in rounds:
        out += ["", f"## {escape_inline(entry.label[:1].upper() + entry.label[1:])}"]
        if not entry.reports:
            out += ["", escape_inline(label(language, "reports.none"))]
        for report in entry.reports:
            organisation = names.organisations.get(report["organisation_id"], "?")
            out += ["", f"### {escape_inline(organisation)}", ""]
            out.append(f"*{escape_inline(_meta(report, zone, language, names, sent_at))}*")
            for name, value in _fields(report).items():
                out += ["", f"**{escape_inline(field_label(name, language))}:** "]
                out[-1] += escape_lines(value)
    return "\n".join(out) + "\n"


def _meta(report: Row, zone: ZoneInfo, language: str, names: Names, sent_at: dict[int, str]) -> str:
    """``rapporterad 2026-11-26 14:32 av anna · sen``: the picture's words for a report."""
    at = format_time(instant(report["at"]), zone)
    parts = [t(language, "picture.reported", time=at, who=names.person(report["person_id"]))]
    if report["on_behalf"]:
        parts.append(t(language, "picture.on_behalf"))
    if report["late"]:
        parts.append(t(language, "picture.late"))
    source = sent_at.get(report["unchanged_from_id"] or 0)
    if source is not None:
        since = format_time(instant(source), zone)
        parts.append(t(language, "picture.unchanged_since", time=since))
    if report["source"] == "form":
        parts.append(label(language, "reports.form"))
    return " · ".join(parts)


# -- the audit log -------------------------------------------------------------------------------


class AuditFiles:
    """``audit.json`` and ``audit.md``, written as the events come, oldest first: the JSON one
    event a line with the forum's slug beside its id, the Markdown by day in local time
    (time, what, who, forum, where, details)."""

    def __init__(self, root: Path, names: Names, language: str, zone_name: str, total: int):
        self._names = names
        self._language = language
        self._zone = ZoneInfo(zone_name)
        self._json = open_private(root / "audit.json", "x", encoding="utf-8", newline="\n")
        self._markdown = open_private(root / "audit.md", "x", encoding="utf-8", newline="\n")
        self._day: date | None = None
        self.count = 0
        self._json.write(f'{{\n  "format": {JSON_FORMAT},\n  "events": [')
        intro = label(language, "audit.intro", count=total, zone=zone_name)
        self._markdown.write(f"# {escape_inline(label(language, 'audit.title'))}\n\n")
        self._markdown.write(f"{escape_inline(intro)}\n")
        if not total:
            self._markdown.write(f"\n{escape_inline(label(language, 'audit.none'))}\n")

    def passing(self, events: Iterable[Row]) -> Iterator[Row]:
        """Each event written here on its way elsewhere (the dump)."""
        for event in events:
            self.add(event)
            yield event

    def add(self, event: Row) -> None:
        names = self._names
        document = {
            "id": event["id"],
            "at": event["at"],
            "action": event["action"],
            "forum": names.forum_slugs.get(event["forum_id"] or 0),
            "forum_id": event["forum_id"],
            "platform": event["platform"],
            "channel_id": event["channel_id"],
            "person_id": event["person_id"],
            "actor": event["actor"],
            "details": event["details"],
        }
        self._json.write(",\n    " if self.count else "\n    ")
        self._json.write(orjson.dumps(document).decode())
        self.count += 1
        local = instant(event["at"]).astimezone(self._zone)
        if local.date() != self._day:
            self._day = local.date()
            self._markdown.write(f"\n## {self._day.isoformat()}\n\n")
        parts = [
            f"{local:%H:%M:%S}",
            f"**{escape_inline(self._event_name(event['action']))}**",
            escape_inline(event["actor"]),
        ]
        if event["forum_id"] is not None:
            parts.append(escape_inline(names.forum_names.get(event["forum_id"], "?")))
        where = " ".join(part for part in (event["platform"], event["channel_id"]) if part)
        if where:
            parts.append(escape_inline(where))
        if event["details"]:
            parts.append(escape_inline(orjson.dumps(event["details"]).decode()))
        self._markdown.write("- " + " · ".join(parts) + "\n")

    def _event_name(self, action: str) -> str:
        """What an event is called in the file's language; its code for one the catalogue
        does not name (an event of a later version read from an older dump)."""
        key = f"audit_event.{action}"
        return t(self._language, key) if has(key) else action

    def close(self) -> None:
        if not self._json.closed:
            self._json.write("\n  ]\n}\n" if self.count else "]\n}\n")
            self._json.close()
            self._markdown.close()


# -- the README ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForumFolder:
    """One forum's folder and what it holds, for the README."""

    folder: str
    name: str
    rounds: int
    versions: int
    meetings: int
    reports: int


README_HEAD = """\
samverkan-bot – säkerhetskopia / backup

Skriven / written: {exported_at} ({exported_local} {zone})
Databas / database: {database}, schemarevision / schema revision {revision}
samverkan-bot {version}

Vad finns var (svenska)
-----------------------
database.json   Hela databasen utan förlust: varje tabells alla rader. Läses in i en ny
                databas med: samverkan-bot import --from <den här mappen> [--db FIL]
audit.json      Granskningsloggen: vem ändrade vad, när och var. audit.md: samma för att läsa.
forum/<forum>/  Ett forums register, i mappen med forumets kortnamn:
  lagesbild/runda-NNNN.md|json             rundans samlade lägesbild, sammanställd nu
  lagesbild/runda-NNNN-version-N.md|json   varje publicerad version, som den publicerades
  protokoll/mote-NNNN.md|json              varje mötes protokoll, som !protokoll visar det
  inriktning/inriktning-NNNN.md|json       varje gemensam regional inriktning, som !inriktning fil
  lagesrapporter.md|json                   alla lägesrapporter, runda för runda, också ersatta
Markdown-filerna är för att läsa och skriva ut; JSON-filerna för andra system.

What is where (English)
-----------------------
database.json   The whole database without loss: every row of every table. Load it into a
                new database with: samverkan-bot import --from <this folder> [--db FILE]
audit.json      The audit log: who changed what, when and where. audit.md: the same to read.
forum/<forum>/  A forum's records, in the folder named by the forum's short name (slug):
  lagesbild/runda-NNNN.md|json             the round's joint situation picture, compiled now
  lagesbild/runda-NNNN-version-N.md|json   each published version, as it was published
  protokoll/mote-NNNN.md|json              each meeting's minutes, as !protokoll shows them
  inriktning/inriktning-NNNN.md|json       each joint regional direction, as !inriktning fil
  lagesrapporter.md|json                   every situation report, round by round, replaced too
The Markdown files are for reading and printing; the JSON files for other systems.

Forum
-----
"""


def readme(
    *,
    exported_at: datetime,
    zone_name: str,
    database: str,
    revision: str,
    version: str,
    forums: Iterable[ForumFolder],
    audit_events: int,
) -> str:
    zone = ZoneInfo(zone_name)
    text = README_HEAD.format(
        exported_at=exported_at.isoformat(),
        exported_local=format_time(exported_at, zone),
        zone=zone_name,
        database=database,
        revision=revision,
        version=version,
    )
    lines = [
        f"forum/{forum.folder}/  {forum.name}: {forum.rounds} rundor/rounds "
        f"({forum.versions} publicerade/published), {forum.meetings} möten/meetings, "
        f"{forum.reports} lägesrapporter/reports"
        for forum in forums
    ]
    lines.append(f"audit.json: {audit_events} händelser/events")
    return text + "\n".join(lines) + "\n"

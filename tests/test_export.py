"""``samverkan-bot export lägesbild``: the joint situation picture as Markdown, HTML and JSON.

Reports are sent through the real dispatcher (the ``forum_chat`` fixture), then the command
line's ``main()`` exports them; one test runs the installed script. The Markdown is rendered
with a CommonMark renderer and the HTML parsed, so the escaping tests check what a reader's
tool would make of the file, not which backslashes we expect.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from sqlmodel import Session, func, select

from bot.cli import main
from bot.export.markdown import escape_lines
from commands.situation.picture import Picture
from storage import Database
from storage.database import sqlite_file
from storage.models import AuditEvent, PublishedPicture, ReportRound
from tests.support.chat import Chat
from tests.support.environment import clean_env

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("samverkan-bot")
NOW = "2026-11-26 15:30"  # the conftest clock is 15:00; reports are sent from then on

POLICE = """\
Läge: Förhöjd beredskap <script>alert(1)</script> & <img src=x onerror=alert(1)>
rad två av läget
Konsekvenser: [x](http://evil) och ![bild](http://evil/i.png)
# Rubrik
**fet** _kursiv_ `kod` ~~struken~~ <b>html</b>
| a | b |
|---|---|
- lista
> citat
1. numrerad
---
Behov: Förstärkning i Norrtälje
Kommunikation: Undvik området kring Slussen"""
TRAFFIC_FIRST = "Läge: Halka på E4"
TRAFFIC = "Läge: Halka på E4 norr om Häggvik\nBehov: inga\nPrognos: Bättre i morgon"
SOS = "Läge: Normalt"
USER_TEXT_TAGS = ("script", "img", "a", "table", "h3", "code", "del", "s", "blockquote", "hr")


@pytest.fixture
def reported(forum_chat: Chat) -> Chat:
    """Three organisations have reported in round 1 (the conference of 2026-11-26 16:00):
    Polisen (every kind of markup), Trafikverket (twice), SOS Alarm (by the coordinator)."""
    for person, organisation in (("anna", "Polisen"), ("bo", "Trafikverket")):
        said = forum_chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text
    for text, person in (
        (POLICE, "anna"),
        (TRAFFIC_FIRST, "bo"),
        (TRAFFIC, "bo"),
        (f"för SOS Alarm {SOS}", "operator"),
    ):
        said = forum_chat.say(f"!läge {text}", person=person)
        assert said.ok, said.text
        forum_chat.advance(minutes=5)
    return forum_chat


@dataclass
class Exported:
    status: int
    out: str
    err: str


def export(
    database: Database,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    what: str = "lägesbild",
    now: str | None = NOW,
) -> Exported:
    """``samverkan-bot export <what>`` on the test's database, through the real entry point."""
    path = sqlite_file(database.url)
    assert path is not None
    capsys.readouterr()
    pinned = ["--now", now] if now is not None else []
    status = main(["export", what, "--db", path, *pinned, *args])
    captured = capsys.readouterr()
    return Exported(status, captured.out, captured.err)


def assert_one_line_error(result: Exported, message: str) -> None:
    """Refused: status 2, nothing on standard output, one line saying why."""
    assert result.status == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("samverkan-bot: ")
    assert message in lines[0]


def ordered(text: str, *parts: str) -> None:
    """Each part occurs in ``text``, after the one before it."""
    position = -1
    for part in parts:
        found = text.find(part, position + 1)
        assert found > position, f"{part!r} not after {parts[parts.index(part) - 1]!r}"
        position = found


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


class Elements(HTMLParser):
    """Every element of an HTML text with the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "img", "hr", "input"):
            self.found.append((tag, ""))
            return
        self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            name, text = self._open.pop()
            self.found.append((name, "".join(text)))

    def handle_data(self, data: str) -> None:
        for _name, text in self._open:
            text.append(data)

    def texts(self, tag: str) -> list[str]:
        return [" ".join(text.split()) for name, text in self.found if name == tag]

    def tags(self) -> set[str]:
        return {name for name, _ in self.found}


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def markdown_html(markdown: str) -> str:
    """The Markdown as a CommonMark renderer with GitHub's tables and strikethrough shows it."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


# -- content and order ------------------------------------------------------------------------


def test_markdown_has_the_picture_in_the_chats_order(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, "--forum", "samverkanskonferens", "--format", "md")
    assert result.status == 0, result.err
    assert result.err == ""
    md = result.out
    ordered(
        md,
        "# Samlad lägesbild – Regional samverkanskonferens",
        "**Forum:** Regional samverkanskonferens",
        "**Avser:** runda 1 (möte 2026-11-26 16:00, v. 48)",
        "**Läge:** ordinarie läge",
        "**Tid:** 2026-11-26 15:30",
        "**Sammanställd av:** samverkan-bot (export)",
        "3 av 37 organisationer har rapporterat.",
        "## Polisen Region Stockholm",
        "*rapporterad 2026-11-26 15:00 av anna*",
        "**Läge:** Förhöjd beredskap",
        "**Konsekvenser / påverkan:**",
        "**Behov av samverkan / stöd:** Förstärkning i Norrtälje",
        "**Kommunikation (budskap):** Undvik området kring Slussen",
        "## SOS Alarm",
        "*rapporterad 2026-11-26 15:15 av operator · lämnad av koordinator*",
        "**Läge:** Normalt",
        "## Trafikverket",
        "*rapporterad 2026-11-26 15:10 av bo · ersätter 1 tidigare*",
        "**Läge:** Halka på E4 norr om Häggvik",
        "**Behov av samverkan / stöd:** inga",
        "**Prognos:** Bättre i morgon",
        "## Behov av samverkan / stöd – alla aktörer",
        "- **Polisen Region Stockholm:** Förstärkning i Norrtälje",
        "## Kommunikation (budskap) – alla aktörer",
        "- **Polisen Region Stockholm:** Undvik området kring Slussen",
        "## Har inte rapporterat (34)",
        "- Botkyrka kommun",
        "- Österåkers kommun",
    )
    # Empty fields are left out; "inga" is no need; a live compile has no version.
    assert "Prognos" not in between(md, "## Polisen", "## SOS Alarm")
    assert "Trafikverket:" not in between(md, "alla aktörer", "## Kommunikation")
    assert "**Version:**" not in md
    assert "- Polisen Region Stockholm\n" not in between(md, "## Har inte", "Österåker")


def test_html_is_a_printable_page_with_the_same_content(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, "--forum", "4", "--format", "html")
    assert result.status == 0, result.err
    html = result.out
    assert html.startswith('<!DOCTYPE html>\n<html lang="sv">')
    assert '<meta charset="utf-8">' in html
    assert "@media print" in html
    page = elements(html)
    assert page.texts("title") == ["Samlad lägesbild – Regional samverkanskonferens"]
    assert page.texts("h1") == ["Samlad lägesbild – Regional samverkanskonferens"]
    assert page.texts("h2") == [
        "Polisen Region Stockholm",
        "SOS Alarm",
        "Trafikverket",
        "Behov av samverkan / stöd – alla aktörer",
        "Kommunikation (budskap) – alla aktörer",
        "Har inte rapporterat (34)",
    ]
    assert page.texts("dt")[:5] == ["Forum", "Avser", "Läge", "Tid", "Sammanställd av"]
    assert page.texts("dd")[:5] == [
        "Regional samverkanskonferens",
        "runda 1 (möte 2026-11-26 16:00, v. 48)",
        "ordinarie läge",
        "2026-11-26 15:30",
        "samverkan-bot (export)",
    ]
    assert "3 av 37 organisationer har rapporterat." in page.texts("p")
    assert "rapporterad 2026-11-26 15:10 av bo · ersätter 1 tidigare" in page.texts("p")
    assert "Polisen Region Stockholm: Förstärkning i Norrtälje" in page.texts("li")
    assert "Österåkers kommun" in page.texts("li")


def test_json_round_trips_and_carries_its_labels(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, "--forum", "Regional Samverkanskonferens", "--format", "json")
    assert result.status == 0, result.err
    assert result.out.startswith('{\n  "format": 1,')
    assert "Förstärkning" in result.out  # UTF-8, not \u escapes
    data = json.loads(result.out)
    assert list(data) == ["format", "language", "status", "exercise", "labels", "picture"]
    assert data["language"] == "sv"
    assert data["labels"]["round"] == "runda 1 (möte 2026-11-26 16:00, v. 48)"
    assert data["labels"]["mode"] == "ordinarie läge"
    assert data["labels"]["fields"] == {
        "situation": "Läge",
        "impact": "Konsekvenser / påverkan",
        "actions_taken": "Vidtagna åtgärder",
        "planned_actions": "Planerade åtgärder",
        "needs": "Behov av samverkan / stöd",
        "communication": "Kommunikation (budskap)",
        "outlook": "Prognos",
    }
    picture = Picture.from_json(data["picture"])
    assert picture.to_json() == data["picture"]
    assert picture.round_number == 1
    assert picture.compiled_by == "samverkan-bot (export)"
    assert [r.organisation for r in picture.reports] == [
        "Polisen Region Stockholm",
        "SOS Alarm",
        "Trafikverket",
    ]
    police = picture.reports[0]
    assert list(police.fields) == ["situation", "impact", "needs", "communication"]
    assert police.fields["situation"] == (
        "Förhöjd beredskap <script>alert(1)</script> & <img src=x onerror=alert(1)>\n"
        "rad två av läget"
    )
    assert picture.reports[2].reports == 2
    assert len(picture.missing) == 34
    # The same picture exported again is the same file.
    again = export(database, capsys, "--forum", "samverkanskonferens", "--format", "json")
    assert again.out == result.out


# -- escaping -----------------------------------------------------------------------------------


def test_html_escapes_user_text_and_keeps_its_lines(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = "mallory<b>&amp;"
    assert forum_chat.say("!aktör Polisen", person=mallory).ok
    assert forum_chat.say(f"!läge {POLICE}", person=mallory).ok
    html = export(database, capsys, "--forum", "samverkanskonferens", "--format", "html").out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "mallory&lt;b&gt;&amp;amp;" in html
    assert "Förhöjd beredskap" in html
    assert "onerror=alert(1)&gt;<br>\nrad två av läget" in html
    page = elements(html)
    assert not page.tags() & {"script", "img", "b", "a", "table", "iframe"}
    assert page.texts("h2")[0] == "Polisen Region Stockholm"


def test_markdown_user_text_stays_text(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = "*mallory*_[x]"
    assert forum_chat.say("!aktör Polisen", person=mallory).ok
    assert forum_chat.say(f"!läge {POLICE}", person=mallory).ok
    md = export(database, capsys, "--forum", "samverkanskonferens", "--format", "md").out
    # The file itself: every line of the field kept, as a hard break.
    assert "rad två av läget" in md
    assert "onerror=alert(1)>  \nrad två av läget\n" in md
    html = markdown_html(md)
    page = elements(html)
    assert not page.tags() & set(USER_TEXT_TAGS), html
    assert page.texts("h1") == ["Samlad lägesbild – Regional samverkanskonferens"]
    assert page.texts("h2") == [
        "Polisen Region Stockholm",
        "Behov av samverkan / stöd – alla aktörer",
        "Kommunikation (budskap) – alla aktörer",
        "Har inte rapporterat (36)",
    ]
    # The only emphasis is ours: the report's meta line, and bold labels ending in a colon.
    assert page.texts("em") == ["rapporterad 2026-11-26 15:00 av *mallory*_[x]"]
    assert all(text.endswith(":") for text in page.texts("strong"))
    # The lists are ours too: the header, the needs, the communication, who is missing.
    assert len(page.texts("ul")) == 4
    assert "<ol" not in html
    shown = " ".join(" ".join(t.split()) for t in page.texts("p"))
    for written in (
        "<script>alert(1)</script> & <img src=x onerror=alert(1)>",
        "[x](http://evil) och ![bild](http://evil/i.png)",
        "# Rubrik",
        "**fet** _kursiv_ `kod` ~~struken~~ <b>html</b>",
        "| a | b | |---|---| - lista > citat 1. numrerad ---",
    ):
        assert written in shown, (written, shown)
    assert "onerror=alert(1)&gt;<br />\nrad två av läget" in html


@pytest.mark.parametrize(
    "text",
    [
        "a\n\n    indented code?\n\n\n- b",
        "Rubrik\n===\nText\n---",
        "1) en\n2. två\n+ tre\n* fyra",
        "\\*backslash\\* <http://evil> &copy; &#60;b&#62;",
        "<div>\n<script>x</script>\n</div>",
        "``` \nfence\n```\n~~~\ntilde\n~~~",
    ],
)
def test_markdown_escaping_leaves_any_text_as_written(text: str) -> None:
    html = markdown_html(escape_lines(text))
    page = elements(f"<root>{html}</root>")
    assert page.tags() <= {"root", "p", "br"}, html
    shown = "\n".join(page.texts("p"))
    expected = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert " ".join(shown.split()) == " ".join(expected)


# -- which picture ------------------------------------------------------------------------------


def test_round_picks_an_older_round(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    reported.advance(days=7)  # Thursday 2026-12-03 15:30: the next conference's round
    assert reported.say("!läge Läge: Lugnt igen", person="anna").ok
    next_week = ["--forum", "samverkanskonferens", "--format", "md"]
    path = sqlite_file(database.url)
    assert path is not None

    capsys.readouterr()
    assert main(["export", "lägesbild", "--db", path, "--now", "2026-12-03 15:30", *next_week]) == 0
    current = capsys.readouterr().out
    assert "**Avser:** runda 2 (möte 2026-12-03 16:00, v. 49)" in current
    assert "Lugnt igen" in current
    assert "Förhöjd beredskap" not in current

    older = export(database, capsys, *next_week, "--round", "1")
    assert older.status == 0, older.err
    assert "**Avser:** runda 1 (möte 2026-11-26 16:00, v. 48)" in older.out
    assert "Förhöjd beredskap" in older.out
    assert "Lugnt igen" not in older.out


def test_version_picks_a_published_version(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = reported.say("!lägesbild publicera")
    assert first.ok, first.text
    assert reported.say("!läge Läge: Läget har förvärrats", person="anna").ok
    second = reported.say("!lägesbild publicera")
    assert second.ok, second.text
    with Session(database.engine) as session:
        assert session.exec(select(func.count()).select_from(PublishedPicture)).one() == 2

    args = ["--forum", "samverkanskonferens", "--format", "md"]
    one = export(database, capsys, *args, "--version", "1")
    assert one.status == 0, one.err
    assert "**Version:** 1" in one.out
    assert "**Sammanställd av:** operator" in one.out  # its publisher
    assert "**Tid:** 2026-11-26 15:20" in one.out  # when it was published
    assert "Förhöjd beredskap" in one.out
    assert "förvärrats" not in one.out

    two = export(database, capsys, *args, "--round", "1", "--version", "2", "--lang", "en")
    assert "**Version:** 2" in two.out
    assert "förvärrats" in two.out

    html = export(database, capsys, "--forum", "4", "--version", "1", "--format", "html").out
    assert "<dt>Version</dt><dd>1</dd>" in html
    data = json.loads(export(database, capsys, *args[:2], "--version", "1", "--format", "json").out)
    assert Picture.from_json(data["picture"]).version == 1


def test_after_the_meeting_the_default_is_the_round_that_was_reported_in(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """Thursday 18:00: reports now go to next week's round, which is empty; the export people
    run after the meeting is this week's picture."""
    args = ["--forum", "samverkanskonferens", "--format", "md"]
    after = export(database, capsys, *args, now="2026-11-26 18:00")
    assert after.status == 0, after.err
    assert "**Avser:** runda 1 (möte 2026-11-26 16:00, v. 48)" in after.out
    assert "Förhöjd beredskap" in after.out
    # Once somebody reports for next week, next week's round is the current picture.
    reported.clock.set(reported.clock.now().replace(day=27))
    assert reported.say("!läge Läge: Lugnt igen", person="anna").ok
    next_week = export(database, capsys, *args, now="2026-11-27 18:00")
    assert "**Avser:** runda 2 (möte 2026-12-03 16:00, v. 49)" in next_week.out
    assert "Lugnt igen" in next_week.out


def test_version_alone_finds_the_round_that_published_it(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert reported.say("!lägesbild publicera").ok  # round 1, version 1
    reported.advance(days=1)  # Friday: the current round is next week's, and it is empty
    args = ["--forum", "samverkanskonferens", "--format", "md", "--version", "1"]
    one = export(database, capsys, *args, now="2026-11-27 16:00")
    assert one.status == 0, one.err
    assert "**Avser:** runda 1 (möte 2026-11-26 16:00, v. 48)" in one.out
    assert "**Version:** 1" in one.out
    assert "Förhöjd beredskap" in one.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--forum", "samverkanskonferensen"],
            "unknown forum 'samverkanskonferensen': name it by number, slug or name",
        ),
        (["--forum", "9"], "4 samverkanskonferens, 5 samordnande-forum"),
        (["--forum", "1"], "Regional chefsgrupp has no round yet"),
        (
            ["--forum", "samverkanskonferens", "--round", "7"],
            "Regional samverkanskonferens has no round 7: its latest is round 1",
        ),
        (
            ["--forum", "samverkanskonferens", "--version", "1"],
            "Regional samverkanskonferens has published no version 1 in any round",
        ),
        (
            ["--forum", "samverkanskonferens", "--round", "1", "--version", "1"],
            "round 1 of Regional samverkanskonferens has no published version 1: "
            "none is published yet",
        ),
        (["--forum", "samverkanskonferens", "--db", "/nonexistent/bot.db"], "no database at"),
        (["--forum", "samverkanskonferens", "--out", "{tmp}/no/such/dir/x.md"], "cannot write"),
    ],
)
def test_what_cannot_be_exported_is_one_line_and_status_2(
    reported: Chat,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "picture.md"
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = export(database, capsys, "--format", "md", "--out", str(out), *args)
    assert_one_line_error(result, message)
    assert not out.exists()
    assert not (tmp_path / "no").exists()


def test_out_writes_the_file(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "lägesbild.html"
    result = export(
        database, capsys, "--forum", "samverkanskonferens", "--format", "html", "--out", str(out)
    )
    assert result.status == 0, result.err
    assert result.out == ""
    assert "<h2>Polisen Region Stockholm</h2>" in out.read_text(encoding="utf-8")


def test_an_export_changes_nothing_in_the_database(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seeded forum has no round yet: the current one is opened to compile, then dropped."""

    def counts() -> tuple[int, int]:
        with Session(database.engine) as session:
            rounds = session.exec(select(func.count()).select_from(ReportRound)).one()
            audit = session.exec(select(func.count()).select_from(AuditEvent)).one()
        return rounds, audit

    before = counts()
    assert before[0] == 0
    result = export(database, capsys, "--forum", "samverkanskonferens", "--format", "md")
    assert result.status == 0, result.err
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in result.out
    assert "Inga rapporter ännu i den här rundan." in result.out
    assert "## Har inte rapporterat (37)" in result.out
    assert counts() == before


# -- language -----------------------------------------------------------------------------------


def test_lang_en_has_english_labels(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--forum", "samverkanskonferens", "--lang", "en"]
    md = export(database, capsys, *args, "--format", "md").out
    ordered(
        md,
        "# Joint situation picture – Regional samverkanskonferens",
        "**Round:** round 1 (meeting 2026-11-26 16:00, week 48)",
        "**Mode:** ordinary mode",
        "**Compiled by:** samverkan-bot (export)",
        "3 of 37 organisations have reported.",
        "*reported 2026-11-26 15:00 by anna*",
        "**Situation:** Förhöjd beredskap",
        "**Coordination needs:** Förstärkning i Norrtälje",
        "## Coordination needs – all actors",
        "## Public communication – all actors",
        "## Not reported (34)",
    )
    for swedish in ("Sammanställd av", "Avser", "Behov av samverkan", "rapporterad", "ordinarie"):
        assert swedish not in md
    assert '<html lang="en">' in export(database, capsys, *args, "--format", "html").out
    data = json.loads(export(database, capsys, *args, "--format", "json").out)
    assert data["language"] == "en"
    assert data["labels"]["fields"]["needs"] == "Coordination needs"


def test_the_forums_language_is_the_default(
    reported: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert reported.say("!forum språk en").ok
    md = export(database, capsys, "--forum", "samverkanskonferens", "--format", "md").out
    assert "# Joint situation picture – Regional samverkanskonferens" in md
    swedish = export(database, capsys, "--forum", "4", "--format", "md", "--lang", "sv").out
    assert "# Samlad lägesbild – Regional samverkanskonferens" in swedish


# -- the installed command ----------------------------------------------------------------------


def test_the_installed_script_exports(reported: Chat, database: Database, tmp_path: Path) -> None:
    path = sqlite_file(database.url)
    assert path is not None
    out = tmp_path / "picture.html"
    common = ["--db", path, "--now", NOW, "--forum", "samverkanskonferens"]
    html = subprocess.run(
        [str(SCRIPT), "export", "picture", *common, "--format", "html", "--out", str(out)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert html.returncode == 0, html.stderr
    assert html.stdout == html.stderr == ""
    assert "<h2>Polisen Region Stockholm</h2>" in out.read_text(encoding="utf-8")
    md = subprocess.run(
        [str(SCRIPT), "export", "lägesbild", *common, "--format", "md"],
        capture_output=True,
        env=clean_env({"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert md.returncode == 0, md.stderr
    assert "# Samlad lägesbild – Regional samverkanskonferens" in md.stdout.decode("utf-8")


def test_the_templates_are_package_data() -> None:
    """A non-editable install has them only if pyproject names them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot"]
    templates = sorted((REPO / "bot" / "export" / "templates").iterdir())
    assert templates
    for template in templates:
        relative = template.relative_to(REPO / "bot").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative

"""``samverkan-bot export protokoll``: a meeting's minutes as Markdown, HTML and JSON.

Meetings are held through the real dispatcher (the ``forum_chat`` fixture): items, actions
with owners and due times, an item raised to another forum, a report for the joint picture.
Then the command line's ``main()`` exports them. As in ``test_export.py``, the Markdown is
rendered with a CommonMark renderer and the HTML parsed, so the escaping tests check what a
reader's tool makes of the file.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.cli import main
from bot.export.minutes_export import minutes_from_json, render_minutes
from bot.export.source import MinutesQuery, load_minutes
from commands.minutes.record import (
    ActionEntry,
    Entry,
    EscalationEntry,
    Minutes,
    Section,
)
from storage import Database
from storage.database import sqlite_file
from storage.models import (
    Action,
    AuditEvent,
    Escalation,
    Meeting,
    MeetingAttendee,
    MeetingItem,
    ReportRound,
    SituationReport,
)
from tests.support.chat import Chat
from tests.support.environment import clean_env
from tests.test_export import (
    SCRIPT,
    USER_TEXT_TAGS,
    Exported,
    assert_one_line_error,
    elements,
    markdown_html,
    ordered,
)
from tests.test_export import export as export_file

INFO = """\
SMHI varnar <script>alert(1)</script> & <img src=x onerror=alert(1)>
rad två: [x](http://evil) ![bild](http://evil/i.png)
# Rubrik
**fet** _kursiv_ `kod` ~~struken~~ <b>html</b>
| a | b |
|---|---|
- lista
> citat
1. numrerad"""
MARKUP_ONE_LINE = "**viktigt** # inte rubrik | a | b | <i>x</i> [l](http://evil)"
REPORT = "Läge: E4 stängd vid Rotebro\nBehov: Omledning via väg 267"


def _ok(chat: Chat, text: str, **kwargs: str) -> None:
    said = chat.say(text, **kwargs)  # type: ignore[arg-type]
    assert said.ok, said.text


@pytest.fixture
def met(forum_chat: Chat) -> Chat:
    """Meeting 1 of the samverkanskonferens, Thursday 2026-11-26 16:00-16:40: attendance,
    an info full of markup, a decision, two actions (one due Friday 12:00), an item raised
    to the Regional chefsgrupp, and Trafikverket's report in the joint picture."""
    chat = forum_chat
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, f"!läge {REPORT}", person="bo")
    chat.advance(hours=1)  # 16:00
    _ok(chat, "!möte start Samverkanskonferens v. 48")
    chat.advance(minutes=5)
    _ok(chat, "!närvarande", person="anna")
    _ok(chat, f"!info {INFO}", person="bo")
    chat.advance(minutes=5)
    _ok(chat, "!punkt nästa")
    chat.advance(minutes=5)
    _ok(chat, f"!beslut {MARKUP_ONE_LINE}", person="anna")
    chat.advance(minutes=5)
    _ok(chat, "!åtgärd Polisen Ta fram trafikplan för E4 senast fredag kl 12")
    chat.advance(minutes=5)
    _ok(chat, "!åtgärd Trafikverket Skylta om vid Rotebro", person="anna")
    chat.advance(minutes=5)
    _ok(chat, "!lyft chefsgrupp Behov av samordnad kommunikation")
    chat.advance(minutes=10)  # 16:40
    _ok(chat, "!möte slut")
    return chat


def export(
    database: Database, capsys: pytest.CaptureFixture[str], *args: str, what: str = "protokoll"
) -> Exported:
    return export_file(database, capsys, *args, what=what, now=None)


FORUM = ("--forum", "samverkanskonferens")


# -- each format --------------------------------------------------------------------------------


def test_markdown_is_the_full_minutes_in_the_chats_order(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, *FORUM, "--format", "md")
    assert result.status == 0, result.err
    assert result.err == ""
    md = result.out
    ordered(
        md,
        "# Minnesanteckningar – Regional samverkanskonferens, möte 1",
        "- **Möte:** Samverkanskonferens v. 48",
        "- **Läge:** ordinarie läge",
        "- **Tid:** 2026-11-26 16:00 – 16:40",
        "- **Ordförande:** operator",
        "## Närvarande (3)",
        "- **Polisen Region Stockholm:** anna",
        "- **Trafikverket:** bo",
        "- **Utan organisation:** operator",
        "## Inledning och upprop",
        "- **Information**: SMHI varnar",
        "(bo 16:05)",
        "## Uppföljning av åtgärder",
        "- **Överenskommelse**: ",
        "(anna 16:15)",
        "- **Åtgärd** \\#1: **Polisen Region Stockholm**: Ta fram trafikplan för E4 – "
        "senast 2026-11-27 12:00 (operator 16:20)",
        "- **Åtgärd** \\#2: **Trafikverket**: Skylta om vid Rotebro – inget slutdatum (anna 16:25)",
        "- **Lyfts** till Regional chefsgrupp: Behov av samordnad kommunikation (operator 16:30)",
        "## Åtgärder (2)",
        "- **\\#1** **Polisen Region Stockholm**: Ta fram trafikplan för E4 – senast "
        "2026-11-27 12:00",
        "- **\\#2** **Trafikverket**: Skylta om vid Rotebro – inget slutdatum",
        "## Åtgärder per ansvarig",
        "### Polisen Region Stockholm",
        "- \\#1 Ta fram trafikplan för E4 – senast 2026-11-27 12:00",
        "### Trafikverket",
        "- \\#2 Skylta om vid Rotebro – inget slutdatum",
        # The round's joint picture, as the picture export writes it.
        "# Samlad lägesbild – Regional samverkanskonferens",
        "- **Avser:** runda 1 (möte 2026-11-26 16:00, v. 48)",
        "- **Rundan stängd:** 2026-11-26 16:40",
        "1 av 37 organisationer har rapporterat.",
        "## Trafikverket",
        "*rapporterad 2026-11-26 15:00 av bo*",
        "**Läge:** E4 stängd vid Rotebro",
        "## Behov av samverkan / stöd – alla aktörer",
        "- **Trafikverket:** Omledning via väg 267",
        "## Har inte rapporterat (36)",
    )
    assert "Uppföljning\n" not in md  # nothing was open when meeting 1 began
    assert md.endswith("- Österåkers kommun\n")


def test_the_chats_attachment_is_the_export(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """The full minutes the bot attaches at ``!möte slut`` and ``!protokoll`` are this file."""
    _ok(forum_chat, "!möte start")
    _ok(forum_chat, "!info Något att minnas")
    ended = forum_chat.say("!möte slut")
    assert ended.ok, ended.text
    assert ended.reply is not None
    [attachment] = ended.reply.attachments
    assert attachment.filename == "minnesanteckningar-samverkanskonferens-1"
    for fmt in ("md", "html", "json"):
        exported = export(database, capsys, *FORUM, "--format", fmt)
        attached = render_minutes(attachment.payload, fmt, attachment.language)
        assert attached == exported.out, fmt


def test_html_is_a_printable_page_with_the_same_content(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, "--forum", "4", "--format", "html")
    assert result.status == 0, result.err
    html = result.out
    assert html.startswith('<!DOCTYPE html>\n<html lang="sv">')
    assert '<meta charset="utf-8">' in html
    assert "@media print" in html
    assert "break-before: page" in html  # the picture starts on a page of its own
    page = elements(html)
    assert page.texts("title") == ["Minnesanteckningar – Regional samverkanskonferens, möte 1"]
    # One <h1>: the picture is a part of the minutes, under an <h2> (on a page of its own).
    assert page.texts("h1") == ["Minnesanteckningar – Regional samverkanskonferens, möte 1"]
    assert page.texts("h2") == [
        "Närvarande (3)",
        "Inledning och upprop",
        "Uppföljning av åtgärder",
        "Åtgärder (2)",
        "Åtgärder per ansvarig",
        "Samlad lägesbild – Regional samverkanskonferens",
    ]
    assert page.texts("h3") == [
        "Polisen Region Stockholm",
        "Trafikverket",
        "Trafikverket",
        "Behov av samverkan / stöd – alla aktörer",
        "Kommunikation (budskap) – alla aktörer",
        "Har inte rapporterat (36)",
    ]
    assert page.texts("dt")[:4] == ["Möte", "Läge", "Tid", "Ordförande"]
    assert page.texts("dd")[:4] == [
        "Samverkanskonferens v. 48",
        "ordinarie läge",
        "2026-11-26 16:00 – 16:40",
        "operator",
    ]
    assert page.texts("th") == ["Nr", "Ansvarig", "Åtgärd", "Senast / klar"]
    assert page.texts("tr")[1:] == [
        "#1Polisen Region StockholmTa fram trafikplan för E4senast 2026-11-27 12:00",
        "#2TrafikverketSkylta om vid Rotebroinget slutdatum",
    ]
    items = page.texts("li")
    assert "Polisen Region Stockholm: anna" in items
    assert (
        "Åtgärd #1: Polisen Region Stockholm: Ta fram trafikplan för E4 – "
        "senast 2026-11-27 12:00 (operator 16:20)"
    ) in items
    assert "Lyfts till Regional chefsgrupp: Behov av samordnad kommunikation (operator 16:30)" in (
        items
    )
    assert "Trafikverket: Omledning via väg 267" in items  # the picture's needs
    assert "1 av 37 organisationer har rapporterat." in page.texts("p")


def test_json_round_trips_and_holds_actions_with_owners_and_due_times(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(database, capsys, *FORUM, "--format", "json")
    assert result.status == 0, result.err
    assert result.out.startswith('{\n  "format": 1,')
    assert "Åtgärder" in result.out  # UTF-8, not \u escapes
    data = json.loads(result.out)
    assert list(data) == [
        "format",
        "language",
        "status",
        "exercise",
        "labels",
        "minutes",
        "picture",
    ]
    assert data["language"] == "sv"
    labels = data["labels"]
    assert labels["title"] == "Minnesanteckningar – Regional samverkanskonferens, möte 1"
    assert labels["mode"] == "ordinarie läge"
    assert labels["when"] == "2026-11-26 16:00 – 16:40"
    assert labels["kinds"]["decision"] == "Överenskommelse"
    assert labels["kinds"]["escalation"] == "Lyfts"
    assert labels["fields"]["owner"] == "Ansvarig"
    minutes = data["minutes"]
    assert minutes["started_at"] == "2026-11-26T15:00:00+00:00"  # 16:00 in Stockholm
    assert minutes["ended_at"] == "2026-11-26T15:40:00+00:00"
    assert minutes["timezone"] == "Europe/Stockholm"
    assert minutes["actions"] == [
        {
            "number": 1,
            "owner": "Polisen Region Stockholm",
            "text": "Ta fram trafikplan för E4",
            "due_at": "2026-11-27T11:00:00+00:00",
            "closed_at": None,
            "meeting": 1,
        },
        {
            "number": 2,
            "owner": "Trafikverket",
            "text": "Skylta om vid Rotebro",
            "due_at": None,
            "closed_at": None,
            "meeting": 1,
        },
    ]
    assert minutes["actions_by_owner"] == [
        {"owner": "Polisen Region Stockholm", "actions": [1]},
        {"owner": "Trafikverket", "actions": [2]},
    ]
    [opening, follow_up] = minutes["sections"]
    assert opening["entries"][0]["text"] == INFO  # as written, markup and all
    kinds = [entry["kind"] for entry in follow_up["entries"]]
    assert kinds == ["decision", "action", "action", "escalation"]
    assert follow_up["entries"][1]["action"]["number"] == 1
    assert follow_up["entries"][3]["escalation"]["to_forum"] == "Regional chefsgrupp"
    assert {row["organisation"] for row in minutes["attendance"]} == {
        "Polisen Region Stockholm",
        "Trafikverket",
        None,
    }
    # The picture is the picture export's document.
    assert list(data["picture"]) == [
        "format",
        "language",
        "status",
        "exercise",
        "labels",
        "picture",
    ]
    assert data["picture"]["labels"]["round"] == "runda 1 (möte 2026-11-26 16:00, v. 48)"
    assert data["picture"]["picture"]["reports"][0]["organisation"] == "Trafikverket"
    # Back to the very minutes the bot compiled, and the same file again.
    compiled = load_minutes(database, MinutesQuery("samverkanskonferens"), datetime.now(UTC))
    assert minutes_from_json(data) == compiled.minutes
    assert render_minutes(minutes_from_json(data), "json", "sv") == result.out
    again = export(database, capsys, *FORUM, "--format", "json", "--meeting", "1")
    assert again.out == result.out


def test_follow_up_has_open_actions_and_items_raised_from_other_forums(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(met, "!forum koppla chefsgrupp", channel="rcg")
    met.advance(days=1)  # Friday 16:40
    _ok(met, "!möte start Chefsgrupp", channel="rcg")
    _ok(met, "!lyft samverkanskonferens Samordna budskap om **vattenläckan**", channel="rcg")
    _ok(met, "!möte slut", channel="rcg")
    met.advance(days=6)  # Thursday 2026-12-03 16:40
    _ok(met, "!möte start")
    _ok(met, "!möte slut")
    md = export(database, capsys, *FORUM, "--format", "md").out
    ordered(
        md,
        "# Minnesanteckningar – Regional samverkanskonferens, möte 2",
        "## Uppföljning",
        "- **\\#1** **Polisen Region Stockholm**: Ta fram trafikplan för E4 – "
        "senast 2026-11-27 12:00 (från möte 1)",
        "- **\\#2** **Trafikverket**: Skylta om vid Rotebro – inget slutdatum (från möte 1)",
        "- **Lyft från Regional chefsgrupp**: Samordna budskap om \\*\\*vattenläckan\\*\\* "
        "(operator 2026-11-27 16:40)",
        "## Åtgärder (0)",
        "Inga åtgärder antecknade.",
    )
    assert "Åtgärder per ansvarig" not in md
    page = elements(markdown_html(md))
    assert page.texts("h2")[1] == "Uppföljning"
    assert "Lyft från Regional chefsgrupp: Samordna budskap om **vattenläckan** " in " ".join(
        page.texts("li")
    )
    data = json.loads(export(database, capsys, *FORUM, "--format", "json").out)
    follow_up = data["minutes"]["follow_up"]
    assert [action["number"] for action in follow_up["actions"]] == [1, 2]
    assert follow_up["escalations"][0]["from_forum"] == "Regional chefsgrupp"
    # The chefsgrupp's own minutes have it as raised, to the samverkanskonferens.
    chefs = export(database, capsys, "--forum", "chefsgrupp", "--format", "md").out
    assert "- **Lyfts** till Regional samverkanskonferens: Samordna budskap" in chefs


# -- escaping ---------------------------------------------------------------------------------


def test_markdown_user_text_stays_text(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    md = export(database, capsys, *FORUM, "--format", "md").out
    # The file itself: the info's lines kept as hard breaks inside its list item.
    assert "onerror=alert(1)>  \n  rad två: " in md
    html = markdown_html(md)
    page = elements(html)
    # Owners are our third-level headings; no other element comes from the text.
    assert not page.tags() & set(USER_TEXT_TAGS) - {"h3"}, html
    assert page.texts("h3")[:2] == ["Polisen Region Stockholm", "Trafikverket"]
    assert "<ol" not in html
    # One top heading: the picture is a part of the minutes, a level down.
    assert page.texts("h1") == ["Minnesanteckningar – Regional samverkanskonferens, möte 1"]
    assert "Samlad lägesbild – Regional samverkanskonferens" in page.texts("h2")
    assert "Rubrik" not in " ".join(page.texts("h2") + page.texts("h3"))
    assert "<em>kursiv</em>" not in html
    # The only bold is ours: labels, numbers and owners.
    assert set(page.texts("strong")) <= {
        "Möte:",
        "Läge:",
        "Tid:",
        "Ordförande:",
        "Värd:",
        "Forum:",
        "Avser:",
        "Sammanställd av:",
        "Rundan stängd:",
        "Polisen Region Stockholm:",
        "Trafikverket:",
        "Utan organisation:",
        "Information",
        "Överenskommelse",
        "Åtgärd",
        "Lyfts",
        "#1",
        "#2",
        "Polisen Region Stockholm",
        "Trafikverket",
        "Behov av samverkan / stöd:",
    }, page.texts("strong")
    shown = " ".join(page.texts("li"))
    for written in (
        "SMHI varnar <script>alert(1)</script> & <img src=x onerror=alert(1)>",
        "rad två: [x](http://evil) ![bild](http://evil/i.png)",
        "# Rubrik",
        "**fet** _kursiv_ `kod` ~~struken~~ <b>html</b>",
        "| a | b | |---|---| - lista > citat 1. numrerad (bo 16:05)",
        f"Överenskommelse: {MARKUP_ONE_LINE} (anna 16:15)",
    ):
        assert written in shown, (written, shown)


def test_html_escapes_user_text_and_keeps_its_lines(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    html = export(database, capsys, *FORUM, "--format", "html").out
    assert "SMHI varnar &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x" in html
    assert "onerror=alert(1)&gt;<br>\nrad två: [x](http://evil)" in html
    for tag in ("<script", "<img", "<b>", "<i>", "<a "):
        assert tag not in html, tag
    page = elements(html)
    assert not page.tags() & {"script", "img", "b", "i", "a", "iframe"}
    assert f"Överenskommelse: {MARKUP_ONE_LINE} (anna 16:15)" in page.texts("li")


def test_names_and_links_are_escaped_in_every_format() -> None:
    """Names come from the platforms and links from them too: both stay text, and only an
    http(s) link becomes a link."""
    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    evil = "*mallory*_[x](http://evil) <b>|</b>"
    raised = [
        EscalationEntry(
            "Regional chefsgrupp", "Regional samverkanskonferens", "Text", evil, at, url
        )
        for url in (
            "https://chat.example/#/room/$event?via=a&b=c",
            "javascript:alert(1)",
        )
    ]
    action = ActionEntry(3, evil, "# Gör **något**", at, None, 1)
    minutes = Minutes(
        forum="Regional samverkanskonferens",
        number=2,
        title=evil,
        mode="ordinary",
        timezone="Europe/Stockholm",
        started_at=at,
        ended_at=None,
        closed_automatically=False,
        chairs=[evil],
        attendance=[(evil, [evil, "bo"])],
        sections=[
            Section(
                evil,
                [
                    Entry("action", action.text, evil, at, action=action),
                    # The characters the Markdown writer marks bold with while escaping.
                    Entry("info", "\ue000not bold\ue001 \ue002nor this\ue003", evil, at),
                ],
            )
        ],
        follow_up_escalations=raised,
        actions=[action],
    )
    md = render_minutes(minutes, "md", "sv")
    html = markdown_html(md)
    page = elements(html)
    assert not page.tags() & set(USER_TEXT_TAGS) - {"a", "h3"}, html
    assert page.texts("h3") == [evil]  # the owner
    assert html.count("<a ") == 1
    assert '<a href="https://chat.example/#/room/$event?via=a&amp;b=c">gå till ursprunget</a>' in (
        html
    )
    assert "gå till ursprunget (javascript:alert(1))" in " ".join(page.texts("li"))
    assert page.texts("h2")[-3] == evil  # the topic
    assert "not bold" not in " ".join(page.texts("strong") + page.texts("em"))
    assert "\ufffdnot bold\ufffd \ufffdnor this\ufffd" in " ".join(page.texts("li"))
    assert "- **Tid:** 2026-11-26 16:00 – pågår" in md  # still open: no picture either
    assert "Samlad lägesbild" not in md
    page_html = render_minutes(minutes, "html", "sv")
    assert page_html.count("<a ") == 1
    assert '<a href="https://chat.example/#/room/$event?via=a&amp;b=c">' in page_html
    assert "&lt;b&gt;|&lt;/b&gt;" in page_html
    assert not elements(page_html).tags() & {"b", "script"}
    data = json.loads(render_minutes(minutes, "json", "sv"))
    assert data["picture"] is None
    assert minutes_from_json(data) == minutes


# -- nothing changes, and what cannot be exported ---------------------------------------------


def _counts(database: Database) -> dict[str, int]:
    with Session(database.engine) as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (
                Meeting,
                MeetingItem,
                MeetingAttendee,
                Action,
                Escalation,
                ReportRound,
                SituationReport,
                AuditEvent,
            )
        }


def test_an_export_changes_nothing_in_the_database(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(met, "!möte start Pågående")  # an open meeting: exporting it must not end it
    _ok(met, "!info Ännu inte slut")
    before = _counts(database)
    assert before["Meeting"] == 2
    for fmt in ("md", "html", "json"):
        for meeting in ("1", "2"):
            result = export(database, capsys, *FORUM, "--meeting", meeting, "--format", fmt)
            assert result.status == 0, result.err
    assert _counts(database) == before
    md = export(database, capsys, *FORUM, "--format", "md").out
    assert "# Minnesanteckningar – Regional samverkanskonferens, möte 2" in md
    assert "- **Tid:** 2026-11-26 16:40 – pågår" in md
    assert "Samlad lägesbild" not in md  # the picture comes with the end
    with Session(database.engine) as session:
        assert session.exec(select(Meeting).where(Meeting.number == 2)).one().ended_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--forum", "samverkanskonferensen"],
            "unknown forum 'samverkanskonferensen': name it by number, slug or name",
        ),
        (["--forum", "9"], "4 samverkanskonferens"),
        (
            ["--forum", "samverkanskonferens", "--meeting", "7"],
            "Regional samverkanskonferens has no meeting 7: it has meeting 1",
        ),
        (
            ["--forum", "samordningsgrupp", "--meeting", "1"],
            "Regional samordningsgrupp has no meetings yet",
        ),
        (["--forum", "samordningsgrupp"], "Regional samordningsgrupp has no meetings yet"),
        (["--forum", "samverkanskonferens", "--db", "/nonexistent/bot.db"], "no database at"),
        (["--forum", "samverkanskonferens", "--out", "{tmp}/no/such/dir/x.md"], "cannot write"),
    ],
)
def test_what_cannot_be_exported_is_one_line_and_status_2(
    met: Chat,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "protokoll.md"
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = export(database, capsys, "--format", "md", "--out", str(out), *args)
    assert_one_line_error(result, message)
    assert not out.exists()


def test_meetings_are_named_as_runs(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(4):
        _ok(forum_chat, "!möte start")
        _ok(forum_chat, "!möte slut")
    result = export(database, capsys, *FORUM, "--meeting", "#9", "--format", "md")
    assert result.status == 2
    assert "Regional samverkanskonferens has no meeting 9: it has meetings 1-4" in result.err
    third = export(database, capsys, *FORUM, "--meeting", "#3", "--format", "md")
    assert "# Minnesanteckningar – Regional samverkanskonferens, möte 3" in third.out


def test_bad_arguments_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--forum", "x", "--format", "docx"], ["--forum", "x", "--meeting", "0"]):
        with pytest.raises(SystemExit) as refused:
            main(["export", "protokoll", *args])
        assert refused.value.code == 2
    assert "--meeting" in capsys.readouterr().err


# -- time and language ----------------------------------------------------------------------------


def test_a_meeting_spanning_midnight_shows_both_dates(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    forum_chat.advance(hours=8, minutes=30)  # Thursday 23:30
    _ok(forum_chat, "!möte start Nattmöte")
    _ok(forum_chat, "!info Före midnatt")
    forum_chat.advance(minutes=40)  # Friday 00:10
    _ok(forum_chat, "!beslut Efter midnatt")
    forum_chat.advance(minutes=10)
    _ok(forum_chat, "!möte slut")
    md = export(database, capsys, *FORUM, "--format", "md").out
    assert "- **Tid:** 2026-11-26 23:30 – 2026-11-27 00:20" in md
    assert "- **Information**: Före midnatt (operator 23:30)" in md
    assert "- **Överenskommelse**: Efter midnatt (operator 2026-11-27 00:10)" in md
    html = export(database, capsys, *FORUM, "--format", "html").out
    assert "<dt>Tid</dt><dd>2026-11-26 23:30 – 2026-11-27 00:20</dd>" in html
    data = json.loads(export(database, capsys, *FORUM, "--format", "json").out)
    assert data["minutes"]["started_at"] == "2026-11-26T22:30:00+00:00"
    assert data["minutes"]["ended_at"] == "2026-11-26T23:20:00+00:00"
    assert data["labels"]["when"] == "2026-11-26 23:30 – 2026-11-27 00:20"


def test_lang_en_has_english_labels(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    english = [*FORUM, "--lang", "en"]
    md = export(database, capsys, *english, "--format", "md").out
    ordered(
        md,
        "# Minutes – Regional samverkanskonferens, meeting 1",
        "**Meeting:** Samverkanskonferens v. 48",
        "**Mode:** ordinary mode",
        "## Present (3)",
        "- **No organisation:** operator",
        "- **Agreement**: ",
        "– by 2026-11-27 12:00 (operator 16:20)",
        "## Actions (2)",
        "## Actions by owner",
        "# Joint situation picture – Regional samverkanskonferens",
        "## Not reported (36)",
    )
    for swedish in (
        "Minnesanteckningar",
        "Närvarande",
        "Överenskommelse",
        "Åtgärder",
        "senast ",
        "Samlad",
    ):
        assert swedish not in md, swedish
    html = export(database, capsys, *english, "--format", "html").out
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert elements(html).texts("th") == ["No.", "Owner", "Action", "Due / done"]
    data = json.loads(export(database, capsys, *english, "--format", "json").out)
    assert data["language"] == "en"
    assert data["labels"]["kinds"]["decision"] == "Agreement"
    assert data["picture"]["language"] == "en"


def test_the_forums_language_is_the_default(
    met: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(met, "!forum språk en")
    md = export(database, capsys, *FORUM, "--format", "md").out
    assert md.startswith("# Minutes – Regional samverkanskonferens, meeting 1\n")
    swedish = export(database, capsys, *FORUM, "--format", "md", "--lang", "sv").out
    assert swedish.startswith("# Minnesanteckningar – Regional samverkanskonferens, möte 1\n")


# -- files and the installed command ------------------------------------------------------------


def test_out_writes_the_file_and_the_installed_script_exports(
    met: Chat, database: Database, tmp_path: Path
) -> None:
    path = sqlite_file(database.url)
    assert path is not None
    out = tmp_path / "protokoll.html"
    common = ["--db", path, *FORUM]
    html = subprocess.run(
        [str(SCRIPT), "export", "minutes", *common, "--format", "html", "--out", str(out)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert html.returncode == 0, html.stderr
    assert html.stdout == html.stderr == ""
    assert "<h2>Åtgärder (2)</h2>" in out.read_text(encoding="utf-8")
    md = subprocess.run(
        [str(SCRIPT), "export", "protokoll", *common, "--format", "md"],
        capture_output=True,
        env=clean_env({"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert md.returncode == 0, md.stderr
    heading = "# Minnesanteckningar – Regional samverkanskonferens, möte 1"
    assert heading in md.stdout.decode("utf-8")

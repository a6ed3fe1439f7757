"""``samverkan-bot export … --format pdf``: the minutes, a published picture, a direction and an
activation's record as PDF/A for the registrar, and the full minutes attached in the chat.

Each PDF is read back with pypdf, as a reader's tool would: it says what the Markdown export
says (every word, in order: the Markdown rendered, so its escapes and markup are not counted),
with Swedish letters and quotation marks intact and hostile text as text; its XMP metadata
names PDF/A-3b, and every font it uses is embedded.
"""

from __future__ import annotations

import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import pytest

from bot.export.pdf import pdf_of
from bot.files import file_of
from commands.core.i18n import t
from storage import Database
from tests.support.attachments import through_outbox
from tests.support.chat import Chat, Said
from tests.support.export_cli import export
from tests.support.pdf import (
    flat,
    fonts,
    markdown_words,
    missing_in_order,
    pdf_text,
    pdfa_id,
    reader,
    words,
)
from tests.support.time_travel import travel

pytestmark = pytest.mark.usefixtures("restored_umask")

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-26 18:00"
HOSTILE = "<script>alert(1)</script> **fet** \\# inte rubrik"
FORUM = ("--forum", "samverkanskonferens")
# What to export, and how to name the one of the scenario.
KINDS = {
    "protokoll": FORUM,
    "lägesbild": (*FORUM, "--version", "1"),
    "inriktning": ("--number", "1"),
    "efterhand": FORUM,
}
TITLES = {
    "protokoll": "Minnesanteckningar – Regional samverkanskonferens, möte 1",
    "lägesbild": "Samlad lägesbild – Regional samverkanskonferens",
    "inriktning": "Gemensam regional inriktning 1",
    "efterhand": "Efterhand: aktivering 1 av Regional samverkanskonferens",
}
# User text of each kind, as typed, with Swedish letters and quotation marks.
TYPED = {
    "protokoll": f"SMHI varnar för ”kraftig vind” … {HOSTILE}",
    "lägesbild": f"Översvämning vid ”Slussen” … {HOSTILE}",
    "inriktning": f"Skydda ”liv” och hälsa … {HOSTILE}",
    "efterhand": f"Storm ”Dagmar” … över Åland {HOSTILE}",
}


def _ok(chat: Chat, text: str, **kwargs: str) -> Said:
    said = chat.say(text, **kwargs)  # type: ignore[arg-type]
    assert said.ok, (text, said.text)
    return said


@pytest.fixture
def stormy(forum_chat: Chat) -> Chat:
    """An activation (15:00-17:00) with one acknowledgement, a direction proposed, a meeting
    with a report, an item and a published picture: each with user text of :data:`TYPED`."""
    chat = forum_chat
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, f"!aktivera {TYPED['efterhand']} kalla: Polisen, Trafikverket")
    travel(chat, "2026-11-26 15:04")
    _ok(chat, "!kvittera", person="anna")
    _ok(chat, f"!inriktning förslag Målbild: {TYPED['inriktning']}")
    travel(chat, "2026-11-26 15:30")
    _ok(chat, "!möte start")
    report = f"Läge: {TYPED['lägesbild']}\nBehov: Förstärkning i Norrtälje"
    _ok(chat, f"!läge {report}", person="anna")
    _ok(chat, f"!info {TYPED['protokoll']}", person="bo")
    _ok(chat, "!lägesbild publicera")
    travel(chat, "2026-11-26 16:00")
    _ok(chat, "!möte slut")
    travel(chat, "2026-11-26 17:00")
    _ok(chat, "!avaktivera Stormen är över")
    return chat


def _exported(database: Database, tmp_path: Path, what: str, fmt: str) -> bytes:
    out = tmp_path / f"{what}.{fmt}"
    assert export(database, what, NOW, *KINDS[what], "--format", fmt, "--out", str(out)) == 0
    return out.read_bytes()


@pytest.mark.parametrize("what", KINDS)
def test_the_pdf_says_what_the_markdown_says_as_pdf_a(
    stormy: Chat, database: Database, tmp_path: Path, what: str
) -> None:
    markdown = _exported(database, tmp_path, what, "md").decode("utf-8")
    pdf = _exported(database, tmp_path, what, "pdf")
    text = pdf_text(pdf)

    # Every word of the Markdown, in its order (the PDF may say more: a chart's labels).
    wanted = markdown_words(markdown)
    assert len(wanted) > 20
    assert missing_in_order(wanted, words(text)) == []
    # The user's text as typed: Swedish letters, ”…”, and markup that stays text.
    assert flat(TYPED[what]) in flat(text)
    assert "”" in text
    assert "…" in text
    assert "<script>alert(1)</script>" in flat(text)

    # PDF/A-3b, its title, author and language, every font embedded.
    assert pdfa_id(pdf) == ("3", "B")
    info = reader(pdf).metadata
    assert info is not None
    assert info.title == TITLES[what]
    assert info.author == "Regional samverkanskonferens"
    assert reader(pdf).trailer["/Root"]["/Lang"] == "sv"
    used = fonts(pdf)
    assert any("DejaVu" in name for name in used), used
    assert all(used.values()), used


def test_the_records_charts_are_drawn_in_the_pdf(
    stormy: Chat, database: Database, tmp_path: Path
) -> None:
    """The HTML's inline SVG charts come out as drawings with their words, in English too."""
    out = tmp_path / "record.pdf"
    args = (*KINDS["efterhand"], "--lang", "en", "--format", "pdf", "--out", str(out))
    assert export(database, "efterhand", NOW, *args) == 0
    text = pdf_text(out.read_bytes())
    for label in ("acks_title", "minutes", "share", "rounds_title", "round", "reported"):
        assert t("en", f"export_record.chart.{label}") in text, label
    assert reader(out.read_bytes()).trailer["/Root"]["/Lang"] == "en"


def test_the_minutes_attached_in_the_chat_are_the_pdf_export(
    stormy: Chat, database: Database, tmp_path: Path
) -> None:
    """``!protokoll`` attaches the file ``export protokoll --format pdf`` writes, and it comes
    back the same from the outbox."""
    said = _ok(stormy, "!protokoll")
    assert said.reply is not None
    [attachment] = said.reply.attachments
    attached = file_of(attachment)
    assert attached.filename == "minnesanteckningar-samverkanskonferens-1.pdf"
    assert attached.mimetype == "application/pdf"
    assert attached.content == _exported(database, tmp_path, "protokoll", "pdf")
    [back] = through_outbox(stormy, [attachment])
    assert file_of(back).content == attached.content


def test_minutes_that_cannot_be_printed_still_go_out_as_markdown(
    stormy: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A machine without Pango or a font: the minutes are not lost, they go as Markdown,
    and the failure is logged for the operator."""
    import bot.export.pdf

    def broken(html: str, **_: object) -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(bot.export.pdf, "pdf_of", broken)
    said = _ok(stormy, "!protokoll")
    assert said.reply is not None
    attached = file_of(said.reply.attachments[0])
    assert attached.filename == "minnesanteckningar-samverkanskonferens-1.md"
    assert attached.mimetype == "text/markdown"
    assert "# Minnesanteckningar" in attached.content.decode("utf-8")
    assert "could not be printed as PDF" in caplog.text


def test_an_exercises_minutes_keep_their_mark(forum_chat: Chat) -> None:
    _ok(forum_chat, "!övning start Stabsövning december")
    _ok(forum_chat, "!möte start")
    _ok(forum_chat, "!info Något att minnas för Älvsjö")
    ended = _ok(forum_chat, "!möte slut")
    assert ended.reply is not None
    [attachment] = ended.reply.attachments
    pdf = file_of(attachment).content
    info = reader(pdf).metadata
    assert info is not None
    title = "ÖVNING – Minnesanteckningar – Regional samverkanskonferens, möte 1"
    assert info.title == title
    text = pdf_text(pdf)
    assert flat(title) in flat(text)
    assert "status: Exercise – övningen ”Stabsövning december”" in text
    assert "Något att minnas för Älvsjö" in text


def test_without_out_the_pdf_goes_to_standard_output(
    stormy: Chat, database: Database, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    capsysbinary.readouterr()
    assert export(database, "inriktning", NOW, *KINDS["inriktning"], "--format", "pdf") == 0
    printed = capsysbinary.readouterr().out
    assert pdfa_id(printed) == ("3", "B")
    assert flat(TYPED["inriktning"]) in flat(pdf_text(printed))


def test_nothing_is_fetched_from_outside_the_page() -> None:
    """Should an address ever reach an image or a stylesheet, the PDF is written without it:
    the bot fetches nothing (no request made, no local file read)."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with HTTPServer(("127.0.0.1", 0), Handler) as server:
        Thread(target=server.serve_forever, daemon=True).start()
        address = f"http://127.0.0.1:{server.server_address[1]}"
        page = (
            f'<html lang="sv"><head><title>Prov</title>'
            f'<link rel="stylesheet" href="{address}/style.css"></head>'
            f'<body><img src="{address}/bild.png" alt="bild"><img src="file:///etc/hostname">'
            "<p>Åtgärd för Ärlinghem</p></body></html>"
        )
        pdf = pdf_of(page)
        server.shutdown()
    assert asked == []
    assert "Åtgärd för Ärlinghem" in pdf_text(pdf)


def test_the_stylesheet_is_package_data() -> None:
    """A non-editable install has bot/export/pdf.css only if pyproject names it."""
    import tomllib
    from fnmatch import fnmatch

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot"]
    assert any(fnmatch("export/pdf.css", pattern) for pattern in patterns), patterns


def test_ensure_fonts_finds_them_quickly() -> None:
    """scripts/ensure-fonts (make run, make test) finds DejaVu and Pango without installing."""
    done = subprocess.run(
        [str(REPO / "scripts" / "ensure-fonts")],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ensure-fonts: found DejaVu Sans at "), done.stdout
    assert "installing" not in done.stderr
    assert sys.platform == "linux"


def test_a_pdf_asked_for_on_a_terminal_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal here) the PDF's bytes would be noise: a plain error
    that says to use --out, and nothing written."""
    import os
    import pty

    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "export",
                "protokoll",
                "--db",
                str(tmp_path / "bot.db"),
                "--forum",
                "samverkanskonferens",
                "--format",
                "pdf",
            ],
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 2
    assert "a PDF is not shown on a terminal" in done.stderr
    assert "--out minnesanteckningar.pdf" in done.stderr
    assert "Traceback" not in done.stderr

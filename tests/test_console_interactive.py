"""The terminal chat on a real terminal (tmux), as a newcomer meets it: typing, pasting a
multi-line report, Tab, history, the time on every bot message, and leaving."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.environment import clean_env
from tests.support.tmux import TmuxTerminal
from tests.test_console import POLICE, REPO, THURSDAY_1500

PROMPT = "#konsol @operator> "
PROMPT_SHOWN = PROMPT.rstrip()  # as tmux captures it, without the space that ends the line
SAVED = "Lägesrapport från {} sparad"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.fixture
def terminal(db: Path) -> Iterator[TmuxTerminal]:
    argv = [sys.executable, "-m", "bot.cli", "console", "--db", str(db), "--now", THURSDAY_1500]
    with TmuxTerminal(argv, cwd=REPO, env=clean_env()) as term:
        term.wait_for(PROMPT_SHOWN)
        yield term


def _say(terminal: TmuxTerminal, text: str, answer: str) -> str:
    terminal.write(text)
    terminal.press("Enter")
    return terminal.wait_for(answer)


def _report(db: Path, organisation: str) -> dict[str, str | None]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            "SELECT r.* FROM situationreport r JOIN organisation o ON o.id = r.organisation_id"
            " WHERE o.name = ?",
            (organisation,),
        ).fetchall()
    assert len(rows) == 1, f"{len(rows)} reports from {organisation}"
    return dict(rows[0])


def test_a_pasted_report_is_one_message_stored_whole(terminal: TmuxTerminal, db: Path) -> None:
    shown = _say(terminal, "#stab !forum koppla samverkanskonferens", "Kanalen är nu kopplad")
    assert "── #stab 15:00 ──\nKanalen är nu kopplad" in shown  # the time, as chats show it

    terminal.paste(
        "#stab @bo/SOS Alarm: !läge Konsekvenser: många larm om träd över väg\n"
        "Behov: röjning på väg 76\n"
        "Prognos: lugnare i kväll"
    )
    terminal.press("Enter")
    shown = terminal.wait_for(SAVED.format("SOS Alarm"))
    reply = shown.rsplit("── #stab 15:00 ──", 1)[1]
    assert reply.startswith("\nLägesrapport från SOS Alarm sparad")
    assert "Behov av samverkan / stöd: röjning på väg 76" in reply
    assert "Prognos: lugnare i kväll" in reply
    assert "Inget kommando" not in shown  # no line of the paste was taken for chat
    report = _report(db, "SOS Alarm")
    assert report["impact"] == "många larm om träd över väg"
    assert report["needs"] == "röjning på väg 76"
    assert report["outlook"] == "lugnare i kväll"

    # The README's piped form, a backslash ending each line, pastes as one message too.
    terminal.paste(
        f"#stab @anna/{POLICE}: !läge Läge: Stormen har passerat.\\\n"
        "Behov: röjning på väg 76\\\n"
        "Prognos: lugnare i kväll\n"
    )
    terminal.press("Enter")
    terminal.wait_for(SAVED.format(POLICE))
    report = _report(db, POLICE)
    assert report["situation"] == "Stormen har passerat."
    assert report["needs"] == "röjning på väg 76"
    assert report["outlook"] == "lugnare i kväll"
    assert "Inget kommando" not in terminal.screen()


def test_bot_messages_carry_the_console_clock(terminal: TmuxTerminal) -> None:
    _say(terminal, "#stab !forum koppla samverkanskonferens", "Kanalen är nu kopplad")
    shown = _say(terminal, "~tid 16:05", "Klockan är nu torsdag 2026-11-26 16:05.")
    # The meeting's posts went out on the way, each under its own time.
    assert "── #stab 15:45 ──" in shown
    assert "── #stab 16:00 ──" in shown
    assert "── #konsol 16:05 ──\nKlockan är nu" in shown


def test_tab_completes_commands_and_organisations(terminal: TmuxTerminal) -> None:
    terminal.write("!kvitt")
    terminal.press("Tab")
    terminal.wait_for(PROMPT + "!kvittera")
    terminal.press("C-u")
    terminal.write("#stab @anna/Polisen Reg")
    terminal.press("Tab")
    terminal.wait_for(f"{PROMPT}#stab @anna/{POLICE}")
    terminal.write(": !forum kop")
    terminal.press("Tab")
    terminal.wait_for(f"{PROMPT}#stab @anna/{POLICE}: !forum koppla")
    terminal.press("C-u")
    terminal.write("!aktör SOS")
    terminal.press("Tab")
    terminal.wait_for(f"{PROMPT}!aktör SOS Alarm")
    terminal.press("C-u")
    terminal.write("!forum lis")
    terminal.press("Tab")  # two names: lista, list; a menu offers both
    shown = terminal.wait_for("!forum lista")
    assert "!forum list" in [line.strip() for line in shown.splitlines()]


def test_history_is_kept_beside_the_database_and_ctrl_d_ends(
    terminal: TmuxTerminal, db: Path
) -> None:
    _say(terminal, "!forum lista", "Regional samverkanskonferens – regionalt samordnande")
    terminal.press("Up")
    terminal.wait_for(PROMPT + "!forum lista", times=2)
    terminal.press("C-u")
    terminal.press("C-d")
    assert terminal.exit_status() == 0
    assert "Traceback" not in terminal.screen()
    history = db.with_name("bot.db.historik")
    assert "!forum lista" in history.read_text()
    assert history.stat().st_mode & 0o777 == 0o600  # what was typed is private, as the database


def test_ctrl_c_at_the_prompt_ends_the_console(terminal: TmuxTerminal) -> None:
    terminal.write("!forum")
    terminal.press("C-c")
    assert terminal.exit_status(timeout=5.0) in (0, 130)
    assert "Traceback" not in terminal.screen()


def test_a_message_arriving_while_typing_appears_above_the_half_typed_line(db: Path) -> None:
    """A reminder falls due while someone types: it is printed above the prompt, and what was
    typed stays on the prompt line, whole, to be sent with Enter."""
    # Another process sets the reminder with its clock pinned a minute back, so that it falls
    # due now on the real clock of the console on the terminal, which looks every second.
    earlier = datetime.now(ZoneInfo("Europe/Stockholm")) - timedelta(minutes=1)
    argv = [sys.executable, "-m", "bot.cli", "console", "--db", str(db)]
    setup = subprocess.run(
        [*argv, "--now", earlier.strftime("%Y-%m-%d %H:%M:%S")],
        input="#stab !forum koppla samverkanskonferens\n#stab !påminn om 1 minut Ring SMHI\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=clean_env(),
        timeout=60,
        check=True,
    )
    assert "Ring SMHI" in setup.stdout, setup.stdout + setup.stderr
    with TmuxTerminal(argv, cwd=REPO, env=clean_env({"TICK_SECONDS": "1"})) as terminal:
        terminal.wait_for(PROMPT_SHOWN)
        terminal.write("!hjälp aktiv")
        terminal.wait_for("Ring SMHI", timeout=30)
        # Above the prompt, which is drawn again below it with what was typed, once.
        shown = terminal.wait_for(PROMPT + "!hjälp aktiv", after="Ring SMHI")
        assert shown.count("!hjälp aktiv") == 1, shown
        assert re.search(r"── #stab \d\d:\d\d ──\nPåminnelse", shown), shown
        terminal.write("era")
        terminal.press("Enter")
        terminal.wait_for("Exempel: !aktivera Storm Dagmar")

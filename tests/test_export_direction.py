"""``samverkan-bot export inriktning``: a direction as the file ``!inriktning fil`` attaches,
read from the database without changing it, in each format, everything escaped."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from storage import Database
from tests.support.chat import Chat, Said
from tests.support.export_cli import export, written

NOW = "2026-11-26 15:30"
HOSTILE_TARGET = "<script>alert(1)</script> *fet* | a | b | [x](javascript:alert(1))"


pytestmark = pytest.mark.usefixtures("restored_umask")


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


@pytest.fixture
def adopted(database: Database, clock: FixedClock) -> Chat:
    """Direction 1 for the conference with hostile text, adopted by Regionalt inriktande
    forum, confirmed by Polisen; direction 2 a draft."""
    chat = Chat(database, clock, replace(CoreConfig(), meeting_reminder_offsets=(None,) * 4))
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm")
    _ok(
        chat,
        f"!inriktning förslag Målbild: {HOSTILE_TARGET}\n"
        "Prioriteringar: # Rubrik\n> citat\nGäller till: 2026-11-27 12:00",
    )
    _ok(chat, "!inriktning föredra 1")
    _ok(chat, "!inriktning fastställ 1", channel="inriktande")
    chat.advance(minutes=5)
    _ok(chat, "!inriktning kvittera", person="anna")
    _ok(chat, "!inriktning förslag Målbild: Nästa")
    return chat


def _export(database: Database, *args: str) -> int:
    return export(database, "inriktning", NOW, *args)


def _written(database: Database, tmp_path: Path, *args: str) -> str:
    return written(database, tmp_path, "inriktning", NOW, *args)


def test_markdown_by_default_the_one_in_force(
    adopted: Chat, database: Database, tmp_path: Path
) -> None:
    text = _written(database, tmp_path)
    assert text.startswith("# Gemensam regional inriktning 1\n")
    assert "- **Status:** fastställd" in text
    assert "- **Gäller till:** 2026-11-27 12:00" in text
    assert "## Kvittenser (1 av 2)" in text
    assert "- Polisen Region Stockholm: anna, 2026-11-26 15:05" in text
    assert "## Har inte kvitterat (1)\n\n- SOS Alarm" in text
    assert "\\<script>alert(1)\\</script> \\*fet\\* \\| a \\| b \\|" in text
    assert "\\[x\\](javascript:alert(1))" in text
    assert re.search(r"(?<!\\)<", text) is None  # no HTML
    assert "\n\\# Rubrik" in text
    assert "\\> citat" in text


def test_html_escapes_everything(adopted: Chat, database: Database, tmp_path: Path) -> None:
    text = _written(database, tmp_path, "--number", "1", "--format", "html")
    assert text.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert "<a " not in text
    assert "Gemensam regional inriktning 1" in text


def test_json_carries_the_record_with_labels(
    adopted: Chat, database: Database, tmp_path: Path
) -> None:
    data = json.loads(
        _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "json")
    )
    direction = data["direction"]
    assert direction["number"] == 1
    assert direction["state"] == "adopted"
    assert direction["fields"]["target"] == HOSTILE_TARGET
    assert direction["valid_until"] == "2026-11-27T11:00:00+00:00"
    assert direction["not_confirmed"] == ["SOS Alarm"]
    assert [c["organisation"] for c in direction["confirmations"]] == ["Polisen Region Stockholm"]
    assert direction["adopted"]["forum"] == "Regionalt inriktande forum"
    assert data["labels"]["fields"]["valid_until"] == "Gäller till"
    assert data["labels"]["state"] == "fastställd"


def test_a_draft_by_number_and_in_english(
    adopted: Chat, database: Database, tmp_path: Path
) -> None:
    text = _written(database, tmp_path, "--number", "2", "--lang", "en")
    assert text.startswith("# Joint regional direction 2\n")
    assert "- **State:** draft" in text
    assert "Confirmations" not in text  # not adopted: nobody confirms a draft


def test_standard_output_and_what_cannot_be_had(
    adopted: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export(database, "--number", "1") == 0
    assert "# Gemensam regional inriktning 1" in capsys.readouterr().out
    assert _export(database, "--number", "9") == 2
    assert "there is no direction 9: there are 1, 2" in capsys.readouterr().err
    assert _export(database, "--forum", "chefsgrupp") == 2
    assert "no adopted direction is in force for Regional chefsgrupp" in capsys.readouterr().err


def test_nothing_in_force_says_so(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert _export(database) == 2
    error = capsys.readouterr().err
    assert "no adopted direction is in force: name one with --number" in error
    assert "there are no directions yet (!inriktning förslag drafts one)" in error

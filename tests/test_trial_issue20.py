"""Issue 20 tried as its users would: an exercise team running the drill of
docs/exercise-scenarios.md in Swedish, a coordinator doing it in English, and the record's
export afterwards. What broke their trust, each checked as they saw it."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Database
from tests.support.chat import Chat
from tests.support.export_cli import export, written
from tests.support.time_travel import travel

# The example of docs/exercise-scenarios.md, "Starting an exercise with a scenario", as typed.
DOC_EXAMPLE = """!övning start Stabsövning december
namn: Snöoväder i länet
inspel:
  - efter: 15 min
    text: SMHI utfärdar klass 2-varning för snö."""


def _ok(chat: Chat, text: str, **kwargs: str) -> str:
    said = chat.say(text, **kwargs)
    assert said.ok, said.text
    return said.text


def _drill(chat: Chat, *, start: str = DOC_EXAMPLE, activate: str) -> None:
    """The drill: the documented scenario, an exercise activation of two, both acknowledge,
    a report, a meeting, stand-down and the end of the exercise."""
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="tove")
    _ok(chat, start)
    travel(chat, "2026-11-26 15:20")
    _ok(chat, activate)
    _ok(chat, "!kvittera", person="anna")
    travel(chat, "2026-11-26 15:30")
    _ok(chat, "!kvittera", person="tove")
    _ok(chat, "!läge Läge: snöfall. Behov: inga", person="anna")
    _ok(chat, "!möte start Övningsmöte")
    _ok(chat, "!möte slut")
    travel(chat, "2026-11-26 16:10")
    _ok(chat, "!avaktivera Övningen klar")


def test_one_inject_reads_in_the_singular(forum_chat: Chat) -> None:
    started = _ok(forum_chat, DOC_EXAMPLE)
    assert "1 inspel är planerat, 2026-11-26 15:15." in started
    assert "inspel är planerade" not in started
    _ok(forum_chat, "!forum språk en")
    _ok(forum_chat, "!exercise end")
    started = _ok(forum_chat, DOC_EXAMPLE.replace("Stabsövning december", "Second drill"))
    assert "1 inject is planned, 2026-11-26 15:15." in started
    left = _ok(forum_chat, "!exercise injects")
    assert "Left in the scenario “Snöoväder i länet”: 1 inject." in left


def test_english_speaks_english_commands(forum_chat: Chat) -> None:
    """An English forum is told the English command, and it works when typed."""
    _ok(forum_chat, "!forum språk en")
    _drill(forum_chat, activate="!activate exercise Snow storm call: Polisen, Trafikverket")
    ended = _ok(forum_chat, "!exercise end")
    assert "activation record: !record exercise." in ended
    assert "efterhand" not in ended
    assert "EXERCISE – After action" in _ok(forum_chat, "!record exercise")
    refused = forum_chat.say("!record")
    assert not refused.ok
    assert "efterhand" not in refused.text
    assert "!record exercise" in refused.text
    assert "record" in _ok(forum_chat, "!help record")


def test_after_a_drill_the_refusal_points_to_the_drill(forum_chat: Chat) -> None:
    """With only an exercise behind it, ``!efterhand`` says how to see the exercise's, and
    the example it gives works; after clearing, no example names what is gone."""
    _drill(forum_chat, activate="!aktivera övning Snöoväder kalla: Polisen, Trafikverket")
    _ok(forum_chat, "!övning slut")
    refused = forum_chat.say("!efterhand")
    assert not refused.ok
    assert "Regional samverkanskonferens har ingen verklig aktivering att visa" in refused.text
    assert "Övningens visas med !efterhand övning." in refused.text
    assert "ÖVNING – Efterhand" in _ok(forum_chat, "!efterhand övning")
    _ok(forum_chat, "!övning rensa Stabsövning december bekräfta")
    for typed in ("!efterhand", "!efterhand övning", "!efterhand 1"):
        refused = forum_chat.say(typed)
        assert not refused.ok
        assert "!efterhand 1" not in refused.text
        assert "!efterhand övning" not in refused.text


def test_the_evaluation_paragraph_reads_its_rounds(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    """``omgång 1 1 av 2`` ran two numbers together; the paragraph is pasted as it is."""
    _drill(forum_chat, activate="!aktivera övning Snöoväder kalla: Polisen, Trafikverket")
    text = written(
        database, tmp_path, "efterhand", "2026-11-26 16:15", "--forum", "samverkanskonferens",
        "--activation", "1", "--format", "md",
    )  # fmt: skip
    assert "Rapportering: 1 av 2 (50 %) i runda 1." in text


def test_the_exercise_record_export_carries_its_status(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    """As the other exports of an exercise: the status in the HTML's metadata and a line
    under the title in Markdown and HTML."""
    _drill(forum_chat, activate="!aktivera övning Snöoväder kalla: Polisen, Trafikverket")
    args = ("--forum", "samverkanskonferens", "--activation", "1")
    html = written(database, tmp_path, "efterhand", "2026-11-26 16:15", *args, "--format", "html")
    assert '<meta name="status" content="Exercise">' in html
    assert "status: Exercise – övningen ”Stabsövning december”" in html
    md = written(database, tmp_path, "efterhand", "2026-11-26 16:15", *args, "--format", "md")
    assert "status: Exercise – övningen ”Stabsövning december”" in md


def test_the_export_names_the_exercise_when_no_real_activation(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _drill(forum_chat, activate="!aktivera övning Snöoväder kalla: Polisen, Trafikverket")
    code = export(database, "efterhand", "2026-11-26 16:15", "--forum", "samverkanskonferens",
                  "--format", "md")  # fmt: skip
    assert code == 2
    error = capsys.readouterr().err
    assert "has no real activation yet" in error
    assert "--activation 1" in error
    assert "!aktivera" not in error

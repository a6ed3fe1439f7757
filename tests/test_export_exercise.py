"""What was made during an exercise is exported as the exercise's: the joint picture, the
minutes and the direction, in Markdown, HTML and JSON (and the files attached in the chat),
carry the marking in their title, a metadata line naming the exercise and the status
``Exercise`` (as CAP and EDXL mark one); what was made for real says ``Actual`` and carries no
marking, even in a real activation after an exercise in the same forum."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.files import file_of
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from storage import Database
from tests.support.attachments import through_outbox
from tests.support.chat import Chat, Said
from tests.support.export_cli import export, written
from tests.support.pdf import pdf_as_line
from tests.support.time_travel import travel

NOW = "2026-11-27 12:00"
EXERCISE = "Stabsövning december"
FORUM = ("--forum", "samverkanskonferens")
MARK_SV, MARK_EN = "ÖVNING – ", "EXERCISE – "
LINE_SV = f"status: Exercise – övningen ”{EXERCISE}”"
LINE_EN = f"status: Exercise – the exercise “{EXERCISE}”"

pytestmark = pytest.mark.usefixtures("restored_umask")


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


@pytest.fixture
def played(database: Database, clock: FixedClock) -> Chat:
    """From 15:00 the exercise: a meeting in exercise mode (meeting 1), then the exercise's
    activation with a report, a published picture, its meeting (2) and direction 1 adopted;
    the exercise ends at 17:00. At 18:00 a real activation: a report, a published picture,
    meeting 3 and direction 2 adopted."""
    chat = Chat(database, clock, replace(CoreConfig(), meeting_reminder_offsets=(None,) * 4))
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, f"!övning start {EXERCISE}")
    _ok(chat, "!möte start")
    _ok(chat, "!info Övningen börjar")
    travel(chat, "2026-11-26 15:10")
    _ok(chat, "!möte slut")
    travel(chat, "2026-11-26 15:20")
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen")
    _ok(chat, "!kvittera", person="anna")
    _ok(chat, "!läge Övningsläge på vägarna", person="anna")
    _ok(chat, "!lägesbild publicera")
    _ok(chat, "!möte start")
    _ok(chat, "!inriktning förslag Målbild: Övningens målbild")
    _ok(chat, "!inriktning föredra 1")
    _ok(chat, "!inriktning fastställ 1", channel="inriktande")
    travel(chat, "2026-11-26 16:00")
    _ok(chat, "!möte slut")
    travel(chat, "2026-11-26 16:30")
    _ok(chat, "!avaktivera Övningen är slut")
    travel(chat, "2026-11-26 17:00")
    _ok(chat, "!övning slut")
    travel(chat, "2026-11-26 18:00")
    _ok(chat, "!aktivera Skarp händelse kalla: Polisen")
    _ok(chat, "!kvittera", person="anna")
    _ok(chat, "!läge Verkligt läge på vägarna", person="anna")
    _ok(chat, "!lägesbild publicera")
    _ok(chat, "!möte start")
    _ok(chat, "!inriktning förslag Målbild: Den verkliga målbilden")
    _ok(chat, "!inriktning föredra 2")
    _ok(chat, "!inriktning fastställ 2", channel="inriktande")
    travel(chat, "2026-11-26 18:30")
    _ok(chat, "!möte slut")
    return chat


def _export(database: Database, tmp_path: Path, what: str, fmt: str, *args: str) -> str:
    return written(database, tmp_path, what, NOW, "--format", fmt, *args)


def _selection(database: Database, tmp_path: Path, what: str, exercise: bool) -> list[str]:
    """How the export names the exercise's (or the real) picture, minutes or direction."""
    if what == "lägesbild":
        return ["--round", str(_round_numbers(database, tmp_path)[exercise]), *FORUM]
    if what == "protokoll":
        return ["--meeting", "2" if exercise else "3", *FORUM]
    return ["--number", "1" if exercise else "2"]


def _round_numbers(database: Database, tmp_path: Path) -> dict[bool, int]:
    """The round of the exercise's activation and of the real one, as their minutes name them."""
    found: dict[bool, int] = {}
    for exercise, meeting in ((True, "2"), (False, "3")):
        data = json.loads(
            _export(database, tmp_path, "protokoll", "json", *FORUM, "--meeting", meeting)
        )
        found[exercise] = data["picture"]["picture"]["round_number"]
    return found


@pytest.mark.parametrize("what", ["lägesbild", "protokoll", "inriktning"])
def test_the_exercises_exports_are_marked_in_every_format(
    played: Chat, database: Database, tmp_path: Path, what: str
) -> None:
    selection = _selection(database, tmp_path, what, exercise=True)
    md = _export(database, tmp_path, what, "md", *selection)
    title, blank, line = md.splitlines()[:3]
    assert title.startswith(f"# {MARK_SV}"), title
    assert (blank, line) == ("", f"**{LINE_SV}**")

    html = _export(database, tmp_path, what, "html", *selection)
    assert '<meta name="status" content="Exercise">' in html
    assert f'<meta name="exercise" content="{EXERCISE}">' in html
    assert f"<title>{MARK_SV}" in html
    assert f"<h1>{MARK_SV}" in html
    assert f'<p class="status"><strong>{LINE_SV}</strong></p>' in html

    data = json.loads(_export(database, tmp_path, what, "json", *selection))
    assert (data["status"], data["exercise"]) == ("Exercise", EXERCISE)
    assert data["labels"]["title"].startswith(MARK_SV)

    english = _export(database, tmp_path, what, "md", *selection, "--lang", "en")
    assert english.startswith(f"# {MARK_EN}")
    assert f"**{LINE_EN}**" in english


@pytest.mark.parametrize("what", ["lägesbild", "protokoll", "inriktning"])
def test_a_real_activation_after_the_exercise_is_actual(
    played: Chat, database: Database, tmp_path: Path, what: str
) -> None:
    selection = _selection(database, tmp_path, what, exercise=False)
    for fmt in ("md", "html"):
        text = _export(database, tmp_path, what, fmt, *selection)
        assert "ÖVNING" not in text, fmt
        assert "övningen" not in text, fmt
    html = _export(database, tmp_path, what, "html", *selection)
    assert '<meta name="status" content="Actual">' in html
    assert '<meta name="exercise"' not in html
    data = json.loads(_export(database, tmp_path, what, "json", *selection))
    assert (data["status"], data["exercise"]) == ("Actual", None)
    assert "ÖVNING" not in data["labels"]["title"]


def test_a_meeting_in_exercise_mode_without_an_activation_is_the_exercises(
    played: Chat, database: Database, tmp_path: Path
) -> None:
    md = _export(database, tmp_path, "protokoll", "md", *FORUM, "--meeting", "1")
    assert md.startswith(f"# {MARK_SV}Minnesanteckningar – Regional samverkanskonferens, möte 1")
    # The embedded picture is marked too; the status line is said once, at the top.
    assert f"\n## {MARK_SV}Samlad lägesbild – Regional samverkanskonferens\n" in md
    assert md.count(LINE_SV) == 1


def test_the_published_version_of_the_exercise_is_marked(
    played: Chat, database: Database, tmp_path: Path
) -> None:
    rounds = _round_numbers(database, tmp_path)
    for exercise, mark in ((True, "Exercise"), (False, "Actual")):
        data = json.loads(
            _export(
                database,
                tmp_path,
                "lägesbild",
                "json",
                *FORUM,
                "--round",
                str(rounds[exercise]),
                "--version",
                "1",
            )
        )
        assert data["status"] == mark


def test_nothing_is_marked_in_a_forum_that_never_exercised(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen")
    _ok(forum_chat, "!läge Lugnt", person="anna")
    _ok(forum_chat, "!möte start")
    _ok(forum_chat, "!inriktning förslag Målbild: Lugnt")
    _ok(forum_chat, "!möte slut")
    for what, args in (
        ("lägesbild", FORUM),
        ("protokoll", FORUM),
        ("inriktning", ("--number", "1")),
    ):
        data = json.loads(_export(database, tmp_path, what, "json", *args))
        assert (data["status"], data["exercise"]) == ("Actual", None), what
        assert "ÖVNING" not in _export(database, tmp_path, what, "md", *args)


def test_the_minutes_attached_during_an_exercise_are_marked(
    database: Database, clock: FixedClock
) -> None:
    chat = Chat(database, clock)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, f"!övning start {EXERCISE}")
    _ok(chat, "!möte start")
    _ok(chat, "!info Något att minnas")
    ended = _ok(chat, "!möte slut")
    assert ended.reply is not None
    [attachment] = ended.reply.attachments
    text = pdf_as_line(file_of(attachment).content)
    assert text.startswith(f"{MARK_SV}Minnesanteckningar")
    assert LINE_SV in text
    # As it waits in the outbox and comes back: the same file.
    [back] = through_outbox(chat, [attachment])
    assert file_of(back).content == file_of(attachment).content


def test_the_direction_file_attached_during_an_exercise_is_marked(
    database: Database, clock: FixedClock
) -> None:
    chat = Chat(database, clock)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, f"!övning start {EXERCISE}")
    _ok(chat, "!inriktning förslag Målbild: Övningens målbild")
    for fmt in ("md", "html", "json"):
        said = _ok(chat, f"!inriktning fil 1 {fmt}")
        assert said.reply is not None
        [attachment] = said.reply.attachments
        text = file_of(attachment).content.decode("utf-8")
        if fmt == "json":
            assert json.loads(text)["status"] == "Exercise"
        else:
            assert f"{MARK_SV}Gemensam regional inriktning 1" in text
        [back] = through_outbox(chat, [attachment])
        assert file_of(back).content == file_of(attachment).content


def test_an_old_attachment_without_the_exercise_decodes_as_actual(
    database: Database, clock: FixedClock
) -> None:
    """Minutes and directions queued before exports knew of exercises still read back."""
    from commands.joint_direction.data import direction_file_data, direction_file_from
    from commands.minutes.data import minutes_attachment_data, minutes_attachment_from

    chat = Chat(database, clock)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, f"!övning start {EXERCISE}")
    _ok(chat, "!möte start")
    ended = _ok(chat, "!möte slut")
    assert ended.reply is not None
    minutes = ended.reply.attachments[0].payload
    data = minutes_attachment_data(minutes)
    assert data["minutes"].pop("exercise") == EXERCISE
    assert minutes_attachment_from(data).exercise is None
    _ok(chat, "!inriktning förslag Målbild: Något")
    said = _ok(chat, "!inriktning fil 1 json")
    assert said.reply is not None
    stored = direction_file_data(said.reply.attachments[0].payload)
    assert stored["record"].pop("exercise") == EXERCISE
    assert direction_file_from(stored).record.exercise is None


def test_the_backup_marks_the_exercises_files(
    played: Chat, database: Database, tmp_path: Path
) -> None:
    """``export all`` writes each picture, version, minutes and direction as the exports do."""
    out = tmp_path / "backup"
    assert export(database, "all", NOW, "--out", str(out)) == 0
    rounds = _round_numbers(database, tmp_path)
    folder = next((out / "forum").glob("*samverkanskonferens*"))
    for exercise, mark in ((True, "Exercise"), (False, "Actual")):
        stem = folder / "lagesbild" / f"runda-{rounds[exercise]:04d}"
        for path in (stem.with_suffix(".json"), stem.parent / f"{stem.name}-version-1.json"):
            assert json.loads(path.read_text(encoding="utf-8"))["status"] == mark, path
        meeting = folder / "protokoll" / f"mote-{2 if exercise else 3:04d}.json"
        assert json.loads(meeting.read_text(encoding="utf-8"))["status"] == mark

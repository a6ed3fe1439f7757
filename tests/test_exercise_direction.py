"""What an exercise agrees never becomes real: a joint regional direction adopted in a drill
supersedes only the drill's, is in force only in the exercising forum while it lasts (the
strategic forum that played along keeps the real one), and ends with the exercise; joint
messages proposed in it are retired when it ends."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.render.text import render_text
from storage import Database
from storage.models import Direction, DirectionState, JointMessage, JointMessageState
from tests.support.chat import Chat, Said
from tests.support.time_travel import travel

REAL = "!inriktning förslag Målbild: Verklig målbild\nGäller till: 2026-12-31 18:00"
DRILL = "!inriktning förslag Målbild: Övningens målbild\nGäller till: 2026-12-31 18:00"


def _ok(chat: Chat, line: str, channel: str = "konf", person: str = "operator") -> Said:
    said = chat.say(line, channel=channel, person=person)
    assert said.ok, (line, said.text)
    return said


def _adopt(chat: Chat, draft: str) -> int:
    drafted = _ok(chat, draft)
    number = int(drafted.text.split("gemensam regional inriktning ", 1)[1].split(" ", 1)[0])
    _ok(chat, f"!inriktning föredra {number}")
    _ok(chat, f"!inriktning fastställ {number}", channel="inr")
    return number


def _states(database: Database) -> dict[int, DirectionState]:
    with Session(database.engine) as session:
        found = session.exec(select(Direction).order_by(col(Direction.number))).all()
        return {direction.number: direction.state for direction in found}


def test_a_drills_direction_never_replaces_the_real_one(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande forum", channel="inr")
    real = _adopt(chat, REAL)
    assert "Verklig målbild" in _ok(chat, "!inriktning").text

    travel(chat, "2026-11-26 15:10")
    _ok(chat, "!övning start Stabsövning december")
    drill = _adopt(chat, DRILL)
    # Adopted in the drill: the real one is not superseded ...
    assert _states(database) == {real: DirectionState.ADOPTED, drill: DirectionState.ADOPTED}
    # ... the exercising forum works under the drill's, marked as the exercise ...
    shown = _ok(chat, "!inriktning").text
    assert "Övningens målbild" in shown
    # ... and the strategic forum, not in the exercise, keeps the real one.
    in_strategic = _ok(chat, "!inriktning", channel="inr").text
    assert "Verklig målbild" in in_strategic
    assert "Övningens målbild" not in in_strategic

    travel(chat, "2026-11-26 15:40")
    ended = _ok(chat, "!övning slut").text
    assert f"Övningens inriktning {drill} har upphört med den" in ended
    assert _states(database) == {real: DirectionState.ADOPTED, drill: DirectionState.SUPERSEDED}
    after = _ok(chat, "!inriktning").text
    assert "Verklig målbild" in after
    # The drill's direction says what became of it, and is no longer confirmed.
    history = _ok(chat, f"!inriktning historik {drill}").text
    assert "Upphörde när övningen avslutades, 2026-11-26 15:40." in history
    _ok(chat, "!aktör Polisen", person="anna")
    refused = chat.say(f"!inriktning kvittera {drill}", person="anna", channel="konf")
    assert not refused.ok
    assert f"Inriktning {drill} hörde till en övning som avslutades 2026-11-26 15:40" in (
        refused.text
    )


def test_a_drills_joint_messages_are_retired_when_it_ends(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!budskap förslag Håll er inomhus under stormen.")  # real, before the drill
    travel(chat, "2026-11-26 15:10")
    _ok(chat, "!övning start Stabsövning december")
    _ok(chat, "!budskap förslag Undvik onödiga resor i snöovädret.")
    _ok(chat, "!budskap fastställ 2")
    ended = _ok(chat, "!övning slut").text
    assert "Övningens gemensamma budskap 2 har upphört." in ended
    with Session(database.engine) as session:
        states = {
            m.number: m.state
            for m in session.exec(select(JointMessage).order_by(col(JointMessage.number)))
        }
    assert states == {1: JointMessageState.PROPOSED, 2: JointMessageState.RETIRED}
    assert "Undvik onödiga resor" not in _ok(chat, "!budskap").text


def _answer(said: Said) -> str:
    assert said.reply is not None
    assert said.reply.answer is not None, "no answer was queued"
    return render_text(said.reply.answer.document)


def _marked(text: str) -> bool:
    lines = [line.strip("*_ ") for line in text.splitlines() if line.strip()]
    return lines[0] == "ÖVNING ÖVNING ÖVNING" and lines[-1] == "Slut övning"


def test_a_drills_direction_reaches_only_the_drill_and_is_marked_wherever_it_goes(
    chat: Chat,
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum skapa Analysgrupp snö tematisk under Regional samverkanskonferens")
    _ok(chat, "!forum koppla Analysgrupp snö", channel="grupp")
    _ok(chat, "!forum koppla inriktande forum", channel="inr")
    _ok(chat, "!övning start Stabsövning december")
    drafted = _ok(chat, DRILL)
    number = int(drafted.text.split("gemensam regional inriktning ", 1)[1].split(" ", 1)[0])
    _ok(chat, f"!inriktning föredra {number}")
    # Adopted in the strategic forum, which is not exercising: its answer there is marked,
    # the exercising forum is told (marked), and the thematic group, not in the drill, is not
    # told at all, nor does the drill's direction frame its work.
    adopted = chat.say(f"!inriktning fastställ {number}", channel="inr", routed=True)
    assert adopted.ok, adopted.text
    assert _marked(_answer(adopted))
    channels = {post.channel_id for post in adopted.posts}
    assert "grupp" not in channels
    assert "konf" in channels
    for post in adopted.posts:
        assert _marked(render_text(post.document)), post.channel_id
    assert "Övningens målbild" not in _ok(chat, "!inriktning", channel="grupp").text
    # Looked at by number in the strategic forum: marked as the exercise's.
    looked = chat.say(f"!inriktning {number}", channel="inr", routed=True)
    assert _marked(_answer(looked))
    # A real direction's answer there is not.
    real = chat.say("!inriktning", channel="inr", routed=True)
    assert not _marked(_answer(real))

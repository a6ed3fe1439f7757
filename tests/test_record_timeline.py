"""``!efterhand``: the timeline shows what else concerned the forum while it was activated (the
joint direction, joint messages, items raised to or from other forums, a request for the
strategic forum's activation and the linked activation, duty take-overs), each at its minute
with who, and nothing from before, after or another forum; and whether an ersättare or the
coordinators had been reached is read from the follow-ups that went out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import Database
from tests.support.chat import Chat
from tests.support.export_cli import written
from tests.support.time_travel import local, travel
from tests.test_activation_record import _ok

NOW = "2026-11-26 18:00"


def _timeline(text: str) -> list[str]:
    """The timeline's lines, ``2026-11-26 14:00 …``, in the order shown."""
    after = text.split("Tidslinje" if "Tidslinje" in text else "Timeline", 1)[1]
    lines = [line.lstrip("•-* ").strip() for line in after.splitlines()]
    return [line for line in lines if line[:4].isdigit()]


def _at(chat: Chat, when: str) -> None:
    chat.clock.set(local(f"2026-11-26 {when}"))


def _play(chat: Chat) -> None:
    """The conference (``stab``) activated 14:00–16:00; chefsgruppen (``ledning``) and the
    strategic forum (``inr``) beside it. Things happen before, during and after."""
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(chat, "!forum koppla inriktande forum", channel="inr")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="tom")
    _ok(chat, "!aktör Polisen", person="lena", channel="ledning")
    _ok(chat, "!roll @cia koordinator regionalt")
    _at(chat, "13:00")  # before: not in the record
    _ok(chat, "!beredskap ta över TiB", person="cia")
    _ok(chat, "!budskap förslag Före aktiveringen: håll er informerade", person="anna")
    _at(chat, "14:00")
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket")
    _at(chat, "14:05")
    _ok(chat, "!beredskap ta över RSK", person="cia")
    _at(chat, "14:10")
    _ok(chat, "!inriktning förslag Målbild: Samhällsviktig verksamhet fungerar", person="anna")
    _at(chat, "14:15")
    _ok(chat, "!möte start")
    _at(chat, "14:20")
    _ok(chat, "!lyft chefsgrupp Behov av samordnad kommunikation om elavbrotten", person="tom")
    _at(chat, "14:25")
    _ok(chat, "!budskap förslag Undvik onödiga resor i länet i kväll", person="anna")
    _at(chat, "14:30")
    _ok(chat, "!budskap fastställ 2")
    _at(chat, "14:35")
    _ok(chat, "!inriktning föredra 1")
    _at(chat, "14:40")
    _ok(chat, "!inriktning fastställ 1", channel="inr")
    _at(chat, "14:45")
    _ok(chat, "!inriktning kvittera 1", person="anna")
    # Chefsgruppen's own meeting raises an item here; its own joint message is not ours.
    _at(chat, "14:50")
    _ok(chat, "!möte start", channel="ledning")
    _ok(
        chat,
        "!lyft samverkanskonferens Kan konferensen samla läget för kommunerna?",
        channel="ledning",
        person="lena",
    )
    _ok(chat, "!budskap förslag Chefsgruppens eget budskap", channel="ledning", person="lena")
    _at(chat, "15:30")
    _ok(chat, "!möte slut")
    _at(chat, "16:00")
    _ok(chat, "!avaktivera Stormen över")
    _at(chat, "16:30")  # after: not in the record
    _ok(chat, "!beredskap ta över TiB")
    _ok(chat, "!budskap upphör 2")


def test_direction_messages_raised_items_and_duty_at_their_minute(forum_chat: Chat) -> None:
    _play(forum_chat)
    timeline = _timeline(_ok(forum_chat, "!efterhand"))
    wanted = [
        "2026-11-26 14:00 operator aktiverade: Storm Dagmar. "
        "Inkallade (2): Polisen Region Stockholm; Trafikverket",
        "2026-11-26 14:05 cia tog över som RSK i beredskap",
        "2026-11-26 14:10 anna föreslog gemensam regional inriktning 1 "
        "(i Regional samverkanskonferens)",
        "2026-11-26 14:15 Möte 1 startade (operator), ordförande: operator",
        "2026-11-26 14:20 tom lyfte en fråga till Regional chefsgrupp: "
        "”Behov av samordnad kommunikation om elavbrotten”",
        "2026-11-26 14:25 anna föreslog gemensamt budskap 2: "
        "”Undvik onödiga resor i länet i kväll”",
        "2026-11-26 14:30 operator fastställde gemensamt budskap 2: "
        "”Undvik onödiga resor i länet i kväll”",
        "2026-11-26 14:35 operator föredrog inriktning 1 för Regionalt inriktande forum",
        "2026-11-26 14:40 operator fastställde gemensam regional inriktning 1; "
        "1 organisation kvitterade den under aktiveringen",
        "2026-11-26 14:50 lena lyfte en fråga från Regional chefsgrupp: "
        "”Kan konferensen samla läget för kommunerna?”",
        "2026-11-26 16:00 operator avaktiverade: Stormen över",
    ]
    found = [line for line in timeline if line in wanted]
    assert found == wanted, "\n".join(timeline)
    shown = "\n".join(timeline)
    # Before, after, or another forum's: not in this record.
    assert "TiB" not in shown
    assert "Före aktiveringen" not in shown
    assert "upphöra" not in shown
    assert "Chefsgruppens eget budskap" not in shown
    assert [line[:16] for line in timeline] == sorted(line[:16] for line in timeline)


def test_the_same_in_english(forum_chat: Chat) -> None:
    _play(forum_chat)
    _ok(forum_chat, "!forum språk en")
    timeline = _timeline(_ok(forum_chat, "!efterhand"))
    assert "2026-11-26 14:05 cia took over as RSK on duty" in timeline
    assert (
        "2026-11-26 14:30 operator agreed joint message 2: “Undvik onödiga resor i länet i kväll”"
        in timeline
    )
    assert (
        "2026-11-26 14:40 operator adopted joint regional direction 1; "
        "1 organisation confirmed it during the activation" in timeline
    )


def test_the_strategic_request_and_the_linked_activation(chat: Chat) -> None:
    _ok(chat, "!forum koppla samordnande forum", channel="samordnande")
    _ok(chat, "!forum koppla inriktande forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna", channel="samordnande")
    _ok(chat, "!aktivera Snöoväder klass 2", channel="samordnande")
    chat.advance(minutes=40)
    _ok(
        chat,
        "!lyft inriktande Snöovädret kräver en gemensam regional inriktning",
        channel="samordnande",
        person="anna",
    )
    chat.advance(minutes=20)
    _ok(chat, "!aktivera Gemensam regional inriktning", channel="inriktande")
    timeline = _timeline(_ok(chat, "!efterhand", channel="samordnande"))
    assert (
        "2026-11-26 15:40 anna begärde aktivering av Regionalt inriktande forum: "
        "Snöovädret kräver en gemensam regional inriktning" in timeline
    )
    assert "2026-11-26 16:00 Kopplad aktivering: Regionalt inriktande forum (aktivering 2)" in (
        timeline
    )


def test_whom_the_follow_ups_reached_not_the_clock(forum_chat: Chat) -> None:
    """The re-call falls due at 15:10 and the coordinators' notice at 15:20 (10 min recall).
    Polisen answers at 15:12 with the bot down since 15:00 (nothing went out): it was not
    its ersättare the bot had reached. Trafikverket answers at 15:25, after both went out."""
    chat = forum_chat
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Polisen ersättare", person="bo")
    _ok(chat, "!aktör Trafikverket", person="tom")
    _ok(chat, "!aktivera Snöoväder kalla: Polisen, Trafikverket")
    _at(chat, "15:12")  # the clock moved without a tick: the re-call did not go out
    _ok(chat, "!kvittera", person="anna")
    travel(chat, "2026-11-26 15:25")  # now the re-call and the notice go out
    _ok(chat, "!kvittera", person="tom")
    timeline = _timeline(_ok(chat, "!efterhand"))
    assert "2026-11-26 15:12 Polisen Region Stockholm kvitterade (anna) efter 12 min" in timeline
    assert (
        "2026-11-26 15:25 Trafikverket kvitterade (tom) efter 25 min, "
        "sedan koordinatorerna fått besked" in timeline
    )


@pytest.mark.usefixtures("restored_umask")
def test_the_exports_carry_each_entry_escaped_with_its_kind(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    _play(forum_chat)
    _at(forum_chat, "17:00")
    _ok(forum_chat, "!aktivera Efterskalv kalla: Polisen")
    _ok(forum_chat, "!budskap förslag <b>Viktigt</b> | *läs*", person="anna")
    _ok(forum_chat, "!avaktivera")
    args = ("--forum", "samverkanskonferens", "--activation", "1")
    md = written(database, tmp_path, "efterhand", NOW, *args, "--format", "md")
    assert "- **2026-11-26 14:05** cia tog över som RSK i beredskap" in md
    assert "- **2026-11-26 14:40** operator fastställde gemensam regional inriktning 1;" in md
    html = written(database, tmp_path, "efterhand", NOW, *args, "--format", "html")
    assert "<time>2026-11-26 14:20</time>tom lyfte en fråga till Regional chefsgrupp" in html
    data = json.loads(written(database, tmp_path, "efterhand", NOW, *args, "--format", "json"))
    kinds = [entry["kind"] for entry in data["timeline"]]
    for kind in (
        "duty",
        "direction_drafted",
        "direction_presented",
        "direction_adopted",
        "message_proposed",
        "message_agreed",
        "raised_to",
        "raised_from",
    ):
        assert kind in kinds
    duty = next(entry for entry in data["timeline"] if entry["kind"] == "duty")
    assert duty["time"] == "2026-11-26 14:05"
    assert duty["who"] == "cia"
    assert duty["text"] == "cia tog över som RSK i beredskap"
    # The second activation's hostile message, escaped in each format.
    args = ("--forum", "samverkanskonferens", "--activation", "2")
    md = written(database, tmp_path, "efterhand", NOW, *args, "--format", "md")
    assert "\\<b>Viktigt\\</b> \\| \\*läs\\*" in md
    html = written(database, tmp_path, "efterhand", NOW, *args, "--format", "html")
    assert "&lt;b&gt;Viktigt&lt;/b&gt;" in html
    assert "<b>Viktigt" not in html
    data = json.loads(written(database, tmp_path, "efterhand", NOW, *args, "--format", "json"))
    texts = [entry["text"] for entry in data["timeline"] if entry["kind"] == "message_proposed"]
    assert texts == ["anna föreslog gemensamt budskap 3: ”<b>Viktigt</b> | *läs*”"]


def test_another_forums_exercise_is_not_in_a_real_record(forum_chat: Chat) -> None:
    chat = forum_chat
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(chat, "!aktör Polisen", person="lena", channel="ledning")
    _at(chat, "14:00")
    _ok(chat, "!aktivera Storm Dagmar")
    _ok(chat, "!övning start Vinterövning", channel="ledning")
    _ok(chat, "!möte start", channel="ledning")
    _at(chat, "14:10")
    _ok(chat, "!lyft samverkanskonferens Övningsfråga om snöröjning", channel="ledning")
    _ok(chat, "!övning slut", channel="ledning")
    _at(chat, "14:20")
    _ok(chat, "!lyft samverkanskonferens Verklig fråga om elen", channel="ledning", person="lena")
    timeline = "\n".join(_timeline(_ok(chat, "!efterhand")))
    assert "Övningsfråga" not in timeline
    assert (
        "2026-11-26 14:20 lena lyfte en fråga från Regional chefsgrupp: ”Verklig fråga om elen”"
        in timeline
    )

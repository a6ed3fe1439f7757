"""``!efterhand``: an activation's record, compiled from what is stored, to the minute."""

from __future__ import annotations

from sqlmodel import Session, select

from commands.record import Record, compile_record
from commands.record.compile import ack_steps
from storage import Database
from storage.audit import AuditContext
from storage.models import Activation
from tests.support.chat import Chat
from tests.support.time_travel import local, travel


def _ok(chat: Chat, text: str, **kwargs: str) -> str:
    said = chat.say(text, **kwargs)
    assert said.ok, said.text
    return said.text


def _play(chat: Chat) -> None:
    """15:00 activation of three; Polisen's ersättare answers after the re-call, an addition,
    a release, a meeting, a report, the stand-down."""
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Polisen ersättare", person="bo")
    _ok(chat, "!aktör Trafikverket", person="cia")
    _ok(chat, "!aktör SOS Alarm", person="dan")
    _ok(chat, "!aktör Nacka", person="eva")
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket, SOS Alarm")
    travel(chat, "2026-11-26 15:04")
    _ok(chat, "!kvittera", person="cia")  # Trafikverket after 4 min
    travel(chat, "2026-11-26 15:12")  # the re-call at 15:10 mentioned Polisen's ersättare
    _ok(chat, "!kvittera", person="bo")  # Polisen, by its ersättare, after 12 min
    travel(chat, "2026-11-26 15:20")
    _ok(chat, "!kalla in Nacka")
    travel(chat, "2026-11-26 15:23")
    _ok(chat, "!kvittera", person="eva")  # Nacka 3 min after it was called in
    travel(chat, "2026-11-26 15:30")
    _ok(chat, "!släpp SOS Alarm")  # never acknowledged, released
    travel(chat, "2026-11-26 15:45")
    _ok(chat, "!möte start")
    _ok(chat, "!läge Lugnt på vägarna", person="cia")
    travel(chat, "2026-11-26 16:30")
    _ok(chat, "!möte slut")
    travel(chat, "2026-11-26 17:00")
    _ok(chat, "!avaktivera Stormen över")


def test_the_record_of_an_activation_to_the_minute(forum_chat: Chat) -> None:
    _play(forum_chat)
    text = _ok(forum_chat, "!efterhand")
    assert "Efterhand: aktivering 1 av Regional samverkanskonferens" in text
    assert "Anledning: Storm Dagmar" in text
    assert "Tid till första kvittens: 4 min" in text
    assert "Tid tills alla inkallade kvitterat: 23 min" in text  # Nacka at 15:23
    assert "Tid till första mötet: 45 min" in text
    assert "Aktiveringens längd: 2 h 0 min" in text
    lines = [line for line in text.splitlines() if line.lstrip("•-* ").startswith("2026-11-26")]
    timeline = [line.lstrip("•-* ") for line in lines]
    assert timeline[0] == (
        "2026-11-26 15:00 operator aktiverade: Storm Dagmar. "
        "Inkallade (3): Polisen Region Stockholm; SOS Alarm; Trafikverket"
    )
    assert "2026-11-26 15:04 Trafikverket kvitterade (cia) efter 4 min" in timeline
    assert (
        "2026-11-26 15:12 Polisen Region Stockholm kvitterade (bo) efter 12 min, "
        "sedan ersättarna kallats" in timeline
    )
    assert "2026-11-26 15:20 Inkallade: Nacka kommun" in timeline
    assert "2026-11-26 15:23 Nacka kommun kvitterade (eva) efter 3 min" in timeline
    assert "2026-11-26 15:30 Släppta: SOS Alarm" in timeline
    assert "2026-11-26 15:45 Möte 1 startade (operator), ordförande: operator" in timeline
    assert "2026-11-26 16:30 Möte 1 avslutades, 2 närvarande" in timeline
    assert "2026-11-26 17:00 operator avaktiverade: Stormen över" in timeline
    times = [line[:16] for line in timeline]
    assert times == sorted(times)
    # The report round of the activation: Trafikverket reported, the others not — told
    # when it closed, with the stand-down, before it.
    assert "Runda 1: 1 av 3 rapporterade (33 %)" in text
    closed = (
        "2026-11-26 17:00 Runda 1 stängd: 1 rapporterade (Trafikverket); "
        "saknas 2 (Nacka kommun; Polisen Region Stockholm)"
    )
    assert timeline[-2:] == [closed, "2026-11-26 17:00 operator avaktiverade: Stormen över"]


def test_the_record_in_english(forum_chat: Chat) -> None:
    _play(forum_chat)
    _ok(forum_chat, "!forum språk en")
    text = _ok(forum_chat, "!efterhand 1")
    assert "After action: activation 1 of" in text
    assert "Time to first acknowledgement: 4 min" in text
    assert "once its ersättare were called" in text


def test_the_step_chart_data_and_json_round_trip(forum_chat: Chat, database: Database) -> None:
    _play(forum_chat)
    context = AuditContext("test", "stab", "x", "x", forum_chat.clock.now())
    with database.reading(context) as store:
        forum = store.forum_for_channel("test", "stab")
        assert forum is not None
        activation = store.activations.latest(forum)
        assert activation is not None
        record = compile_record(store, forum, activation, 10)
    # Counted at the end: Polisen, Trafikverket, Nacka (SOS Alarm released).
    assert record.ack_steps == [(0.0, 0.0), (4.0, 0.3333), (12.0, 0.6667), (23.0, 1.0)]
    assert [r.share for r in record.figures.rounds] == [1 / 3]
    assert Record.from_json(record.to_json()) == record


def test_ack_steps_from_times() -> None:
    start = local("2026-11-26 15:00")
    assert ack_steps(start, [local("2026-11-26 15:30"), local("2026-11-26 15:06")], 4) == [
        (0.0, 0.0),
        (6.0, 0.25),
        (30.0, 0.5),
    ]
    assert ack_steps(start, [], 0) == [(0.0, 0.0)]


def test_an_exercise_is_never_a_real_activations_record(
    forum_chat: Chat, database: Database
) -> None:
    _play(forum_chat)
    _ok(forum_chat, "!aktivera Övning Snöstorm kalla: Polisen")
    travel(forum_chat, "2026-11-26 18:00")
    _ok(forum_chat, "!avaktivera")
    with Session(database.engine) as session:
        exercise = session.exec(select(Activation).where(Activation.id == 2)).one()
        exercise.exercise_id = 1
        session.add(exercise)
        session.commit()
    text = _ok(forum_chat, "!efterhand")
    assert "aktivering 1 av" in text
    assert "Snöstorm" not in text
    shown = _ok(forum_chat, "!efterhand övning")
    assert "ÖVNING – Efterhand: aktivering 2" in shown
    assert "Snöstorm" in shown
    assert "ÖVNING" in _ok(forum_chat, "!efterhand 2")


def test_refusals_say_how_to_ask(forum_chat: Chat) -> None:
    said = forum_chat.say("!efterhand")
    assert not said.ok
    assert "Regional samverkanskonferens har ingen aktivering att visa." in said.text
    assert "!efterhand 1" not in said.text  # no activation: no example that fails
    said = forum_chat.say("!efterhand igår")
    assert not said.ok
    assert "”igår” är inget aktiveringsnummer" in said.text
    said = forum_chat.say("!efterhand 7")
    assert not said.ok
    assert "ingen aktivering 7" in said.text


def test_one_organisation_called_and_a_stand_down_without_summary_read_right(
    forum_chat: Chat,
) -> None:
    chat = forum_chat
    chat.clock.set(local("2026-11-26 15:00"))
    _ok(chat, "!aktivera Snöoväder kalla: Polisen")
    _ok(chat, "!avaktivera")
    record = _ok(chat, "!efterhand")
    assert "operator aktiverade: Snöoväder. Inkallad: Polisen Region Stockholm" in record
    assert "operator avaktiverade." in record
    assert "avaktiverade. " not in record


def test_each_published_picture_says_what_changed(forum_chat: Chat) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktör Trafikverket", person="cia")
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket")
    _ok(forum_chat, "!kvittera", person="anna")  # in less than a minute
    _ok(forum_chat, "!läge Lugnt på vägarna", person="cia")
    travel(forum_chat, "2026-11-26 15:10")
    _ok(forum_chat, "!lägesbild publicera")
    travel(forum_chat, "2026-11-26 15:20")
    _ok(forum_chat, "!läge Poliser på plats vid E4", person="anna")
    _ok(forum_chat, "!läge Köer vid Rotebro", person="cia")
    travel(forum_chat, "2026-11-26 15:30")
    _ok(forum_chat, "!lägesbild publicera")
    text = _ok(forum_chat, "!efterhand")
    lines = [line.lstrip("•-* ") for line in text.splitlines()]
    assert (
        "2026-11-26 15:00 Polisen Region Stockholm kvitterade (anna) efter mindre än en minut"
        in lines
    )
    assert "Tid till första kvittens: mindre än en minut" in text
    assert (
        "2026-11-26 15:10 Samlad lägesbild, runda 1, version 1 publicerad (operator) "
        "med 1 rapport" in lines
    )
    assert (
        "2026-11-26 15:30 Samlad lägesbild, runda 1, version 2 publicerad (operator); "
        "nya rapporter: Polisen Region Stockholm; ändrade: Trafikverket" in lines
    )
    # Still open: the round is told as it stands, at its opening.
    assert (
        "2026-11-26 15:00 Runda 1 öppnad; hittills 2 rapporterade "
        "(Polisen Region Stockholm; Trafikverket); saknas 0 (–)" in lines
    )

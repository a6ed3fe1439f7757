"""Review of issue 20: what an exercise leaves behind must never pass for real, and the
year's figures count each organisation from its own call."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from storage import Database
from storage.models import Action
from tests.support.chat import Chat
from tests.support.time_travel import travel

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "snooovader.yaml"


def _ok(chat: Chat, text: str, **kwargs: str) -> str:
    said = chat.say(text, **kwargs)
    assert said.ok, said.text
    return said.text


def test_an_injects_simulated_report_never_lands_in_the_real_conferences_round(
    forum_chat: Chat,
) -> None:
    # An exercise with no exercise activation open: the weekly conference's round (16:00)
    # is the real one; Trafikverket's simulated report at 15:40 must not count in it.
    _ok(forum_chat, "!övning start Stabsövning december\n" + EXAMPLE.read_text(encoding="utf-8"))
    travel(forum_chat, "2026-11-26 15:45")
    _ok(forum_chat, "!övning slut")
    picture = _ok(forum_chat, "!lägesbild")
    assert "stillastående trafik" not in picture


def test_an_injects_report_is_recorded_in_the_exercise_activations_round(
    forum_chat: Chat,
) -> None:
    _ok(forum_chat, "!övning start Stabsövning december\n" + EXAMPLE.read_text(encoding="utf-8"))
    _ok(forum_chat, "!aktivera övning Snöoväder")
    sent = travel(forum_chat, "2026-11-26 15:45")
    assert any("Registrerad som lägesrapport från Trafikverket" in s.text for s in sent)
    assert "stillastående trafik" in _ok(forum_chat, "!lägesbild")


def test_an_exercises_actions_end_with_it(forum_chat: Chat, database: Database) -> None:
    _ok(forum_chat, "!övning start Stabsövning december")
    _ok(forum_chat, "!möte start")
    _ok(forum_chat, "!åtgärd Polisen Öppna trygghetspunkt i Rotebro senast fredag kl 12")
    _ok(forum_chat, "!möte slut")
    ended = _ok(forum_chat, "!övning slut")
    assert "Övningens åtgärd 1 är stängd" in ended
    # Not among the forum's open actions, and no reminder of it goes out unmarked later.
    assert "Rotebro" not in _ok(forum_chat, "!åtgärder")
    sent = travel(forum_chat, "2026-11-27 12:30")
    assert not [s for s in sent if "Rotebro" in s.text]
    with Session(database.engine) as session:
        [action] = session.exec(select(Action)).all()
    assert action.closed_at is not None


def test_a_real_action_stays_open_when_an_exercise_ends(forum_chat: Chat) -> None:
    _ok(forum_chat, "!möte start")
    _ok(forum_chat, "!åtgärd Polisen Ta fram trafikplan för E4 senast fredag kl 12")
    _ok(forum_chat, "!möte slut")
    travel(forum_chat, "2026-11-26 15:30")
    _ok(forum_chat, "!övning start Stabsövning december")
    ended = _ok(forum_chat, "!övning slut")
    assert "åtgärd" not in ended
    assert "trafikplan för E4" in _ok(forum_chat, "!åtgärder")


def test_the_years_acknowledgement_times_count_from_each_organisations_call(
    forum_chat: Chat,
) -> None:
    chat = forum_chat
    _ok(chat, "!aktör Trafikverket", person="cia")
    _ok(chat, "!aktör SOS Alarm", person="dan")
    _ok(chat, "!aktör Nacka", person="eva")
    _ok(chat, "!aktivera Storm Dagmar kalla: Trafikverket, SOS Alarm")
    travel(chat, "2026-11-26 15:04")
    _ok(chat, "!kvittera", person="cia")
    travel(chat, "2026-11-26 15:20")
    _ok(chat, "!kalla in Nacka")
    travel(chat, "2026-11-26 15:23")
    _ok(chat, "!kvittera", person="eva")  # 3 min after Nacka was called in
    travel(chat, "2026-11-26 15:30")
    _ok(chat, "!släpp SOS Alarm")  # released: no longer awaited, never "never acknowledged"
    travel(chat, "2026-11-26 17:00")
    _ok(chat, "!avaktivera")
    text = _ok(chat, "!statistik 2026")
    assert "Nacka kommun: median 3 min, längst 3 min (inkallad: 1, kvitterade aldrig: 0)" in text
    assert "Trafikverket: median 4 min, längst 4 min (inkallad: 1, kvitterade aldrig: 0)" in text
    assert "SOS Alarm" not in text


def test_the_exercises_counted_are_exercises_not_their_activations(forum_chat: Chat) -> None:
    _ok(forum_chat, "!övning start Stabsövning december")
    _ok(forum_chat, "!aktivera övning Första stormen")
    _ok(forum_chat, "!avaktivera")
    _ok(forum_chat, "!aktivera övning Andra stormen")
    _ok(forum_chat, "!avaktivera")
    _ok(forum_chat, "!övning slut")
    travel(forum_chat, "2026-11-26 15:30")
    text = _ok(forum_chat, "!statistik 2026")
    assert "Övningar: 1 (räknas inte i siffrorna)" in text

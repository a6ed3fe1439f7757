"""An exercise driven by a scenario: ``!övning start <namn>`` with the scenario on the lines
after it, its injects posted at their times (marked ÖVNING), ``!övning inspel``, refusals
that name the line and change nothing, and silence once the exercise has ended."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from storage import Database
from storage.models import Exercise, ScheduledPost, SituationReport
from tests.support.chat import Chat
from tests.support.time_travel import Sent, travel

FIRST, LAST = "ÖVNING ÖVNING ÖVNING", "Slut övning"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "snooovader.yaml"


def _setup(chat: Chat) -> None:
    for channel in ("stab", "ledning"):
        said = chat.say("!forum koppla samverkanskonferens", channel=channel)
        assert said.ok, said.text


def _start(chat: Chat) -> str:
    said = chat.say("!övning start Stabsövning december\n" + EXAMPLE.read_text(encoding="utf-8"))
    assert said.ok, said.text
    return said.text


def _injects(
    sent: list[Sent], title: str = "Inspel – Snöoväder i länet"
) -> list[tuple[str, str, str]]:
    return [(s.when, s.post.channel_id, s.text) for s in sent if title in s.text]


def test_a_scenario_is_planned_and_played_through(chat: Chat, database: Database) -> None:
    _setup(chat)
    started = _start(chat)
    assert "Scenariot ”Snöoväder i länet”: 4 inspel är planerade, det första 2026-11-26 15:00" in (
        started
    )
    listed = chat.say("!övning inspel").text
    assert "2026-11-26 15:15 – i alla forumets kanaler: SMHI utfärdar klass 2-varning" in listed
    assert "2026-11-26 16:30 – i alla forumets kanaler: som Polisen Region Stockholm:" in listed

    played = _injects(travel(chat, "2026-11-26 16:45"))
    assert [(when, channel) for when, channel, _ in played] == [
        ("2026-11-26 15:00", "stab"),
        ("2026-11-26 15:15", "stab"),
        ("2026-11-26 15:15", "ledning"),
        ("2026-11-26 15:40", "stab"),
        ("2026-11-26 15:40", "ledning"),
        ("2026-11-26 16:30", "stab"),
        ("2026-11-26 16:30", "ledning"),
    ]
    for _, _, text in played:
        lines = [line.strip("*_ ") for line in text.splitlines() if line.strip()]
        assert lines[0] == FIRST
        assert lines[-1] == LAST
    trafik = played[3][2]
    assert "Lägesrapport från Trafikverket:" in trafik
    assert "Flera lastbilar har fastnat" in trafik
    assert "Omledning via väg 267" in played[5][2]
    assert (
        "Alla inspel i scenariot ”Snöoväder i länet” är gjorda." in chat.say("!övning inspel").text
    )


def test_after_the_end_the_rest_stays_silent(chat: Chat) -> None:
    _setup(chat)
    _start(chat)
    first = _injects(travel(chat, "2026-11-26 15:20"))
    assert [when for when, _, _ in first] == [
        "2026-11-26 15:00",
        "2026-11-26 15:15",
        "2026-11-26 15:15",
    ]
    left = chat.say("!övning inspel").text
    assert "Kvar i scenariot ”Snöoväder i länet”: 2 inspel." in left
    assert "2026-11-26 15:15" not in left
    assert chat.say("!övning slut").ok
    assert _injects(travel(chat, "2026-11-26 18:00")) == []


def test_a_bad_scenario_is_refused_and_nothing_changes(chat: Chat, database: Database) -> None:
    _setup(chat)
    bad = EXAMPLE.read_text(encoding="utf-8").replace("efter: 15 min", "efter: kvart")
    said = chat.say("!övning start Stabsövning december\n" + bad)
    assert not said.ok
    assert "Rad 7: efter: ”kvart” är ingen tid – skriv till exempel 15 min" in said.text
    assert "Inget har ändrats." in said.text
    wrong_channel = EXAMPLE.read_text(encoding="utf-8").replace("kanal: stab", "kanal: presse")
    said = chat.say("!övning start Stabsövning december\n" + wrong_channel)
    assert (
        "Rad 5: kanal: ”presse” är inte en av kanalerna för Regional samverkanskonferens"
        in said.text
    )
    # ``#`` starts a YAML comment: the channel's name is then missing, and said so.
    commented = EXAMPLE.read_text(encoding="utf-8").replace("kanal: stab", "kanal: #stab")
    said = chat.say("!övning start Stabsövning december\n" + commented)
    assert "Rad 5: kanal: ska vara en text" in said.text
    wrong_actor = EXAMPLE.read_text(encoding="utf-8").replace("som: Polisen", "som: Okänd AB")
    said = chat.say("!övning start Stabsövning december\n" + wrong_actor)
    assert "Rad 16: som: ”Okänd AB” är ingen organisation jag känner." in said.text
    with Session(database.engine) as session:
        assert session.exec(select(Exercise)).all() == []
        assert (
            session.exec(select(ScheduledPost).where(ScheduledPost.kind == "exercise_inject")).all()
            == []
        )
    assert "Ingen övning pågår" in chat.say("!övning").text


def test_the_hint_example_works_as_typed(chat: Chat) -> None:
    _setup(chat)
    said = chat.say("!övning start X\nnamn: Y\ninspel:\n  - efter: kvart\n    text: z")
    hint = said.text.split("till exempel:\n", 1)[1]
    assert hint.startswith("!övning start Snöoväder\nnamn: Snöoväder")
    again = chat.say(hint)
    assert again.ok, again.text
    assert "1 inspel är planerat, 2026-11-26 15:15" in again.text


def test_without_a_scenario_there_are_no_injects(chat: Chat) -> None:
    _setup(chat)
    assert chat.say("!övning start Stabsövning december").ok
    assert "Övningen ”Stabsövning december” har inget scenario" in chat.say("!övning inspel").text


def test_an_inject_as_an_organisation_is_its_report_in_the_picture(
    chat: Chat, database: Database
) -> None:
    _setup(chat)
    _start(chat)
    # In the exercise's activation's round (never the real conference's).
    assert chat.say("!aktivera övning Snöoväder").ok
    played = _injects(travel(chat, "2026-11-26 15:45"))
    trafik = [text for when, _, text in played if when == "2026-11-26 15:40"]
    assert len(trafik) == 2  # both channels are told
    for text in trafik:
        assert "Registrerad som lägesrapport från Trafikverket i" in text
    picture = chat.say("!lägesbild").text
    assert "Trafikverket rapporterar stillastående trafik på E4" in picture
    # Kept once, whatever the number of channels, on Trafikverket's behalf.
    with Session(database.engine) as session:
        reports = session.exec(select(SituationReport)).all()
    assert [(r.source, r.on_behalf) for r in reports] == [("inject", True)]
    assert "Flera lastbilar har fastnat" in (reports[0].text or "")
    travel(chat, "2026-11-26 16:35")
    with Session(database.engine) as session:
        assert len(session.exec(select(SituationReport)).all()) == 2


def test_kanal_names_a_channel_as_people_see_it(chat: Chat) -> None:
    # On Matrix and Slack a channel's id says nothing ("!abc:example.org", "C0123"):
    # the scenario names it as it is called there.
    for room, name in (("!aaa:example.org", "Stab"), ("!bbb:example.org", "Ledning")):
        said = chat.say("!forum koppla samverkanskonferens", channel=room, channel_name=name)
        assert said.ok, said.text
    scenario = "namn: Kort\ninspel:\n  - efter: 5 min\n    kanal: stab\n    text: Till staben."
    started = chat.say("!övning start Kort\n" + scenario, channel="!bbb:example.org")
    assert started.ok, started.text
    played = _injects(travel(chat, "2026-11-26 15:10"), title="Inspel – Kort")
    assert [channel for _, channel, _ in played] == ["!aaa:example.org"]
    assert chat.say("!övning slut", channel="!bbb:example.org").ok

    # A name that is none of them is refused, and the refusal lists the channels' names.
    wrong = scenario.replace("kanal: stab", "kanal: press")
    said = chat.say("!övning start Kort två\n" + wrong, channel="!bbb:example.org")
    assert not said.ok
    assert "(Stab, Ledning)" in said.text


def test_a_renamed_channel_is_known_by_its_new_name(chat: Chat) -> None:
    said = chat.say("!forum koppla samverkanskonferens", channel="C01", channel_name="stab")
    assert said.ok, said.text
    # Renamed on the platform: the next command there shows the new name.
    assert chat.say("!forum", channel="C01", channel_name="krisstab").ok
    scenario = "namn: Kort\ninspel:\n  - efter: 5 min\n    kanal: krisstab\n    text: Hej."
    started = chat.say("!övning start Kort\n" + scenario, channel="C01")
    assert started.ok, started.text

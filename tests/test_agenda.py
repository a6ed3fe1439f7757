"""Standing agendas per forum (``!dagordning``): each forum's own or the default, per mode;
changed by its coordinators only, bad input changing nothing; a meeting moving through it by
number; the day-before post and the minutes reading it (commands/agenda.py,
commands/minutes/agenda.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from bot.render.text import render_text
from commands.core.outbox import Delivery
from storage import Database
from storage.models import AuditEvent, Forum, Meeting
from tests.support.chat import Chat, Said

ORDINARY_DEFAULT = [
    "Inledning och upprop",
    "Uppföljning av åtgärder",
    "Aktörsrapportering",
    "Omvärldsbevakning och kommande händelser",
    "Samverkansbehov",
    "Samordnad kommunikation",
    "Samlad lägesbild vecka 48",
    "Överenskommelser och ansvar",
    "Nästa möte",
]
CHEFSGRUPP = [
    "Inledning och upprop",
    "Uppföljning av beslut",
    "Regionens planer och budget",
    "Rapport från Regional samordningsgrupp",
    "Frågor som lyfts till forumet",
    "Nästa möte",
]
SAMORDNINGSGRUPP = [
    "Inledning och upprop",
    "Uppföljning av åtgärder",
    "De tematiska arbetsgruppernas återrapportering",
    "Frågor som lyfts till forumet",
    "Frågor till Regional chefsgrupp",
    "Nästa möte",
]


def _ok(chat: Chat, text: str, **kwargs: Any) -> Said:
    said = chat.say(text, **kwargs)
    assert said.ok, (text, said.text)
    return said


def _numbered(items: list[str]) -> str:
    return "\n".join(f"  {number}. {item}" for number, item in enumerate(items, start=1))


def _agenda(database: Database, slug: str) -> dict[str, Any] | None:
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == slug)).one()
        return forum.agenda


def _agenda_events(database: Database) -> int:
    with Session(database.engine) as session:
        query = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "forum.agenda")
        )
        return session.exec(query).one()


# -- showing ----------------------------------------------------------------------------------


def test_the_conference_shows_the_default_agendas_numbered(forum_chat: Chat) -> None:
    said = _ok(forum_chat, "!dagordning")
    assert "Stående dagordning – Regional samverkanskonferens" in said.text
    assert (
        "Ordinarie läge – standarddagordningen (forumet är i det läget nu):\n"
        + _numbered(ORDINARY_DEFAULT)
    ) in said.text
    assert "Aktiverat läge – standarddagordningen:\n  1. Inledning och upprop\n" in said.text
    assert "  7. Gemensam analys\n" in said.text
    assert "  12. Nästa möte" in said.text
    assert "!dagordning sätt <punkt>; <punkt>;" in said.text


def test_chefsgrupp_and_samordningsgrupp_have_their_own_seeded_agendas(chat: Chat) -> None:
    _ok(chat, "!forum koppla chefsgrupp")
    _ok(chat, "!forum koppla samordningsgrupp", channel="rsg")
    chefs = _ok(chat, "!dagordning")
    assert (
        # The model's agenda for chefsgrupp is its standard, not an agenda a coordinator set.
        "Ordinarie läge – standarddagordningen (forumet är i det läget nu):\n"
        + _numbered(CHEFSGRUPP)
    ) in chefs.text
    assert "Aktiverat läge – standarddagordningen:" in chefs.text
    group = _ok(chat, "!dagordning", channel="rsg")
    assert _numbered(SAMORDNINGSGRUPP) in group.text
    # In English, the catalogue's own words.
    _ok(chat, "!forum språk en")
    english = _ok(chat, "!agenda")
    assert "Ordinary mode – the default agenda (the forum is in this mode now):" in english.text
    assert "  2. Follow-up of decisions\n  3. The region's plans and budget\n" in english.text
    assert "  4. Report from Regional samordningsgrupp\n  5. Items raised to the forum\n" in (
        english.text
    )


# -- changing ---------------------------------------------------------------------------------


def test_a_coordinator_sets_the_forums_own_agenda_and_known_items_stay_translated(
    forum_chat: Chat, database: Database
) -> None:
    said = _ok(
        forum_chat,
        "!dagordning sätt inledning och UPPROP; Läget i regionen;"
        " Samlad lägesbild vecka 12; Opening and roll call;; Nästa möte;",
    )
    assert (
        "Regional samverkanskonferens har nu en egen stående dagordning i ordinarie läge"
        " (5 punkter):\n"
        "  1. Inledning och upprop\n  2. Läget i regionen\n  3. Samlad lägesbild vecka 48\n"
        "  4. Inledning och upprop\n  5. Nästa möte"
    ) in said.text
    assert "4 punkter känns igen som standardpunkter" in said.text
    assert _agenda(database, "samverkanskonferens") == {
        "ordinary": [
            {"key": "opening"},
            {"text": "Läget i regionen"},
            {"key": "picture"},
            {"key": "opening"},
            {"key": "next"},
        ]
    }
    shown = _ok(forum_chat, "!dagordning")
    assert "Ordinarie läge – forumets egen dagordning" in shown.text
    assert "Aktiverat läge – standarddagordningen:" in shown.text
    _ok(forum_chat, "!forum språk en")
    english = _ok(forum_chat, "!agenda")
    assert "  1. Opening and roll call\n  2. Läget i regionen\n  3. Joint situation picture" in (
        english.text
    )


def test_the_activated_agenda_is_set_and_reset_apart(forum_chat: Chat, database: Database) -> None:
    # One item a line works as well as semicolons.
    said = _ok(forum_chat, "!dagordning sätt aktiverat\nInledning och upprop\nLäget\nNästa möte")
    assert "egen stående dagordning i aktiverat läge (3 punkter)" in said.text
    assert _agenda(database, "samverkanskonferens") == {
        "activated": [{"key": "opening"}, {"text": "Läget"}, {"key": "next"}]
    }
    shown = _ok(forum_chat, "!dagordning")
    assert "Ordinarie läge – standarddagordningen" in shown.text
    assert (
        "Aktiverat läge – forumets egen dagordning:\n"
        + _numbered(["Inledning och upprop", "Läget", "Nästa möte"])
        in shown.text
    )
    # The ordinary one is the default still: resetting it changes nothing.
    same = _ok(forum_chat, "!dagordning återställ")
    assert "har redan standarddagordningen i ordinarie läge. Inget har ändrats." in same.text
    back = _ok(forum_chat, "!dagordning återställ aktiverat")
    assert "har standarddagordningen i aktiverat läge igen:" in back.text
    assert "  12. Nästa möte" in back.text
    assert _agenda(database, "samverkanskonferens") is None
    assert _agenda_events(database) == 2


def test_chefsgrupp_goes_back_to_its_own_default(chat: Chat, database: Database) -> None:
    """Chefsgrupp's standard is the model's agenda for it, never the Thursday conference's."""
    _ok(chat, "!forum koppla chefsgrupp")
    seeded = _agenda(database, "chefsgrupp")
    assert "redan standarddagordningen" in _ok(chat, "!dagordning återställ").text
    _ok(chat, "!dagordning sätt Inledning; Övrigt")
    said = _ok(chat, "!dagordning återställ")
    assert _numbered(CHEFSGRUPP) in said.text
    assert _numbered(ORDINARY_DEFAULT) not in said.text
    assert _agenda(database, "chefsgrupp") == seeded


def test_an_actor_or_another_forums_coordinator_cannot_change_it(
    chat: Chat, database: Database
) -> None:
    _ok(chat, "!forum koppla chefsgrupp")
    _ok(chat, "!forum koppla samverkanskonferens", channel="konf")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!roll @cora koordinator", channel="konf")  # coordinates the conference only
    before = _agenda(database, "chefsgrupp")
    for person in ("anna", "cora", "eve"):
        for line in ("!dagordning sätt Kaffe; Nästa möte", "!dagordning återställ"):
            said = chat.say(line, person=person)
            assert not said.ok, (person, line)
            assert "kräver rollen koordinator" in said.text, said.text
    # Anyone in the forum's channel reads it.
    assert "Uppföljning av beslut" in _ok(chat, "!dagordning", person="anna").text
    assert _agenda(database, "chefsgrupp") == before
    assert _agenda_events(database) == 0


def test_bad_input_changes_nothing_and_the_example_works(
    forum_chat: Chat, database: Database
) -> None:
    too_many = "; ".join(f"Punkt {n}" for n in range(1, 22))
    refusals = {
        "!dagordning sätt ; ;\n;": "Skriv dagordningens punkter efter ”sätt”",
        "!dagordning sätt aktiverat": "Skriv dagordningens punkter efter ”sätt”",
        f"!dagordning sätt {too_many}": "högst 20 punkter; du skrev 21",
        f"!dagordning sätt Inledning; {'x' * 121}": "Punkt 2 är för lång (121 tecken; högst 120)",
        "!dagordning återställ nattläge": "”nattläge” är inget läge",
    }
    for line, reason in refusals.items():
        said = forum_chat.say(line)
        assert not said.ok, line
        assert reason in said.text, said.text
        assert "Inget har ändrats." in said.text
        assert "Till exempel: !dagordning " in said.text, said.text
    missing = forum_chat.say("!dagordning sätt")
    assert not missing.ok
    assert "Det saknas <punkt; punkt; …>" in missing.text
    assert _agenda(database, "samverkanskonferens") is None
    assert _agenda_events(database) == 0
    # The example the refusal gives works as typed.
    said = forum_chat.say("!dagordning sätt ;")
    example = said.text.split("Till exempel: ", 1)[1].strip()
    worked = _ok(forum_chat, example)
    assert "(4 punkter)" in worked.text
    assert "  3. Rapport från arbetsgrupperna" in worked.text


def test_it_cannot_change_under_a_meeting_in_that_mode(
    forum_chat: Chat, database: Database
) -> None:
    _ok(forum_chat, "!möte start")
    said = forum_chat.say("!dagordning sätt Inledning; Nästa möte")
    assert not said.ok
    assert "Möte 1 pågår i ordinarie läge" in said.text
    assert "!möte slut" in said.text
    reset = forum_chat.say("!dagordning återställ")
    assert not reset.ok
    assert "Möte 1 pågår i ordinarie läge" in reset.text
    # The other mode's may change meanwhile.
    _ok(forum_chat, "!dagordning sätt aktiverat Inledning; Nästa möte")
    _ok(forum_chat, "!möte slut")
    _ok(forum_chat, "!dagordning sätt Inledning; Nästa möte")
    assert _agenda_events(database) == 2


# -- a meeting on it ----------------------------------------------------------------------------


def test_a_meeting_says_which_item_it_is_on(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samordningsgrupp")
    started = _ok(chat, "!möte start")
    assert "Dagordning (ordinarie läge):\n" + _numbered(SAMORDNINGSGRUPP) in started.text
    assert "Punkt 1 av 6: Inledning och upprop" in started.text
    assert "Punkt 2 av 6: Uppföljning av åtgärder" in _ok(chat, "!punkt nästa").text
    assert "Punkt 5 av 6: Frågor till Regional chefsgrupp" in _ok(chat, "!punkt 5").text
    moved = _ok(chat, "!punkt frågor som lyfts till forumet")
    assert "Punkt 4 av 6: Frågor som lyfts till forumet" in moved.text
    own = _ok(chat, "!punkt Övrigt")  # a topic of its own, outside the standing agenda
    assert "Punkt: Övrigt" in own.text
    assert "Punkt 5 av 6: Frågor till Regional chefsgrupp" in _ok(chat, "!punkt nästa").text
    assert "Punkt 6 av 6: Nästa möte" in _ok(chat, "!punkt nästa").text
    done = chat.say("!punkt nästa")
    assert not done.ok
    assert "ingen nästa punkt" in done.text
    beyond = chat.say("!punkt 7")
    assert not beyond.ok
    assert "har 6 punkter; det finns ingen punkt 7" in beyond.text
    assert "!punkt 2" in beyond.text
    [example] = re.findall(r"!punkt \d+", beyond.text)
    assert "Punkt 2 av 6" in _ok(chat, example).text
    ended = _ok(chat, "!möte slut")
    minutes = ended.full_minutes
    positions = [
        minutes.index(f"{title}:") for title in ("Inledning och upprop", "Övrigt", "Nästa möte")
    ]
    assert positions == sorted(positions)
    with Session(database.engine) as session:
        [meeting] = session.exec(select(Meeting)).all()
        assert meeting.agenda_position == 1


def test_an_activated_meeting_follows_the_forums_own_activated_agenda(forum_chat: Chat) -> None:
    _ok(forum_chat, "!dagordning sätt aktiverat Inledning och upprop; Lägesbild; Nästa möte")
    _ok(forum_chat, "!aktivera Storm")
    started = _ok(forum_chat, "!möte start")
    assert (
        "Dagordning (aktiverat läge):\n"
        + _numbered(["Inledning och upprop", "Lägesbild", "Nästa möte"])
        in started.text
    )
    assert "Punkt 1 av 3: Inledning och upprop" in started.text
    assert "Punkt 2 av 3: Lägesbild" in _ok(forum_chat, "!punkt nästa").text


def test_items_raised_and_open_actions_go_under_the_forums_own_items(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla chefsgrupp", channel="rcg")
    _ok(chat, "!möte start", channel="rcg")
    _ok(chat, "!åtgärd Polisen Ta fram en plan", channel="rcg")
    _ok(chat, "!möte slut", channel="rcg")
    _ok(chat, "!möte start")
    lifted = _ok(chat, "!lyft chefsgrupp Behov av gemensam inriktning för vintern")
    assert (
        "Punkten tas upp under ”Frågor som lyfts till forumet” när Regional chefsgrupp startar"
    ) in lifted.post_text("rcg")
    _ok(chat, "!möte slut")
    chat.advance(days=1)
    started = _ok(chat, "!möte start", channel="rcg")
    text = started.text
    follow_up = text.index(
        "Uppföljning av beslut\n  • #1 Polisen Region Stockholm: Ta fram en plan"
    )
    raised = text.index(
        "Frågor som lyfts till forumet\n  • Lyft från Regional samverkanskonferens: "
        "Behov av gemensam inriktning för vintern"
    )
    assert text.index("Punkt 1 av 6") < follow_up < raised
    assert "Uppföljning\n" not in text
    minutes = _ok(chat, "!möte slut", channel="rcg").full_minutes
    assert "Uppföljning av beslut:\n  • #1 Polisen Region Stockholm" in minutes
    assert "Frågor som lyfts till forumet:\n  • Lyft från Regional samverkanskonferens" in minutes


# -- the day-before post ---------------------------------------------------------------------


def _day_before_posts(chat: Chat, days: int) -> list[str]:
    """Tick through ``days`` days, the posts delivered; the texts of the day-before posts."""
    texts = []
    end = chat.clock.now() + timedelta(days=days)
    while chat.clock.now() < end:
        for post in chat.tick():
            if post.outbox_id is not None:
                chat.record_delivery(Delivery(post.outbox_id, message_id="m"))
            text = render_text(post.document)
            if "Dagordning (" in text:
                texts.append(text)
        due = chat.next_due()
        step = chat.clock.now() + timedelta(hours=6)
        chat.clock.set(min(due, step) if due is not None and due > chat.clock.now() else step)
    return texts


def test_the_day_before_post_shows_the_forums_own_agenda(chat: Chat) -> None:
    _ok(chat, "!forum koppla samordningsgrupp")
    _ok(chat, "!schema varje tisdag 10:00")
    [notice] = _day_before_posts(chat, 6)  # Monday 10:00, before Tuesday 2026-12-01
    assert "Dagordning (ordinarie läge):\n" + _numbered(SAMORDNINGSGRUPP) in notice
    # A changed agenda is in the next one: posts are worded when they are sent.
    _ok(chat, "!dagordning sätt Inledning och upprop; Vinterberedskap; Nästa möte")
    [later] = _day_before_posts(chat, 7)
    assert (
        "Dagordning (ordinarie läge):\n"
        + _numbered(["Inledning och upprop", "Vinterberedskap", "Nästa möte"])
        in later
    )


def test_a_chefsgrupp_meeting_jumps_to_an_item_by_number(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla chefsgrupp")
    _ok(chat, "!möte start")
    assert "Punkt 3 av 6: Regionens planer och budget" in _ok(chat, "!punkt 3").text
    assert "Punkt 4 av 6: Rapport från Regional samordningsgrupp" in _ok(chat, "!punkt nästa").text
    with Session(database.engine) as session:
        positions = session.exec(select(col(Meeting.agenda_position))).all()
    assert positions == [3]

"""The review of issue 19 (the joint direction, joint messages, the meeting rhythm): what a
coordinator or an actor noticed, each through the dispatcher as people use it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.i18n import Plural, catalogue
from storage import Database
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat, Said
from tests.support.time_travel import travel


@pytest.fixture
def region(database: Database, clock: FixedClock) -> Chat:
    """The conference bound to ``stab``, Regionalt inriktande forum to ``inriktande``, without
    the conference's own meeting posts; anna speaks for Polisen, bo for Trafikverket; lisa
    coordinates the conference only."""
    config = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))
    chat = Chat(database, clock, config)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, "!roll @lisa koordinator")
    _ok(chat, "!aktör Länsstyrelsen", person="lisa")
    return chat


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


def _refused(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert not said.ok, (line, said.text)
    return said


def _adopt(chat: Chat, text: str = "Målbild: Framkomlighet på E4") -> None:
    """A direction for the conference drafted in ``stab``, presented and adopted."""
    drafted = _ok(chat, f"!inriktning förslag {text}")
    number = drafted.text.split("inriktning ", 1)[1].split(" ", 1)[0]
    _ok(chat, f"!inriktning föredra {number}")
    _ok(chat, f"!inriktning fastställ {number}", channel="inriktande")


# -- after a stand-down, those called in still answer, not every member ----------------------


def test_the_confirmation_reminder_after_stand_down_names_those_called_in_not_every_member(
    region: Chat,
) -> None:
    """Before: the reminder ten minutes after adoption listed all 37 members of the conference
    once the activation was stood down, and the coordinators were told 37 were missing."""
    _ok(region, "!aktivera Snö kalla: Polisen, Trafikverket")
    _adopt(region)
    _ok(region, "!inriktning kvittera", person="anna")
    region.advance(minutes=2)
    _ok(region, "!avaktivera Klart")
    sent = [s for s in travel(region, "2026-11-26 15:30") if "nriktning 1" in s.text]
    recall = next(s for s in sent if s.first_line == "Påminnelse: kvittera inriktning 1")
    assert "1 organisation har inte kvitterat" in recall.text
    assert "Trafikverket: @bo" in recall.text
    assert "Botkyrka kommun" not in recall.text
    told = next(s for s in sent if "fortfarande inte kvitterat" in s.text)
    assert "Inriktning 1: 1 organisation har fortfarande inte kvitterat." in told.text
    # The card, kept current, counts the same two.
    said = _ok(region, "!inriktning kvittera", person="bo")
    assert "Alla 2 organisationer har nu kvitterat inriktningen." in said.text
    # Another organisation was not called in: it is told so, in the activation's words.
    _ok(region, "!aktör SOS Alarm", person="cia")
    other = _refused(region, "!inriktning kvittera", person="cia")
    assert "det gör de inkallade organisationerna i Regional samverkanskonferens" in other.text


def test_an_agreed_messages_outcome_stays_as_it_was_after_stand_down(region: Chat) -> None:
    """Before: after the stand-down, ``!budskap 1`` said 36 organisations "did not answer" a
    message agreed while two were called in."""
    _ok(region, "!aktivera Snö kalla: Polisen, Trafikverket")
    _ok(region, "!budskap förslag Undvik onödiga resor", person="anna")
    _ok(region, "!budskap ok 1", person="anna")
    agreed = _ok(region, "!budskap fastställ 1")
    assert "Har inte svarat: Trafikverket" in agreed.text
    region.advance(minutes=2)
    _ok(region, "!avaktivera Klart")
    shown = _ok(region, "!budskap 1")
    assert "Har inte svarat: Trafikverket" in shown.text
    assert "Botkyrka" not in shown.text


# -- hints that name a number name the right one ----------------------------------------------


def _example(said: Said) -> str:
    """The example the refusal's hint ends with (its last ``!…``, without a closing stop)."""
    line = said.text.splitlines()[-1]
    return "!" + line.rsplit("!", 1)[1].rstrip(".")


def test_a_refused_confirmation_hints_an_example_that_works(region: Chat) -> None:
    """Before: the hints were "!inriktning fil 1" and "… en annan med sitt nummer:
    !inriktning kvittera 1" whatever the direction: for direction 2 the first fetched another
    direction, and under a superseded direction 1 the second was refused again."""
    _adopt(region)
    region.advance(minutes=1)
    _adopt(region, "Målbild: Framkomlighet. Gäller till: i morgon kl 12")
    superseded = _refused(region, "!inriktning kvittera 1", person="anna")
    assert "Inriktning 1 är ersatt av inriktning 2" in superseded.text
    example = _example(superseded)
    assert example == "!inriktning kvittera"
    assert "inriktning 2" in _ok(region, example, person="anna").text

    region.clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=STOCKHOLM))  # the very instant
    expired = _refused(region, "!inriktning kvittera 2", person="bo")
    assert "Inriktning 2 gäller inte längre" in expired.text
    example = _example(expired)
    assert example == "!inriktning fil 2"
    fetched = _ok(region, example)
    assert "Inriktning 2, version 1" in fetched.text


def test_the_adoption_says_its_forum_in_the_singular(region: Chat) -> None:
    """Before: "Den gäller för Regional samverkanskonferens och har skickats till deras
    kanaler" – "deras" (their) of one forum."""
    _ok(region, "!inriktning förslag Målbild: Framkomlighet")
    _ok(region, "!inriktning föredra 1")
    one = _ok(region, "!inriktning fastställ 1", channel="inriktande")
    assert (
        "Den gäller för Regional samverkanskonferens och har skickats till dess kanaler."
        in one.text
    )
    _ok(region, "!forum skapa Analysgrupp snö tematisk under Regional samverkanskonferens")
    _ok(region, "!inriktning förslag Målbild: Framkomlighet i hela länet")
    _ok(region, "!inriktning föredra 2")
    two = _ok(region, "!inriktning fastställ 2", channel="inriktande")
    assert (
        "Den gäller för Regional samverkanskonferens och Analysgrupp snö och har skickats till "
        "deras kanaler." in two.text
    )


# -- the strategic forum sees every direction it adopted that is in force -----------------------


def test_the_strategic_forum_sees_every_direction_in_force_it_adopted(region: Chat) -> None:
    """Before: Regionalt inriktande forum's ``!inriktning`` showed only the newest it adopted;
    the conference's, adopted there and still in force, was not mentioned."""
    _ok(region, "!forum koppla samordnande-forum", channel="sf")
    _adopt(region, "Målbild: Konferensens")
    region.advance(minutes=1)
    _ok(region, "!inriktning förslag Målbild: Forumets", channel="sf")
    _ok(region, "!inriktning föredra 2", channel="sf")
    _ok(region, "!inriktning fastställ 2", channel="inriktande")
    shown = _ok(region, "!inriktning", channel="inriktande")
    assert "Gemensam regional inriktning 2 – fastställd" in shown.text
    assert "Också gällande, fastställda i Regionalt inriktande forum:" in shown.text
    assert (
        "Inriktning 1 för Regional samverkanskonferens, fastställd 2026-11-26 15:00" in shown.text
    )
    assert "Konferensens" in _ok(region, "!inriktning 1", channel="inriktande").text
    # Each forum that works under one sees its own only.
    assert "Också gällande" not in _ok(region, "!inriktning").text


# -- the follow-ups are worded in the forum's language when they are sent ---------------------


def test_a_follow_up_is_worded_in_the_language_the_forum_has_when_it_is_sent(
    region: Chat,
) -> None:
    """Before: a forum switched to English after the adoption got the reminder and the expiry
    notices in Swedish, the language planned at adoption (its card, edited, was English)."""
    _ok(region, "!aktivera Snö kalla: Polisen, Trafikverket")
    _adopt(region, "Målbild: Framkomlighet. Gäller till: i morgon kl 12")
    _ok(region, "!forum språk en")
    sent = [s for s in travel(region, "2026-11-27 12:00") if s.post.channel_id == "stab"]
    firsts = [s.first_line for s in sent if "irection 1" in s.text or "nriktning 1" in s.text]
    assert firsts == [
        "Reminder: confirm direction 1",
        "Direction 1: 2 organisations have still not confirmed.",
        "Direction 1 for Regional samverkanskonferens is valid until 2026-11-27 12:00, "
        "in 2 h 0 min.",
        "Direction 1 for Regional samverkanskonferens is no longer in force: it expired "
        "2026-11-27 12:00.",
    ]


# -- a thematic group's picture tells its parent's messages from its own ---------------------


def test_a_thematic_groups_picture_names_the_forum_of_its_parents_messages(region: Chat) -> None:
    """Before: the group's picture listed "Budskap 1: Undvik resor" and "Budskap 1: Håll
    avstånd …": the parent's message 1 and the group's own, both numbered 1."""
    _ok(region, "!forum skapa Kommunikationsgrupp tematisk under Regional samverkanskonferens")
    _ok(region, "!forum koppla Kommunikationsgrupp", channel="grupp")
    _ok(region, "!budskap förslag Undvik onödiga resor", person="anna")
    _ok(region, "!budskap fastställ 1")
    _ok(region, "!budskap förslag Håll avstånd till plogbilarna", person="anna", channel="grupp")
    _ok(region, "!budskap fastställ 1", channel="grupp")
    _ok(region, "!aktivera Snö", channel="grupp")
    picture = _ok(region, "!lägesbild", channel="grupp").text
    assert "Budskap 1 (Regional samverkanskonferens): Undvik onödiga resor (fastställt" in picture
    assert "Budskap 1: Håll avstånd till plogbilarna (fastställt" in picture
    # The parent's own picture numbers its message as its own.
    _ok(region, "!aktivera Snö")
    parent = _ok(region, "!lägesbild").text
    assert "Budskap 1: Undvik onödiga resor" in parent
    assert "plogbilarna" not in parent


# -- one wording for the same thing -------------------------------------------------------------


def test_every_english_refusal_says_nothing_was_changed_in_the_same_words() -> None:
    """Before: !direction and !rhythm said "Nothing has changed." where every other refusal
    of the bot (!message among them) says "Nothing was changed."."""
    texts = [
        text
        for entry in catalogue("en").values()
        for text in ((entry.one, entry.other) if isinstance(entry, Plural) else (entry,))
    ]
    assert not [text for text in texts if "Nothing has changed." in text]
    assert sum("Nothing was changed." in text for text in texts) > 50

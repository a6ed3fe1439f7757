"""The review of issue 19 (the joint direction, joint messages, the meeting rhythm): what a
coordinator or an actor noticed, each through the dispatcher as people use it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.render.text import render_text
from commands import CAPABILITIES
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


def _adopt(chat: Chat, text: str = "Målbild: Framkomlighet på E4") -> Said:
    """A direction for the conference drafted in ``stab``, presented and adopted: the
    answer to its adoption."""
    drafted = _ok(chat, f"!inriktning förslag {text}")
    number = drafted.text.split("inriktning ", 1)[1].split(" ", 1)[0]
    _ok(chat, f"!inriktning föredra {number}")
    return _ok(chat, f"!inriktning fastställ {number}", channel="inriktande")


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


# -- the second review: wordings a coordinator would not trust (worked example 4) -------------


def test_a_presented_drafts_agreed_messages_name_the_forum_that_agreed_them(region: Chat) -> None:
    """Before: posted to Regionalt inriktande forum, the draft said "Gemensamma budskap som
    forumet har fastställt:", read there as the strategic forum; the conference agreed them."""
    _ok(region, "!budskap förslag Undvik onödiga resor", person="anna")
    _ok(region, "!budskap fastställ 1")
    _ok(region, "!inriktning förslag Målbild: Framkomlighet")
    strategic = _ok(region, "!inriktning föredra 1").post_text("inriktande")
    assert "Gemensamma budskap som Regional samverkanskonferens har fastställt:" in strategic
    assert "Undvik onödiga resor (budskap 1, fastställt 2026-11-26 15:00)" in strategic
    assert "forumet har fastställt" not in strategic
    _ok(region, "!forum språk en", channel="inriktande")
    _ok(region, "!inriktning ändra 1 Målbild: Framkomlighet i hela länet")
    assert (
        "Joint messages Regional samverkanskonferens has agreed:"
        in _ok(region, "!inriktning 1", channel="inriktande").text
    )


PRIORITIES = "Prioriteringar: 1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon"


def test_the_history_shows_a_new_line_as_a_line_and_words_within_their_line(
    region: Chat,
) -> None:
    """Before: "efter ”… 2. Framkomlighet för utryckningsfordon”: ”och kollektivtrafik 3. El
    och värme till sårbara grupper” tillagt": the new line "3. El …" read as words added
    to line 2."""
    _ok(region, f"!inriktning förslag {PRIORITIES}")
    region.advance(minutes=5)
    _ok(
        region,
        f"!inriktning ändra {PRIORITIES} och kollektivtrafik\n3. El och värme till sårbara grupper",
    )
    region.advance(minutes=5)
    _ok(region, "!inriktning ändra Prioriteringar: 1. Liv och hälsa\n3. El och värme")
    history = _ok(region, "!inriktning historik").text
    assert (
        "Prioriteringar:\n"
        "  • efter ”2. Framkomlighet för utryckningsfordon”: ”och kollektivtrafik” tillagt\n"
        "  • efter raden ”… för utryckningsfordon och kollektivtrafik”: "
        "ny rad ”3. El och värme till sårbara grupper”\n"
    ) in history
    assert (
        "Prioriteringar:\n"
        "  • raden ”2. Framkomlighet för utryckningsfordon och kollektivtrafik” struken\n"
        "  • efter ”3. El och värme”: ”till sårbara grupper” struket"
    ) in history
    # A field rewritten keeps its line breaks, marked.
    region.advance(minutes=5)
    rewritten = _ok(region, "!inriktning ändra Prioriteringar: A\nB\nC").text
    assert "omskrivet: ”A ⏎ B ⏎ C”" in rewritten


def test_a_parents_joint_message_answered_in_a_thematic_group_points_to_the_parent(
    region: Chat,
) -> None:
    """Before: ``!budskap ok 1`` in the group's channel answered "Analysgrupp snöoväder har
    inga aktuella gemensamma budskap, så det finns inget nummer 1." and hinted at proposing
    one, while the conference it works under had message 1 to answer."""
    group = "Analysgrupp snöoväder"
    _ok(region, f"!forum skapa {group} tematisk under Regional samverkanskonferens")
    _ok(region, f"!forum koppla {group}", channel="grupp")
    _ok(region, "!budskap förslag Undvik onödiga resor", person="anna")
    refused = _refused(region, "!budskap ok 1", person="bo", channel="grupp")
    assert (
        "Gemensamt budskap 1 hör till Regional samverkanskonferens: skriv kommandot i en av "
        f"dess kanaler. {group} har inget eget budskap 1. Inget har ändrats." in refused.text
    )
    assert "inga aktuella" not in refused.text
    example = _example(refused)
    assert example == "!budskap"
    assert (
        f"{group} har inga gemensamma budskap just nu."
        in _ok(region, example, channel="grupp").text
    )
    # Answered where it was proposed, it counts.
    assert (
        "Trafikverket står bakom gemensamt budskap 1"
        in _ok(region, "!budskap ok 1", person="bo").text
    )
    # A number neither has is still "no such message" with how to propose one.
    none = _refused(region, "!budskap ok 2", person="bo", channel="grupp")
    assert f"{group} har inga aktuella gemensamma budskap, så det finns inget nummer 2" in (
        none.text
    )


def test_an_objection_to_an_earlier_version_stays_under_that_version(region: Chat) -> None:
    """Before: once revised and agreed, ``!budskap 1`` showed only "Svar på version 2":
    Trafikverket's objection to version 1, the reason for the revision, was nowhere to be
    seen in the chat."""
    _ok(region, "!budskap förslag Undvik alla resor", person="anna")
    region.advance(minutes=1)
    _ok(region, "!budskap ok 1", person="anna")
    _ok(region, "!budskap invändning 1 Pendeltågen går som vanligt", person="bo")
    region.advance(minutes=1)
    _ok(region, "!budskap ändra 1 Undvik onödiga resor med bil", person="anna")
    region.advance(minutes=1)
    _ok(region, "!budskap ändra 1 Undvik onödiga resor med bil i kväll", person="anna")
    region.advance(minutes=1)
    _ok(region, "!budskap ok 1", person="bo")
    _ok(region, "!budskap fastställ 1")
    shown = _ok(region, "!budskap 1").text
    assert (
        "Versioner:\n"
        "Version 1 – 2026-11-26 15:00, anna (Polisen Region Stockholm): Undvik alla resor\n"
        "  • Polisen Region Stockholm: ok (anna, 2026-11-26 15:01)\n"
        "  • Trafikverket: invändning (bo, 2026-11-26 15:01): Pendeltågen går som vanligt\n"
        "Version 2 – 2026-11-26 15:02, anna (Polisen Region Stockholm): "
        "Undvik onödiga resor med bil\n"
        "Ingen svarade på version 2.\n"
        "Version 3 – 2026-11-26 15:03, anna (Polisen Region Stockholm): "
        "Undvik onödiga resor med bil i kväll\n"
        "Svar på version 3:\n"
        "Står bakom: Trafikverket"
    ) in shown
    assert shown == _ok(region, "!budskap visa 1").text


def test_presenting_with_no_number_when_the_draft_was_presented_says_so(region: Chat) -> None:
    """Before: "Inget förslag till inriktning tas fram för Regional samverkanskonferens just
    nu." and a hint to draft a new one, while its one direction was presented already."""
    _ok(region, "!inriktning förslag Målbild: Framkomlighet")
    _ok(region, "!inriktning föredra")
    region.advance(minutes=5)
    again = _refused(region, "!inriktning föredra")
    assert (
        "Inriktning 1 föredrogs redan för Regionalt inriktande forum 2026-11-26 15:00. "
        "Inget har ändrats." in again.text
    )
    assert "tas fram" not in again.text
    assert _refused(region, "!inriktning föredra 1").text == again.text
    assert "föredragen, version 1" in _ok(region, _example(again)).text


def test_in_an_activation_the_adoption_asks_those_called_in_to_confirm(region: Chat) -> None:
    """Before: "Varje medlemsorganisation kvitterar …" during an activation, where only the
    organisations called in are asked ("Väntar på 2"; the conference has 37 members)."""
    _ok(region, "!aktivera Snö kalla: Polisen, Trafikverket")
    home = _adopt(region).post_text("stab")
    assert (
        "Varje inkallad organisation kvitterar att den har tagit del av inriktningen med "
        "!inriktning kvittera 1, och kommunicerar den i sin egen organisation." in home
    )
    assert "medlemsorganisation" not in home
    assert "Väntar på 2: Polisen Region Stockholm; Trafikverket" in home
    # In ordinary mode the members confirm.
    region.advance(minutes=2)
    _ok(region, "!avaktivera Klart")
    _adopt(region, "Målbild: Framkomlighet i hela länet")
    ordinary = _adopt(region, "Målbild: Framkomlighet i hela länet").post_text("stab")
    assert "Varje medlemsorganisation kvitterar" in ordinary


def test_an_objection_shows_its_reason_as_required_in_the_usage_line(region: Chat) -> None:
    """Before: ``!budskap invändning <nummer> [anledning]``, the reason shown as optional,
    where the handler refuses an objection without one."""
    [objection] = [
        cmd for cmd in CAPABILITIES.commands.commands if cmd.key == "joint_message.object"
    ]
    assert objection.usage("sv") == "!budskap invändning <nummer> <anledning>"
    assert objection.usage("en") == "!message object <number> <reason>"
    assert (
        "!budskap invändning <nummer> <anledning>" in _ok(region, "!hjälp budskap invändning").text
    )
    # Without a reason: still the refusal made for it, with an example that works.
    _ok(region, "!budskap förslag Undvik onödiga resor", person="anna")
    refused = _refused(region, "!budskap invändning 1", person="bo")
    assert "En invändning behöver en anledning" in refused.text
    example = _example(refused)
    assert example.startswith("!budskap invändning 1 Vi kan inte avråda")
    assert "Invändningen från Trafikverket" in _ok(region, example, person="bo").text
    # Without a number the dispatcher asks for the arguments as before.
    missing = _refused(region, "!budskap invändning", person="bo")
    assert "!budskap invändning <nummer> <anledning>" in missing.text


def test_on_matrix_the_confirmation_card_says_a_thumbs_up_confirms(
    database: Database, clock: FixedClock
) -> None:
    """Before: nothing in Matrix told anyone that a 👍 on the card confirms (the card's
    button, shown as its hint there, said only "Kvittera med !inriktning kvittera 1.")."""
    config = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))
    chat = Chat(database, clock, config, platform="matrix")
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, "!aktivera Snö kalla: Polisen, Trafikverket")
    _ok(chat, "!inriktning förslag Målbild: Framkomlighet")
    _ok(chat, "!inriktning föredra 1")
    adopted = _ok(chat, "!inriktning fastställ 1", channel="inriktande")
    [card] = [render_text(p.document) for p in adopted.posts if p.tag == "direction:1"]
    said = "→ Kvittera med 👍 på det här meddelandet eller med !inriktning kvittera 1."
    assert said in card
    # The card kept current after a confirmation still says so.
    confirmed = _ok(chat, "!inriktning kvittera", person="anna")
    [edited] = [render_text(p.document) for p in confirmed.posts if p.replaces == "direction:1"]
    assert "Kvitterat: 1 av 2" in edited
    assert said in edited


def test_where_no_reaction_reaches_the_bot_the_card_does_not_offer_one(region: Chat) -> None:
    _ok(region, "!aktivera Snö kalla: Polisen, Trafikverket")
    adopted = _adopt(region)
    [card] = [render_text(p.document) for p in adopted.posts if p.tag == "direction:1"]
    assert "👍" not in card
    assert "→ Kvittera med !inriktning kvittera 1." in card

"""Swedish that a civil servant signs (issue 15): a forum's name and the words that agree with
it, agreements against decisions, minnesanteckningar against protokoll."""

from __future__ import annotations

import pytest

from commands.core.grammar import Agreement, agreement, forum_words
from tests.support.chat import Chat

COMMON, NEUTER, PLURAL = Agreement.COMMON, Agreement.NEUTER, Agreement.PLURAL

# Every seeded forum: slug, name, and the agreement of its head noun.
SEEDED = [
    ("chefsgrupp", "Regional chefsgrupp", COMMON),
    ("inriktande-forum", "Regionalt inriktande forum", NEUTER),
    ("samordningsgrupp", "Regional samordningsgrupp", COMMON),
    ("samverkanskonferens", "Regional samverkanskonferens", COMMON),
    ("samordnande-forum", "Regionalt samordnande forum", NEUTER),
    ("tematiska-arbetsgrupper", "Tematiska arbetsgrupper", PLURAL),
    ("verkstallande-forum", "Verkställande forum – Ledningscentraler", NEUTER),
]
ACTIVATED = {COMMON: "aktiverad", NEUTER: "aktiverat", PLURAL: "aktiverade"}
STOOD_DOWN = {COMMON: "avaktiverad", NEUTER: "avaktiverat", PLURAL: "avaktiverade"}


# -- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [(name, form) for _, name, form in SEEDED])
def test_every_seeded_forum_takes_its_head_nouns_agreement(name: str, expected: Agreement) -> None:
    assert agreement(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # A qualifier after the head noun: the last word we know is the head.
        ("Tematisk grupp vatten", COMMON),
        # A complement after a dash or a preposition is not the head.
        ("Verkställande forum – Ledningscentraler", NEUTER),
        ("Grupp för kommunikation", COMMON),
        ("Forum om dricksvatten", NEUTER),
        ("Ledningscentraler", PLURAL),
        ("Regionalt vattenforum", NEUTER),
        ("Krisledningsråd", NEUTER),
        ("Nätverk för samverkan", NEUTER),
        ("Analysteam", NEUTER),
        ("Samverkanskonferenser", PLURAL),
        ("REGIONAL STAB", COMMON),
        # Nothing we know: the common gender, which most Swedish nouns have.
        ("Vattensamverkan Norr", COMMON),
        ("Xyzzy", COMMON),
        ("", COMMON),
    ],
)
def test_the_rule_reads_the_head_noun_and_falls_back_to_the_common_gender(
    name: str, expected: Agreement
) -> None:
    assert agreement(name) is expected


def test_english_has_one_form() -> None:
    for _, name, _ in SEEDED:
        assert forum_words("en", name) == {"activated": "activated", "stood_down": "stood down"}
    assert forum_words("sv", "Tematiska arbetsgrupper") == {
        "activated": "aktiverade",
        "stood_down": "avaktiverade",
    }


# -- the texts, for every seeded forum and a created one --------------------------------------


def _agreement_texts(chat: Chat, channel: str, name: str, form: Agreement) -> None:
    activated, stood_down = ACTIVATED[form], STOOD_DOWN[form]

    said = chat.say("!avaktivera", channel=channel)
    assert not said.ok
    assert said.text.startswith(f"{name} är inte {activated} just nu."), said.text

    said = chat.say("!aktivera Storm Dagmar", channel=channel)
    assert said.ok, said.text
    assert said.text.startswith(f"INKALLNING – {name} är {activated}\n"), said.text
    assert "Aktiverades av operator" in said.text

    said = chat.say("!aktivera Storm igen", channel=channel)
    assert not said.ok
    assert said.text.startswith(f"{name} är redan {activated} sedan "), said.text

    said = chat.say("!begär aktivering Storm", channel=channel)
    assert not said.ok
    assert said.text.startswith(f"{name} är redan {activated}."), said.text

    said = chat.say("!status", channel=channel)
    assert "Aktiverades av: operator" in said.text

    said = chat.say("!avaktivera Över", channel=channel)
    assert said.ok, said.text
    assert said.text.startswith(f"{name} är {stood_down}\n"), said.text
    assert "Avaktiverades av: operator" in said.text


@pytest.mark.parametrize(("slug", "name", "form"), SEEDED)
def test_activation_texts_agree_with_every_seeded_forum(
    chat: Chat, slug: str, name: str, form: Agreement
) -> None:
    assert chat.say(f"!forum koppla {slug}", channel=slug).ok
    _agreement_texts(chat, slug, name, form)


@pytest.mark.parametrize(
    ("name", "form"),
    [("Tematisk grupp vatten", COMMON), ("Regionalt vattenforum", NEUTER)],
)
def test_activation_texts_agree_with_a_created_forum(
    chat: Chat, name: str, form: Agreement
) -> None:
    assert chat.say(f"!forum skapa {name} samordnande", channel="ny").ok
    assert chat.say(f'!forum koppla "{name}"', channel="ny").ok
    _agreement_texts(chat, "ny", name, form)


def test_no_round_names_the_forum_without_a_participle_that_could_disagree(chat: Chat) -> None:
    assert chat.say("!forum koppla chefsgrupp").ok
    assert chat.say("!aktör Polisen", person="anna").ok
    said = chat.say("!läge Lugnt", person="anna")
    assert not said.ok
    assert "Regional chefsgrupp har ingen rapportrunda just nu: forumet är inte aktiverat" in (
        said.text
    )


# -- överenskommelse and beslut, minnesanteckningar ----------------------------------------------


def _meeting(chat: Chat, slug: str) -> str:
    assert chat.say(f"!forum koppla {slug}", channel=slug).ok
    started = chat.say("!möte start", channel=slug)
    assert started.ok, started.text
    return started.text


def test_a_coordinating_forum_notes_agreements_and_keeps_beslut_as_an_alias(chat: Chat) -> None:
    started = _meeting(chat, "samverkanskonferens")
    assert "Anteckna med !info, !överenskommelse, !åtgärd" in started

    agreed = chat.say(
        "!överenskommelse Länsstyrelsen tar fram budskap", channel="samverkanskonferens"
    )
    assert agreed.text.startswith("Överenskommelse: Länsstyrelsen tar fram budskap"), agreed.text
    habit = chat.say("!beslut Polisen leder trafikinsatsen", channel="samverkanskonferens")
    assert habit.text.startswith("Överenskommelse: Polisen leder trafikinsatsen"), habit.text
    assert "Beslut" not in habit.text

    ended = chat.say("!möte slut", channel="samverkanskonferens")
    assert "Minnesanteckningar – Regional samverkanskonferens, möte 1" in ended.text
    assert "Överenskommelse: Polisen leder trafikinsatsen" in ended.text
    assert "Beslut" not in ended.text
    assert "rotokoll" not in ended.text


def test_chefsgrupp_takes_decisions(chat: Chat) -> None:
    started = _meeting(chat, "chefsgrupp")
    assert "Anteckna med !info, !beslut, !åtgärd" in started
    decided = chat.say("!beslut Projektdirektivet fastställs", channel="chefsgrupp")
    assert decided.text.startswith("Beslut: Projektdirektivet fastställs"), decided.text
    also = chat.say("!överenskommelse Nästa möte i februari", channel="chefsgrupp")
    assert also.text.startswith("Beslut: Nästa möte i februari"), also.text
    undone = chat.say("!ångra", channel="chefsgrupp")
    assert undone.text == "Borttaget ur minnesanteckningarna: Beslut ”Nästa möte i februari”."
    ended = chat.say("!möte slut", channel="chefsgrupp")
    assert "Beslut: Projektdirektivet fastställs" in ended.text
    assert "Överenskommelse" not in ended.text


def test_minnesanteckningar_and_the_old_name_protokoll_show_the_same(chat: Chat) -> None:
    _meeting(chat, "samverkanskonferens")
    chat.say("!info SMHI varnar för vind", channel="samverkanskonferens")
    chat.say("!möte slut", channel="samverkanskonferens")
    shown = chat.say("!minnesanteckningar", channel="samverkanskonferens")
    assert shown.ok, shown.text
    assert shown.text.startswith("Minnesanteckningar – Regional samverkanskonferens, möte 1")
    assert chat.say("!protokoll", channel="samverkanskonferens").text == shown.text
    assert chat.say("!minnesanteckningar 1", channel="samverkanskonferens").text == shown.text
    help_text = chat.say("!hjälp minnesanteckningar", channel="samverkanskonferens").text
    assert "protokoll" in help_text  # listed among the aliases


# -- no empty or meaningless values -----------------------------------------------------------


def test_an_acknowledgement_within_the_minute_says_so_not_after_0_min(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    assert forum_chat.say("!aktivera Storm").ok
    said = forum_chat.say("!kvittera", person="anna")
    assert said.ok, said.text
    assert "0 min" not in said.text
    assert ", mindre än en minut efter aktiveringen." in said.text
    status = forum_chat.say("!status").text
    assert (
        "Första kvittensen: Polisen Region Stockholm 2026-11-26 15:00, mindre än en minut "
        "efter aktiveringen." in status
    )


def test_minutes_of_a_forum_without_meetings_quote_no_empty_name(forum_chat: Chat) -> None:
    said = forum_chat.say("!minnesanteckningar")
    assert not said.ok
    assert "””" not in said.text
    assert said.text.startswith("Regional samverkanskonferens har inte haft något möte ännu.")

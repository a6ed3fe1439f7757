"""Defects a review of issue 18 found by trying the new commands as users would."""

from __future__ import annotations

from tests.support.chat import Chat


def _ok(chat: Chat, line: str, **kwargs: object) -> str:
    said = chat.say(line, **kwargs)  # type: ignore[arg-type]
    assert said.ok, (line, said.text)
    return said.text


# -- a host named wrongly is answered with how to name a host ----------------------------------


def test_an_unknown_host_gets_the_host_commands_example_not_the_actor_one(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    said = chat.say("!forum värd Xyzzy")
    assert not said.ok
    assert "!forum värd Polisen Region Stockholm" in said.text, said.text
    assert "!aktör" not in said.text, said.text
    _ok(chat, "!aktivera Storm Dagmar")
    said = chat.say("!värd Xyzzy")
    assert not said.ok
    assert "!värd Polisen" in said.text, said.text
    assert "!aktör" not in said.text, said.text


def test_a_host_is_refused_for_authority_before_the_organisation_is_looked_up(
    chat: Chat,
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(chat, "!roll @eve koordinator", channel="ledning")
    said = chat.say("!forum värd Xyzzy", person="eve")
    assert not said.ok
    assert "Bara en koordinator för Regional samverkanskonferens" in said.text, said.text
    # Not activated: said so, whatever the name.
    said = chat.say("!värd Xyzzy")
    assert "inte aktiverad just nu" in said.text, said.text


# -- creating a thematic group: its words, and a missing parent --------------------------------


def test_a_thematic_group_is_a_group_and_a_forum_under_a_parent_a_forum(chat: Chat) -> None:
    text = _ok(chat, "!forum skapa Analys tematisk under Regional samordningsgrupp")
    assert "Koppla en kanal till gruppen med !forum koppla Analys." in text, text
    text = _ok(chat, "!forum skapa Vattenforum samordnande under Regional samordningsgrupp")
    assert "återrapporterar forumet till Regional samordningsgrupp" in text, text
    assert "gruppen" not in text, text
    assert "Koppla en kanal till det med !forum koppla Vattenforum." in text, text


def test_thematic_under_with_no_forum_after_it_asks_for_the_forum(chat: Chat) -> None:
    said = chat.say("!forum skapa Analys tematisk under")
    assert not said.ok
    assert "samverkansnivå" not in said.text, said.text
    assert "efter ”tematisk under”" in said.text, said.text
    said = chat.say("!forum skapa Analys samordnande under")
    assert not said.ok
    assert "efter ”under” vilket forum" in said.text, said.text
    assert "Analys" not in _ok(chat, "!forum lista")


# -- a mistyped kind word changes nothing ------------------------------------------------------


def test_a_mistyped_ersattare_does_not_make_a_deputy_ordinarie(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!företrädare @bo Polisen ersättare")
    for line in ("!företrädare @bo Polisen ersätare", "!företrädare @bo Polisen vice"):
        said = chat.say(line)
        assert not said.ok, (line, said.text)
        assert "varken ordinarie eller ersättare" in said.text, said.text
        assert "Inget har ändrats" in said.text
    assert "bo (ersättare)" in _ok(chat, "!forum medlemmar")
    # A typo in the organisation's own name is still read as the name.
    assert "redan" in _ok(chat, "!företrädare @bo Polisen Region Stokholm ersättare")
    _ok(chat, "!aktör Polisen ersättare", person="anna")
    said = chat.say("!aktör Polisen ersätare", person="anna")
    assert not said.ok
    assert "!aktör Polisen Region Stockholm ersättare" in said.text, said.text
    polisen = next(line for line in _ok(chat, "!forum medlemmar").splitlines() if "Polisen" in line)
    assert "anna" in polisen, polisen
    assert "ordinarie" not in polisen, polisen


def test_a_mistyped_kind_word_in_english(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum språk en")
    said = chat.say("!representative @bo Polisen deptuy")
    assert not said.ok
    assert "“deptuy” is neither principal nor deputy" in said.text, said.text


# -- resetting a seeded agenda keeps the model's agenda for the forum --------------------------


def test_resetting_chefsgruppens_agenda_does_not_give_it_the_thursday_agenda(chat: Chat) -> None:
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    shown = _ok(chat, "!dagordning", channel="ledning")
    assert "Ordinarie läge – standarddagordningen" in shown, shown
    assert "redan standarddagordningen" in _ok(chat, "!dagordning återställ", channel="ledning")
    _ok(chat, "!dagordning sätt Inledning; Övrigt", channel="ledning")
    assert "Ordinarie läge – forumets egen dagordning" in _ok(
        chat, "!dagordning", channel="ledning"
    )
    reset = _ok(chat, "!dagordning återställ", channel="ledning")
    assert "Regionens planer och budget" in reset, reset
    assert "Aktörsrapportering" not in reset, reset
    assert "Samlad lägesbild" not in reset, reset


def test_the_doors_organisation_hint_makes_no_organisation_a_member(chat: Chat) -> None:
    """The terminal's ``@nils/Nacka kommun:`` says whom nils speaks for, as ``!aktör`` does:
    in Ledningscentraler, where Nacka is no member, it stays no member; Polisen's speaker
    becomes its representative there."""
    assert chat.say("!forum koppla verkställande forum", channel="lc").ok
    said = chat.say("!aktör", person="nils", organisation="Nacka kommun", channel="lc")
    assert said.ok, said.text
    assert "deltar nu i" not in said.text
    assert "Nacka kommun är inte medlem i Verkställande forum – Ledningscentraler" in said.text
    assert chat.say("!aktör", person="anna", organisation="Polisen", channel="lc").ok
    members = chat.say("!forum medlemmar", channel="lc").text
    assert "(8 medlemmar)" in members
    assert "Polisen Region Stockholm: anna (ordinarie)" in members
    assert "Nacka" not in members

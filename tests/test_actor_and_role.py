"""``!aktör`` and ``!roll``: who represents which organisation, and who may do what."""

from __future__ import annotations

from sqlmodel import Session, select

from storage import Database
from storage.models import Organisation, Person, RoleGrant
from tests.support.chat import Chat


def _person(database: Database, user_id: str) -> Person | None:
    with Session(database.engine) as session:
        return session.exec(select(Person).where(Person.user_id == user_id)).first()


def _organisation_of(database: Database, user_id: str) -> str | None:
    with Session(database.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == user_id)).first()
        if person is None or person.organisation_id is None:
            return None
        org = session.get(Organisation, person.organisation_id)
        return org.name if org else None


def test_register_by_alias_and_typo(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!aktör polisen", person="anna")
    assert "registrerad som företrädare för Polisen Region Stockholm" in said.text
    assert _organisation_of(database, "anna") == "Polisen Region Stockholm"
    said = forum_chat.say("!aktör Trafikverkt", person="bo")
    assert "Trafikverket" in said.text
    said = forum_chat.say("!actor sos", person="cia")
    assert "SOS Alarm" in said.text


def test_show_own_organisation(forum_chat: Chat) -> None:
    assert "inte sagt vilken organisation" in forum_chat.say("!aktör", person="anna").text
    forum_chat.say("!aktör Nacka", person="anna")
    assert "Du företräder Nacka kommun." in forum_chat.say("!aktör", person="anna").text


def test_ambiguous_organisation_asks_did_you_mean(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!aktör Stockholm", person="anna")
    assert not said.ok
    assert "kan betyda flera" in said.text
    assert _person(database, "anna") is None  # nothing stored, not even the person


def test_unknown_organisation_hints_at_an_example(forum_chat: Chat) -> None:
    said = forum_chat.say("!aktör Påhittade verket för test", person="anna")
    assert not said.ok
    assert "Jag känner inte till någon organisation" in said.text
    assert "!aktör Polisen Region Stockholm" in said.text


def test_new_organisation_joins_the_forum(forum_chat: Chat) -> None:
    said = forum_chat.say("!aktör ny Norrvatten övrig")
    assert "Organisationen Norrvatten (övrig) är tillagd" in said.text
    assert "Norrvatten deltar nu i Regional samverkanskonferens" in said.text
    assert "Norrvatten" in forum_chat.say("!aktör norrvatten", person="vera").text
    listed = forum_chat.say("!aktörer")
    assert "Norrvatten: vera" in listed.text


def test_new_organisation_refuses_duplicates_and_bad_categories(forum_chat: Chat) -> None:
    assert "finns redan" in forum_chat.say("!aktör ny Trafikverket trafik").text
    said = forum_chat.say("!aktör ny Norrvatten vatten")
    assert not said.ok
    assert "kommun, blåljus, trafik och övrig" in said.text


def test_only_coordinators_add_organisations(forum_chat: Chat) -> None:
    forum_chat.say("!aktör Polisen", person="anna")
    said = forum_chat.say("!aktör ny Norrvatten övrig", person="anna")
    assert not said.ok
    assert "får bara regionens koordinatorer använda; din roll här: aktör" in said.text


def test_actor_list_groups_by_category(forum_chat: Chat) -> None:
    forum_chat.say("!aktör Polisen", person="anna")
    said = forum_chat.say("!aktörer")
    assert "Medlemmar i Regional samverkanskonferens (37 medlemmar)" in said.text
    assert "Blåljus:" in said.text
    assert "Polisen Region Stockholm: anna (ordinarie)" in said.text
    assert "Trafikverket: ingen registrerad företrädare" in said.text


def test_coordinator_grants_roles(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!roll @bo koordinator")
    assert "bo har nu rollen koordinator i Regional samverkanskonferens" in said.text
    # bo can now do coordinator things without being a platform moderator.
    assert forum_chat.say("!aktivera Övning", person="bo").ok
    with Session(database.engine) as session:
        grant = session.exec(select(RoleGrant)).one()
    assert grant.role == "coordinator"


def test_role_words_in_english_and_unchanged(forum_chat: Chat) -> None:
    forum_chat.say("!role @bo observer")
    assert "har redan rollen observatör" in forum_chat.say("!roll @bo observatör").text


def test_observer_cannot_change_anything_even_with_an_organisation(forum_chat: Chat) -> None:
    forum_chat.say("!aktör Polisen", person="olle")
    forum_chat.say("!roll @olle observatör")
    forum_chat.say("!aktivera Storm")
    said = forum_chat.say("!kvittera", person="olle")
    assert not said.ok
    assert "kräver rollen aktör; din roll här: observatör" in said.text
    assert forum_chat.say("!status", person="olle").ok


def test_no_role_may_read_but_not_change(forum_chat: Chat) -> None:
    for text in ("!hjälp", "!forum", "!status", "!forum lista"):
        assert forum_chat.say(text, person="eve").ok, text
    for text in (
        "!aktivera Storm",
        "!avaktivera",
        "!roll @bo aktör",
        "!forum koppla 1",
        "!forum skapa X samordnande",
    ):
        said = forum_chat.say(text, person="eve")
        assert not said.ok, text
        assert "koordinator" in said.text, text
        assert "Inget har ändrats" in said.text, text
    # What an actor does is done for an organisation: she is told how to name hers.
    for text in ("!begär aktivering Storm", "!kvittera", "!läge Lugnt"):
        said = forum_chat.say(text, person="eve")
        assert not said.ok, text
        assert "Du har inte sagt vilken organisation du företräder" in said.text, text
        assert "!aktör <organisation>" in said.text, text


def test_role_needs_a_forum_and_a_known_role(chat: Chat) -> None:
    said = chat.say("!roll @bo koordinator")
    assert "inte kopplad till något forum" in said.text
    chat.say("!forum koppla 4")
    said = chat.say("!roll @bo chef")
    assert "”chef” är ingen roll" in said.text
    assert "koordinator, aktör, observatör och ingen" in said.text


def test_unknown_person_without_mention(forum_chat: Chat) -> None:
    said = forum_chat.say("!roll nobody aktör")
    assert not said.ok
    assert "Jag känner inte till någon ”nobody”" in said.text


def test_a_coordinator_cannot_demote_themselves(forum_chat: Chat) -> None:
    forum_chat.say("!roll @bo koordinator")
    said = forum_chat.say("!roll @bo aktör", person="bo")
    assert not said.ok
    assert "inte ta ifrån dig själv" in said.text


def test_bot_admins_are_coordinators_everywhere(database: Database, clock) -> None:  # type: ignore[no-untyped-def]
    from commands.core.config import CoreConfig

    chat = Chat(database, clock, CoreConfig(bot_admins=frozenset({"@anna:example.org"})))
    said = chat.say("!forum koppla 4", person="@anna:example.org", moderator=False)
    assert said.ok, said.text
    assert not chat.say("!forum koppla 4", person="@bo:example.org", moderator=False).ok


def test_no_role_is_said_as_such_and_leaves_only_reading(forum_chat: Chat) -> None:
    forum_chat.say("!aktör Polisen", person="olle")
    said = forum_chat.say("!roll @olle ingen")
    assert "olle har nu ingen roll i Regional samverkanskonferens" in said.text
    assert "rollen ingen roll" not in said.text
    forum_chat.say("!aktivera Storm")
    assert not forum_chat.say("!kvittera", person="olle").ok
    assert forum_chat.say("!status", person="olle").ok

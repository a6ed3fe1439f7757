"""Organisations by their official names, found by the names people write (issue 15), and the
two refusals that keep one organisation from becoming two: an unknown name after
``!läge för`` and a near-duplicate ``!aktör ny``."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select

from storage import Database
from storage.models import AuditEvent, Organisation, Person, SituationReport
from tests.support.chat import Chat


def _organisation_of(database: Database, user_id: str) -> str | None:
    with Session(database.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == user_id)).first()
        if person is None or person.organisation_id is None:
            return None
        org = session.get(Organisation, person.organisation_id)
        return org.name if org else None


def _counts(database: Database) -> tuple[int, int, int]:
    """Organisations, situation reports and audit events: what a refusal must not change."""
    with Session(database.engine) as session:
        return (
            session.exec(select(func.count()).select_from(Organisation)).one(),
            session.exec(select(func.count()).select_from(SituationReport)).one(),
            session.exec(select(func.count(col(AuditEvent.id)))).one(),
        )


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("Solna stad", "Solna stad"),
        ("Solna", "Solna stad"),
        ("Solna kommun", "Solna stad"),  # the name this bot used before
        ("Danderyd", "Danderyds kommun"),
        ("Danderyd kommun", "Danderyds kommun"),
        ("Danderyds kommun", "Danderyds kommun"),
        ("Österåker", "Österåkers kommun"),
        ("Sundbyberg kommun", "Sundbybergs stad"),
        ("Vaxholm", "Vaxholms stad"),
        ("Lidingö", "Lidingö stad"),
        ("Nykvarn kommun", "Nykvarns kommun"),
        ("Stockholms stad", "Stockholms stad"),
    ],
)
def test_a_municipality_is_found_by_its_official_short_and_former_names(
    forum_chat: Chat, database: Database, written: str, official: str
) -> None:
    said = forum_chat.say(f"!aktör {written}", person="anna")
    assert said.ok, said.text
    assert f"registrerad som företrädare för {official}." in said.text
    assert _organisation_of(database, "anna") == official


# -- !aktör ny: a second name for an existing organisation is refused ---------------------------


def test_an_official_name_or_a_former_one_exists_already(
    forum_chat: Chat, database: Database
) -> None:
    before = _counts(database)
    said = forum_chat.say("!aktör ny Nykvarns kommun kommun")
    assert not said.ok
    assert said.text.startswith("Organisationen Nykvarns kommun finns redan.")
    said = forum_chat.say("!aktör ny Nykvarn kommun kommun")
    assert said.text.startswith("Organisationen Nykvarns kommun finns redan.")
    assert _counts(database) == before


def test_a_name_close_to_an_existing_one_is_refused_until_confirmed(
    forum_chat: Chat, database: Database
) -> None:
    before = _counts(database)
    said = forum_chat.say("!aktör ny Nykvarns kommunn kommun")
    assert not said.ok
    assert said.text == (
        "”Nykvarns kommunn” liknar Nykvarns kommun, som redan finns. Menade du den?"
        " Inget har lagts till.\n"
        "Är det en annan organisation skriver du kommandot igen med ”ändå” sist:"
        " !aktör ny Nykvarns kommunn kommun ändå"
    )
    said = forum_chat.say("!aktör ny Region Stockholms län övrig")
    assert not said.ok
    assert "liknar Region Stockholm, som redan finns" in said.text
    assert _counts(database) == before

    confirmed = forum_chat.say("!aktör ny Region Stockholms län övrig ändå")
    assert confirmed.ok, confirmed.text
    assert "Organisationen Region Stockholms län (övrig) är tillagd." in confirmed.text
    assert _counts(database)[0] == before[0] + 1


def test_the_confirm_word_in_english(forum_chat: Chat) -> None:
    assert not forum_chat.say("!actor new Trafikverket Nord transport").ok
    said = forum_chat.say("!actor new Trafikverket Nord transport anyway")
    assert said.ok, said.text
    assert "Trafikverket Nord (trafik)" in said.text


def test_a_name_far_from_every_other_needs_no_confirmation(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör ny Norrvatten övrig").ok
    # "ändå" as a name's only word is no confirmation: it is the category, and not one.
    said = forum_chat.say("!aktör ny Norrvatten2 ändå")
    assert not said.ok
    assert "”ändå” är ingen aktörskategori." in said.text


# -- !läge för <unknown>: refused, not saved as the speaker's own ---------------------------------


def test_an_unknown_organisation_after_for_is_refused_with_the_closest(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    before = _counts(database)
    for person in ("operator", "anna"):  # a coordinator, and an actor
        said = forum_chat.say("!läge för Marsbasen Läge: allt lugnt", person=person)
        assert not said.ok, said.text
        assert said.text.startswith(
            "Jag känner inte till någon organisation ”Marsbasen”. Närmast: "
        )
        assert "Inget har sparats." in said.text
        assert "!läge för Trafikverket" in said.text  # the hint's example
    said = forum_chat.say("!läge för Solnaa stad Läge: lugnt")
    assert not said.ok
    assert "liknar Solna stad" in said.text  # a typo of a known name
    said = forum_chat.say('!läge för "Marsbasen AB" Läge: lugnt')
    assert not said.ok
    assert "”Marsbasen AB”" in said.text
    assert _counts(database) == before


def test_running_text_after_for_is_still_an_ordinary_report(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!läge för närvarande lugnt", person="anna")
    assert said.ok, said.text
    assert "Lägesrapport från Polisen Region Stockholm sparad" in said.text
    said = forum_chat.say("!läge för Solna Läge: lugnt")  # a short form, by a coordinator
    assert said.ok, said.text
    assert "Lägesrapport från Solna stad sparad" in said.text

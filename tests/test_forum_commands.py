"""``!forum``: which forum a channel serves, listing, binding, creating, language."""

from __future__ import annotations

from sqlmodel import Session, select

from storage import Database
from storage.models import AuditEvent, ChannelBinding, Forum
from tests.support.chat import Chat


def test_an_unbound_channel_says_how_to_bind_one(chat: Chat) -> None:
    said = chat.say("!forum")
    assert said.ok
    assert "inte kopplad till något forum" in said.text
    assert "!forum koppla" in said.text


def test_forum_shows_level_mode_host_and_next_thursday_meeting(forum_chat: Chat) -> None:
    said = forum_chat.say("!forum")
    assert "Regional samverkanskonferens" in said.text
    assert "Nivå: regionalt samordnande" in said.text
    assert "Läge: ordinarie läge sedan" in said.text
    assert "Värd: Länsstyrelsen Stockholm" in said.text
    assert "Nästa möte: torsdag 2026-11-26 16:00" in said.text


def test_next_meeting_moves_to_next_week_after_the_conference(forum_chat: Chat) -> None:
    forum_chat.advance(hours=1, minutes=30)  # 16:30
    assert "Nästa möte: torsdag 2026-12-03 16:00" in forum_chat.say("!forum").text


def test_forum_without_schedule_says_so(chat: Chat) -> None:
    chat.say("!forum koppla Regionalt samordnande forum")
    said = chat.say("!forum")
    assert "Nästa möte: inget schemalagt möte" in said.text
    assert "Värd: Länsstyrelsen Stockholm" in said.text


def test_forum_list_numbers_every_forum_and_marks_this_channel(forum_chat: Chat) -> None:
    said = forum_chat.say("!forum lista")
    assert "1. Regional chefsgrupp – regionalt inriktande, ordinarie läge" in said.text
    assert "7. Verkställande forum – Ledningscentraler – verkställande" in said.text
    assert (
        "Regional samverkanskonferens – regionalt samordnande, ordinarie läge (den här kanalen)"
        in (said.text)
    )


def test_bind_by_number_fuzzy_name_and_english_alias(chat: Chat) -> None:
    assert "kopplad till Regional samordningsgrupp" in chat.say("!forum koppla 3").text
    said = chat.say("!forum koppla samverkans konferensen", channel="c2")
    assert "kopplad till Regional samverkanskonferens" in said.text
    said = chat.say("!forum bind chefsgrupp", channel="c3")
    assert "kopplad till Regional chefsgrupp" in said.text


def test_rebinding_moves_the_channel_and_says_where_it_was(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!forum koppla samordningsgrupp")
    assert "kopplad till Regional samordningsgrupp" in said.text
    assert "tidigare kopplad till Regional samverkanskonferens" in said.text
    with Session(database.engine) as session:
        bindings = session.exec(select(ChannelBinding)).all()
    assert len(bindings) == 1


def test_binding_the_same_forum_again_changes_nothing(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!forum koppla samverkanskonferens")
    assert "redan kopplad" in said.text
    with Session(database.engine) as session:
        binds = session.exec(select(AuditEvent).where(AuditEvent.action == "forum.bind")).all()
    assert len(binds) == 1


def test_unknown_forum_is_refused_with_a_hint(chat: Chat, database: Database) -> None:
    said = chat.say("!forum koppla Påhittat forum för fiske")
    assert not said.ok
    assert "Jag känner inte till något forum ”Påhittat forum för fiske”" in said.text
    assert "!forum lista" in said.text
    with Session(database.engine) as session:
        assert session.exec(select(ChannelBinding)).all() == []


def test_ambiguous_forum_lists_candidates(chat: Chat) -> None:
    said = chat.say("!forum koppla regional")
    assert not said.ok
    assert "kan betyda flera" in said.text
    assert "Regional chefsgrupp" in said.text


def test_a_forum_number_out_of_range_is_refused(chat: Chat) -> None:
    said = chat.say("!forum koppla 99")
    assert not said.ok
    assert "”99”" in said.text


def test_only_coordinators_bind(chat: Chat, database: Database) -> None:
    said = chat.say("!forum koppla samverkanskonferens", person="eve")
    assert not said.ok
    assert "Bara en koordinator för Regional samverkanskonferens kan göra det" in said.text
    with Session(database.engine) as session:
        assert session.exec(select(ChannelBinding)).all() == []


def test_a_forum_may_serve_several_channels(forum_chat: Chat) -> None:
    forum_chat.say("!forum koppla samverkanskonferens", channel="ledning")
    assert "Kanaler: 2 (test:stab, test:ledning)" in forum_chat.say("!forum").text


def test_unbind(forum_chat: Chat) -> None:
    said = forum_chat.say("!forum lossa")
    assert "inte längre kopplad till Regional samverkanskonferens" in said.text
    assert "inte kopplad till något forum" in forum_chat.say("!forum").text


def test_create_a_thematic_group_then_bind_it(chat: Chat, database: Database) -> None:
    chat.say("@lisa/Länsstyrelsen: !aktör")
    said = chat.say("!forum skapa Tematisk grupp vatten samordnande")
    assert said.ok, said.text
    assert "Forumet Tematisk grupp vatten (regionalt samordnande) är skapat" in said.text
    assert "!forum koppla Tematisk grupp vatten" in said.text
    bound = chat.say("!forum koppla Tematisk grupp vatten")
    assert "kopplad till Tematisk grupp vatten" in bound.text
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.name == "Tematisk grupp vatten")).one()
    assert forum.slug == "tematisk-grupp-vatten"
    assert forum.schedule_rule is None


def test_create_accepts_quoted_names_and_english_levels(chat: Chat) -> None:
    said = chat.say('!forum create "Ledningscentral Syd" operational')
    assert "Forumet Ledningscentral Syd (verkställande) är skapat" in said.text


def test_create_refuses_duplicates_and_unknown_levels(chat: Chat, database: Database) -> None:
    with Session(database.engine) as session:
        before = len(session.exec(select(Forum)).all())
    duplicate = chat.say("!forum skapa Regional samverkanskonferens samordnande")
    assert not duplicate.ok
    assert "finns redan ett forum som heter Regional samverkanskonferens" in duplicate.text
    bad_level = chat.say("!forum skapa Ny grupp toppnivå")
    assert not bad_level.ok
    assert "”toppnivå” är ingen samverkansnivå" in bad_level.text
    assert "inriktande, samordnande och verkställande" in bad_level.text
    missing = chat.say("!forum skapa")
    assert "Det saknas <namn>" in missing.text
    assert "!forum skapa <namn> <nivå>" in missing.text
    with Session(database.engine) as session:
        assert len(session.exec(select(Forum)).all()) == before


def test_forum_language_switches_replies_to_english(forum_chat: Chat) -> None:
    said = forum_chat.say("!forum språk en")
    assert "Regional samverkanskonferens now uses English." in said.text
    shown = forum_chat.say("!forum")
    assert "Level: regional coordinating (samordnande)" in shown.text
    assert "Next meeting: Thursday 2026-11-26 16:00" in shown.text
    unknown = forum_chat.say("!flurp")
    assert "There is no command “flurp”" in unknown.text
    back = forum_chat.say("!forum language sv")
    assert "använder nu svenska" in back.text

"""Activation: the green button, call-out, acknowledgements, status and stand-down."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from bot.render.matrix import render_matrix
from bot.render.slack import render_slack
from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Mention
from storage import Database
from storage.models import Acknowledgement, Activation, AuditEvent, Forum, Mode
from tests.support.chat import Chat


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        said = chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text


def _forum(database: Database) -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.slug == "samverkanskonferens")).one()


def _mentions(said_document_blocks: object) -> set[str]:
    found = set()
    for block in getattr(said_document_blocks, "blocks", []):
        rows = getattr(block, "items", None) or [getattr(block, "parts", ())]
        for row in rows:
            for part in row:
                if isinstance(part, Mention):
                    found.add(part.user_id)
    return found


def test_activation_calls_out_every_registered_representative(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS Alarm", cia="Polisen", dan="Nacka")
    said = forum_chat.say("!aktivera Storm Dagmar, elavbrott i norra länet")
    assert said.ok, said.text
    assert "INKALLNING – Regional samverkanskonferens är aktiverad" in said.text
    assert "Anledning: Storm Dagmar, elavbrott i norra länet" in said.text
    assert "Aktiverades av operator 2026-11-26 15:00" in said.text
    # The forum's members are called: all 37 organisations of the conference.
    assert "Inkallade (37 organisationer)" in said.text
    assert "Polisen Region Stockholm: @anna @cia" in said.text or (
        "Polisen Region Stockholm: @cia @anna" in said.text
    )
    assert "SOS Alarm: @bo" in said.text
    assert "!kvittera" in said.text
    assert (
        "34 inkallade organisationer har ingen registrerad företrädare i forumet och behöver "
        "kallas på annat sätt: Botkyrka kommun; Brandkåren Attunda;" in said.text
    )
    assert "Försvarsmakten, Militärregion Mitt; Haninge kommun" in said.text
    assert said.reply is not None
    assert _mentions(said.reply.document) == {"anna", "bo", "cia", "dan"}
    assert _forum(database).mode == Mode.ACTIVATED
    assert "aktiverat läge" in forum_chat.say("!forum").text


def test_the_call_out_says_how_to_acknowledge_once(forum_chat: Chat) -> None:
    """Seen in a real client: the paragraph and the button's text fallback both said it."""
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!aktivera Storm")
    assert said.reply is not None
    document = said.reply.document
    matrix = render_matrix(document)
    for text in (render_text(document), matrix["body"], matrix["formatted_body"]):
        assert text.count("!kvittera") == 1, text
        assert "Kvittera med !kvittera." in text
        assert text.count("En kvittens per organisation räcker.") == 1
    # Slack has the button instead, and the note once.
    message = render_slack(document)
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert shown.count("En kvittens per organisation räcker.") == 1
    assert "!kvittera" not in shown
    assert any(block["type"] == "actions" for block in message.blocks)


def test_a_call_out_of_one_organisation_is_said_in_the_singular(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!aktivera Storm kalla: Polisen")
    assert "Inkallad (1 organisation):" in said.text
    assert "ingen registrerad företrädare" not in said.text
    ack = forum_chat.say("!kvittera", person="anna")
    assert "1 av 1 inkallad organisation har kvitterat." in ack.text
    forum_chat.say("!forum språk en")
    forum_chat.say("!avaktivera")
    english = forum_chat.say("!aktivera Storm call: Polisen, SOS")
    assert "Called in (2 organisations):" in english.text
    assert (
        "1 called-in organisation has no registered representative in the forum and must be "
        "called some other way: SOS Alarm." in english.text
    )


def test_the_call_out_reaches_every_channel_of_the_forum(forum_chat: Chat) -> None:
    forum_chat.say("!forum koppla samverkanskonferens", channel="ledning")
    forum_chat.say("!forum koppla samordningsgrupp", channel="annat")
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!aktivera Storm")
    assert {(p.platform, p.channel_id) for p in said.posts} == {("test", "ledning")}
    assert "INKALLNING" in said.post_text("ledning")
    assert "@anna" in said.post_text("ledning")


def test_one_acknowledgement_per_organisation_is_enough(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", cia="Polisen", bo="SOS")
    forum_chat.say("!aktivera Storm kalla: Polisen, SOS")
    forum_chat.advance(minutes=4)
    said = forum_chat.say("!kvittera", person="anna")
    assert said.ok
    assert (
        "Kvittens från Polisen Region Stockholm (anna) 15:04, 4 min efter aktiveringen" in said.text
    )
    assert "1 av 2 inkallade organisationer har kvitterat" in said.text
    forum_chat.advance(minutes=1)
    again = forum_chat.say("!ack", person="cia")
    assert again.ok
    assert "Polisen Region Stockholm har redan kvitterat (anna 15:04)" in again.text
    forum_chat.advance(minutes=2)
    last = forum_chat.say("!kvittera", person="bo")
    assert "2 av 2" in last.text
    assert "Alla inkallade har kvitterat, efter 7 min" in last.text
    with Session(database.engine) as session:
        assert len(session.exec(select(Acknowledgement)).all()) == 2


def test_status_shows_who_has_and_has_not_acknowledged(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS", dan="Trafikverket")
    forum_chat.say("!aktivera Storm Dagmar kalla: Polisen, SOS, Trafikverket")
    forum_chat.advance(minutes=3)
    forum_chat.say("!kvittera", person="bo")
    forum_chat.advance(minutes=9)
    said = forum_chat.say("!status", person="eve")  # anyone may read
    assert said.ok
    assert "Läge: aktiverat läge" in said.text
    assert "Anledning: Storm Dagmar" in said.text
    assert "Aktiverades av: operator" in said.text
    assert "Sedan: 2026-11-26 15:00 (12 min)" in said.text
    assert "Har kvitterat (1)" in said.text
    assert "SOS Alarm – bo 15:03 (+3 min)" in said.text
    assert "Har inte kvitterat (2)" in said.text
    assert "Polisen Region Stockholm" in said.text
    assert "Trafikverket" in said.text
    assert "Första kvittensen: SOS Alarm 2026-11-26 15:03, 3 min efter aktiveringen." in said.text
    assert "1 av 3 inkallade har kvitterat efter 12 min" in said.text
    assert "Inget möte har startats i aktiveringen ännu." in said.text


def test_status_reports_time_to_convene_once_everyone_has_acknowledged(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS")
    forum_chat.say("!aktivera Storm kalla: Polisen, SOS")
    forum_chat.advance(minutes=2)
    forum_chat.say("!kvittera", person="anna")
    forum_chat.advance(minutes=6)
    forum_chat.say("!kvittera", person="bo")
    forum_chat.advance(minutes=30)
    said = forum_chat.say("!status")
    assert "Alla inkallade hade kvitterat 2026-11-26 15:08, 8 min efter aktiveringen." in said.text
    assert "inkallade har kvitterat efter" not in said.text


def test_stand_down_summarises_and_returns_to_ordinary(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.say("!forum koppla samverkanskonferens", channel="ledning")
    _register(forum_chat, anna="Polisen", bo="SOS")
    forum_chat.say("!aktivera Storm Dagmar kalla: Polisen, SOS")
    forum_chat.advance(minutes=5)
    forum_chat.say("!kvittera", person="anna")
    forum_chat.advance(hours=2, minutes=10)
    said = forum_chat.say("!avaktivera Elen åter i hela länet")
    assert said.ok, said.text
    assert "Regional samverkanskonferens är avaktiverad" in said.text
    assert "Varaktighet: 2026-11-26 15:00 – 2026-11-26 17:15 (2 h 15 min)" in said.text
    assert "Kvittenser: 1 av 2 inkallade" in said.text
    assert "Sammanfattning: Elen åter i hela länet" in said.text
    assert "tillbaka i ordinarie läge" in said.text
    assert "avaktiverad" in said.post_text("ledning")
    assert _forum(database).mode == Mode.ORDINARY
    status = forum_chat.say("!status")
    assert "Ordinarie läge sedan 2026-11-26 17:15" in status.text
    assert "Senaste aktiveringen: Storm Dagmar (2026-11-26 15:00 – 2026-11-26 17:15)" in status.text
    with Session(database.engine) as session:
        activation = session.exec(select(Activation)).one()
    assert activation.summary == "Elen åter i hela länet"


def test_stand_down_without_summary_and_english_alias(forum_chat: Chat) -> None:
    forum_chat.say("!aktivera Övning")
    said = forum_chat.say("!stand down")
    assert said.ok, said.text
    assert "Sammanfattning" not in said.text


def test_activate_twice_is_refused(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!aktivera Storm")
    forum_chat.advance(minutes=1)
    said = forum_chat.say("!aktivera Storm igen")
    assert not said.ok
    assert "redan aktiverad sedan 2026-11-26 15:00" in said.text
    with Session(database.engine) as session:
        assert len(session.exec(select(Activation)).all()) == 1


def test_ack_and_stand_down_without_activation_are_refused(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!kvittera", person="anna")
    assert not said.ok
    assert "inte aktiverad just nu" in said.text
    said = forum_chat.say("!avaktivera")
    assert not said.ok
    assert "inte aktiverad just nu" in said.text


def test_ack_without_organisation_says_how_to_set_one(forum_chat: Chat) -> None:
    forum_chat.say("!roll @kim aktör")
    forum_chat.say("!aktivera Storm")
    said = forum_chat.say("!kvittera", person="kim")
    assert not said.ok
    assert "inte sagt vilken organisation du företräder" in said.text
    assert "!aktör <organisation>" in said.text


def test_late_registrant_can_acknowledge_and_counts(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Storm kalla: Polisen")
    said = forum_chat.say("!kvittera", person="sara", organisation="Region Stockholm")
    assert said.ok, said.text
    assert "Region Stockholm var inte inkallad men är nu med" in said.text
    assert "1 av 2 inkallade" in said.text


def test_activation_needs_a_reason_and_a_forum(chat: Chat) -> None:
    said = chat.say("!aktivera")
    assert not said.ok
    # The missing forum is the first thing to fix; the reason comes after.
    assert "inte kopplad till något forum" in said.text
    chat.say("!forum koppla 4")
    said = chat.say("!aktivera")
    assert "Det saknas <anledning>" in said.text
    assert "!aktivera Storm Dagmar" in said.text


def test_request_activation_mentions_coordinators_everywhere(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.say("!forum koppla samverkanskonferens", channel="ledning")
    forum_chat.say("!roll @rsk koordinator")
    forum_chat.say("!aktör Länsstyrelsen", person="rsk")
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!begär aktivering Stormvarning klass 2", person="anna")
    assert said.ok, said.text
    assert "Begäran om aktivering av Regional samverkanskonferens" in said.text
    assert "Begärd av anna (Polisen Region Stockholm) 2026-11-26 15:00" in said.text
    assert "Anledning: Stormvarning klass 2" in said.text
    assert "Koordinatorer: @rsk" in said.text
    assert "Koordinatorer: @rsk" in said.post_text("ledning")
    with Session(database.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "activation.request")
        ).all()
    assert len(events) == 1
    assert events[0].details["organisation"] == "Polisen Region Stockholm"


def test_request_when_no_coordinators_are_known_says_whom_to_call(
    database: Database, clock: FixedClock
) -> None:
    # Bound by a room moderator under the opt-in rule: no coordinator the bot knows by name.
    chat = Chat(database, clock, CoreConfig(platform_moderators_are_coordinators=True))
    assert chat.say("!forum koppla samverkanskonferens", person="mod", moderator=True).ok
    _register(chat, anna="Polisen")
    said = chat.say("!request activation Storm", person="anna")
    assert "forumet har inga koordinatorer: ring Länsstyrelsens tjänsteman i beredskap" in said.text


def test_request_while_activated_is_refused(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Storm")
    said = forum_chat.say("!begär aktivering Storm", person="anna")
    assert not said.ok
    assert "redan aktiverad" in said.text


def test_every_state_change_is_audited(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Storm")
    forum_chat.say("!kvittera", person="anna")
    forum_chat.say("!avaktivera")
    with Session(database.engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    actions = [e.action for e in events]
    assert actions == [
        "forum.bind",
        "person.organisation",
        "forum.representative",
        "forum.mode",
        "activation.start",
        "activation.ack",
        "activation.stand_down",
        "forum.mode",
    ]
    ack = events[5]
    assert ack.actor == "anna (test:anna)"
    assert ack.platform == "test"
    assert ack.channel_id == "stab"
    assert ack.forum_id == _forum(database).id
    assert ack.at.isoformat() == "2026-11-26T14:00:00+00:00"


def test_long_reason_is_refused(forum_chat: Chat) -> None:
    said = forum_chat.say("!aktivera " + "storm " * 300)
    assert not said.ok
    assert "Texten är för lång" in said.text

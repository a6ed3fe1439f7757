"""Situation reports (``!läge``), the joint picture (``!lägesbild``) and who is missing
(``!saknas``), through the dispatcher as people use them."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from bot.render.matrix import render_matrix_messages
from bot.render.slack import render_slack_messages
from commands.core.document import BulletList, Document, Fields, Heading, Mention, Paragraph
from storage import Database
from storage.models import (
    FormDialog,
    Organisation,
    Person,
    PublishedPicture,
    ReportRound,
    RoundKind,
    SituationReport,
)
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat, Said

V48 = datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM)
V49 = datetime(2026, 12, 3, 16, 0, tzinfo=STOCKHOLM)


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        said = chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text


def _at(chat: Chat, day: int, hour: int, minute: int = 0, month: int = 11) -> None:
    chat.clock.set(datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM))


def _reports(database: Database) -> list[SituationReport]:
    with Session(database.engine) as session:
        return list(session.exec(select(SituationReport).order_by(col(SituationReport.id))))


def _round_of(database: Database, report: SituationReport) -> ReportRound:
    with Session(database.engine) as session:
        found = session.get(ReportRound, report.round_id)
        assert found is not None
        return found


def _organisation(database: Database, organisation_id: int) -> str:
    with Session(database.engine) as session:
        found = session.get(Organisation, organisation_id)
        assert found is not None
        return found.name


def _document(said: Said) -> Document:
    assert said.reply is not None
    return said.reply.document


def _mentions(document: Document) -> set[str]:
    found = set()
    for block in document.blocks:
        rows: tuple[tuple[object, ...], ...] = ()
        if isinstance(block, BulletList):
            rows = block.items
        elif isinstance(block, Paragraph):
            rows = (block.parts,)
        elif isinstance(block, Fields):
            rows = tuple(value for _, value in block.rows)
        for row in rows:
            found.update(part.user_id for part in row if isinstance(part, Mention))
    return found


def _sections(document: Document) -> list[str]:
    return [
        block.text for block in document.blocks if isinstance(block, Heading) and block.level == 2
    ]


def _line(text: str, start: str) -> str:
    """The line of ``text`` that starts with ``start``."""
    found = [line for line in text.splitlines() if line.startswith(start)]
    assert found, f"no line starts with {start!r} in:\n{text}"
    return found[0]


# -- reporting -----------------------------------------------------------------------------


def test_a_report_is_recorded_and_shown_in_the_picture(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say(
        "!läge Lugnt i city.\nKonsekvenser: inga\nBehov: extra patruller vid Slussen\n"
        "Prognos: oförändrat över helgen",
        person="anna",
    )
    assert said.ok, said.text
    assert (
        "Lägesrapport från Polisen Region Stockholm sparad i runda 1 "
        "(möte 2026-11-26 16:00, v. 48)." in said.text
    )
    assert "Läge: Lugnt i city." in said.text
    assert "Behov av samverkan / stöd: extra patruller vid Slussen" in said.text
    [report] = _reports(database)
    assert report.situation == "Lugnt i city."
    assert report.impact == "inga"
    assert report.needs == "extra patruller vid Slussen"
    assert report.outlook == "oförändrat över helgen"
    assert report.text.startswith("Lugnt i city.\nKonsekvenser: inga")
    assert not report.late
    assert not report.on_behalf
    picture = forum_chat.say("!lägesbild", person="anna")
    assert picture.ok, picture.text
    assert "rapporterad 2026-11-26 15:00 av anna" in picture.text
    assert "Prognos: oförändrat över helgen" in picture.text


def test_the_sitrep_alias_and_english_labels(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, tom="Trafikverket")
    said = forum_chat.say("!sitrep Situation: E4 closed\nImpact: queues\nNeeds: none", person="tom")
    assert said.ok, said.text
    [report] = _reports(database)
    assert (report.situation, report.impact, report.needs) == ("E4 closed", "queues", "none")


def test_an_unknown_label_is_kept_and_the_reply_says_so(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!läge Väder: blåsigt\nBehov: inga", person="anna")
    assert said.ok, said.text
    assert "Rubriken Väder känner jag inte igen; texten ligger kvar som den skrevs." in said.text
    [report] = _reports(database)
    assert report.situation == "Väder: blåsigt"
    assert report.needs == "inga"


def test_a_new_report_supersedes_the_earlier_and_both_are_kept(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, tom="Trafikverket")
    forum_chat.say("!läge Läge: E4 stängd vid Rotebro\nBehov: bärgning", person="tom")
    forum_chat.advance(minutes=12)
    said = forum_chat.say("!läge Läge: E4 öppen igen\nBehov: inga", person="tom")
    assert said.ok, said.text
    assert "Ersätter rapporten från kl. 15:00 (den finns kvar)." in said.text
    first, second = _reports(database)
    assert first.situation == "E4 stängd vid Rotebro"
    assert second.situation == "E4 öppen igen"
    assert first.round_id == second.round_id
    picture = forum_chat.say("!lägesbild")
    assert "rapporterad 2026-11-26 15:12 av tom · ersätter 1 tidigare" in picture.text
    assert "E4 öppen igen" in picture.text
    assert "E4 stängd" not in picture.text
    assert "bärgning" not in picture.text


# -- rounds --------------------------------------------------------------------------------


def test_reports_go_to_the_round_of_the_thursday_meeting_until_it_ends(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    before = forum_chat.say("!läge Läge: före mötet", person="anna")  # 15:00
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in before.text
    _at(forum_chat, 26, 16, 30)
    during = forum_chat.say("!läge Läge: under mötet", person="anna")
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in during.text
    assert "Ersätter rapporten från kl. 15:00" in during.text
    _at(forum_chat, 26, 17, 30)
    after = forum_chat.say("!läge Läge: efter mötet", person="anna")
    assert "runda 2 (möte 2026-12-03 16:00, v. 49)" in after.text
    assert "Ersätter" not in after.text
    assert "markerad som sen" not in after.text
    rounds = [_round_of(database, report) for report in _reports(database)]
    assert [r.number for r in rounds] == [1, 1, 2]
    assert rounds[0].meeting_at == V48
    assert rounds[2].meeting_at == V49
    assert all(r.kind is RoundKind.MEETING for r in rounds)
    assert not any(report.late for report in _reports(database))


def test_the_meeting_round_closes_an_hour_after_the_start(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    _at(forum_chat, 26, 16, 59)
    assert "v. 48" in forum_chat.say("!läge Läge: i sista stund", person="anna").text
    _at(forum_chat, 26, 17, 0)
    assert "v. 49" in forum_chat.say("!läge Läge: för sent för v. 48", person="anna").text


def test_an_activation_opens_its_own_round_and_stand_down_closes_it(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Storm Dagmar")
    forum_chat.advance(minutes=10)
    during = forum_chat.say("!läge Läge: träd över vägarna", person="anna")
    assert during.ok, during.text
    assert "runda 1 (aktivering 2026-11-26 15:00)" in during.text
    picture = forum_chat.say("!lägesbild")
    assert "Läge: aktiverat läge" in picture.text
    forum_chat.advance(minutes=20)
    down = forum_chat.say("!avaktivera Vinden har mojnat")
    assert "1 av 37 organisationer rapporterade (runda 1, nu stängd)" in down.text
    forum_chat.advance(minutes=5)
    after = forum_chat.say("!läge Läge: röjning pågår", person="anna")
    assert "runda 2 (möte 2026-11-26 16:00, v. 48)" in after.text
    assert "markerad som sen" not in after.text
    storm, later = _reports(database)
    assert _round_of(database, storm).kind is RoundKind.ACTIVATION
    assert _round_of(database, storm).closed_at is not None
    assert _round_of(database, later).meeting_at == V48
    assert not storm.late
    assert not later.late
    old = forum_chat.say("!lägesbild 1")
    assert "Rundan stängd: 2026-11-26 15:30" in old.text
    assert "träd över vägarna" in old.text


def test_after_stand_down_of_an_activation_only_forum_a_report_is_late(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samordnande-forum").ok
    _register(chat, anna="Polisen", tom="Trafikverket")
    none_yet = chat.say("!läge Läge: lugnt", person="anna")
    assert not none_yet.ok
    assert "har ingen rapportrunda just nu" in none_yet.text
    chat.say("!aktivera Skyfall över Stockholm")
    on_time = chat.say("!läge Läge: källare översvämmade", person="anna")
    assert "runda 1 (aktivering 2026-11-26 15:00)" in on_time.text
    assert "markerad som sen" not in on_time.text
    chat.advance(hours=2)
    chat.say("!avaktivera")
    chat.advance(minutes=15)
    late = chat.say("!läge Läge: tunnlar stängda hela kvällen", person="tom")
    assert late.ok, late.text
    assert "runda 1 (aktivering 2026-11-26 15:00)" in late.text
    assert (
        "Rundan stängdes 2026-11-26 17:00: rapporten är sparad och markerad som sen." in late.text
    )
    assert [report.late for report in _reports(database)] == [False, True]
    picture = chat.say("!lägesbild")
    assert "rapporterad 2026-11-26 17:15 av tom · sen" in picture.text
    assert "rapporterad 2026-11-26 15:00 av anna\n" in picture.text


def test_a_late_report_goes_to_the_last_activation_even_if_nobody_reported_during_it(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samordnande-forum").ok
    _register(chat, anna="Polisen")
    chat.say("!aktivera Skyfall")
    chat.say("!läge Läge: källare översvämmade", person="anna")
    chat.advance(hours=1)
    chat.say("!avaktivera")
    chat.advance(hours=24)
    chat.say("!aktivera Storm")  # 2026-11-27 16:00: nobody reports during this one
    chat.advance(hours=2)
    down = chat.say("!avaktivera")
    assert "Lägesrapporter" not in down.text  # no round was opened: nothing to count
    chat.advance(minutes=10)
    late = chat.say("!läge Läge: träd över vägarna", person="anna")
    assert "runda 2 (aktivering 2026-11-27 16:00)" in late.text
    assert "Rundan stängdes 2026-11-27 18:00" in late.text
    assert [report.late for report in _reports(database)] == [False, True]


def test_a_form_opened_in_an_open_round_and_finished_after_it_closed_is_late(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    _at(forum_chat, 26, 16, 50)
    opened = forum_chat.say("!läge formulär", person="anna")
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in opened.text
    forum_chat.say("Lugnt", person="anna")
    _at(forum_chat, 26, 17, 10)
    for _ in range(5):
        forum_chat.say("-", person="anna")
    done = forum_chat.say("Oförändrat", person="anna")
    assert done.ok, done.text
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in done.text
    assert "Rundan stängdes 2026-11-26 17:00" in done.text
    [report] = _reports(database)
    assert report.late
    assert _round_of(database, report).meeting_at == V48
    assert (report.situation, report.outlook, report.needs) == ("Lugnt", "Oförändrat", None)
    assert report.source == "form"


# -- unchanged -----------------------------------------------------------------------------


def test_unchanged_copies_the_previous_rounds_report(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge Läge: normalt\nBehov: inga\nPrognos: lugnt", person="anna")
    _at(forum_chat, 26, 17, 30)
    said = forum_chat.say("!läge oförändrat", person="anna")
    assert said.ok, said.text
    assert "sparad i runda 2 (möte 2026-12-03 16:00, v. 49)" in said.text
    assert "Oförändrad sedan rapporten 2026-11-26 15:00." in said.text
    assert "Läge: normalt" in said.text
    original, copy = _reports(database)
    assert copy.source == "unchanged"
    assert copy.unchanged_from_id == original.id
    assert (copy.situation, copy.needs, copy.outlook) == ("normalt", "inga", "lugnt")
    assert copy.round_id != original.round_id
    picture = forum_chat.say("!lägesbild")
    assert "oförändrad sedan 2026-11-26 15:00" in picture.text
    # A week later, still unchanged since the report that was first copied.
    _at(forum_chat, 3, 17, 30, month=12)
    again = forum_chat.say("!sitrep unchanged", person="anna")
    assert "Oförändrad sedan rapporten 2026-11-26 15:00." in again.text
    assert _reports(database)[-1].unchanged_from_id == original.id


def test_unchanged_copies_only_a_report_to_this_forum(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!forum koppla samordnande-forum", channel="akut")
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!aktivera Skyfall", channel="akut")
    forum_chat.say("!läge Läge: källare översvämmade", person="anna", channel="akut")
    said = forum_chat.say("!läge oförändrat", person="anna")
    assert not said.ok
    assert "ingen tidigare rapport att upprepa" in said.text
    assert len(_reports(database)) == 1


def test_unchanged_with_nothing_to_copy_is_refused(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, bo="SOS")
    said = forum_chat.say("!läge oförändrat", person="bo")
    assert not said.ok
    assert "SOS Alarm har ingen tidigare rapport att upprepa. Inget har sparats." in said.text
    assert _reports(database) == []


def test_unchanged_after_reporting_in_this_round_is_refused(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge Läge: normalt", person="anna")
    forum_chat.advance(minutes=5)
    said = forum_chat.say("!läge oförändrat", person="anna")
    assert not said.ok
    assert "har redan rapporterat i den här rundan (kl. 15:00)" in said.text
    assert len(_reports(database)) == 1


def test_a_report_that_starts_with_oforandrat_is_a_report(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say(
        "!läge oförändrat läge sedan i går, men Behov: fler poliser", person="anna"
    )
    assert said.ok, said.text
    [report] = _reports(database)
    assert report.source == "command"
    assert report.text == "oförändrat läge sedan i går, men Behov: fler poliser"


# -- on behalf -----------------------------------------------------------------------------


def test_a_coordinator_reports_for_an_organisation_that_phoned_in(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say(
        "!läge för Trafikverket Läge: E4 avstängd vid Rotebro. Prognos: öppnar kl. 18"
    )
    assert said.ok, said.text
    assert "Lägesrapport från Trafikverket sparad" in said.text
    assert "Lämnad av operator för organisationens räkning." in said.text
    [report] = _reports(database)
    assert report.on_behalf
    assert _organisation(database, report.organisation_id) == "Trafikverket"
    assert (report.situation, report.outlook) == ("E4 avstängd vid Rotebro.", "öppnar kl. 18")
    with Session(database.engine) as session:
        person = session.get(Person, report.person_id)
    assert person is not None
    assert person.user_id == "operator"
    picture = forum_chat.say("!lägesbild")
    assert "rapporterad 2026-11-26 15:00 av operator · lämnad av koordinator" in picture.text


def test_an_actor_may_not_report_for_another_organisation(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!läge för Trafikverket Läge: E4 stängd", person="anna")
    assert not said.ok
    assert "Bara en koordinator kan rapportera för en annan organisation." in said.text
    assert _reports(database) == []


def test_for_the_moment_is_an_ordinary_report(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!läge för närvarande lugnt", person="anna")
    assert said.ok, said.text
    assert "Lägesrapport från Polisen Region Stockholm sparad" in said.text
    [report] = _reports(database)
    assert report.situation == "för närvarande lugnt"
    assert not report.on_behalf


def test_an_actor_naming_their_own_organisation_reports_as_usual(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!läge för Polisen Läge: lugnt", person="anna")
    assert said.ok, said.text
    assert "för organisationens räkning" not in said.text
    [report] = _reports(database)
    assert not report.on_behalf


def test_a_misspelt_organisation_gets_a_suggestion_and_nothing_is_saved(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!läge för Polsen Läge: lugnt")
    assert not said.ok
    assert "”Polsen”" in said.text
    assert "Polisen Region Stockholm" in said.text
    assert _reports(database) == []


# -- who may report, and bad input ---------------------------------------------------------


def test_without_an_organisation_you_are_told_how_to_set_one(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!läge Läge: lugnt", person="kim")
    assert not said.ok
    assert "Du har inte sagt vilken organisation du företräder" in said.text
    assert "!aktör <organisation>" in said.text
    # A coordinator without an organisation too.
    assert "!aktör <organisation>" in forum_chat.say("!läge Läge: lugnt").text
    assert _reports(database) == []


def test_the_organisation_hint_registers_and_reports(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!läge Läge: lugnt", person="sara", organisation="Region Stockholm")
    assert said.ok, said.text
    assert "Lägesrapport från Region Stockholm sparad" in said.text
    assert len(_reports(database)) == 1


def test_an_observer_may_not_report(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!roll @olle observatör")
    _register(forum_chat, olle="SOS")
    for message in (
        "!läge Läge: lugnt",
        "!läge för SOS Läge: lugnt",  # their own organisation, named
        "!läge för SOS oförändrat",
        "!läge för SOS formulär",
        "!läge formulär",
        "!läge oförändrat",
    ):
        said = forum_chat.say(message, person="olle")
        assert not said.ok, message
        assert "din roll här: observatör" in said.text, message
    assert _reports(database) == []
    with Session(database.engine) as session:
        assert session.exec(select(FormDialog)).all() == []


def test_an_empty_report_is_refused(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    for message in ("!läge", "!läge   ", "!sitrep"):
        said = forum_chat.say(message, person="anna")
        assert not said.ok, message
        assert "Rapporten är tom. Inget har sparats." in said.text
        assert "!läge formulär" in said.text
    assert _reports(database) == []


def test_a_20000_character_report_is_refused_with_the_limit(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    report = ("Lång rapport. " * 1500)[:20_000]
    assert len(report.strip()) == 20_000
    said = forum_chat.say("!läge " + report, person="anna")
    assert not said.ok
    # The message limit of every command comes first, and says what it is.
    assert "(20006 tecken; högst 4000)" in said.text
    assert _reports(database) == []


def test_markup_in_fields_is_kept_as_text_and_escaped_when_rendered(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say(
        "!läge Läge: <script>alert(1)</script> och **fet** _kursiv_\n"
        "Behov: <b>sandsäckar</b> & pumpar\nKommunikation: [länk](https://example.org) `kod`",
        person="anna",
    )
    assert said.ok, said.text
    [report] = _reports(database)
    assert report.situation == "<script>alert(1)</script> och **fet** _kursiv_"
    assert report.needs == "<b>sandsäckar</b> & pumpar"
    assert report.communication == "[länk](https://example.org) `kod`"
    picture = forum_chat.say("!lägesbild")
    assert "Läge: <script>alert(1)</script> och **fet** _kursiv_" in picture.text
    assert "Polisen Region Stockholm: <b>sandsäckar</b> & pumpar" in picture.text
    document = _document(picture)
    matrix = render_matrix_messages(document)
    html = "".join(message.get("formatted_body", "") for message in matrix)
    body = "".join(message["body"] for message in matrix)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;sandsäckar&lt;/b&gt; &amp; pumpar" in html
    assert "<script>" not in html
    assert "<b>sandsäckar" not in html
    assert "<script>alert(1)</script>" in body
    slack = render_slack_messages(document)
    text = "".join(message.text for message in slack)
    blocks = json.dumps([message.blocks for message in slack], ensure_ascii=False)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;sandsäckar&lt;/b&gt; &amp; pumpar" in text
    for rendered in (text, blocks):
        assert "<script>" not in rendered
        assert "<b>" not in rendered


def test_no_forum_in_the_channel(chat: Chat, database: Database) -> None:
    chat.say("!forum koppla samverkanskonferens")
    _register(chat, anna="Polisen")
    for message in ("!läge Läge: lugnt", "!läge oförändrat", "!lägesbild", "!saknas"):
        said = chat.say(message, person="anna", channel="obunden")
        assert not said.ok, message
        assert "inte kopplad till något forum" in said.text, message
    assert _reports(database) == []


# -- the joint picture ---------------------------------------------------------------------


def test_the_picture_has_its_header_sections_collected_needs_and_missing(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.say("!aktör ny Åkersberga energi övrig")
    forum_chat.say("!aktör ny Ängby vatten övrig")
    _register(forum_chat, ola="Österåker", eva="Ekerö", bo="SOS", sam="Salem", tom="Trafikverket")
    forum_chat.say("!läge Läge: lugnt\nBehov: inga", person="ola")
    forum_chat.say(
        "!läge Läge: snö\nBehov: plogbilar\nKommunikation: Res inte i onödan", person="eva"
    )
    forum_chat.say("!läge Läge: hög belastning\nBehov: -", person="bo")
    forum_chat.say("!läge Läge: lugnt", person="sam")
    forum_chat.say(
        "!läge Läge: E18 stängd\nBehov: bärgning\nKommunikation: Följ trafikinfo", person="tom"
    )
    forum_chat.say('!läge för "Åkersberga energi" Läge: elavbrott i Åkersberga')
    forum_chat.say('!läge för "Ängby vatten" Läge: kokvarning\nKommunikation: Koka vattnet')
    forum_chat.advance(minutes=20)
    said = forum_chat.say("!lägesbild")
    assert said.ok, said.text
    text = said.text
    assert text.startswith("Samlad lägesbild – Regional samverkanskonferens\n")
    assert "Forum: Regional samverkanskonferens" in text
    assert "Avser: runda 1 (möte 2026-11-26 16:00, v. 48)" in text
    assert "Läge: ordinarie läge" in text
    assert "Tid: 2026-11-26 15:20" in text
    assert "operator" in _line(text, "Sammanställd av: ")
    assert "7 av 39 organisationer har rapporterat." in text
    # Swedish order: case ignored, å ä ö after z.
    assert _sections(_document(said)) == [
        "Ekerö kommun",
        "Salems kommun",
        "SOS Alarm",
        "Trafikverket",
        "Åkersberga energi",
        "Ängby vatten",
        "Österåkers kommun",
        "Behov av samverkan / stöd – alla aktörer",
        "Kommunikation (budskap) – alla aktörer",
        "Har inte rapporterat (32)",
    ]
    # Empty fields are left out of a section.
    salem = text.split("Salems kommun:\n")[1].split("SOS Alarm:\n")[0]
    assert salem.splitlines()[1:] == ["Läge: lugnt"]
    needs = text.split("Behov av samverkan / stöd – alla aktörer:\n")[1].split("Kommunikation")[0]
    assert needs.splitlines() == ["  • Ekerö kommun: plogbilar", "  • Trafikverket: bärgning"]
    communication = text.split("Kommunikation (budskap) – alla aktörer:\n")[1].split("Har inte")[0]
    assert communication.splitlines() == [
        "  • Ekerö kommun: Res inte i onödan",
        "  • Trafikverket: Följ trafikinfo",
        "  • Ängby vatten: Koka vattnet",
    ]
    [missing] = text.split("Har inte rapporterat (32):\n")[1].splitlines()
    assert missing.startswith("Botkyrka kommun")
    assert missing.endswith("Värmdö kommun")  # Österåker has reported
    assert "Försvarsmakten, Militärregion Mitt" in missing
    assert "Polisen Region Stockholm" in missing
    for reported in ("Trafikverket", "SOS Alarm", "Salem", "Ekerö", "Österåker"):
        assert reported not in missing
    in_order = ["Lidingö", "Länsstyrelsen", "Stockholms stad", "Sundbyberg", "Södertälje", "Tyresö"]
    assert sorted(in_order, key=missing.index) == in_order


def test_a_picture_with_no_reports_says_so(forum_chat: Chat) -> None:
    said = forum_chat.say("!lägesbild", person="eve")
    assert said.ok, said.text
    assert "0 av 37 organisationer har rapporterat." in said.text
    assert "Inga rapporter ännu i den här rundan." in said.text
    assert "Inga behov rapporterade." in said.text
    assert "Har inte rapporterat (37)" in said.text


def test_an_older_round_by_number_and_an_unknown_round(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge Läge: vecka 48", person="anna")
    _at(forum_chat, 26, 17, 30)
    forum_chat.say("!läge Läge: vecka 49", person="anna")
    current = forum_chat.say("!lägesbild")
    assert "runda 2 (möte 2026-12-03 16:00, v. 49)" in current.text
    assert "vecka 49" in current.text
    older = forum_chat.say("!lägesbild 1")
    assert older.ok, older.text
    assert "Avser: runda 1 (möte 2026-11-26 16:00, v. 48)" in older.text
    assert "Rundan stängd: 2026-11-26 17:00" in older.text
    assert "Läge: vecka 48" in older.text
    assert "vecka 49" not in older.text
    assert "vecka 48" in forum_chat.say("!lägesbild #1").text
    for wanted in ("7", "förra"):
        unknown = forum_chat.say(f"!lägesbild {wanted}")
        assert not unknown.ok
        assert f"Det finns ingen runda ”{wanted}” i det här forumet." in unknown.text
        assert "Den senaste rundan har nummer 2; till exempel !lägesbild 2." in unknown.text


# -- who is missing ------------------------------------------------------------------------


def test_missing_lists_who_has_not_reported(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket", bo="SOS")
    forum_chat.say("!läge Läge: lugnt", person="tom")
    said = forum_chat.say("!saknas", person="anna")
    assert said.ok, said.text
    assert "Avser runda 1 (möte 2026-11-26 16:00, v. 48)." in said.text
    assert "36 av 37 organisationer har inte rapporterat (1 har)." in said.text
    assert "  • Polisen Region Stockholm\n" in said.text
    assert "Trafikverket" not in said.text
    assert "!läge oförändrat" in said.text
    # An actor sees names, not people to notify.
    assert _mentions(_document(said)) == set()
    assert "@bo" not in said.text


def test_missing_mentions_representatives_when_a_coordinator_asks(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", cia="Polisen", tom="Trafikverket", bo="SOS")
    forum_chat.say("!läge Läge: lugnt", person="tom")
    said = forum_chat.say("!saknas")
    assert said.ok, said.text
    assert _mentions(_document(said)) == {"anna", "cia", "bo"}
    assert "Polisen Region Stockholm: @anna @cia" in said.text
    assert "SOS Alarm: @bo" in said.text
    assert "Botkyrka kommun (ingen registrerad företrädare)" in said.text


def test_missing_when_everyone_has_reported(chat: Chat) -> None:
    chat.say("!forum skapa Tematisk grupp vatten samordnande")
    chat.say("!forum koppla Tematisk grupp vatten")
    assert chat.say("!forum medlem lägg till Nacka").ok
    assert chat.say("!aktör Nacka", person="nina").ok
    chat.say("!aktivera Kokvarning")
    said = chat.say("!läge Läge: kokvarning", person="nina")
    assert said.ok, said.text
    missing = chat.say("!saknas")
    assert missing.ok, missing.text
    assert "Den enda förväntade organisationen har rapporterat." in missing.text
    assert "Alla har rapporterat." in chat.say("!lägesbild").text


# -- publishing ----------------------------------------------------------------------------


def _published(database: Database) -> list[PublishedPicture]:
    with Session(database.engine) as session:
        return list(session.exec(select(PublishedPicture).order_by(col(PublishedPicture.id))))


def test_only_a_coordinator_publishes(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge Läge: lugnt", person="anna")
    said = forum_chat.say("!lägesbild publicera", person="anna")
    assert not said.ok
    assert "kräver rollen koordinator; din roll här: aktör" in said.text
    assert _published(database) == []


def test_nothing_to_publish_without_reports(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!lägesbild publicera")
    assert not said.ok
    assert "Ingen har rapporterat i rundan ännu" in said.text
    assert _published(database) == []


def test_publishing_versions_and_what_changed(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!forum koppla samverkanskonferens", channel="ledning")
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    forum_chat.say("!läge Läge: E4 stängd\nBehov: bärgning", person="tom")
    forum_chat.advance(minutes=5)
    first = forum_chat.say("!lägesbild publicera")
    assert first.ok, first.text
    assert (
        "Regional samverkanskonferens: samlad lägesbild version 1, publicerad av operator"
        in first.text
    )
    assert "Första publicerade versionen i den här rundan." in first.text
    assert "Version: 1" in first.text
    assert "E4 stängd" in first.text
    assert {(post.platform, post.channel_id) for post in first.posts} == {("test", "ledning")}
    assert "samlad lägesbild version 1" in first.post_text("ledning")
    assert "Trafikverket:" in first.post_text("ledning")

    forum_chat.advance(minutes=5)
    unchanged = forum_chat.say("!lägesbild publicera")
    assert not unchanged.ok
    assert "Inget har ändrats sedan version 1 (publicerad kl. 15:05)" in unchanged.text
    # The same report sent again is no change either.
    forum_chat.say("!läge Läge: E4 stängd\nBehov: bärgning", person="tom")
    assert not forum_chat.say("!lägesbild publicera").ok

    forum_chat.say("!läge Läge: E4 öppen\nBehov: bärgning\nPrognos: normalt i kväll", person="tom")
    forum_chat.say("!läge Läge: lugnt", person="anna")
    forum_chat.advance(minutes=5)
    second = forum_chat.say("!lägesbild publicera")
    assert second.ok, second.text
    assert "samlad lägesbild version 2, publicerad av operator" in second.text
    assert "Ändringar sedan version 1 (kl. 15:05):" in second.text
    assert "Nya rapporter: Polisen Region Stockholm" in second.text
    assert "Ändrade: Trafikverket (Läge, Prognos)" in second.text
    assert "Version: 2" in second.text
    assert "Ändrade: Trafikverket (Läge, Prognos)" in second.post_text("ledning")
    versions = _published(database)
    assert [version.version for version in versions] == [1, 2]
    assert versions[0].content["reports"][0]["fields"]["situation"] == "E4 stängd"
    assert versions[1].content["reports"][1]["fields"]["situation"] == "E4 öppen"


# -- the form, question by question --------------------------------------------------------


def test_a_meeting_that_has_ended_is_published_by_its_round_number(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge Lugnt", person="anna")
    _at(forum_chat, 26, 17, 30)  # the meeting is over: the current round is next week's
    refused = forum_chat.say("!lägesbild publicera")
    assert not refused.ok
    said = forum_chat.say("!lägesbild publicera 1")
    assert said.ok, said.text
    assert "version 1" in said.text
    assert "Lugnt" in said.text
    [published] = _published(database)
    assert published.version == 1


def _open_dialogs(database: Database) -> list[FormDialog]:
    with Session(database.engine) as session:
        return list(session.exec(select(FormDialog)))


def test_the_form_asks_one_question_at_a_time(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    opened = forum_chat.say("!läge formulär", person="anna")
    assert opened.ok, opened.text
    assert "Lägesrapport för Polisen Region Stockholm i runda 1" in opened.text
    assert "7 frågor, en i taget" in opened.text
    assert "!avbryt avbryter" in opened.text
    assert "1/7 Läge – Hur är läget hos er just nu?" in opened.text
    answers = [
        ("Demonstration vid Sergels torg", "2/7 Konsekvenser / påverkan"),
        ("-", "3/7 Vidtagna åtgärder"),
        ("Förstärkning från Södertörn\nkravallstaket uppsatt", "4/7 Planerade åtgärder"),
        ("skip", "5/7 Behov av samverkan / stöd"),
        ("SL: omledning av bussar", "6/7 Kommunikation (budskap)"),
        ("–", "7/7 Prognos"),
    ]
    for answer, next_question in answers:
        said = forum_chat.say(answer, person="anna")
        assert said.ok, said.text
        assert said.text.startswith(next_question), said.text
    assert _reports(database) == []
    done = forum_chat.say("Lugnare efter kl. 20", person="anna")
    assert done.ok, done.text
    assert "Lägesrapport från Polisen Region Stockholm sparad i runda 1" in done.text
    [report] = _reports(database)
    assert report.source == "form"
    assert report.situation == "Demonstration vid Sergels torg"
    assert report.impact is None
    assert report.actions_taken == "Förstärkning från Södertörn\nkravallstaket uppsatt"
    assert report.planned_actions is None
    assert report.needs == "SL: omledning av bussar"
    assert report.communication is None
    assert report.outlook == "Lugnare efter kl. 20"
    assert _open_dialogs(database) == []
    # The dialog is over: the next message is chat.
    assert forum_chat.say("tack!", person="anna").reply is None


def test_cancelling_the_form_saves_nothing(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    forum_chat.say("Lugnt", person="anna")
    said = forum_chat.say("!avbryt", person="anna")
    assert said.ok, said.text
    assert "Formuläret är avbrutet. Inget har sparats." in said.text
    assert _reports(database) == []
    assert _open_dialogs(database) == []
    assert forum_chat.say("Hej igen", person="anna").reply is None
    assert "Du har inget formulär öppet här." in forum_chat.say("!avbryt", person="anna").text


def test_other_peoples_messages_are_not_answers(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    forum_chat.say("!läge formulär", person="anna")
    assert forum_chat.say("Hur går det?", person="tom").reply is None
    assert forum_chat.say("Bra här", person="anna", channel="annan").reply is None
    said = forum_chat.say("Lugnt", person="anna")
    assert said.text.startswith("2/7 Konsekvenser")
    [dialog] = _open_dialogs(database)
    assert dialog.answers == ["Lugnt"]


def test_a_command_during_the_form_runs_and_the_form_goes_on(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    forum_chat.say("Lugnt", person="anna")
    picture = forum_chat.say("!lägesbild", person="anna")
    assert picture.ok
    assert "Samlad lägesbild" in picture.text
    said = forum_chat.say("Inga konsekvenser", person="anna")
    assert said.text.startswith("3/7 Vidtagna åtgärder")
    for _ in range(5):
        forum_chat.say("-", person="anna")
    [report] = _reports(database)
    assert (report.situation, report.impact) == ("Lugnt", "Inga konsekvenser")


def test_a_form_refused_at_the_end_closes_and_gives_the_answers_back(
    forum_chat: Chat, database: Database
) -> None:
    """Anna changes organisation mid-form: the report is not saved for either, the dialog
    ends (her next chat is chat again), and she gets what she typed back to copy."""
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    forum_chat.say("Lugnt i city", person="anna")
    assert forum_chat.say("!aktör SOS Alarm", person="anna").ok
    for _ in range(5):
        forum_chat.say("-", person="anna")
    said = forum_chat.say("Bättre i kväll", person="anna")
    assert not said.ok
    assert "Polisen Region Stockholm, som du inte längre företräder" in said.text
    assert "Dina svar, att kopiera" in said.text
    assert "Läge: Lugnt i city" in said.text
    assert "Prognos: Bättre i kväll" in said.text
    assert _reports(database) == []
    assert _open_dialogs(database) == []
    assert forum_chat.say("Hej allihop", person="anna").reply is None


def test_a_form_with_every_question_skipped_saves_nothing(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    for _ in range(6):
        forum_chat.say("-", person="anna")
    said = forum_chat.say("-", person="anna")
    assert "Du hoppade över alla frågor. Inget har sparats." in said.text
    assert _reports(database) == []
    assert _open_dialogs(database) == []


def test_long_answers_to_the_form_are_all_kept(forum_chat: Chat, database: Database) -> None:
    """Each answer is within the message limit; together they are more, and none is lost."""
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    too_long = forum_chat.say("x" * 4001, person="anna")
    assert not too_long.ok
    assert "högst 4000" in too_long.text
    answers = [f"{n} " + "ord " * 300 for n in range(7)]
    for answer in answers[:-1]:
        assert forum_chat.say(answer, person="anna").ok
    done = forum_chat.say(answers[-1], person="anna")
    assert done.ok, done.text
    [report] = _reports(database)
    assert report.situation == answers[0].strip()
    assert report.outlook == answers[-1].strip()
    assert len(report.text) > 4000


def test_an_english_forum_asks_in_english(forum_chat: Chat, database: Database) -> None:
    forum_chat.say("!forum språk en")
    _register(forum_chat, anna="Polisen")
    opened = forum_chat.say("!sitrep form", person="anna")
    assert opened.ok, opened.text
    assert "Situation report for Polisen Region Stockholm in round 1" in opened.text
    assert "1/7 Situation – What is your situation right now?" in opened.text
    assert forum_chat.say("Calm", person="anna").text.startswith("2/7 Impact")
    assert "cancelled" in forum_chat.say("!cancel", person="anna").text
    assert _reports(database) == []


def test_a_form_survives_a_restart(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    forum_chat.say("Lugnt", person="anna")
    forum_chat.say("Inga", person="anna")
    restarted = Chat(database, forum_chat.clock)  # a new dispatcher on the same database
    said = restarted.say("Patrullering", person="anna")
    assert said.text.startswith("4/7 Planerade åtgärder"), said.text
    for _ in range(3):
        restarted.say("-", person="anna")
    done = restarted.say("Stabilt", person="anna")
    assert done.ok, done.text
    [report] = _reports(database)
    assert (report.situation, report.impact, report.actions_taken, report.outlook) == (
        "Lugnt",
        "Inga",
        "Patrullering",
        "Stabilt",
    )


def test_a_form_left_for_more_than_an_hour_is_dropped(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!läge formulär", person="anna")
    forum_chat.advance(minutes=59)
    assert forum_chat.say("Lugnt", person="anna").text.startswith("2/7")
    forum_chat.advance(minutes=61)
    said = forum_chat.say("Hej, någon som vet när mötet börjar?", person="anna")
    assert said.reply is None
    assert _open_dialogs(database) == []
    assert _reports(database) == []
    assert forum_chat.say("-", person="anna").reply is None


# -- refusals change nothing ---------------------------------------------------------------


def test_refused_reports_leave_nothing_behind(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    forum_chat.say("!roll @olle observatör")
    _register(forum_chat, olle="SOS")
    refused = [
        ("anna", "!läge"),
        ("anna", "!läge " + "x" * 20_000),
        ("anna", "!läge för Trafikverket Läge: x"),
        ("anna", "!läge oförändrat"),
        ("operator", "!läge för Polsen Läge: x"),
        ("operator", "!läge Läge: x"),
        ("kim", "!läge Läge: x"),
        ("olle", "!läge för SOS Läge: x"),
        ("anna", "!läge Läge: x\x07"),
    ]
    for person, message in refused:
        said = forum_chat.say(message, person=person)
        assert not said.ok, message
    assert _reports(database) == []
    with Session(database.engine) as session:
        assert session.exec(select(ReportRound)).all() == []

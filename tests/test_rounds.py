"""Rounds follow the meetings, and closed rounds stay closed (issue 15, section 2).

Through the dispatcher, as a coordinator and the actors use it: an extra meeting has a round
of its own and never takes or closes the next scheduled meeting's; a report that arrives after
its round closed is kept, marked late and shown apart, never in place of what the picture
showed at closing, and published versions never change.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from bot.export.picture_export import render
from bot.export.source import PictureQuery, load_picture
from storage import Database
from storage.models import PublishedPicture, ReportRound, RoundKind, SituationReport
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat

V48 = datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM)
V49 = datetime(2026, 12, 3, 16, 0, tzinfo=STOCKHOLM)
LATE_TITLE = "Inkomna efter stängning (1):"


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        said = chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text


def _at(chat: Chat, month: int, day: int, hour: int, minute: int = 0) -> None:
    chat.clock.set(datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM))


def _say(chat: Chat, text: str, person: str = "operator") -> str:
    said = chat.say(text, person=person)
    assert said.ok, said.text
    return said.text


def _rounds(database: Database) -> list[ReportRound]:
    with Session(database.engine) as session:
        return list(session.exec(select(ReportRound).order_by(col(ReportRound.number))))


def _reports(database: Database) -> list[SituationReport]:
    with Session(database.engine) as session:
        return list(session.exec(select(SituationReport).order_by(col(SituationReport.id))))


def _published(database: Database) -> list[PublishedPicture]:
    with Session(database.engine) as session:
        return list(session.exec(select(PublishedPicture).order_by(col(PublishedPicture.id))))


def _before_late_section(text: str) -> str:
    return text.split(LATE_TITLE)[0]


# -- an extra meeting ---------------------------------------------------------------------------


def test_an_extra_meeting_on_monday_has_its_own_round_and_thursday_keeps_its_own(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    _at(forum_chat, 11, 29, 18)  # Sunday: a report for Thursday's conference
    sunday = _say(forum_chat, "!läge Läge: helgen lugn", person="tom")
    assert "runda 1 (möte 2026-12-03 16:00, v. 49)" in sunday

    _at(forum_chat, 11, 30, 9)  # Monday: an extra check-in
    _say(forum_chat, "!möte start Extra avstämning vattenläcka")
    during = _say(forum_chat, "!läge Läge: vattenläcka i Solna", person="anna")
    assert "runda 2 (extra möte 2026-11-30 09:00)" in during
    picture = _say(forum_chat, "!lägesbild")
    assert "Avser: runda 2 (extra möte 2026-11-30 09:00)" in picture
    assert "vattenläcka i Solna" in picture
    assert "helgen lugn" not in picture
    forum_chat.advance(minutes=40)
    ended = forum_chat.say("!möte slut")
    assert ended.ok, ended.text
    minutes = ended.full_minutes
    assert "runda 2 (extra möte 2026-11-30 09:00)" in minutes
    assert "vattenläcka i Solna" in minutes
    assert "helgen lugn" not in minutes

    # Thursday's round was neither taken nor closed: Monday's later reports go to it, on time.
    forum_chat.advance(hours=1)
    after = _say(forum_chat, "!läge Läge: läckan lagad", person="anna")
    assert "runda 1 (möte 2026-12-03 16:00, v. 49)" in after
    assert "markerad som sen" not in after
    _at(forum_chat, 12, 3, 16, 30)  # during Thursday's conference
    thursday = _say(forum_chat, "!lägesbild")
    assert "Avser: runda 1 (möte 2026-12-03 16:00, v. 49)" in thursday
    assert "helgen lugn" in thursday
    assert "läckan lagad" in thursday
    assert "Inkomna efter stängning" not in thursday

    first, extra = _rounds(database)
    assert (first.kind, first.meeting_at, first.closed_at) == (RoundKind.MEETING, V49, None)
    assert extra.kind is RoundKind.EXTRA_MEETING
    assert extra.meeting_at is None
    assert extra.closed_at == datetime(2026, 11, 30, 9, 40, tzinfo=STOCKHOLM)
    assert not any(report.late for report in _reports(database))


def test_a_second_meeting_after_thursdays_leaves_next_weeks_round_open(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    _say(forum_chat, "!läge Läge: före konferensen", person="anna")  # 15:00
    _at(forum_chat, 11, 26, 15, 55)  # the chair opens the conference a little early
    _say(forum_chat, "!möte start")
    _at(forum_chat, 11, 26, 16, 40)
    conference = forum_chat.say("!möte slut")
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in conference.full_minutes
    assert "före konferensen" in conference.full_minutes

    _at(forum_chat, 11, 26, 16, 50)  # a follow-up the same day, within the conference's hour
    _say(forum_chat, "!möte start Uppföljning av vattenläckan")
    during = _say(forum_chat, "!läge Läge: läckan under kontroll", person="anna")
    assert "runda 2 (extra möte 2026-11-26 16:50)" in during
    assert "markerad som sen" not in during
    forum_chat.advance(minutes=20)
    follow_up = forum_chat.say("!möte slut")
    assert "runda 2 (extra möte 2026-11-26 16:50)" in follow_up.full_minutes
    assert "före konferensen" not in follow_up.full_minutes

    _at(forum_chat, 11, 27, 9)  # Friday: next week's round is open, and is round 3
    friday = _say(forum_chat, "!läge Läge: lugnt", person="anna")
    assert "runda 3 (möte 2026-12-03 16:00, v. 49)" in friday
    assert "markerad som sen" not in friday
    kinds = [(r.number, r.kind, r.meeting_at) for r in _rounds(database)]
    assert kinds == [
        (1, RoundKind.MEETING, V48),
        (2, RoundKind.EXTRA_MEETING, None),
        (3, RoundKind.MEETING, V49),
    ]
    assert _rounds(database)[2].closed_at is None


def test_a_meeting_started_after_the_conference_hour_is_extra(
    forum_chat: Chat, database: Database
) -> None:
    """Nobody opened the 16:00 conference in the chat; a meeting at 18:00 is another one."""
    _register(forum_chat, anna="Polisen")
    _say(forum_chat, "!läge Läge: före konferensen", person="anna")
    _at(forum_chat, 11, 26, 18)
    _say(forum_chat, "!möte start Kvällsavstämning")
    _say(forum_chat, "!möte slut")
    _at(forum_chat, 11, 30, 9)
    monday = _say(forum_chat, "!läge Läge: lugnt", person="anna")
    assert "(möte 2026-12-03 16:00, v. 49)" in monday
    assert "markerad som sen" not in monday


# -- late reports -------------------------------------------------------------------------------


def test_a_late_report_after_stand_down_is_kept_apart_and_changes_no_published_picture(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    _say(forum_chat, "!aktivera Storm Dagmar")
    _say(forum_chat, "!läge Läge: träd över vägarna\nBehov: röjning", person="anna")
    published = _say(forum_chat, "!lägesbild publicera")
    assert "version 1" in published
    # Trafikverket opens the form while the activation is on and finishes it after.
    opened = _say(forum_chat, "!läge formulär", person="tom")
    assert "runda 1 (aktivering 2026-11-26 15:00)" in opened
    forum_chat.advance(minutes=30)
    _say(forum_chat, "!avaktivera Vinden har mojnat")
    forum_chat.advance(minutes=10)
    _say(forum_chat, "E4 stängd vid Rotebro", person="tom")
    for _ in range(6):
        done = forum_chat.say("-", person="tom")
    assert done.ok, done.text
    assert "runda 1 (aktivering 2026-11-26 15:00)" in done.text
    assert "Rundan stängdes 2026-11-26 15:30" in done.text
    assert "under ”Inkomna efter stängning”" in done.text
    assert "Ersätter" not in done.text

    picture = _say(forum_chat, "!lägesbild 1")
    at_closing = _before_late_section(picture)
    # What the picture showed at closing: Polisen reported, Trafikverket had not.
    assert re.search(r"^1 av \d+ organisationer har rapporterat\.$", at_closing, re.M)
    assert "träd över vägarna" in at_closing
    assert "E4 stängd" not in at_closing
    assert "Trafikverket" in at_closing.split("Har inte rapporterat")[1]
    late = picture.split(LATE_TITLE)[1]
    assert "Rundan stängdes 2026-11-26 15:30. Lägesbilden ovan" in late
    assert "Trafikverket – rapporterad 2026-11-26 15:40 av tom · sen" in late
    assert "E4 stängd vid Rotebro" in late

    # The version published during the activation is as it was.
    [version_1] = _published(database)
    assert [r["organisation"] for r in version_1.content["reports"]] == ["Polisen Region Stockholm"]
    assert version_1.content["late_reports"] == []
    again = _say(forum_chat, "!lägesbild publicera 1")
    assert "Inkomna efter stängning: Trafikverket" in again
    assert "Nya rapporter" not in again
    version_1_now, version_2 = _published(database)
    assert version_1_now.content == version_1.content
    assert [r["organisation"] for r in version_2.content["reports"]] == ["Polisen Region Stockholm"]
    assert [r["organisation"] for r in version_2.content["late_reports"]] == ["Trafikverket"]

    # The exports for printing and archiving show the late report apart, after the rest.
    query = PictureQuery("samverkanskonferens", round_number=1)
    exported = load_picture(database, query, forum_chat.clock.now(), 60)
    markdown, html = render(exported, "md"), render(exported, "html")
    assert markdown.index("träd över vägarna") < markdown.index("## Inkomna efter stängning (1)")
    assert markdown.index("## Inkomna efter stängning (1)") < markdown.index("E4 stängd vid")
    assert html.index("<h2>Inkomna efter stängning (1)</h2>") < html.index("E4 stängd vid")
    assert "Rundan stängdes 2026-11-26 15:30. Lägesbilden ovan" in html


def test_a_late_report_does_not_replace_the_on_time_one_in_an_activation_only_forum(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samordnande-forum").ok
    _register(chat, anna="Polisen")
    _say(chat, "!aktivera Skyfall över Stockholm")
    _say(chat, "!läge Läge: källare översvämmade", person="anna")
    chat.advance(hours=2)
    _say(chat, "!avaktivera")
    chat.advance(minutes=15)
    late = _say(chat, "!läge Läge: vattnet har sjunkit undan", person="anna")
    assert "runda 1 (aktivering 2026-11-26 15:00)" in late
    assert "markerad som sen" in late
    assert "Ersätter" not in late
    picture = _say(chat, "!lägesbild")
    at_closing = _before_late_section(picture)
    assert "rapporterad 2026-11-26 15:00 av anna\n" in at_closing
    assert "källare översvämmade" in at_closing
    assert "vattnet har sjunkit undan" not in at_closing
    assert "vattnet har sjunkit undan" in picture.split(LATE_TITLE)[1]
    # A second late report replaces the first late one, not the on-time report.
    chat.advance(minutes=5)
    again = _say(chat, "!läge Läge: vägarna öppna", person="anna")
    assert "Ersätter rapporten från kl. 17:15" in again
    picture = _say(chat, "!lägesbild")
    assert "källare översvämmade" in _before_late_section(picture)
    assert "vägarna öppna" in picture.split(LATE_TITLE)[1]
    assert "sjunkit undan" not in picture


def test_the_minutes_keep_the_picture_of_the_meetings_end(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    _at(forum_chat, 11, 26, 16)
    _say(forum_chat, "!möte start")
    _say(forum_chat, "!läge Läge: lugnt i city", person="anna")
    _say(forum_chat, "!läge formulär", person="tom")  # opened during the meeting
    forum_chat.advance(minutes=30)
    _say(forum_chat, "!möte slut")
    forum_chat.advance(minutes=5)
    _say(forum_chat, "E4 stängd", person="tom")
    for _ in range(6):
        done = forum_chat.say("-", person="tom")
    assert "markerad som sen" in done.text
    minutes = forum_chat.say("!protokoll 1").full_minutes
    assert "lugnt i city" in minutes
    assert "E4 stängd" not in minutes
    assert "Inkomna efter stängning" not in minutes
    picture = _say(forum_chat, "!lägesbild 1")
    assert "E4 stängd" in picture.split(LATE_TITLE)[1]


def test_a_forum_without_a_schedule_gets_no_round_for_a_meeting_outside_an_activation(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla chefsgrupp").ok
    _say(chat, "!möte start")
    chat.advance(minutes=30)
    ended = chat.say("!möte slut")
    assert ended.ok, ended.text
    assert "Samlad lägesbild" not in ended.full_minutes
    assert _rounds(database) == []
    # During an activation the meeting holds the activation's round, and its end leaves it open.
    _say(chat, "!aktivera Storm Dagmar")
    _say(chat, "!möte start")
    chat.advance(minutes=30)
    _say(chat, "!möte slut")
    [activation] = _rounds(database)
    assert activation.kind is RoundKind.ACTIVATION
    assert activation.closed_at is None

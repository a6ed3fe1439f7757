"""The meeting rhythm of an activation (``!rytm``, ``!rytm av``, ``!nästa möte``): its meetings,
their reminders in every channel of the forum and their own rounds of situation reports, until
stand-down (commands/rhythm.py, commands/situation/activation_meetings.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from commands import CAPABILITIES
from commands.core.clock import FixedClock
from commands.core.document import BulletList, Document, Mention
from commands.rhythm import parse_every
from commands.situation.activation_meetings import meetings_from
from storage import Database
from storage.models import Activation, AuditEvent, PostState, ScheduledPost
from tests.support.chat import OPERATOR, Chat, Said
from tests.support.time_travel import Sent, local, travel

FORUM = "Regionalt samordnande forum"
CALLED = {"anna": "Polisen", "bo": "SOS Alarm", "cia": "Trafikverket", "dan": "Nacka"}


def _ok(chat: Chat, line: str, person: str = OPERATOR, channel: str = "stab") -> Said:
    said = chat.say(line, person=person, channel=channel)
    assert said.ok, (line, said.text)
    return said


@pytest.fixture
def activated(chat: Chat) -> Chat:
    """Regionalt samordnande forum in two channels, activated at 15:00 on Thursday 26
    November 2026 with four organisations called in, each represented by one person."""
    _ok(chat, "!forum koppla samordnande-forum")
    _ok(chat, "!forum koppla samordnande-forum", channel="ledning")
    for person, organisation in CALLED.items():
        _ok(chat, f"!aktör {organisation}", person=person)
    _ok(chat, "!aktivera Snöoväder kalla: Polisen, SOS Alarm, Trafikverket, Nacka")
    return chat


def _meeting_posts(sent: list[Sent], channel: str = "stab") -> list[tuple[str, str]]:
    """The rhythm's posts in one channel: when, and the first line."""
    return [
        (s.when, s.first_line)
        for s in sent
        if s.post.channel_id == channel
        and ("aktiveringsmöte" in s.text or "activation meeting" in s.text)
    ]


def _mentions(document: Document) -> set[str]:
    return {
        part.user_id
        for block in document.blocks
        if isinstance(block, BulletList)
        for row in block.items
        for part in row
        if isinstance(part, Mention)
    }


def _rhythm_rows(database: Database) -> list[ScheduledPost]:
    with Session(database.engine) as session:
        rows = session.exec(select(ScheduledPost).order_by(col(ScheduledPost.id)))
        return [row for row in rows if row.kind.startswith("rhythm_")]


def _activation(database: Database) -> Activation:
    with Session(database.engine) as session:
        found = session.exec(select(Activation).order_by(col(Activation.id).desc())).first()
        assert found is not None
        return found


def _audit_count(database: Database) -> int:
    with Session(database.engine) as session:
        return len(list(session.exec(select(AuditEvent))))


# -- two meetings ------------------------------------------------------------------------------


def test_the_rhythm_makes_two_meetings_with_reminders_and_rounds_of_their_own(
    activated: Chat,
) -> None:
    chat = activated
    said = _ok(chat, "!rytm var 4:e timme från 18:00")
    assert f"Mötesrytmen för {FORUM} är nu var 4:e timme från 2026-11-26 18:00." in said.text
    assert "Nästa 3 möten:" in said.text
    assert "torsdag 2026-11-26 18:00" in said.text
    assert "torsdag 2026-11-26 22:00" in said.text
    assert "fredag 2026-11-27 02:00" in said.text
    # The forum's other channel is told.
    assert "operator har satt mötesrytmen" in said.post_text("ledning")

    # Before meeting 1, Polisen reports: it counts for meeting 1.
    first = _ok(chat, "!läge Snödjup 40 cm, E4 avstängd", person="anna")
    assert "runda 1 (aktiveringsmöte 2026-11-26 18:00)" in first.text

    sent = travel(chat, "2026-11-26 19:05")
    expected_first = [
        ("2026-11-26 16:00", f"{FORUM}: aktiveringsmöte kl. 18:00, om 2 timmar"),
        ("2026-11-26 17:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 18:00."),
        ("2026-11-26 18:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 18:00."),
    ]
    assert _meeting_posts(sent) == expected_first
    assert _meeting_posts(sent, "ledning") == expected_first
    nag = next(s for s in sent if s.first_line.endswith("om 2 timmar"))
    assert "3 av 4 inkallade organisationer har inte skickat sin lägesrapport till mötet:" in (
        nag.text
    )
    assert _mentions(nag.post.document) == {"bo", "cia", "dan"}  # their representatives

    # After meeting 1's round has closed, three report: they count for meeting 2.
    for person in ("bo", "cia", "dan"):
        said = _ok(chat, "!läge Läge: normalt, inga behov", person=person)
        assert "runda 2 (aktiveringsmöte 2026-11-26 22:00)" in said.text
    picture = _ok(chat, "!lägesbild")
    assert "Avser: runda 2 (aktiveringsmöte 2026-11-26 22:00)" in picture.text
    assert "Läge: aktiverat läge" in picture.text
    assert "3 av 4 organisationer har rapporterat." in picture.text
    assert "Polisen Region Stockholm" in picture.text.split("Har inte rapporterat (1)")[1]
    # Meeting 1's picture is what was reported for it.
    assert "1 av 4 organisationer har rapporterat." in _ok(chat, "!lägesbild 1").text

    sent = travel(chat, "2026-11-26 22:30")
    assert _meeting_posts(sent) == [
        ("2026-11-26 20:00", f"{FORUM}: aktiveringsmöte kl. 22:00, om 2 timmar"),
        ("2026-11-26 21:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 22:00."),
        ("2026-11-26 22:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 22:00."),
    ]
    nag = next(s for s in sent if s.first_line.endswith("om 2 timmar"))
    assert "1 av 4 inkallade organisationer har inte skickat" in nag.text
    assert _mentions(nag.post.document) == {"anna"}


def test_nobody_is_nagged_when_everyone_has_reported_for_the_meeting(activated: Chat) -> None:
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    for person in CALLED:
        _ok(chat, "!läge Normalt", person=person)
    sent = travel(chat, "2026-11-26 18:30")
    assert _meeting_posts(sent) == [
        ("2026-11-26 17:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 18:00."),
        ("2026-11-26 18:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 18:00."),
    ]


def test_a_meeting_started_near_a_rhythm_meeting_holds_that_meetings_round(
    activated: Chat,
) -> None:
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    chat.clock.set(local("2026-11-26 17:50"))
    _ok(chat, "!läge Snödjup 40 cm", person="anna")
    started = _ok(chat, "!möte start")
    assert "Dagordning (aktiverat läge)" in started.text
    chat.clock.set(local("2026-11-26 19:30"))  # past the hour: the meeting holds it open
    assert "runda 1 (aktiveringsmöte 2026-11-26 18:00)" in (
        _ok(chat, "!läge Snödjup 45 cm", person="bo").text
    )
    ended = _ok(chat, "!möte slut")
    assert "2 av 4 organisationer har rapporterat." in ended.full_minutes
    # Its end closed the round: the next report is for the next meeting.
    assert "runda 2 (aktiveringsmöte 2026-11-26 22:00)" in (
        _ok(chat, "!läge Snödjup 50 cm", person="cia").text
    )
    # Started far from any of the activation's meetings, a meeting holds the activation's own.
    chat.clock.set(local("2026-11-26 20:00"))
    _ok(chat, "!möte start Avstämning")
    _ok(chat, "!möte slut")
    assert "runda 2 (aktiveringsmöte 2026-11-26 22:00)" in (
        _ok(chat, "!läge Snödjup 55 cm", person="dan").text
    )


# -- !nästa möte -------------------------------------------------------------------------------


def test_the_next_meeting_set_on_its_own_gets_reminders_and_its_round(activated: Chat) -> None:
    chat = activated
    said = _ok(chat, "!nästa möte 14:00")
    assert f"Nästa möte i {FORUM}: fredag 2026-11-27 14:00." in said.text
    assert "operator har satt nästa möte" in said.post_text("ledning")
    report = _ok(chat, "!läge Läge: stormen drar in", person="anna")
    assert "runda 1 (aktiveringsmöte 2026-11-27 14:00)" in report.text
    status = _ok(chat, "!status").text
    assert "Nästa möte: fredag 2026-11-27 14:00" in status
    assert "Mötesrytm" not in status
    shown = _ok(chat, "!rytm", person="bo").text  # anyone may look
    assert "Enstaka möte: fredag 2026-11-27 14:00" in shown
    assert "!rytm av" not in shown  # how to change it is for coordinators
    sent = travel(chat, "2026-11-27 15:00")
    assert _meeting_posts(sent) == [
        ("2026-11-27 12:00", f"{FORUM}: aktiveringsmöte kl. 14:00, om 2 timmar"),
        ("2026-11-27 13:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 14:00."),
        ("2026-11-27 14:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 14:00."),
    ]
    # With no meeting ahead, reports go to the activation's own round again.
    assert "(aktivering 2026-11-26 15:00)" in _ok(chat, "!läge Lugnare", person="bo").text


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("i morgon kl 08.30", "fredag 2026-11-27 08:30"),
        ("om 2 timmar", "torsdag 2026-11-26 17:00"),
        ("idag 18:00", "torsdag 2026-11-26 18:00"),
    ],
)
def test_the_next_meeting_as_people_write_it(activated: Chat, phrase: str, expected: str) -> None:
    assert f"Nästa möte i {FORUM}: {expected}." in _ok(activated, f"!nästa möte {phrase}").text


def test_the_next_meeting_removed_and_beside_a_rhythm(activated: Chat) -> None:
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    said = _ok(chat, "!nästa möte 16:30")
    assert "torsdag 2026-11-26 16:30" in said.text
    assert "Nästa 3 möten:" in said.text
    assert "torsdag 2026-11-26 18:00" in said.text
    off = _ok(chat, "!rytm av")
    assert f"Mötesrytmen för {FORUM} är borttagen" in off.text
    # The meeting set on its own stays, and the way to remove it that the answer gives works.
    found = re.search(r"(!nästa möte av)\.", off.text)
    assert found is not None, off.text
    removed = _ok(chat, found.group(1))
    assert "Mötet torsdag 2026-11-26 16:30 är borttaget." in removed.text
    assert "Inga möten är satta framåt" in _ok(chat, "!rytm").text
    sent = travel(chat, "2026-11-27 03:00")
    assert _meeting_posts(sent) == []
    assert "Inget enstaka möte är satt framåt" in _ok(chat, "!nästa möte av").text


def test_nasta_alone_still_shows_the_forums_scheduled_meetings(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    before = _ok(chat, "!nästa").text
    assert before.startswith("Kommande möten: Regional samverkanskonferens")
    assert "torsdag 2026-12-03 16:00" in before
    _ok(chat, "!aktivera Storm")
    said = _ok(chat, "!nästa möte 14:00")
    assert "Nästa möte i Regional samverkanskonferens: fredag 2026-11-27 14:00." in said.text
    # The schedule's meetings, as before: the activation's meeting is !rytm's.
    assert _ok(chat, "!nästa").text == before
    assert _ok(chat, "!next").text == before


# -- changes and stand-down --------------------------------------------------------------------


def test_changing_the_rhythm_cancels_the_stale_reminders(
    activated: Chat, database: Database
) -> None:
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    chat.clock.set(local("2026-11-26 15:30"))
    said = _ok(chat, "!rytm varannan timme från 17:00")
    assert "varannan timme från 2026-11-26 17:00" in said.text
    sent = travel(chat, "2026-11-26 21:30")
    assert _meeting_posts(sent) == [
        # Meeting 1's nag would have been at 15:00, before the rhythm was set: it has none.
        ("2026-11-26 16:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 17:00."),
        ("2026-11-26 17:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 17:00."),
        # Meeting 2's nag waits for meeting 1's round to close (an hour after it began).
        ("2026-11-26 18:00", f"{FORUM}: aktiveringsmöte kl. 19:00, om 1 timme"),
        ("2026-11-26 18:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 19:00."),
        ("2026-11-26 19:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 19:00."),
        ("2026-11-26 20:00", f"{FORUM}: aktiveringsmöte kl. 21:00, om 1 timme"),
        ("2026-11-26 20:45", f"{FORUM}: aktiveringsmötet börjar om 15 minuter, kl. 21:00."),
        ("2026-11-26 21:00", f"{FORUM}: aktiveringsmötet börjar nu, kl. 21:00."),
    ]
    assert not [s for s in sent if "18:00." in s.first_line or "kl. 18:00," in s.first_line]
    stale = [
        row for row in _rhythm_rows(database) if row.occurrence_at == local("2026-11-26 18:00")
    ]
    assert stale
    assert {row.state for row in stale} == {PostState.CANCELLED}
    # Set again as it is: nothing changes.
    again = _ok(chat, "!rytm varannan timme från 17:00")
    assert "Mötesrytmen är redan varannan timme från 2026-11-26 17:00." in again.text


def test_each_reminder_once_in_two_bot_processes(
    activated: Chat, database: Database, clock: FixedClock
) -> None:
    _ok(activated, "!rytm var 4:e timme från 18:00")
    for _ in range(3):
        activated.tick()
    planned = _rhythm_rows(database)
    assert len({row.key for row in planned}) == len(planned)
    second_database = Database(str(database.engine.url))
    try:
        second = Chat(second_database, clock)
        second.tick()
        assert len(_rhythm_rows(database)) == len(planned)
        sent = travel(activated, "2026-11-27 03:00", second)
    finally:
        second_database.dispose()
    starts = [when for when, line in _meeting_posts(sent) if "börjar nu" in line]
    assert starts == ["2026-11-26 18:00", "2026-11-26 22:00", "2026-11-27 02:00"]
    ids = [s.post.scheduled_id for s in sent if s.post.scheduled_id is not None]
    assert len(ids) == len(set(ids))


def test_stand_down_ends_the_rhythm_and_nothing_more_is_posted(
    activated: Chat, database: Database
) -> None:
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    assert "Mötesrytm: var 4:e timme från 2026-11-26 18:00" in _ok(chat, "!status").text
    travel(chat, "2026-11-26 19:30")
    _ok(chat, "!läge Till möte 2", person="anna")
    _ok(chat, "!avaktivera Vädret har lugnat sig")
    sent = travel(chat, "2026-11-27 12:00")
    assert _meeting_posts(sent) == []
    assert _meeting_posts(sent, "ledning") == []
    pending = [row for row in _rhythm_rows(database) if row.state is PostState.PENDING]
    assert pending == []
    refused = chat.say("!rytm")
    assert not refused.ok
    assert f"{FORUM} är inte aktiverat just nu." in refused.text
    status = _ok(chat, "!status").text
    assert "Mötesrytm" not in status
    # Meeting 2's round was closed by the stand-down.
    picture = _ok(chat, "!lägesbild 2").text
    assert "runda 2 (aktiveringsmöte 2026-11-26 22:00)" in picture
    assert "Rundan stängd" in picture
    assert "1 av 4 organisationer har rapporterat." in picture


def test_a_rhythm_meetings_round_is_the_activations_in_the_picture_minutes_and_stand_down(
    activated: Chat,
) -> None:
    """A member not called in that reports to a rhythm meeting is "inte inkallad" (not "no
    member"); the minutes of a rhythm meeting name the activation's host; the stand-down
    counts the last round reported to."""
    chat = activated
    _ok(chat, "!rytm var 4:e timme från 18:00")
    _ok(chat, "!värd Trafikverket")
    _ok(chat, "!aktör Region Stockholm", person="eva")  # a member, not called in
    chat.clock.set(local("2026-11-26 17:50"))
    _ok(chat, "!läge Vårdens läge stabilt", person="eva")
    _ok(chat, "!läge Snödjup 40 cm", person="anna")
    picture = _ok(chat, "!lägesbild").text
    assert "inte inkallad" in picture
    assert "inte medlem" not in picture
    _ok(chat, "!möte start")
    ended = _ok(chat, "!möte slut")
    assert "Värd: Trafikverket" in ended.full_minutes
    stood_down = _ok(chat, "!avaktivera Vädret har lugnat sig").text
    assert "1 av 4 organisationer rapporterade (runda 1, nu stängd)" in stood_down


def test_after_stand_down_a_meeting_at_the_schedules_time_is_the_scheduled_meetings_again(
    chat: Chat,
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör SOS Alarm", person="bo")
    _ok(chat, "!aktivera Storm")
    _ok(chat, "!rytm var 4:e timme från 08:00")  # 16:00 is also the Thursday conference
    chat.clock.set(local("2026-11-26 15:10"))
    assert "runda 1 (aktiveringsmöte 2026-11-26 16:00)" in (
        _ok(chat, "!läge Snödjup 40 cm", person="anna").text
    )
    _ok(chat, "!avaktivera")
    # The conference at 16:00 takes place as scheduled, with its round and what was sent.
    said = _ok(chat, "!läge Normalt", person="bo")
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in said.text
    picture = _ok(chat, "!lägesbild").text
    assert "Läge: ordinarie läge" in picture
    assert "2 av 37 organisationer har rapporterat." in picture


# -- refusals ----------------------------------------------------------------------------------


def _examples(said: Said) -> list[str]:
    """The commands a refusal's hint (its last line) suggests, as test_hints.py reads them:
    ``!rytm var 4:e timme från 08:00``; not a bare name that needs more (``(!roll)``)."""
    found = []
    for piece in said.text.splitlines()[-1].split("!")[1:]:
        line = re.split(r",\s|;\s|\)|\.(?:\s|$)|\s(?:eller|och|or|and)\s", piece)[0].strip()
        words = line.split()
        match = CAPABILITIES.commands.match(words)
        assert match is not None, line
        command, size = match
        if "<" not in line and (size < len(words) or not any(a.required for a in command.args)):
            found.append("!" + line)
    return found


@pytest.mark.parametrize(
    ("line", "person", "says"),
    [
        ("!rytm var 4:e timme från 08:00", "anna", "Bara en koordinator för"),
        ("!rytm av", "anna", "kräver rollen koordinator"),
        ("!nästa möte 14:00", "anna", "kräver rollen koordinator"),
        ("!rytm ibland", OPERATOR, "Jag förstår inte mötesrytmen ”ibland”."),
        ("!rytm var 5:e minut", OPERATOR, "från var 15:e minut till var 24:e timme"),
        ("!rytm var 4:e timme från snart", OPERATOR, "Jag förstår inte tiden ”snart”."),
        ("!nästa möte idag 10:00", OPERATOR, "har redan passerat. Inget har ändrats."),
        ("!nästa möte snart", OPERATOR, "Jag förstår inte tiden ”snart”."),
    ],
)
def test_refusals_change_nothing_and_their_hints_work(
    activated: Chat, database: Database, line: str, person: str, says: str
) -> None:
    chat = activated
    before = _audit_count(database)
    said = chat.say(line, person=person)
    assert not said.ok
    assert says in said.text, said.text
    assert _audit_count(database) == before
    activation = _activation(database)
    assert activation.rhythm_minutes is None
    assert activation.next_meeting_at is None
    assert _rhythm_rows(database) == []
    examples = _examples(said)
    assert examples or person != OPERATOR  # what the operator mistyped has an example
    for example in examples:
        # The hint is for whoever may: a coordinator.
        assert chat.say(example).ok, (example, said.text)


@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("samordnande-forum", "Regionalt samordnande forum är inte aktiverat just nu."),
        ("samverkanskonferens", "Regional samverkanskonferens är inte aktiverad just nu."),
    ],
)
def test_outside_an_activation_the_rhythm_is_refused_in_the_forums_own_words(
    chat: Chat, database: Database, slug: str, words: str
) -> None:
    _ok(chat, f"!forum koppla {slug}")
    for line in ("!rytm var 4:e timme från 08:00", "!nästa möte 14:00", "!rytm av", "!rytm"):
        said = chat.say(line)
        assert not said.ok
        assert words in said.text, said.text
        assert "!aktivera <anledning>" in said.text
        assert _rhythm_rows(database) == []
    # The hint's example of the forum's own meetings works.
    assert chat.say("!nästa").ok


# -- reading a rhythm --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "minutes"),
    [
        ("var 4:e timme", 240),
        ("varannan timme", 120),
        ("var 3:e timme", 180),
        ("var fjärde timme", 240),
        ("var 30:e minut", 30),
        ("var 6:e timme", 360),
        ("varje timme", 60),
        ("Var 2:a timme", 120),
        ("varje halvtimme", 30),
        ("every 4 hours", 240),
        ("every hour", 60),
        ("every other hour", 120),
        ("every 30 minutes", 30),
        ("every 4th hour", 240),
        ("ibland", None),
        ("var timme och halvtimme", None),
        ("var tjugonde timme", None),
    ],
)
def test_rhythms_as_people_write_them(phrase: str, minutes: int | None) -> None:
    assert parse_every(phrase) == minutes


def test_from_a_time_of_day_is_the_rhythms_grid_and_without_from_the_next_whole_hour(
    activated: Chat,
) -> None:
    chat = activated
    said = _ok(chat, "!rytm var 4:e timme från 08:00")
    assert "var 4:e timme från 2026-11-26 08:00" in said.text
    assert "Nästa 3 möten:\n  • torsdag 2026-11-26 16:00" in said.text
    chat.clock.set(local("2026-11-26 15:20"))
    said = _ok(chat, "!rytm var 6:e timme från kl 06")
    assert "torsdag 2026-11-26 18:00" in said.text
    said = _ok(chat, "!rytm varje timme")
    assert (
        "Ingen starttid angavs, så rytmen börjar nästa hela timme: torsdag 2026-11-26 16:00."
        in (said.text)
    )
    said = _ok(chat, "!rytm var 30:e minut från i morgon kl 08")
    assert "var 30:e minut från 2026-11-27 08:00" in said.text
    assert "fredag 2026-11-27 08:30" in said.text


def test_the_rhythm_keeps_the_wall_clock_across_a_daylight_saving_switch() -> None:
    zone = ZoneInfo("Europe/Stockholm")
    activation = Activation(
        forum_id=1,
        reason="Storm",
        activated_at=datetime(2027, 3, 27, 10, tzinfo=zone),
        activated_by_id=1,
        rhythm_minutes=360,
        rhythm_from=datetime(2027, 3, 27, 6, tzinfo=zone),
    )
    found = meetings_from(activation, zone, datetime(2027, 3, 27, 10, tzinfo=zone), 5)
    assert [at.astimezone(zone).strftime("%d %H:%M") for at in found] == [
        "27 12:00",
        "27 18:00",
        "28 00:00",
        "28 06:00",  # summer time from 02:00 on the 28th: still six in the morning
        "28 12:00",
    ]


# -- English -----------------------------------------------------------------------------------


def test_the_rhythm_in_english(activated: Chat) -> None:
    chat = activated
    _ok(chat, "!forum språk en")
    said = _ok(chat, "!rhythm every 4 hours from 18:00")
    assert f"The meeting rhythm of {FORUM} is now every 4 hours from 2026-11-26 18:00." in (
        said.text
    )
    assert "Next 3 meetings:" in said.text
    assert "Thursday 2026-11-26 18:00" in said.text
    status = _ok(chat, "!status").text
    assert "Meeting rhythm: every 4 hours from 2026-11-26 18:00" in status
    assert "Next meeting: Thursday 2026-11-26 18:00" in status
    assert "Friday 2026-11-27 14:00" in _ok(chat, "!next meeting 14:00").text
    sent = travel(chat, "2026-11-26 18:30")
    assert _meeting_posts(sent) == [
        ("2026-11-26 16:00", f"{FORUM}: activation meeting at 18:00, in 2 hours"),
        ("2026-11-26 17:45", f"{FORUM}: the activation meeting starts in 15 minutes, at 18:00."),
        ("2026-11-26 18:00", f"{FORUM}: the activation meeting starts now, at 18:00."),
    ]
    nag = next(s for s in sent if s.first_line.endswith("in 2 hours"))
    assert "4 of 4 organisations called in have not sent their situation report" in nag.text
    off = _ok(chat, "!rhythm off")
    assert f"The meeting rhythm of {FORUM} is removed" in off.text
    refused = chat.say("!rhythm now and then")
    assert "I do not understand the meeting rhythm “now and then”." in refused.text
    examples = _examples(refused)
    assert len(examples) == 3
    for example in examples:
        assert chat.say(example).ok, example

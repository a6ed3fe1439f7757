"""The bot's own posts before each scheduled meeting, in every channel of the forum: the day
before with the agenda, the missing reports two hours before, 15 minutes before, at the start,
and one notice instead of a meeting skipped for a holiday (commands/conference.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.config import ConfigError, load_settings
from commands import conference
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Actions, BulletList, Document, Mention, Strong
from commands.core.timed import Tick
from storage import AuditContext, Database
from storage.models import Forum, ForumParticipant, Organisation, PostState, ScheduledPost
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat
from tests.support.databases import Databases
from tests.support.time_travel import local, travel


def _rows(database: Database) -> list[ScheduledPost]:
    with Session(database.engine) as session:
        return list(session.exec(select(ScheduledPost).order_by(col(ScheduledPost.id))))


def _meeting_rows(database: Database) -> list[ScheduledPost]:
    return [row for row in _rows(database) if row.kind.startswith("meeting_")]


def _mentions(document: Document) -> set[str]:
    return {
        part.user_id
        for block in document.blocks
        if isinstance(block, BulletList)
        for row in block.items
        for part in row
        if isinstance(part, Mention)
    }


def _bullet_names(document: Document) -> set[str]:
    """The organisations listed: each bullet's strong name."""
    return {
        row[0].text
        for block in document.blocks
        if isinstance(block, BulletList)
        for row in block.items
        if row and isinstance(row[0], Strong)
    }


def _participants(database: Database, slug: str) -> set[str]:
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == slug)).one()
        rows = session.exec(
            select(Organisation)
            .join(ForumParticipant, col(ForumParticipant.organisation_id) == col(Organisation.id))
            .where(ForumParticipant.forum_id == forum.id)
        )
        return {organisation.name for organisation in rows}


# -- one week --------------------------------------------------------------------------------


def test_the_posts_of_one_week_in_order(forum_chat: Chat) -> None:
    sent = travel(forum_chat, "2026-12-04 12:00")
    assert {s.post.channel_id for s in sent} == {"stab"}
    assert [(s.when, s.first_line) for s in sent] == [
        # Planned at Thursday 15:00: the day before and the nag of today's are past.
        ("2026-11-26 15:45", "Regional samverkanskonferens börjar om 15 minuter, kl. 16:00."),
        ("2026-11-26 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
        ("2026-12-02 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-03 16:00"),
        ("2026-12-03 14:00", "Regional samverkanskonferens börjar kl. 16:00, om 2 timmar"),
        ("2026-12-03 15:45", "Regional samverkanskonferens börjar om 15 minuter, kl. 16:00."),
        ("2026-12-03 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
    ]
    day_before = sent[2]
    assert "Dagordning (ordinarie läge):\n  1. Inledning och upprop\n" in day_before.text
    assert "  7. Samlad lägesbild vecka 49\n" in day_before.text
    assert "Skicka er lägesrapport före mötet: !läge <rapport>" in day_before.text
    assert "Obs" not in day_before.text  # no eve, no holiday
    [buttons] = [b for b in day_before.post.document.blocks if isinstance(b, Actions)]
    [button] = buttons.buttons
    assert (button.label, button.command) == ("Lägesrapport i formulär", "läge formulär")
    assert "→ Fält för fält: !läge formulär" in day_before.text  # where there are no buttons
    assert "Koordinatorn öppnar mötet med !möte start" in sent[-1].text
    # Sent, each with the door's message id, and nothing left over but next week's.
    rows = _meeting_rows(forum_chat.database)
    assert sum(row.state is PostState.SENT for row in rows) == 6
    assert {row.state for row in rows} == {PostState.SENT, PostState.PENDING}
    assert all(
        row.due_at > forum_chat.clock.now() for row in rows if row.state is PostState.PENDING
    )


def test_the_start_post_has_no_hint_when_the_meeting_is_open_already(forum_chat: Chat) -> None:
    forum_chat.tick()
    forum_chat.clock.set(local("2026-11-26 15:55"))
    assert forum_chat.say("!möte start").ok
    sent = travel(forum_chat, "2026-11-26 16:00")
    assert sent[-1].text == "Regional samverkanskonferens börjar nu, kl. 16:00."


# -- who has not reported --------------------------------------------------------------------


def test_the_nag_lists_exactly_those_who_have_not_reported(
    forum_chat: Chat, database: Database
) -> None:
    for person, organisation in {
        "anna": "Polisen",
        "cia": "Polisen",
        "bo": "SOS",
        "tom": "Trafikverket",
        "eva": "Ekerö",
    }.items():
        assert forum_chat.say(f"!aktör {organisation}", person=person).ok
    travel(forum_chat, "2026-12-01 09:00")  # week 49's round
    assert forum_chat.say("!läge Läge: lugnt", person="tom").ok
    assert forum_chat.say("!läge Läge: hög belastning\nBehov: -", person="bo").ok
    sent = travel(forum_chat, "2026-12-03 14:00")
    [nag] = [s for s in sent if s.when == "2026-12-03 14:00"]
    everyone = _participants(database, "samverkanskonferens")
    assert len(everyone) == 37
    missing = everyone - {"Trafikverket", "SOS Alarm"}
    assert _bullet_names(nag.post.document) == missing
    assert "35 av 37 organisationer har inte skickat sin lägesrapport:" in nag.text
    # Their representatives are mentioned, as a coordinator's !saknas does.
    assert _mentions(nag.post.document) == {"anna", "cia", "eva"}
    assert "  • Polisen Region Stockholm: @anna @cia\n" in nag.text
    assert "  • Botkyrka kommun (ingen registrerad företrädare)\n" in nag.text
    assert "→ Fält för fält: !läge formulär" in nag.text
    # The same as !saknas says at that moment.
    missing_now = forum_chat.say("!saknas")
    assert "35 av 37 organisationer har inte rapporterat (2 har)." in missing_now.text


def test_when_everyone_has_reported_the_nag_says_so(chat: Chat) -> None:
    assert chat.say("!forum skapa Testgruppen samordnande", channel="test").ok
    assert chat.say("!forum koppla Testgruppen", channel="test").ok
    assert chat.say("!schema varje torsdag 16:00", channel="test").ok
    assert chat.say("!forum medlem lägg till Polisen", channel="test").ok
    assert chat.say("!aktör Polisen", person="anna", channel="test").ok
    travel(chat, "2026-12-02 12:00")
    assert chat.say("!läge Läge: lugnt", person="anna", channel="test").ok
    sent = travel(chat, "2026-12-03 14:00")
    [nag] = [s for s in sent if s.when == "2026-12-03 14:00"]
    assert nag.text.splitlines()[2:] == [
        "Den enda förväntade organisationen har skickat sin lägesrapport. Tack!"
    ]


# -- once ------------------------------------------------------------------------------------


def test_each_post_once_when_the_job_runs_again_and_in_two_bot_processes(
    forum_chat: Chat, database: Database, clock: FixedClock
) -> None:
    for _ in range(3):
        assert forum_chat.tick() == []
    planned = _meeting_rows(database)
    # Today 15:45 and 16:00; next Thursday's four.
    assert len(planned) == 6
    assert len({row.key for row in planned}) == 6
    # A second bot process on the same database plans nothing more and sends nothing twice.
    second_database = Database(str(database.engine.url))
    try:
        second = Chat(second_database, clock)
        assert second.tick() == []
        assert len(_meeting_rows(database)) == 6
        sent = travel(forum_chat, "2026-12-11 12:00", second)
        # Also when this process forgets what it planned (a restart).
        conference._PLANNED.clear()
        sent += travel(forum_chat, "2026-12-18 12:00", second)
    finally:
        second_database.dispose()
    starts = [s.when for s in sent if "börjar nu" in s.text]
    assert starts == [
        "2026-11-26 16:00",
        "2026-12-03 16:00",
        "2026-12-10 16:00",
        "2026-12-17 16:00",
    ]
    assert len(sent) == 2 + 4 * 3
    ids = [s.post.scheduled_id for s in sent]
    assert len(ids) == len(set(ids))
    rows = _meeting_rows(database)
    assert len({row.key for row in rows}) == len(rows)


# -- a year ----------------------------------------------------------------------------------


def test_a_year_of_thursday_conferences(database: Database) -> None:
    clock = FixedClock(local("2025-12-31 09:00"))
    chat = Chat(database, clock)
    assert chat.say("!forum koppla samverkanskonferens").ok
    began = time.perf_counter()
    sent = travel(chat, "2026-12-31 17:00")
    took = time.perf_counter() - began
    assert took < 10, f"a year took {took:.1f} s"
    starts = [s for s in sent if "börjar nu" in s.text]
    # 53 Thursdays in 2026; none on Nyårsdagen (1 January) or Kristi himmelsfärdsdag (14 May).
    thursdays = [
        datetime(2026, 1, 1, 16, 0, tzinfo=STOCKHOLM) + timedelta(weeks=week) for week in range(53)
    ]
    held = [day for day in thursdays if day.strftime("%m-%d") not in ("01-01", "05-14")]
    assert [s.at for s in starts] == held
    assert all(s.at.hour == 16 and s.at.weekday() == 3 for s in starts)
    # Both daylight-saving switches are crossed: 15:00 UTC in winter, 14:00 UTC in summer.
    assert {s.at.utcoffset() for s in starts} == {timedelta(hours=1), timedelta(hours=2)}
    skipped = [s for s in sent if s.first_line.startswith("Inget möte")]
    assert [(s.when, s.text) for s in skipped] == [
        (
            "2025-12-31 16:00",
            "Inget möte i Regional samverkanskonferens torsdag 2026-01-01 16:00: Nyårsdagen är "
            "allmän helgdag.\nNästa möte: torsdag 2026-01-08 16:00.",
        ),
        (
            "2026-05-13 16:00",
            "Inget möte i Regional samverkanskonferens torsdag 2026-05-14 16:00: Kristi "
            "himmelsfärdsdag är allmän helgdag.\nNästa möte: torsdag 2026-05-21 16:00.",
        ),
    ]
    notices = [s for s in sent if ": möte " in s.first_line]
    assert len(notices) == 51
    flagged = {s.when: line for s in notices for line in s.text.splitlines() if "Obs" in line}
    assert flagged == {
        "2026-04-01 16:00": "Obs! Skärtorsdagen. Mötet hålls enligt schemat.",
        "2026-04-29 16:00": "Obs! Valborgsmässoafton. Mötet hålls enligt schemat.",
        "2026-12-23 16:00": "Obs! Julafton (ledig dag). Mötet hålls ändå.",
        "2026-12-30 16:00": "Obs! Nyårsafton (ledig dag). Mötet hålls ändå.",
    }
    # Every post on time, none missed or late, none twice.
    assert not [s for s in sent if "Sent:" in s.text or "kom aldrig fram" in s.text]
    assert len(sent) == 51 * 4 + 2
    assert len({s.post.scheduled_id for s in sent}) == len(sent)


# -- changes ---------------------------------------------------------------------------------


def test_changing_the_schedule_cancels_the_old_posts_and_plans_new_ones(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.tick()
    thursday = {row.key for row in _meeting_rows(database)}
    assert len(thursday) == 6
    changed = forum_chat.say("!schema varje onsdag 10:00")
    assert changed.ok, changed.text
    sent = travel(forum_chat, "2026-12-10 12:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-12-01 10:00", "Regional samverkanskonferens: möte onsdag 2026-12-02 10:00"),
        ("2026-12-02 08:00", "Regional samverkanskonferens börjar kl. 10:00, om 2 timmar"),
        ("2026-12-02 09:45", "Regional samverkanskonferens börjar om 15 minuter, kl. 10:00."),
        ("2026-12-02 10:00", "Regional samverkanskonferens börjar nu, kl. 10:00."),
        ("2026-12-08 10:00", "Regional samverkanskonferens: möte onsdag 2026-12-09 10:00"),
        ("2026-12-09 08:00", "Regional samverkanskonferens börjar kl. 10:00, om 2 timmar"),
        ("2026-12-09 09:45", "Regional samverkanskonferens börjar om 15 minuter, kl. 10:00."),
        ("2026-12-09 10:00", "Regional samverkanskonferens börjar nu, kl. 10:00."),
    ]
    states = {row.key: row.state for row in _meeting_rows(database)}
    assert {states[key] for key in thursday} == {PostState.CANCELLED}
    # Back to Thursdays (at 12:00): today's posts still ahead and next week's, once each.
    assert forum_chat.say("!schema varje torsdag 16:00").ok
    sent = travel(forum_chat, "2026-12-17 17:00")
    assert [s.when for s in sent] == [
        "2026-12-10 14:00",
        "2026-12-10 15:45",
        "2026-12-10 16:00",
        "2026-12-16 16:00",
        "2026-12-17 14:00",
        "2026-12-17 15:45",
        "2026-12-17 16:00",
    ]


def test_a_second_bound_channel_gets_its_own_posts_until_unbound(forum_chat: Chat) -> None:
    forum_chat.tick()
    forum_chat.clock.set(local("2026-11-26 15:10"))
    assert forum_chat.say("!forum koppla samverkanskonferens", channel="ledning").ok
    sent = travel(forum_chat, "2026-12-03 17:00")
    by_channel = {
        channel: [(s.when, s.first_line) for s in sent if s.post.channel_id == channel]
        for channel in ("stab", "ledning")
    }
    assert by_channel["stab"] == by_channel["ledning"]
    assert [when for when, _ in by_channel["ledning"]] == [
        "2026-11-26 15:45",
        "2026-11-26 16:00",
        "2026-12-02 16:00",
        "2026-12-03 14:00",
        "2026-12-03 15:45",
        "2026-12-03 16:00",
    ]
    # Each channel's post is its own (its own row, its own delivery).
    assert len({s.post.scheduled_id for s in sent}) == 12
    assert forum_chat.say("!forum lossa", channel="ledning").ok
    sent = travel(forum_chat, "2026-12-10 17:00")
    assert {s.post.channel_id for s in sent} == {"stab"}
    assert len(sent) == 4


def test_a_moved_meeting_in_english_and_a_new_channel_only_gets_what_is_ahead(
    chat: Chat,
) -> None:
    chat.clock.set(local("2026-05-12 15:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!forum språk en").ok
    assert chat.say("!schema helgdag flytta").ok
    sent = travel(chat, "2026-05-21 17:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-05-12 16:00", "Regional samverkanskonferens: meeting Wednesday 2026-05-13 16:00"),
        ("2026-05-13 14:00", "Regional samverkanskonferens starts at 16:00, in 2 hours"),
        ("2026-05-13 15:45", "Regional samverkanskonferens starts in 15 minutes, at 16:00."),
        ("2026-05-13 16:00", "Regional samverkanskonferens starts now, at 16:00."),
        ("2026-05-20 16:00", "Regional samverkanskonferens: meeting Thursday 2026-05-21 16:00"),
        ("2026-05-21 14:00", "Regional samverkanskonferens starts at 16:00, in 2 hours"),
        ("2026-05-21 15:45", "Regional samverkanskonferens starts in 15 minutes, at 16:00."),
        ("2026-05-21 16:00", "Regional samverkanskonferens starts now, at 16:00."),
    ]
    assert "Moved from Thursday 2026-05-14 16:00: Ascension Day." in sent[0].text
    assert "Agenda (ordinary mode):" in sent[0].text
    assert "→ Field by field: !sitrep form" in sent[0].text
    assert "The coordinator opens the meeting with !meeting start" in sent[3].text


def test_the_offsets_are_configurable(database: Database, clock: FixedClock) -> None:
    config = CoreConfig(meeting_reminder_offsets=(2880, None, 30, 0))
    chat = Chat(database, clock, config)
    assert chat.say("!forum koppla samverkanskonferens").ok
    sent = travel(chat, "2026-12-24 17:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-11-26 15:30", "Regional samverkanskonferens börjar om 30 minuter, kl. 16:00."),
        ("2026-11-26 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
        ("2026-12-01 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-03 16:00"),
        ("2026-12-03 15:30", "Regional samverkanskonferens börjar om 30 minuter, kl. 16:00."),
        ("2026-12-03 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
        ("2026-12-08 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-10 16:00"),
        ("2026-12-10 15:30", "Regional samverkanskonferens börjar om 30 minuter, kl. 16:00."),
        ("2026-12-10 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
        ("2026-12-15 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-17 16:00"),
        ("2026-12-17 15:30", "Regional samverkanskonferens börjar om 30 minuter, kl. 16:00."),
        ("2026-12-17 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
        ("2026-12-22 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-24 16:00"),
        ("2026-12-24 15:30", "Regional samverkanskonferens börjar om 30 minuter, kl. 16:00."),
        ("2026-12-24 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
    ]
    assert "Obs! Julafton (ledig dag). Mötet hålls ändå." in sent[11].text
    # Posts planned under other offsets are not sent when the offsets change.
    other = Chat(database, clock, CoreConfig(meeting_reminder_offsets=(1440, None, None, 0)))
    chat.tick()
    sent = travel(other, "2026-12-31 17:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-12-30 16:00", "Regional samverkanskonferens: möte torsdag 2026-12-31 16:00"),
        ("2026-12-31 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
    ]


def test_the_day_before_a_monday_meeting_keeps_its_wall_clock_time_across_a_switch(
    chat: Chat,
) -> None:
    chat.clock.set(local("2026-03-25 10:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!schema varje måndag 16:00").ok
    sent = travel(chat, "2026-10-26 17:00")
    notices = [s.when for s in sent if ": möte " in s.first_line]
    # Sunday 29 March and Sunday 25 October are 23 and 25 hours long: still 16:00 the day before.
    assert notices[0] == "2026-03-29 16:00"
    assert "2026-10-25 16:00" in notices
    assert all(when.endswith(" 16:00") for when in notices)
    starts = [s.when for s in sent if "börjar nu" in s.text]
    assert starts[0] == "2026-03-30 16:00"
    assert all(when.endswith(" 16:00") for when in starts)
    assert len(starts) == len(notices)


def test_the_offsets_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMVERKAN_CONFIG", raising=False)
    monkeypatch.delenv("MEETING_REMINDER_OFFSETS", raising=False)
    assert load_settings().core().meeting_reminder_offsets == (1440, 120, 15, 0)
    monkeypatch.setenv("MEETING_REMINDER_OFFSETS", "2880, 60, -, 0")
    assert load_settings().core().meeting_reminder_offsets == (2880, 60, None, 0)
    for wrong, why in {
        "1440,120,15": "four offsets",
        "15,120,15,0": "from the earliest post to the latest",
        "20000,120,15,0": "each offset is 0 to 10080 minutes",
        "dagen före,120,15,0": "valid integer",
    }.items():
        monkeypatch.setenv("MEETING_REMINDER_OFFSETS", wrong)
        with pytest.raises(ConfigError, match=why):
            load_settings()


def test_a_planning_run_that_was_rolled_back_is_planned_again(
    databases: Databases, clock: FixedClock
) -> None:
    # On PostgreSQL: on SQLite a savepoint opened outside a transaction commits on release
    # (pysqlite does not begin one before SAVEPOINT), so plan()'s rows outlive a rollback.
    database = Database(databases.prepared("postgresql"))
    try:
        chat = Chat(database, clock)
        assert chat.say("!forum koppla samverkanskonferens").ok

        def plan_then_fail() -> None:
            context = AuditContext("system", "", "samverkan-bot", "samverkan-bot", clock.now())
            with database.unit_of_work(context) as store:
                conference.plan_meeting_posts(store, Tick(clock.now(), clock.now()), CoreConfig())
                raise RuntimeError("the commit failed")

        with pytest.raises(RuntimeError):
            plan_then_fail()
        assert _meeting_rows(database) == []
        chat.advance(seconds=30)
        assert chat.tick() == []
        assert len(_meeting_rows(database)) == 6
    finally:
        database.dispose()


def test_holding_the_meeting_on_a_holiday_replaces_the_skipped_notice(chat: Chat) -> None:
    chat.clock.set(local("2026-05-12 10:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    chat.tick()  # the notice that Kristi himmelsfärdsdag has no meeting is planned
    assert chat.say("!schema helgdag håll").ok
    sent = travel(chat, "2026-05-14 17:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-05-13 16:00", "Regional samverkanskonferens: möte torsdag 2026-05-14 16:00"),
        ("2026-05-14 14:00", "Regional samverkanskonferens börjar kl. 16:00, om 2 timmar"),
        ("2026-05-14 15:45", "Regional samverkanskonferens börjar om 15 minuter, kl. 16:00."),
        ("2026-05-14 16:00", "Regional samverkanskonferens börjar nu, kl. 16:00."),
    ]
    assert "Obs! Kristi himmelsfärdsdag (allmän helgdag). Mötet hålls ändå." in sent[0].text
    [notice] = [row for row in _meeting_rows(chat.database) if row.kind == "meeting_skipped"]
    assert notice.state is PostState.CANCELLED


def test_an_activations_rhythm_replaces_the_scheduled_meetings_posts(chat: Chat) -> None:
    """Activated with a rhythm whose meeting falls at the conference's own 16:00, the forum
    is reminded once, of the activation's meeting — not also of the Thursday conference."""
    chat.clock.set(local("2026-11-25 09:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!aktör Polisen", person="anna").ok
    assert chat.say("!aktivera Storm kalla: Polisen").ok
    assert chat.say("!rytm var 4:e timme från 12:00").ok
    sent = travel(chat, "2026-11-26 16:05")
    thursday = [s for s in sent if s.at.date() == local("2026-11-26 00:00").date()]
    at_four = [s.first_line for s in thursday if "16:00" in s.text and "kl. 16:00" in s.text]
    assert at_four, [s.first_line for s in thursday]
    assert all("aktiveringsmöte" in line for line in at_four), at_four
    # The Wednesday day-before post of Thursday's conference is silent too.
    assert not [s for s in sent if "Dagordning" in s.text and "möte torsdag" in s.text]
    # Stood down, the schedule's meetings have their posts again.
    assert chat.say("!avaktivera Lugnt").ok
    week = travel(chat, "2026-12-03 16:05")
    assert any(s.first_line.startswith("Regional samverkanskonferens börjar nu") for s in week)

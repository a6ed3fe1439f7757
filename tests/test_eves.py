"""Julafton, nyårsafton and midsommarafton: the eves that are days off (not public holidays).

A forum's eve policy (``!schema afton håll|hoppa|flytta``, hold by default) says what a
scheduled meeting on one does, as the holiday policy does for public holidays: held, and every
reminder says so; skipped, with one notice naming the eve; or moved to the previous working day
at the same time, and every reminder says so. 2026-12-24 and 2026-12-31 are Thursdays: the
regional conference meets at 16:00 on both. Through the dispatcher, and the timekeeper with the
clock moved."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import Session, col, select

from commands.core import calendar
from commands.core.clock import FixedClock
from commands.core.meeting_times import Status, meetings_between, next_meetings
from storage import Database
from storage.models import AuditEvent, Forum, HolidayPolicy, Level, PostState, ScheduledPost
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat
from tests.support.databases import BACKENDS, Backend, Databases
from tests.support.time_travel import local, travel

THURSDAY_1600 = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0"
FORUM = "Regional samverkanskonferens"
HELD_ON_JULAFTON = "Obs! Julafton (ledig dag). Mötet hålls ändå."
MOVED_FROM_JULAFTON = "Flyttat från torsdag 2026-12-24 16:00: Julafton."


def _forum(
    eves: HolidayPolicy = HolidayPolicy.HOLD,
    holidays: HolidayPolicy = HolidayPolicy.SKIP,
    rule: str = THURSDAY_1600,
    language: str = "sv",
) -> Forum:
    return Forum(
        slug="k",
        name="K",
        level=Level.COORDINATING,
        schedule_rule=rule,
        schedule_start=date(2010, 1, 7),
        holiday_policy=holidays,
        eve_policy=eves,
        language=language,
        mode_since=datetime(2026, 1, 1, tzinfo=STOCKHOLM),
        created_at=datetime(2026, 1, 1, tzinfo=STOCKHOLM),
    )


def _day(at: datetime) -> str:
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _forum_row(database: Database) -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.slug == "samverkanskonferens")).one()


def _audit(database: Database, action: str) -> list[AuditEvent]:
    with Session(database.engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))))


def _meeting_rows(database: Database) -> list[ScheduledPost]:
    with Session(database.engine) as session:
        rows = session.exec(select(ScheduledPost).order_by(col(ScheduledPost.id)))
        return [row for row in rows if row.kind.startswith("meeting_")]


def _bullets(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("•")]


# -- the calendar and the meetings -----------------------------------------------------------


def test_the_eves_that_are_days_off() -> None:
    assert calendar.eve_off(date(2026, 12, 24)) == "Julafton"
    assert calendar.eve_off(date(2026, 12, 31)) == "Nyårsafton"
    assert calendar.eve_off(date(2026, 6, 19)) == "Midsommarafton"
    assert calendar.eve_off(date(2026, 12, 24), "en") == "Christmas Eve"
    # Half-days are eves, not days off; public holidays are holidays, not eves.
    assert calendar.eve(date(2026, 4, 2)) == "Skärtorsdagen"
    assert calendar.eve_off(date(2026, 4, 2)) is None
    assert calendar.eve_off(date(2026, 4, 30)) is None  # valborgsmässoafton
    assert calendar.eve_off(date(2026, 12, 25)) is None  # juldagen
    assert calendar.eve_off(date(2026, 12, 23)) is None


def test_by_default_the_conference_is_held_on_julafton_and_nyarsafton_and_named() -> None:
    year = meetings_between(_forum(), local("2026-12-20 00:00"), local("2027-01-02 00:00"))
    assert [(_day(o.at), o.status.value, o.eve_off, o.reason) for o in year] == [
        ("2026-12-24 16:00", "held", "Julafton", "Julafton"),
        ("2026-12-31 16:00", "held", "Nyårsafton", "Nyårsafton"),
    ]


def test_skip_leaves_both_out_and_names_the_eve() -> None:
    forum = _forum(HolidayPolicy.SKIP)
    found = meetings_between(forum, local("2026-12-20 00:00"), local("2027-01-02 00:00"))
    assert [(_day(o.at), o.status, o.eve_off, o.eve) for o in found] == [
        ("2026-12-24 16:00", Status.SKIPPED, "Julafton", None),
        ("2026-12-31 16:00", Status.SKIPPED, "Nyårsafton", None),
    ]
    assert next_meetings(forum, local("2026-12-18 00:00"), 2) == [
        local("2027-01-07 16:00"),
        local("2027-01-14 16:00"),
    ]
    # The year: 53 Thursdays, Nyårsdagen and Kristi himmelsfärdsdag skipped by the holiday
    # policy, julafton and nyårsafton by the eve policy.
    whole = meetings_between(forum, local("2026-01-01 00:00"), local("2027-01-01 00:00"))
    assert sum(o.takes_place for o in whole) == 49


def test_previous_moves_them_to_the_wednesday_before_at_1600() -> None:
    forum = _forum(HolidayPolicy.PREVIOUS)
    found = meetings_between(forum, local("2026-12-20 00:00"), local("2027-01-02 00:00"))
    assert [(_day(o.at), _day(o.original), o.status, o.reason) for o in found] == [
        ("2026-12-23 16:00", "2026-12-24 16:00", Status.MOVED, "Julafton"),
        ("2026-12-30 16:00", "2026-12-31 16:00", Status.MOVED, "Nyårsafton"),
    ]
    assert next_meetings(forum, local("2026-12-18 00:00"), 1) == [local("2026-12-23 16:00")]


def test_the_eve_policy_leaves_the_half_days_and_the_public_holidays_alone() -> None:
    forum = _forum(HolidayPolicy.SKIP, holidays=HolidayPolicy.HOLD)
    year = meetings_between(forum, local("2026-01-01 00:00"), local("2027-01-01 00:00"))
    marked = [
        (_day(o.at), o.status.value, o.holiday, o.eve, o.eve_off)
        for o in year
        if o.holiday or o.eve or o.eve_off
    ]
    assert marked == [
        ("2026-01-01 16:00", "held", "Nyårsdagen", None, None),
        ("2026-04-02 16:00", "held", None, "Skärtorsdagen", None),
        ("2026-04-30 16:00", "held", None, "Valborgsmässoafton", None),
        ("2026-05-14 16:00", "held", "Kristi himmelsfärdsdag", None, None),
        ("2026-12-24 16:00", "skipped", None, None, "Julafton"),
        ("2026-12-31 16:00", "skipped", None, None, "Nyårsafton"),
    ]


def test_midsommarafton_is_treated_as_julafton_for_a_forum_meeting_on_fridays() -> None:
    fridays = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    june = (local("2026-06-15 00:00"), local("2026-06-27 00:00"))
    held = meetings_between(_forum(rule=fridays), *june)
    assert [(_day(o.at), o.status.value, o.eve_off) for o in held] == [
        ("2026-06-19 09:00", "held", "Midsommarafton"),
        ("2026-06-26 09:00", "held", None),
    ]
    moved = meetings_between(_forum(HolidayPolicy.PREVIOUS, rule=fridays), *june)
    assert [(_day(o.at), o.status.value) for o in moved] == [
        ("2026-06-18 09:00", "moved"),  # the Thursday before
        ("2026-06-26 09:00", "held"),
    ]
    english = meetings_between(_forum(HolidayPolicy.SKIP, rule=fridays, language="en"), *june)
    assert english[0].eve_off == "Midsummer Eve"
    assert not english[0].takes_place


# -- !schema afton ---------------------------------------------------------------------------


def test_the_eve_policy_is_set_like_the_holiday_policy(
    forum_chat: Chat, database: Database
) -> None:
    assert _forum_row(database).eve_policy is HolidayPolicy.HOLD  # the default
    moved = forum_chat.say("!schema afton flytta")
    assert moved.ok, moved.text
    assert (
        f"Midsommar-, jul- och nyårsafton i {FORUM}: flytta – ett möte på midsommarafton, "
        "julafton eller nyårsafton flyttas till närmast föregående arbetsdag, samma tid."
    ) in moved.text
    assert (
        "Nästa möte som berörs: onsdag 2026-12-23 16:00 – flyttat från torsdag 2026-12-24: "
        "Julafton" in moved.text
    )
    assert _forum_row(database).eve_policy is HolidayPolicy.PREVIOUS

    skipped = forum_chat.say("!schema afton hoppa över")
    assert skipped.ok, skipped.text
    assert "Nästa möte som berörs: torsdag 2026-12-24 16:00 – inget möte: Julafton (ledig dag)" in (
        skipped.text
    )
    assert _forum_row(database).eve_policy is HolidayPolicy.SKIP

    held = forum_chat.say("!schedule eve hold")
    assert held.ok, held.text
    assert "torsdag 2026-12-24 16:00 – Julafton (ledig dag, mötet hålls)" in held.text
    again = forum_chat.say("!schema afton håll")  # the same again: no change to record
    assert again.ok
    assert _forum_row(database).eve_policy is HolidayPolicy.HOLD
    assert [e.details for e in _audit(database, "forum.eve_policy")] == [
        {"policy": "previous"},
        {"policy": "skip"},
        {"policy": "hold"},
    ]
    # The holiday policy is its own: untouched.
    assert _forum_row(database).holiday_policy is HolidayPolicy.SKIP
    assert _audit(database, "forum.holiday_policy") == []


def test_a_word_that_is_no_eve_policy_changes_nothing_and_the_example_works(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!schema afton ibland")
    assert not said.ok
    assert "”ibland” är ingen aftonregel. Inget har ändrats." in said.text
    assert "till exempel !schema afton flytta." in said.text
    assert _forum_row(database).eve_policy is HolidayPolicy.HOLD
    assert _audit(database, "forum.eve_policy") == []
    assert forum_chat.say("!schema afton flytta").ok  # the example, typed
    assert _forum_row(database).eve_policy is HolidayPolicy.PREVIOUS


def test_only_a_coordinator_sets_the_eve_policy(forum_chat: Chat, database: Database) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    said = forum_chat.say("!schema afton hoppa", person="anna")
    assert not said.ok
    assert "kräver rollen koordinator" in said.text
    assert _forum_row(database).eve_policy is HolidayPolicy.HOLD
    assert _audit(database, "forum.eve_policy") == []


def test_without_a_schedule_the_policy_waits_for_one(chat: Chat) -> None:
    assert chat.say("!forum koppla Regionalt samordnande forum").ok
    said = chat.say("!schema afton hoppa")
    assert said.ok, said.text
    assert "Midsommar-, jul- och nyårsafton i Regionalt samordnande forum: hoppa" in said.text
    assert "har inget mötesschema ännu; regeln gäller när forumet får ett." in said.text


def test_schema_shows_the_eve_policy_beside_the_holiday_policy(forum_chat: Chat) -> None:
    said = forum_chat.say("!schema")
    assert "Allmänna helgdagar: hoppa – ett möte på en allmän helgdag hålls inte" in said.text
    assert (
        "Midsommar-, jul- och nyårsafton: håll – mötet hålls även på midsommarafton, julafton "
        "och nyårsafton" in said.text
    )
    assert "Andra helgdagsaftnar (skärtorsdagen, valborgsmässoafton" in said.text
    assert "!schema afton håll|hoppa|flytta" in said.text  # the operator is a coordinator
    forum_chat.say("!forum language en")
    forum_chat.say("!schedule eve skip")
    english = forum_chat.say("!schedule")
    assert (
        "Midsummer, Christmas and New Year's Eve: skip – a meeting on Midsummer Eve, "
        "Christmas Eve or New Year's Eve is not held" in english.text
    )
    changed = forum_chat.say("!schedule every thursday 4pm")  # "every" is no "eve"
    assert "The schedule of Regional samverkanskonferens is already every Thursday 16:00" in (
        changed.text
    )


# -- !nästa ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "håll",
            [
                "• torsdag 2026-12-10 16:00",
                "• torsdag 2026-12-17 16:00",
                "• torsdag 2026-12-24 16:00 – Julafton (ledig dag, mötet hålls)",
                "• torsdag 2026-12-31 16:00 – Nyårsafton (ledig dag, mötet hålls)",
                "• torsdag 2027-01-07 16:00",
            ],
        ),
        (
            "hoppa",
            [
                "• torsdag 2026-12-10 16:00",
                "• torsdag 2026-12-17 16:00",
                "• torsdag 2026-12-24 16:00 – inget möte: Julafton (ledig dag)",
                "• torsdag 2026-12-31 16:00 – inget möte: Nyårsafton (ledig dag)",
                "• torsdag 2027-01-07 16:00",
                "• torsdag 2027-01-14 16:00",
                "• torsdag 2027-01-21 16:00",
            ],
        ),
        (
            "flytta",
            [
                "• torsdag 2026-12-10 16:00",
                "• torsdag 2026-12-17 16:00",
                "• onsdag 2026-12-23 16:00 – flyttat från torsdag 2026-12-24: Julafton",
                "• onsdag 2026-12-30 16:00 – flyttat från torsdag 2026-12-31: Nyårsafton",
                "• torsdag 2027-01-07 16:00",
            ],
        ),
    ],
)
def test_next_lists_julafton_and_nyarsafton_under_each_policy(
    forum_chat: Chat, policy: str, expected: list[str]
) -> None:
    forum_chat.clock.set(local("2026-12-10 09:00"))
    assert forum_chat.say(f"!schema afton {policy}").ok
    said = forum_chat.say("!nästa")
    assert said.ok, said.text
    assert _bullets(said.text) == expected
    assert f"Midsommar-, jul- och nyårsafton: {policy} – " in said.text


def test_next_in_english_names_christmas_eve(forum_chat: Chat) -> None:
    forum_chat.clock.set(local("2026-12-10 09:00"))
    forum_chat.say("!forum language en")
    forum_chat.say("!schedule eve skip")
    said = forum_chat.say("!next")
    assert "Thursday 2026-12-24 16:00 – no meeting: Christmas Eve (a day off)" in said.text
    assert "Midsummer, Christmas and New Year's Eve: skip – " in said.text


# -- the posts before the meeting ------------------------------------------------------------


def test_hold_every_post_of_julafton_says_so(forum_chat: Chat) -> None:
    forum_chat.clock.set(local("2026-12-21 09:00"))
    sent = travel(forum_chat, "2026-12-24 17:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-12-23 16:00", f"{FORUM}: möte torsdag 2026-12-24 16:00"),
        ("2026-12-24 14:00", f"{FORUM} börjar kl. 16:00, om 2 timmar"),
        ("2026-12-24 15:45", f"{FORUM} börjar om 15 minuter, kl. 16:00."),
        ("2026-12-24 16:00", f"{FORUM} börjar nu, kl. 16:00."),
    ]
    for post in sent:
        assert HELD_ON_JULAFTON in post.text, post.text
    day_before = sent[0].text
    assert day_before.count("Julafton") == 1  # said once, not again as a plain eve
    assert "Dagordning (ordinarie läge):" in day_before
    # A plain Thursday says nothing of the kind.
    plain = travel(forum_chat, "2027-01-07 17:00")
    assert len([s for s in plain if s.when.startswith("2027-01-07")]) == 3
    assert not [s for s in plain if "Obs!" in s.text and "Nyårsafton" not in s.text]


def test_skip_one_notice_naming_julafton_and_no_other_post(forum_chat: Chat) -> None:
    forum_chat.clock.set(local("2026-12-18 09:00"))
    assert forum_chat.say("!schema afton hoppa").ok
    sent = travel(forum_chat, "2027-01-01 12:00")
    assert [(s.when, s.text) for s in sent] == [
        (
            "2026-12-23 16:00",
            f"Inget möte i {FORUM} torsdag 2026-12-24 16:00: Julafton är en ledig dag.\n"
            "Nästa möte: torsdag 2027-01-07 16:00.",
        ),
        (
            "2026-12-30 16:00",
            f"Inget möte i {FORUM} torsdag 2026-12-31 16:00: Nyårsafton är en ledig dag.\n"
            "Nästa möte: torsdag 2027-01-07 16:00.",
        ),
    ]
    kinds = {row.kind for row in _meeting_rows(forum_chat.database) if row.occurrence_at}
    assert "meeting_nag" in kinds  # planned for January
    december = [
        row
        for row in _meeting_rows(forum_chat.database)
        if row.occurrence_at is not None and row.occurrence_at < local("2027-01-01 00:00")
    ]
    assert {row.kind for row in december} == {"meeting_skipped"}


def test_skip_in_english(chat: Chat) -> None:
    chat.clock.set(local("2026-12-18 09:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!forum språk en").ok
    assert chat.say("!schedule eve skip").ok
    sent = travel(chat, "2026-12-24 17:00")
    assert [s.text for s in sent] == [
        f"No meeting of {FORUM} on Thursday 2026-12-24 16:00: Christmas Eve is a day off.\n"
        "Next meeting: Thursday 2027-01-07 16:00."
    ]


def test_previous_the_meeting_is_on_wednesday_and_every_post_says_why(forum_chat: Chat) -> None:
    forum_chat.clock.set(local("2026-12-18 09:00"))
    assert forum_chat.say("!schema afton flytta").ok
    assert "Nästa möte: onsdag 2026-12-23 16:00" in forum_chat.say("!forum").text
    sent = travel(forum_chat, "2026-12-25 12:00")
    assert [(s.when, s.first_line) for s in sent] == [
        ("2026-12-22 16:00", f"{FORUM}: möte onsdag 2026-12-23 16:00"),
        ("2026-12-23 14:00", f"{FORUM} börjar kl. 16:00, om 2 timmar"),
        ("2026-12-23 15:45", f"{FORUM} börjar om 15 minuter, kl. 16:00."),
        ("2026-12-23 16:00", f"{FORUM} börjar nu, kl. 16:00."),
    ]
    for post in sent:
        assert MOVED_FROM_JULAFTON in post.text, post.text


def test_reports_go_to_the_round_of_the_moved_meeting(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    assert forum_chat.say("!schema afton flytta").ok
    forum_chat.clock.set(local("2026-12-22 10:00"))
    said = forum_chat.say("!läge Läge: normalt", person="anna")
    assert "(möte 2026-12-23 16:00, v. 52)" in said.text


# -- a change of policy re-plans what was planned --------------------------------------------


def test_a_change_of_policy_after_the_posts_were_planned_replans_them(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.clock.set(local("2026-12-18 09:00"))
    forum_chat.tick()  # julafton's four posts are planned, under hold
    planned = {
        row.key: row.kind
        for row in _meeting_rows(database)
        if row.occurrence_at == local("2026-12-24 16:00")
    }
    assert sorted(planned.values()) == sorted(
        ["meeting_day_before", "meeting_nag", "meeting_soon", "meeting_start"]
    )
    forum_chat.advance(minutes=1)
    forum_chat.tick()
    assert forum_chat.say("!schema afton hoppa").ok
    sent = travel(forum_chat, "2026-12-24 17:00")
    assert [s.first_line for s in sent] == [
        f"Inget möte i {FORUM} torsdag 2026-12-24 16:00: Julafton är en ledig dag."
    ]
    states = {row.key: row.state for row in _meeting_rows(database)}
    assert {states[key] for key in planned} == {PostState.CANCELLED}


def test_back_to_hold_cancels_the_notice_and_the_meeting_is_reminded_again(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.clock.set(local("2026-12-18 09:00"))
    assert forum_chat.say("!schema afton flytta").ok
    forum_chat.tick()  # planned on the Wednesday
    assert forum_chat.say("!schema afton håll").ok
    sent = travel(forum_chat, "2026-12-24 17:00")
    assert [s.when for s in sent] == [
        "2026-12-23 16:00",
        "2026-12-24 14:00",
        "2026-12-24 15:45",
        "2026-12-24 16:00",
    ]
    assert all(HELD_ON_JULAFTON in s.text for s in sent)
    wednesday = [
        row for row in _meeting_rows(database) if row.occurrence_at == local("2026-12-23 16:00")
    ]
    assert len(wednesday) == 4
    assert {row.state for row in wednesday} == {PostState.CANCELLED}


def test_a_meeting_held_on_a_public_holiday_says_so_in_every_post(chat: Chat) -> None:
    chat.clock.set(local("2026-05-12 10:00"))
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!schema helgdag håll").ok
    sent = travel(chat, "2026-05-14 17:00")
    assert len(sent) == 4
    for post in sent:
        assert "Obs! Kristi himmelsfärdsdag (allmän helgdag). Mötet hålls ändå." in post.text


# -- on each database ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_eve_policy_is_kept_on_each_database(databases: Databases, backend: Backend) -> None:
    database = Database(databases.prepared(backend))
    try:
        chat = Chat(database, FixedClock(local("2026-12-18 09:00")))
        assert chat.say("!forum koppla samverkanskonferens").ok
        assert chat.say("!schema afton hoppa").ok
        assert _forum_row(database).eve_policy is HolidayPolicy.SKIP
        [event] = _audit(database, "forum.eve_policy")
        assert event.details == {"policy": "skip"}
        sent = travel(chat, "2026-12-24 17:00")
        assert [s.first_line for s in sent] == [
            f"Inget möte i {FORUM} torsdag 2026-12-24 16:00: Julafton är en ledig dag."
        ]
    finally:
        database.dispose()

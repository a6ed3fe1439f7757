"""Forum schedules: the Thursday conference through a year, Swedish holidays and eves, the
holiday policy, and ``!schema`` / ``!schema helgdag`` / ``!nästa`` through the dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from commands.core import calendar
from commands.core.meeting_times import (
    Occurrence,
    Status,
    meetings_between,
    next_meetings,
    upcoming,
)
from commands.schedule import describe_rule, parse_rule, read_rrule
from storage import Database
from storage.models import AuditEvent, Forum, HolidayPolicy, Level
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat

THURSDAY_1600 = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0"
YEAR_START = datetime(2026, 1, 1, tzinfo=STOCKHOLM)
YEAR_END = datetime(2027, 1, 1, tzinfo=STOCKHOLM)
WINTER = timedelta(hours=1)
SUMMER = timedelta(hours=2)


def _forum(
    policy: HolidayPolicy = HolidayPolicy.SKIP,
    rule: str = THURSDAY_1600,
    language: str = "sv",
) -> Forum:
    return Forum(
        slug="k",
        name="K",
        level=Level.COORDINATING,
        schedule_rule=rule,
        schedule_start=date(2010, 1, 7),
        holiday_policy=policy,
        language=language,
        mode_since=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )


def _local(at: datetime) -> str:
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _marked(occurrences: list[Occurrence]) -> list[tuple[str, str, str, str | None, str | None]]:
    """The occurrences that are not a plain meeting: (at, original, status, holiday, eve)."""
    return [
        (_local(o.at), _local(o.original), o.status.value, o.holiday, o.eve)
        for o in occurrences
        if o.status is not Status.HELD or o.holiday or o.eve
    ]


def _forum_row(database: Database, slug: str = "samverkanskonferens") -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.slug == slug)).one()


def _audit(database: Database, action: str) -> list[AuditEvent]:
    with Session(database.engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))))


# -- a year of Thursday conferences ----------------------------------------------------------


@pytest.mark.parametrize("policy", list(HolidayPolicy))
def test_a_year_of_thursday_conferences_is_at_1600_local_across_both_switches(
    policy: HolidayPolicy,
) -> None:
    year = meetings_between(_forum(policy), YEAR_START, YEAR_END)
    # 2026 begins and ends on a Thursday: 53 of them. With "flytta" the one of New Year's Day
    # is held on 2025-12-30, before the window.
    expected = 52 if policy is HolidayPolicy.PREVIOUS else 53
    assert len(year) == expected
    for occurrence in year:
        original = occurrence.original.astimezone(STOCKHOLM)
        assert (original.isoweekday(), original.hour, original.minute) == (4, 16, 0), original
        at = occurrence.at.astimezone(STOCKHOLM)
        assert (at.hour, at.minute) == (16, 0), at
        # Summer time from Sunday 2026-03-29 to Sunday 2026-10-25, at 16:00 every time.
        summer = date(2026, 3, 29) <= at.date() < date(2026, 10, 25)
        assert at.utcoffset() == (SUMMER if summer else WINTER), at
        assert occurrence.at.astimezone(UTC).hour == (14 if summer else 15)
    assert [o.at for o in year] == sorted(o.at for o in year)


def test_the_weeks_of_the_switches() -> None:
    march = meetings_between(
        _forum(), datetime(2026, 3, 20, tzinfo=STOCKHOLM), datetime(2026, 4, 5, tzinfo=STOCKHOLM)
    )
    assert [o.at.astimezone(UTC) for o in march] == [
        datetime(2026, 3, 26, 15, 0, tzinfo=UTC),
        datetime(2026, 4, 2, 14, 0, tzinfo=UTC),
    ]
    october = meetings_between(
        _forum(), datetime(2026, 10, 20, tzinfo=STOCKHOLM), datetime(2026, 11, 1, tzinfo=STOCKHOLM)
    )
    assert [o.at.astimezone(UTC) for o in october] == [
        datetime(2026, 10, 22, 14, 0, tzinfo=UTC),
        datetime(2026, 10, 29, 15, 0, tzinfo=UTC),
    ]


def test_by_default_public_holidays_are_skipped_and_eves_flagged() -> None:
    year = meetings_between(_forum(), YEAR_START, YEAR_END)
    assert _marked(year) == [
        ("2026-01-01 16:00", "2026-01-01 16:00", "skipped", "Nyårsdagen", None),
        ("2026-04-02 16:00", "2026-04-02 16:00", "held", None, "Skärtorsdagen"),
        ("2026-04-30 16:00", "2026-04-30 16:00", "held", None, "Valborgsmässoafton"),
        ("2026-05-14 16:00", "2026-05-14 16:00", "skipped", "Kristi himmelsfärdsdag", None),
        ("2026-12-24 16:00", "2026-12-24 16:00", "held", None, "Julafton"),
        ("2026-12-31 16:00", "2026-12-31 16:00", "held", None, "Nyårsafton"),
    ]
    assert sum(o.takes_place for o in year) == 51
    skipped = [o for o in year if o.status == "skipped"]  # a plain string compares too
    assert [o.at for o in skipped] == [o.original for o in skipped]


def test_move_takes_the_meeting_to_the_previous_working_day_at_the_same_time() -> None:
    forum = _forum(HolidayPolicy.PREVIOUS)
    year = meetings_between(forum, datetime(2025, 12, 29, tzinfo=STOCKHOLM), YEAR_END)
    assert _marked(year)[:2] == [
        # Nyårsafton (Wednesday 2025-12-31) is a day off (holidays' de facto category, and
        # the Annual Leave Act): the conference of New Year's Day moves to the Tuesday.
        ("2025-12-30 16:00", "2026-01-01 16:00", "moved", "Nyårsdagen", None),
        ("2026-04-02 16:00", "2026-04-02 16:00", "held", None, "Skärtorsdagen"),
    ]
    ascension = next(o for o in year if o.original.date() == date(2026, 5, 14))
    assert ascension.status is Status.MOVED
    assert ascension.at == datetime(2026, 5, 13, 16, 0, tzinfo=STOCKHOLM)  # a Wednesday
    assert ascension.at.utcoffset() == SUMMER
    assert ascension.holiday == "Kristi himmelsfärdsdag"
    assert next_meetings(forum, datetime(2026, 5, 8, tzinfo=STOCKHOLM), 2) == [
        datetime(2026, 5, 13, 16, 0, tzinfo=STOCKHOLM),
        datetime(2026, 5, 21, 16, 0, tzinfo=STOCKHOLM),
    ]


def test_hold_keeps_the_meeting_on_the_holiday_and_names_it() -> None:
    forum = _forum(HolidayPolicy.HOLD)
    year = meetings_between(forum, YEAR_START, YEAR_END)
    assert all(o.status is Status.HELD and o.at == o.original for o in year)
    assert [(_local(o.at), o.holiday) for o in year if o.holiday] == [
        ("2026-01-01 16:00", "Nyårsdagen"),
        ("2026-05-14 16:00", "Kristi himmelsfärdsdag"),
    ]
    assert next_meetings(forum, datetime(2026, 5, 8, tzinfo=STOCKHOLM), 1) == [
        datetime(2026, 5, 14, 16, 0, tzinfo=STOCKHOLM)
    ]


def test_next_meetings_leave_a_skipped_one_out() -> None:
    assert next_meetings(_forum(), datetime(2026, 5, 8, tzinfo=STOCKHOLM), 2) == [
        datetime(2026, 5, 21, 16, 0, tzinfo=STOCKHOLM),
        datetime(2026, 5, 28, 16, 0, tzinfo=STOCKHOLM),
    ]
    # upcoming (what !nästa shows) keeps it, in its place, and still finds two held ones.
    found = upcoming(_forum(), datetime(2026, 5, 8, tzinfo=STOCKHOLM), 2)
    assert [(_local(o.at), o.status.value) for o in found] == [
        ("2026-05-14 16:00", "skipped"),
        ("2026-05-21 16:00", "held"),
        ("2026-05-28 16:00", "held"),
    ]


def test_english_forums_get_english_names() -> None:
    year = meetings_between(_forum(language="en"), YEAR_START, YEAR_END)
    assert [(o.holiday, o.eve) for o in year if o.holiday or o.eve] == [
        ("New Year's Day", None),
        (None, "Maundy Thursday"),
        (None, "Walpurgis Night"),
        ("Ascension Day", None),
        (None, "Christmas Eve"),
        (None, "New Year's Eve"),
    ]


def test_a_moved_meeting_skips_over_easter_and_is_flagged_on_its_new_day() -> None:
    mondays = _forum(HolidayPolicy.PREVIOUS, rule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30")
    found = meetings_between(
        mondays, datetime(2026, 3, 31, tzinfo=STOCKHOLM), datetime(2026, 4, 8, tzinfo=STOCKHOLM)
    )
    # Annandag påsk 2026-04-06: Sunday, Saturday, Långfredagen, so skärtorsdagen.
    assert _marked(found) == [
        ("2026-04-02 09:30", "2026-04-06 09:30", "moved", "Annandag påsk", "Skärtorsdagen")
    ]


def test_a_daily_meeting_on_a_holiday_has_no_free_day_to_move_to() -> None:
    daily = _forum(HolidayPolicy.PREVIOUS, rule="FREQ=DAILY;BYHOUR=8;BYMINUTE=0")
    found = meetings_between(
        daily, datetime(2026, 5, 13, tzinfo=STOCKHOLM), datetime(2026, 5, 15, tzinfo=STOCKHOLM)
    )
    assert [(_local(o.at), o.status.value) for o in found] == [
        ("2026-05-13 08:00", "held"),
        ("2026-05-14 08:00", "skipped"),
    ]


def test_meetings_between_is_half_open_and_empty_without_a_schedule() -> None:
    meeting = datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM)
    week = timedelta(days=7)
    assert [o.at for o in meetings_between(_forum(), meeting, meeting + week)] == [meeting]
    before = meetings_between(_forum(), meeting - week, meeting)
    assert [_local(o.at) for o in before] == ["2026-11-19 16:00"]
    # The same instant given in UTC.
    in_utc = meetings_between(_forum(), meeting.astimezone(UTC), (meeting + week).astimezone(UTC))
    assert [o.at for o in in_utc] == [meeting]
    assert meetings_between(_forum(), meeting, meeting) == []
    assert meetings_between(_forum(rule=""), YEAR_START, YEAR_END) == []


def test_the_swedish_calendar() -> None:
    assert calendar.holiday(date(2026, 5, 14)) == "Kristi himmelsfärdsdag"
    assert calendar.holiday(date(2027, 5, 6)) == "Kristi himmelsfärdsdag"
    assert calendar.holiday(date(2026, 5, 14), "en") == "Ascension Day"
    assert calendar.holiday(date(2026, 12, 24)) is None  # an eve, not a public holiday
    assert calendar.eve(date(2026, 12, 24)) == "Julafton"
    assert calendar.eve(date(2026, 6, 19)) == "Midsommarafton"
    assert calendar.eve(date(2026, 6, 19), "en") == "Midsummer Eve"
    assert calendar.eve(date(2026, 5, 15)) is None  # klämdag: a bridge day, not an eve
    assert calendar.holiday(date(2026, 11, 29)) is None  # a Sunday is no holiday to name
    assert not calendar.is_working_day(date(2025, 12, 31))  # nyårsafton
    assert not calendar.is_working_day(date(2026, 6, 19))  # midsommarafton
    assert not calendar.is_working_day(date(2026, 5, 14))
    assert not calendar.is_working_day(date(2026, 11, 28))  # a Saturday
    assert calendar.is_working_day(date(2026, 4, 2))  # skärtorsdagen: a half-day
    assert calendar.is_working_day(date(2026, 5, 13))


# -- rules as people say them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "rule"),
    [
        ("varje torsdag 16:00", THURSDAY_1600),
        ("varje torsdag kl 16", THURSDAY_1600),
        ("Varje Torsdag kl. 16.00", THURSDAY_1600),
        ("torsdagar kl 16", THURSDAY_1600),
        ("every thursday 4pm", THURSDAY_1600),
        ("every Thursday at 16:00", THURSDAY_1600),
        (
            "varannan torsdag 16:00",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0",
        ),
        (
            "every other monday 9:30",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=30;BYSECOND=0",
        ),
        (
            "första tisdagen varje månad 10:00",
            "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
        ),
        (
            "första tisdagen i månaden kl 10",
            "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
        ),
        (
            "sista fredagen varannan månad 9:00",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        ),
        (
            "the first tuesday of every month 10am",
            "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
        ),
    ],
)
def test_rules_people_write(said: str, rule: str) -> None:
    parsed = parse_rule(said)
    assert parsed is not None, said
    assert parsed.rrule() == rule
    assert read_rrule(rule) == parsed


@pytest.mark.parametrize(
    "said",
    [
        "banan",
        "varje torsdag",  # no time
        "varannan torsdag",
        "every thursday at 4",  # morning or afternoon?
        "torsdag 16:00",  # one Thursday, not every
        "femte tisdagen varje månad 10:00",
        "första tisdagen varje månad",
        "första bananen varje månad 10:00",
        "varje torsdag 25:00",
    ],
)
def test_rules_that_are_not_understood(said: str) -> None:
    assert parse_rule(said) is None


def test_rules_in_words() -> None:
    assert describe_rule(THURSDAY_1600, "sv") == "varje torsdag 16:00"
    assert describe_rule(THURSDAY_1600, "en") == "every Thursday 16:00"
    every_other = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0"
    assert describe_rule(every_other, "sv") == "varannan torsdag 16:00"
    assert describe_rule(every_other, "en") == "every other Thursday 16:00"
    two_days = "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=8;BYMINUTE=30"
    assert describe_rule(two_days, "sv") == "varje måndag och torsdag 08:30"
    monthly = "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0"
    assert describe_rule(monthly, "sv") == "första tisdagen varannan månad 10:00"
    assert describe_rule(monthly, "en") == "the first Tuesday of every other month 10:00"
    last = "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0"
    assert describe_rule(last, "sv") == "sista fredagen varje månad 09:00"
    day = "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15;BYHOUR=13;BYMINUTE=0"
    assert describe_rule(day, "sv") == "den 15 varannan månad 13:00"
    odd = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=16;COUNT=3"
    assert describe_rule(odd, "sv") == f"enligt regeln {odd}"


# -- !schema ---------------------------------------------------------------------------------


def test_schema_shows_the_rule_the_holiday_policy_and_the_next_meetings(forum_chat: Chat) -> None:
    said = forum_chat.say("!schema")
    assert said.ok, said.text
    assert "Schema: Regional samverkanskonferens" in said.text
    assert "Möten: varje torsdag 16:00" in said.text
    assert "Tidszon: Europe/Stockholm" in said.text
    assert "Allmänna helgdagar: hoppa – ett möte på en allmän helgdag hålls inte" in said.text
    assert "markeras men ändrar inget" in said.text
    assert "torsdag 2026-11-26 16:00\n" in said.text
    assert "torsdag 2026-12-10 16:00" in said.text
    assert "2026-12-17" not in said.text
    assert "!schema helgdag hoppa|flytta|håll" in said.text  # the operator is a coordinator
    anyone = forum_chat.say("!schema", person="eve")
    assert anyone.ok
    assert "Möten: varje torsdag 16:00" in anyone.text
    assert "!schema helgdag" not in anyone.text


def test_schema_in_english(forum_chat: Chat) -> None:
    forum_chat.say("!forum language en")
    said = forum_chat.say("!schedule")
    assert "Meetings: every Thursday 16:00" in said.text
    assert "Public holidays: skip – a meeting on a public holiday is not held" in said.text
    assert "Thursday 2026-12-03 16:00" in said.text


def test_a_coordinator_changes_the_schedule_and_sees_the_next_three_meetings(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!schema varje onsdag kl 10")
    assert said.ok, said.text
    assert "Schemat för Regional samverkanskonferens är nu: varje onsdag 10:00." in said.text
    assert "De 3 närmaste mötena:" in said.text
    for day in ("2026-12-02", "2026-12-09", "2026-12-16"):
        assert f"onsdag {day} 10:00" in said.text
    forum = _forum_row(database)
    assert forum.schedule_rule == "FREQ=WEEKLY;BYDAY=WE;BYHOUR=10;BYMINUTE=0;BYSECOND=0"
    assert forum.schedule_start == date(2026, 11, 26)
    assert "Nästa möte: onsdag 2026-12-02 10:00" in forum_chat.say("!forum").text
    [event] = _audit(database, "forum.schedule")
    assert event.details == {"rule": forum.schedule_rule, "start": "2026-11-26"}

    back = forum_chat.say("!schedule every thursday 4pm")
    assert "är nu: varje torsdag 16:00" in back.text
    assert "torsdag 2026-11-26 16:00" in back.text
    assert _forum_row(database).schedule_rule == THURSDAY_1600


def test_the_same_rule_again_changes_nothing(forum_chat: Chat, database: Database) -> None:
    for said in ("!schema varje torsdag 16:00", "!schema varje torsdag kl 16"):
        reply = forum_chat.say(said)
        assert reply.ok
        assert "är redan varje torsdag 16:00. Inget har ändrats." in reply.text
        assert "torsdag 2026-11-26 16:00" in reply.text
    assert _forum_row(database).schedule_start == date(2010, 1, 7)
    assert _audit(database, "forum.schedule") == []


def test_every_other_thursday_starts_with_the_next_one(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!schema varannan torsdag 16:00")
    assert "är nu: varannan torsdag 16:00" in said.text
    assert "torsdag 2026-11-26 16:00" in said.text
    assert "torsdag 2026-12-10 16:00" in said.text
    assert "torsdag 2026-12-24 16:00 – Julafton (ledig dag, mötet hålls)" in said.text
    assert "2026-12-03" not in said.text
    # Said after the meeting has started: the first is next Thursday.
    forum_chat.say("!schema ingen")
    forum_chat.advance(hours=2)  # 17:00
    later = forum_chat.say("!schema varannan torsdag 16:00")
    assert "torsdag 2026-12-03 16:00" in later.text
    assert "torsdag 2026-12-17 16:00" in later.text
    assert _forum_row(database).schedule_start == date(2026, 12, 3)


def test_first_tuesday_of_every_month(forum_chat: Chat) -> None:
    said = forum_chat.say("!schema första tisdagen varje månad 10:00")
    assert "är nu: första tisdagen varje månad 10:00" in said.text
    assert "tisdag 2026-12-01 10:00" in said.text
    assert "tisdag 2027-01-05 10:00 – Trettondagsafton (helgdagsafton)" in said.text
    assert "tisdag 2027-02-02 10:00" in said.text


def test_none_removes_the_schedule(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!schema ingen")
    assert said.ok
    assert "Regional samverkanskonferens har inte längre något mötesschema." in said.text
    forum = _forum_row(database)
    assert (forum.schedule_rule, forum.schedule_start) == (None, None)
    assert "Nästa möte: inget schemalagt möte" in forum_chat.say("!forum").text
    assert "har inget mötesschema" in forum_chat.say("!schema").text
    again = forum_chat.say("!schedule none")
    assert "har inget mötesschema. Inget har ändrats." in again.text
    assert len(_audit(database, "forum.schedule")) == 1


@pytest.mark.parametrize(
    "rule", ["banan", "varannan torsdag", "varje torsdag", "torsdag 16:00", "every thursday at 4"]
)
def test_a_rule_not_understood_is_refused_with_examples(
    forum_chat: Chat, database: Database, rule: str
) -> None:
    said = forum_chat.say(f"!schema {rule}")
    assert not said.ok
    assert f"Jag förstår inte schemat ”{rule}”. Inget har ändrats." in said.text
    assert "!schema varje torsdag 16:00" in said.text
    assert "!schema första tisdagen varje månad 10:00" in said.text
    assert "!schema ingen" in said.text
    assert _forum_row(database).schedule_rule == THURSDAY_1600
    assert _audit(database, "forum.schedule") == []


def test_only_a_coordinator_changes_the_schedule(forum_chat: Chat, database: Database) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    for text in ("!schema varje onsdag 10:00", "!schema ingen"):
        said = forum_chat.say(text, person="anna")
        assert not said.ok
        assert "!schema <regel> kräver rollen koordinator; din roll här: aktör." in said.text
    policy = forum_chat.say("!schema helgdag flytta", person="anna")
    assert not policy.ok
    assert "kräver rollen koordinator" in policy.text
    forum = _forum_row(database)
    assert forum.schedule_rule == THURSDAY_1600
    assert forum.holiday_policy is HolidayPolicy.SKIP
    assert _audit(database, "forum.schedule") == []
    assert _audit(database, "forum.holiday_policy") == []


# -- !schema helgdag -------------------------------------------------------------------------


def test_the_holiday_policy_is_set_and_says_which_meeting_it_changes(
    forum_chat: Chat, database: Database
) -> None:
    assert _forum_row(database).holiday_policy is HolidayPolicy.SKIP  # the default
    moved = forum_chat.say("!schema helgdag flytta")
    assert moved.ok, moved.text
    assert "Allmänna helgdagar i Regional samverkanskonferens: flytta" in moved.text
    assert (
        "Nästa möte som berörs: onsdag 2027-05-05 16:00 – flyttat från torsdag 2027-05-06: "
        "Kristi himmelsfärdsdag" in moved.text
    )
    assert _forum_row(database).holiday_policy is HolidayPolicy.PREVIOUS

    held = forum_chat.say("!schema helgdag håll")
    assert "torsdag 2027-05-06 16:00 – Kristi himmelsfärdsdag (helgdag, mötet hålls)" in held.text
    assert _forum_row(database).holiday_policy is HolidayPolicy.HOLD

    skipped = forum_chat.say("!schedule holiday skip")
    assert "torsdag 2027-05-06 16:00 – inget möte: Kristi himmelsfärdsdag (helgdag)" in (
        skipped.text
    )
    assert _forum_row(database).holiday_policy is HolidayPolicy.SKIP
    events = _audit(database, "forum.holiday_policy")
    assert [e.details for e in events] == [
        {"policy": "previous"},
        {"policy": "hold"},
        {"policy": "skip"},
    ]


def test_an_unknown_holiday_policy_is_refused(forum_chat: Chat, database: Database) -> None:
    said = forum_chat.say("!schema helgdag ibland")
    assert not said.ok
    assert "”ibland” är ingen helgdagsregel. Inget har ändrats." in said.text
    assert "!schema helgdag flytta" in said.text
    assert _forum_row(database).holiday_policy is HolidayPolicy.SKIP


# -- !nästa ----------------------------------------------------------------------------------


def test_next_lists_five_meetings_with_the_eves_marked(forum_chat: Chat) -> None:
    said = forum_chat.say("!nästa")
    assert said.ok, said.text
    assert "Kommande möten: Regional samverkanskonferens" in said.text
    lines = [line.strip() for line in said.text.splitlines() if line.strip().startswith("•")]
    assert lines == [
        "• torsdag 2026-11-26 16:00",
        "• torsdag 2026-12-03 16:00",
        "• torsdag 2026-12-10 16:00",
        "• torsdag 2026-12-17 16:00",
        "• torsdag 2026-12-24 16:00 – Julafton (ledig dag, mötet hålls)",
    ]
    assert "Schema: varje torsdag 16:00. Allmänna helgdagar: hoppa" in said.text


def test_next_in_english(forum_chat: Chat) -> None:
    forum_chat.say("!forum language en")
    forum_chat.advance(days=14)  # Thursday 2026-12-10 15:00
    said = forum_chat.say("!next")
    assert "Upcoming meetings: Regional samverkanskonferens" in said.text
    assert "Thursday 2026-12-24 16:00 – Christmas Eve (a day off, held anyway)" in said.text
    assert "Thursday 2026-12-31 16:00 – New Year's Eve (a day off, held anyway)" in said.text
    assert "Thursday 2027-01-07 16:00" in said.text
    assert "Schedule: every Thursday 16:00. Public holidays: skip" in said.text


def test_next_shows_a_skipped_or_moved_meeting_in_its_place(forum_chat: Chat) -> None:
    forum_chat.clock.set(datetime(2026, 5, 4, 9, 0, tzinfo=STOCKHOLM))
    said = forum_chat.say("!nästa")
    assert "torsdag 2026-05-14 16:00 – inget möte: Kristi himmelsfärdsdag (helgdag)" in said.text
    assert said.text.count("•") == 6  # five meetings, and the one not held
    forum_chat.say("!schema helgdag flytta")
    moved = forum_chat.say("!nästa")
    assert (
        "onsdag 2026-05-13 16:00 – flyttat från torsdag 2026-05-14: Kristi himmelsfärdsdag"
        in moved.text
    )
    assert moved.text.count("•") == 5


def test_next_without_a_schedule(chat: Chat) -> None:
    chat.say("!forum koppla Regionalt samordnande forum")
    said = chat.say("!nästa")
    assert said.ok
    assert "Regionalt samordnande forum har inget mötesschema." in said.text
    assert "!schema varje torsdag 16:00" in said.text


def test_schedule_commands_need_a_forum(chat: Chat) -> None:
    said = chat.say("!nästa")
    assert not said.ok
    assert "inte kopplad till något forum" in said.text


# -- what uses the meetings sees the policy --------------------------------------------------


def test_reports_in_the_week_of_a_skipped_conference_go_to_the_next_one(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    forum_chat.clock.set(datetime(2026, 5, 12, 12, 0, tzinfo=STOCKHOLM))
    skipped = forum_chat.say("!läge Läge: normalt", person="anna")
    assert "(möte 2026-05-21 16:00, v. 21)" in skipped.text


def test_reports_go_to_the_round_of_a_moved_conference(forum_chat: Chat) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    forum_chat.say("!schema helgdag flytta")
    forum_chat.clock.set(datetime(2026, 5, 12, 12, 0, tzinfo=STOCKHOLM))
    moved = forum_chat.say("!läge Läge: normalt", person="anna")
    assert "(möte 2026-05-13 16:00, v. 20)" in moved.text
    assert "Nästa möte: onsdag 2026-05-13 16:00" in forum_chat.say("!forum").text

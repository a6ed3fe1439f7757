"""The time parser: phrases people type, Swedish first, English too, read exactly or refused."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commands.core.when import HORIZON, Weekly, parse_weekly, parse_when

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Monday 23 November 2026, 10:00: the week's samverkanskonferens is on Thursday the 26th.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)
# Thursday 26 November 2026, 15:00: an hour before the conference.
THURSDAY = datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)


def _local(text: str, now: datetime, **kwargs: time) -> tuple[str, bool] | None:
    found = parse_when(text, now, STOCKHOLM, **kwargs)
    if found is None:
        return None
    assert found.at.tzinfo is STOCKHOLM
    return found.at.strftime("%Y-%m-%d %H:%M"), found.has_time


ASKED_ON_MONDAY: list[tuple[str, str, bool]] = [
    # Weekdays with a time: kl, kl., klockan, a bare hour, 16:00 and 16.00.
    ("torsdag kl 16", "2026-11-26 16:00", True),
    ("torsdag 16", "2026-11-26 16:00", True),
    ("torsdag 16:00", "2026-11-26 16:00", True),
    ("torsdag kl. 16.00", "2026-11-26 16:00", True),
    ("Torsdag kl 16", "2026-11-26 16:00", True),
    ("TORSDAG KL 16", "2026-11-26 16:00", True),
    ("torsdag klockan 16", "2026-11-26 16:00", True),
    ("torsdag kl16", "2026-11-26 16:00", True),
    ("torsdag, kl 16", "2026-11-26 16:00", True),
    ("torsdag kl 16.", "2026-11-26 16:00", True),
    ("  torsdag   kl  16  ", "2026-11-26 16:00", True),
    ("tors kl 16", "2026-11-26 16:00", True),
    ("tor. 16:30", "2026-11-26 16:30", True),
    ("fredag 09.30", "2026-11-27 09:30", True),
    ("fre 9.30", "2026-11-27 09:30", True),
    ("på fredag kl 13", "2026-11-27 13:00", True),
    ("kl 16 på fredag", "2026-11-27 16:00", True),
    ("16:00 torsdag", "2026-11-26 16:00", True),
    ("lördag kl 10", "2026-11-28 10:00", True),
    ("lordag kl 10", "2026-11-28 10:00", True),
    ("söndag 23:59", "2026-11-29 23:59", True),
    ("sondag 0:00", "2026-11-29 00:00", True),
    # Today's weekday: today while the time is ahead, else a week later.
    ("måndag kl 11", "2026-11-23 11:00", True),
    ("mandag 11", "2026-11-23 11:00", True),
    ("måndag kl 9", "2026-11-30 09:00", True),
    ("måndag kl 10", "2026-11-30 10:00", True),
    ("måndag", "2026-11-30 09:00", False),
    # A day without a time: default_time, has_time False.
    ("fredag", "2026-11-27 09:00", False),
    ("på fredag", "2026-11-27 09:00", False),
    ("Fredag", "2026-11-27 09:00", False),
    ("tisdag", "2026-11-24 09:00", False),
    # kommande: the first such day after today; nästa vecka: the next ISO week. "nästa
    # torsdag" asked while Thursday is still to come this week is refused (see REFUSED).
    ("kommande torsdag", "2026-11-26 09:00", False),
    ("kommande torsdag 15:00", "2026-11-26 15:00", True),
    ("nästa måndag", "2026-11-30 09:00", False),
    ("nästa måndag kl 11", "2026-11-30 11:00", True),
    ("torsdag nästa vecka", "2026-12-03 09:00", False),
    ("torsdag nasta vecka", "2026-12-03 09:00", False),
    ("torsdag i nästa vecka kl 16", "2026-12-03 16:00", True),
    ("nästa vecka på torsdag", "2026-12-03 09:00", False),
    ("måndag nästa vecka 8", "2026-11-30 08:00", True),
    ("söndag nästa vecka", "2026-12-06 09:00", False),
    # Day words.
    ("imorgon kl 08.30", "2026-11-24 08:30", True),
    ("i morgon kl 8", "2026-11-24 08:00", True),
    ("imorgon 8", "2026-11-24 08:00", True),
    ("imorgon kl 08", "2026-11-24 08:00", True),
    ("i morgon 15:00", "2026-11-24 15:00", True),
    ("imorn 15:00", "2026-11-24 15:00", True),
    ("kl 7 imorgon", "2026-11-24 07:00", True),
    ("imorgon", "2026-11-24 09:00", False),
    ("i övermorgon kl 9", "2026-11-25 09:00", True),
    ("övermorgon", "2026-11-25 09:00", False),
    ("overmorgon 14", "2026-11-25 14:00", True),
    ("idag kl 17", "2026-11-23 17:00", True),
    ("i dag 17:00", "2026-11-23 17:00", True),
    # idag pins today: like an explicit date it may have passed; the caller refuses.
    ("idag kl 8", "2026-11-23 08:00", True),
    ("idag", "2026-11-23 09:00", False),
    # ikväll needs a time and reads it as evening.
    ("ikväll kl 8", "2026-11-23 20:00", True),
    ("ikväll 19:30", "2026-11-23 19:30", True),
    ("i kväll kl 21", "2026-11-23 21:00", True),
    ("ikvall 8", "2026-11-23 20:00", True),
    ("ikväll kl 17", "2026-11-23 17:00", True),
    # A time alone: today if still ahead, else tomorrow.
    ("kl 16", "2026-11-23 16:00", True),
    ("kl 9", "2026-11-24 09:00", True),
    ("kl 10", "2026-11-24 10:00", True),
    ("kl 10:01", "2026-11-23 10:01", True),
    ("16:00", "2026-11-23 16:00", True),
    ("09.30", "2026-11-24 09:30", True),
    ("kl 00:00", "2026-11-24 00:00", True),
    ("kl 23:59", "2026-11-23 23:59", True),
    # Spans: minutes and hours from now, days and weeks at the same clock time.
    ("om 2 timmar", "2026-11-23 12:00", True),
    ("om 30 minuter", "2026-11-23 10:30", True),
    ("om en timme", "2026-11-23 11:00", True),
    ("om 1 timme", "2026-11-23 11:00", True),
    ("om tre timmar", "2026-11-23 13:00", True),
    ("om 90 min", "2026-11-23 11:30", True),
    ("om en kvart", "2026-11-23 10:15", True),
    ("om en halvtimme", "2026-11-23 10:30", True),
    ("om 3 dagar", "2026-11-26 10:00", True),
    ("om en dag", "2026-11-24 10:00", True),
    ("om 2 veckor", "2026-12-07 10:00", True),
    # Dates: day first, the next occurrence when no year is given.
    ("23 nov 15:00", "2026-11-23 15:00", True),
    ("23 november kl 15", "2026-11-23 15:00", True),
    ("24 nov", "2026-11-24 09:00", False),
    ("3/12 10:00", "2026-12-03 10:00", True),
    ("3/12", "2026-12-03 09:00", False),
    ("3/12/2026 kl 10", "2026-12-03 10:00", True),
    ("den 3 december", "2026-12-03 09:00", False),
    ("3:e december kl 16", "2026-12-03 16:00", True),
    ("3 dec. 16:00", "2026-12-03 16:00", True),
    ("torsdag den 3 december kl 16", "2026-12-03 16:00", True),
    ("tors 3/12 16:00", "2026-12-03 16:00", True),
    ("3 december 2026", "2026-12-03 09:00", False),
    ("1 jan", "2027-01-01 09:00", False),
    ("15 mars 13:00", "2027-03-15 13:00", True),
    ("1 maj", "2027-05-01 09:00", False),
    ("10 okt kl 8", "2027-10-10 08:00", True),
    ("29 feb", "2028-02-29 09:00", False),
    ("2026-12-03 10:00", "2026-12-03 10:00", True),
    ("2026-12-03", "2026-12-03 09:00", False),
    ("2026-12-3 kl 10", "2026-12-03 10:00", True),
    # An explicit date in the past is returned as such; the caller refuses it.
    ("2020-01-01 10:00", "2020-01-01 10:00", True),
    ("2026-11-20", "2026-11-20 09:00", False),
    # English.
    ("tomorrow 8am", "2026-11-24 08:00", True),
    ("tomorrow at 08:30", "2026-11-24 08:30", True),
    ("Tomorrow at 8 a.m.", "2026-11-24 08:00", True),
    ("tomorrow", "2026-11-24 09:00", False),
    ("next monday 4pm", "2026-11-30 16:00", True),
    ("thursday 16:00", "2026-11-26 16:00", True),
    ("thursday at 4pm", "2026-11-26 16:00", True),
    ("Thursday at 16", "2026-11-26 16:00", True),
    ("thu 4:30pm", "2026-11-26 16:30", True),
    ("on friday", "2026-11-27 09:00", False),
    ("this friday", "2026-11-27 09:00", False),
    ("friday", "2026-11-27 09:00", False),
    ("thursday next week 4pm", "2026-12-03 16:00", True),
    ("next week on thursday", "2026-12-03 09:00", False),
    ("today at 17:00", "2026-11-23 17:00", True),
    ("tonight 8pm", "2026-11-23 20:00", True),
    ("tonight at 8", "2026-11-23 20:00", True),
    ("the day after tomorrow 12:00", "2026-11-25 12:00", True),
    ("12am", "2026-11-24 00:00", True),
    ("12pm", "2026-11-23 12:00", True),
    ("at 16:00", "2026-11-23 16:00", True),
    ("in 2 hours", "2026-11-23 12:00", True),
    ("in 15 minutes", "2026-11-23 10:15", True),
    ("in an hour", "2026-11-23 11:00", True),
    ("in half an hour", "2026-11-23 10:30", True),
    ("in 3 days", "2026-11-26 10:00", True),
    ("in two weeks", "2026-12-07 10:00", True),
    ("23 nov 15:00", "2026-11-23 15:00", True),
    ("dec 3 10:00", "2026-12-03 10:00", True),
    ("december 3rd at 10am", "2026-12-03 10:00", True),
    ("3rd of december 2026", "2026-12-03 09:00", False),
    ("Thursday, December 3 4pm", "2026-12-03 16:00", True),
    ("may 1", "2027-05-01 09:00", False),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), ASKED_ON_MONDAY)
def test_asked_on_monday(text: str, expected: str, has_time: bool) -> None:
    assert _local(text, MONDAY) == (expected, has_time)


ASKED_ON_THURSDAY_AT_1500: list[tuple[str, str, bool]] = [
    ("torsdag 16:00", "2026-11-26 16:00", True),
    ("torsdag kl 16", "2026-11-26 16:00", True),
    ("thursday 4pm", "2026-11-26 16:00", True),
    ("torsdag 14:00", "2026-12-03 14:00", True),
    ("torsdag kl 15", "2026-12-03 15:00", True),
    ("torsdag", "2026-12-03 09:00", False),
    ("nästa torsdag 16:00", "2026-12-03 16:00", True),
    ("kommande torsdag kl 16", "2026-12-03 16:00", True),
    ("next thursday", "2026-12-03 09:00", False),
    ("torsdag nästa vecka 16:00", "2026-12-03 16:00", True),
    ("nästa måndag", "2026-11-30 09:00", False),
    ("måndag", "2026-11-30 09:00", False),
    ("fredag", "2026-11-27 09:00", False),
    ("kl 16", "2026-11-26 16:00", True),
    ("kl 14", "2026-11-27 14:00", True),
    ("kl 15", "2026-11-27 15:00", True),
    ("26 nov 16:00", "2026-11-26 16:00", True),
    ("idag kl 16", "2026-11-26 16:00", True),
    ("om 45 minuter", "2026-11-26 15:45", True),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), ASKED_ON_THURSDAY_AT_1500)
def test_asked_on_thursday_afternoon(text: str, expected: str, has_time: bool) -> None:
    assert _local(text, THURSDAY) == (expected, has_time)


AROUND_NEW_YEAR: list[tuple[datetime, str, str, bool]] = [
    (datetime(2026, 12, 30, 10, 0, tzinfo=STOCKHOLM), "2 jan 10:00", "2027-01-02 10:00", True),
    (datetime(2026, 12, 30, 10, 0, tzinfo=STOCKHOLM), "om 3 dagar", "2027-01-02 10:00", True),
    (datetime(2026, 12, 30, 10, 0, tzinfo=STOCKHOLM), "31 dec", "2026-12-31 09:00", False),
    (datetime(2026, 12, 30, 10, 0, tzinfo=STOCKHOLM), "2/1", "2027-01-02 09:00", False),
    (datetime(2026, 12, 31, 10, 0, tzinfo=STOCKHOLM), "nästa måndag", "2027-01-04 09:00", False),
    (datetime(2026, 12, 31, 10, 0, tzinfo=STOCKHOLM), "next monday", "2027-01-04 09:00", False),
    (datetime(2026, 12, 31, 10, 0, tzinfo=STOCKHOLM), "måndag kl 8", "2027-01-04 08:00", True),
    (datetime(2026, 12, 31, 10, 0, tzinfo=STOCKHOLM), "torsdag 9:00", "2027-01-07 09:00", True),
    (
        datetime(2026, 12, 31, 10, 0, tzinfo=STOCKHOLM),
        "torsdag nästa vecka",
        "2027-01-07 09:00",
        False,
    ),
    (datetime(2026, 12, 31, 23, 0, tzinfo=STOCKHOLM), "kl 00:30", "2027-01-01 00:30", True),
    (datetime(2026, 12, 31, 23, 0, tzinfo=STOCKHOLM), "imorgon 8", "2027-01-01 08:00", True),
    (datetime(2026, 12, 31, 23, 0, tzinfo=STOCKHOLM), "om 2 timmar", "2027-01-01 01:00", True),
    (datetime(2026, 12, 31, 23, 0, tzinfo=STOCKHOLM), "fredag", "2027-01-01 09:00", False),
]


@pytest.mark.parametrize(("now", "text", "expected", "has_time"), AROUND_NEW_YEAR)
def test_around_new_year(now: datetime, text: str, expected: str, has_time: bool) -> None:
    assert _local(text, now) == (expected, has_time)


REFUSED = [
    "",
    "   ",
    ".",
    "sen",
    "snart",
    "whenever",
    "banan",
    "later",
    "kl",
    "kl 25",
    "kl 24",
    "24:00",
    "16:60",
    "kl 7.5",
    "13pm",
    "0am",
    "32 nov",
    "31 nov",
    "30 feb",
    "0/12",
    "13/13",
    "12/31",  # month first: day-first order makes this impossible, not a guess
    "2026-13-01",
    "imorgon kl 8 och 9",
    "torsdag kl 16 och fredag kl 16",
    "torsdag kl 16 banan",
    "banan torsdag kl 16",
    "mötet är på torsdag kl 16",
    "torsdag banan",
    "16",  # a bare number: an hour, a day of the month or a year?
    "23 nov 15",  # 15:00 or 2015?
    "3/12 10",
    "tomorrow 8",  # 08:00 or 20:00?
    "at 4",
    "thursday at 4",
    "thursday 16",  # the 16th or 16:00? (in Swedish, "torsdag 16" is 16:00)
    "ikväll",  # 18? 19? 20?
    "tonight",
    "ikväll kl 3",
    "ikväll kl 12",
    "tonight 8am",
    "om 0 timmar",
    "om 2 månader",
    "om timmar",
    "om några timmar",
    "in a while",
    "för 2 timmar sedan",
    "2 hours ago",
    "igår",
    "yesterday",
    "i torsdags",
    "nästa",
    "nästa vecka",
    # On a Monday: this week's Thursday, or next week's? Swedes disagree; both are shown.
    "nästa torsdag 15:00",
    "nasta torsdag 15:00",
    "Nästa Torsdag kl 15",
    "på nästa torsdag",
    "next thursday 4pm",
    "next thursday at 4 pm",
    # A single-digit hour 1-5 is the night's or the afternoon's: both are shown.
    "kl 3",
    "torsdag 4",
    "3:30",
    "torsdag nästa",
    "nästa banan",
    "varje torsdag 16:00",  # a recurrence: parse_weekly
    "november",
    "2026",
    "1700000000",
    "3 idag",
    # dateparser reads number words as months ("3 en" is 3 January): only month names count.
    "3 en",
    "an 16",
    "29 a",
    "3 two",
    "3 tre",
    "fredag den 3 december",  # 3 December 2026 is a Thursday
    "2116-01-01",
    "2029-06-01 10:00",  # more than two years ahead
    "om 1000 dagar",
    "om 9999 veckor",
    "0001-01-01 00:30",
    "23 nov 2123",
]


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_when(text, MONDAY, STOCKHOLM) is None


# Daylight saving in 2026: 29 March 02:00 -> 03:00 (UTC+1 -> UTC+2) and 25 October
# 03:00 -> 02:00 (UTC+2 -> UTC+1).
DST: list[tuple[datetime, str, str, timedelta]] = [
    (
        datetime(2026, 3, 28, 12, 0, tzinfo=STOCKHOLM),
        "imorgon 10:00",
        "2026-03-29 10:00",
        timedelta(hours=2),
    ),
    (
        datetime(2026, 10, 24, 12, 0, tzinfo=STOCKHOLM),
        "imorgon 10:00",
        "2026-10-25 10:00",
        timedelta(hours=1),
    ),
    (
        datetime(2026, 3, 29, 1, 30, tzinfo=STOCKHOLM),
        "om 2 timmar",
        "2026-03-29 04:30",
        timedelta(hours=2),
    ),
    (
        datetime(2026, 10, 25, 1, 30, tzinfo=STOCKHOLM),
        "om 2 timmar",
        "2026-10-25 02:30",
        timedelta(hours=1),  # the second 02:30
    ),
    (
        datetime(2026, 10, 24, 12, 0, tzinfo=STOCKHOLM),
        "imorgon 02:30",
        "2026-10-25 02:30",
        timedelta(hours=2),  # the first 02:30 (fold=0)
    ),
    (
        datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM),  # fold=0: the first 02:30
        "om 1 timme",
        "2026-10-25 02:30",
        timedelta(hours=1),  # the second 02:30, an hour later
    ),
    (
        datetime(2026, 3, 28, 10, 0, tzinfo=STOCKHOLM),
        "om 1 dag",
        "2026-03-29 10:00",
        timedelta(hours=2),  # a calendar day: the same clock time, 23 real hours
    ),
    (
        datetime(2026, 3, 28, 10, 0, tzinfo=STOCKHOLM),
        "om 24 timmar",
        "2026-03-29 11:00",
        timedelta(hours=2),
    ),
    (
        datetime(2026, 10, 22, 17, 0, tzinfo=STOCKHOLM),
        "torsdag 16:00",
        "2026-10-29 16:00",
        timedelta(hours=1),
    ),
    (
        datetime(2026, 3, 23, 9, 0, tzinfo=STOCKHOLM),
        "söndag kl 03",
        "2026-03-29 03:00",
        timedelta(hours=2),
    ),
    (
        datetime(2026, 3, 1, 9, 0, tzinfo=STOCKHOLM),
        "2026-03-29 12:00",
        "2026-03-29 12:00",
        timedelta(hours=2),
    ),
]


@pytest.mark.parametrize(("now", "text", "expected", "offset"), DST)
def test_daylight_saving(now: datetime, text: str, expected: str, offset: timedelta) -> None:
    found = parse_when(text, now, STOCKHOLM)
    assert found is not None
    assert found.at.strftime("%Y-%m-%d %H:%M") == expected
    assert found.at.utcoffset() == offset


def test_durations_across_the_switches_are_real_time() -> None:
    spring = datetime(2026, 3, 29, 1, 30, tzinfo=STOCKHOLM)
    found = parse_when("om 2 timmar", spring, STOCKHOLM)
    assert found is not None
    assert found.at.astimezone(UTC) - spring.astimezone(UTC) == timedelta(hours=2)
    autumn = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=STOCKHOLM)  # the second 02:30
    found = parse_when("in 30 minutes", autumn, STOCKHOLM)
    assert found is not None
    assert found.at.astimezone(UTC) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (datetime(2026, 3, 28, 12, 0, tzinfo=STOCKHOLM), "imorgon 02:30"),
        (datetime(2026, 3, 29, 0, 30, tzinfo=STOCKHOLM), "kl 02:30"),
        (datetime(2026, 3, 23, 9, 0, tzinfo=STOCKHOLM), "söndag kl 2"),
        (datetime(2026, 3, 1, 9, 0, tzinfo=STOCKHOLM), "2026-03-29 02:30"),
        (datetime(2026, 3, 28, 2, 30, tzinfo=STOCKHOLM), "om 1 dag"),
    ],
)
def test_a_wall_time_the_clock_skips_is_refused(now: datetime, text: str) -> None:
    assert parse_when(text, now, STOCKHOLM) is None


def test_the_second_0230_is_not_taken_for_an_earlier_first_one() -> None:
    """Asked at the second 02:45 (winter time), "kl 02:50" today would be the first 02:50,
    which has passed (comparing on the wall clock would call it ahead): it is tomorrow."""
    now = datetime(2026, 10, 25, 2, 45, fold=1, tzinfo=STOCKHOLM)
    assert _local("kl 02:50", now) == ("2026-10-26 02:50", True)


def test_now_in_another_zone_is_read_in_the_forums_zone() -> None:
    # 23:30 UTC on Monday is 00:30 on Tuesday in Stockholm: "imorgon" is Wednesday.
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert _local("imorgon kl 9", now) == ("2026-11-25 09:00", True)
    assert _local("kl 16", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == ("2026-11-23 16:00", True)


def test_default_time() -> None:
    assert _local("fredag", MONDAY, default_time=time(8, 0)) == ("2026-11-27 08:00", False)
    # Issue 15: a weekday said on that day without a time is next week's ("idag" is today).
    assert _local("måndag", MONDAY, default_time=time(11, 0)) == ("2026-11-30 11:00", False)
    assert _local("fredag 13:00", MONDAY, default_time=time(8, 0)) == ("2026-11-27 13:00", True)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("kl 16", datetime(2026, 11, 23, 10, 0), STOCKHOLM)


def test_the_horizon_is_about_two_years() -> None:
    assert parse_when("2028-11-20 10:00", MONDAY, STOCKHOLM) is not None
    assert parse_when("2028-11-26 10:00", MONDAY, STOCKHOLM) is None
    assert timedelta(days=730) <= HORIZON <= timedelta(days=735)


WEEKLY: list[tuple[str, Weekly]] = [
    ("varje torsdag 16:00", Weekly(3, time(16, 0))),
    ("varje torsdag kl 16", Weekly(3, time(16, 0))),
    ("every thursday 4pm", Weekly(3, time(16, 0))),
    ("Every Thursday at 16:00", Weekly(3, time(16, 0))),
    ("Varje Måndag kl. 09.30", Weekly(0, time(9, 30))),
    ("varje mandag kl 9", Weekly(0, time(9, 0))),
    ("varje fredag 8", Weekly(4, time(8, 0))),
    ("torsdagar kl 16", Weekly(3, time(16, 0))),
    ("på torsdagar 16:00", Weekly(3, time(16, 0))),
    ("söndagar kl 18", Weekly(6, time(18, 0))),
    ("thursdays at 4pm", Weekly(3, time(16, 0))),
    ("each friday 10:00", Weekly(4, time(10, 0))),
    ("kl 16 varje torsdag", Weekly(3, time(16, 0))),
    ("varje lördag 23:59", Weekly(5, time(23, 59))),
]


@pytest.mark.parametrize(("text", "expected"), WEEKLY)
def test_weekly(text: str, expected: Weekly) -> None:
    assert parse_weekly(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "varje torsdag",  # no time
        "varannan torsdag 16:00",  # every other week is not weekly
        "torsdag 16:00",  # once
        "nästa torsdag 16:00",
        "every thursday 4",  # 04:00 or 16:00?
        "every thursday at 4",
        "varje torsdag kl 25",
        "varje dag 16:00",
        "varje banan 16:00",
        "varje torsdag 16:00 banan",
        "every thursday 16:00 and friday",
        "varje torsdag och fredag kl 16",
    ],
)
def test_weekly_refused(text: str) -> None:
    assert parse_weekly(text) is None


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    hours=st.integers(min_value=1, max_value=200),
)
@example(now=datetime(2000, 10, 22, 13, 0, tzinfo=UTC), hours=155)  # lands on the first 02:00
@example(now=datetime(2026, 3, 28, 23, 30, tzinfo=UTC), hours=1)  # jumps over 02:00-03:00
def test_om_n_timmar_is_exactly_n_hours(now: datetime, hours: int) -> None:
    found = parse_when(f"om {hours} timmar", now, STOCKHOLM)
    assert found is not None
    # In UTC: Python (PEP 495) calls an ambiguous local time (the repeated hour in October)
    # unequal to every time in another zone, even the same instant.
    assert found.at.astimezone(UTC) == now + timedelta(hours=hours)
    assert found.at.tzinfo is STOCKHOLM
    assert found.has_time


_WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    weekday=st.integers(min_value=0, max_value=6),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
)
def test_a_weekday_and_time_is_the_next_such_moment(
    now: datetime, weekday: int, hour: int, minute: int
) -> None:
    found = parse_when(f"{_WEEKDAY_NAMES[weekday]} kl {hour:02d}:{minute:02d}", now, STOCKHOLM)
    if found is None:  # only a wall time the spring-forward night skips: a Sunday in March
        assert (weekday, hour) == (6, 2)
        assert now.astimezone(STOCKHOLM).month == 3
        return
    local = found.at.astimezone(STOCKHOLM)
    assert (local.weekday(), local.hour, local.minute) == (weekday, hour, minute)
    assert timedelta(0) < found.at - now <= timedelta(days=7, hours=1)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_is_a_time_or_none(text: str) -> None:
    found = parse_when(text, MONDAY, STOCKHOLM)
    assert found is None or found.at.tzinfo is STOCKHOLM
    parse_weekly(text)

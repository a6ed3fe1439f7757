"""Times typed by people, Swedish first, English too: the bot's one time parser.

``parse_when("torsdag kl 16", now, zone)`` is the instant meant, ``None`` when the phrase is not
understood: it never guesses, so the caller can answer with an example instead of a wrong time.
``parse_weekly("varje torsdag 16:00")`` is a recurrence (weekday and wall-clock time).

Why not hand the text straight to dateparser: with Swedish (dateparser 1.5) it gives nothing for
anything with "kl", for "nästa torsdag", "torsdag nästa vecka", "kommande torsdag" and
"övermorgon"; it is silently wrong for "23 november 15:00" (year 2123: the sv locale's date
order is YMD), "torsdag 16" and a bare "16" (year 2116), "imorgon 8" (drops the time), "fredag"
(midnight, and no way to tell that no time was named), "torsdag 16:00" asked on a Thursday at
15:00 (next week, not today), and across daylight-saving switches (the base date's UTC offset).
Its ``parse`` also happily reads a date out of a longer sentence.

So the phrase goes through four small steps:

1. ``_fold``: lower case, accents off ("nasta" = "nästa", "overmorgon" = "övermorgon"),
   commas and a closing full stop dropped, spaces collapsed.
2. Durations ("om 2 timmar", "in 15 minutes") are read here and added to ``now``.
3. Otherwise the phrase is split into a day part and a clock part ("kl 16", "16:00", "4pm",
   "at 08:30", and a bare "16" after a Swedish day word). The day part is a day word
   ("imorgon", "tomorrow"), a weekday phrase ("torsdag", "nästa torsdag", "torsdag nästa
   vecka") or a calendar date; only calendar dates go to dateparser, which knows the month
   names and abbreviations of both languages. The *whole* phrase must be read: a phrase with
   anything left over ("torsdag kl 16 banan") is not a time.
4. The wall-clock date and time are combined naive and given ``zone`` afterwards, so
   "imorgon 10:00" is 10:00 on either side of a daylight-saving switch.

Decisions (tested in ``tests/test_when.py``):

- A weekday ("torsdag", "på fredag", "friday") is the next such day, today included when the
  time (or ``default_time``) is still ahead. "nästa torsdag", "kommande torsdag" and "next
  thursday" are the first Thursday after today: asked on a Monday, the coming Thursday three
  days later; asked on a Thursday, a week later. "torsdag nästa vecka" / "thursday next week"
  is the Thursday of the next ISO week (Monday to Sunday).
- A time alone ("kl 16", "16:00") is today if still ahead, else tomorrow. A date without a
  year ("23 nov") is its next occurrence: this year if still ahead, else the next year.
- A bare hour ("torsdag 16", "imorgon 8") is read on the 24-hour clock only after a Swedish day
  word. Alone ("16") or after a date ("23 nov 15") it could be a day of the month or a year,
  and in English ("tomorrow 8", "at 4") it could be morning or evening: refused.
  "at 16", "kl 8", "8:00" and "8am" are not ambiguous and are read.
- "ikväll" / "tonight" need a time, read as an evening time: "ikväll kl 8" is 20:00, "ikväll
  19:00" is 19:00; anything before 17:00 is refused, and so is "ikväll" alone (18? 19? 20?).
- "idag" / "ikväll" pin today, so like an explicit date ("2020-01-01 10:00") the result may
  already have passed; callers check and refuse with "that has passed". Phrases that move
  forward with ``now`` (weekdays, a time alone, "imorgon", dates without a year, durations)
  never give the past.
- Durations in minutes and hours are elapsed time, added in UTC ("om 2 timmar" is two real
  hours, also across a switch); days and weeks are calendar days at the same wall-clock time.
- A wall-clock time that does not exist (02:30 on the spring-forward night) is refused; an
  ambiguous one (02:30 on the fall-back night) is the first of the two (``fold=0``, summer time).
- Results more than about two years after ``now`` are refused: no year 2116 by accident.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

HORIZON = timedelta(days=2 * 366)
"""How far ahead a parsed time may be; anything later is taken as a misreading."""


@dataclass(frozen=True)
class When:
    at: datetime  # timezone-aware, in `zone` (astimezone(zone))
    has_time: bool  # False when the phrase named only a day and default_time was used


@dataclass(frozen=True)
class Weekly:
    weekday: int  # 0 = Monday
    at: time  # wall-clock time


def parse_when(
    text: str, now: datetime, zone: ZoneInfo, *, default_time: time = time(9, 0)
) -> When | None:
    """The instant meant by `text` said at `now` (aware) in `zone`; None when not understood.

    Never guesses: see the module docstring for how each kind of phrase is read.
    """
    if now.tzinfo is None:
        raise ValueError("parse_when needs a timezone-aware now")
    phrase = _fold(text)
    if not phrase:
        return None
    duration = _duration(phrase)
    if duration is not None:
        return _after(duration, now, zone)
    today = now.astimezone(zone).date()
    for day_text, clock in _splits(phrase):
        day = _day(day_text, today)
        if day is None:
            continue
        if clock is None:
            if day.needs_clock:
                continue
            return _resolve(day, default_time.replace(tzinfo=None), False, now, zone)
        wall = _wall(clock, swedish=day.swedish, evening=day.evening)
        if wall is not None:
            return _resolve(day, wall, True, now, zone)
    return None


def parse_weekly(text: str) -> Weekly | None:
    """ "varje torsdag 16:00", "varje torsdag kl 16", "every thursday 4pm", "every Thursday at
    16:00" (also "torsdagar kl 16", "thursdays 4pm") -> Weekly; else None.

    A time is required; "varannan torsdag" (every other) is not weekly and is refused.
    """
    phrase = _fold(text)
    for day_text, clock in _splits(phrase):
        found = _WEEKLY.fullmatch(day_text)
        if clock is None or found is None:
            continue
        if found["name"] is not None:
            weekday = _WEEKDAYS.get(found["name"])
        else:
            weekday = _PLURAL_WEEKDAYS.get(found["plural"])
        if weekday is None:
            continue
        wall = _wall(clock, swedish=weekday[1], evening=False)
        if wall is not None:
            return Weekly(weekday=weekday[0], at=wall)
    return None


# 1. Folding ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents, commas or a closing full stop, single spaces.

    People type "nasta", "overmorgon" and "mandag" on keyboards without å, ä and ö, and
    "Torsdag," at the start of a sentence; every word list below is therefore written folded.
    Swedish month names have no accents, so dateparser still knows the folded dates.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace(",", " ").split()).removesuffix(".").strip()


# 2. Durations -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    **dict.fromkeys(("en", "ett", "a", "an", "one"), 1),
    **dict.fromkeys(("tva", "two"), 2),
    **dict.fromkeys(("tre", "three"), 3),
    **dict.fromkeys(("fyra", "four"), 4),
    **dict.fromkeys(("fem", "five"), 5),
    **dict.fromkeys(("sex", "six"), 6),
    **dict.fromkeys(("sju", "seven"), 7),
    **dict.fromkeys(("atta", "eight"), 8),
    **dict.fromkeys(("nio", "nine"), 9),
    **dict.fromkeys(("tio", "ten"), 10),
    **dict.fromkeys(("elva", "eleven"), 11),
    **dict.fromkeys(("tolv", "twelve"), 12),
    **dict.fromkeys(("femton", "fifteen"), 15),
    **dict.fromkeys(("tjugo", "twenty"), 20),
    **dict.fromkeys(("trettio", "thirty"), 30),
}

_Unit = tuple[timedelta, bool]  # one unit, and whether it counts calendar days (wall clock)
_MINUTE: _Unit = (timedelta(minutes=1), False)
_HOUR: _Unit = (timedelta(hours=1), False)
_DAY: _Unit = (timedelta(days=1), True)
_WEEK: _Unit = (timedelta(weeks=1), True)
_UNITS: dict[str, _Unit] = {
    **dict.fromkeys(("minut", "minuter", "min", "minute", "minutes", "mins"), _MINUTE),
    **dict.fromkeys(("timme", "timmar", "timma", "tim", "h", "hour", "hours", "hr", "hrs"), _HOUR),
    **dict.fromkeys(("dag", "dagar", "day", "days"), _DAY),
    **dict.fromkeys(("vecka", "veckor", "week", "weeks"), _WEEK),
}
_FIXED_DURATIONS: dict[str, _Unit] = {
    **dict.fromkeys(
        ("om en halvtimme", "om en halv timme", "in half an hour", "in a half hour"),
        (timedelta(minutes=30), False),
    ),
    **dict.fromkeys(("om en kvart", "in a quarter of an hour"), (timedelta(minutes=15), False)),
}
_DURATION = re.compile(r"(?:om|in) (?P<count>\d{1,4}|[a-z]+) (?P<unit>[a-z]+)", re.ASCII)


def _duration(phrase: str) -> _Unit | None:
    """ "om 2 timmar", "om en timme", "in 15 minutes", "om en kvart": a span from now.

    dateparser reads "om 2 timmar" itself, but not "om en kvart" or "om en halvtimme", and
    its result for "om 1 vecka" carries a non-normalised UTC offset; a span is simpler added
    here. Months are not accepted: their length is a guess.
    """
    if phrase in _FIXED_DURATIONS:
        return _FIXED_DURATIONS[phrase]
    found = _DURATION.fullmatch(phrase)
    if found is None or found["unit"] not in _UNITS:
        return None
    count_text = found["count"]
    count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS.get(count_text, 0)
    if count < 1:
        return None
    unit, wall_clock = _UNITS[found["unit"]]
    return count * unit, wall_clock


def _after(duration: _Unit, now: datetime, zone: ZoneInfo) -> When | None:
    """Minutes and hours in UTC (elapsed time); days and weeks on the wall clock."""
    span, wall_clock = duration
    if wall_clock:
        local_now = now.astimezone(zone)
        at = _localise(local_now.replace(tzinfo=None) + span, zone)
    else:
        at = (now.astimezone(UTC) + span).astimezone(zone)
    if at is None or _between(now, at) > HORIZON:
        return None
    return When(at=at, has_time=True)


# 3a. The clock ------------------------------------------------------------------------------

_ClockKind = Literal["kl", "hm", "ampm", "at", "bare"]


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    kind: _ClockKind


_CLOCK = re.compile(
    r"""(?:
        (?:kl\.?|klockan)\ ?(?P<kl_hour>\d{1,2})(?:[:.](?P<kl_minute>\d{2}))?
      | (?:at\ |@\ ?)?(?P<ampm_hour>\d{1,2})(?:[:.](?P<ampm_minute>\d{2}))?\ ?(?P<ampm>[ap])\.?m\.?
      | (?:at\ |@\ ?)?(?P<hm_hour>\d{1,2})[:.](?P<hm_minute>\d{2})
      | (?P<at>at\ |@\ ?)?(?P<bare_hour>\d{1,2})
    )""",
    re.VERBOSE | re.ASCII,
)


def _clock(text: str) -> _Clock | None:
    """ "kl 16", "kl. 16.00", "klockan 8", "16:00", "09.30", "4pm", "at 08:30", "16".

    dateparser gives nothing for "kl" at all, reads a bare "16" as the year 2116 and drops the
    hour from "imorgon 8"; the clock is therefore read here and dateparser never sees it.
    """
    found = _CLOCK.fullmatch(text)
    if found is None:
        return None
    kind: _ClockKind
    if found["kl_hour"] is not None:
        kind, hour, minute = "kl", found["kl_hour"], found["kl_minute"]
    elif found["ampm"] is not None:
        kind, hour, minute = "ampm", found["ampm_hour"], found["ampm_minute"]
    elif found["hm_hour"] is not None:
        kind, hour, minute = "hm", found["hm_hour"], found["hm_minute"]
    else:
        kind, hour, minute = ("at" if found["at"] else "bare"), found["bare_hour"], None
    h, m = int(hour), int(minute or 0)
    if kind == "ampm":
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if found["ampm"] == "p" else 0)
    if h > 23 or m > 59:
        return None
    return _Clock(hour=h, minute=m, kind=kind)


def _wall(clock: _Clock, *, swedish: bool, evening: bool) -> time | None:
    """The wall-clock time, or None when the hour alone cannot be read without guessing.

    A bare hour is the 24-hour clock only after a Swedish day word ("torsdag 16", "imorgon
    8"); "at 4" is morning or afternoon in English. With "ikväll"/"tonight" an hour before
    noon is the evening one ("ikväll kl 8" is 20:00) and the result must be evening.
    """
    hour = clock.hour
    if evening:
        if clock.kind != "ampm" and 1 <= hour < 12:
            hour += 12
        if hour < 17:
            return None
    elif (clock.kind == "bare" and not swedish) or (clock.kind == "at" and 1 <= hour <= 12):
        return None  # "16", "23 nov 15", "tomorrow 8", "at 4"
    return time(hour, clock.minute)


def _splits(phrase: str) -> list[tuple[str, _Clock | None]]:
    """The ways to read `phrase` as (day part, clock): the whole phrase as a day, a clock at
    the end ("torsdag kl 16", "kl 16"), or a clock at the start ("kl 16 på torsdag"); a bare
    hour only at the end ("torsdag 16", not "3 idag")."""
    words = phrase.split(" ")
    found: list[tuple[str, _Clock | None]] = [(phrase, None)]
    for i in range(len(words)):
        clock = _clock(" ".join(words[i:]))
        if clock is not None:
            found.append((" ".join(words[:i]), clock))
    for i in range(1, len(words)):
        clock = _clock(" ".join(words[:i]))
        if clock is not None and clock.kind != "bare":
            found.append((" ".join(words[i:]), clock))
    return found


# 3b. The day --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Day:
    dates: tuple[date, ...]  # the candidates, earliest first
    rolling: bool  # take the first candidate still ahead of now (else the only one, as is)
    swedish: bool = False  # a Swedish day word: a bare hour after it is a time
    evening: bool = False  # "ikväll", "tonight"
    needs_clock: bool = False  # "kl 16" has no day part; "ikväll" alone is not a time
    weekday: int | None = None  # "torsdag 3 december": the date must be a Thursday


def _names(days: tuple[str, ...], swedish: bool) -> dict[str, tuple[int, bool]]:
    return {name: (i, swedish) for i, names in enumerate(days) for name in names.split()}


_WEEKDAYS: dict[str, tuple[int, bool]] = {
    **_names(
        (
            "mandag man",
            "tisdag tis",
            "onsdag ons",
            "torsdag tors tor",
            "fredag fre",
            "lordag lor",
            "sondag son",
        ),
        swedish=True,
    ),
    **_names(
        (
            "monday mon",
            "tuesday tues tue",
            "wednesday wed",
            "thursday thurs thur thu",
            "friday fri",
            "saturday sat",
            "sunday sun",
        ),
        swedish=False,
    ),
}
_PLURAL_WEEKDAYS: dict[str, tuple[int, bool]] = {
    **_names(
        ("mandagar", "tisdagar", "onsdagar", "torsdagar", "fredagar", "lordagar", "sondagar"),
        swedish=True,
    ),
    **_names(
        ("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays"),
        swedish=False,
    ),
}
_DAY_WORDS: dict[str, tuple[int, bool, bool]] = {  # days from today, swedish, evening
    **dict.fromkeys(("idag", "i dag"), (0, True, False)),
    **dict.fromkeys(("imorgon", "i morgon", "imorn", "i morn"), (1, True, False)),
    **dict.fromkeys(("overmorgon", "i overmorgon"), (2, True, False)),
    **dict.fromkeys(("ikvall", "i kvall"), (0, True, True)),
    "today": (0, False, False),
    "tomorrow": (1, False, False),
    **dict.fromkeys(("day after tomorrow", "the day after tomorrow"), (2, False, False)),
    "tonight": (0, False, True),
}

_WD = r"(?P<name>[a-z]+)\.?"
_PLAIN_WEEKDAY = re.compile(rf"(?:this )?{_WD}")
_NEXT_WEEKDAY = re.compile(rf"(?:nasta|kommande|next) {_WD}")
_WEEKDAY_NEXT_WEEK = re.compile(
    rf"{_WD} (?:i )?(?:nasta vecka|next week)"
    r"|(?:nasta vecka|next week) (?:pa |on )?(?P<name_after>[a-z]+)\.?"
)
_WEEKLY = re.compile(rf"(?:pa |on )?(?:(?:varje|every|each) {_WD}|(?P<plural>[a-z]+))")
_DATE = re.compile(
    r"""(?:(?P<weekday>[a-z]+)\.?\ (?:den\ |the\ )?)?(?:
        (?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})
      | (?P<num_day>\d{1,2})/(?P<num_month>\d{1,2})(?:/(?P<num_year>\d{4}))?
      | (?P<day>\d{1,2})(?::?e|:?a|st|nd|rd|th)?\ (?:of\ )?(?P<month>[a-z]+)\.?
        (?:\ (?P<year>\d{4}))?
      | (?P<month_first>[a-z]+)\.?\ (?:the\ )?(?P<day_second>\d{1,2})(?:st|nd|rd|th)?
        (?:\ (?P<year_last>\d{4}))?
    )""",
    re.VERBOSE | re.ASCII,
)


def _day(text: str, today: date) -> _Day | None:
    """The day part: empty (a time alone), a day word, a weekday phrase or a calendar date."""
    if not text:
        return _Day(dates=(today, today + timedelta(days=1)), rolling=True, needs_clock=True)
    if text in _DAY_WORDS:
        offset, swedish, evening = _DAY_WORDS[text]
        dates = (today + timedelta(days=offset),)
        return _Day(
            dates=dates, rolling=False, swedish=swedish, evening=evening, needs_clock=evening
        )
    text = text.removeprefix("pa ").removeprefix("on ")  # "på fredag", "on friday"
    return _weekday_phrase(text, today) or _calendar_day(text, today)


def _weekday_phrase(text: str, today: date) -> _Day | None:
    """ "torsdag", "nästa torsdag", "kommande torsdag", "torsdag nästa vecka", "next thursday".

    dateparser gives nothing for the last three in Swedish, midnight for "fredag" (so a day
    cannot be told from a time), and next week for "torsdag 16:00" asked on Thursday at 15:00.
    """
    for pattern, kind in (
        (_PLAIN_WEEKDAY, "plain"),
        (_NEXT_WEEKDAY, "next"),
        (_WEEKDAY_NEXT_WEEK, "next week"),
    ):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        name = next(group for group in found.groups() if group is not None)
        if name not in _WEEKDAYS:
            return None
        weekday, swedish = _WEEKDAYS[name]
        if kind == "plain":  # today (if the time is still ahead) or within the week
            first = today + timedelta(days=(weekday - today.weekday()) % 7)
            return _Day(dates=(first, first + timedelta(days=7)), rolling=True, swedish=swedish)
        if kind == "next":  # the first such day after today
            after = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
            return _Day(dates=(after,), rolling=False, swedish=swedish)
        next_monday = today + timedelta(days=7 - today.weekday())
        return _Day(dates=(next_monday + timedelta(days=weekday),), rolling=False, swedish=swedish)
    return None


_PINNED_YEAR = 2028
"""A leap year, given to dateparser for a date without one, so that "29 feb" is a date; the
real year is chosen here (dateparser's choice depends on its own idea of now and today)."""


def _calendar_day(text: str, today: date) -> _Day | None:
    """A calendar date: "23 nov", "23 november 2026", "den 3:e december", "3/12" (day first),
    "2026-12-03", "dec 3", "december 3rd", with an optional weekday in front that must agree.

    The shape is checked here so that dateparser only ever sees a day, a month and a year
    (it would otherwise read "23 nov 15" as 2015 or pick a date out of a sentence); dateparser
    then knows the month names of both languages and which dates exist.
    """
    found = _DATE.fullmatch(text.removeprefix("den ").removeprefix("the "))
    if found is None:
        return None
    weekday: int | None = None
    if found["weekday"] is not None:
        if found["weekday"] not in _WEEKDAYS:
            return None
        weekday = _WEEKDAYS[found["weekday"]][0]
    if found["iso_year"] is not None:
        day, month, year = found["iso_day"], found["iso_month"], found["iso_year"]
    elif found["num_day"] is not None:
        day, month, year = found["num_day"], found["num_month"], found["num_year"]
    elif found["day"] is not None:
        day, month, year = found["day"], found["month"], found["year"]
    else:
        day, month, year = found["day_second"], found["month_first"], found["year_last"]
    parsed = _month_day(int(day), month, int(year or _PINNED_YEAR))
    if parsed is None:
        return None
    if year is not None:
        return _Day(dates=(parsed,), rolling=False, weekday=weekday)
    dates = []
    for candidate_year in range(today.year, today.year + 5):
        try:
            dates.append(parsed.replace(year=candidate_year))
        except ValueError:  # 29 February outside a leap year
            continue
    return _Day(dates=tuple(dates), rolling=True, weekday=weekday)


_LANGUAGES = ("sv", "en")


@cache
def _date_parsers() -> tuple[DateDataParser, ...]:
    """One dateparser per language, Swedish first, built on first use: importing dateparser
    takes ~0.1 s and its first parse ~0.2 s, which a bot that never sees a date should not pay.

    A full date required, and only the absolute-date reader: no timestamps, no relative
    phrases. Numeric dates are read day first here ("3/12" is 3 December) and handed over as
    ISO; DATE_ORDER is still day first, since the sv locale's own order is year first.
    """
    from dateparser.date import DateDataParser

    settings = {
        "DATE_ORDER": "DMY",
        "PARSERS": ["absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    return tuple(DateDataParser(languages=[language], settings=settings) for language in _LANGUAGES)


@cache
def _month_names() -> frozenset[str]:
    """Every month name and abbreviation dateparser knows in Swedish and English, folded."""
    from dateparser.languages.loader import default_loader

    months = "january february march april may june july august september october november december"
    return frozenset(
        _fold(name)
        for language in _LANGUAGES
        for month in months.split()
        for name in default_loader.get_locale(language).info[month]
    )


@lru_cache(maxsize=1024)
def _month_day(day: int, month: str, year: int) -> date | None:
    """The date for a day, a month (a number or a name in either language) and a year.

    Two of dateparser's guesses are undone here. It falls back to month first when day first
    is impossible ("12/31"), so the result must repeat the numbers given. And it translates
    number words before it looks for a month ("3 en" is 3 January, "3 two" 3 February), so a
    month word must be one of its month names.
    """
    if not month.isdigit() and month not in _month_names():
        return None
    text = f"{year:04d}-{month}-{day}" if month.isdigit() else f"{day} {month} {year}"
    for parser in _date_parsers():
        found = parser.get_date_data(text).date_obj
        if found is not None:
            break
    else:
        return None
    if (found.year, found.day) != (year, day) or (month.isdigit() and found.month != int(month)):
        return None
    return found.date()


# 4. Localising ------------------------------------------------------------------------------


def _resolve(day: _Day, wall: time, has_time: bool, now: datetime, zone: ZoneInfo) -> When | None:
    """The first candidate day that works at `wall`, as an aware time in `zone`."""
    for candidate in day.dates:
        at = _localise(datetime.combine(candidate, wall), zone)
        if at is None:
            return None
        if day.rolling and _between(now, at) <= timedelta(0):
            continue
        if day.weekday is not None and candidate.weekday() != day.weekday:
            return None
        if _between(now, at) > HORIZON:
            return None
        return When(at=at, has_time=has_time)
    return None


def _localise(naive: datetime, zone: ZoneInfo) -> datetime | None:
    """`naive` wall-clock time in `zone`; None for a time the clock skips (spring forward).

    Attaching the zone to the naive time (rather than letting dateparser add an offset to a
    base time) gives the offset of that day, not of today. An ambiguous time (fall back) gets
    ``fold=0``: the first of the two, still summer time.
    """
    try:
        settled = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    except OverflowError:  # "0001-01-01 00:30" is before the first representable UTC time
        return None
    if settled.replace(tzinfo=None) != naive:
        return None
    return settled


def _between(earlier: datetime, later: datetime) -> timedelta:
    """Real time elapsed. Python subtracts and compares two datetimes with the *same* tzinfo
    on the wall clock, ignoring the offset, which is an hour off across a switch."""
    return later.astimezone(UTC) - earlier.astimezone(UTC)

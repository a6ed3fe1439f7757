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
  time (or ``default_time``) is still ahead. "kommande torsdag" is the first Thursday after
  today. "nästa torsdag" / "next thursday" is that too when it is also next week's Thursday
  (asked Thursday to Sunday); asked while Thursday is still to come this week, Swedes split
  between this week's and next week's, so it is refused with both (``when.two_days``).
  "torsdag nästa vecka" / "thursday next week" is the Thursday of the next ISO week.
- A time alone ("kl 16", "16:00") is today if still ahead, else tomorrow. A date without a
  year ("23 nov", "julafton", "första tisdagen i oktober") is its next occurrence, unless it
  passed less than ``PASSED_WINDOW`` (4 weeks) ago: then it is refused as passed, showing what
  was read. A weekday alone said on that day ("tisdag" on a Tuesday) is next week's.
- Issue 15: ``read_when`` returns the instant with notes (an ambiguous autumn hour read as the
  first) or a ``Refusal`` with a catalogue key (``[when]``) and its parameters: a clock time
  the spring switch skips, a date that does not exist, a weekday that disagrees with the
  date, an idiom with both halves of the day open ("halv fyra": both readings), too far.
  ``parse_when`` is the old interface (None for any refusal).
- A bare hour ("torsdag 16", "imorgon 8") is read on the 24-hour clock only after a Swedish day
  word. Alone ("16") or after a date ("23 nov 15") it could be a day of the month or a year,
  and in English ("tomorrow 8") it could be morning or evening: refused (``when.bare_hour``);
  "at 4" is refused with both readings. "at 16", "kl 8", "8:00" and "8am" are read.
- A single-digit hour 1-5 without a part of the day ("kl 3", "3:30", "torsdag 4") is the
  night's or the afternoon's in chat: refused with both readings; "kl 03", "03:30" are read.
- "24.11", "15.1" are dates; "10.11", which is also a clock time, alone is refused
  (``when.date_or_time``). "kl 1530", "vid 15-tiden" (15:00), "24/11-26", "24 nov -26",
  "2026-11-26T16:00", "första advent", "sista fredagen i månaden" are read.
- "ikväll" / "tonight" need a time, read as an evening time: "ikväll kl 8" is 20:00, "ikväll
  19:00" is 19:00; anything before 17:00 is refused, and so is "ikväll" alone (18? 19? 20?).
- "idag" / "ikväll" pin today, so like an explicit date ("2020-01-01 10:00") the result may
  already have passed; callers check and refuse with "that has passed". Phrases that move
  forward with ``now`` (weekdays, a time alone, "imorgon", dates without a year, durations)
  never give the past.
- Durations in minutes and hours are elapsed time, added in UTC ("om 2 timmar" is two real
  hours, also across a switch); days and weeks are calendar days at the same wall-clock time.
- A wall-clock time that does not exist (02:30 on the spring-forward night) is refused naming
  the switch; an ambiguous one (02:30 on the fall-back night) is the first of the two
  (``fold=0``, summer time), with a note saying so.
- Results more than about two years after ``now`` are refused: no year 2116 by accident.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from commands.core.i18n import t
from commands.core.timefmt import WEEKDAYS, format_time_with_weekday
from commands.core.when_words import (
    NUMBER_WORDS,
    PART_DAYS,
    PART_WORDS,
    Part,
    holiday_dates,
    idiom_clock,
)

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

HORIZON = timedelta(days=2 * 366)
"""How far ahead a parsed time may be; anything later is taken as a misreading."""
PASSED_WINDOW = timedelta(weeks=4)
"""A date without a year that passed less than this long ago is refused as "already passed"
(the person most likely mistyped, or forgot the date had gone by), not moved a year ahead."""
NOT_UNDERSTOOD = "when.not_understood"


@dataclass(frozen=True)
class WeekdayName:
    """A weekday in a refusal's parameters, named in the reader's language."""

    index: int  # 0 = Monday


Param = str | date | datetime | time | WeekdayName


@dataclass(frozen=True)
class Said:
    """A catalogue key and its parameters: a note on a reading, or a refusal."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def texts(self, language: str, zone: ZoneInfo) -> dict[str, str]:
        """The parameters as the reader sees them: instants with weekday, date and time."""
        return {name: _shown(value, language, zone) for name, value in self.params.items()}

    def say(self, language: str, zone: ZoneInfo) -> str:
        return t(language, self.key, **self.texts(language, zone))


class Refusal(Said):
    """Why a phrase was not read: ``when.not_understood`` or something more precise."""

    @property
    def specific(self) -> bool:
        """A phrase that was read as a time and refused for a reason (a clock time that does
        not exist, a date that has passed …), rather than not understood at all."""
        return self.key != NOT_UNDERSTOOD


def _shown(value: Param, language: str, zone: ZoneInfo) -> str:
    if isinstance(value, datetime):
        return format_time_with_weekday(value, zone, language)
    if isinstance(value, date):
        return f"{t(language, f'weekday.{WEEKDAYS[value.weekday()]}')} {value.isoformat()}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, WeekdayName):
        return t(language, f"weekday.{WEEKDAYS[value.index]}")
    return value


@dataclass(frozen=True)
class When:
    at: datetime  # timezone-aware, in `zone` (astimezone(zone))
    has_time: bool  # False when the phrase named only a day and default_time was used
    notes: tuple[Said, ...] = ()  # what the reply should say about the reading


@dataclass(frozen=True)
class Weekly:
    weekday: int  # 0 = Monday
    at: time  # wall-clock time


class _Refuse(Exception):
    def __init__(self, key: str, **params: Param) -> None:
        super().__init__(key)
        self.refusal = Refusal(key, params)


def read_when(
    text: str, now: datetime, zone: ZoneInfo, *, default_time: time = time(9, 0)
) -> When | Refusal:
    """The instant meant by `text` said at `now` (aware) in `zone`, or why it is refused.

    Never guesses: see the module docstring for how each kind of phrase is read.
    """
    if now.tzinfo is None:
        raise ValueError("read_when needs a timezone-aware now")
    phrase = _fold(text)
    shown = " ".join(text.split())[:80]
    if not phrase:
        return Refusal(NOT_UNDERSTOOD, {"phrase": shown})
    if phrase in _NOW:
        return When(at=now.astimezone(zone), has_time=True)
    first: Refusal | None = None
    try:
        duration = _duration(phrase)
        if duration is not None:
            return _after(duration, now, zone, shown)
    except _Refuse as refused:
        return refused.refusal
    today = now.astimezone(zone).date()
    for day_text, clock in _splits(phrase):
        try:
            day = _day(day_text, today)
            if day is None:
                continue
            if clock is None:
                if day.needs_clock:
                    if day.part is not None:  # "ikväll", "imorgon kväll": 18? 19? 20?
                        raise _Refuse("when.needs_clock", phrase=shown)
                    continue
                wall = day.part.default if day.part and day.part.default else default_time
                return _resolve(day, (wall.replace(tzinfo=None),), False, now, zone, shown)
            walls = _wall(clock, day)
            if walls is not None:
                return _resolve(day, walls, True, now, zone, shown)
        except _Refuse as refused:
            if refused.refusal.key == "when.two_days":  # the phrase as typed, not folded
                params = {**refused.refusal.params, "phrase": shown}
                refused.refusal = Refusal(refused.refusal.key, params)
            first = first or refused.refusal
    return first or Refusal(NOT_UNDERSTOOD, {"phrase": shown})


def parse_when(
    text: str, now: datetime, zone: ZoneInfo, *, default_time: time = time(9, 0)
) -> When | None:
    """``read_when`` without the reason: the instant, or None when refused."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs a timezone-aware now")
    found = read_when(text, now, zone, default_time=default_time)
    return found if isinstance(found, When) else None


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
        try:
            walls = _wall(clock, _Day(dates=(), rolling=False, swedish=weekday[1]))
        except _Refuse:  # "every thursday 4": 04:00 or 16:00?
            continue
        if walls is not None and len(walls) == 1:
            return Weekly(weekday=weekday[0], at=walls[0])
    return None


_LOOKS_LIKE_TIME = re.compile(
    r"""(?:
        \d{1,2}[:.]\d{2}(?:[:.]\d{2})?       # 16:00, 09.30
      | \d{4}-\d{1,2}-\d{1,2} | \d{1,2}/\d{1,2}(?:/\d{2,4})?
      | (?:19|20)\d{2}                       # a year
      | kl\.?(?:\ ?\d.*)? | klockan | precis | prick | bitti | halv | kvart
      | [ap]\.?m\.? | [fe]\.?m\.? | o'clock
      | (?:over|i|past|to)\ (?:\d{1,2}|halv)\b.*
      | \d{1,2}(?::?e|:?a|st|nd|rd|th)?\ [a-z]+ .*   # 20 sep
      | (?:den|the)\ \d{1,2}\b.*
      | (?:nasta|next)\ vecka.* | next\ week.*
    )(?=\ |$)""",
    re.VERBOSE | re.ASCII,
)


def looks_like_time(text: str) -> bool:
    """Whether `text` (what follows a time phrase) starts with something that belongs to the
    time: a clock time, a date, "kl", a weekday, a day word. The bot then refuses rather than
    read part of the time and keep the rest as a reminder's or an action's text."""
    phrase = _fold(text)
    if not phrase:
        return False
    words = phrase.split(" ")
    first = words[0].rstrip(".:;")
    if first in _WEEKDAYS or first in _DAY_WORDS or first in _MONTHS_FIRST_WORD():
        return first not in _MONTH_WORDS or (len(words) > 1 and words[1][:1].isdigit())
    if first.isdigit() and len(words) > 1 and words[1].rstrip(".") in _month_names():
        return True
    found = _LOOKS_LIKE_TIME.match(phrase)
    if found is None:
        return False
    if re.match(r"\d{1,2}(?::?e|:?a|st|nd|rd|th)? ", phrase):
        return words[1].rstrip(".") in _month_names()
    return True


@cache
def _MONTHS_FIRST_WORD() -> frozenset[str]:
    return frozenset(name for name in _month_names() if len(name) > 2)


_MONTH_WORDS = frozenset({"mars", "maj", "jul", "may", "march", "aug"})  # also plain words


# 1. Folding ---------------------------------------------------------------------------------

_FILLER_BEFORE = re.compile(
    r"\b(?:ca\.?|cirka|circa|ungefar|omkring|runt|vid|around|about|approx\.?|senast)"
    r" (?=kl|klockan|\d|halv|kvart)"
)
_AROUND_HOUR = re.compile(r"\b(?:(?:vid|kring|runt|omkring) )?(?:kl\.? ?)?(\d{1,2}) ?-?tiden\b")
_FILLER_AFTER = re.compile(r"(?<=\d) (?:precis|prick|sharp|o'clock)\b")


def _fold(text: str) -> str:
    """Lower case without accents, commas or a closing full stop, single spaces, without
    "ca." before a clock time or "precis" after it.

    People type "nasta", "overmorgon" and "mandag" on keyboards without å, ä and ö, and
    "Torsdag," at the start of a sentence; every word list below is therefore written folded.
    Swedish month names have no accents, so dateparser still knows the folded dates. A comma
    between digits is a decimal comma ("om 2,5 timme").
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"(?<=\d),(?=\d)", ".", plain).replace(",", " ")
    plain = " ".join(plain.split()).removesuffix(".").strip()
    plain = re.sub(r"(?<=\d{4}-\d{2}-\d{2})t(?=\d)", " ", plain)  # 2026-11-26T16:00
    plain = _AROUND_HOUR.sub(r"kl \1", plain)  # "vid 15-tiden": about 15, read as 15:00
    plain = _FILLER_AFTER.sub("", _FILLER_BEFORE.sub("", plain))
    return " ".join(plain.split())


_NOW = frozenset({"nu", "genast", "direkt", "now", "right now"})


# 2. Durations -------------------------------------------------------------------------------

_Unit = tuple[timedelta, bool]  # one unit, and whether it counts calendar days (wall clock)
_MINUTE: _Unit = (timedelta(minutes=1), False)
_HOUR: _Unit = (timedelta(hours=1), False)
_DAY: _Unit = (timedelta(days=1), True)
_WEEK: _Unit = (timedelta(weeks=1), True)
_UNITS: dict[str, _Unit] = {
    **dict.fromkeys(("minut", "minuter", "min", "minute", "minutes", "mins", "m"), _MINUTE),
    **dict.fromkeys(
        ("timme", "timmar", "timma", "tim", "t", "h", "hour", "hours", "hr", "hrs"), _HOUR
    ),
    **dict.fromkeys(("dag", "dagar", "dygn", "d", "day", "days"), _DAY),
    **dict.fromkeys(("vecka", "veckor", "v", "week", "weeks"), _WEEK),
}
_FIXED_DURATIONS: dict[str, _Unit] = {
    **dict.fromkeys(
        ("om en halvtimme", "om en halv timme", "in half an hour", "in a half hour"),
        (timedelta(minutes=30), False),
    ),
    **dict.fromkeys(("om en kvart", "in a quarter of an hour"), (timedelta(minutes=15), False)),
    **dict.fromkeys(
        ("om en och en halv timme", "om en och en halv timma", "in an hour and a half"),
        (timedelta(minutes=90), False),
    ),
}
_COUNT_WORDS = {"ett par": 2.0, "a couple of": 2.0, "a couple": 2.0, "par": 2.0}
_DURATION = re.compile(
    r"(?:om|in) (?P<count>\d{1,4}(?:\.\d{1,2})?|ett par|a couple of|a couple|[a-z]+) ?"
    r"(?P<unit>[a-z]+)(?: (?:och |and )?(?P<minutes>\d{1,2}) ?(?:min|minuter|minutes|m))?",
    re.ASCII,
)


def _duration(phrase: str) -> _Unit | None:
    """ "om 2 timmar", "om 2,5 timme", "om ett par timmar", "om 1 t", "om 1 h 30 min",
    "in 15 minutes", "om en kvart": a span from now.

    dateparser reads "om 2 timmar" itself, but not "om en kvart", "om en halvtimme" or
    "om 1 t", and its result for "om 1 vecka" carries a non-normalised UTC offset; a span is
    simpler added here. Months are not accepted: their length is a guess.
    """
    if phrase in _FIXED_DURATIONS:
        return _FIXED_DURATIONS[phrase]
    found = _DURATION.fullmatch(phrase)
    if found is None or found["unit"] not in _UNITS:
        return None
    count_text = found["count"]
    if count_text[0].isdigit():
        count = float(count_text)
    else:
        count = _COUNT_WORDS.get(count_text, float(NUMBER_WORDS.get(count_text, 0)))
    unit, wall_clock = _UNITS[found["unit"]]
    extra = timedelta(minutes=int(found["minutes"] or 0))
    if count <= 0 or (extra and unit != _HOUR[0]):
        return None
    span = count * unit + extra
    if wall_clock and span % timedelta(days=1):  # "om 1,5 dag": not a whole calendar day
        return None
    return span, wall_clock


def _after(duration: _Unit, now: datetime, zone: ZoneInfo, shown: str) -> When:
    """Minutes and hours in UTC (elapsed time); days and weeks on the wall clock."""
    span, wall_clock = duration
    notes: tuple[Said, ...] = ()
    if wall_clock:
        local_now = now.astimezone(zone)
        naive = local_now.replace(tzinfo=None) + span
        at, ambiguous = _localise(naive, zone)
        if ambiguous:
            notes = (Said("when.note_ambiguous", {"clock": naive.time(), "date": naive.date()}),)
    else:
        at = (now.astimezone(UTC) + span).astimezone(zone)
    if _between(now, at) > HORIZON:
        raise _Refuse("when.too_far", phrase=shown)
    return When(at=at, has_time=True, notes=notes)


# 3a. The clock ------------------------------------------------------------------------------

_ClockKind = Literal["kl", "hm", "ampm", "at", "bare", "idiom"]


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    kind: _ClockKind
    second: int = 0
    open: bool = False  # an idiom with morning or afternoon open: "halv fyra"
    padded: bool = True  # "03:30", "15": not an hour 1-5 that may be the afternoon's
    date_like: bool = False  # "10.11": 10:11, or 10 November?


_CLOCK = re.compile(
    r"""(?P<prefix>kl\.?\ ?|klockan\ |at\ |@\ ?)?
        (?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?
        (?:\ ?(?P<ampm>[apfe])\.?m\.?)?""",
    re.VERBOSE | re.ASCII,
)


def _clock(text: str) -> _Clock | None:
    """ "kl 16", "kl. 16.00", "klockan 8", "16:00", "09.30", "15:23:24", "4pm", "kl 3 em",
    "at 08:30", "16", and the idioms "kvart över 15", "halv fyra", "20 över 15".

    dateparser gives nothing for "kl" at all, reads a bare "16" as the year 2116 and drops the
    hour from "imorgon 8"; the clock is therefore read here and dateparser never sees it.
    """
    if text in _NOON:
        return _Clock(12, 0, "kl")
    compact = _KL_HHMM.fullmatch(text)  # "kl 1530", as staff and the police write it
    if compact is not None:
        h, m = int(compact["hour"]), int(compact["minute"])
        return _Clock(h, m, "kl") if h <= 23 and m <= 59 else None
    found = _CLOCK.fullmatch(text)
    if found is None:
        idiom = idiom_clock(text)
        if idiom is None:
            return None
        return _Clock(idiom.hour, idiom.minute, "idiom", open=idiom.open)
    prefix = (found["prefix"] or "").strip()
    kind: _ClockKind
    if found["ampm"] is not None:
        kind = "ampm"
    elif prefix.startswith("kl"):
        kind = "kl"
    elif found["minute"] is not None:
        kind = "hm"
    else:
        kind = "at" if prefix else "bare"
    h, m, s = int(found["hour"]), int(found["minute"] or 0), int(found["second"] or 0)
    if kind == "ampm":
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if found["ampm"] in "pe" else 0)  # pm, em (eftermiddag)
    if h > 23 or m > 59 or s > 59:
        return None
    padded = len(found["hour"]) == 2 or kind == "ampm"
    date_like = (
        kind == "hm" and not prefix and "." in text and found["second"] is None and 1 <= m <= 12
    )
    return _Clock(hour=h, minute=m, kind=kind, second=s, padded=padded, date_like=date_like)


_NOON = frozenset({"noon", "at noon", "midday", "at midday", "mitt pa dagen"})
_KL_HHMM = re.compile(r"(?:kl\.?\ ?|klockan\ )(?P<hour>\d{2})(?P<minute>\d{2})", re.ASCII)


def _wall(clock: _Clock, day: _Day) -> tuple[time, ...] | None:
    """The wall-clock time (two for an idiom that leaves the half of the day open), or None
    when the hour alone cannot be read without guessing.

    A bare hour is the 24-hour clock only after a Swedish day word ("torsdag 16", "imorgon
    8"); "at 4" is morning or afternoon in English. With a part of the day ("ikväll",
    "i eftermiddag") an hour before noon is the later one ("ikväll kl 8" is 20:00) and the
    result must lie in that part.
    """
    hour, part = clock.hour, day.part
    if clock.date_like and day.needs_clock:
        raise _Refuse(
            "when.date_or_time",
            clock=f"{hour:02d}.{clock.minute:02d}",
            date=f"{hour}/{clock.minute}",
        )
    # "kl 3", "3:30", "torsdag 4": in chat as often the afternoon's as the night's.
    low = part is None and not clock.padded and 1 <= hour <= 5
    if low and (clock.kind in ("kl", "hm") or (clock.kind == "bare" and day.swedish)):
        return (time(hour, clock.minute), time(hour + 12, clock.minute))
    if clock.kind == "idiom" and clock.open:
        base = hour % 12
        if part is None:
            return (
                time(base, clock.minute),
                time(base + 12, clock.minute),
            )
        hour = base + 12 if part.afternoon else base
    elif part is not None:
        if part.afternoon and clock.kind != "ampm" and 1 <= hour < 12:
            hour += 12
    elif clock.kind == "at" and 1 <= hour <= 12:  # "at 4": morning or afternoon
        return (time(hour % 12, clock.minute), time(hour % 12 + 12, clock.minute))
    elif clock.kind == "bare" and not day.swedish:
        if day.needs_clock:
            return None  # "16" alone: a day of the month? an amount?
        # "23 nov 15", "tomorrow 8": an hour, a year, a day? Said, not guessed.
        raise _Refuse("when.bare_hour", number=str(hour))
    if part is not None and not part.first <= hour <= part.last:
        return None
    return (time(hour, clock.minute, clock.second),)


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
            found.append((" ".join(words[i:]).removeprefix("pa ").removeprefix("on "), clock))
    return found


# 3b. The day --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Day:
    dates: tuple[date, ...]  # the candidates, earliest first
    rolling: bool  # take the first candidate still ahead of now (else the only one, as is)
    swedish: bool = False  # a Swedish day word: a bare hour after it is a time
    part: Part | None = None  # "ikväll", "i eftermiddag", "torsdag em"
    needs_clock: bool = False  # "kl 16" has no day part; "ikväll" alone is not a time
    weekday: int | None = None  # "torsdag 3 december": the date must be a Thursday
    not_today_unless_clock: bool = False  # "tisdag" said on a Tuesday is next week's
    passed_window: timedelta | None = None  # "23 nov" passed this recently: refused


def _names(days: tuple[str, ...], swedish: bool) -> dict[str, tuple[int, bool]]:
    return {name: (i, swedish) for i, names in enumerate(days) for name in names.split()}


_WEEKDAYS: dict[str, tuple[int, bool]] = {
    **_names(
        (
            "mandag man mon",
            "tisdag tis tisd",
            "onsdag ons onsd",
            "torsdag tors tor torsd",
            "fredag fre fred",
            "lordag lor lord",
            "sondag son sond",
        ),
        swedish=True,
    ),
    **_names(
        (
            "monday",
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
_FULL_WEEKDAYS = tuple(name for name in _WEEKDAYS if len(name) >= 6)
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
_DAY_WORDS: dict[str, tuple[int, bool]] = {  # days from today, swedish
    **dict.fromkeys(("idag", "i dag", "today"), (0, True)),
    **dict.fromkeys(
        ("imorgon", "i morgon", "imorn", "i morn", "imorrn", "i morrn", "imorron", "imorgn"),
        (1, True),
    ),
    **dict.fromkeys(("overmorgon", "i overmorgon"), (2, True)),
    "tomorrow": (1, False),
    "tmrw": (1, False),
    **dict.fromkeys(("day after tomorrow", "the day after tomorrow"), (2, False)),
}
_DAY_WORDS["today"] = (0, False)


def _weekday(name: str) -> tuple[int, bool] | None:
    """A weekday name or abbreviation, forgiving one slip in a full name ("torsdg",
    "tosdag", "fredga"): difflib's ratio against the full names, which are far apart."""
    name = name.removesuffix(".")
    if name in _WEEKDAYS:
        return _WEEKDAYS[name]
    if len(name) < 5 or name.endswith("s") or name in _NOT_WEEKDAYS:
        return None  # "i torsdags" is last Thursday; "mandat" is a word
    scored = sorted(((_closeness(name, full), full) for full in _FULL_WEEKDAYS), reverse=True)
    (best, full), (second, _) = scored[0], scored[1]
    if best < (0.84 if len(name) >= 6 else 0.9) or best - second < 0.05:
        return None
    return _WEEKDAYS[full]


_NOT_WEEKDAYS = frozenset({"mandat", "sondra", "fredan"})


def _closeness(name: str, full: str) -> float:
    """difflib's ratio, and a whole point for two neighbouring letters swapped ("fredga")."""
    if len(name) == len(full) and name != full:
        differ = [i for i in range(len(name)) if name[i] != full[i]]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1
        if swapped and sorted(name[i] for i in differ) == sorted(full[i] for i in differ):
            return 1.0
    return difflib.SequenceMatcher(None, name, full).ratio()


_WD = r"(?P<name>[a-z]+)\.?"
_PLAIN_WEEKDAY = re.compile(rf"(?:this |denna |den har )?{_WD}")
_NEXT_WEEKDAY = re.compile(rf"(?:nasta|kommande|next) {_WD}")
_WEEKDAY_NEXT_WEEK = re.compile(
    rf"{_WD} (?:i )?(?:nasta vecka|next week)"
    r"|(?:nasta vecka|next week) (?:pa |on )?(?P<name_after>[a-z]+)\.?"
)
_WEEKLY = re.compile(rf"(?:pa |on )?(?:(?:varje|every|each) {_WD}|(?P<plural>[a-z]+))")
_ORD = r"(?::?e|:?a|st|nd|rd|th)"
_DATE = re.compile(
    rf"""(?:(?P<weekday>[a-z]+)\.?\ (?:den\ |the\ )?)?(?:
        (?P<iso_year>\d{{4}})-(?P<iso_month>\d{{1,2}})-(?P<iso_day>\d{{1,2}})
      | (?P<num_day>\d{{1,2}})(?P<sep>[/.])(?P<num_month>\d{{1,2}})
        (?:(?:/|-|\.)(?P<num_year>\d{{4}}|\d{{2}}))?
      | (?P<day>\d{{1,2}}){_ORD}?\ (?:of\ )?(?P<month>[a-z]+)\.?
        (?:\ (?P<year>\d{{4}})|\ ?-(?P<short_year>\d{{2}}))?
      | (?P<month_first>[a-z]+)\.?\ (?:the\ )?(?P<day_second>\d{{1,2}}){_ORD}?
        (?:\ (?P<year_last>\d{{4}}))?
    )""",
    re.VERBOSE | re.ASCII,
)
_MONTH_DAY = re.compile(
    rf"(?:(?!den |the )(?P<weekday>[a-z]+)\.? )?"
    rf"(?:(?:den|the) (?P<day>\d{{1,2}}){_ORD}?|(?P<day2>\d{{1,2}}){_ORD})",
    re.ASCII,
)
_ORDINALS = {
    **dict.fromkeys(("forsta", "1:a", "1a", "first", "1st"), 1),
    **dict.fromkeys(("andra", "2:a", "2a", "second", "2nd"), 2),
    **dict.fromkeys(("tredje", "3:e", "3e", "third", "3rd"), 3),
    **dict.fromkeys(("fjarde", "4:e", "4e", "fourth", "4th"), 4),
    **dict.fromkeys(("femte", "5:e", "5e", "fifth", "5th"), 5),
    **dict.fromkeys(("sista", "last"), -1),
}
_ORDINAL = re.compile(
    r"(?:den |the )?(?P<nth>[a-z0-9:]+) (?P<name>[a-z]+) (?:i|of|in) "
    r"(?P<month>nasta manad|denna manad|next month|this month|the month|[a-z]+)\.?"
    r"(?: (?P<year>\d{4}))?",
    re.ASCII,
)
_HOLIDAY_YEAR = re.compile(r"(?P<name>[a-z' ]+?)(?: (?P<year>\d{4}))?")


def _day(text: str, today: date) -> _Day | None:
    """The day part: empty (a time alone), a day word, a weekday phrase, a calendar date, a
    day of the month, an ordinal weekday of a month or a holiday, perhaps with a part of the
    day ("imorgon eftermiddag", "i morgon bitti", "torsdag em")."""
    if not text:
        return _Day(dates=(today, today + timedelta(days=1)), rolling=True, needs_clock=True)
    if text in _DAY_WORDS:
        offset, swedish = _DAY_WORDS[text]
        return _Day(dates=(today + timedelta(days=offset),), rolling=False, swedish=swedish)
    if text in PART_DAYS:
        offset, part, swedish = PART_DAYS[text]
        dates = (today + timedelta(days=offset),)
        return _Day(
            dates=dates, rolling=False, swedish=swedish, part=part, needs_clock=not part.default
        )
    for words, part in _PART_WORDS_LONGEST_FIRST:
        head = text.removesuffix(" " + words)
        if head != text:
            inner = _day(head, today)
            if inner is None or inner.part is not None or inner.needs_clock:
                continue  # "imorgon vid lunch" is not "imorgon vid" + "lunch"
            return replace(inner, part=part, needs_clock=not part.default)
    text = text.removeprefix("pa ").removeprefix("on ")  # "på fredag", "on friday"
    return (
        _weekday_phrase(text, today)
        or _calendar_day(text, today)
        or _month_day_only(text, today)
        or _ordinal_day(text, today)
        or _holiday(text, today)
    )


_PART_WORDS_LONGEST_FIRST = sorted(PART_WORDS.items(), key=lambda item: -len(item[0]))


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
        named = _weekday(name)
        if named is None:
            return None
        weekday, swedish = named
        if kind == "plain":  # today (if a time named is still ahead) or within the week
            first = today + timedelta(days=(weekday - today.weekday()) % 7)
            return _Day(
                dates=(first, first + timedelta(days=7)),
                rolling=True,
                swedish=swedish,
                not_today_unless_clock=True,
            )
        if kind == "next":  # the first such day after today
            after = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
            if weekday > today.weekday() and not text.startswith("kommande"):
                # Said on a Monday, "nästa torsdag" is this week's Thursday to some and next
                # week's to others (Språkrådet calls it ambiguous): both are shown.
                raise _Refuse(
                    "when.two_days",
                    phrase=text,
                    first=after,
                    second=after + timedelta(days=7),
                    example=WeekdayName(weekday),
                )
            return _Day(dates=(after,), rolling=False, swedish=swedish)
        next_monday = today + timedelta(days=7 - today.weekday())
        return _Day(dates=(next_monday + timedelta(days=weekday),), rolling=False, swedish=swedish)
    return None


_PINNED_YEAR = 2028
"""A leap year, given to dateparser for a date without one, so that "29 feb" is a date; the
real year is chosen here (dateparser's choice depends on its own idea of now and today)."""


def _said_weekday(name: str | None) -> int | None:
    """The weekday written before a date, which the date must agree with."""
    if name is None:
        return None
    named = _weekday(name)
    if named is None:
        raise LookupError(name)
    return named[0]


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
    try:
        weekday = _said_weekday(found["weekday"])
    except LookupError:
        return None
    if found["iso_year"] is not None:
        day, month, year = found["iso_day"], found["iso_month"], found["iso_year"]
    elif found["num_day"] is not None:
        day, month, year = found["num_day"], found["num_month"], found["num_year"]
        if found["sep"] == "." and year is None and _clock(text[found.start("num_day") :]):
            return None  # "10.11" reads as a clock time too: see _wall
    elif found["day"] is not None:
        day, month, year = found["day"], found["month"], found["year"] or found["short_year"]
    else:
        day, month, year = found["day_second"], found["month_first"], found["year_last"]
    if year is not None and len(year) == 2:  # "24/11-26", "24 nov -26"
        year = f"20{year}"
    parsed = _month_day(int(day), month, int(year or _PINNED_YEAR))
    if parsed is None:
        if 1 <= int(day) <= 31 and _month_day(1, month, _PINNED_YEAR) is not None:
            raise _Refuse("when.no_such_date", phrase=text)  # "29 februari 2027", "31 nov"
        return None
    if year is not None:
        return _Day(dates=(parsed,), rolling=False, weekday=weekday)
    dates = []
    for candidate_year in range(today.year, today.year + 5):
        try:
            dates.append(parsed.replace(year=candidate_year))
        except ValueError:  # 29 February outside a leap year
            continue
    return _Day(dates=tuple(dates), rolling=True, weekday=weekday, passed_window=PASSED_WINDOW)


def _month_day_only(text: str, today: date) -> _Day | None:
    """ "den 15:e", "på den 15", "15:e", "the 15th": the next such day of a month."""
    found = _MONTH_DAY.fullmatch(text)
    if found is None:
        return None
    try:
        weekday = _said_weekday(found["weekday"])
    except LookupError:
        return None
    day = int(found["day"] or found["day2"])
    if not 1 <= day <= 31:
        return None
    dates = []
    for ahead in range(4):
        month_index = today.month - 1 + ahead
        try:
            dates.append(date(today.year + month_index // 12, month_index % 12 + 1, day))
        except ValueError:  # the 31st of a short month
            continue
    # Said on the day itself, after the time: a slip, not next month's.
    return _Day(dates=tuple(dates), rolling=True, weekday=weekday, passed_window=timedelta(days=1))


def _ordinal_day(text: str, today: date) -> _Day | None:
    """ "första tisdagen i oktober", "sista måndagen i mars", "the last friday of may"."""
    found = _ORDINAL.fullmatch(text)
    if found is None or found["nth"] not in _ORDINALS:
        return None
    name = found["name"]
    named = _weekday(name) or _weekday(name.removesuffix("en")) or _weekday(name.removesuffix("n"))
    if named is None:
        return None
    nth, weekday = _ORDINALS[found["nth"]], named[0]
    if found["month"] in _THIS_MONTH + _NEXT_MONTH and not found["year"]:
        ahead = 1 if found["month"] in _NEXT_MONTH else 0
        year, month = (
            today.year + (today.month + ahead - 1) // 12,
            (today.month + ahead - 1) % 12 + 1,
        )
        day = _nth_weekday(year, month, weekday, nth)
        if day is None:
            raise _Refuse("when.no_such_date", phrase=text)
        return _Day(dates=(day,), rolling=True, passed_window=PASSED_WINDOW)
    first_of_month = _month_day(1, found["month"], _PINNED_YEAR)
    if first_of_month is None:
        return None
    month = first_of_month.month
    years = [int(found["year"])] if found["year"] else range(today.year, today.year + 3)
    dates = [day for year in years if (day := _nth_weekday(year, month, weekday, nth))]
    if not dates:
        raise _Refuse("when.no_such_date", phrase=text)  # "femte måndagen i februari 2027"
    if found["year"]:
        return _Day(dates=tuple(dates), rolling=False)
    return _Day(dates=tuple(dates), rolling=True, passed_window=PASSED_WINDOW)


_THIS_MONTH = ("manaden", "denna manad", "this month", "the month")
_NEXT_MONTH = ("nasta manad", "next month")


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    if nth > 0:
        first = date(year, month, 1)
        day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    else:
        following = date(year + month // 12, month % 12 + 1, 1)
        day = following - timedelta(days=(following.weekday() - weekday - 1) % 7 + 1)
    return day if day.month == month else None


def _holiday(text: str, today: date) -> _Day | None:
    """ "julafton", "nyårsafton", "midsommarafton 2027", "Kristi himmelsfärdsdag", "christmas
    eve": from the holidays library, the next one (or that year's)."""
    found = _HOLIDAY_YEAR.fullmatch(text)
    if found is None:
        return None
    name = found["name"].removeprefix("pa ")
    if found["year"]:
        year = int(found["year"])
        dates = holiday_dates(name, range(year, year + 1))
        return _Day(dates=dates, rolling=False, swedish=True) if dates else None
    dates = holiday_dates(name, range(today.year, today.year + 3))
    if not dates:
        return None
    return _Day(dates=dates, rolling=True, swedish=True, passed_window=PASSED_WINDOW)


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


def _resolve(
    day: _Day, walls: tuple[time, ...], has_time: bool, now: datetime, zone: ZoneInfo, shown: str
) -> When:
    """The reading at each wall time; two readings ("halv fyra") are refused with both."""
    readings = [_resolve_one(day, wall, has_time, now, zone, shown) for wall in walls]
    if len(readings) == 1:
        return readings[0]
    first, second = sorted(readings, key=lambda reading: reading.at.astimezone(UTC))
    raise _Refuse(
        "when.two_readings", phrase=shown, first=first.at, second=second.at, example=walls[1]
    )


def _resolve_one(
    day: _Day, wall: time, has_time: bool, now: datetime, zone: ZoneInfo, shown: str
) -> When:
    """The first candidate day that works at `wall`, as an aware time in `zone`."""
    local_now = now.astimezone(zone).replace(tzinfo=None)
    for candidate in day.dates:
        if day.not_today_unless_clock and not has_time and candidate == local_now.date():
            continue  # "tisdag" said on a Tuesday: people mean next Tuesday ("idag" is today)
        naive = datetime.combine(candidate, wall)
        try:
            at, ambiguous = _localise(naive, zone)
        except _Refuse:
            if day.rolling and naive < local_now:
                continue  # passed anyway
            raise
        if day.rolling and _between(now, at) <= timedelta(0):
            if day.passed_window is not None and _between(at, now) <= day.passed_window:
                later = f"{candidate.year + 1}-{candidate:%m-%d} {wall:%H:%M}"
                raise _Refuse("when.passed", phrase=shown, time=at, example=later)
            continue
        if day.weekday is not None and candidate.weekday() != day.weekday:
            raise _Refuse(
                "when.weekday_mismatch",
                phrase=shown,
                date=candidate.isoformat(),
                actual=WeekdayName(candidate.weekday()),
                said=WeekdayName(day.weekday),
            )
        if _between(now, at) > HORIZON:
            raise _Refuse("when.too_far", phrase=shown)
        notes: tuple[Said, ...] = ()
        if ambiguous:
            notes = (Said("when.note_ambiguous", {"clock": wall, "date": candidate}),)
        return When(at=at, has_time=has_time, notes=notes)
    raise _Refuse(NOT_UNDERSTOOD, phrase=shown)


def _localise(naive: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """`naive` wall-clock time in `zone`, and whether it occurs twice (fall back).

    Attaching the zone to the naive time (rather than letting dateparser add an offset to a
    base time) gives the offset of that day, not of today. An ambiguous time gets ``fold=0``:
    the first of the two, still summer time. A time the clock skips (spring forward) is refused.
    """
    try:
        settled = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    except OverflowError:  # "0001-01-01 00:30" is before the first representable UTC time
        raise _Refuse(NOT_UNDERSTOOD, phrase=naive.isoformat(" ", "minutes")) from None
    if settled.replace(tzinfo=None) != naive:
        raise _Refuse(
            "when.no_such_time",
            clock=naive.time(),
            date=naive.date(),
            later=settled.time(),
        )
    first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
    return settled, first.utcoffset() != second.utcoffset()


def _between(earlier: datetime, later: datetime) -> timedelta:
    """Real time elapsed. Python subtracts and compares two datetimes with the *same* tzinfo
    on the wall clock, ignoring the offset, which is an hour off across a switch."""
    return later.astimezone(UTC) - earlier.astimezone(UTC)

"""Words of the time parser (``core/when.py``) that dateparser does not know in Swedish.

Clock idioms ("kvart över 15", "halv fyra", "fem i halv tio"), parts of the day ("i
eftermiddag", "i morgon bitti", "torsdag em") and holidays by name ("julafton",
"Kristi himmelsfärdsdag"). Every phrase here is folded (``when._fold``): lower case, no
accents, single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

from holidays.countries.sweden import Sweden

NUMBER_WORDS = {
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
    **dict.fromkeys(("tjugofem", "twentyfive"), 25),
    **dict.fromkeys(("trettio", "thirty"), 30),
}
_HOUR_WORDS = {word: n for word, n in NUMBER_WORDS.items() if 1 <= n <= 12 and len(word) > 2}
_MINUTE_WORDS = {"kvart": 15, "quarter": 15, "a quarter": 15, **NUMBER_WORDS}


# Clock idioms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdiomClock:
    hour: int  # 0-23
    minute: int
    open: bool  # the idiom leaves morning or afternoon open ("halv fyra": 03:30 or 15:30)


_KL = r"(?:(?:kl\.?|klockan)\ ?)?"
_H = r"(?P<{}>\d{{1,2}}|[a-z]+)"
_IDIOM = re.compile(
    rf"""{_KL}(?:
        halv\ {_KL}{_H.format("h1")}
      | (?P<m>kvart|[a-z]+|\d{{1,2}})\ (?P<dir>over|i)\ (?P<half>halv\ )?{_KL}{_H.format("h2")}
      | (?P<em>quarter|a\ quarter|half|[a-z]+|\d{{1,2}})\ (?:minutes\ )?(?P<edir>past|to)
        \ {_H.format("h3")}
    )""",
    re.VERBOSE | re.ASCII,
)


def idiom_clock(text: str) -> IdiomClock | None:
    """ "halv 16" (15:30), "kvart över 15", "kvart i 12", "20 över 15", "fem i halv tio",
    "quarter past 3", "half past 3", "ten to 4"; None for anything else."""
    found = _IDIOM.fullmatch(text)
    if found is None:
        return None
    hour_text = found["h1"] or found["h2"] or found["h3"]
    hour = int(hour_text) if hour_text.isdigit() else _HOUR_WORDS.get(hour_text)
    if hour is None or hour > 24:
        return None
    if found["em"] is not None:  # English
        minutes = 30 if found["em"] == "half" else _minutes(found["em"])
        if minutes is None or (found["em"] == "half" and found["edir"] == "to"):
            return None
        offset = minutes if found["edir"] == "past" else -minutes
    elif found["dir"] is not None:
        minutes = _minutes(found["m"])
        if minutes is None:
            return None
        offset = (-30 if found["half"] else 0) + (minutes if found["dir"] == "over" else -minutes)
    else:
        offset = -30  # "halv fyra" is half an hour before four
    total = (hour * 60 + offset) % (24 * 60)
    # Digits 13-24 and 0 name the afternoon or midnight; 1-12 (and words) leave it open.
    return IdiomClock(total // 60, total % 60, open=not hour_text.isdigit() or 1 <= hour <= 12)


def _minutes(text: str) -> int | None:
    minutes = int(text) if text.isdigit() else _MINUTE_WORDS.get(text)
    return minutes if minutes is not None and 1 <= minutes <= 29 else None


# Parts of the day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    name: str
    first: int  # the earliest hour it allows
    last: int  # the latest hour it allows (inclusive)
    default: time | None  # when no clock time is named; None: a clock time is needed
    afternoon: bool  # an hour 1-11 is the afternoon/evening one ("i eftermiddag kl 3")


BITTI = Part("bitti", 4, 9, time(7, 0), False)
MORNING = Part("morning", 5, 11, time(8, 0), False)
FORENOON = Part("forenoon", 6, 11, time(9, 0), False)
LUNCH = Part("lunch", 11, 13, time(12, 0), False)
AFTERNOON = Part("afternoon", 12, 17, time(13, 0), True)
EVENING = Part("evening", 17, 23, None, True)  # 18? 19? 20?: a time is needed

# Words after a day ("torsdag em", "imorgon eftermiddag", "fredag på förmiddagen").
PART_WORDS: dict[str, Part] = {
    "bitti": BITTI,
    **dict.fromkeys(("morgon", "morgonen", "pa morgonen", "morning", "in the morning"), MORNING),
    **dict.fromkeys(("formiddag", "formiddagen", "pa formiddagen", "fm", "f.m"), FORENOON),
    **dict.fromkeys(("lunch", "vid lunch", "till lunch", "at lunch", "lunchtime"), LUNCH),
    **dict.fromkeys(
        ("eftermiddag", "eftermiddagen", "pa eftermiddagen", "em", "e.m", "afternoon"), AFTERNOON
    ),
    **dict.fromkeys(("kvall", "kvallen", "pa kvallen", "evening", "in the evening"), EVENING),
}
# Words that are a day and a part at once: (days from today, part, Swedish).
PART_DAYS: dict[str, tuple[int, Part, bool]] = {
    **dict.fromkeys(("ikvall", "i kvall"), (0, EVENING, True)),
    **dict.fromkeys(("i eftermiddag", "i em"), (0, AFTERNOON, True)),
    **dict.fromkeys(("i formiddag", "i fm"), (0, FORENOON, True)),
    **dict.fromkeys(
        ("i morgon bitti", "imorgon bitti", "imorron bitti", "imorn bitti"), (1, BITTI, True)
    ),
    **dict.fromkeys(("tonight", "this evening"), (0, EVENING, False)),
    "this afternoon": (0, AFTERNOON, False),
    "this morning": (0, MORNING, False),
}


# Holidays by name ---------------------------------------------------------------------------

_HALF_DAY = re.compile(r"\s*\([^()]*\)$")  # "Skärtorsdagen (från kl. 14.00)"
_ALIASES = {
    "valborg": "valborgsmassoafton",
    "valborgsafton": "valborgsmassoafton",
    "nyarsdag": "nyarsdagen",
    "trettondagen": "trettondedag jul",
    "kristi himmelsfard": "kristi himmelsfardsdag",
    "nationaldag": "nationaldagen",
    "sveriges nationaldag": "nationaldagen",
    "skartorsdag": "skartorsdagen",
    "langfredag": "langfredagen",
    "christmas": "christmas day",
    "new years eve": "new year's eve",
    "new years day": "new year's day",
}


def _advent(nth: int) -> Callable[[int], date]:
    """The nth Sunday of Advent: the fourth is the last Sunday before Christmas Day."""

    def day(year: int) -> date:
        christmas = date(year, 12, 25)
        fourth = christmas - timedelta(days=(christmas.weekday() - 6) % 7 or 7)
        return fourth - timedelta(weeks=4 - nth)

    return day


# Named days the holidays library does not list.
_COMPUTED: dict[str, Callable[[int], date]] = {
    **dict.fromkeys(("forsta advent", "1:a advent", "forsta advent sondag"), _advent(1)),
    **dict.fromkeys(("andra advent", "2:a advent"), _advent(2)),
    **dict.fromkeys(("tredje advent", "3:e advent"), _advent(3)),
    **dict.fromkeys(("fjarde advent", "4:e advent"), _advent(4)),
    **dict.fromkeys(("lucia", "luciadagen"), lambda year: date(year, 12, 13)),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@lru_cache(maxsize=16)
def _holidays(year: int) -> dict[str, date]:
    """Folded name -> date for Sweden's public holidays, de facto days and eves, both
    languages; from the holidays library (see ``core/calendar.py`` for the categories)."""
    named: dict[str, date] = {}
    for language in ("en_US", "sv"):
        for category in ("optional", "de_facto", "public"):
            for day, name in Sweden(years=year, language=language, categories=(category,)).items():
                named[_fold(_HALF_DAY.sub("", name))] = day
    named.pop("klamdag", None)  # a bridge day, not a name people set a time by
    named.pop("squeeze day", None)
    return named


def holiday_dates(text: str, years: range) -> tuple[date, ...] | None:
    """The dates of the holiday named ``text`` ("julafton", "pa nyarsafton" folded) in
    ``years``; None when it names none."""
    name = _ALIASES.get(text, text)
    if name in _COMPUTED:
        return tuple(_COMPUTED[name](year) for year in years)
    if name not in _holidays(years.start):
        return None
    return tuple(_holidays(year)[name] for year in years if name in _holidays(year))

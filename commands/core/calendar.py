"""The Swedish calendar: public holidays, eves and working days, from the ``holidays`` library.

What ``holidays.Sweden`` gives (checked with holidays 0.109; the categories exist since 0.88,
before which julafton, midsommarafton and nyårsafton were counted as public holidays):

- ``categories=("public",)``, the default: the public holidays of Lag (1989:253) om allmänna
  helgdagar: Nyårsdagen, Trettondedag jul, Långfredagen, Påskdagen, Annandag påsk, Första maj,
  Kristi himmelsfärdsdag, Nationaldagen, Pingstdagen, Midsommardagen, Alla helgons dag,
  Juldagen, Annandag jul. Sundays only with ``include_sundays=True`` (not asked for: a Sunday
  is a weekend day here, not a holiday to name).
- ``"de_facto"``: Midsommarafton, Julafton, Nyårsafton. Not public holidays, but "equal to a
  Sunday" by the Annual Leave Act (semesterlag 1977:480, 7 §) and days off for public servants.
- ``"optional"``: the half-days Trettondagsafton, Skärtorsdagen, Valborgsmässoafton and
  Allahelgonsafton (named "… (från kl. 14.00)" / "… (from 2pm)"), Påskafton and Pingstafton
  (Saturdays), and "Klämdag", the Friday after Kristi himmelsfärdsdag.
- ``"bank"``: the four half-days, the three de facto days, and the banks' own "Dag före …
  (från kl. 14.00)" half-days (the day before Kristi himmelsfärdsdag, midsommarafton, pingstafton,
  julafton and nyårsafton).
- ``language="sv"`` names in Swedish, ``"en_US"`` in English (also "th" and "uk"). Pass it
  always: the names of a calendar built without it are not the forum's language.

What the bot makes of it:

- A **holiday** is a public holiday: a meeting the forum's rule puts on one follows the
  forum's holiday policy (``commands/core/meeting_times.py``).
- An **eve** is a de facto day or an optional one, except Klämdag (a bridge day, not an eve):
  skärtorsdagen, valborgsmässoafton, midsommarafton, julafton, nyårsafton and the rest. Their
  names lose the library's "(från kl. 14.00)" / "(from 2pm)": when the banks close, not part
  of the name.
- An **eve off** is one of the three de facto days, midsommarafton, julafton and nyårsafton:
  days off, not public holidays. A meeting the forum's rule puts on one follows the forum's
  *eve* policy (``Forum.eve_policy``: held by default, and said so in every reminder); the
  other eves, the half-days, are flagged and change nothing. All three are treated alike,
  midsommarafton too although it is always a Friday (so only a forum meeting on Fridays, or
  daily, ever meets on it): the rule is then simply "the days off that are not public
  holidays", the same days ``is_working_day`` leaves out, with no exception to explain.
- A **working day** is Monday to Friday, neither a public holiday nor a de facto day
  (julafton, midsommarafton, nyårsafton: days off, as ``holidays`` itself advises for
  ``is_working_day``). The half-day eves (skärtorsdagen, valborgsmässoafton, …) and the banks'
  "dag före" half-days are working days. A meeting moved to the previous working day therefore
  never lands on nyårsafton: the conference of Thursday 2026-01-01 moves to Tuesday 2025-12-30.

The calendar is Sweden's for every forum, whatever its zone: the bot serves the Stockholm region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from holidays.countries.sweden import Sweden

# The library's language codes for the bot's languages.
_LANGUAGES = {"sv": "sv", "en": "en_US"}
_SQUEEZE_DAY = "Klämdag"  # its Swedish name (the library's own)
_HALF_DAY = re.compile(r"\s*\([^()]*\)$")  # "Skärtorsdagen (från kl. 14.00)"


@dataclass(frozen=True)
class _Year:
    holidays: dict[date, str]
    eves: dict[date, str]
    eves_off: dict[date, str]  # the de facto days: midsommarafton, julafton, nyårsafton
    days_off: frozenset[date]  # public holidays and de facto days


@lru_cache(maxsize=128)
def _year(year: int, language: str) -> _Year:
    code = _LANGUAGES.get(language, "sv")
    public = Sweden(years=year, language=code)
    de_facto = Sweden(years=year, language=code, categories=("de_facto",))
    optional = Sweden(years=year, language=code, categories=("optional",))
    squeeze = {
        day
        for day, name in Sweden(years=year, language="sv", categories=("optional",)).items()
        if name == _SQUEEZE_DAY
    }
    eves = {day: _HALF_DAY.sub("", name) for day, name in optional.items() if day not in squeeze}
    eves.update(de_facto)
    return _Year(
        holidays=dict(public),
        eves=eves,
        eves_off=dict(de_facto),
        days_off=frozenset(public) | frozenset(de_facto),
    )


def holiday(day: date, language: str = "sv") -> str | None:
    """The public holiday on ``day`` ("Kristi himmelsfärdsdag", "Ascension Day"), or None."""
    return _year(day.year, language).holidays.get(day)


def eve(day: date, language: str = "sv") -> str | None:
    """The eve or half-day on ``day`` ("Julafton", "Skärtorsdagen", "Christmas Eve"), or None."""
    return _year(day.year, language).eves.get(day)


def eve_off(day: date, language: str = "sv") -> str | None:
    """Midsommarafton, julafton or nyårsafton on ``day`` ("Julafton", "Christmas Eve"): an eve
    that is a day off, to which a forum's eve policy applies; None on any other day."""
    return _year(day.year, language).eves_off.get(day)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and neither a public holiday nor julafton, midsommarafton, nyårsafton."""
    return day.weekday() < 5 and day not in _year(day.year, "sv").days_off

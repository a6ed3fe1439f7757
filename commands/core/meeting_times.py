"""A forum's meeting schedule: an RFC 5545 rule in wall-clock time, expanded in its zone, with
the forum's holiday and eve policies applied.

The rule is expanded on naive local times and each occurrence is then given the forum's zone,
so Thursday 16:00 stays 16:00 across daylight-saving switches.

**Holidays** (the Swedish calendar, ``commands/core/calendar.py``). An occurrence of the rule
on a public holiday follows ``Forum.holiday_policy``:

- ``skip`` (the default): not held. It is still an :class:`Occurrence`, with status
  ``skipped``, so that a notice can be posted in its place; :func:`next_meetings` leaves it out.
- ``previous``: moved to the previous working day at the same wall-clock time (status
  ``moved``; ``original`` keeps the rule's own time). A working day is Monday to Friday and
  neither a public holiday nor julafton, midsommarafton or nyårsafton. The move goes back at
  most a week and never onto or before the day of the rule's previous occurrence (a daily
  rule has no earlier free day): then the meeting is skipped after all.
- ``hold``: held anyway (status ``held``, ``holiday`` named).

**Eves off** (midsommarafton, julafton, nyårsafton: days off by the Annual Leave Act, not
public holidays) follow ``Forum.eve_policy`` the same way, with ``hold`` the default: the
conference of julafton 2026-12-24 is held unless the forum says otherwise, and named in
``Occurrence.eve_off`` whatever the policy, so that every reminder can say so. The other eves
(skärtorsdagen, valborgsmässoafton …, half-days) are named in ``Occurrence.eve`` and change
nothing.

``holiday`` and ``eve_off`` are about the rule's own day (why a meeting was moved or skipped, or
is held on a day off: :attr:`Occurrence.reason`), ``eve`` about the day it is held on (None for
a skipped one).

Everything that uses a forum's meetings goes through here: the rounds of situation reports
(``next_meetings``), ``!forum``, ``!nästa``/``!schema`` (``upcoming``) and the reminders
(``meetings_between``); so a skipped meeting has no round and a moved one has its round at the
moved time.

**Speed.** A rule starts long ago (the conference's in 2010) and dateutil walks it from its
start on every question: each parsed rule is kept, with the occurrences it has walked through
(``cache=True``), so the walk is done once a process rather than once a message. Where each
occurrence lands under the policies is kept too, per (rule, start, zone, holiday policy, eve
policy): the calendar is asked once per occurrence a process, not once a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from commands.core import calendar
from storage.models import Forum, HolidayPolicy

_EPOCH = date(2000, 1, 1)
# How far back a meeting may move to find a working day (Easter: Monday to Thursday is 4).
_MAX_MOVE = timedelta(days=7)
# How many skipped meetings in a row `upcoming` looks past before it gives up (a rule that
# only ever meets on holidays, skipped every time).
_MAX_SKIPPED = 100


class Status(StrEnum):
    HELD = "held"
    MOVED = "moved"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a forum's schedule, after the holiday and eve policies."""

    at: datetime  # when it is held (aware, the forum's zone); a skipped one: the rule's time
    original: datetime  # the rule's own time (aware, the forum's zone)
    status: Status
    holiday: str | None  # the public holiday on the rule's day, in the forum's language
    eve: str | None  # the eve on the day it is held (skärtorsdagen …); None when skipped
    eve_off: str | None  # midsommarafton, julafton or nyårsafton on the rule's day

    @property
    def takes_place(self) -> bool:
        return self.status is not Status.SKIPPED

    @property
    def reason(self) -> str | None:
        """The day off on the rule's day that the forum's policy applied to: why the meeting
        is moved or skipped, or what day off it is held on anyway."""
        return self.holiday or self.eve_off


@lru_cache(maxsize=256)
def _rule(text: str, start: date) -> rrule:
    parsed = rrulestr(text, dtstart=datetime.combine(start, time(0, 0)), cache=True)
    assert isinstance(parsed, rrule)  # one RRULE line, not a set
    return parsed


class _Schedule:
    """One rule in one zone under one holiday and one eve policy; remembers each occurrence
    it has placed."""

    def __init__(
        self, rule: rrule, zone: ZoneInfo, holidays: HolidayPolicy, eves: HolidayPolicy
    ) -> None:
        self.rule = rule
        self.zone = zone
        self.holidays = holidays
        self.eves = eves
        # (the rule's own time, language) -> the occurrence, and when it is held in UTC
        self._known: dict[tuple[datetime, str], tuple[Occurrence, datetime]] = {}

    def originals_after(self, cursor: datetime) -> Iterator[datetime]:
        """The rule's own times strictly after ``cursor`` (naive, wall clock)."""
        return self.rule.xafter(cursor, count=None, inc=False)

    def occurrence(self, original: datetime, language: str) -> tuple[Occurrence, datetime]:
        """The occurrence of the rule's ``original`` time, and its ``at`` in UTC."""
        key = (original, language)
        found = self._known.get(key)
        if found is None:
            occurrence = self._place(original, language)
            found = self._known[key] = (occurrence, occurrence.at.astimezone(UTC))
        return found

    def _place(self, original: datetime, language: str) -> Occurrence:
        day = original.date()
        holiday = calendar.holiday(day, language)
        eve_off = calendar.eve_off(day, language)
        policy = HolidayPolicy.HOLD
        if holiday is not None:
            policy = self.holidays
        elif eve_off is not None:
            policy = self.eves
        at, status = original, Status.HELD
        if policy is not HolidayPolicy.HOLD:
            status = Status.SKIPPED
            if policy is HolidayPolicy.PREVIOUS:
                moved = self._previous_working_day(original)
                if moved is not None:
                    at, status = datetime.combine(moved, original.time()), Status.MOVED
        return Occurrence(
            at=at.replace(tzinfo=self.zone),
            original=original.replace(tzinfo=self.zone),
            status=status,
            holiday=holiday,
            eve=None if status is Status.SKIPPED else calendar.eve(at.date(), language),
            eve_off=eve_off,
        )

    def _previous_working_day(self, original: datetime) -> date | None:
        """At most a week back, and after the day of the rule's previous occurrence."""
        day = original.date()
        earliest = day - _MAX_MOVE
        before = self.rule.before(original)
        if before is not None:
            earliest = max(earliest, before.date() + timedelta(days=1))
        candidate = day - timedelta(days=1)
        while candidate >= earliest:
            if calendar.is_working_day(candidate):
                return candidate
            candidate -= timedelta(days=1)
        return None


@lru_cache(maxsize=256)
def _schedule(
    text: str, start: date, zone: str, holidays: HolidayPolicy, eves: HolidayPolicy
) -> _Schedule:
    return _Schedule(_rule(text, start), ZoneInfo(zone), holidays, eves)


def _schedule_of(forum: Forum) -> _Schedule | None:
    if not forum.schedule_rule:
        return None
    return _schedule(
        forum.schedule_rule,
        forum.schedule_start or _EPOCH,
        forum.timezone,
        HolidayPolicy(forum.holiday_policy),
        HolidayPolicy(forum.eve_policy),
    )


def _utc(at: datetime) -> datetime:
    """For comparing: Python compares two datetimes with the same tzinfo on the wall clock."""
    return at.astimezone(UTC)


def _occurrences_after(forum: Forum, after: datetime) -> Iterator[Occurrence]:
    """Every occurrence held (or skipped) strictly after ``after``, in order."""
    schedule = _schedule_of(forum)
    if schedule is None:
        return
    # A meeting is never held later than the rule's own time: start from ``after`` itself.
    cursor = after.astimezone(schedule.zone).replace(tzinfo=None)
    limit = _utc(after)
    for original in schedule.originals_after(cursor):
        found, at = schedule.occurrence(original, forum.language)
        if at > limit:
            yield found


def upcoming(forum: Forum, after: datetime, count: int) -> list[Occurrence]:
    """The next ``count`` meetings strictly after ``after``, with any skipped ones among them
    (each in its place): what ``!nästa`` shows."""
    found: list[Occurrence] = []
    held = skipped = 0
    if count < 1:
        return found
    for occurrence in _occurrences_after(forum, after):
        found.append(occurrence)
        if occurrence.takes_place:
            held += 1
            if held >= count:
                break
        else:
            skipped += 1
            if skipped > _MAX_SKIPPED:
                break
    return found


def next_meetings(forum: Forum, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` meetings held strictly after ``after``, as aware datetimes: skipped
    ones left out, moved ones at their new time."""
    return [o.at for o in upcoming(forum, after, count) if o.takes_place]


def rule_after(rule: str, start: date, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The rule's own first time strictly after ``after`` (aware), holidays not considered:
    where a new rule begins."""
    found = _rule(rule, start).after(after.astimezone(zone).replace(tzinfo=None))
    return found.replace(tzinfo=zone) if found is not None else None


def meetings_between(forum: Forum, start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence with ``start <= at < end`` (aware datetimes), in order of ``at``;
    skipped ones included (status ``skipped``, ``at`` the rule's own time), so that a notice can
    be posted instead. Empty for a forum without a schedule."""
    schedule = _schedule_of(forum)
    if schedule is None or _utc(end) <= _utc(start):
        return []
    # ``at`` is never after ``original`` and at most _MAX_MOVE before it.
    cursor = start.astimezone(schedule.zone).replace(tzinfo=None) - timedelta(microseconds=1)
    last = end.astimezone(schedule.zone).replace(tzinfo=None) + _MAX_MOVE + timedelta(days=1)
    low, high = _utc(start), _utc(end)
    found: list[Occurrence] = []
    for original in schedule.originals_after(cursor):
        if original > last:
            break
        occurrence, at = schedule.occurrence(original, forum.language)
        if low <= at < high:
            found.append(occurrence)
    return found

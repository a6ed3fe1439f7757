"""The meetings of an activation: its rhythm and a meeting set on its own.

"Sätt rytmen: när är nästa möte." During an activation a coordinator sets the meeting rhythm
(``!rytm var 4:e timme från 08:00``: ``Activation.rhythm_minutes`` from
``Activation.rhythm_from``) or one meeting on its own (``!nästa möte 14:00``:
``Activation.next_meeting_at``). The activation's meetings are that one and the rhythm's
occurrences, until stand-down: everything that asks (the rounds, the reminders, ``!status``)
looks only at the forum's *open* activation, so a stood-down activation has no meetings
though its rhythm is kept as it was, for the record.

The rhythm counts on the wall clock of the forum's zone, as people say it: "var 6:e timme
från kl 06" is 06, 12, 18 and 00 on either side of a daylight-saving switch (a time the spring
switch skips is the hour after; of an autumn hour twice, the first). Its occurrences are
``rhythm_from`` and every ``rhythm_minutes`` after it; ``rhythm_from`` may lie in the past (the
rhythm's grid: "från 08:00" said at 15:00 makes the next meeting 16:00).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.i18n import t
from commands.core.timefmt import format_time, format_time_with_weekday
from storage.models import Activation

# The shortest and the longest rhythm, in minutes.
SHORTEST = 15
LONGEST = 24 * 60


def has_meetings(activation: Activation) -> bool:
    """A rhythm or a meeting set on its own (which may have passed)."""
    return activation.next_meeting_at is not None or _rhythm(activation) is not None


def _rhythm(activation: Activation) -> tuple[int, datetime] | None:
    minutes, origin = activation.rhythm_minutes, activation.rhythm_from
    if not minutes or origin is None:
        return None
    return minutes, origin


def _wall(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def _slack(minutes: int) -> int:
    """How many occurrences a daylight-saving switch can put out of order (an hour's worth)."""
    return 2 + 60 // minutes


def _occurrences(activation: Activation, zone: ZoneInfo, near: datetime) -> Iterator[datetime]:
    """The rhythm's occurrences in UTC from a little before ``near`` on, without end; out of
    order (or twice) only around a spring switch."""
    rhythm = _rhythm(activation)
    if rhythm is None:
        return
    minutes, origin = rhythm
    step = timedelta(minutes=minutes)
    first = _wall(origin, zone)
    index = max(0, (_wall(near, zone) - first) // step - _slack(minutes))
    while True:
        yield (first + index * step).replace(tzinfo=zone).astimezone(UTC)
        index += 1


def meetings_from(
    activation: Activation, zone: ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    """The activation's next ``count`` meetings at or after ``after``, soonest first (UTC)."""
    found: set[datetime] = set()
    single = activation.next_meeting_at
    if single is not None and single >= after:
        found.add(single.astimezone(UTC))
    rhythm = _rhythm(activation)
    if rhythm is not None:
        wanted = count + _slack(rhythm[0])
        for at in _occurrences(activation, zone, after):
            if at >= after:
                found.add(at)
                wanted -= 1
                if wanted <= 0:
                    break
    return sorted(found)[:count]


def meetings_between(
    activation: Activation, zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """The activation's meetings after ``start`` until ``end`` (both ends: ``start`` < at <=
    ``end``), soonest first."""
    found: list[datetime] = []
    after = start + timedelta(microseconds=1)
    while True:
        batch = meetings_from(activation, zone, after, 16)
        found.extend(at for at in batch if at <= end)
        if len(batch) < 16 or batch[-1] > end:
            return found
        after = batch[-1] + timedelta(microseconds=1)


def is_meeting(activation: Activation, zone: ZoneInfo, at: datetime) -> bool:
    """Whether ``at`` is one of the activation's meetings (as it is set now)."""
    return meetings_from(activation, zone, at, 1) == [at.astimezone(UTC)]


def previous_meeting(activation: Activation, zone: ZoneInfo, before: datetime) -> datetime | None:
    """The activation's last meeting before ``before``, as it is set now (an earlier
    occurrence of the rhythm counts, even one before the rhythm was set)."""
    single = activation.next_meeting_at
    best = single.astimezone(UTC) if single is not None and single < before else None
    rhythm = _rhythm(activation)
    if rhythm is not None:
        stop = before + timedelta(hours=2)
        for at in _occurrences(activation, zone, before):
            if at >= stop:
                break
            if at < before and (best is None or at > best):
                best = at
    return best


def next_whole_hour(now: datetime, zone: ZoneInfo) -> datetime:
    """The first whole hour after ``now`` on the wall clock: a rhythm's start when none was
    said."""
    wall = _wall(now, zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return wall.replace(tzinfo=zone).astimezone(UTC)


# -- in words ---------------------------------------------------------------------------------


def _ordinal(number: int, language: str) -> str:
    """``4:e``, ``21:a`` in Swedish (":a" after a last digit 1 or 2, but not 11, 12); the
    number in English."""
    a_form = number % 10 in (1, 2) and number % 100 not in (11, 12)
    return t(language, "rhythm.ordinal_a" if a_form else "rhythm.ordinal_e", number=number)


def rhythm_words(minutes: int, language: str) -> str:
    """``varje timme``, ``varannan timme``, ``var 4:e timme``, ``var 30:e minut``."""
    if minutes == 60:
        return t(language, "rhythm.every_hour")
    if minutes == 120:
        return t(language, "rhythm.every_other_hour")
    if minutes % 60 == 0:
        hours = minutes // 60
        return t(language, "rhythm.every_hours", ordinal=_ordinal(hours, language), count=hours)
    return t(language, "rhythm.every_minutes", ordinal=_ordinal(minutes, language), count=minutes)


def describe(activation: Activation, zone: ZoneInfo, language: str) -> str | None:
    """``var 4:e timme från 2026-11-26 08:00``; None without a rhythm."""
    rhythm = _rhythm(activation)
    if rhythm is None:
        return None
    minutes, origin = rhythm
    return t(
        language,
        "rhythm.described",
        rhythm=rhythm_words(minutes, language),
        start=format_time(origin, zone),
    )


def status_rows(
    activation: Activation, zone: ZoneInfo, now: datetime, language: str
) -> list[tuple[str, str]]:
    """What ``!status`` shows of the activation's meetings: its rhythm and its next meeting
    (nothing when it has neither)."""
    rows: list[tuple[str, str]] = []
    said = describe(activation, zone, language)
    if said is not None:
        rows.append((t(language, "rhythm.label"), said))
    upcoming = meetings_from(activation, zone, now, 1)
    if upcoming:
        when = format_time_with_weekday(upcoming[0], zone, language)
        rows.append((t(language, "rhythm.next_label"), when))
    elif has_meetings(activation):
        rows.append((t(language, "rhythm.next_label"), t(language, "rhythm.none_ahead")))
    return rows

"""A forum's meeting schedule: an RFC 5545 rule in wall-clock time, expanded in its zone.

The rule is expanded on naive local times and each occurrence is then given the forum's zone,
so Thursday 16:00 stays 16:00 across daylight-saving switches.

A rule starts long ago (the conference's in 2010) and dateutil walks it from its start on
every question: each parsed rule is kept, with the occurrences it has walked through
(``cache=True``), so the walk is done once a process rather than once a message.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from storage.models import Forum

_EPOCH = date(2000, 1, 1)


@lru_cache(maxsize=256)
def _rule(text: str, start: date) -> rrule:
    parsed = rrulestr(text, dtstart=datetime.combine(start, time(0, 0)), cache=True)
    assert isinstance(parsed, rrule)  # one RRULE line, not a set
    return parsed


def next_meetings(forum: Forum, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` meetings strictly after ``after``, as aware datetimes."""
    if not forum.schedule_rule:
        return []
    zone = ZoneInfo(forum.timezone)
    rule = _rule(forum.schedule_rule, forum.schedule_start or _EPOCH)
    cursor = after.astimezone(zone).replace(tzinfo=None)
    return [found.replace(tzinfo=zone) for found in rule.xafter(cursor, count=count)]

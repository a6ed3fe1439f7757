"""A forum's meeting schedule: an RFC 5545 rule in wall-clock time, expanded in its zone.

The rule is expanded on naive local times and each occurrence is then given the forum's zone,
so Thursday 16:00 stays 16:00 across daylight-saving switches.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from storage.models import Forum


def next_meetings(forum: Forum, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` meetings strictly after ``after``, as aware datetimes."""
    if not forum.schedule_rule:
        return []
    zone = ZoneInfo(forum.timezone)
    start = datetime.combine(forum.schedule_start or date(2000, 1, 1), time(0, 0))
    rule = rrulestr(forum.schedule_rule, dtstart=start)
    cursor = after.astimezone(zone).replace(tzinfo=None)
    found: list[datetime] = []
    while len(found) < count:
        occurrence = rule.after(cursor)
        if occurrence is None:
            break
        cursor = occurrence
        found.append(occurrence.replace(tzinfo=zone))
    return found

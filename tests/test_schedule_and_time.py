"""The Thursday 16:00 rule stays 16:00 local time across daylight-saving switches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.meeting_times import next_meetings
from commands.core.timefmt import format_duration, format_time, format_time_with_weekday
from storage.models import Forum, Level

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _conference() -> Forum:
    return Forum(
        slug="k",
        name="K",
        level=Level.COORDINATING,
        schedule_rule="FREQ=WEEKLY;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0",
        mode_since=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )


def test_thursdays_at_16_across_the_october_switch() -> None:
    after = datetime(2026, 10, 15, 12, 0, tzinfo=STOCKHOLM)
    meetings = next_meetings(_conference(), after, 3)
    assert [format_time(m, STOCKHOLM) for m in meetings] == [
        "2026-10-15 16:00",
        "2026-10-22 16:00",
        "2026-10-29 16:00",
    ]
    # Summer time (UTC+2) before the last Sunday of October, winter time (UTC+1) after.
    assert [m.astimezone(UTC).hour for m in meetings] == [14, 14, 15]


def test_thursdays_at_16_across_the_march_switch() -> None:
    meetings = next_meetings(_conference(), datetime(2027, 3, 20, tzinfo=STOCKHOLM), 2)
    assert [m.astimezone(UTC).hour for m in meetings] == [15, 14]


def test_a_meeting_that_has_started_is_not_next() -> None:
    meetings = next_meetings(_conference(), datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM), 1)
    assert format_time(meetings[0], STOCKHOLM) == "2026-12-03 16:00"


def test_no_rule_means_no_meetings() -> None:
    forum = _conference()
    forum.schedule_rule = None
    assert next_meetings(forum, datetime.now(UTC), 3) == []


def test_formats() -> None:
    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert format_time(at, STOCKHOLM) == "2026-11-26 16:00"
    assert format_time_with_weekday(at, STOCKHOLM, "sv") == "torsdag 2026-11-26 16:00"
    assert format_time_with_weekday(at, STOCKHOLM, "en") == "Thursday 2026-11-26 16:00"
    assert format_duration(timedelta(minutes=7, seconds=59), "sv") == "7 min"
    assert format_duration(timedelta(hours=2, minutes=5), "sv") == "2 h 5 min"
    assert format_duration(timedelta(days=1, hours=3), "en") == "1 d 3 h"
    assert format_duration(timedelta(seconds=-5), "sv") == "0 min"

"""Times and durations as people read them: ``2026-11-26 16:00`` in the forum's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.i18n import t

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def format_time(at: datetime, zone: ZoneInfo) -> str:
    return local(at, zone).strftime("%Y-%m-%d %H:%M")


def format_clock(at: datetime, zone: ZoneInfo) -> str:
    return local(at, zone).strftime("%H:%M")


def weekday(at: datetime, zone: ZoneInfo, language: str) -> str:
    return t(language, f"weekday.{WEEKDAYS[local(at, zone).weekday()]}")


def format_time_with_weekday(at: datetime, zone: ZoneInfo, language: str) -> str:
    return f"{weekday(at, zone, language)} {format_time(at, zone)}"


def format_duration(delta: timedelta, language: str) -> str:
    """``45 min``, ``2 h 5 min``, ``3 d 4 h``: rounded down to whole minutes."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t(language, "duration.days_hours", days=days, hours=hours)
    if hours:
        return t(language, "duration.hours_minutes", hours=hours, minutes=mins)
    return t(language, "duration.minutes", minutes=mins)

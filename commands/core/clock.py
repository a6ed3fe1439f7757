"""The one clock. Handlers and the scheduler take ``now`` from here, never from the system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A pinned clock (console ``--now``, tests); ``set`` moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at


class ShiftedClock:
    """Another clock moved forward: the terminal's ``~tid`` jumps it, and everything due on
    the way falls due in order. ``set`` moves it to an instant; time then goes on from there
    at the pace of the clock beneath."""

    def __init__(self, base: Clock) -> None:
        self.base = base  # the time beneath: leases between bot processes are measured in it
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self.base.now() + self._offset

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("ShiftedClock needs a timezone-aware datetime")
        self._offset = at - self.base.now()

"""Waiting before trying a platform again: the one backoff of the doors.

Waits double from ``first`` to at most ``most`` seconds, with "full jitter" (a random share
of the wait, at least half of it), so that several bot processes that lost the homeserver or
Slack at the same moment do not all come back in the same second; a success starts again.
"""

from __future__ import annotations

import random

FIRST_S = 1.0
MOST_S = 30.0


class Backoff:
    def __init__(
        self,
        first: float = FIRST_S,
        most: float = MOST_S,
        rng: random.Random | None = None,
    ) -> None:
        self.first = first
        self.most = most
        self.failures = 0
        self._rng = rng or random.Random()

    def next_wait(self) -> float:
        """The wait before the next try, after one more failure."""
        self.failures += 1
        ceiling = float(min(self.first * 2.0 ** (self.failures - 1), self.most))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> bool:
        """Back to the start; True when there had been failures."""
        failed, self.failures = self.failures > 0, 0
        return failed

"""The doors' one backoff: waits double up to a ceiling, jittered, and start again."""

from __future__ import annotations

import random

from bot.backoff import Backoff


def test_waits_double_to_the_ceiling_with_jitter_and_start_again() -> None:
    backoff = Backoff(first=1.0, most=30.0, rng=random.Random(7))
    waits = [backoff.next_wait() for _ in range(8)]
    ceilings = [1, 2, 4, 8, 16, 30, 30, 30]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits[5:]}) == 3  # jittered: not all the same
    assert backoff.reset() is True
    assert backoff.next_wait() <= 1.0
    assert Backoff().reset() is False


def test_two_processes_do_not_come_back_in_step() -> None:
    first, second = Backoff(rng=random.Random(1)), Backoff(rng=random.Random(2))
    assert [first.next_wait() for _ in range(5)] != [second.next_wait() for _ in range(5)]

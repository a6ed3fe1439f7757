"""The leader lease on SQLite and PostgreSQL, the election between processes, and the posts
a new leader takes back from a dead one.

Several ``Leadership`` objects on one database stand for several processes (each has its
own name); a process that "dies" simply stops renewing, as a killed one does. The whole
thing with real processes, Synapse and Slack is tests/test_replicas.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.due_listener import listen_for_due, listens
from bot.leader import LEASE_NAME, Leadership
from commands.core.clock import FixedClock
from storage import AuditContext, Database
from storage.models import PostState, ScheduledPost
from tests.support.databases import BACKENDS, Databases

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Database]:
    found = Database(databases.prepared(request.param))
    yield found
    found.dispose()


def test_one_holder_at_a_time_until_the_lease_runs_out(database: Database) -> None:
    first = database.hold_lease(LEASE_NAME, "bot-a", NOW, TTL)
    assert first is not None
    assert first.taken_over
    assert first.term == 1
    assert database.hold_lease(LEASE_NAME, "bot-b", NOW + timedelta(seconds=5), TTL) is None
    renewed = database.hold_lease(LEASE_NAME, "bot-a", NOW + timedelta(seconds=5), TTL)
    assert renewed is not None
    assert not renewed.taken_over
    assert renewed.term == 1
    assert renewed.expires_at == NOW + timedelta(seconds=20)
    # bot-a dies: nobody renews. Until its lease runs out, still nobody else.
    assert database.hold_lease(LEASE_NAME, "bot-b", NOW + timedelta(seconds=19), TTL) is None
    assert database.lease_holder(LEASE_NAME, NOW + timedelta(seconds=19)) == "bot-a"
    taken = database.hold_lease(LEASE_NAME, "bot-b", NOW + timedelta(seconds=21), TTL)
    assert taken is not None
    assert taken.taken_over
    assert taken.term == 2
    assert database.lease_holder(LEASE_NAME, NOW + timedelta(seconds=21)) == "bot-b"
    # The old holder, back from a long pause, does not lead beside it.
    assert database.hold_lease(LEASE_NAME, "bot-a", NOW + timedelta(seconds=22), TTL) is None


def test_a_released_lease_is_taken_at_once(database: Database) -> None:
    assert database.hold_lease(LEASE_NAME, "bot-a", NOW, TTL) is not None
    assert not database.release_lease(LEASE_NAME, "bot-b", NOW)  # not its to give
    assert database.release_lease(LEASE_NAME, "bot-a", NOW)
    assert database.lease_holder(LEASE_NAME, NOW) is None
    taken = database.hold_lease(LEASE_NAME, "bot-b", NOW + timedelta(seconds=1), TTL)
    assert taken is not None
    assert taken.term == 2


def test_a_new_leader_takes_back_what_the_dead_one_had_claimed(database: Database) -> None:
    context = AuditContext("test", "", "test", "test", NOW)
    with database.unit_of_work(context) as store:
        claimed = store.scheduled.add(_post("a claimed reminder"))
        mine = store.scheduled.add(_post("one the new leader claimed itself"))
        pending = store.scheduled.add(_post("not claimed yet"))
        assert store.scheduled.claim(claimed, timedelta(minutes=15), NOW, by="bot-a")
        assert store.scheduled.claim(mine, timedelta(minutes=15), NOW, by="bot-b")
    assert database.take_back_claims("bot-b") == 1
    with Session(database.engine) as session:
        back = session.get(ScheduledPost, claimed.id)
        kept = session.get(ScheduledPost, mine.id)
        untouched = session.get(ScheduledPost, pending.id)
    assert back is not None
    assert back.state is PostState.PENDING
    assert back.claimed_by is None
    # Counted as an attempt: it is not "missed" now, and its follow-up is not planned twice.
    assert back.attempts == 1
    assert kept is not None
    assert kept.state is PostState.SENDING
    assert kept.claimed_by == "bot-b"
    assert untouched is not None
    assert untouched.state is PostState.PENDING
    assert untouched.attempts == 0


def _post(text: str) -> ScheduledPost:
    return ScheduledPost(
        kind="reminder", platform="matrix", channel_id="!room:localhost", text=text, due_at=NOW
    )


class Process:
    """One bot process's leadership, with duties that say when they run."""

    def __init__(self, database: Database, name: str, clock: FixedClock) -> None:
        self.running = asyncio.Event()
        self.stopped = asyncio.Event()
        self.leadership = Leadership(database, name, 3.0, self._duties, clock)

    async def _duties(self) -> None:
        self.running.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.running.clear()
            self.stopped.set()


def test_processes_elect_one_leader_and_the_next_takes_over(database: Database) -> None:
    clock = FixedClock(NOW)

    async def scenario() -> None:
        a, b = Process(database, "bot-a", clock), Process(database, "bot-b", clock)
        await a.leadership._step()
        await b.leadership._step()
        await asyncio.sleep(0)
        assert a.leadership.leading
        assert a.running.is_set()
        assert not b.leadership.leading
        assert not b.running.is_set()
        # bot-a dies (renews no more); a little later than the lease, bot-b leads.
        clock.set(NOW + timedelta(seconds=2))
        await b.leadership._step()
        assert not b.leadership.leading
        clock.set(NOW + timedelta(seconds=3.5))
        await b.leadership._step()
        await asyncio.sleep(0)
        assert b.leadership.leading
        assert b.running.is_set()
        # bot-a wakes up: it learns at its next renewal that it leads no more, and stops.
        await a.leadership._step()
        assert not a.leadership.leading
        assert a.stopped.is_set()
        # A clean stop gives the lease up: bot-a leads again at once.
        runner = asyncio.create_task(b.leadership.run())
        await asyncio.sleep(0.05)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        assert b.stopped.is_set()
        await a.leadership._step()
        await asyncio.sleep(0)
        assert a.leadership.leading
        assert a.running.is_set()
        await a.leadership._step_down("the test ends")

    asyncio.run(scenario())


def test_the_leader_hears_of_a_post_planned_by_another_process(databases: Databases) -> None:
    """PostgreSQL: a new scheduled post is announced when it is committed, and the listening
    leader is woken at once (not at its next look, TICK_SECONDS later)."""
    url = databases.prepared("postgresql")
    leader, other = Database(url), Database(url)
    woken = 0

    def wake() -> None:
        nonlocal woken
        woken += 1

    async def scenario() -> None:
        assert listens(leader)
        listening = asyncio.create_task(listen_for_due(leader, wake))
        for _ in range(200):  # connected: it wakes once then
            if woken:
                break
            await asyncio.sleep(0.01)
        assert woken == 1
        context = AuditContext("test", "", "test", "test", NOW)

        def plan() -> None:
            with other.unit_of_work(context) as store:
                store.scheduled.add(_post("satt i en annan process"))

        await asyncio.to_thread(plan)
        for _ in range(200):
            if woken == 2:
                break
            await asyncio.sleep(0.01)
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        leader.dispose()
        other.dispose()
    assert woken == 2

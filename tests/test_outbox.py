"""Nothing lost, nothing twice: what a command says waits in the outbox until it is sent.

A process that commits a command and dies before its answer leaves is answered by another:
the new leader at once for what its predecessor had claimed, anyone once the claim runs out.
What was sent is never sent again; what fails is tried again with a pause, then given up.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.files import File, files_of
from bot.hub import DeliveryFailed, Hub
from bot.render.text import render_text
from commands import Dispatcher, Timekeeper
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Post, Speaker
from commands.core.outbox import CLAIM, MAX_ATTEMPTS
from storage import AuditContext, Database
from storage.models import OutboxMessage, OutboxState

BOSS = frozenset({"boss"})
ROUTE = {"reply_to": "$cmd"}


class Door:
    """A platform that records what it is given (and can refuse a channel)."""

    def __init__(self, platform: str = "matrix") -> None:
        self.platform = platform
        self.sent: list[Post] = []
        self.files: list[File] = []
        self.refusing: dict[str, bool] = {}  # channel: permanently?
        self.active = True

    async def deliver(self, post: Post) -> str | None:
        if post.channel_id in self.refusing:
            raise DeliveryFailed("refused", permanent=self.refusing[post.channel_id])
        self.sent.append(post)
        self.files.extend(files_of(post.attachments))
        return f"${len(self.sent)}"

    async def run(self) -> None:
        return None

    def status(self) -> str:
        return "connected"

    def texts(self, channel: str) -> list[str]:
        return [render_text(p.document) for p in self.sent if p.channel_id == channel]


def _hub(database: Database, clock: FixedClock, instance: str) -> tuple[Hub, Door]:
    config = CoreConfig(bot_admins=BOSS)
    dispatcher = Dispatcher(database, clock, config)
    timekeeper = Timekeeper(database, clock, config, instance, capabilities=dispatcher.capabilities)
    hub = Hub(dispatcher, timekeeper)
    door = Door()
    hub.attach(door)
    return hub, door


def _say(text: str, room: str = "!stab:x", user: str = "boss", event: str = "$cmd") -> Incoming:
    return Incoming(
        "matrix", room, Speaker("matrix", user, user), text, event_id=event, route=ROUTE
    )


def _rows(database: Database) -> list[OutboxMessage]:
    with Session(database.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _bind(hub: Hub, *rooms: str) -> None:
    async def bind() -> None:
        for number, room in enumerate(rooms):
            await hub.handle(
                _say("!forum koppla samverkanskonferens", room, event=f"$bind{number}"),
                wait=True,
            )

    asyncio.run(bind())


def test_a_command_whose_process_died_before_answering_is_answered_by_the_next_leader(
    database: Database, clock: FixedClock
) -> None:
    dead, _ = _hub(database, clock, "dead")
    _bind(dead, "!stab:x", "!polis:x")
    # The command commits, and the process dies before sending anything: its dispatcher
    # alone ran (what the hub does after it never happened).
    reply = dead.dispatcher.handle(_say("!aktivera Storm", event="$activate"))
    assert reply is not None
    assert reply.ok
    assert reply.answer is not None
    assert reply.answer.claimed
    dead.close()
    pending = [row for row in _rows(database) if row.state is OutboxState.PENDING]
    assert {row.channel_id for row in pending} == {"!stab:x", "!polis:x"}
    assert {row.claimed_by for row in pending} == {"dead"}

    leader, door = _hub(database, clock, "leader")
    # Before the claim runs out, nobody else takes it ...
    assert asyncio.run(_tick(leader)) == []
    # ... but a new leader takes back what its predecessor had claimed, at once.
    taken = database.take_back_claims(
        "leader", clock.now(), previous="dead", leader_platforms=("matrix",)
    )
    assert taken == 2
    asyncio.run(_tick(leader))
    [answer] = door.texts("!stab:x")
    [callout] = door.texts("!polis:x")
    assert "INKALLNING" in answer
    assert "INKALLNING" in callout
    # The answer is still the reply to the command that asked.
    assert door.sent[0].route == ROUTE
    assert all(row.state is OutboxState.SENT for row in _rows(database))
    # Sent once: not again at a later tick, however long after.
    clock.set(clock.now() + timedelta(hours=1))
    asyncio.run(_tick(leader))
    assert sum("INKALLNING" in text for text in door.texts("!stab:x")) == 1
    assert sum("INKALLNING" in text for text in door.texts("!polis:x")) == 1
    leader.close()


def test_a_claim_that_runs_out_is_taken_by_another_process(
    database: Database, clock: FixedClock
) -> None:
    dead, _ = _hub(database, clock, "dead")
    _bind(dead, "!stab:x")
    dead.dispatcher.handle(_say("!status", event="$status"))
    dead.close()
    other, door = _hub(database, clock, "other")
    assert asyncio.run(_tick(other)) == []
    clock.set(clock.now() + CLAIM + timedelta(seconds=1))
    [post] = asyncio.run(_tick(other))
    assert post.attempts == 2  # claimed before: a door that can look first does
    assert len(door.texts("!stab:x")) == 1
    other.close()


async def _tick(hub: Hub) -> list[Post]:
    posts = await hub.tick_once()
    await hub.sender.drain()
    return posts


def test_the_asker_is_answered_before_the_call_out_reaches_the_other_rooms(
    database: Database, clock: FixedClock
) -> None:
    rooms = [f"!room{n}:x" for n in range(12)]
    hub = Hub(Dispatcher(database, clock, CoreConfig(bot_admins=BOSS)), concurrency=2)
    order: list[str] = []

    class Slow(Door):
        async def deliver(self, post: Post) -> str | None:
            await asyncio.sleep(0.01)  # a homeserver's work per event
            order.append(post.channel_id)
            return await super().deliver(post)

    door = Slow()
    hub.attach(door)
    _bind(hub, *rooms)
    order.clear()

    async def activate() -> None:
        await hub.handle(_say("!aktivera Storm", rooms[0], event="$go"), wait=True)

    asyncio.run(activate())
    hub.close()
    assert order[0] == rooms[0]  # the coordinator's confirmation first
    assert sorted(order[1:]) == sorted(rooms[1:])  # then every other room, once each


def test_a_failed_message_is_tried_again_after_a_pause_and_given_up_when_refused(
    database: Database, clock: FixedClock
) -> None:
    hub, door = _hub(database, clock, "one")
    _bind(hub, "!stab:x", "!busy:x", "!gone:x")
    door.refusing = {"!busy:x": False, "!gone:x": True}

    async def activate() -> None:
        await hub.handle(_say("!aktivera Storm", event="$go"), wait=True)

    asyncio.run(activate())
    rows = {row.channel_id: row for row in _rows(database) if row.kind == "post"}
    callouts = {c: r for c, r in rows.items() if "INKALLNING" in r.payload}
    assert callouts["!gone:x"].state is OutboxState.FAILED
    busy = callouts["!busy:x"]
    assert (busy.state, busy.failures) == (OutboxState.PENDING, 1)
    assert busy.ready_at == clock.now() + timedelta(seconds=30)
    del door.refusing["!busy:x"]
    assert asyncio.run(_tick(hub)) == []  # not before its pause
    clock.set(clock.now() + timedelta(seconds=30))
    [again] = asyncio.run(_tick(hub))
    assert again.channel_id == "!busy:x"
    assert any("INKALLNING" in text for text in door.texts("!busy:x"))
    hub.close()


def test_a_message_that_keeps_failing_is_given_up_after_the_last_attempt(
    database: Database, clock: FixedClock
) -> None:
    hub, door = _hub(database, clock, "one")
    _bind(hub, "!stab:x")
    door.refusing = {"!stab:x": False}
    asyncio.run(hub.handle(_say("!status", event="$s"), wait=True))
    for _ in range(MAX_ATTEMPTS):
        clock.set(clock.now() + timedelta(hours=1))
        asyncio.run(_tick(hub))
    row = [row for row in _rows(database) if row.kind == "reply"][-1]
    assert row.state is OutboxState.FAILED
    assert row.failures == MAX_ATTEMPTS
    hub.close()


def test_a_refusal_is_kept_and_sent_like_any_answer(database: Database, clock: FixedClock) -> None:
    hub, door = _hub(database, clock, "one")
    asyncio.run(hub.handle(_say("!aktivera Storm", user="mallory", event="$m"), wait=True))
    [post] = door.sent
    assert not post.ok
    assert post.route == ROUTE
    [row] = _rows(database)
    assert (row.kind, row.ok, row.state) == ("reply", False, OutboxState.SENT)
    hub.close()


@pytest.mark.slow
def test_the_next_message_is_found_through_an_index_on_postgresql(databases: object) -> None:
    """``next_ready`` reads the pending rows' soonest through ``ix_outbox_state_ready``."""
    from tests.support.databases import Databases

    assert isinstance(databases, Databases)
    database = Database(databases.prepared("postgresql"))
    try:
        with database.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN SELECT min(ready_at) FROM outbox WHERE state = 'pending'"
            ).all()
        assert "ix_outbox_state_ready" in " ".join(str(row[0]) for row in plan)
    finally:
        database.dispose()


def test_old_sent_messages_and_handled_events_are_forgotten_by_the_timed_job(
    database: Database, clock: FixedClock
) -> None:
    hub, _ = _hub(database, clock, "one")
    _bind(hub, "!stab:x")
    before = len(_rows(database))
    assert before > 0
    clock.set(clock.now() + timedelta(days=31))
    asyncio.run(_tick(hub))
    assert _rows(database) == []
    with database.reading(AuditContext("t", "", "t", "t", clock.now())) as store:
        assert store.handled_events.first_time("matrix", "$bind0", clock.now())
    hub.close()


def test_a_post_whose_claim_another_process_took_over_is_not_sent_again(
    database: Database, clock: FixedClock
) -> None:
    """A process whose post waited its turn until its claim ran out, and another took it over
    and sent it, does not send it as well (on Slack that would be posted twice)."""
    slow, slow_door = _hub(database, clock, "slow")
    _bind(slow, "!stab:x")
    reply = slow.dispatcher.handle(_say("!status", event="$late"))
    assert reply is not None
    assert reply.answer is not None
    clock.set(clock.now() + CLAIM + timedelta(seconds=1))
    other, other_door = _hub(database, clock, "other")
    [taken] = asyncio.run(_tick(other))
    assert taken.outbox_id == reply.answer.outbox_id
    before = len(slow_door.sent)

    async def late_send() -> None:
        await slow.send([reply.answer], wait=True)

    asyncio.run(late_send())
    assert len(slow_door.sent) == before  # left to the process that has it now
    assert len(other_door.texts("!stab:x")) == 1
    slow.close()
    other.close()


def test_a_post_that_waited_its_turn_renews_its_claim_and_is_sent(
    database: Database, clock: FixedClock
) -> None:
    hub, door = _hub(database, clock, "one")
    _bind(hub, "!stab:x")
    reply = hub.dispatcher.handle(_say("!status", event="$wait"))
    assert reply is not None
    assert reply.answer is not None
    clock.set(clock.now() + CLAIM - timedelta(seconds=10))  # little of the claim left
    before = len(door.sent)
    asyncio.run(hub.send([reply.answer], wait=True))
    assert len(door.sent) == before + 1
    [row] = [row for row in _rows(database) if row.id == reply.answer.outbox_id]
    assert row.state is OutboxState.SENT
    hub.close()

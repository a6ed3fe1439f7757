"""The HTTP server's probes and metrics: what a load balancer, Kubernetes and Prometheus see."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot import metrics
from bot.hub import Hub
from bot.web import WebServer
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Speaker
from storage import AuditContext, Database
from storage.models import OutboxMessage
from storage.outbox import Depth
from tests.support.loopback import free_port


class Door:
    def __init__(self, state: str) -> None:
        self.state = state

    def status(self) -> str:
        return self.state


def serve(
    database: Database,
    doors: dict[str, Any],
    client: Callable[[str], Awaitable[None]],
    leading: bool | None = None,
    outbox: Callable[[], list[Depth]] | None = None,
) -> None:
    """Run the server on a free loopback port while ``client`` talks to its base URL."""
    port = free_port()
    server = WebServer("127.0.0.1", port, database, doors, outbox=outbox)
    if leading is not None:
        server.leading = lambda: leading

    async def scenario() -> None:
        running = asyncio.create_task(server.run())
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.01)
        try:
            await client(f"http://127.0.0.1:{port}")
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    asyncio.run(scenario())


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


def test_alive_and_ready_when_the_database_answers_and_the_doors_are_up(
    database: Database,
) -> None:
    doors = {"slack": Door("connected"), "matrix": Door("standby")}

    async def client(base: str) -> None:
        assert await get(f"{base}/healthz") == (200, {"status": "alive"})
        status, body = await get(f"{base}/readyz")
        assert status == 200
        assert body == {
            "ready": True,
            "database": "ok",
            "doors": {"slack": "connected", "matrix": "standby"},
            "leader": False,
        }

    serve(database, doors, client, leading=False)


def test_not_ready_while_a_door_connects_or_the_database_is_away(database: Database) -> None:
    connecting = {"matrix": Door("connecting")}

    async def door_not_up(base: str) -> None:
        status, body = await get(f"{base}/readyz")
        assert status == 503
        assert body["ready"] is False
        assert body["doors"] == {"matrix": "connecting"}
        assert (await get(f"{base}/healthz"))[0] == 200  # alive all the same: no restart

    serve(database, connecting, door_not_up)

    port = free_port()  # nothing listens there
    away = Database(f"postgresql+psycopg://bot:secret@127.0.0.1:{port}/samverkan")

    async def database_away(base: str) -> None:
        status, body = await get(f"{base}/readyz")
        assert status == 503
        assert body["database"] == "unreachable"
        assert (await get(f"{base}/healthz"))[0] == 200

    try:
        serve(away, {"slack": Door("connected")}, database_away)
    finally:
        away.dispose()


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_commands_by_name_and_outcome(database: Database, clock: FixedClock) -> None:
    dispatcher = Dispatcher(database, clock, CoreConfig(bot_admins=frozenset({"boss"})))
    hub = Hub(dispatcher, on_command=metrics.command_handled)
    before = {
        outcome: _sample("samverkan_commands_total", command="activation.status", outcome=outcome)
        for outcome in ("ok", "refused")
    }
    unknown = _sample("samverkan_commands_total", command="unknown", outcome="refused")
    speaker = Speaker("test", "boss", "Boss")

    async def say() -> None:
        await hub.handle(Incoming("test", "stab", speaker, "!forum koppla samverkanskonferens"))
        await hub.handle(Incoming("test", "stab", speaker, "!status"))
        await hub.handle(Incoming("test", "ute", speaker, "!status"))  # no forum here: refused
        await hub.handle(Incoming("test", "stab", speaker, "!flyga till månen"))
        await hub.handle(Incoming("test", "stab", speaker, "bara prat"))  # not a command

    asyncio.run(say())
    hub.close()
    assert (
        _sample("samverkan_commands_total", command="activation.status", outcome="ok")
        == before["ok"] + 1
    )
    assert (
        _sample("samverkan_commands_total", command="activation.status", outcome="refused")
        == before["refused"] + 1
    )
    assert _sample("samverkan_commands_total", command="unknown", outcome="refused") == unknown + 1

    async def client(base: str) -> None:
        status, text = await get(f"{base}/metrics")
        assert status == 200
        assert 'samverkan_commands_total{command="activation.status",outcome="ok"}' in text
        assert "samverkan_reminder_lateness_seconds_bucket" in text or (
            "# TYPE samverkan_reminder_lateness_seconds histogram" in text
        )
        assert "samverkan_leader " in text
        assert "samverkan_door_reconnects" in text

    serve(database, {}, client)


def test_the_lateness_of_a_scheduled_post_is_measured(
    database: Database, clock: FixedClock
) -> None:
    from datetime import timedelta

    from storage import AuditContext
    from storage.models import ScheduledPost

    count = _sample("samverkan_reminder_lateness_seconds_count", kind="reminder")
    total = _sample("samverkan_reminder_lateness_seconds_sum", kind="reminder")
    with database.unit_of_work(AuditContext("test", "", "t", "t", clock.now())) as store:
        store.scheduled.add(
            ScheduledPost(
                kind="reminder",
                platform="test",
                channel_id="stab",
                text="Ring SOS Alarm",
                due_at=clock.now() - timedelta(seconds=20),
            )
        )
    hub = Hub(Dispatcher(database, clock, CoreConfig()))

    class Sink:
        platform = "test"
        active = True

        async def deliver(self, *args: Any, **kwargs: Any) -> str:
            return "sent-1"

        async def run(self) -> None:
            return None

        def status(self) -> str:
            return "connected"

    hub.attach(Sink())

    async def scenario() -> None:
        posts = await hub.call(hub.timekeeper.tick)
        await hub.send(posts, wait=True)

    asyncio.run(scenario())
    hub.close()
    assert _sample("samverkan_reminder_lateness_seconds_count", kind="reminder") == count + 1
    assert _sample("samverkan_reminder_lateness_seconds_sum", kind="reminder") == total + 20


def test_readyz_and_the_metrics_say_what_waits_in_the_outbox_and_since_when(
    database: Database, clock: FixedClock
) -> None:
    """A post for a platform no process serves waits: /readyz lists it by platform and says
    the backlog grows once it has waited over a minute (ready all the same), and the leader's
    tick sets the gauges."""
    from datetime import timedelta

    hub = Hub(Dispatcher(database, clock, CoreConfig()))
    now = hub.timekeeper.real_clock.now()
    with database.unit_of_work(AuditContext("test", "", "t", "t", now)) as store:
        for waited in (timedelta(minutes=5), timedelta(seconds=10)):
            store.outbox.add(
                OutboxMessage(
                    key=f"k{waited.seconds}",
                    platform="teams",
                    channel_id="T1",
                    kind="post",
                    payload="{}",
                    created_at=now - waited,
                    ready_at=now - waited,
                )
            )

    async def client(base: str) -> None:
        status, body = await get(f"{base}/readyz")
        assert status == 200
        assert body["outbox"]["teams"]["waiting"] == 2
        assert body["backlog"] == "growing"

    serve(database, {"slack": Door("connected")}, client, outbox=hub.timekeeper.outbox_depth)
    metrics.observe_depth(hub.timekeeper.outbox_depth(), now)
    assert _sample("samverkan_outbox_depth", platform="teams") == 2
    assert _sample("samverkan_outbox_oldest_seconds", platform="teams") >= 300
    metrics.observe_depth([], now)  # nothing waits any more
    assert _sample("samverkan_outbox_depth", platform="teams") == 0
    hub.close()

"""The hub runs the dispatcher off the event loop and delivers posts to every platform's door."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.files import File, files_of
from bot.hub import DeliveryFailed, Hub
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Post, Speaker
from storage import Database
from tests.support.pdf import pdf_as_line


class RecordingDoor:
    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.delivered: list[tuple[str, str]] = []
        self.files: list[File] = []
        self.refusing: set[str] = set()

    async def deliver(self, post: Post) -> str | None:
        if post.channel_id in self.refusing:
            raise DeliveryFailed("channel_not_found", permanent=True)
        self.delivered.append((post.channel_id, render_text(post.document)))
        self.files.extend(files_of(post.attachments))
        return f"{self.platform}-{len(self.delivered)}"

    async def run(self) -> None:
        return None

    active = True

    def status(self) -> str:
        return "connected"


# The coordinator of these tests: in BOT_ADMINS, as a deployment names its own.
BOSS = frozenset({"boss"})


def _say(platform: str, channel: str, user: str, text: str, moderator: bool = False) -> Incoming:
    return Incoming(platform, channel, Speaker(platform, user, user, moderator), text)


async def _tick_until_delivered(hub: Hub, door: RecordingDoor) -> None:
    """The hub's ticker, running until ``door`` has been given something (5 s at most)."""
    ticker = asyncio.create_task(hub.tick_forever(0.01))
    for _ in range(500):
        if door.delivered:
            break
        await asyncio.sleep(0.01)
    ticker.cancel()
    await asyncio.gather(ticker, return_exceptions=True)


def test_a_call_out_reaches_channels_on_other_platforms(
    database: Database, clock: FixedClock
) -> None:
    hub = Hub(Dispatcher(database, clock, CoreConfig(bot_admins=BOSS)))
    slack, matrix = RecordingDoor("slack"), RecordingDoor("matrix")
    hub.attach(slack)
    hub.attach(matrix)

    async def scenario() -> None:
        for platform, channel in (("slack", "C1"), ("matrix", "!room:x"), ("teams", "T1")):
            reply = await hub.handle(
                _say(platform, channel, "boss", "!forum koppla samverkanskonferens", True)
            )
            assert reply is not None
            assert reply.ok
        await hub.handle(_say("matrix", "!room:x", "@anna:x", "!aktör Polisen"))
        reply = await hub.handle(_say("slack", "C1", "boss", "!aktivera Storm", True))
        assert reply is not None
        assert "INKALLNING" in render_text(reply.document)
        await hub.sender.drain()
        # No door here for Teams: its post waits in the outbox for a process that has one.
        [waiting] = [depth for depth in hub.timekeeper.outbox_depth() if depth.count]
        assert waiting.platform == "teams"

    asyncio.run(scenario())
    hub.close()
    # The reply itself goes back through the asking door (Slack got the announcements of
    # the bindings and of anna's claim, but no call-out).
    assert not any("INKALLNING" in text for _, text in slack.delivered)
    callouts = [(c, text) for c, text in matrix.delivered if "INKALLNING" in text]
    assert len(callouts) == 1
    channel, text = callouts[0]
    assert channel == "!room:x"
    assert "INKALLNING" in text
    assert "Polisen Region Stockholm: @anna:x" in text


def test_the_ticker_closes_a_forgotten_meeting_and_delivers_its_minutes(
    database: Database, clock: FixedClock
) -> None:
    """The hub's ticker runs the timed jobs off the event loop and delivers what they post,
    the full minutes as a file beside the short ones."""
    hub = Hub(
        Dispatcher(database, clock, CoreConfig(meeting_auto_close_minutes=60, bot_admins=BOSS))
    )
    matrix = RecordingDoor("matrix")
    hub.attach(matrix)

    async def scenario() -> None:
        await hub.handle(
            _say("matrix", "!room:x", "boss", "!forum koppla samverkanskonferens", True)
        )
        await hub.handle(_say("matrix", "!room:x", "boss", "!möte start", True))
        await hub.handle(_say("matrix", "!room:x", "boss", "!info Glömt att avsluta", True))
        clock.set(clock.now() + timedelta(hours=1))
        await _tick_until_delivered(hub, matrix)

    asyncio.run(scenario())
    hub.close()
    [(channel, text)] = matrix.delivered
    assert channel == "!room:x"
    assert "Möte 1 avslutades automatiskt efter 1 h 0 min utan anteckningar." in text
    [minutes] = matrix.files
    assert minutes.filename == "minnesanteckningar-samverkanskonferens-1.pdf"
    assert "Glömt att avsluta" in pdf_as_line(minutes.content)


def test_a_reminder_wakes_the_ticker_and_its_delivery_is_recorded(
    database: Database, clock: FixedClock
) -> None:
    """Setting a reminder wakes the ticker, which then sleeps until it is due (not a fixed
    interval); the door's message id is kept, and a refusal is recorded as failed."""
    from sqlmodel import Session, select

    from storage.models import PostState, ScheduledPost

    hub = Hub(Dispatcher(database, clock, CoreConfig(bot_admins=BOSS)))
    slack = RecordingDoor("slack")
    slack.refusing.add("C-gone")
    hub.attach(slack)

    def states() -> dict[str, PostState]:
        with Session(database.engine) as session:
            return {row.channel_id: row.state for row in session.exec(select(ScheduledPost))}

    async def settled() -> None:
        """Until both deliveries are recorded (the sent one and the refused one)."""
        for _ in range(500):
            if set(states().values()) <= {PostState.SENT, PostState.FAILED}:
                return
            await asyncio.sleep(0.01)

    async def scenario() -> None:
        ticker = asyncio.create_task(hub.tick_forever(3600))  # the interval never passes
        for channel in ("C1", "C-gone"):
            reply = await hub.handle(_say("slack", channel, "anna", "!påminn om 1 timme Kolla"))
            assert reply is not None
            assert reply.ok
        clock.set(clock.now() + timedelta(hours=1))
        hub.wake()
        await settled()
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)

    asyncio.run(scenario())
    hub.close()
    [(channel, text)] = slack.delivered
    assert channel == "C1"
    assert "Kolla" in text
    with Session(database.engine) as session:
        rows = {row.channel_id: row for row in session.exec(select(ScheduledPost))}
    assert rows["C1"].state is PostState.SENT
    assert rows["C1"].message_id == "slack-1"
    assert rows["C-gone"].state is PostState.FAILED


class StandbyDoor(RecordingDoor):
    """A door another process runs now (the Matrix sync of the leader)."""

    active = False


def test_a_post_for_a_door_another_process_runs_is_sent_by_that_process(
    database: Database, clock: FixedClock
) -> None:
    """Two processes on one database: the call-out made in Slack on the one that does not
    sync Matrix is left in the database, and the leader's ticker posts it in the room, as
    the call-out the room would have had, mentions and all."""
    standby = Hub(Dispatcher(database, clock, CoreConfig(bot_admins=BOSS)))
    slack, idle_matrix = RecordingDoor("slack"), StandbyDoor("matrix")
    standby.attach(slack)
    standby.attach(idle_matrix)
    leader = Hub(Dispatcher(database, clock, CoreConfig(bot_admins=BOSS)))
    matrix = RecordingDoor("matrix")
    leader.attach(matrix)

    async def scenario() -> None:
        for platform, channel in (("slack", "C1"), ("matrix", "!room:x")):
            await standby.handle(
                _say(platform, channel, "boss", "!forum koppla samverkanskonferens", True)
            )
        await standby.handle(_say("matrix", "!room:x", "@anna:x", "!aktör Polisen"))
        reply = await standby.handle(_say("slack", "C1", "boss", "!aktivera Storm", True))
        assert reply is not None
        assert reply.ok
        assert idle_matrix.delivered == []
        await _tick_until_delivered(leader, matrix)

    asyncio.run(scenario())
    standby.close()
    leader.close()
    [(channel, text)] = matrix.delivered
    assert channel == "!room:x"
    assert "INKALLNING" in text
    assert "Polisen Region Stockholm: @anna:x" in text
    assert idle_matrix.delivered == []

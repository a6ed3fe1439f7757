"""Direct messages (``Post.direct``): to one person, wherever the platform talks to them alone.

A direct post's channel is the person's user id; it waits in the outbox as a row of kind
``direct`` (for whichever process serves its platform), the door finds or opens the
conversation (Slack: the app's DM; Matrix: a direct room it remembers, see
``test_matrix_direct.py``; the terminal prints it under a line saying to whom), and an edit
of it goes to the same conversation. Here through the hub, with a recording door and the
terminal's; Slack's in ``test_slack_edits.py``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from bot.console.door import ConsoleDoor
from bot.hub import Hub
from bot.render.text import render_text
from commands import Dispatcher, Timekeeper
from commands.core.capabilities import build
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.messages import Incoming, Post, Speaker
from storage import Database
from storage.models import OutboxMessage, OutboxState
from tests.support import tagged_feature


class Door:
    """Records what it is given; a direct post's conversation is ``dm-<user>``."""

    platform = "matrix"

    def __init__(self) -> None:
        self.sent: list[Post] = []
        self.active = True

    async def deliver(self, post: Post) -> str | None:
        self.sent.append(post)
        if post.replaces is not None:
            return post.targets[0]
        return f"$dm{len(self.sent)}" if post.direct else f"${len(self.sent)}"

    async def run(self) -> None:
        return None

    def status(self) -> str:
        return "connected"


def _hub(database: Database, clock: FixedClock) -> Hub:
    config = CoreConfig()
    capabilities = build([tagged_feature.FEATURE])
    dispatcher = Dispatcher(database, clock, config, capabilities)
    return Hub(dispatcher, Timekeeper(database, clock, config, "me", capabilities=capabilities))


@pytest.fixture
def hub(database: Database, clock: FixedClock) -> Iterator[Hub]:
    made = _hub(database, clock)
    yield made
    made.close()


def _rows(database: Database) -> list[OutboxMessage]:
    with Session(database.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _say(hub: Hub, text: str, event: str) -> None:
    incoming = Incoming(
        "matrix",
        "!stab:x",
        Speaker("matrix", "@anna:x", "Anna"),
        text,
        event_id=event,
        route={"reply_to": event},
    )

    async def say() -> None:
        await hub.handle(incoming, wait=True)
        await hub.sender.drain()

    asyncio.run(say())


def test_a_direct_post_reaches_the_door_as_one_to_the_person_and_its_edit_follows_it(
    hub: Hub, database: Database
) -> None:
    door = Door()
    hub.attach(door)
    _say(hub, "!dm @bo:x Begäran om aktivering från Polisen", "$dm")
    [answer, direct] = door.sent
    assert render_text(answer.document) == "Skickat"
    assert (direct.channel_id, direct.direct, direct.tag) == ("@bo:x", True, "dm:1")
    assert render_text(direct.document) == "Begäran om aktivering från Polisen"
    row = _rows(database)[-1]
    assert (row.kind, row.channel_id, row.tag, row.message_id) == (
        "direct",
        "@bo:x",
        "dm:1",
        "$dm2",
    )

    _say(hub, "!dm ändra @bo:x Begäran kvitterad av Bo", "$edit")
    edit = door.sent[-1]
    assert (edit.channel_id, edit.direct, edit.replaces, edit.targets) == (
        "@bo:x",
        True,
        "dm:1",
        ("$dm2",),
    )
    assert render_text(edit.document) == "Begäran kvitterad av Bo"


def test_a_direct_post_for_a_platform_this_process_does_not_serve_waits_in_the_outbox(
    hub: Hub, database: Database
) -> None:
    # No Matrix door here (a Slack-only process): the post is written unclaimed, for the
    # process that runs the Matrix door.
    _say(hub, "!dm @bo:x Hej", "$dm")
    direct = [row for row in _rows(database) if row.kind == "direct"]
    assert [(row.state, row.claimed_by, row.failures) for row in direct] == [
        (OutboxState.PENDING, None, 0)
    ]
    door = Door()
    hub.attach(door)

    async def tick() -> None:
        await hub.tick_once()
        await hub.sender.drain()

    asyncio.run(tick())
    assert [(p.channel_id, p.direct) for p in door.sent if p.direct] == [("@bo:x", True)]


def test_the_terminal_prints_a_direct_message_under_a_line_saying_to_whom(
    database: Database, clock: FixedClock
) -> None:
    hub = _hub(database, clock)
    out = io.StringIO()
    console = ConsoleDoor(hub, stdin=io.StringIO(""), stdout=out, interactive=False)
    hub.attach(console)

    async def run() -> None:
        await console.handle_line("!dm bo Hej Bo")
        await console.handle_line("!dm ändra bo Hej igen")
        await hub.sender.drain()

    asyncio.run(run())
    hub.close()
    printed = out.getvalue()
    assert "── #konsol 15:00 ──\nSkickat\n" in printed
    assert "── @bo 15:00 ──\n(direktmeddelande till bo)\nHej Bo\n" in printed
    assert "── @bo 15:00 ──\n(direktmeddelande till bo)\n(uppdaterat)\nHej igen\n" in printed

"""The hub runs the dispatcher off the event loop and delivers posts to every platform's door."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.hub import Hub
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.document import Document
from commands.core.request import CoreConfig, Incoming, Speaker
from storage import Database


class RecordingDoor:
    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.delivered: list[tuple[str, str]] = []

    async def deliver(self, channel_id: str, document: Document) -> None:
        self.delivered.append((channel_id, render_text(document)))

    async def run(self) -> None:
        return None


def _say(platform: str, channel: str, user: str, text: str, moderator: bool = False) -> Incoming:
    return Incoming(platform, channel, Speaker(platform, user, user, moderator), text)


def test_a_call_out_reaches_channels_on_other_platforms(
    database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    hub = Hub(Dispatcher(database, clock, CoreConfig()))
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
        with caplog.at_level(logging.WARNING):
            reply = await hub.handle(_say("slack", "C1", "boss", "!aktivera Storm", True))
        assert reply is not None
        assert "INKALLNING" in render_text(reply.document)

    asyncio.run(scenario())
    hub.close()
    assert slack.delivered == []  # the reply itself goes back through the asking door
    assert len(matrix.delivered) == 1
    channel, text = matrix.delivered[0]
    assert channel == "!room:x"
    assert "INKALLNING" in text
    assert "Polisen Region Stockholm: @anna:x" in text
    assert any("no teams door" in r.getMessage() for r in caplog.records)

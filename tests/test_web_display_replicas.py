"""A staff-room screen served by one bot process updates when another process makes the
change: two ``samverkan-bot run`` on one PostgreSQL, Slack over signed HTTP to each.

The display link is made through process A; the screen's event stream is opened on process
B; the activation and an acknowledgement are made through A. B hears of them by PostgreSQL's
LISTEN/NOTIFY (``bot/change_listener.py``, wired into every process) and pushes the new
content within two seconds of A's answer — which A sends only after its change committed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import aiohttp

from tests.support.bot_process import BotProcess
from tests.support.databases import Databases
from tests.support.fake_slack import FakeSlack
from tests.support.slack_http import SECRET, TOKEN, SlackBot, new_channel, posted, slash

ADMIN, ANNA = "UADMIN0D1", "UANNA00D1"
LIVE_S = 2.0  # what the issue promises a screen
DISPLAY = re.compile(r"https?://[^\s|>]+(/skarm/[A-Za-z0-9_.\-]+)")


def _command(bot: SlackBot, user: str, channel: str, text: str, expect: str) -> float:
    """``/samverkan <text>``; the moment (monotonic) its answer had been posted."""
    mark = bot.fake.mark()
    assert slash(bot, text, user, channel).status == 200
    posted(bot, channel, mark, expect)
    return time.monotonic()


def _display_link(bot: SlackBot, channel: str) -> str:
    mark = bot.fake.mark()
    assert slash(bot, "webb skärm", ADMIN, channel).status == 200
    answer = bot.fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=ADMIN)
    found = DISPLAY.search(answer.text + json.dumps(answer.blocks, ensure_ascii=False))
    assert found is not None, answer
    return found[1]


async def _next_content(stream: aiohttp.ClientResponse, timeout: float) -> str:
    """The next ``content`` event's HTML, as an EventSource reads it."""
    while True:
        raw = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), timeout)
        lines = raw.decode().strip().split("\n")
        fields = dict(line.split(": ", 1) for line in lines if ": " in line and line[0] != ":")
        if fields.get("event") == "content":
            return str(json.loads(fields["data"])["html"])


async def _until(stream: aiohttp.ClientResponse, text: str, since: float) -> float:
    """Seconds from ``since`` until the screen shows ``text``."""
    while True:
        left = since + LIVE_S - time.monotonic()
        assert left > 0, f"the screen did not show {text!r} within {LIVE_S} s"
        if text in await _next_content(stream, left):
            return time.monotonic() - since


def test_a_screen_on_one_process_shows_what_another_process_changed(
    databases: Databases, tmp_path: Path
) -> None:
    url = databases.empty("postgresql")
    with FakeSlack() as fake:
        fake.add_user(ADMIN, "Ada Admin", admin=True)
        fake.add_user(ANNA, "Anna Polis")
        settings = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "BOT_ADMINS": ADMIN,
            "LOG_LEVEL": "INFO",
        }
        a = BotProcess(tmp_path / "bot-a", {**settings, "INSTANCE_NAME": "bot-a"})
        a.start()
        try:
            a.wait_for_log("HTTP server listening", timeout=60)
            b = BotProcess(tmp_path / "bot-b", {**settings, "INSTANCE_NAME": "bot-b"})
            b.start()
            try:
                b.wait_for_log("HTTP server listening", timeout=60)
                _scenario(SlackBot(a, fake, a.http_port), b.http_port)
            finally:
                assert b.stop() == 0
        finally:
            assert a.stop() == 0
    for process in (a, b):
        log = process.log()
        assert "Traceback" not in log, log[-4000:]


def _scenario(a: SlackBot, b_port: int) -> None:
    channel = new_channel()
    _command(a, ADMIN, channel, "forum koppla samverkanskonferens", "Kanalen är nu kopplad")
    _command(a, ANNA, channel, "aktör Polisen", "registrerad som företrädare för")
    path = _display_link(a, channel)

    async def screen() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{b_port}{path}/live") as stream,
        ):
            assert stream.status == 200
            first = await _next_content(stream, 10)
            assert "ordinarie läge" in first
            activated = await asyncio.to_thread(
                _command, a, ADMIN, channel, "aktivera Storm Dagmar", "Storm Dagmar"
            )
            await _until(stream, "Storm Dagmar", activated)
            acknowledged = await asyncio.to_thread(
                _command, a, ANNA, channel, "kvittera", "kvitter"
            )
            await _until(stream, "Har kvitterat (1)", acknowledged)

    asyncio.run(screen())

"""200 staff-room screens on one process: how soon each has the update after a report.

Run from the project root::

    .venv/bin/python benchmarks/web_display.py               # 200 screens, 5 reports
    .venv/bin/python benchmarks/web_display.py --screens 500 --rounds 10 --json

One process serves the web pages (``bot/web_pages.py`` with the display,
``bot/web_display.py``) on 127.0.0.1 in a thread with its own event loop, over a seeded SQLite
database; the samverkanskonferens is activated and a display link made (``!webb skärm``).
``--screens`` aiohttp clients open ``GET /skarm/<token>/live`` (server-sent events) and read
the first content. Each round an actor reports (``!läge``, through the dispatcher, in a
thread as a door runs it); the time is taken from just before the report to each screen's
arrival of the new content (``time.perf_counter``). Printed per round and over all: the
median and the slowest screen, and how many times the forum was rendered (once per change
is the design, whatever the number of screens). The goal: every screen within 2 s.

A measurement, not a test: exits 0 whatever the figures, 2 when it could not measure.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the test support is imported)

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp
from aiohttp import web

from benchmarks.common import machine_info, no_nan, percentile, progress
from bot.web_display import WebDisplay
from bot.web_pages import WebPages
from commands.core.clock import FixedClock
from commands.core.document import Link
from storage import Database
from tests.support.chat import Chat

GOAL_S = 2.0
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTORS = [
    "Polisen",
    "SOS Alarm",
    "Trafikverket",
    "Region Stockholm",
    "Stockholms stad",
    "Länsstyrelsen",
    "Solna stad",
    "Nacka kommun",
    "Huddinge kommun",
    "Sollentuna kommun",
]


def _display_path(chat: Chat) -> str:
    said = chat.say("!webb skärm")
    assert said.ok, said.text
    urls = [
        part.url
        for post in said.posts
        for block in post.document.blocks
        for part in getattr(block, "parts", ())
        if isinstance(part, Link)
    ]
    return re.sub(r"^https?://[^/]+", "", urls[0])


class Server:
    """The web pages on a free port, in a thread with an event loop of its own."""

    def __init__(self, chat: Chat) -> None:
        self.app = web.Application()
        WebPages(chat.database, chat.clock, chat.config).add_routes(self.app)
        self.display: WebDisplay = next(
            route.handler.__self__  # type: ignore[attr-defined]
            for route in self.app.router.routes()
            if route.resource is not None and route.resource.canonical == "/skarm/{token}"
        )
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(self.app)
        self.port = 0

    def __enter__(self) -> Server:
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0, backlog=1024)
            self.loop.run_until_complete(site.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the web pages did not start")
        self.port = self.runner.addresses[0][1]
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _next_content(response: aiohttp.ClientResponse) -> dict[str, Any]:
    while True:
        raw = await response.content.readuntil(b"\n\n")
        if raw.startswith(b"event: content"):
            data = raw.split(b"\ndata: ", 1)[1].strip()
            loaded: dict[str, Any] = json.loads(data)
            return loaded


async def _read(
    response: aiohttp.ClientResponse, sent: float, arrived: list[float], versions: set[str]
) -> None:
    """One screen's next content: when it arrived (since ``sent``) and its version."""
    content = await _next_content(response)
    arrived.append(time.perf_counter() - sent)
    versions.add(content["version"])


async def measure(screens: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM))
        database = Database(f"sqlite:///{folder}/bot.db")
        database.prepare(clock.now())
        chat = Chat(database, clock)
        assert chat.say("!forum koppla samverkanskonferens").ok
        for index, organisation in enumerate(ACTORS[:rounds]):
            assert chat.say(f"!aktör {organisation}", person=f"actor{index}").ok
        assert chat.say("!aktivera Storm Dagmar, elavbrott i norra länet").ok
        path = _display_path(chat)
        with Server(chat) as server:
            url = f"http://127.0.0.1:{server.port}{path}/live"
            connector = aiohttp.TCPConnector(limit=0)
            timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                progress(f"connecting {screens} screens")
                responses = await asyncio.gather(*(session.get(url) for _ in range(screens)))
                if any(response.status != 200 for response in responses):
                    raise RuntimeError("a screen was refused")
                firsts = await asyncio.gather(*(_next_content(r) for r in responses))
                version = firsts[0]["version"]
                per_round = []
                for number in range(rounds):
                    renders = server.display.contents.renders
                    arrived: list[float] = []
                    versions: set[str] = set()
                    clock.set(clock.now().replace(minute=number + 1))
                    sent = time.perf_counter()
                    readers = [
                        asyncio.ensure_future(_read(response, sent, arrived, versions))
                        for response in responses
                    ]
                    said = await asyncio.to_thread(
                        chat.say, f"!läge Läge: rapport {number + 1}", person=f"actor{number}"
                    )
                    if not said.ok:
                        raise RuntimeError(said.text)
                    await asyncio.wait_for(asyncio.gather(*readers), 30)
                    if len(versions) != 1 or version in versions:
                        raise RuntimeError(f"the screens got {versions} after {version}")
                    version = versions.pop()
                    ordered = sorted(arrived)
                    figures = {
                        "round": number + 1,
                        "p50_s": percentile(ordered, 50),
                        "max_s": ordered[-1],
                        "renders": server.display.contents.renders - renders,
                    }
                    per_round.append(figures)
                    progress(
                        f"report {number + 1}: p50 {figures['p50_s'] * 1000:.0f} ms, "
                        f"max {figures['max_s'] * 1000:.0f} ms, renders {figures['renders']}"
                    )
                for response in responses:
                    response.close()
        database.dispose()
    every = sorted(figures["max_s"] for figures in per_round)
    return {
        "screens": screens,
        "rounds": per_round,
        "p50_of_p50_s": percentile(sorted(f["p50_s"] for f in per_round), 50),
        "max_s": every[-1],
        "goal_s": GOAL_S,
        "met": every[-1] < GOAL_S,
        "machine": machine_info(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, choices=range(1, len(ACTORS) + 1))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    try:
        result = asyncio.run(measure(options.screens, options.rounds))
    except (RuntimeError, OSError, TimeoutError) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps(no_nan(result), indent=2))
        return 0
    print(f"{result['screens']} screens on one process, a report each round:")
    for figures in result["rounds"]:
        print(
            f"  report {figures['round']}: p50 {figures['p50_s'] * 1000:6.1f} ms   "
            f"max {figures['max_s'] * 1000:6.1f} ms   renders {figures['renders']}"
        )
    print(
        f"slowest screen over all reports: {result['max_s'] * 1000:.1f} ms "
        f"(goal < {GOAL_S * 1000:.0f} ms: {'met' if result['met'] else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

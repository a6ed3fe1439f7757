"""How long the web pages take to serve, with 40 organisations and a year of history.

Run from the project root::

    .venv/bin/python benchmarks/web_pages.py                 # 200 timed requests of each page
    .venv/bin/python benchmarks/web_pages.py --count 500 --json

The requirement (issue 21): the joint situation picture's page for 40 organisations served
in under 50 ms (median). A migrated and seeded SQLite database (WAL, as the bot opens it) gets
the 40 organisations of ``benchmarks/picture.py``, 52 weeks of weekly rounds and the current
round's 40 reports; a coordinator publishes the picture, one report changes, and the picture
is published again (so the page shows two versions and what changed). The coordinator's
``!webb`` link signs in. Then, over HTTP on 127.0.0.1 to the bot's own server
(``bot/web.py`` with the pages' routes), taking turns, each of:

- ``/forum/<slug>``: the forum's page (mode, activation, direction, messages, meetings,
  actions, rendered from the chat's own answers);
- ``/forum/<slug>/lagesbild``: the joint situation picture, every published version, with
  what changed highlighted;
- ``/forum/<slug>/arkiv``: the forum's archive list.

A request is timed from sending it to the last byte of the answer (aiohttp's client, one
kept-alive connection). It prints PASS/FAIL (p50 under 50 ms) and exits 0 either way; 2 when
something could not be set up.
"""

# ruff: noqa: E402  (the project root goes on sys.path before the product is imported)

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Measure this checkout, whichever checkout the venv was installed from.
    sys.path.insert(0, str(ROOT))

import aiohttp

from benchmarks.common import (
    emit,
    machine_info,
    machine_line,
    print_timings,
    product_errors,
    progress,
    stop_on_sigterm,
    timing_row,
)
from benchmarks.picture import (
    CHANNEL,
    FORUM,
    NOW,
    PLATFORM,
    fill_current,
    fill_history,
    load_world,
    prepare_base,
    report_text,
)
from bot.render.text import render_text
from bot.web import WebServer
from bot.web_pages import WebPages
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Link
from commands.core.messages import Incoming, Speaker
from storage import Database

WEEKS = 52
TARGET_MS = 50.0
COORDINATOR = Speaker(platform=PLATFORM, user_id="samordnare", display_name="Sara Samordnare")
PAGES = {
    "forum": f"/forum/{FORUM}",
    "picture": f"/forum/{FORUM}/lagesbild",
    "archive": f"/forum/{FORUM}/arkiv",
}
TITLES = {
    "forum": "forum page",
    "picture": "joint picture page (2 versions)",
    "archive": "archive list",
}
ERROR_LOGGERS = ("commands", "storage", "bot")


class SetupError(RuntimeError):
    pass


def prepared(directory: Path) -> tuple[Database, CoreConfig, str]:
    """The database, the configuration, and the coordinator's sign-in token."""
    database = Database(f"sqlite:///{directory / 'web.db'}")
    progress("preparing 40 organisations and a year of weekly rounds")
    prepare_base(database)
    world = load_world(database)
    fill_history(database, world, WEEKS)
    fill_current(database, world, WEEKS)
    config = CoreConfig(bot_admins=frozenset({f"{PLATFORM}:{COORDINATOR.user_id}"}))
    clock = FixedClock(NOW + timedelta(minutes=30))
    dispatcher = Dispatcher(database, clock, config)

    def say(text: str, speaker: Speaker = COORDINATOR) -> Any:
        reply = dispatcher.handle(Incoming(PLATFORM, CHANNEL, speaker, text))
        if reply is None or not reply.ok:
            said = "" if reply is None else render_text(reply.document)
            raise SetupError(f"{text!r} was refused: {said}")
        return reply

    say("!lägesbild publicera")
    changer = Speaker(platform=PLATFORM, user_id="rep07", display_name="Rep 07")
    say(f"!läge\n{report_text('Rep 07', WEEKS + 1, 2)}", changer)
    say("!lägesbild publicera")
    reply = say("!webb")
    links = [
        part.url
        for post in [reply, *reply.posts]
        for block in getattr(post, "document", post).blocks
        for part in getattr(block, "parts", ())
        if isinstance(part, Link)
    ]
    if not links:
        raise SetupError("!webb gave no link")
    token = re.sub(r"^.*/w/", "", links[0])
    return database, config, token


async def measure(
    database: Database, config: CoreConfig, token: str, count: int, warmup: int
) -> dict[str, list[int]]:
    clock = FixedClock(NOW + timedelta(minutes=31))
    pages = WebPages(database, clock, config)
    cookie = await asyncio.to_thread(pages.sign_in, token)
    if cookie is None:
        raise SetupError("the sign-in link was refused")
    server = WebServer("127.0.0.1", 0, database, {})
    pages.add_routes(server.app)
    runner = aiohttp.web.AppRunner(server.app, access_log=None)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    samples: dict[str, list[int]] = {kind: [] for kind in PAGES}
    try:
        async with aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{port}", cookies={"samverkan_web": cookie}
        ) as session:
            async with session.get(PAGES["picture"]) as shown:
                reports = (await shown.text()).count('<section class="report')
            if reports != 40:
                raise SetupError(f"the picture page shows {reports} reports, not 40")
            for path in PAGES.values():
                for _ in range(warmup):
                    await _get(session, path)
            gc.collect()
            gc.freeze()
            for _ in range(count):
                for kind, path in PAGES.items():
                    began = time.perf_counter_ns()
                    await _get(session, path)
                    samples[kind].append(time.perf_counter_ns() - began)
            gc.unfreeze()
    finally:
        await runner.cleanup()
    return samples


async def _get(session: aiohttp.ClientSession, path: str) -> None:
    async with session.get(path) as response:
        body = await response.read()
        if response.status != 200:
            raise SetupError(f"{path}: {response.status} {body[:200]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="timed requests of each page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests of each page")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as directory:
        try:
            database, config, token = prepared(Path(directory))
            progress(f"timing {args.count} requests of each page")
            with product_errors(ERROR_LOGGERS) as errors:
                samples = asyncio.run(measure(database, config, token, args.count, args.warmup))
        except SetupError as error:
            print(f"web_pages: {error}", file=sys.stderr)
            return 2
        database.dispose()
    rows = []
    for kind, taken in samples.items():
        row = timing_row(kind, taken, errors.count, TARGET_MS)
        row["verdict"] = "PASS" if row["p50_ms"] < TARGET_MS else "FAIL"  # the median counts
        rows.append(row)
    result = {
        "machine": machine_info(),
        "rows": rows,
        "first_error": errors.first,
        "target": f"p50 under {TARGET_MS:.0f} ms",
    }

    def table(found: dict[str, Any]) -> None:
        print(machine_line(found["machine"]))
        print(f"Target: {found['target']}, 40 organisations, {WEEKS} weeks of history")
        print_timings(found, TITLES)

    emit(result, args.json, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

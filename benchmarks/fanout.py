"""A call-out to a forum bound to many Matrix rooms: how soon the coordinator has the answer,
how soon each room has the call-out, and how soon an actor's ``!kvittera`` meanwhile is
answered.

Run from the project root::

    .venv/bin/python benchmarks/fanout.py                 # N = 1, 10, 40; and 40 at 2 at once
    .venv/bin/python benchmarks/fanout.py --rounds 10 --json
    .venv/bin/python benchmarks/fanout.py --rooms 40 --no-serial

One throwaway Synapse (``tests/support/synapse.py``) with three users: the coordinator
(``BOT_ADMINS``), an actor and samverkan-bot (``samverkan-bot run``, SQLite,
``OUTBOX_CONCURRENCY`` as given). The coordinator creates as many rooms as the largest N and
invites the bot and the actor. For each N in turn (ascending), rooms 0..N-1 are bound to one
forum (``!forum koppla 4``; rooms bound for a smaller N stay bound) and the actor registers in
room 0 (``!aktör Polisen``), so each call-out calls out Polisen. Each round:

- the coordinator sends ``!aktivera <reason>`` in room 0; once the call-out has reached room
  ``--ack-room`` (1: the first of the other rooms; room 0 when N is 1), as a person would,
  while the fan-out to the others goes on, the actor sends ``!kvittera`` there (with
  ``--ack-blind``: ``--ack-delay``, 50 ms, after the ``!aktivera`` was sent, before any
  call-out could be seen: its answer then waits for the call-out in that room, which comes
  first in each room);
- times, from just before the ``!aktivera`` was sent (``time.perf_counter``) to the arrival of
  the ``/sync`` that carried it (the coordinator's or the actor's own long poll, read as raw
  JSON, as in ``matrix_latency.py``): the bot's event in room 0 replying to the command
  (``m.relates_to`` → ``m.in_reply_to``); the earliest and the latest of the call-outs in
  rooms 1..N-1 (the bot's first message in each room after the command); and, from just
  before the ``!kvittera`` was sent, the bot's reply to it;
- then ``!avaktivera`` in room 0, and a wait until its notice has reached every bound room.

Then the bot is restarted with ``OUTBOX_CONCURRENCY=--compare`` (2) and N = the largest is
measured again. Medians over the timed rounds are printed, with the goals: the answer to the
coordinator within 1.2 x the N = 1 figure at any N, the ``!kvittera`` answer within 150 ms,
the last room within 1.6 s at N = 40. "reply first" counts the rounds in which the answer's
``origin_server_ts`` was not after any call-out's.

A measurement, not a test: exits 0 whatever the figures, 2 when it could not measure.
See benchmarks/README.md, "Fan-out".
"""

# ruff: noqa: E402  (the project root goes on sys.path before the test support is imported)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nio import JoinError, RoomCreateResponse

from benchmarks.common import machine_info, no_nan, progress
from benchmarks.matrix_latency import Arrival, MeasureError, Meter, leave_on_signal, signals_held

PASSWORD = "fanout benchmark"  # noqa: S105  (a throwaway homeserver's users)
COORDINATOR = "samordnare"
ACTOR = "aktor"
BOT = "samverkan"
FORUM = "4"  # the seeded Regional samverkanskonferens
ORGANISATION = "Polisen"
ACTIVATE = "!aktivera Fanout-mätning {}"
STAND_DOWN = "!avaktivera"
ACK = "!kvittera"
REPLY_RATIO_GOAL = 1.2
ACK_GOAL_MS = 150.0
LAST_ROOM_GOAL_MS = 1600.0
LAST_ROOM_GOAL_N = 40
SETTLE_SECONDS = 0.5


@dataclass
class Phase:
    rooms: int
    concurrency: int
    reply_ms: list[float] = field(default_factory=list)
    reply_server_ms: list[float] = field(default_factory=list)
    first_room_ms: list[float] = field(default_factory=list)
    last_room_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    reply_first: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


def replying_to(timeline: list[Arrival], sender: str, event_id: str) -> Arrival | None:
    for event in timeline:
        if event.type != "m.room.message" or event.sender != sender:
            continue
        relates = event.content.get("m.relates_to")
        if isinstance(relates, dict):
            reply = relates.get("m.in_reply_to")
            if isinstance(reply, dict) and reply.get("event_id") == event_id:
                return event
    return None


def first_from(
    timeline: list[Arrival], sender: str, after: int, containing: str = ""
) -> Arrival | None:
    """The sender's first message after position ``after`` (whose body has ``containing``)."""
    for event in timeline[after:]:
        if event.type == "m.room.message" and event.sender == sender and containing in event.body:
            return event
    return None


class Bench:
    def __init__(self, coordinator: Meter, actor: Meter, bot_id: str, timeout: float) -> None:
        self.coordinator = coordinator
        self.actor = actor
        self.bot_id = bot_id
        self.timeout = timeout
        self.rooms: list[str] = []
        self.bound = 0
        self.counter = 0

    async def create_rooms(self, count: int) -> None:
        client = self.coordinator.client
        for index in range(count):
            created = await client.room_create(
                name=f"Fanout {index}", invite=[self.bot_id, self.actor.user_id]
            )
            if not isinstance(created, RoomCreateResponse):
                raise MeasureError(f"could not create room {index}: {created}")
            room = str(created.room_id)
            joined = await self.actor.client.join(room)
            if isinstance(joined, JoinError):
                raise MeasureError(f"the actor could not join room {index}: {joined}")
            self.rooms.append(room)
        for index, room in enumerate(self.rooms):
            # The bot's welcome: it has joined and synced the room.
            await self.coordinator.wait_for(
                lambda room=room: first_from(  # type: ignore[misc]
                    self.coordinator.timelines.get(room, []), self.bot_id, 0
                ),
                timeout=self.timeout,
                what=f"the bot's welcome in room {index}",
            )
            await self.actor.wait_for(
                lambda room=room: True if room in self.actor.timelines else None,  # type: ignore[misc]
                timeout=self.timeout,
                what=f"room {index} in the actor's sync",
            )

    async def ask(self, meter: Meter, room: str, body: str, expect: str) -> Arrival:
        started, event_id = await meter.send(room, body)
        del started
        answer = await meter.wait_for(
            lambda: replying_to(meter.timelines.get(room, []), self.bot_id, event_id),
            timeout=self.timeout,
            what=f"the answer to {body!r}",
        )
        if expect not in answer.body:
            raise MeasureError(f"{body!r} was answered {answer.body[:200]!r}")
        return answer

    async def bind(self, count: int) -> None:
        if self.bound >= count:
            return  # bound before (perhaps by the bot before a restart): nothing in flight
        while self.bound < count:
            await self.ask(
                self.coordinator, self.rooms[self.bound], f"!forum koppla {FORUM}", "kopplad"
            )
            if self.bound == 0:
                await self.ask(self.actor, self.rooms[0], f"!aktör {ORGANISATION}", ORGANISATION)
            self.bound += 1
        # Each binding is announced in the forum's other rooms: wait until the last one's
        # notice is in every room (each room's messages leave in order), so none is in flight.
        last = f"Fanout {self.bound - 1} "
        for room in self.rooms[: self.bound - 1]:
            await self.coordinator.wait_for(
                lambda room=room: first_from(  # type: ignore[misc]
                    self.coordinator.timelines[room], self.bot_id, 0, last
                ),
                timeout=self.timeout * 4,
                what="the last binding's notice",
            )
        await asyncio.sleep(SETTLE_SECONDS)

    async def round(
        self, phase: Phase, ack_room: int, ack_delay: float, timed: bool, seen_first: bool
    ) -> None:
        rooms = self.rooms[: phase.rooms]
        coordinator, actor = self.coordinator, self.actor
        marks = {room: len(coordinator.timelines.get(room, [])) for room in rooms}
        ack_room_id = rooms[ack_room]
        actor_mark = len(actor.timelines.get(ack_room_id, []))
        self.counter += 1
        started = time.perf_counter()
        activate = asyncio.create_task(coordinator.send(rooms[0], ACTIVATE.format(self.counter)))
        if seen_first and phase.rooms > 1:
            # As a person does: the call-out has reached the actor's room, the fan-out to
            # the other rooms goes on.
            await actor.wait_for(
                lambda: first_from(
                    actor.timelines[ack_room_id], self.bot_id, actor_mark, "INKALLNING"
                ),
                timeout=self.timeout,
                what="the call-out in the actor's room",
            )
        else:
            await asyncio.sleep(max(0.0, ack_delay - (time.perf_counter() - started)))
        ack_started, ack_id = await actor.send(ack_room_id, ACK)
        _, command_id = await activate

        reply = await coordinator.wait_for(
            lambda: replying_to(coordinator.timelines[rooms[0]], self.bot_id, command_id),
            timeout=self.timeout,
            what="the answer to !aktivera",
        )
        if "INKALLNING" not in reply.body:
            phase.notes.append(f"!aktivera answered {reply.body[:120]!r}")
        callouts = []
        for room in rooms[1:]:
            callout = await coordinator.wait_for(
                lambda room=room: first_from(  # type: ignore[misc]
                    coordinator.timelines[room], self.bot_id, marks[room], "INKALLNING"
                ),
                timeout=self.timeout,
                what="a call-out",
            )
            if "INKALLNING" not in callout.body:
                phase.notes.append(f"first message in a room: {callout.body[:120]!r}")
            callouts.append(callout)
        ack = await actor.wait_for(
            lambda: replying_to(actor.timelines[ack_room_id], self.bot_id, ack_id),
            timeout=self.timeout,
            what="the answer to !kvittera",
        )
        if "Kvittens" not in ack.body:
            phase.notes.append(f"!kvittera answered {ack.body[:120]!r}")
        if timed:
            phase.rounds += 1
            phase.reply_ms.append((reply.at - started) * 1000)
            own = next(e for e in coordinator.timelines[rooms[0]] if e.event_id == command_id)
            phase.reply_server_ms.append(reply.server_ts - own.server_ts)
            phase.ack_ms.append((ack.at - ack_started) * 1000)
            if callouts:
                phase.first_room_ms.append((min(c.at for c in callouts) - started) * 1000)
                phase.last_room_ms.append((max(c.at for c in callouts) - started) * 1000)
            if all(reply.server_ts <= c.server_ts for c in callouts):
                phase.reply_first += 1
        await self.stand_down(rooms)

    async def stand_down(self, rooms: list[str]) -> None:
        coordinator = self.coordinator
        marks = {room: len(coordinator.timelines.get(room, [])) for room in rooms}
        await self.ask(coordinator, rooms[0], STAND_DOWN, "vaktiver")
        for room in rooms[1:]:
            await coordinator.wait_for(
                lambda room=room: first_from(  # type: ignore[misc]
                    coordinator.timelines[room], self.bot_id, marks[room], "vaktiver"
                ),
                timeout=self.timeout,
                what="the stand-down notice",
            )
        await asyncio.sleep(SETTLE_SECONDS)


async def measure_phases(
    bench: Bench, phases: list[Phase], options: argparse.Namespace, concurrency: int
) -> None:
    for phase in phases:
        if phase.concurrency != concurrency:
            continue
        await bench.bind(phase.rooms)
        ack_room = (
            min(options.ack_room, phase.rooms - 1) if options.ack_room >= 0 else (phase.rooms - 1)
        )
        progress(
            f"N={phase.rooms} concurrency={phase.concurrency}: {options.warmup} warm-up and "
            f"{options.rounds} timed rounds, !kvittera in room {ack_room}"
        )
        for index in range(options.warmup + options.rounds):
            await bench.round(
                phase, ack_room, options.ack_delay, index >= options.warmup, options.ack_seen
            )


async def run_bot_phases(
    url: str,
    ids: dict[str, str],
    bench_state: dict[str, Any],
    phases: list[Phase],
    options: argparse.Namespace,
    concurrency: int,
) -> None:
    coordinator = Meter(url, ids[COORDINATOR], PASSWORD)
    actor = Meter(url, ids[ACTOR], PASSWORD)
    await coordinator.start()
    await actor.start()
    try:
        bench = Bench(coordinator, actor, ids[BOT], options.timeout)
        if "rooms" not in bench_state:
            progress(f"creating {max(p.rooms for p in phases)} rooms")
            await bench.create_rooms(max(p.rooms for p in phases))
            bench_state["rooms"] = bench.rooms
        else:
            bench.rooms = bench_state["rooms"]
            bench.bound = bench_state["bound"]
            # The new meters' first sync already holds the rooms and their history.
        await measure_phases(bench, phases, options, concurrency)
        bench_state["bound"] = bench.bound
    finally:
        await actor.close()
        await coordinator.close()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def summary(phase: Phase) -> dict[str, Any]:
    return {
        "rooms": phase.rooms,
        "concurrency": phase.concurrency,
        "rounds": phase.rounds,
        "reply_ms": median(phase.reply_ms),
        "reply_server_ms": median(phase.reply_server_ms),
        "first_room_ms": median(phase.first_room_ms),
        "last_room_ms": median(phase.last_room_ms),
        "ack_ms": median(phase.ack_ms),
        "reply_max_ms": max(phase.reply_ms, default=math.nan),
        "last_room_max_ms": max(phase.last_room_ms, default=math.nan),
        "ack_max_ms": max(phase.ack_ms, default=math.nan),
        "reply_first": phase.reply_first,
        "notes": sorted(set(phase.notes)),
    }


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def print_report(result: dict[str, Any]) -> None:
    machine = result["machine"]
    print(
        f"Python {machine['python']} | {machine['cpu_count']} CPUs {machine['cpu_model'] or ''} "
        f"| load average at start: {machine['load_average']}"
    )
    config = result["config"]
    print(
        f"{config['warmup']} warm-up and {config['rounds']} timed rounds per row; medians in ms "
        f"(max in brackets); !kvittera {config['ack_delay_ms']:.0f} ms after !aktivera, in "
        f"room {config['ack_room']} (room 0 when N=1); server = the answer's minus the command's "
        "origin_server_ts"
    )
    print()
    header = (
        f"{'N':>3} {'conc':>4} {'answer':>13} {'server':>6} {'first room':>10} {'last room':>13} "
        f"{'!kvittera':>12} {'reply first':>11}"
    )
    print(header)
    print("-" * len(header))
    base = math.nan
    for row in result["rows"]:
        if row["rooms"] == 1 and row["concurrency"] != 1:
            base = row["reply_ms"]
        print(
            f"{row['rooms']:>3} {row['concurrency']:>4} "
            f"{ms(row['reply_ms']):>6} ({ms(row['reply_max_ms']):>4}) "
            f"{ms(row['reply_server_ms']):>6} "
            f"{ms(row['first_room_ms']):>10} "
            f"{ms(row['last_room_ms']):>6} ({ms(row['last_room_max_ms']):>4}) "
            f"{ms(row['ack_ms']):>5} ({ms(row['ack_max_ms']):>4}) "
            f"{row['reply_first']:>5} of {row['rounds']}"
        )
    print()
    for row in result["rows"]:
        label = f"N={row['rooms']} concurrency {row['concurrency']}"
        verdicts = []
        if not math.isnan(base) and base > 0:
            ratio = row["reply_ms"] / base
            verdict = "PASS" if ratio <= REPLY_RATIO_GOAL else "MISS"
            verdicts.append(f"answer {ratio:.2f} x N=1 {verdict}")
        verdict = "PASS" if row["ack_ms"] <= ACK_GOAL_MS else "MISS"
        verdicts.append(f"!kvittera {ms(row['ack_ms'])} ms {verdict}")
        if row["rooms"] >= LAST_ROOM_GOAL_N:
            verdict = "PASS" if row["last_room_ms"] < LAST_ROOM_GOAL_MS else "MISS"
            verdicts.append(f"last room {ms(row['last_room_ms'])} ms {verdict}")
        print(f"{label}: " + "; ".join(verdicts))
    notes = [f"N={r['rooms']}/{r['concurrency']}: {n}" for r in result["rows"] for n in r["notes"]]
    notes.extend(f"bot log: {line}" for line in result["bot_log_problems"])
    if notes:
        print("\nNoticed:")
        for note in notes:
            print(f"  - {note}")


def log_problems(text: str, limit: int = 10) -> list[str]:
    marks = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")
    quiet = "MATRIX_STORE_KEY is not set"  # a throwaway store: expected
    lines = text.splitlines()
    return [line for line in lines if any(m in line for m in marks) and quiet not in line][:limit]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[1, 10, 40], help="the Ns")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per N (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds per N (1)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="OUTBOX_CONCURRENCY (1, the default)"
    )
    parser.add_argument(
        "--compare",
        type=int,
        default=2,
        help="the largest N again with this OUTBOX_CONCURRENCY (2; 1 before the default was 1)",
    )
    parser.add_argument(
        "--no-serial", action="store_true", help="skip the largest N with --compare"
    )
    parser.add_argument(
        "--ack-room", type=int, default=1, help="room of the !kvittera (1; -1: the last)"
    )
    parser.add_argument(
        "--ack-blind",
        dest="ack_seen",
        action="store_false",
        help="send the !kvittera --ack-delay after the !aktivera, not once the call-out has "
        "reached the actor's room",
    )
    parser.add_argument("--ack-delay", type=float, default=0.05, help="seconds (0.05)")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0 or any(n < 1 for n in args.rooms):
        parser.error("--rounds and --rooms must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, leave_on_signal)
    from tests.support.bot_process import BotProcess
    from tests.support.synapse import SynapseServer

    sizes = sorted(set(args.rooms))
    phases = [Phase(n, args.concurrency) for n in sizes]
    if not args.no_serial and args.concurrency != args.compare:
        phases.append(Phase(sizes[-1], args.compare))
    machine = machine_info()
    cleanup = contextlib.ExitStack()
    problems: list[str] = []
    try:
        directory = Path(tempfile.mkdtemp(prefix="samverkan-fanout-"))
        cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
        progress("starting Synapse")
        synapse = cleanup.enter_context(SynapseServer())
        ids = {name: synapse.register(name, PASSWORD).user_id for name in (COORDINATOR, ACTOR, BOT)}
        state: dict[str, Any] = {}
        for concurrency in dict.fromkeys(phase.concurrency for phase in phases):
            bot = BotProcess(
                directory / "bot",
                {
                    "MATRIX_HOMESERVER": synapse.url,
                    "MATRIX_USER_ID": ids[BOT],
                    "MATRIX_PASSWORD": PASSWORD,
                    "BOT_ADMINS": ids[COORDINATOR],
                    "DATABASE_URL": f"sqlite:///{directory / 'bot' / 'bot.db'}",
                    "LOG_LEVEL": "INFO",
                    "OUTBOX_CONCURRENCY": str(concurrency),
                },
            )
            progress(f"starting samverkan-bot with OUTBOX_CONCURRENCY={concurrency}")
            since = len(bot.log()) if bot.log_file.exists() else 0
            bot.start()
            try:
                bot.wait_for_log("logged in to Matrix", timeout=60, since=since)
                asyncio.run(run_bot_phases(synapse.url, ids, state, phases, args, concurrency))
            finally:
                with signals_held():
                    bot.stop()
        problems = log_problems(bot.log())
    except (RuntimeError, OSError, AssertionError) as error:
        progress(f"could not measure: {error}")
        return 2
    finally:
        with signals_held():
            cleanup.close()
    result = {
        "machine": machine,
        "config": {
            "rounds": args.rounds,
            "warmup": args.warmup,
            "ack_room": args.ack_room,
            "ack_delay_ms": args.ack_delay * 1000,
        },
        "rows": [summary(phase) for phase in phases],
        "bot_log_problems": problems,
    }
    if args.json:
        print(json.dumps(no_nan(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

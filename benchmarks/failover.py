"""How long several bot processes are without a leader when the leader dies or stops.

Run from the project root::

    .venv/bin/python benchmarks/failover.py                 # lease 15 s (the default), 3 kills
    .venv/bin/python benchmarks/failover.py --lease 5 --kills 5 --json

Three ``samverkan-bot run`` processes (Slack over HTTP against a fake Web API, as in the
tests) share one throwaway PostgreSQL. Each round finds the leader (the process whose
``/readyz`` says ``"leader": true``), ends it, and measures until another process says it
leads: with SIGKILL (a dead node: the lease must run out, so about a lease and a third at
most) and with SIGTERM (a rolling update: the lease is given up, so at once). The ended
process is started again, as a supervisor would. Meanwhile a signed Slack request goes to a
surviving process every half second: its answers show that Slack is served throughout.

This is a measurement, not a test: it prints PASS/FAIL against the target (every SIGKILL
takeover within 30 s, every Slack request answered) and exits 0 either way; 2 when
something could not be set up.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import emit, machine_info, percentile, progress
from tests.support.bot_process import BotProcess
from tests.support.fake_slack import FakeSlack
from tests.support.postgres import PostgresServer
from tests.support.slack_http import SECRET, TOKEN, SlackBot, new_channel, slash

TARGET_S = 30.0
ADMIN = "UADMIN001"


def leader_of(processes: dict[str, BotProcess]) -> str | None:
    leading = []
    for name, process in processes.items():
        if not process.running:
            continue
        url = f"http://127.0.0.1:{process.http_port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                found = json.loads(response.read())
        except urllib.error.HTTPError as error:
            found = json.loads(error.read())
        except OSError:
            continue
        if found.get("leader"):
            leading.append(name)
    if len(leading) > 1:
        raise RuntimeError(f"two leaders at once: {leading}")
    return leading[0] if leading else None


def wait_for_leader(processes: dict[str, BotProcess], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = leader_of(processes)
        if found:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"no leader within {timeout} s")


class SlackProbe(threading.Thread):
    """A signed slash command to a running process every half second; counts the answers."""

    def __init__(self, processes: dict[str, BotProcess], fake: FakeSlack) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.fake = fake
        self.channel = new_channel()
        self.answered = 0
        self.failed: list[str] = []
        self.stop = threading.Event()
        # Being ended or started again: a load balancer (a Kubernetes Service) sends it no
        # requests then, by its readiness.
        self.out: set[str] = set()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            alive = [p for name, p in self.processes.items() if p.running and name not in self.out]
            if not alive:
                continue
            process = alive[self.answered % len(alive)]
            bot = SlackBot(process, self.fake, process.http_port)
            try:
                answer = slash(bot, "hjälp", ADMIN, self.channel)
            except OSError as error:
                self.failed.append(str(error))
                continue
            if answer.status == 200:
                self.answered += 1
            else:
                self.failed.append(f"HTTP {answer.status}")


def run(lease: float, kills: int, directory: Path) -> dict[str, Any]:
    takeovers: dict[str, list[float]] = {"SIGKILL": [], "SIGTERM": []}
    with PostgresServer() as postgres, FakeSlack() as fake:
        fake.add_user(ADMIN, "Admin", admin=True)
        url = postgres.create_database("failover")
        settings = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "LEADER_LEASE_SECONDS": str(lease),
            "BOT_ADMINS": ADMIN,
            "LOG_LEVEL": "INFO",
        }
        processes = {
            name: BotProcess(directory / name, {**settings, "INSTANCE_NAME": name})
            for name in ("bot-a", "bot-b", "bot-c")
        }
        for process in processes.values():
            process.start()
        probe = SlackProbe(processes, fake)
        try:
            for process in processes.values():
                process.wait_for_log("HTTP server listening", timeout=60)
            wait_for_leader(processes)
            probe.start()
            for round_number in range(kills * 2):
                how = "SIGKILL" if round_number % 2 == 0 else "SIGTERM"
                leader = wait_for_leader(processes)
                progress(f"{how} to the leader {leader}")
                probe.out.add(leader)
                time.sleep(0.6)  # a request under way to it finishes
                ended = time.monotonic()
                if how == "SIGKILL":
                    os.killpg(processes[leader].pid, signal.SIGKILL)
                    processes[leader].stop()
                else:
                    os.killpg(processes[leader].pid, signal.SIGTERM)
                new = wait_for_leader({n: p for n, p in processes.items() if n != leader})
                takeovers[how].append(time.monotonic() - ended)
                progress(f"  {new} leads after {takeovers[how][-1]:.2f} s")
                processes[leader].stop()
                logged = len(processes[leader].log())
                processes[leader].start()
                processes[leader].wait_for_log("Slack door listening", timeout=60, since=logged)
                probe.out.discard(leader)
        finally:
            probe.stop.set()
            if probe.is_alive():
                probe.join()
            for process in processes.values():
                process.stop()
    return {
        "machine": machine_info(),
        "lease_seconds": lease,
        "takeover_seconds": {
            how: {
                "runs": times,
                "median": percentile(sorted(times), 50),
                "max": max(times),
            }
            for how, times in takeovers.items()
        },
        "slack_answered": probe.answered,
        "slack_failed": probe.failed,
        "pass": max(takeovers["SIGKILL"]) < TARGET_S and not probe.failed,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"Failover of 3 processes on PostgreSQL, lease {result['lease_seconds']:g} s")
    for how, figures in result["takeover_seconds"].items():
        runs = ", ".join(f"{t:.2f}" for t in figures["runs"])
        print(
            f"  {how:8} new leader after: median {figures['median']:.2f} s, "
            f"max {figures['max']:.2f} s  ({runs})"
        )
    print(
        f"  Slack requests during the failovers: {result['slack_answered']} answered, "
        f"{len(result['slack_failed'])} failed"
    )
    print(
        f"  {'PASS' if result['pass'] else 'FAIL'}: SIGKILL takeover < {TARGET_S:g} s, Slack served"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--lease", type=float, default=15.0, help="LEADER_LEASE_SECONDS")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILL rounds (as many SIGTERM)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="failover-") as directory:
        try:
            result = run(args.lease, args.kills, Path(directory))
        except RuntimeError as error:
            print(f"failover benchmark could not run: {error}", file=sys.stderr)
            return 2
    emit(result, args.json, print_table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

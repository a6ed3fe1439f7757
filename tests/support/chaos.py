"""A fleet of bot processes that die and are replaced, for the chaos test (tests/test_chaos.py).

:class:`Fleet` runs ``size`` ``samverkan-bot run`` processes with the same settings, each with
an ``INSTANCE_NAME`` of its own; one that dies (killed from outside, or by the test hook after
a commit or a send) is replaced by a new process with a new name, as a container platform
starts a new pod. A variable of ``named`` is set in each process with ``{name}`` in its value
replaced by the process's name: a test hook's marker that kills that one process only.

Slack requests go to a live process through :meth:`Fleet.slack`, which keeps count of the
requests a process has acknowledged but not yet committed: Slack is answered before the work
is done (``process_before_response=False``), so a process killed in between loses such a
request for good, and Slack does not send it again. A disruption (:meth:`Fleet.disrupting`)
therefore first *dooms* its victim: no new request goes to it, and the ones it has are let
commit, before it is killed. One disruption at a time, so that the victim is known.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from tests.support.bot_process import BotProcess
from tests.support.fake_slack import FakeSlack
from tests.support.slack_http import Answer, SlackBot, send

LISTENING = "HTTP server listening"


class Deadline:
    """``seconds`` from now; :meth:`left` says how many remain (at least 0)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.at


def readiness(port: int) -> dict[str, object]:
    """A process's /readyz (``leader``: whether it leads); empty when it does not answer."""
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            found: dict[str, object] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        found = json.loads(error.read())
    except (OSError, ValueError):
        return {}
    return found


@dataclass
class Slot:
    """One incarnation of a bot process."""

    name: str
    process: BotProcess
    listening: bool = False
    doomed: bool = False  # about to be killed: no new Slack request goes to it
    inflight: int = 0  # Slack requests it acknowledged that are not committed yet
    replaced: bool = False

    @property
    def alive(self) -> bool:
        return self.process.running

    @property
    def available(self) -> bool:
        return self.alive and self.listening and not self.doomed


@dataclass(frozen=True)
class Death:
    name: str
    # "outside" (SIGKILL from the test), "commit" or "send" (a test hook), "unexpected"
    how: str
    leader: bool
    at: float  # time.monotonic()


@dataclass
class Fleet:
    directory: Path
    settings: Mapping[str, str]
    fake: FakeSlack
    size: int = 3
    named: Mapping[str, str] = field(default_factory=dict)  # values with "{name}" in them
    slots: list[Slot] = field(default_factory=list)
    deaths: list[Death] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._disruption = threading.Lock()
        self._incarnations: dict[str, int] = {}
        # Who is to die and how, noted before the kill: (name, how, was leader).
        self._expected: dict[str, tuple[str, bool]] = {}

    # -- processes ---------------------------------------------------------------------------

    def _new_slot(self, base: str) -> Slot:
        number = self._incarnations.get(base, 0) + 1
        self._incarnations[base] = number
        name = f"{base}-{number}"
        named = {key: value.replace("{name}", name) for key, value in self.named.items()}
        process = BotProcess(
            self.directory / name, {**self.settings, **named, "INSTANCE_NAME": name}
        )
        process.start()
        return Slot(name, process)

    def start(self, timeout: float = 60.0) -> None:
        with self._cond:
            for base in ("bot-a", "bot-b", "bot-c")[: self.size]:
                self.slots.append(self._new_slot(base))
        deadline = Deadline(timeout)
        while not all(slot.listening for slot in self.slots):
            assert not deadline.passed(), "the bot processes did not start in time"
            self.look()
            time.sleep(0.1)

    def look(self) -> None:
        """Note deaths, replace the dead, and mark new processes ready once they listen."""
        with self._cond:
            for slot in list(self.slots):
                if not slot.listening and slot.alive and LISTENING in slot.process.log():
                    slot.listening = True
                    self._cond.notify_all()
                if not slot.alive and not slot.replaced:
                    slot.replaced = True
                    how, leader = self._expected.pop(slot.name, ("unexpected", False))
                    self.deaths.append(Death(slot.name, how, leader, time.monotonic()))
                    base = slot.name.rsplit("-", 1)[0]
                    self.slots.append(self._new_slot(base))
                    self._cond.notify_all()

    def live(self) -> list[Slot]:
        with self._cond:
            return [slot for slot in self.slots if slot.alive]

    def leader(self, timeout: float = 30.0) -> Slot:
        """The one live process that says it leads, once there is exactly one."""
        deadline = Deadline(timeout)
        while True:
            leading = [
                slot for slot in self.live() if readiness(slot.process.http_port).get("leader")
            ]
            if len(leading) == 1:
                return leading[0]
            if deadline.passed():
                names = [slot.name for slot in leading]
                raise AssertionError(f"no single leader within {timeout} s: {names}")
            time.sleep(0.1)

    def stop(self) -> dict[str, int]:
        """SIGTERM to every live process; their exit statuses."""
        return {slot.name: slot.process.stop() for slot in self.live()}

    def logs(self) -> dict[str, str]:
        return {slot.name: slot.process.log() for slot in self.slots}

    # -- disruptions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def disrupting(self, timeout: float = 60.0) -> Iterator[None]:
        """One disruption at a time."""
        assert self._disruption.acquire(timeout=timeout), "a disruption did not end in time"
        try:
            yield
        finally:
            self._disruption.release()

    def doom(self, slot: Slot, how: str, leader: bool, timeout: float = 20.0) -> None:
        """``slot`` is to die (``how``): no new Slack request goes to it, and those it has
        are let commit first."""
        with self._cond:
            slot.doomed = True
            self._expected[slot.name] = (how, leader)
            done = self._cond.wait_for(lambda: slot.inflight == 0, timeout)
            assert done, f"{slot.name} kept {slot.inflight} Slack requests uncommitted"

    def kill(self, slot: Slot) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(slot.process.pid, signal.SIGKILL)

    def wait_dead(self, slot: Slot, timeout: float = 30.0) -> None:
        deadline = Deadline(timeout)
        while slot.alive:
            assert not deadline.passed(), f"{slot.name} did not die within {timeout} s"
            time.sleep(0.05)
        self.look()

    def spare(self, slot: Slot) -> None:
        """``slot`` was doomed but lives on (what was to kill it did not): in use again."""
        with self._cond:
            if slot.alive:
                slot.doomed = False
                self._expected.pop(slot.name, None)
                self._cond.notify_all()

    # -- Slack -------------------------------------------------------------------------------

    def pick(self, chooser: random.Random, timeout: float = 30.0, only: Slot | None = None) -> Slot:
        """A process ready for a Slack request (``only`` that one); counted as holding it."""
        with self._cond:

            def ready() -> list[Slot]:
                if only is not None:
                    return [only] if only.alive and only.listening else []
                return [slot for slot in self.slots if slot.available]

            assert self._cond.wait_for(ready, timeout), "no bot process to send Slack a request"
            slot = chooser.choice(ready())
            slot.inflight += 1
            return slot

    def release(self, slot: Slot) -> None:
        with self._cond:
            slot.inflight -= 1
            self._cond.notify_all()

    def slack(
        self,
        body: str,
        content_type: str,
        committed: Callable[[], bool],
        chooser: random.Random,
        *,
        only: Slot | None = None,
        timeout: float = 30.0,
    ) -> Slot:
        """Send a Slack request to a live process (``only`` that one) and wait until its
        command is committed; sent again to another if a process does not take it (the same
        event id: handled once). The process that took it."""
        deadline = Deadline(timeout)
        while True:
            slot = self.pick(chooser, deadline.left(), only)
            try:
                try:
                    answer = send(
                        SlackBot(slot.process, self.fake, slot.process.http_port),
                        body,
                        content_type,
                    )
                except OSError as error:
                    answer = Answer(0, str(error), 0.0)
                # A process that dies (the test hook) right after its commit may not have
                # written its 200 yet: the request was taken all the same.
                if answer.status == 200 or committed():
                    while not committed():
                        assert slot.alive or committed(), f"{slot.name} died before committing"
                        assert not deadline.passed(), (
                            f"not committed within {timeout} s: {body[:200]}"
                        )
                        time.sleep(0.03)
                    return slot
            finally:
                self.release(slot)
            assert only is None, f"{slot.name} refused a request: {answer.status} {answer.body}"
            assert not deadline.passed(), f"no process took a Slack request: {answer}"
            time.sleep(0.1)


class Rows:
    """Reads from the bot's database for the test."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=4, pool_pre_ping=True)

    def handled(self, platform: str, event_id: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM handledevent WHERE platform = :p AND event_id = :e"),
                {"p": platform, "e": event_id},
            ).first()
        return found is not None

    def outbox(self) -> list[dict[str, object]]:
        with self.engine.connect() as connection:
            result = connection.execute(
                text(
                    "SELECT id, key, platform, channel_id, kind, route, state, attempts, "
                    "failures, claimed_by, last_error, created_at, ready_at, sent_at "
                    "FROM outbox ORDER BY id"
                )
            )
            return [dict(row._mapping) for row in result]

    def pending(self) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM outbox WHERE state = 'pending'")
            ).scalar()
        return int(found or 0)

    def dispose(self) -> None:
        self.engine.dispose()


def login(homeserver: str, user_id: str, password: str, device_id: str) -> str:
    """A new access token of ``user_id`` (for reading rooms through the client API)."""
    request = urllib.request.Request(  # noqa: S310 - the test Synapse on loopback
        homeserver + "/_matrix/client/v3/login",
        data=json.dumps(
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": user_id},
                "password": password,
                "device_id": device_id,
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        token: str = json.loads(response.read())["access_token"]
    return token


def room_events(
    homeserver: str, token: str, room_id: str, timeout: float = 10.0
) -> list[dict[str, object]]:
    """Every timeline event of ``room_id``, oldest first, through the client API's
    ``/messages``."""
    events: list[dict[str, object]] = []
    start: str | None = None
    while True:
        query = "dir=f&limit=500" + (f"&from={quote(start)}" if start else "")
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/messages?{query}"
        request = urllib.request.Request(  # noqa: S310 - the test Synapse on loopback
            homeserver + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            page = json.loads(response.read())
        chunk = page.get("chunk") or []
        events.extend(chunk)
        end = page.get("end")
        if not chunk or not end or end == start:
            return events
        start = end

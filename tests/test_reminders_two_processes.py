"""Two bot processes on one PostgreSQL database: every reminder goes out once.

Two real terminal chats (``python -m bot.cli console``) share one throwaway PostgreSQL
database, each with its clock pinned (``--now``) to the same instant. Reminders are set in
one of them; then both move to the same later time with ``~tid``: each steps through what
falls due on the way and tries to send it, so the two race for every reminder. The scheduler
claims a post with a guarded UPDATE before sending it, so each reminder must appear exactly
once across the two outputs, and the database must say it was sent once, with a message id.

- Both step through time together, one ``~tid`` per due time, typed into both at once: at
  every step the two claim at the same moment, with the same clock.
- Both jump at once, with one ``~tid`` each to the same later time, as the issue asks: each
  steps on its own, and their clocks drift apart on the way; leases are measured in real
  time, so neither takes the other's claim for abandoned.
- A process that dies between claiming and sending: the other takes the post over after the
  lease (two dispatchers in one process; a death cannot be timed from outside).

The processes are driven through pipes kept open (not a whole input at once), so that the
reminders are set before the jump and the two jumps really overlap.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from commands.core.clock import FixedClock
from commands.core.outbox import CLAIM as LEASE
from commands.core.outbox import Delivery
from storage import Database
from storage.models import PostState, ScheduledPost
from tests.support.chat import Chat
from tests.support.databases import Databases
from tests.support.environment import clean_env
from tests.test_console import REPO, Message, split_messages

START = "2026-11-26 15:00"  # Thursday, an hour before the samverkanskonferens
TARGET = "2026-12-04 12:00"  # the Friday a week later
# One-off reminders: (channel, when, due, text); all fall due before TARGET.
ONCE = [
    ("stab", "idag 16:00", "2026-11-26 16:00", "Konferensen börjar nu"),
    ("stab", "om 90 minuter", "2026-11-26 16:30", "Skicka lägesrapporten"),
    ("stab", "imorgon kl 9", "2026-11-27 09:00", "Ring SMHI"),
    ("stab", "imorgon kl 9", "2026-11-27 09:00", "Ring Trafikverket"),  # the same minute
    ("ledning", "imorgon kl 9", "2026-11-27 09:00", "Stäm av med kommunerna"),
    ("ledning", "fredag 13:00", "2026-11-27 13:00", "Veckorapport till länsstyrelsen"),
    ("ledning", "måndag 08:00", "2026-11-30 08:00", "Veckomöte"),
    ("stab", "nästa torsdag 15:00", "2026-12-03 15:00", "Förbered konferensen"),
    ("stab", "2026-12-03 15:30", "2026-12-03 15:30", "Agendan ut"),
    ("logistik", "i övermorgon kl 9", "2026-11-28 09:00", "Drivmedel till reservkraft"),
    ("logistik", "om 2 timmar", "2026-11-26 17:00", "Kolla reservkraften"),
    ("logistik", "2026-12-04 11:59", "2026-12-04 11:59", "Sista före hoppet"),
]
# A weekly reminder: out on 26 November and 3 December; planned next for 10 December.
WEEKLY = ("stab", "varje torsdag 16:00", ("2026-11-26 16:00", "2026-12-03 16:00"), "Veckomöte nu")
NOT_YET = ("stab", "2026-12-04 12:30", "Efter hoppet")  # due after TARGET: stays pending
ARRIVED = "Klockan är nu"


class LiveConsole:
    """``samverkan-bot console`` in a child process, its input a pipe kept open; what it
    prints is collected by a thread, so the test can wait for a line and go on typing."""

    def __init__(self, name: str, database_url: str, directory: Path) -> None:
        self.name = name
        directory.mkdir(parents=True, exist_ok=True)
        self._chunks: list[str] = []
        self._changed = threading.Condition()
        self.stderr_file = directory / "stderr.log"
        with self.stderr_file.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "console", "--now", START],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=REPO,
                # No --db: the console takes DATABASE_URL (PostgreSQL) from the environment.
                # The ticker's own interval is long, so that only ~tid moves through time:
                # a pinned clock does not advance, and the test decides when time passes.
                env=clean_env({"DATABASE_URL": database_url, "TICK_SECONDS": "3600"}),
            )
        self._reader = threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            with self._changed:
                self._chunks.append(raw.decode("utf-8", errors="replace"))
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._chunks)

    def type(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines).encode())
        self.process.stdin.flush()

    def wait_for(self, text: str, *, count: int = 1, timeout: float = 60.0) -> None:
        """Until ``text`` has been printed ``count`` times."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while "".join(self._chunks).count(text) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name}: {text!r} not printed {count} times:\n{self.output[-3000:]}"
                        f"\nstderr:\n{self.stderr()[-3000:]}"
                    )
                self._changed.wait(min(left, 0.5))

    def stderr(self) -> str:
        return self.stderr_file.read_text(errors="replace")

    def finish(self, timeout: float = 30.0) -> list[Message]:
        """Input ended: the console exits; its messages."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout) == 0, self.stderr()
        self._reader.join(timeout)
        return split_messages(self.output)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def pair(databases: Databases, tmp_path: Path) -> Iterator[tuple[LiveConsole, LiveConsole, str]]:
    """Two consoles on one migrated and seeded PostgreSQL database of their own (a copy of a
    template, so they do not race to create the schema), the reminders set: most in the
    first, one in the second (so that both have read a time once: the first parse is slow,
    and the race should be even). Yields them and the database's URL."""
    url = databases.prepared("postgresql")
    with ExitStack() as stack:
        first = LiveConsole("first", url, tmp_path / "first")
        stack.callback(first.kill)
        second = LiveConsole("second", url, tmp_path / "second")
        stack.callback(second.kill)
        for channel, when, _, text in ONCE:
            first.type(f"#{channel} !påminn {when} {text}")
        first.type(f"#{WEEKLY[0]} !påminn {WEEKLY[1]} {WEEKLY[3]}")
        first.wait_for("Ta bort den med !påminn ta bort", count=len(ONCE) + 1)
        second.type(f"#{NOT_YET[0]} !påminn {NOT_YET[1]} {NOT_YET[2]}", "#stab !påminnelser")
        second.wait_for("påminnelser i kanalen")
        # The second sees the first one's reminders in the channel, and only that channel's.
        assert "Veckomöte nu" in second.output
        assert "Veckorapport till länsstyrelsen" not in second.output
        yield first, second, url


def _fired(messages: list[Message]) -> list[Message]:
    """The reminders that went out (not the confirmations of setting them), late or not."""
    return [m for m in messages if "från operator" in m.text]


def _text_of(fired: Message) -> str:
    """A reminder's own text: the line after its title."""
    lines = fired.text.splitlines()
    return lines[lines.index(next(line for line in lines if line.startswith("Påminnelse"))) + 1]


def _finish(first: LiveConsole, second: LiveConsole) -> dict[str, list[Message]]:
    outputs = {"first": first.finish(), "second": second.finish()}
    for console in (first, second):
        assert "Traceback" not in console.stderr(), console.stderr()
        assert " ERROR " not in console.stderr(), console.stderr()
    return outputs


def _assert_each_sent_once(outputs: dict[str, list[Message]], url: str) -> None:
    """Each reminder printed once across the two outputs (the weekly one once a week), none
    late or missed; the database agrees: sent once, with a message id, at the first try."""
    fired = {name: _fired(messages) for name, messages in outputs.items()}
    printed = Counter((m.channel, _text_of(m)) for messages in fired.values() for m in messages)
    expected = Counter({(channel, text): 1 for channel, _, _, text in ONCE})
    expected[(WEEKLY[0], WEEKLY[3])] = len(WEEKLY[2])
    shown = "\n\n".join(
        f"{name} printed:\n" + "\n".join(m.text for m in messages)
        for name, messages in outputs.items()
    )
    assert printed == expected, (
        f"{printed - expected} too many, {expected - printed} missing\n{shown}"
    )
    # Nothing fell due while a process was away, so nothing is late, nor reported missed.
    assert not [m for ms in outputs.values() for m in ms if "boten inte var igång" in m.text], shown

    database = Database(url)
    try:
        with Session(database.engine) as session:
            rows = list(session.exec(select(ScheduledPost).where(ScheduledPost.kind == "reminder")))
    finally:
        database.dispose()
    sent = [row for row in rows if row.state is PostState.SENT]
    assert Counter((row.channel_id, row.text) for row in sent) == expected
    for row in sent:
        assert row.message_id, row
        assert row.attempts == 0, row
        assert not row.late, row
    # The weekly one is planned once more (10 December), keeping its number; the one due
    # after the jump waits. Numbers count per channel, in the order they were set.
    weekly_number = 1 + sum(channel == WEEKLY[0] for channel, *_ in ONCE)
    later_number = 1 + sum(channel == NOT_YET[0] for channel, *_ in [*ONCE, WEEKLY])
    pending = sorted((row.text or "", row.number) for row in rows if row.state is PostState.PENDING)
    assert pending == [(NOT_YET[2], later_number), (WEEKLY[3], weekly_number)], pending
    assert len(rows) == len(sent) + len(pending), Counter(row.state for row in rows)


def test_each_reminder_goes_out_once_when_both_step_through_time_together(
    pair: tuple[LiveConsole, LiveConsole, str],
) -> None:
    """Both processes jump to each due time in turn, at once: at every step they race to
    claim the same posts at the same moment (several are due in the same minute), and each
    must go out once."""
    first, second, url = pair
    steps = sorted({due for _, _, due, _ in ONCE} | set(WEEKLY[2]) | {TARGET})
    for number, step in enumerate(steps, start=1):
        first.type(f"~tid {step}")
        second.type(f"~tid {step}")
        first.wait_for(ARRIVED, count=number)
        second.wait_for(ARRIVED, count=number)
    outputs = _finish(first, second)
    _assert_each_sent_once(outputs, url)


def test_each_reminder_goes_out_once_when_both_jump_at_once(
    pair: tuple[LiveConsole, LiveConsole, str],
) -> None:
    """Both processes jump to the same later time in one ``~tid`` each, at the same moment:
    each steps through every due time on its own and tries to send what it finds."""
    first, second, url = pair
    first.type(f"~tid {TARGET}")
    second.type(f"~tid {TARGET}")
    first.wait_for(ARRIVED)
    second.wait_for(ARRIVED)
    outputs = _finish(first, second)
    _assert_each_sent_once(outputs, url)


def test_a_dead_process_claim_is_taken_over_and_next_week_is_planned_once(
    databases: Databases,
) -> None:
    """One process claims a weekly reminder and dies before sending it; after the lease
    another takes it over and sends it. Next week's is planned once, keeping the number.

    Two dispatchers, each with its own engine, on one PostgreSQL database stand for the two
    processes: a process dying between claiming and sending cannot be timed from outside."""
    url = databases.prepared("postgresql")
    clock = FixedClock(datetime(2026, 11, 26, 15, 0, tzinfo=ZoneInfo("Europe/Stockholm")))
    dead, alive = Database(url), Database(url)
    try:
        said = Chat(dead, clock).say("!påminn varje torsdag 16:00 Konferensen")
        assert said.ok, said.text
        clock.set(clock.now() + timedelta(hours=1))
        [claimed] = Chat(dead, clock).tick()  # ... and the process dies
        assert claimed.scheduled_id is not None
        clock.set(clock.now() + LEASE + timedelta(minutes=1))
        survivor = Chat(alive, clock)
        [taken] = survivor.tick()
        assert taken.scheduled_id == claimed.scheduled_id
        survivor.record_delivery(Delivery(taken.outbox_id, message_id="m1"))
        listed = survivor.say("!påminnelser")
        assert "#1 torsdag 2026-12-03 16:00 (varje vecka): Konferensen" in listed.text
        with Session(alive.engine) as session:
            rows = list(session.exec(select(ScheduledPost)))
        assert Counter((row.state, row.number) for row in rows) == {
            (PostState.SENT, None): 1,
            (PostState.PENDING, 1): 1,  # next week's, once
        }, rows
    finally:
        dead.dispose()
        alive.dispose()

"""Nothing lost, nothing twice: three bot processes on PostgreSQL, the test Synapse and the
fake Slack, while the leader is SIGKILLed again and again (issue 17).

Two forums are bound on both platforms (samordnande forum: a Matrix room and two Slack
channels; verkställande forum: two Matrix rooms and a Slack channel). A driver sends 200
commands, as Matrix messages and as signed Slack events and slash commands to any live
process: for each forum, episodes of ``!aktivera <unique reason>`` (a call-out to every bound
channel), acknowledgements, reports and ``!status``, then ``!avaktivera`` (also posted to
every bound channel); beside them a stream of ``!status``. Every command is one that is
answered with ok, so each has exactly one answer. Meanwhile the leader is killed with
SIGKILL from outside at random moments, and some commands carry the marker
``SAMVERKAN_TEST_DIE_AFTER_COMMIT`` names, so the process handling them kills itself between
the commit and the sending (the test hook in bot/hub.py). Each dead process is replaced by a
new one (a new ``INSTANCE_NAME``, as a new pod), so three run most of the time.

And some call-outs kill a process between a send and its record (the second test hook,
``SAMVERKAN_TEST_DIE_AFTER_SEND``): their reason ends in ``#efter/<name>/``, the marker of
the process named so (each process has its own, so the one that sends a post again after it
does not die in turn; a status or stand-down that quotes the reason kills no one once it is
dead). The call-out (its answer first) has then been delivered but not recorded, and the
successor must send it again once: in Slack it looks the message up by its metadata and
posts it no more; in Matrix it sends it with the same transaction id, and Synapse answers
with the event it already has. Three kinds: a Slack command handled by the victim (its Slack
answer), a Slack command handled by another process while the victim is the leader (the
leader's ticker sends the Matrix posts), a Matrix command (the leader, its Matrix answer).

Slack is answered before the bot does the work, so a process killed between its
acknowledgement and its commit would lose the request for good (Slack does not send it again
after a 200); that is outside the outbox's promise, so the driver lets a victim commit what
it acknowledged before it is killed (tests/support/chaos.py). Matrix commands need no care:
the sync token is kept only after a batch is handled.

Afterwards, once the outbox holds nothing pending, read back from Synapse (the client API)
and from the fake Slack's recorded calls:

- every command has exactly one answer. Matrix: one event of the bot's whose
  ``m.relates_to.m.in_reply_to.event_id`` is the command's event id. A Slack message event:
  one ``chat.postMessage`` Slack took in its channel with ``thread_ts`` the message's ``ts``.
  A slash command: one message in the channel (top level) carrying in its metadata the key
  of the command's answer in the outbox (the row whose route holds the command's own
  ``response_url``), or one post to that ``response_url``; and where the command's text is
  unique, one top-level message naming it ("… skrev /samverkan <text>"). Each answer says
  what an ok answer of its command says.
- every call-out and every stand-down is in every channel bound to its forum exactly once.
- every message Slack took carries an outbox key, and no key's part was taken twice.
- the outbox holds no pending row, and every failed row says why (``last_error``).

Then the checks are shown to catch a duplicate: an answer posted twice, in either platform,
must fail them.
"""

from __future__ import annotations

import functools
import json
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.chaos import Deadline, Fleet, Rows, Slot, login, room_events
from tests.support.databases import Databases
from tests.support.fake_slack import Call, FakeSlack
from tests.support.matrix_bot import PASSWORD, registered_user
from tests.support.matrix_user import MatrixUser, ask
from tests.support.slack_http import (
    FORM,
    JSON,
    SECRET,
    TOKEN,
    event_body,
    message,
    new_channel,
    slash_body,
    trigger_id,
)
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.slow

BOT_LOCALPART = "kaosbot"
ANNA = "UANNAKAOS"  # Slack, in BOT_ADMINS: a coordinator
BERIT = "UBERITKAOS"  # Slack, an actor (Trafikverket)
MARKER = "#krasch"
# SAMVERKAN_TEST_DIE_AFTER_SEND of each process, {name} its name: ended by "/", so that no
# name is the start of another's (bot-a-1, bot-a-12).
SEND_MARKER = "#efter/{name}/"
COMMANDS = 200
HOOK_DEATHS = 4  # at most, by the test hook after a commit
# At most, by the test hook after a send: a Slack command handled by the victim, one handled
# by another while the leader sends the Matrix posts, a Matrix command.
SEND_DEATHS = {"slack": 2, "ticker": 2, "matrix": 2}
OUTSIDE_KILLS = 4  # at least, of the leader from outside
MIN_KILLS = 5
LEASE_SECONDS = 3
CLAIM_SECONDS = 4
COMMIT_TIMEOUT_S = 45.0  # a Matrix command sent as the leader dies: a take-over and a sync
DRAIN_TIMEOUT_S = 90.0
SEED = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**6))

# What an ok answer of each command says.
SAYS = {
    "aktivera": ("INKALLNING",),
    "avaktivera": ("avaktiverat",),
    "kvittera": ("Kvittens från", "redan kvitterat"),
    "läge": ("sparad",),
    "status": ("Status för",),
}


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def lena(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms; in BOT_ADMINS, so a coordinator."""
    yield from registered_user(synapse, "lena-kaos")


@pytest.fixture(scope="module")
def olof(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Acts for the Police."""
    yield from registered_user(synapse, "olof-kaos")


@dataclass(frozen=True)
class Channel:
    platform: str  # "matrix" or "slack"
    channel_id: str
    forum: str  # "A" or "B"


@dataclass
class Command:
    number: int
    channel: Channel
    via: str  # "matrix", "event" or "slash"
    text: str  # as written, with the prefix
    verb: str  # a key of SAYS
    event_id: str = ""  # as the bot records it (HandledEvent)
    ts: str = ""  # a Slack message's
    response_url: str = ""  # a slash command's
    marker: bool = False  # a test hook's marker ends its text
    hook: str = ""  # "commit", or after a send: "slack", "ticker" or "matrix"
    handled_by: str = ""
    victim: str = ""  # the process its marker kills
    seconds: float = 0.0


@dataclass
class Run:
    """What the driver did, shared by its threads."""

    fleet: Fleet
    rows: Rows
    lena: MatrixUser
    olof: MatrixUser
    channels: list[Channel]
    commands: list[Command] = field(default_factory=list)
    left: int = COMMANDS
    hooks_left: int = HOOK_DEATHS
    sends_left: dict[str, int] = field(default_factory=lambda: dict(SEND_DEATHS))
    last_disruption: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.numbers = iter(range(1, 10**6))

    def take(self, most: int) -> int:
        """Up to ``most`` commands of what is left to send."""
        with self.lock:
            taken = min(most, self.left)
            self.left -= taken
            return taken

    def hook_now(self, chooser: random.Random) -> bool:
        """Whether the next command with a text carries the marker."""
        with self.lock:
            if self.hooks_left <= 0 or time.monotonic() - self.last_disruption < 2:
                return False
            if chooser.random() > 0.25:
                return False
            self.hooks_left -= 1
            return True

    def send_hook_now(self, chooser: random.Random) -> str:
        """Whether the next call-out kills a process after a send, and which kind ("": no);
        the kind with the most left first."""
        with self.lock:
            most = max(self.sends_left.values())
            if most <= 0 or time.monotonic() - self.last_disruption < 2:
                return ""
            if chooser.random() > 0.7:
                return ""
            kind = chooser.choice(sorted(k for k, n in self.sends_left.items() if n == most))
            self.sends_left[kind] -= 1
            return kind

    def disrupted(self) -> None:
        with self.lock:
            self.last_disruption = time.monotonic()

    # -- sending -----------------------------------------------------------------------------

    def send(
        self, chooser: random.Random, channel: Channel, verb: str, rest: str = "", hook: str = ""
    ) -> Command:
        """``!<verb> <rest>`` in ``channel``, by someone it is ok for; back once committed
        (for a command with a marker: once its victim is dead). ``hook``: the kind of death
        after a send its text is to bring about."""
        hook = hook or ("commit" if MARKER in rest else "")
        line = f"{verb} {rest}".strip()
        with self.lock:
            number = next(self.numbers)
        coordinator = verb in ("aktivera", "avaktivera") or (
            verb == "status" and chooser.random() < 0.5
        )
        via = "matrix" if channel.platform == "matrix" else chooser.choice(("event", "slash"))
        command = Command(number, channel, via, f"!{line}", verb, marker=bool(hook), hook=hook)
        began = time.monotonic()
        if hook == "commit":
            with self.fleet.disrupting():
                self._send_dying(chooser, command, coordinator)
                self.disrupted()
        elif hook:
            with self.fleet.disrupting():
                self._send_killing(chooser, command, coordinator)
                self.disrupted()
        else:
            self._send(chooser, command, coordinator)
        command.seconds = time.monotonic() - began
        with self.lock:
            self.commands.append(command)
        return command

    def _send(
        self, chooser: random.Random, command: Command, coordinator: bool, only: Slot | None = None
    ) -> None:
        channel = command.channel
        if command.via == "matrix":
            person = self.lena if coordinator else self.olof
            command.event_id = person.send(channel.channel_id, command.text)
            self._committed("matrix", command.event_id)
            return
        user = ANNA if coordinator else BERIT
        if command.via == "event":
            command.ts = f"{time.time():.6f}{command.number % 10}"
            event_id = f"Ev{uuid.uuid4().hex[:12].upper()}"
            command.event_id = f"event:{event_id}"
            body = event_body(
                message(user, channel.channel_id, command.text, ts=command.ts), event_id
            )
            kind = JSON
        else:
            command.response_url = (
                f"https://hooks.slack.invalid/commands/T0001/{command.number}/kaos"
            )
            trigger = trigger_id()
            command.event_id = f"command:{trigger}"
            body = slash_body(
                command.text.removeprefix("!"),
                user,
                channel.channel_id,
                response_url=command.response_url,
                trigger=trigger,
            )
            kind = FORM
        slot = self.fleet.slack(
            body,
            kind,
            lambda: self.rows.handled("slack", command.event_id),
            chooser,
            only=only,
            timeout=COMMIT_TIMEOUT_S,
        )
        command.handled_by = slot.name

    def _committed(self, platform: str, event_id: str) -> None:
        deadline = Deadline(COMMIT_TIMEOUT_S)
        while not self.rows.handled(platform, event_id):
            assert not deadline.passed(), f"{event_id} not handled within {COMMIT_TIMEOUT_S} s"
            time.sleep(0.03)

    def _send_dying(self, chooser: random.Random, command: Command, coordinator: bool) -> None:
        """A command with the marker: its process dies after the commit. In Matrix that is
        the leader; in Slack the leader or another."""
        fleet = self.fleet
        leader = fleet.leader()
        if command.via == "matrix" or chooser.random() < 0.6:
            victim = leader
        else:
            victim = fleet.pick(chooser)
            fleet.release(victim)
        fleet.doom(victim, "commit", victim is leader)
        self._send(chooser, command, coordinator, only=None if command.via == "matrix" else victim)
        fleet.wait_dead(victim)
        command.handled_by = command.victim = victim.name

    def _send_killing(self, chooser: random.Random, command: Command, coordinator: bool) -> None:
        """A call-out whose reason ends in a process's marker of the hook after a send: that
        process dies once it has delivered a post of it (the first: the answer, or in the
        leader's ticker a Matrix post), before the record. In Matrix (``matrix``) and for the
        ``ticker`` the victim is the leader; a Slack command (``slack``) goes to the victim,
        the leader or another."""
        fleet = self.fleet
        leader = fleet.leader()
        victim = leader
        if command.hook == "slack" and chooser.random() < 0.5:
            victim = fleet.pick(chooser)
            fleet.release(victim)
        fleet.doom(victim, "send", victim is leader)
        command.victim = victim.name
        command.text += " " + SEND_MARKER.replace("{name}", victim.name)
        # The ticker's case: to another process (the doomed leader is not picked).
        only = victim if command.hook == "slack" else None
        self._send(chooser, command, coordinator, only=only)
        fleet.wait_dead(victim)
        if command.via == "matrix":
            command.handled_by = victim.name


def forum_episodes(run: Run, forum: str, seed: int) -> None:
    """Call-out, acknowledgements, reports and statuses, stand-down; again and again."""
    chooser = random.Random(seed)
    here = [channel for channel in run.channels if channel.forum == forum]
    episode = 0
    while not run.stop.is_set():
        size = run.take(chooser.randint(5, 9))
        if size == 0:
            return
        if size < 2:
            run.send(chooser, chooser.choice(here), "status")
            continue
        episode += 1
        name = f"{forum}-{episode:03d}"

        def marked(text: str) -> str:
            return f"{text} {MARKER}" if run.hook_now(chooser) else text

        kind = run.send_hook_now(chooser)
        if kind:  # a death after a send: from a Matrix room, or from a Slack channel
            platform = "matrix" if kind == "matrix" else "slack"
            there = [channel for channel in here if channel.platform == platform]
            run.send(chooser, chooser.choice(there), "aktivera", f"Larm {name}", hook=kind)
        else:
            run.send(chooser, chooser.choice(here), "aktivera", marked(f"Larm {name}"))
        for number in range(size - 2):
            verb = chooser.choice(("kvittera", "läge", "läge", "status"))
            rest = marked(f"Rapport {name}.{number} lugnt") if verb == "läge" else ""
            run.send(chooser, chooser.choice(here), verb, rest)
            time.sleep(chooser.uniform(0.0, 0.2))
        run.send(chooser, chooser.choice(here), "avaktivera", marked(f"Klart {name}"))


def chatter(run: Run, seed: int) -> None:
    """``!status`` anywhere, now and then."""
    chooser = random.Random(seed)
    while not run.stop.wait(chooser.uniform(0.2, 0.8)):
        if run.take(1) == 0:
            return
        run.send(chooser, chooser.choice(run.channels), "status")


def killer(run: Run, seed: int) -> None:
    """SIGKILL the leader from outside at random moments; until the driver is done, and at
    least until the leader has died ``MIN_KILLS`` times in all."""
    chooser = random.Random(seed)
    fleet = run.fleet
    pause = chooser.uniform(1.0, 3.0)
    while True:
        enough = sum(death.leader for death in fleet.deaths) >= MIN_KILLS
        if run.stop.wait(pause) and enough:
            return
        with fleet.disrupting():
            leader = fleet.leader()
            fleet.doom(leader, "outside", True)
            time.sleep(chooser.uniform(0.0, 0.4))
            fleet.kill(leader)
            fleet.wait_dead(leader)
            run.disrupted()
        pause = chooser.uniform(3.0, 7.0)


def supervise(run: Run) -> None:
    while not run.stop.wait(0.1):
        run.fleet.look()


def threads(run: Run, *work: tuple[Callable[..., None], tuple[Any, ...]]) -> list[threading.Thread]:
    def guarded(target: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            target(*args)
        except BaseException as error:
            run.errors.append(error)
            run.stop.set()

    started = [
        threading.Thread(target=guarded, args=(target, args), daemon=True, name=target.__name__)
        for target, args in work
    ]
    for thread in started:
        thread.start()
    return started


# -- the test ----------------------------------------------------------------------------------


def test_nothing_lost_nothing_twice_while_the_leader_is_killed(
    synapse: SynapseServer,
    databases: Databases,
    bot_id: str,
    lena: MatrixUser,
    olof: MatrixUser,
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    url = databases.empty("postgresql")
    print(f"\nchaos seed {SEED} (CHAOS_SEED={SEED} repeats it)")
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Admin", admin=True)
        fake.add_user(BERIT, "Berit Trafik")
        fleet = Fleet(
            tmp_path,
            {
                "DATABASE_URL": url,
                "MATRIX_HOMESERVER": synapse.url,
                "MATRIX_USER_ID": bot_id,
                "MATRIX_PASSWORD": PASSWORD,
                "MATRIX_STORE_PATH": str(tmp_path / "matrix-store"),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "LEADER_LEASE_SECONDS": str(LEASE_SECONDS),
                "OUTBOX_CLAIM_SECONDS": str(CLAIM_SECONDS),
                "TICK_SECONDS": "1",
                "LOG_LEVEL": "INFO",
                "BOT_ADMINS": f"{ANNA},{lena.user_id}",
                "SAMVERKAN_TEST_DIE_AFTER_COMMIT": MARKER,
            },
            fake,
            named={"SAMVERKAN_TEST_DIE_AFTER_SEND": SEND_MARKER},
        )
        rows = Rows(url)
        fleet.start()
        try:
            run = set_up(fleet, rows, fake, bot_id, lena, olof)
            ready = time.monotonic()
            drive(run)
            driven = time.monotonic()
            print(f"chaos: driven; {rows.pending()} outbox rows pending")
            drain(fleet, rows)
            drained = time.monotonic()
            check(run, fake, synapse.url, bot_id, rows, began, (ready, driven, drained))
        finally:
            codes = fleet.stop()
            rows.dispose()
            for name, log in fleet.logs().items():
                assert "Traceback" not in log, f"{name}:\n{log[-4000:]}"
        assert set(codes.values()) <= {0}, codes  # the survivors stop cleanly on SIGTERM


def set_up(
    fleet: Fleet, rows: Rows, fake: FakeSlack, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> Run:
    """The forums bound on both platforms, and their actors named; nothing left to send."""
    fleet.leader()
    channels: list[Channel] = []
    for forum, slug, rooms, slack_channels in (
        ("A", "samordnande-forum", 1, 2),
        ("B", "verkstallande-forum", 2, 1),
    ):
        for number in range(rooms):
            room = lena.create_room(f"Kaos {forum}{number}", invite=[bot_id, olof.user_id])
            olof.join(room)
            lena.wait_until_joined(room, bot_id)
            lena.wait_for_message(room, sender=bot_id)  # the welcome
            assert "kopplad till" in (ask(lena, room, bot_id, f"!forum koppla {slug}").body or "")
            if number == 0:
                answer = ask(olof, room, bot_id, "!aktör Polisen")
                assert "för Polisen Region Stockholm" in (answer.body or ""), answer.describe()
            channels.append(Channel("matrix", room, forum))
        for number in range(slack_channels):
            bound = Channel("slack", new_channel(), forum)
            for user, line in (
                (ANNA, f"forum koppla {slug}"),
                *([(BERIT, "aktör Trafikverket")] if number == 0 else []),
            ):
                event_id = f"command:{trigger_id()}"
                body = slash_body(line, user, bound.channel_id, trigger=event_id[8:])
                fleet.slack(
                    body,
                    FORM,
                    functools.partial(rows.handled, "slack", event_id),
                    random.Random(),
                )
            channels.append(bound)
    drain(fleet, rows)
    return Run(fleet, rows, lena, olof, channels)


def drive(run: Run) -> None:
    workers = threads(
        run,
        (supervise, (run,)),
        (killer, (run, SEED + 1)),
        (forum_episodes, (run, "A", SEED + 2)),
        (forum_episodes, (run, "B", SEED + 3)),
        (chatter, (run, SEED + 4)),
    )
    drivers = workers[2:]
    deadline = Deadline(150)
    for thread in drivers:
        thread.join(deadline.left())
    stuck = [thread.name for thread in drivers if thread.is_alive()]
    run.stop.set()
    for thread in workers[:2]:
        thread.join(60)
    if run.errors:
        raise run.errors[0]
    assert not stuck, f"the driver did not finish in time: {stuck}"
    assert not any(thread.is_alive() for thread in workers), "a disruption did not end"


def drain(fleet: Fleet, rows: Rows, timeout: float = DRAIN_TIMEOUT_S) -> None:
    """Until three processes run, one leads, and the outbox holds nothing pending."""
    deadline = Deadline(timeout)
    shown = time.monotonic()
    while True:
        fleet.look()
        if time.monotonic() - shown > 5:
            shown = time.monotonic()
            waiting = Counter(
                (row["platform"], row["claimed_by"], row["attempts"])
                for row in rows.outbox()
                if row["state"] == "pending"
            )
            print(f"chaos: draining, pending {dict(waiting)}")
        if len(fleet.live()) == fleet.size and rows.pending() == 0:
            fleet.leader(deadline.left())
            if rows.pending() == 0:
                return
        if deadline.passed():
            pending = [row for row in rows.outbox() if row["state"] == "pending"]
            raise AssertionError(f"still pending after {timeout} s: {pending}")
        time.sleep(0.2)


# -- reading back and checking -------------------------------------------------------------------


def slack_posts(calls: list[Call]) -> list[Call]:
    """The messages Slack took."""
    return [call for call in calls if call.method == "chat.postMessage" and call.answer.get("ok")]


def content(call: Call) -> str:
    return call.text + "\n" + json.dumps(call.blocks, ensure_ascii=False)


def metadata_part(call: Call) -> str | None:
    metadata = call.args.get("metadata")
    if isinstance(metadata, str) and metadata:
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict) or metadata.get("event_type") != "samverkan_outbox":
        return None
    part = (metadata.get("event_payload") or {}).get("key")
    return str(part) if part else None


def reply_to(event: dict[str, Any]) -> str | None:
    relation = (event.get("content") or {}).get("m.relates_to") or {}
    found = (relation.get("m.in_reply_to") or {}).get("event_id")
    return str(found) if found else None


def is_edit(event: dict[str, Any]) -> bool:
    relation = (event.get("content") or {}).get("m.relates_to") or {}
    return relation.get("rel_type") == "m.replace"


def body(event: dict[str, Any]) -> str:
    return str((event.get("content") or {}).get("body") or "")


def route_of(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(str(row["route"])) if row.get("route") else {}


def answer_rows(command: Command, outbox: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outbox rows that answer ``command``, by their route."""
    found = []
    for row in outbox:
        if row["kind"] != "reply" or row["channel_id"] != command.channel.channel_id:
            continue
        route = route_of(row)
        if (
            (command.via == "matrix" and route.get("reply_to") == command.event_id)
            or (command.via == "event" and route.get("thread_ts") == command.ts)
            or (
                command.via == "slash"
                and (route.get("slash") or {}).get("response_url") == (command.response_url)
            )
        ):
            found.append(row)
    return found


def problems(
    commands: list[Command],
    channels: list[Channel],
    events: dict[str, list[dict[str, Any]]],
    calls: list[Call],
    outbox: list[dict[str, Any]],
    bot_id: str,
) -> list[str]:
    """Everything that is not said exactly once, or left in the outbox."""
    found: list[str] = []
    posts = slack_posts(calls)
    # The bot's messages, not its edits of them (a call-out kept current): an edit replaces
    # what a reader sees, it is no second message.
    by_bot = {
        room: [
            e
            for e in seen
            if e.get("sender") == bot_id and e.get("type") == "m.room.message" and not is_edit(e)
        ]
        for room, seen in events.items()
    }
    text_counts = Counter(command.text for command in commands if command.via == "slash")
    for command in commands:
        where = command.channel.channel_id
        what = f"#{command.number} {command.via} {command.text!r} in {where} ({command.handled_by})"
        rows = answer_rows(command, outbox)
        if len(rows) != 1:
            found.append(f"{what}: {len(rows)} answers in the outbox")
        if command.via == "matrix":
            answers = [body(e) for e in by_bot.get(where, []) if reply_to(e) == command.event_id]
        elif command.via == "event":
            answers = [
                content(c)
                for c in posts
                if c.args.get("channel") == where and c.args.get("thread_ts") == command.ts
            ]
        else:
            keys = {f"{row['key']}-0" for row in rows}
            answers = [
                content(c)
                for c in posts
                if c.args.get("channel") == where
                and not c.args.get("thread_ts")
                and metadata_part(c) in keys
            ]
            path = command.response_url.removeprefix("https://hooks.slack.invalid")
            answers += [
                call.text
                for call in calls
                if call.method == "response_url" and call.args.get("_path") == path
            ]
            if text_counts[command.text] == 1:
                named = f"skrev /samverkan {command.text.removeprefix('!')}"
                shown = [
                    c
                    for c in posts
                    if c.args.get("channel") == where
                    and not c.args.get("thread_ts")
                    and named in content(c)
                ]
                if len(shown) != 1:
                    found.append(f"{what}: {len(shown)} messages name the command")
        if len(answers) != 1:
            found.append(f"{what}: answered {len(answers)} times")
        elif not any(says in answers[0] for says in SAYS[command.verb]):
            found.append(f"{what}: not the answer expected: {answers[0][:300]!r}")
    # Each call-out and each stand-down once in every channel bound to its forum.
    for command in commands:
        if command.verb not in ("aktivera", "avaktivera"):
            continue
        name = command.text.split()[-2] if command.marker else command.text.split()[-1]
        title = "INKALLNING" if command.verb == "aktivera" else "avaktiverat"
        for channel in channels:
            if channel.forum != command.channel.forum:
                continue
            if channel.platform == "matrix":
                texts = [body(e) for e in by_bot.get(channel.channel_id, [])]
            else:
                texts = [content(c) for c in posts if c.args.get("channel") == channel.channel_id]
            count = sum(title in text and f"Larm {name}" in text for text in texts)
            if count != 1:
                found.append(f"{title} {name} in {channel.channel_id}: {count} times")
    # Every message Slack took carries its outbox key, and no key's part was taken twice.
    parts = Counter(metadata_part(call) for call in posts)
    if parts[None]:
        found.append(f"{parts[None]} Slack messages without an outbox key")
    found += [
        f"the Slack message {part} posted {n} times" for part, n in parts.items() if part and n > 1
    ]
    # Matrix: no reply twice to one event (the same reply, or another).
    for room, seen in by_bot.items():
        replies = Counter(reply_to(e) for e in seen if reply_to(e))
        found += [f"{room}: {n} replies to {event}" for event, n in replies.items() if n > 1]
    # The outbox: nothing pending, every failure explained.
    for row in outbox:
        if row["state"] == "pending":
            found.append(f"outbox row {row['id']} still pending: {row}")
        if row["state"] == "failed" and not row["last_error"]:
            found.append(f"outbox row {row['id']} failed without a reason: {row}")
    return found


def check(
    run: Run,
    fake: FakeSlack,
    homeserver: str,
    bot_id: str,
    rows: Rows,
    began: float,
    times: tuple[float, float, float],
) -> None:
    token = login(homeserver, run.lena.user_id, PASSWORD, "KAOSREADER")
    rooms = [channel.channel_id for channel in run.channels if channel.platform == "matrix"]
    events = {room: room_events(homeserver, token, room) for room in rooms}
    calls = list(fake.calls)
    outbox = rows.outbox()
    commands = sorted(run.commands, key=lambda command: command.number)
    found = problems(commands, run.channels, events, calls, outbox, bot_id)

    deaths = run.fleet.deaths
    logs = "\n".join(run.fleet.logs().values())
    ready, driven, drained = times
    vias = Counter(command.via for command in commands)
    failed = [row for row in outbox if row["state"] == "failed"]
    resent = Counter(row["platform"] for row in outbox if int(str(row["attempts"])) > 1)
    errors = Counter(str(row["last_error"])[:60] for row in outbox if row["last_error"])
    kinds = Counter(d.how for d in deaths)
    sends = Counter(c.hook for c in commands if c.hook and c.hook != "commit")
    found_before = logs.count("were sent before: not again")
    slowest = {via: max(c.seconds for c in commands if c.via == via) for via in sorted(vias.keys())}
    # How long rows waited to be sent (the database's clock): the slowest, by platform.
    waited = sorted(
        (
            (row["sent_at"] - row["created_at"]).total_seconds(),
            str(row["platform"]),
            int(str(row["attempts"])),
        )
        for row in outbox
        if row["sent_at"] is not None and row["created_at"] is not None
    )
    longest = {
        platform: [f"{s:.1f} s ({a} claims)" for s, p, a in waited if p == platform][-3:]
        for platform in ("matrix", "slack")
    }
    print(
        f"chaos: {len(commands)} commands ({dict(vias)}), {sum(c.marker for c in commands)} with"
        f" a marker (after a commit {sum(c.hook == 'commit' for c in commands)}, after a send"
        f" {dict(sends)}); {len(deaths)} deaths {dict(kinds)}: "
        + ", ".join(f"{d.name} {d.how}{' (leader)' if d.leader else ''}" for d in deaths)
        + "\n  after a send: "
        + ", ".join(
            f"#{c.number} {c.hook} {c.via} victim {c.victim} handled by {c.handled_by}"
            for c in commands
            if c.hook and c.hook != "commit"
        )
        + f"\n  outbox: {len(outbox)} rows, claimed more than once {dict(resent)},"
        f" {len(failed)} failed"
        f"{' ' + str([(r['id'], r['last_error']) for r in failed]) if failed else ''},"
        f" errors met on the way: {dict(errors)};"
        f" Slack lookups: {sum(c.method.startswith('conversations.') for c in calls)} calls,"
        f" {found_before} found an earlier post;"
        f" take-overs that took messages back: {logs.count('took back')}"
        f"\n  time: set-up {ready - began:.0f} s, driving {driven - ready:.0f} s,"
        f" draining {drained - driven:.1f} s, in all {time.monotonic() - began:.0f} s;"
        f" slowest command {', '.join(f'{via} {t:.1f} s' for via, t in slowest.items())};"
        f" longest waits to be sent {longest};"
        f" problems: {len(found)}"
    )
    assert not found, "\n".join(found[:40])
    assert len(commands) == COMMANDS
    assert not kinds["unexpected"], deaths
    assert len(deaths) >= MIN_KILLS, deaths
    assert sum(d.leader for d in deaths) >= MIN_KILLS, deaths
    assert kinds["outside"], deaths
    assert kinds["commit"], deaths
    assert kinds["send"] == sum(sends.values()) >= 1, deaths
    # The victim's Slack answer was delivered: its successor found it (once at least).
    assert found_before >= sends["slack"], found_before

    # The checks catch a duplicate: a Slack answer taken twice, a Matrix reply sent twice.
    slack_answer = next(c for c in slack_posts(calls) if c.args.get("thread_ts"))
    assert problems(commands, run.channels, events, [*calls, slack_answer], outbox, bot_id)
    room = next(room for room in rooms if any(reply_to(e) for e in events[room]))
    twice = next(e for e in events[room] if reply_to(e) and e.get("sender") == bot_id)
    doubled = {**events, room: [*events[room], {**twice, "event_id": "$again"}]}
    assert problems(commands, run.channels, doubled, calls, outbox, bot_id)
    callout = next(
        c for c in slack_posts(calls) if "INKALLNING" in c.text and not c.args.get("thread_ts")
    )
    repost = Call(callout.method, {**callout.args, "metadata": None}, answer=callout.answer)
    assert problems(commands, run.channels, events, [*calls, repost], outbox, bot_id)

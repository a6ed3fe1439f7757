"""Three bot processes on one PostgreSQL, a real Synapse and Slack over HTTP; the leader is
killed with SIGKILL in the middle of the traffic.

The processes are ``samverkan-bot run`` as in production, one database (a throwaway
PostgreSQL), one Matrix bot account (the test Synapse), one Slack app (signed HTTP requests
to each process's own port, its Web API calls to a fake). One of them leads (syncs Matrix,
sends what is due); while reminders fall due, people report in Matrix and use Slack, the
leader is killed. What the people must see: Slack answered throughout, by whichever process
gets the request; every Matrix command answered (those sent while nobody synced, once a new
leader has taken over, within 30 seconds); every reminder posted exactly once; every report
stored; a call-out made in Slack by a process that does not lead reaching the Matrix room.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import Session, col, select

from commands.reminder import KIND as REMINDER
from storage import AuditContext, Database
from storage.models import OutboxMessage, OutboxState, PostState, ScheduledPost, SituationReport
from tests.support.bot_process import BotProcess
from tests.support.databases import Databases
from tests.support.fake_slack import FakeSlack
from tests.support.matrix_bot import PASSWORD, registered_user
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.slack_http import SECRET, TOKEN, SlackBot, new_channel, posted, slash
from tests.support.synapse import SynapseServer

BOT_LOCALPART = "replikbot"
ANNA = "UANNA0042"  # in BOT_ADMINS: a coordinator
LEASE_SECONDS = 2.0
TAKEOVER_LIMIT_S = 30.0  # what the issue promises; with this lease it takes about 3 s
KONFERENS = 4  # the samverkanskonferens, by its number in `!forum lista`
REMINDERS = 12


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def lena(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the room; in BOT_ADMINS, so a coordinator."""
    yield from registered_user(synapse, "lena-replik")


@pytest.fixture(scope="module")
def olof(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Reports for the Police."""
    yield from registered_user(synapse, "olof-replik")


class Replicas:
    """The three processes, by name."""

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        self.processes = {
            name: BotProcess(directory / name, {**settings, "INSTANCE_NAME": name})
            for name in ("bot-a", "bot-b", "bot-c")
        }

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_for_log("HTTP server listening", timeout=60)

    def alive(self) -> dict[str, BotProcess]:
        return {name: p for name, p in self.processes.items() if p.running}

    def leader(self, timeout: float = TAKEOVER_LIMIT_S) -> str:
        """The one process that says it leads (its /readyz), once there is exactly one."""
        deadline = time.monotonic() + timeout
        while True:
            leading = [name for name, p in self.alive().items() if readiness(p).get("leader")]
            if len(leading) == 1:
                return leading[0]
            assert len(leading) < 2, f"two leaders at once: {leading}"
            if time.monotonic() > deadline:
                raise AssertionError(f"no leader within {timeout} s")
            time.sleep(0.1)

    def stop(self) -> dict[str, int]:
        return {name: p.stop() for name, p in self.alive().items()}


def readiness(process: BotProcess) -> dict[str, object]:
    url = f"http://127.0.0.1:{process.http_port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            found: dict[str, object] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        found = json.loads(error.read())
    except OSError:
        return {}
    return found


def add_reminders(url: str, room: str, channel: str, first_due: datetime) -> list[str]:
    """Reminders falling due one by one from ``first_due``, by turns in the Matrix room and
    the Slack channel, as ``!påminn`` leaves them; their texts."""
    database = Database(url)
    texts = []
    context = AuditContext("test", "", "test", "test", datetime.now(UTC))
    try:
        with database.unit_of_work(context) as store:
            for number in range(REMINDERS):
                text = f"Påminnelse nummer {number} om övningen"
                platform, channel_id = ("matrix", room) if number % 2 == 0 else ("slack", channel)
                store.scheduled.add(
                    ScheduledPost(
                        kind=REMINDER,
                        platform=platform,
                        channel_id=channel_id,
                        text=text,
                        due_at=first_due + timedelta(seconds=1.5 * number),
                    ),
                    numbered=True,
                )
                texts.append(text)
    finally:
        database.dispose()
    return texts


def test_three_processes_survive_the_leader_killed_mid_stream(
    synapse: SynapseServer,
    databases: Databases,
    bot_id: str,
    lena: MatrixUser,
    olof: MatrixUser,
    tmp_path: Path,
) -> None:
    url = databases.empty("postgresql")
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Admin", admin=True)
        replicas = Replicas(
            tmp_path,
            {
                "DATABASE_URL": url,
                "MATRIX_HOMESERVER": synapse.url,
                "MATRIX_USER_ID": bot_id,
                "MATRIX_PASSWORD": PASSWORD,
                # One key store for the account, as on a shared volume.
                "MATRIX_STORE_PATH": str(tmp_path / "matrix-store"),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "LEADER_LEASE_SECONDS": str(LEASE_SECONDS),
                # Long: what is planned through other processes is announced to the leader.
                "TICK_SECONDS": "30",
                "LOG_LEVEL": "INFO",
                # The coordinators: Anna on Slack, Lena (who makes the room) on Matrix.
                "BOT_ADMINS": f"{ANNA},{lena.user_id}",
            },
        )
        replicas.start()
        try:
            run_the_scenario(replicas, fake, url, bot_id, lena, olof)
        finally:
            codes = replicas.stop()
        assert set(codes.values()) == {0}, codes  # the survivors stop cleanly on SIGTERM
        for name, process in replicas.processes.items():
            log = process.log()
            assert "Traceback" not in log, f"{name}:\n{log[-4000:]}"


def run_the_scenario(
    replicas: Replicas,
    fake: FakeSlack,
    url: str,
    bot_id: str,
    lena: MatrixUser,
    olof: MatrixUser,
) -> None:
    first = replicas.leader()
    others = [name for name in replicas.processes if name != first]
    slack = {name: SlackBot(p, fake, p.http_port) for name, p in replicas.processes.items()}

    # A forum with a Matrix room (bound through the leader, the one that syncs) and a Slack
    # channel (bound through a process that does not lead).
    room = lena.create_room("Samverkan", invite=[bot_id, olof.user_id])
    olof.join(room)
    lena.wait_until_joined(room, bot_id)
    lena.wait_for_message(room, sender=bot_id)  # the welcome
    assert "kopplad till" in ask(lena, room, bot_id, f"!forum koppla {KONFERENS}").body
    assert "företrädare för" in ask(olof, room, bot_id, "!aktör Polisen").body
    channel = new_channel()
    mark = fake.mark()
    assert slash(slack[others[0]], f"forum koppla {KONFERENS}", ANNA, channel).status == 200
    posted(slack[others[0]], channel, mark, "Kanalen är nu kopplad till")

    # A call-out in Slack, on a process that does not lead: the Matrix room gets it too.
    mark = fake.mark()
    room_mark = lena.mark(room)
    assert slash(slack[others[1]], "aktivera Övning: replikerna", ANNA, channel).status == 200
    posted(slack[others[1]], channel, mark, "INKALLNING")
    # The binding of the Slack channel was announced in the room before it.
    relayed = lena.wait_for_message(
        room,
        lambda seen: "INKALLNING" in (seen.body or ""),
        sender=bot_id,
        since=room_mark,
        timeout=5,
    )
    assert "Anledning: Övning: replikerna" in (relayed.body or ""), relayed.describe()

    texts = add_reminders(url, room, channel, datetime.now(UTC) + timedelta(seconds=3))
    reports = []
    answered: list[str] = []
    killed_at, killed_wall = None, datetime.now(UTC)
    for number in range(10):
        report = f"!läge Rapport {number}: läget i Solna oförändrat"
        reports.append(report)
        if number < 4:
            answer = ask(olof, room, bot_id, report)
            assert "sparad" in (answer.body or ""), answer.describe()
            answered.append(report)
        else:
            olof.send(room, report)  # answered once a leader syncs again
        if number == 3:
            # Mid-stream: reminders are falling due, a report just answered.
            time.sleep(2.0)
            os.killpg(replicas.processes[first].pid, signal.SIGKILL)
            killed_at, killed_wall = time.monotonic(), datetime.now(UTC)
            # Slack does not notice: the others answer at once.
            for name in others:
                mark = fake.mark()
                assert slash(slack[name], "status", ANNA, channel).status == 200
                posted(slack[name], channel, mark)
        time.sleep(0.3)
    assert killed_at is not None

    second = replicas.leader()
    took = time.monotonic() - killed_at
    assert second in others
    assert took < TAKEOVER_LIMIT_S, f"took {took:.1f} s to take over"

    # Every report stored once, and every command answered once.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(stored_reports(url)) < len(reports):
        time.sleep(0.2)
    assert stored_reports(url) == [report.removeprefix("!läge ") for report in reports]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(confirmations(olof, room, bot_id)) < len(reports):
        time.sleep(0.2)
    assert len(confirmations(olof, room, bot_id)) == len(reports)

    # Every reminder posted, exactly once, on its platform; some before the kill, some after.
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and pending_reminders(url):
        time.sleep(0.2)
    assert not pending_reminders(url)
    in_room = [s.body or "" for s in lena.messages(room, sender=bot_id)]
    in_channel = [c.text for c in fake.calls if c.method == "chat.postMessage"]
    for number, text in enumerate(texts):
        seen = in_room if number % 2 == 0 else in_channel
        count = sum(text in body for body in seen)
        assert count == 1, f"{text!r} posted {count} times"
    sent = sent_times(url)
    assert min(sent) < killed_wall < max(sent), (killed_wall, sent)
    # The announcement of the Slack channel's binding and the call-out went from processes
    # that did not lead, through the outbox, to the leader's Matrix door.
    assert posts_to_room(url, room) == [("matrix", room, OutboxState.SENT)] * 2


def confirmations(user: MatrixUser, room: str, bot_id: str) -> list[Seen]:
    return [seen for seen in user.messages(room, sender=bot_id) if "sparad" in (seen.body or "")]


def stored_reports(url: str) -> list[str]:
    database = Database(url)
    try:
        with Session(database.engine) as session:
            query = select(SituationReport.text).order_by(col(SituationReport.id))
            return [text for text in session.exec(query) if text.startswith("Rapport")]
    finally:
        database.dispose()


def pending_reminders(url: str) -> list[int | None]:
    database = Database(url)
    try:
        with Session(database.engine) as session:
            query = select(ScheduledPost).where(
                ScheduledPost.kind == REMINDER, ScheduledPost.state != PostState.SENT
            )
            return [post.id for post in session.exec(query)]
    finally:
        database.dispose()


def sent_times(url: str) -> list[datetime]:
    database = Database(url)
    try:
        with Session(database.engine) as session:
            query = select(ScheduledPost.sent_at).where(ScheduledPost.kind == REMINDER)
            return [at for at in session.exec(query) if at is not None]
    finally:
        database.dispose()


def posts_to_room(url: str, room: str) -> list[tuple[str, str, OutboxState]]:
    """The outbox's posts (not answers, not scheduled posts) to ``room``."""
    database = Database(url)
    try:
        with Session(database.engine) as session:
            query = select(OutboxMessage).where(
                OutboxMessage.kind == "post", OutboxMessage.channel_id == room
            )
            return [(row.platform, row.channel_id, row.state) for row in session.exec(query)]
    finally:
        database.dispose()


def test_the_homeserver_posts_a_transaction_once_for_two_logins_of_one_device(
    synapse: SynapseServer, lena: MatrixUser
) -> None:
    """What a new leader relies on when it sends again a post its dead predecessor may have
    sent: the bot logs in anew with the same device and uses the same transaction ids
    (``<outbox key>-<n>``), and the homeserver answers with the first event, not a new one."""
    account = synapse.register("replikbot-txn", PASSWORD)
    tokens = [login(synapse.url, account.user_id, "SAMVERKAN") for _ in range(2)]
    room = lena.create_room("Transaktioner", invite=[account.user_id])
    for token in tokens:
        call(synapse.url, "POST", f"/_matrix/client/v3/rooms/{room}/join", token, {})
    path = f"/_matrix/client/v3/rooms/{room}/send/m.room.message/scheduled-7-0"
    content = {"msgtype": "m.notice", "body": "Påminnelse, en gång"}
    first, second = (call(synapse.url, "PUT", path, token, content) for token in tokens)
    assert first["event_id"] == second["event_id"]
    bodies = [seen.body for seen in lena.messages(room, sender=account.user_id)]
    assert bodies.count("Påminnelse, en gång") <= 1


def login(homeserver: str, user_id: str, device_id: str) -> str:
    answer = call(
        homeserver,
        "POST",
        "/_matrix/client/v3/login",
        None,
        {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": PASSWORD,
            "device_id": device_id,
        },
    )
    token: str = answer["access_token"]
    return token


def call(
    homeserver: str, method: str, path: str, token: str | None, body: dict[str, object]
) -> dict[str, object]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the test Synapse on loopback
        homeserver + quote(path, safe="/:!@"),
        data=json.dumps(body).encode(),
        headers=headers,
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        found: dict[str, object] = json.loads(response.read())
    return found

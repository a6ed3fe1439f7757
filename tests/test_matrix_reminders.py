"""Reminders in Matrix against a real Synapse: the ticker sends them into the room.

As in ``test_matrix_reports.py`` and ``test_matrix_meeting.py``: one bot process
(``samverkan-bot run``) for the module, real users that create rooms and read the bot's
messages back. The bot runs on the system clock with a short ``TICK_SECONDS``.

Times people write are minute-grained (``om 1 timme``), so a test sets a reminder the way
people do and then moves its ``due_at`` in the bot's database: to now (it is due at once), or
into the past while the bot is stopped (it fell due during the downtime). Only that column is
touched; the claiming, wording, sending through the outbox and recording of the event id are
the bot's own doing. Each test has rooms of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import Database
from storage.models import PostState, ScheduledPost
from tests.support.bot_process import BotProcess
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    containing,
    registered_user,
    room_with_bot,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.synapse import SynapseServer

# Names of their own: other modules register their users in the same (session) Synapse.
BOT_LOCALPART = "paminnelsebot"
TICK_SECONDS = "0.2"
GRACE_MINUTES = 30  # REMINDER_GRACE_MINUTES, as the bot is started
LATE_NOTE = "Sent: skulle ha kommit"
MISSED = "påminnelse kom aldrig fram medan boten inte var igång"


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-reminder-bot")
    settings = bot_settings(
        synapse.url,
        bot_id,
        directory,
        TICK_SECONDS=TICK_SECONDS,
        REMINDER_GRACE_MINUTES=str(GRACE_MINUTES),
    )
    with running_bot(directory, settings) as process:
        yield process


@pytest.fixture(scope="module")
def rows(bot: BotProcess) -> Iterator[Rows]:
    found = Rows(bot.directory / "bot.db")
    yield found
    found.close()


@pytest.fixture(scope="module")
def rut(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms and sets the reminders."""
    yield from registered_user(synapse, "rut")


class Rows:
    """The bot's ``ScheduledPost`` rows, read (and a time moved) from the test process."""

    def __init__(self, path: Path) -> None:
        self.database = Database(f"sqlite:///{path}")

    def close(self) -> None:
        self.database.dispose()

    def one(self, room: str, text: str) -> ScheduledPost:
        with Session(self.database.engine) as session:
            query = select(ScheduledPost).where(
                ScheduledPost.channel_id == room, ScheduledPost.text == text
            )
            [row] = session.exec(query)
        return row

    def get(self, post_id: int | None) -> ScheduledPost:
        with Session(self.database.engine) as session:
            row = session.get(ScheduledPost, post_id)
        assert row is not None
        return row

    def move_due(self, post_id: int | None, at: datetime) -> None:
        with Session(self.database.engine) as session:
            session.execute(
                update(ScheduledPost).where(col(ScheduledPost.id) == post_id).values(due_at=at)
            )
            session.commit()

    def wait(
        self, post_id: int | None, holds: Callable[[ScheduledPost], bool], what: str
    ) -> ScheduledPost:
        deadline = time.monotonic() + 20
        while True:
            row = self.get(post_id)
            if holds(row):
                return row
            if time.monotonic() > deadline:
                raise AssertionError(f"scheduled post {post_id} never {what}: {row}")
            time.sleep(0.05)


# -- helpers ---------------------------------------------------------------------------------


def remind(user: MatrixUser, room: str, bot_id: str, when: str, text: str, rows: Rows) -> int:
    """``!påminn <when> <text>``, confirmed; the row's id."""
    confirmed = ask(user, room, bot_id, f"!påminn {when} {text}")
    assert "Påminnelse " in (confirmed.body or ""), confirmed.describe()
    post_id = rows.one(room, text).id
    assert post_id is not None
    return post_id


def restart(bot: BotProcess) -> None:
    assert bot.stop() == 0
    since = len(bot.log())
    bot.start()
    bot.wait_for_log("logged in to Matrix", since=since)


# -- tests -----------------------------------------------------------------------------------


def test_a_reminder_arrives_in_the_room_once_and_its_event_id_is_kept(
    bot: BotProcess, bot_id: str, rut: MatrixUser, rows: Rows
) -> None:
    room = room_with_bot(rut, bot_id)
    post_id = remind(rut, room, bot_id, "om 1 timme", "Ring SMHI om prognosen", rows)
    mark = rut.mark(room)
    rows.move_due(post_id, datetime.now(UTC))  # see the module's docstring

    arrived = rut.wait_for_message(
        room, containing("Ring SMHI om prognosen"), sender=bot_id, since=mark
    )
    body = arrived.body or ""
    assert body.startswith("Påminnelse 1 från"), arrived.describe()
    assert LATE_NOTE not in body
    # No buttons in Matrix: the snooze commands are shown to type.
    assert "→ !snooza 1 om 15 minuter" in body
    assert "→ !snooza 1 imorgon 08:00" in body
    assert arrived.msgtype == "m.notice"
    row = rows.wait(post_id, lambda r: r.state is PostState.SENT, "sent")
    assert row.message_id == arrived.event_id  # the event the room got
    assert (row.attempts, row.late) == (0, False)
    # Once: nothing more of it for a good many ticks.
    rut.no_message(room, bot_id, since=arrived.index + 1, seconds=2.0)
    assert [m.event_id for m in rut.messages(room, bot_id, since=mark)] == [arrived.event_id]


def _set_three(rut: MatrixUser, room: str, bot_id: str, rows: Rows) -> tuple[int, int, int]:
    """Three reminders: to fall due within the grace, beyond it, and not yet."""
    return (
        remind(rut, room, bot_id, "om 1 timme", "Stäm av med SOS Alarm", rows),
        remind(rut, room, bot_id, "om 2 timmar", "Skicka lägesbilden", rows),
        remind(rut, room, bot_id, "om 3 timmar", "Fortfarande kvar", rows),
    )


def _fell_due_while_down(rows: Rows, late: int, missed: int) -> None:
    """One fell due 10 minutes ago (within the grace), the other two hours ago (beyond)."""
    now = datetime.now(UTC)
    rows.move_due(late, now - timedelta(minutes=10))
    rows.move_due(missed, now - timedelta(hours=2))


def _late_and_missed_arrive(
    rut: MatrixUser, room: str, bot_id: str, rows: Rows, mark: int, posts: tuple[int, int, int]
) -> tuple[Seen, Seen]:
    """The late one is sent, marked late, with its event id kept; the old one is reported
    missed in the room; the third still waits."""
    late, missed, waiting = posts
    row = rows.wait(late, lambda r: r.state is not PostState.PENDING, "picked up")
    row = rows.wait(
        late, lambda r: r.state not in (PostState.SENDING, PostState.QUEUED), "sent or given up"
    )
    assert row.state is PostState.SENT, row
    sent = rut.wait_for_message(
        room, containing("Stäm av med SOS Alarm"), sender=bot_id, since=mark
    )
    lines = (sent.body or "").splitlines()
    assert lines[0].startswith(LATE_NOTE), sent.describe()
    assert "(boten var inte igång)" in lines[0]
    assert lines[1].startswith("Påminnelse 1 från")
    assert row.message_id == sent.event_id
    assert row.late
    notice = rut.wait_for_message(room, containing(MISSED), sender=bot_id, since=mark)
    assert notice.body is not None
    assert notice.body.startswith(f"1 {MISSED}"), notice.describe()
    assert "Skicka lägesbilden" in notice.body
    assert "Stäm av med SOS Alarm" not in notice.body
    assert rows.get(missed).state is PostState.MISSED
    assert rows.get(missed).message_id is None
    assert rows.get(waiting).state is PostState.PENDING
    return sent, notice


def test_late_within_the_grace_is_sent_marked_and_beyond_it_reported_missed_once(
    bot: BotProcess, bot_id: str, rut: MatrixUser, rows: Rows
) -> None:
    """The reminders survive a restart; what is overdue when the bot looks is sent late or
    reported missed, once: another restart sends nothing again.

    The due times are moved into the past once the bot is back and in the room, rather than
    while it is down: the scheduler cannot tell the two apart (lateness is counted from
    ``due_at``), and the downtime path itself is the next test's."""
    room = room_with_bot(rut, bot_id)
    posts = _set_three(rut, room, bot_id, rows)
    restart(bot)
    listed = ask(rut, room, bot_id, "!påminnelser", timeout=30)
    assert "3 påminnelser i kanalen" in (listed.body or ""), listed.describe()
    mark = rut.mark(room)
    _fell_due_while_down(rows, posts[0], posts[1])
    sent, notice = _late_and_missed_arrive(rut, room, bot_id, rows, mark, posts)

    restart(bot)
    rut.no_message(room, bot_id, since=max(sent.index, notice.index) + 1, seconds=3.0)
    from_bot = rut.messages(room, bot_id, since=mark)
    assert sorted(m.event_id for m in from_bot) == sorted([sent.event_id, notice.event_id])
    assert rows.get(posts[0]).state is PostState.SENT
    listed = ask(rut, room, bot_id, "!påminnelser")
    assert "1 påminnelse i kanalen" in (listed.body or ""), listed.describe()
    assert "#3 " in (listed.body or "")


def test_reminders_that_fell_due_while_the_bot_was_down_arrive_when_it_starts(
    bot: BotProcess, bot_id: str, rut: MatrixUser, rows: Rows
) -> None:
    room = room_with_bot(rut, bot_id)
    posts = _set_three(rut, room, bot_id, rows)
    mark = rut.mark(room)
    assert bot.stop() == 0
    _fell_due_while_down(rows, posts[0], posts[1])
    since = len(bot.log())
    bot.start()
    bot.wait_for_log("logged in to Matrix", since=since)
    _late_and_missed_arrive(rut, room, bot_id, rows, mark, posts)

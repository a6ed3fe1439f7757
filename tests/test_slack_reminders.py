"""Reminders through the Slack door: the real ticker posts them through the Web API.

As in ``tests/test_slack_meeting.py``: one ``samverkan-bot run`` process for the module, its
Web API pointed at :class:`FakeSlack`, slash commands and clicks sent to ``/slack/events``
signed as Slack signs them. The bot runs on the system clock with a short ``TICK_SECONDS``.

Times people write are minute-grained (``om 1 timme``), and the backoff before a second try
is 30 seconds, so a test sets a reminder the way people do and then moves its ``due_at`` (or
``next_attempt_at``) in the database to now: the bot's ticker, which looks every
``TICK_SECONDS``, finds it due and sends it. Only that one column is touched; everything else
— claiming, wording, posting, recording the message's ``ts`` — is the bot's own doing.

Each test has its own channel, so the tests share the bot but no reminders.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import Database
from storage.models import OutboxMessage, PostState, ScheduledPost
from tests.support.fake_slack import Call, Failure, FakeSlack
from tests.support.slack_http import (
    SlackBot,
    click,
    new_channel,
    posted,
    running_slack_bot,
    slash,
)

TICK_SECONDS = "0.2"
ANNA = "UANNA0001"
BO = "UBOBO0001"


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Andersson")
        fake.add_user(BO, "Bo Berg")
        with running_slack_bot(
            tmp_path_factory.mktemp("slack-reminders"), fake, TICK_SECONDS=TICK_SECONDS
        ) as bot:
            yield bot


@pytest.fixture(scope="module")
def rows(slack: SlackBot) -> Iterator[Rows]:
    found = Rows(slack.process.directory / "bot.db")
    yield found
    found.close()


class Rows:
    """The bot's ``ScheduledPost`` rows, read (and a time moved) from the test process."""

    def __init__(self, path: Path) -> None:
        self.database = Database(f"sqlite:///{path}")

    def close(self) -> None:
        self.database.dispose()

    def in_channel(self, channel: str) -> list[ScheduledPost]:
        with Session(self.database.engine) as session:
            query = (
                select(ScheduledPost)
                .where(ScheduledPost.channel_id == channel)
                .order_by(col(ScheduledPost.id))
            )
            return list(session.exec(query))

    def one(self, channel: str, text: str) -> ScheduledPost:
        [row] = [row for row in self.in_channel(channel) if row.text == text and row.number]
        return row

    def move(self, post_id: int | None, column: str, at: datetime | None = None) -> None:
        """Set ``due_at`` or ``next_attempt_at`` of one row to ``at`` (now by default)."""
        with Session(self.database.engine) as session:
            session.execute(
                update(ScheduledPost)
                .where(col(ScheduledPost.id) == post_id)
                .values({column: at or datetime.now(UTC)})
            )
            session.commit()

    def message_of(self, post_id: int | None) -> OutboxMessage:
        """The outbox message that sends scheduled post ``post_id``."""
        with Session(self.database.engine) as session:
            query = select(OutboxMessage).where(OutboxMessage.scheduled_id == post_id)
            [message] = session.exec(query).all()
            return message

    def bring_forward(self, post_id: int | None) -> None:
        """The outbox message of scheduled post ``post_id`` ready now (its retry's pause)."""
        with Session(self.database.engine) as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.scheduled_id) == post_id)
                .values(ready_at=datetime.now(UTC))
            )
            session.commit()

    def wait(
        self,
        post_id: int | None,
        holds: Callable[[ScheduledPost], bool],
        what: str,
        timeout: float = 10.0,
    ) -> ScheduledPost:
        """The row once ``holds`` is true of it."""
        deadline = time.monotonic() + timeout
        while True:
            with Session(self.database.engine) as session:
                row = session.get(ScheduledPost, post_id)
            if row is not None and holds(row):
                return row
            if time.monotonic() > deadline:
                raise AssertionError(f"scheduled post {post_id} never {what}: {row}")
            time.sleep(0.05)


# -- helpers ---------------------------------------------------------------------------------


def remind(bot: SlackBot, rows: Rows, channel: str, text: str) -> ScheduledPost:
    """``/samverkan påminn om 1 timme <text>`` by Anna; the new row."""
    mark = bot.fake.mark()
    assert slash(bot, f"påminn om 1 timme {text}", ANNA, channel).status == 200
    confirmed = posted(bot, channel, mark, "Påminnelse")
    assert text in confirmed.text, confirmed.text
    return rows.one(channel, text)


def posts_to(fake: FakeSlack, channel: str, containing: str, since: int = 0) -> list[Call]:
    return [
        call
        for call in fake.calls[since:]
        if call.method == "chat.postMessage"
        and call.args.get("channel") == channel
        and containing in call.text
    ]


def buttons(call: Call) -> list[dict[str, Any]]:
    return [
        element
        for block in call.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def settle() -> None:
    """Several ticks go by: long enough for a duplicate or a retry to show."""
    time.sleep(10 * float(TICK_SECONDS))


# -- tests -----------------------------------------------------------------------------------


def test_a_reminder_is_posted_with_snooze_buttons_and_a_click_snoozes_it(
    slack: SlackBot, rows: Rows
) -> None:
    channel = new_channel()
    row = remind(slack, rows, channel, "Skicka lägesrapporten")
    assert row.number == 1
    mark = slack.fake.mark()
    rows.move(row.id, "due_at")  # see the module's docstring: an hour is too long to wait

    sent = posted(slack, channel, mark, "Skicka lägesrapporten")
    assert "Påminnelse 1" in sent.text
    assert "från Anna Andersson" in sent.text
    labels = [button["text"]["text"] for button in buttons(sent)]
    assert labels == ["Om 15 min", "Om 1 timme", "Imorgon 08:00"]
    assert [button["value"] for button in buttons(sent)] == [
        "snooza 1 om 15 minuter",
        "snooza 1 om 1 timme",
        "snooza 1 imorgon 08:00",
    ]
    ts = sent.answer["ts"]
    done = rows.wait(row.id, lambda r: r.state is PostState.SENT, "sent")
    assert done.message_id == ts  # the message the channel got
    assert done.sent_at is not None
    assert (done.attempts, done.late) == (0, False)
    settle()
    assert len(posts_to(slack.fake, channel, "Skicka lägesrapporten", mark)) == 1  # once

    # Bo clicks "Om 15 min": the same reminder, number 1, a quarter of an hour from now. The
    # answer is added to the reminder's message.
    mark = slack.fake.mark()
    clicked_at = datetime.now(UTC)
    assert click(slack, BO, sent, ts).status == 200
    updated = slack.fake.wait_for("chat.update", since=mark, channel=channel, ts=ts)
    assert "Påminnelse 1: " in str(updated.blocks), updated.blocks
    again = rows.one(channel, "Skicka lägesrapporten")
    assert again.id != row.id
    assert again.number == 1
    assert again.state is PostState.PENDING
    assert again.snoozed_from_id == row.id
    later = again.due_at - clicked_at
    assert timedelta(minutes=14) < later < timedelta(minutes=16), later
    gone = rows.wait(row.id, lambda r: r.number is None, "gave its number away")
    assert (gone.state, gone.message_id) == (PostState.SENT, ts)

    # When the snoozed one falls due, it goes out again, still number 1, with its buttons.
    mark = slack.fake.mark()
    rows.move(again.id, "due_at")
    resent = posted(slack, channel, mark, "Skicka lägesrapporten")
    assert "Påminnelse 1" in resent.text
    assert buttons(resent)[0]["value"] == "snooza 1 om 15 minuter"
    done = rows.wait(again.id, lambda r: r.state is PostState.SENT, "sent")
    assert done.message_id == resent.answer["ts"] != ts


def test_a_channel_that_is_gone_fails_the_reminder_at_once(slack: SlackBot, rows: Rows) -> None:
    channel = new_channel()
    row = remind(slack, rows, channel, "Till en kanal som tas bort")
    other = new_channel()
    kept = remind(slack, rows, other, "Till en kanal som finns")
    slack.fake.missing.add(channel)  # the channel is deleted
    mark = slack.fake.mark()
    rows.move(row.id, "due_at")
    rows.move(kept.id, "due_at")

    failed = rows.wait(row.id, lambda r: r.state is PostState.FAILED, "failed")
    assert failed.last_error == "channel_not_found"
    assert failed.message_id is None
    # The other channel's reminder went out beside it.
    posted(slack, other, mark, "Till en kanal som finns")
    rows.wait(kept.id, lambda r: r.state is PostState.SENT, "sent")
    settle()
    [tried] = posts_to(slack.fake, channel, "Till en kanal som tas bort", mark)  # not retried
    assert tried.answer == {"ok": False, "error": "channel_not_found"}
    assert rows.wait(row.id, lambda r: True, "read").state is PostState.FAILED


TRANSIENT = [
    pytest.param(Failure(500, "internal_error"), "internal_error", id="internal_error-500"),
    pytest.param(Failure.http(503), "503", id="html-503"),
]


@pytest.mark.parametrize(("failure", "reason"), TRANSIENT)
def test_a_transient_failure_is_tried_again(
    slack: SlackBot, rows: Rows, failure: Failure, reason: str
) -> None:
    channel = new_channel()
    text = f"Försök igen {uuid.uuid4().hex[:6]}"
    row = remind(slack, rows, channel, text)
    slack.fake.fail_posts(channel, failure)
    mark = slack.fake.mark()
    rows.move(row.id, "due_at")

    waiting = rows.wait(
        row.id,
        lambda r: r.attempts == 1 or r.state in (PostState.SENT, PostState.FAILED),
        "tried once",
    )
    # Worded and handed to the outbox, which tries it again after a pause.
    assert (waiting.state, waiting.attempts) == (PostState.QUEUED, 1), waiting
    assert waiting.last_error == reason
    message = rows.message_of(row.id)
    assert (message.failures, message.last_error) == (1, reason)
    pause = message.ready_at - datetime.now(UTC)
    assert timedelta(seconds=20) < pause <= timedelta(seconds=30), pause  # the first backoff
    settle()
    assert len(posts_to(slack.fake, channel, text, mark)) == 1  # not before the pause is over

    # The backoff is 30 seconds: brought forward to now rather than waited for.
    rows.bring_forward(row.id)
    done = rows.wait(row.id, lambda r: r.state is PostState.SENT, "sent")
    first, second = posts_to(slack.fake, channel, text, mark)
    assert first.answer.get("ok") is not True
    assert done.message_id == second.answer["ts"]
    assert done.attempts == 1
    assert "Påminnelse 1" in second.text
    settle()
    assert len(posts_to(slack.fake, channel, text, mark)) == 2


def test_a_rate_limited_post_is_waited_out_and_sent_once(slack: SlackBot, rows: Rows) -> None:
    """Slack's 429 says when to come back (Retry-After): the door waits and sends it then,
    in the same attempt, rather than fail it."""
    channel = new_channel()
    text = f"Vänta lite {uuid.uuid4().hex[:6]}"
    row = remind(slack, rows, channel, text)
    slack.fake.fail_posts(channel, Failure.slack_error("ratelimited"))
    mark = slack.fake.mark()
    rows.move(row.id, "due_at")
    done = rows.wait(row.id, lambda r: r.state is PostState.SENT, "sent")
    limited, sent = posts_to(slack.fake, channel, text, mark)
    assert limited.answer.get("error") == "ratelimited"
    assert done.message_id == sent.answer["ts"]
    assert done.attempts == 0  # no retry of ours: the one attempt waited
    settle()
    assert len(posts_to(slack.fake, channel, text, mark)) == 2

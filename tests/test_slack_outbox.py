"""The Slack door sends what waits in the outbox once, however often it is claimed (issue 17).

Every message the bot posts carries its outbox key in Slack's message metadata. A post claimed
again (``attempts`` > 1: the process that claimed it before may have died after Slack took it)
is first looked for in the channel, or in the thread it answers, and only what is not there is
sent. Slack's 429s are waited out, and the door paces itself to about a message a second per
channel. The real :class:`SlackDoor` against :class:`FakeSlack`, which keeps what is posted in
each channel and answers ``conversations.history`` and ``conversations.replies`` from it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.files import WRITERS, File
from bot.hub import DeliveryFailed, Hub
from bot.render.slack import SlackMessage, render_slack_messages
from bot.slack.door import METADATA_EVENT, ChannelPace, SlackDoor
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.document import Document
from commands.core.messages import Attachment, Post
from storage import Database
from tests.support.fake_slack import Failure, FakeSlack

ANNA = "UANNA001"
TEST_FILE = "test-file"  # an attachment kind for these tests: its payload is the file's bytes


@pytest.fixture
def hub(database: Database, clock: FixedClock) -> Iterator[Hub]:
    hub = Hub(Dispatcher(database, clock, Settings(database_url="sqlite://").core()))
    yield hub
    hub.close()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def door(hub: Hub, fake: FakeSlack) -> SlackDoor:
    settings = Settings(
        database_url="sqlite://",
        slack_bot_token="xoxb-test-token-not-real",
        slack_signing_secret="not-a-real-secret",
        slack_api_url=fake.api_url,
    )
    return SlackDoor(hub, settings)


@pytest.fixture
def test_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attachments of kind ``TEST_FILE`` become a text file of their payload."""

    def write(attachment: Attachment) -> File:
        assert isinstance(attachment.payload, bytes)
        return File(f"{attachment.filename}.txt", attachment.payload, "text/plain")

    monkeypatch.setitem(WRITERS, TEST_FILE, write)


def post(
    channel: str,
    document: Document,
    *,
    key: str | None,
    attempts: int,
    route: dict[str, Any] | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Post:
    return Post(
        "slack",
        channel,
        document,
        attachments=attachments,
        outbox_id=1,
        key=key,
        route=route,
        claimed=True,
        attempts=attempts,
    )


def deliver(door: SlackDoor, sent: Post) -> str | None:
    return asyncio.run(door.deliver(sent))


def long_document(parts: int) -> Document:
    """A document the Slack door sends as ``parts`` messages (49 paragraphs a message)."""
    doc = Document()
    for n in range(49 * (parts - 1) + 10):
        doc.paragraph(f"Punkt {n}")
    assert len(render_slack_messages(doc)) == parts
    return doc


def keys(fake: FakeSlack, channel: str) -> list[str | None]:
    """The outbox key of each message in ``channel``, in the order they were posted."""
    found: list[str | None] = []
    for message in fake.messages(channel):
        metadata = message.get("metadata") or {}
        assert metadata.get("event_type") in (None, METADATA_EVENT)
        found.append((metadata.get("event_payload") or {}).get("key"))
    return found


def lookups(fake: FakeSlack) -> list[str]:
    return [
        call.method
        for call in fake.calls
        if call.method in ("conversations.history", "conversations.replies")
    ]


def asked_for_metadata(fake: FakeSlack, method: str) -> bool:
    calls = fake.calls_to(method)
    return bool(calls) and all(
        str(call.args.get("include_all_metadata")).lower() in ("1", "true") for call in calls
    )


# -- (a) a post sent before is not sent again -------------------------------------------------


def test_a_post_claimed_again_after_it_went_out_is_not_posted_twice(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CAGAIN001"
    doc = Document().paragraph("Lägesbild 14.00: inga nya händelser.")
    first = deliver(door, post(channel, doc, key="41", attempts=1))
    assert first is not None
    assert keys(fake, channel) == ["41-0"]  # the key goes with the message

    # The sender died before it could mark the row sent; another process claims it again.
    mark = fake.mark()
    again = deliver(door, post(channel, doc, key="41", attempts=2))

    assert again == first  # the message that went out is the one the answer refers to
    assert [m["ts"] for m in fake.messages(channel)] == [first]
    assert not fake.calls_to("chat.postMessage", channel=channel)[1:]
    looked = fake.wait_for("conversations.history", since=mark, channel=channel)
    assert asked_for_metadata(fake, "conversations.history"), looked.args


def test_a_post_claimed_again_that_never_reached_slack_is_posted(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CAGAIN002"
    # Other posts' messages in the channel, one whose key starts the same, and a person's.
    deliver(door, post(channel, Document().paragraph("Ett annat svar."), key="420", attempts=1))
    deliver(door, post(channel, Document().paragraph("Ett tredje svar."), key="43", attempts=1))
    fake.add_message(channel, "!status", user=ANNA)

    sent = deliver(door, post(channel, Document().paragraph("Svar."), key="42", attempts=2))

    assert lookups(fake) == ["conversations.history"]
    assert sent == fake.messages(channel)[-1]["ts"]
    assert keys(fake, channel) == ["420-0", "43-0", None, "42-0"]
    assert fake.messages(channel)[-1]["text"] == "Svar."


def test_a_split_document_cut_off_after_its_first_part_sends_only_the_rest(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CSPLIT001"
    doc = long_document(3)
    # Slack takes the first part, then fails (the sender gives up on this try).
    fake.fail_posts(channel, Failure.slack_error("internal_error"), after=1)
    with pytest.raises(DeliveryFailed) as failed:
        deliver(door, post(channel, doc, key="77", attempts=1))
    assert not failed.value.permanent
    assert keys(fake, channel) == ["77-0"]
    first = fake.messages(channel)[0]["ts"]

    mark = fake.mark()
    sent = deliver(door, post(channel, doc, key="77", attempts=2))

    assert sent == first
    assert keys(fake, channel) == ["77-0", "77-1", "77-2"]  # each part once, in order
    shown = [SlackMessage(m["text"], m["blocks"]) for m in fake.messages(channel)]
    assert shown == render_slack_messages(doc)
    assert len([c for c in fake.calls[mark:] if c.method == "chat.postMessage"]) == 2


def test_a_split_document_seen_whole_is_not_sent_again(door: SlackDoor, fake: FakeSlack) -> None:
    channel = "CSPLIT002"
    doc = long_document(3)
    first = deliver(door, post(channel, doc, key="78", attempts=1))
    posted = len(fake.calls_to("chat.postMessage", channel=channel))

    assert deliver(door, post(channel, doc, key="78", attempts=3)) == first
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == posted == 3
    assert keys(fake, channel) == ["78-0", "78-1", "78-2"]


@pytest.mark.usefixtures("test_files")
def test_a_file_is_shared_once_and_after_the_messages(door: SlackDoor, fake: FakeSlack) -> None:
    channel = "CFILES001"
    doc = Document().paragraph("Protokollet i sin helhet bifogas.")
    attached = (Attachment("protokoll", TEST_FILE, b"Punkt 1\nPunkt 2\n", "sv"),)

    # The messages went out, the file did not (the sender died before it was shared).
    fake.refuse_uploads = "internal_error"
    first = deliver(door, post(channel, doc, key="90", attempts=1, attachments=attached))
    assert not fake.uploaded_files(channel)
    fake.refuse_uploads = None

    assert deliver(door, post(channel, doc, key="90", attempts=2, attachments=attached)) == first
    assert [f.filename for f in fake.uploaded_files(channel)] == ["protokoll.txt"]
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1
    assert fake.messages(channel)[-1]["files"][0]["name"] == "protokoll.txt"

    # Claimed once more: the message and the file are both there, nothing is sent.
    mark = fake.mark()
    assert deliver(door, post(channel, doc, key="90", attempts=3, attachments=attached)) == first
    sent = [c.method for c in fake.calls[mark:]]
    assert sent == ["conversations.history"]
    assert len(fake.uploaded_files(channel)) == 1


# -- (b) a post claimed the first time is not looked for ----------------------------------------


def test_a_post_claimed_the_first_time_is_sent_without_looking(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CFIRST001"
    doc = long_document(2)
    assert deliver(door, post(channel, doc, key="50", attempts=1))
    # Not from the outbox (no key): nothing to look for, even when claimed again.
    assert deliver(door, post(channel, doc, key=None, attempts=2))
    thread = fake.add_message(channel, "!status", user=ANNA)
    answer = post(channel, doc, key="51", attempts=1, route={"thread_ts": thread})
    assert deliver(door, answer)

    assert lookups(fake) == []
    assert keys(fake, channel) == ["50-0", "50-1", None, None, None, "51-0", "51-1"]


def test_a_post_claimed_again_where_the_bot_may_not_look_is_sent_rather_than_lost(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "DDIRECT01"  # a DM: reading it needs im:history, which the app may lack
    fake.refuse_history = "missing_scope"
    sent = deliver(door, post(channel, Document().paragraph("Svar."), key="55", attempts=2))

    assert lookups(fake) == ["conversations.history"]
    assert sent == fake.messages(channel)[-1]["ts"]
    assert keys(fake, channel) == ["55-0"]


def test_a_post_claimed_again_is_tried_later_when_slack_cannot_be_asked(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CLOOK0001"
    fake.refuse_history = "internal_error"
    with pytest.raises(DeliveryFailed) as failed:
        deliver(door, post(channel, Document().paragraph("Svar."), key="56", attempts=2))
    assert not failed.value.permanent  # tried again later, not dropped
    assert fake.messages(channel) == []  # and not sent blind meanwhile


# -- (c) Slack's 429 ----------------------------------------------------------------------------


def test_a_rate_limited_post_is_waited_out_and_sent_once(door: SlackDoor, fake: FakeSlack) -> None:
    channel = "CLIMIT001"
    fake.fail_posts(channel, Failure.slack_error("ratelimited"))
    started = time.monotonic()
    sent = deliver(door, post(channel, Document().paragraph("Svar."), key="60", attempts=1))
    waited = time.monotonic() - started

    assert waited >= 1.0  # Slack's Retry-After: 1
    calls = fake.calls_to("chat.postMessage", channel=channel)
    assert [call.answer.get("ok") for call in calls] == [False, True]
    assert calls[0].answer["error"] == "ratelimited"
    assert [m["ts"] for m in fake.messages(channel)] == [sent]
    assert keys(fake, channel) == ["60-0"]


# -- (d) pacing --------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_fourth_message_within_a_second_to_a_channel_waits_a_second() -> None:
    clock = Clock()
    pace = ChannelPace(1.0, 3, clock=clock)
    assert [pace.delay("CPACE0001") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pace.delay("CPACE0001") == pytest.approx(1.0)
    assert pace.delay("CPACE0001") == pytest.approx(2.0)
    assert pace.delay("CPACE0002") == 0.0  # another channel has its own pace

    # Three quiet seconds: the two that waited have gone, and there is room for one more.
    clock.now += 3.0
    assert pace.delay("CPACE0001") == pytest.approx(0.0)
    assert pace.delay("CPACE0001") == pytest.approx(1.0)
    # A long quiet: a full burst again.
    clock.now += 60.0
    assert [pace.delay("CPACE0001") for _ in range(4)] == pytest.approx([0, 0, 0, 1.0])


def test_channels_quiet_long_enough_are_forgotten_even_after_a_burst() -> None:
    clock = Clock()
    pace = ChannelPace(1.0, 3, clock=clock)
    channels = [f"CMANY{n:05d}" for n in range(10_001)]
    for channel in channels:
        for _ in range(3):  # a call-out in each: a full burst
            pace.delay(channel)
    clock.now += 60.0
    assert pace.delay("CNEW00001") == 0.0
    assert len(pace._buckets) == 1  # only the one that just sent
    assert [pace.delay(channels[0]) for _ in range(4)] == pytest.approx([0, 0, 0, 1.0])


def test_the_door_paces_a_burst_of_messages_to_one_channel(
    door: SlackDoor, fake: FakeSlack
) -> None:
    # The clock stands still: every message is "within the same second".
    door.pace = ChannelPace(1.0, 3, clock=Clock())

    async def burst() -> tuple[float, float]:
        started = time.monotonic()
        await door.deliver(post("CPACE0003", long_document(4), key="70", attempts=1))
        one_channel = time.monotonic() - started
        started = time.monotonic()
        await door.deliver(post("CPACE0004", Document().paragraph("Svar."), key="71", attempts=1))
        return one_channel, time.monotonic() - started

    one_channel, other_channel = asyncio.run(burst())
    assert one_channel >= 0.95  # the fourth part waited its turn
    assert other_channel < 0.5
    assert keys(fake, "CPACE0003") == ["70-0", "70-1", "70-2", "70-3"]
    assert keys(fake, "CPACE0004") == ["71-0"]


# -- (e) an answer in a thread -----------------------------------------------------------------


def test_a_thread_answer_claimed_again_is_looked_for_in_its_thread(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CTHREAD01"
    command = fake.add_message(channel, "!status", user=ANNA)
    doc = Document().paragraph("Inga aktiva ärenden.")
    route = {"thread_ts": command}
    first = deliver(door, post(channel, doc, key="80", attempts=1, route=route))
    assert fake.messages(channel)[-1]["thread_ts"] == command

    mark = fake.mark()
    assert deliver(door, post(channel, doc, key="80", attempts=2, route=route)) == first

    looked = fake.wait_for("conversations.replies", since=mark, channel=channel)
    assert looked.args["ts"] == command
    assert asked_for_metadata(fake, "conversations.replies")
    assert lookups(fake) == ["conversations.replies"]
    assert keys(fake, channel) == [None, "80-0"]


def test_a_thread_answer_claimed_again_that_never_went_out_is_sent_in_its_thread(
    door: SlackDoor, fake: FakeSlack
) -> None:
    channel = "CTHREAD02"
    command = fake.add_message(channel, "!status", user=ANNA)
    doc = long_document(2)
    # Only the first part reached the thread before the sender died.
    fake.fail_posts(channel, Failure.http(503), after=1)
    with pytest.raises(DeliveryFailed):
        deliver(door, post(channel, doc, key="82", attempts=1, route={"thread_ts": command}))

    sent = deliver(door, post(channel, doc, key="82", attempts=2, route={"thread_ts": command}))

    assert lookups(fake) == ["conversations.replies"]
    assert sent == fake.messages(channel)[1]["ts"]
    assert keys(fake, channel) == [None, "82-0", "82-1"]
    assert [m.get("thread_ts") for m in fake.messages(channel)] == [None, command, command]
    assert fake.calls_to("conversations.history") == []

"""Tagged messages kept current: an edit (``Post.replaces``) through the outbox and the hub.

A message sent tagged (``Post.tag``, or a command's answer with ``Reply.tag``) is kept with
its platform message id; an edit of the tag in a channel is handed to the door with those
ids (``Post.targets``). It waits while the original is not sent, is dropped when the
original failed for good, and of several edits of one message only the latest goes out —
never an older one after a newer. The feature here is a test's own
(``tests/support/tagged_feature.py``), apart from the call-out's wording.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.hub import DeliveryFailed, Hub
from bot.render.text import render_text
from commands import Dispatcher, Timekeeper
from commands.core import outbox
from commands.core.capabilities import build
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Document
from commands.core.messages import Incoming, Post, Speaker
from commands.core.outbox import Claims, PostCodec
from storage import AuditContext, Database
from storage.models import OutboxMessage, OutboxState
from tests.support import tagged_feature

ROOM = "!stab:x"
OTHER = "!polis:x"
CARD = tagged_feature.card_tag(ROOM)  # the card !kort shows in ROOM


class Door:
    """A platform that records what it is given; ids ``$1``, ``$2`` … in order."""

    platform = "matrix"
    active = True

    def __init__(self) -> None:
        self.sent: list[Post] = []
        self.refusing: set[str] = set()  # channels refused for good

    async def deliver(self, post: Post) -> str | None:
        if post.channel_id in self.refusing:
            raise DeliveryFailed("refused", permanent=True)
        self.sent.append(post)
        if post.replaces is not None:
            return post.targets[0]
        return f"${len(self.sent)}"

    async def run(self) -> None:
        return None

    def status(self) -> str:
        return "connected"

    def edits(self) -> list[tuple[str, tuple[str, ...], str]]:
        return [(p.channel_id, p.targets, render_text(p.document)) for p in self.sent if p.replaces]


def _hub(database: Database, clock: FixedClock, instance: str = "me") -> tuple[Hub, Door]:
    config = CoreConfig()
    capabilities = build([tagged_feature.FEATURE])
    dispatcher = Dispatcher(database, clock, config, capabilities)
    timekeeper = Timekeeper(database, clock, config, instance, capabilities=capabilities)
    hub = Hub(dispatcher, timekeeper)
    door = Door()
    hub.attach(door)
    return hub, door


@pytest.fixture
def hub(
    database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Hub, Door]]:
    made = _hub(database, clock)
    monkeypatch.setattr(tagged_feature, "CHANNELS", [("matrix", OTHER)])
    yield made
    made[0].close()


def _say(hub: Hub, text: str, event: str, room: str = ROOM) -> None:
    incoming = Incoming(
        "matrix",
        room,
        Speaker("matrix", "@anna:x", "Anna"),
        text,
        event_id=event,
        route={"reply_to": event},
    )

    async def say() -> None:
        await hub.handle(incoming, wait=True)
        await hub.sender.drain()

    asyncio.run(say())


def _tick(hub: Hub) -> list[Post]:
    async def tick() -> list[Post]:
        posts = await hub.tick_once()
        await hub.sender.drain()
        return posts

    return asyncio.run(tick())


def _rows(database: Database) -> list[OutboxMessage]:
    with Session(database.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _write(
    database: Database,
    clock: FixedClock,
    post: Post,
    *,
    claimed_by: str | None = None,
) -> Post:
    """``post`` in the outbox as another process wrote it: claimed by ``claimed_by`` (for
    the next two minutes), else waiting for anyone."""
    context = AuditContext("matrix", post.channel_id, "bot", "bot", clock.now())
    claims = Claims(claimed_by, serves=lambda platform: claimed_by is not None)
    with database.unit_of_work(context) as store:
        return outbox.queue(
            store, post, kind=outbox.POST, codec=PostCodec({}), claims=claims, now=clock.now()
        )


def _card(text: str) -> Document:
    return Document().paragraph(f"Kort: {text}")


def test_a_tagged_answer_and_posts_are_kept_with_their_message_ids_and_edited_in_place(
    hub: tuple[Hub, Door], database: Database
) -> None:
    bot, door = hub
    _say(bot, "!kort alla Läget lugnt", "$card")
    tagged = {(row.channel_id, row.kind): row for row in _rows(database) if row.tag}
    assert {row.tag for row in tagged.values()} == {CARD}
    answer, post = tagged[(ROOM, "reply")], tagged[(OTHER, "post")]
    assert (answer.message_id, post.message_id) == ("$1", "$2")
    with Session(database.engine) as session:
        from storage.outbox import Outbox

        assert Outbox(session).tag_of("matrix", "$2") == CARD
        assert Outbox(session).tag_of("matrix", "$nothing") is None
        assert Outbox(session).tag_of("slack", "$2") is None

    _say(bot, "!ändra Läget ansträngt", "$edit")
    # The answer first, then each channel's card replaced: the room's own and the other's.
    assert render_text(door.sent[2].document) == "Ändrat"
    assert sorted(door.edits()) == [
        (OTHER, ("$2",), "Kort: Läget ansträngt"),
        (ROOM, ("$1",), "Kort: Läget ansträngt"),
    ]
    edits = [row for row in _rows(database) if row.kind == "edit"]
    assert {(row.tag, row.state, row.message_id) for row in edits} == {
        (CARD, OutboxState.SENT, "$1"),
        (CARD, OutboxState.SENT, "$2"),
    }
    # An edit's row holds the tag it replaces, never a message of its own to react to.
    assert all(row.channel_id in (ROOM, OTHER) for row in edits)


def test_an_edit_waits_while_its_original_is_not_sent_and_goes_once_it_is(
    hub: tuple[Hub, Door], database: Database, clock: FixedClock
) -> None:
    bot, door = hub
    # Another process has the card in hand (claimed for two minutes) and has not sent it.
    original = _write(
        database, clock, Post("matrix", ROOM, _card("ett"), tag=CARD), claimed_by="other"
    )
    _write(database, clock, Post("matrix", ROOM, _card("två"), replaces=CARD))
    [edit] = _tick(bot)
    assert edit.replaces == CARD
    assert edit.tag is None
    assert door.sent == []  # not sent over nothing
    row = _rows(database)[-1]
    assert (row.state, row.failures) == (OutboxState.PENDING, 0)  # waiting is no failure
    assert row.ready_at == clock.now() + timedelta(seconds=5)
    assert "waits for message" in (row.last_error or "")

    # The other process sends the card and says so; the edit follows when next looked at.
    with database.unit_of_work(AuditContext("matrix", ROOM, "bot", "bot", clock.now())) as store:
        outbox.record_delivery(
            store, outbox.Delivery(original.outbox_id or 0, "$card"), clock.now()
        )
    clock.set(clock.now() + timedelta(seconds=5))
    _tick(bot)
    assert door.edits() == [(ROOM, ("$card",), "Kort: två")]
    assert _rows(database)[-1].state is OutboxState.SENT


def test_an_edit_of_a_message_that_failed_for_good_is_dropped(
    hub: tuple[Hub, Door], database: Database, clock: FixedClock
) -> None:
    bot, door = hub
    door.refusing.add(OTHER)
    _say(bot, "!kort alla ett", "$card")
    _say(bot, "!ändra två", "$edit")
    # Where the card never arrived, there is nothing to keep current: no edit is made.
    assert [channel for channel, _, _ in door.edits()] == [ROOM]
    assert [row.kind for row in _rows(database) if row.channel_id == OTHER] == ["post"]
    # An edit written all the same (before the card failed) is dropped, not sent.
    _write(database, clock, Post("matrix", OTHER, _card("tre"), replaces=CARD))
    _tick(bot)
    assert [channel for channel, _, _ in door.edits()] == [ROOM]
    failed = [row for row in _rows(database) if row.channel_id == OTHER]
    assert [(row.kind, row.state) for row in failed] == [
        ("post", OutboxState.FAILED),
        ("edit", OutboxState.FAILED),
    ]
    assert f"no message tagged {CARD!r}" in (failed[1].last_error or "")


def test_an_edit_where_no_message_was_ever_so_tagged_is_done_with_nothing_to_do(
    hub: tuple[Hub, Door], database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    bot, door = hub
    # A channel bound to the forum after its card went out: the card's update has nothing
    # to replace there, which is no failure (and no warning).
    _write(database, clock, Post("matrix", OTHER, _card("två"), replaces=CARD))
    _tick(bot)
    assert door.sent == []
    [row] = _rows(database)
    assert (row.state, row.failures, row.message_id) == (OutboxState.SENT, 0, None)
    assert "gave up" not in caplog.text


def test_an_edit_right_behind_its_original_in_the_lane_needs_no_record_of_it_first(
    hub: tuple[Hub, Door], database: Database, clock: FixedClock
) -> None:
    bot, door = hub
    _write(database, clock, Post("matrix", ROOM, _card("ett"), tag=CARD))
    _write(database, clock, Post("matrix", ROOM, _card("två"), replaces=CARD))
    assert len(_tick(bot)) == 2
    assert door.edits() == [(ROOM, ("$1",), "Kort: två")]
    assert {row.state for row in _rows(database)} == {OutboxState.SENT}


def test_of_several_edits_waiting_in_a_lane_only_the_last_is_sent(
    hub: tuple[Hub, Door], database: Database, clock: FixedClock
) -> None:
    bot, door = hub
    _say(bot, "!kort ett", "$card")
    for text in ("två", "tre", "fyra"):
        _write(database, clock, Post("matrix", ROOM, _card(text), replaces=CARD))
    _tick(bot)
    assert door.edits() == [(ROOM, ("$1",), "Kort: fyra")]
    assert [row.state for row in _rows(database) if row.kind == "edit"] == [OutboxState.SENT] * 3


def test_an_older_edit_taken_up_after_a_newer_one_went_out_is_not_sent_over_it(
    database: Database, clock: FixedClock
) -> None:
    first, door = _hub(database, clock, "first")
    _say(first, "!kort ett", "$card")
    # An edit another process claimed and then died with, and a newer one sent meanwhile.
    older = _write(
        database, clock, Post("matrix", ROOM, _card("två"), replaces=CARD), claimed_by="dead"
    )
    _write(database, clock, Post("matrix", ROOM, _card("tre"), replaces=CARD))
    _tick(first)
    assert door.edits() == [(ROOM, ("$1",), "Kort: tre")]
    # The dead process's claim runs out: the older edit is taken up by a process that knows
    # only what the database says (and by this one, which remembers what it sent): neither
    # sends it over the newer.
    clock.set(clock.now() + timedelta(minutes=3))
    second, other_door = _hub(database, clock, "second")
    assert len(_tick(second)) == 1
    with database.unit_of_work(AuditContext("matrix", ROOM, "bot", "bot", clock.now())) as store:
        row = store.outbox.get(older.outbox_id or 0)
        assert row is not None
        assert row.state is OutboxState.SENT
    assert door.edits() == [(ROOM, ("$1",), "Kort: tre")]
    assert other_door.sent == []
    first.close()
    second.close()


def test_edits_are_made_for_every_channel_that_holds_the_tag(
    database: Database, clock: FixedClock
) -> None:
    _write(database, clock, Post("matrix", ROOM, _card("ett"), tag=CARD))
    _write(database, clock, Post("slack", "C1", _card("ett"), tag=CARD))
    _write(database, clock, Post("slack", "U1", _card("ett"), tag=CARD, direct=True))
    _write(database, clock, Post("matrix", ROOM, _card("ett"), tag="card:2"))
    _write(database, clock, Post("matrix", ROOM, _card("två"), replaces=CARD))
    context = AuditContext("matrix", ROOM, "bot", "bot", clock.now())
    with database.unit_of_work(context) as store:
        made = outbox.edits(store, CARD, _card("tre"))
    assert [(p.platform, p.channel_id, p.replaces, p.direct) for p in made] == [
        ("matrix", ROOM, CARD, False),
        ("slack", "C1", CARD, False),
        ("slack", "U1", CARD, True),
    ]

"""``!efterhand`` shows its charts where the platform shows images: the record's two charts
attached as PNG images, drawn from the record's own data (the very charts of the HTML
export), with words for those who cannot see them, and waiting in the outbox like any
file."""

from __future__ import annotations

import re

from bot.charts.activation import ack_chart, rounds_chart
from bot.files import file_of, png_size
from bot.matrix.door import file_message
from commands.record import compile_record
from commands.record.attachment import RecordChart
from storage import Database
from storage.audit import AuditContext
from tests.support.attachments import through_outbox
from tests.support.chat import Chat
from tests.support.time_travel import travel


def _ok(chat: Chat, text: str, **kwargs: str) -> None:
    said = chat.say(text, **kwargs)
    assert said.ok, said.text


def _play(chat: Chat) -> None:
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="cia")
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket")
    travel(chat, "2026-11-26 15:06")
    _ok(chat, "!kvittera", person="cia")
    _ok(chat, "!läge Lugnt på vägarna", person="cia")
    travel(chat, "2026-11-26 15:30")
    _ok(chat, "!avaktivera Stormen över")


def test_the_record_brings_its_two_charts_as_images(forum_chat: Chat, database: Database) -> None:
    _play(forum_chat)
    said = forum_chat.say("!efterhand")
    assert said.ok, said.text
    assert said.reply is not None
    acks, rounds = (file_of(attachment) for attachment in said.reply.attachments)
    assert (acks.filename, rounds.filename) == ("efterhand-1-acks.png", "efterhand-1-rounds.png")
    assert acks.mimetype == rounds.mimetype == "image/png"
    assert acks.size == png_size(acks.content) == (840, 384)
    # Alt text with the figures a reader would take from the image.
    assert acks.description is not None
    assert "50" in acks.description
    assert rounds.description is not None
    assert "1: 50 %" in rounds.description

    # Drawn from the record's data: the same as the charts drawn from the record compiled
    # here, which has Trafikverket acknowledged after 6 minutes of two called in.
    context = AuditContext("test", "stab", "x", "x", forum_chat.clock.now())
    with database.reading(context) as store:
        forum = store.forum_for_channel("test", "stab")
        assert forum is not None
        activation = store.activations.latest(forum)
        assert activation is not None
        record = compile_record(store, forum, activation, 10)
    assert record.ack_steps == [(0.0, 0.0), (6.0, 0.5)]
    assert acks.content == ack_chart(record, "sv").png
    drawn = rounds_chart(record, "sv")
    assert drawn is not None
    assert rounds.content == drawn.png


def test_the_charts_wait_in_the_outbox_and_come_back_the_same(forum_chat: Chat) -> None:
    _play(forum_chat)
    said = forum_chat.say("!efterhand")
    assert said.reply is not None
    back = through_outbox(forum_chat, said.reply.attachments)
    assert [file_of(a).content for a in back] == [
        file_of(a).content for a in said.reply.attachments
    ]
    assert isinstance(back[0].payload, RecordChart)


def test_matrix_shows_a_chart_as_an_image_with_its_words(forum_chat: Chat) -> None:
    _play(forum_chat)
    said = forum_chat.say("!efterhand")
    assert said.reply is not None
    chart = file_of(said.reply.attachments[0])
    message = file_message(chart)
    assert message["msgtype"] == "m.image"
    assert message["body"] == chart.description  # what a screen reader reads
    assert message["filename"] == "efterhand-1-acks.png"
    assert (message["info"]["w"], message["info"]["h"]) == (840, 384)
    assert message["info"]["mimetype"] == "image/png"


def test_a_single_round_is_one_labelled_bar_not_a_fractional_axis(forum_chat: Chat) -> None:
    _play(forum_chat)
    said = forum_chat.say("!efterhand")
    assert said.reply is not None
    rounds = next(a for a in said.reply.attachments if isinstance(a.payload, RecordChart))
    record = rounds.payload.record  # type: ignore[attr-defined]
    drawn = rounds_chart(record, "sv")
    assert drawn is not None
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", drawn.svg)
    assert "1" in ticks  # the round's number under its bar
    assert not [tick for tick in ticks if "." in tick]  # no 0.6, 0.8 … 1.4

"""Long replies: multi-line text, stacked fields, and documents split into several messages.

A joint situation picture (40 organisations, seven long fields each) or the minutes of a
meeting (hundreds of items) is far more than Slack (50 blocks, 40 000 characters) or a Matrix
homeserver (64 KiB an event) takes in one message. The renderers split such documents between
blocks into consecutive messages, and the doors send them in order.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.hub import DeliveryFailed, Hub
from bot.render.matrix import MESSAGE_BYTES_MAX, render_matrix, render_matrix_messages
from bot.render.slack import (
    BLOCKS_MAX,
    SECTION_TEXT_MAX,
    TEXT_MAX,
    SlackMessage,
    render_blocks,
    render_slack,
    render_slack_messages,
)
from bot.render.split import Budget, pack
from bot.render.text import render_text
from commands import Dispatcher
from commands.core.clock import FixedClock
from commands.core.document import Document, Emphasis, Mention, Strong
from commands.core.messages import Post
from storage import Database
from tests.support.chat import Chat
from tests.support.fake_slack import FakeSlack

ORGANISATIONS = 40
LABELS = ("Läge", "Åtgärder", "Resurser", "Behov", "Kommunikation", "Prognos", "Övrigt")
MARK = re.compile(r"ORG\d\d-R\d")
# The number under each part of a split document ("(del 1 av 4)").
PART = re.compile(r"^\(del (\d+) av (\d+)\)$")


def _report(org: int, row: int) -> str:
    """About 400 characters over several lines, with text that must be escaped."""
    lines = [
        f"ORG{org:02d}-R{row} Lägesbild för organisation {org}, rad {row}.",
        "Vägar <script>alert(1)</script> & broar: framkomligt med begränsningar i norr.",
        "",
        "Personal: 12 i tjänst, 4 i beredskap; nästa avstämning kl 16.00 i stabsrummet.",
        "Kontakt: stabschef via växeln, reserv via Rakel talgrupp RSL-1 (" + "x" * 130 + ").",
    ]
    return "\n".join(lines)


def situation_picture(mention_in: int | None = None) -> Document:
    doc = Document().heading("Samlad lägesbild")
    for org in range(1, ORGANISATIONS + 1):
        doc.heading(f"Organisation {org}", level=2)
        rows: list[tuple[str, Any]] = [
            (label, _report(org, row)) for row, label in enumerate(LABELS, start=1)
        ]
        if org == mention_in:
            rows[0] = (LABELS[0], [Mention("matrix", "@anna:localhost", "Anna"), " rapporterar"])
        doc.fields(rows, stacked=True)
    return doc


def _marks(text: str) -> list[str]:
    return MARK.findall(text)


EXPECTED_MARKS = [
    f"ORG{org:02d}-R{row}"
    for org in range(1, ORGANISATIONS + 1)
    for row in range(1, len(LABELS) + 1)
]


def _block_text(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"]["text"])
    if block["type"] == "context":
        return "\n".join(element["text"] for element in block["elements"])
    return "\n".join(field["text"] for field in block.get("fields", []))


def _document_blocks(messages: list[SlackMessage]) -> list[dict[str, Any]]:
    """The messages' blocks without the parts' numbers."""
    return [block for m in messages for block in m.blocks if block["type"] != "context"]


def _unnumbered(body: str) -> str:
    """A Matrix part's body without its number (its last line)."""
    *lines, number = body.split("\n")
    assert PART.match(number), number
    return "\n".join(lines)


# -- Slack -----------------------------------------------------------------------------------


def test_a_long_situation_picture_is_several_slack_messages_within_limits() -> None:
    doc = situation_picture()
    messages = render_slack_messages(doc)
    assert len(messages) > 1
    for message in messages:
        assert 0 < len(message.blocks) <= BLOCKS_MAX
        assert len(message.text) <= TEXT_MAX
        for block in message.blocks:
            assert "fields" not in block  # stacked: rows one under the other, not columns
            assert len(_block_text(block)) <= SECTION_TEXT_MAX
    # Every block, in order, once: nothing lost at the seams.
    assert _document_blocks(messages) == render_blocks(doc)
    assert _marks("\n".join(m.text for m in messages)) == EXPECTED_MARKS
    blocks_text = "\n".join(_block_text(b) for m in messages for b in m.blocks)
    assert _marks(blocks_text) == EXPECTED_MARKS
    assert "<script>" not in blocks_text
    assert "&lt;script&gt;" in blocks_text


def test_many_short_blocks_are_split_at_fifty_blocks_a_slack_message() -> None:
    doc = Document()
    for n in range(130):
        doc.paragraph(f"Punkt {n}")
    messages = render_slack_messages(doc)
    # 49 of the document's blocks and the part's number.
    assert [len(m.blocks) for m in messages] == [50, 50, 33]
    assert _document_blocks(messages) == render_blocks(doc)
    assert messages[2].text.splitlines() == [
        *(f"Punkt {n}" for n in range(98, 130)),
        "_(del 3 av 3)_",
    ]


def test_stacked_fields_are_rows_of_section_text_in_slack() -> None:
    doc = Document().fields([("Läge", "rad ett\nrad två"), ("Behov", "sandsäckar")], stacked=True)
    (section,) = render_blocks(doc)
    assert section == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Läge:* rad ett\nrad två\n*Behov:* sandsäckar"},
    }


def test_a_slack_part_never_ends_with_a_heading() -> None:
    for messages in (render_slack_messages(situation_picture()), render_slack_messages(minutes())):
        assert len(messages) > 1
        for message in messages[:-1]:
            last = [block for block in message.blocks if block["type"] != "context"][-1]
            assert last["type"] != "header"
            assert not _block_text(last).startswith("*Organisation")


def test_a_short_document_is_one_slack_message() -> None:
    doc = Document().heading("Status").paragraph("Läge: ", Strong("normal"))
    doc.fields([("Nivå", "samordnande")])
    (message,) = render_slack_messages(doc)
    assert message == render_slack(doc)


def test_a_block_too_long_for_a_section_still_goes_out() -> None:
    report = "\n".join(f"rad {n}: " + "y" * 90 for n in range(80))  # 8 000 characters
    one_line = "z" * 5000
    messages = render_slack_messages(Document().paragraph(report).paragraph(one_line))
    texts = [_block_text(block) for block in _document_blocks(messages)]
    assert all(len(text) <= SECTION_TEXT_MAX for text in texts)
    # A report over many lines is broken at its line breaks: every line is there.
    assert "\n".join(texts[:-1]) == report
    # A single line longer than a section is cut, not dropped.
    assert texts[-1] == "z" * (SECTION_TEXT_MAX - 1) + "…"


def test_slack_marks_each_line_of_multi_line_bold_and_italic() -> None:
    doc = Document().paragraph(Strong("Rad ett\nRad två\n\n  tre "), Emphasis("a\nb"))
    (section,) = render_blocks(doc)
    assert section["text"]["text"] == "*Rad ett*\n*Rad två*\n\n  *tre* _a_\n_b_"


# -- Matrix ----------------------------------------------------------------------------------


def _bytes(content: dict[str, Any]) -> int:
    return len(content["body"].encode()) + len(content["formatted_body"].encode())


def test_a_long_situation_picture_is_several_matrix_messages_within_limits() -> None:
    doc = situation_picture()
    contents = render_matrix_messages(doc)
    assert len(contents) > 1
    for content in contents:
        assert _bytes(content) <= MESSAGE_BYTES_MAX
        assert len(json.dumps(content, ensure_ascii=False).encode()) < 65_536
        assert content["msgtype"] == "m.notice"
        assert content["format"] == "org.matrix.custom.html"
        html = content["formatted_body"]
        assert "<br>" in html
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; broar" in html
        assert html.count("<ul>") == html.count("</ul>")
    # The parts together are the whole document, in order.
    assert "\n".join(_unnumbered(c["body"]) for c in contents) == render_text(doc)
    assert _marks("".join(c["formatted_body"] for c in contents)) == EXPECTED_MARKS


def test_only_the_matrix_part_with_the_mention_notifies() -> None:
    contents = render_matrix_messages(situation_picture(mention_in=30))
    mentioning = [c for c in contents if "m.mentions" in c]
    assert len(mentioning) == 1
    (part,) = mentioning
    assert part["msgtype"] == "m.text"
    assert part["m.mentions"] == {"user_ids": ["@anna:localhost"]}
    assert '<a href="https://matrix.to/#/@anna:localhost">Anna</a>' in part["formatted_body"]
    assert "Organisation 30" in part["body"]
    others = [c for c in contents if c is not part]
    assert others
    assert all(c["msgtype"] == "m.notice" for c in others)


def headed_reports() -> Document:
    """Sections of one heading and one 15 000-byte report: three and a heading fill a part."""
    doc = Document()
    for n in range(1, 9):
        doc.heading(f"Avsnitt {n}", level=2).paragraph(f"Rapport {n}: " + "text " * 1500)
    return doc


def test_a_matrix_part_never_ends_with_a_heading() -> None:
    for doc in (situation_picture(), minutes(), headed_reports()):
        contents = render_matrix_messages(doc)
        assert len(contents) > 1
        for content in contents[:-1]:
            html = content["formatted_body"].removesuffix(
                re.findall("<p><em>.*?</em></p>$", content["formatted_body"])[0]
            )
            assert not re.search(r"</h\d>$", html)
    starts = [c["body"].split("\n")[0] for c in render_matrix_messages(headed_reports())]
    assert starts == ["Avsnitt 1:", "Avsnitt 4:", "Avsnitt 7:"]


def test_a_short_document_is_one_matrix_message() -> None:
    doc = Document().heading("Status").paragraph("Läge: ", Strong("normal"))
    assert render_matrix_messages(doc) == [render_matrix(doc)]


def test_matrix_shows_line_breaks_after_escaping() -> None:
    doc = Document().paragraph("a <b>\nc & d", Strong("e\nf"))
    doc.fields([("Läge", "rad ett\n<i>rad två</i>")], stacked=True)
    html = render_matrix(doc)["formatted_body"]
    assert html == (
        "<p>a &lt;b&gt;<br>c &amp; d<strong>e<br>f</strong></p>"
        "<ul><li><strong>Läge:</strong> rad ett<br>&lt;i&gt;rad två&lt;/i&gt;</li></ul>"
    )


def minutes(items: int = 300) -> Document:
    doc = Document().heading("Protokoll").heading("Beslut", level=2)
    doc.bullets([f"Punkt {n}: " + "beslutades att " * 25 for n in range(1, items + 1)], True)
    return doc


def test_long_minutes_keep_their_numbering_across_matrix_messages() -> None:
    contents = render_matrix_messages(minutes())
    assert len(contents) > 1
    assert all(_bytes(c) <= MESSAGE_BYTES_MAX for c in contents)
    first, second = contents[0]["formatted_body"], contents[1]["formatted_body"]
    items_in_first = first.count("<li>")
    assert second.startswith(f'<ol start="{items_in_first + 1}"><li>Punkt {items_in_first + 1}:')
    assert "\n".join(_unnumbered(c["body"]) for c in contents) == render_text(minutes())


def test_a_block_too_heavy_for_one_matrix_message_is_cut_not_dropped() -> None:
    doc = Document().paragraph("start " + "ö" * 60_000).paragraph("efter")
    first, second = render_matrix_messages(doc)
    assert _bytes(first) <= MESSAGE_BYTES_MAX
    assert first["body"].startswith("start ööö")
    assert first["body"].endswith("…\n(del 1 av 2)")
    assert second["body"] == "efter\n(del 2 av 2)"


# -- the terminal ----------------------------------------------------------------------------


def test_text_indents_the_continuation_lines_of_fields_and_bullets() -> None:
    doc = Document().fields([("Läge", "rad ett\n\nrad tre")], stacked=True)
    doc.bullets(["punkt\nfortsättning"]).bullets(["a\nb"], numbered=True)
    assert render_text(doc) == (
        "Läge: rad ett\n\n  rad tre\n  • punkt\n    fortsättning\n  1. a\n     b"
    )


# -- the doors -------------------------------------------------------------------------------


@pytest.fixture
def hub(database: Database, clock: FixedClock) -> Iterator[Hub]:
    hub = Hub(Dispatcher(database, clock, Settings(database_url="sqlite://").core()))
    yield hub
    hub.close()


def test_the_slack_door_posts_a_long_document_as_messages_in_order(hub: Hub) -> None:
    from bot.slack.door import SlackDoor

    doc = situation_picture()
    expected = render_slack_messages(doc)
    with FakeSlack() as fake:
        settings = Settings(
            database_url="sqlite://",
            slack_bot_token="xoxb-test-token-not-real",
            slack_signing_secret="not-a-real-secret",
            slack_api_url=fake.api_url,
        )
        door = SlackDoor(hub, settings)
        post = Post("slack", "CLONG0001", doc, route={"thread_ts": "1700000000.000001"})
        sent = asyncio.run(door.deliver(post))
        posted = fake.calls_to("chat.postMessage", channel="CLONG0001")
    assert sent
    assert len(posted) == len(expected) > 1
    assert [SlackMessage(call.text, call.blocks) for call in posted] == expected
    assert all(call.args.get("thread_ts") == "1700000000.000001" for call in posted)


def test_the_slack_door_reports_a_failed_part(hub: Hub) -> None:
    from bot.slack.door import SlackDoor

    with FakeSlack(outside={"COUTSIDE1"}) as fake:
        settings = Settings(
            database_url="sqlite://",
            slack_bot_token="xoxb-test-token-not-real",
            slack_signing_secret="not-a-real-secret",
            slack_api_url=fake.api_url,
        )
        door = SlackDoor(hub, settings)
        with pytest.raises(DeliveryFailed):
            asyncio.run(door.deliver(Post("slack", "COUTSIDE1", situation_picture())))
        # The first part was refused: the rest are not sent out of order after it.
        assert len(fake.calls_to("chat.postMessage", channel="COUTSIDE1")) == 1


def test_the_matrix_door_queues_each_part_in_order(hub: Hub, database: Database) -> None:
    from bot.matrix.door import MatrixDoor

    settings = Settings(
        database_url="sqlite://",
        matrix_homeserver="http://127.0.0.1:1",
        matrix_user_id="@samverkan:localhost",
        matrix_password="not-a-real-password",
    )
    door = MatrixDoor(hub, database, settings)
    doc = situation_picture()
    queued = _sent_by(door, Post("matrix", "!room:localhost", doc, key="k1"))
    assert [q.content for q in queued] == render_matrix_messages(doc)
    assert {q.room_id for q in queued} == {"!room:localhost"}
    assert [q.txn_id for q in queued] == [f"k1-{n}" for n in range(len(queued))]
    assert len(queued) > 1


def _sent_by(door: Any, post: Post) -> list[Any]:
    """What the Matrix door sends for ``post``, in order, as if the homeserver took it all."""
    sent: list[Any] = []

    async def take(client: object, outgoing: Any) -> bool:
        outgoing.event_id = f"$event{len(sent)}"
        sent.append(outgoing)
        return True

    door._send = take
    door._client, door._running = object(), True
    door._synced.set()
    asyncio.run(door.deliver(post))
    return sent


# -- packing ---------------------------------------------------------------------------------


def _budget(most: int) -> Budget[str]:
    return Budget(
        weight=lambda piece, before: len(piece),
        most_weight=most,
        keeps_next=lambda piece: piece.startswith("#"),
        most_pieces=4,
    )


def test_pack_keeps_order_limits_and_headings_with_what_follows() -> None:
    assert pack(["aaa", "bb", "#h", "cccc", "dd"], _budget(7)) == [
        ["aaa", "bb"],
        ["#h", "cccc"],
        ["dd"],
    ]
    assert pack(["a", "b", "c", "d", "e"], _budget(100)) == [["a", "b", "c", "d"], ["e"]]
    # Too heavy alone: sent alone, not dropped; a heading stays behind rather than overflow.
    assert pack(["a", "#h", "x" * 20, "b"], _budget(7)) == [["a", "#h"], ["x" * 20], ["b"]]
    assert pack([], _budget(7)) == []


# -- sections and numbered parts (seen in a real client) ------------------------------------


def reported_picture() -> Document:
    """A joint picture as ``!lägesbild`` makes it: per organisation a heading, when it
    reported, then its fields; sizes vary so that seams fall anywhere."""
    doc = Document().heading("Samlad lägesbild")
    doc.fields([("Forum", "Regional samverkanskonferens"), ("Runda", "3")])
    for org in range(1, ORGANISATIONS + 1):
        doc.heading(f"Organisation {org}", level=2)
        doc.paragraph(Emphasis(f"rapporterad 2026-11-26 14:{org:02d} av Anna"))
        rows = [(label, _report(org, row) * (1 + org % 3)) for row, label in enumerate(LABELS, 1)]
        doc.fields(rows, stacked=True)
    return doc


def _organisations_whole(parts: list[str]) -> None:
    """Each organisation's heading is in the part holding all its fields."""
    for org in range(1, ORGANISATIONS + 1):
        heading = re.compile(rf"Organisation {org}\b")
        holding = [n for n, text in enumerate(parts) if heading.search(text)]
        assert len(holding) == 1, (org, holding)
        (part,) = holding
        rows = {mark for mark in _marks(parts[part]) if mark.startswith(f"ORG{org:02d}-")}
        assert rows == {f"ORG{org:02d}-R{row}" for row in range(1, len(LABELS) + 1)}, org


def test_a_split_picture_keeps_each_organisation_whole_and_numbers_its_parts_on_matrix() -> None:
    contents = render_matrix_messages(reported_picture())
    count = len(contents)
    assert count > 1
    for number, content in enumerate(contents, 1):
        assert content["body"].endswith(f"\n(del {number} av {count})")
        assert content["formatted_body"].endswith(f"<p><em>(del {number} av {count})</em></p>")
        assert _bytes(content) <= MESSAGE_BYTES_MAX
    _organisations_whole([content["body"] for content in contents])


def test_a_split_picture_keeps_each_organisation_whole_and_numbers_its_parts_on_slack() -> None:
    messages = render_slack_messages(reported_picture())
    count = len(messages)
    assert count > 1
    for number, message in enumerate(messages, 1):
        assert message.blocks[-1] == {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"_(del {number} av {count})_"}],
        }
        assert message.text.endswith(f"_(del {number} av {count})_")
        assert len(message.blocks) <= BLOCKS_MAX
        assert len(message.text) <= TEXT_MAX
    _organisations_whole(["\n".join(map(_block_text, m.blocks)) for m in messages])


def test_parts_are_numbered_in_the_documents_language() -> None:
    contents = render_matrix_messages(reported_picture(), "en")
    assert contents[0]["body"].endswith(f"\n(part 1 of {len(contents)})")
    (single,) = render_matrix_messages(Document().paragraph("kort"), "en")
    assert single["body"] == "kort"  # one message: no number


def test_pack_keeps_a_section_whole_when_it_fits_a_part() -> None:
    # "#h" and its two pieces move on together rather than leave "#h", "cc" behind.
    assert pack(["aa", "#h", "cc", "dd"], _budget(7)) == [["aa"], ["#h", "cc", "dd"]]
    # A title right before a subheading is one section with it.
    assert pack(["aa", "#t", "#h", "cc"], _budget(7)) == [["aa"], ["#t", "#h", "cc"]]
    # Too large for any part: filled in piece by piece, as before.
    assert pack(["aa", "#h", "ccc", "ddd", "eee"], _budget(7)) == [
        ["aa", "#h", "ccc"],
        ["ddd", "eee"],
    ]


def test_the_doors_number_parts_in_the_language_of_the_channels_forum(
    hub: Hub, database: Database, clock: FixedClock
) -> None:
    from bot.matrix.door import MatrixDoor
    from bot.slack.door import SlackDoor

    for platform, channel in (("matrix", "!english:localhost"), ("slack", "CENGLISH1")):
        chat = Chat(database, clock, platform=platform)
        assert chat.say("!forum koppla samverkanskonferens", channel=channel).ok
        assert chat.say("!forum språk en", channel=channel).ok
    assert asyncio.run(hub.language_of("matrix", "!english:localhost")) == "en"
    assert asyncio.run(hub.language_of("matrix", "!unbound:localhost")) == "sv"

    matrix = MatrixDoor(
        hub,
        database,
        Settings(
            database_url="sqlite://",
            matrix_homeserver="http://127.0.0.1:1",
            matrix_user_id="@samverkan:localhost",
            matrix_password="not-a-real-password",
        ),
    )
    queued = _sent_by(matrix, Post("matrix", "!english:localhost", reported_picture()))
    assert queued[0].content["body"].endswith(f"\n(part 1 of {len(queued)})")

    with FakeSlack() as fake:
        settings = Settings(
            database_url="sqlite://",
            slack_bot_token="xoxb-test-token-not-real",
            slack_signing_secret="not-a-real-secret",
            slack_api_url=fake.api_url,
        )
        post = Post("slack", "CENGLISH1", reported_picture())
        assert asyncio.run(SlackDoor(hub, settings).deliver(post))
        posted = fake.calls_to("chat.postMessage", channel="CENGLISH1")
    assert posted[-1].text.endswith(f"_(part {len(posted)} of {len(posted)})_")

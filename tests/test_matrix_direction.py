"""The joint regional direction in Matrix, against a real Synapse: its form question by
question, its presentation and adoption in Regionalt inriktande forum's room, and its
confirmations in the conference's room.

One bot process (``samverkan-bot run``) for the module, real users that create rooms and read
the bot's answers back (as in ``tests/test_matrix_reports.py``). The conference is activated
with two organisations called in, so two confirm the direction: one with 👍 on the card the
adoption posts (a reaction on a tagged message, as in ``tests/test_matrix_reactions.py``), the
other with ``!inriktning kvittera``; the card is kept current by ``m.replace`` edits, and the
homeserver serves it with the last one bundled (what clients show). ``!inriktning fil json``
attaches the direction as an ``m.file``, downloaded from Synapse as a client would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.bot_process import BotProcess
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    bound_room,
    containing,
    registered_user,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.synapse import SERVER_NAME, SynapseServer

# Names of their own: other modules register their users in the same (session) Synapse.
BOT_LOCALPART = "inriktningsbot"
COORDINATOR = "inr-rut"
# Forums by their number in `!forum lista` (the seeded order).
INRIKTANDE, KONFERENS = 2, 4
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-direction-bot")
    settings = bot_settings(
        synapse.url, bot_id, directory, BOT_ADMINS=f"@{COORDINATOR}:{SERVER_NAME}"
    )
    with running_bot(directory, settings) as process:
        yield process


@pytest.fixture(scope="module")
def rut(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Makes the rooms; a coordinator of the region (BOT_ADMINS): presents the direction."""
    yield from registered_user(synapse, COORDINATOR)


@pytest.fixture(scope="module")
def tina(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Made a coordinator of Regionalt inriktande forum: adopts the direction."""
    yield from registered_user(synapse, "inr-tina")


@pytest.fixture(scope="module")
def olle(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents Polisen in the conference; no power in the rooms."""
    yield from registered_user(synapse, "inr-olle")


@pytest.fixture(scope="module")
def tove(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents Trafikverket in the conference; drafts the direction in the form."""
    yield from registered_user(synapse, "inr-tove")


# -- helpers ------------------------------------------------------------------------------------


def said(user: MatrixUser, room: str, bot_id: str, text: str, expected: str) -> Seen:
    """The bot's answer to ``text``, which must contain ``expected``."""
    answer = ask(user, room, bot_id, text)
    assert expected in (answer.body or ""), answer.describe()
    return answer


def lines(seen: Seen) -> list[str]:
    """The lines of a plain body, without the indentation of continuation lines."""
    return [line.strip() for line in (seen.body or "").splitlines()]


def edit_of(user: MatrixUser, room: str, bot_id: str, card: Seen, since: int, *texts: str) -> Seen:
    """The bot's edit (``m.replace``) of ``card`` whose new text holds ``texts``."""

    def matches(seen: Seen) -> bool:
        new = (seen.new_content or {}).get("body", "")
        return seen.replaces == card.event_id and all(text in new for text in texts)

    return user.wait_for_message(room, matches, sender=bot_id, since=since)


def bundled_edit(user: MatrixUser, room: str, event_id: str) -> str | None:
    """The latest edit the homeserver bundles with ``event_id`` (what clients show)."""
    unsigned = user.get_event(room, event_id).get("unsigned") or {}
    edit = (unsigned.get("m.relations") or {}).get("m.replace") or {}
    found = edit.get("event_id")
    return found if isinstance(found, str) else None


# -- from the form to the confirmations ---------------------------------------------------------


def test_drafted_in_the_form_adopted_and_confirmed_by_reaction_and_command(
    bot: BotProcess,
    bot_id: str,
    rut: MatrixUser,
    tina: MatrixUser,
    olle: MatrixUser,
    tove: MatrixUser,
) -> None:
    conference = bound_room(rut, bot_id, KONFERENS, olle, tove)
    said(olle, conference, bot_id, "!aktör Polisen", "företrädare för")
    said(tove, conference, bot_id, "!aktör Trafikverket", "företrädare för")
    said(
        rut,
        conference,
        bot_id,
        "!aktivera Snöoväder, SMHI klass 2 kalla: Polisen, Trafikverket",
        "INKALLNING",
    )

    # The form, question by question: each answer a message of its own, - leaves it empty.
    opened = said(tove, conference, bot_id, "!inriktning förslag", "1/6 Målbild")
    assert "Förslag till gemensam regional inriktning för Regional samverkanskonferens." in (
        opened.body or ""
    )
    replies = [
        ("Samhällsviktig verksamhet fungerar under snöovädret", "2/6 Prioriteringar"),
        ("1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon", "3/6 Ramar"),
        ("-", "4/6 Riktlinjer"),
        ("Samverkansmöte var fjärde timme", "5/6 Kommunikation"),
        ("-", "6/6 Gäller till"),
    ]
    for reply, next_question in replies:
        said(tove, conference, bot_id, reply, next_question)
    until = (datetime.now(STOCKHOLM) + timedelta(days=1)).strftime("%Y-%m-%d 18:00")
    saved = said(
        tove, conference, bot_id, "i morgon kl 18", "Förslag till gemensam regional inriktning 1"
    )
    body = lines(saved)
    assert "Förslag till gemensam regional inriktning 1 sparat." in body, saved.body
    assert "Gemensam regional inriktning 1 – förslag, version 1" in body
    assert "Målbild: Samhällsviktig verksamhet fungerar under snöovädret" in body
    assert "Prioriteringar: 1. Liv och hälsa" in body
    assert "2. Framkomlighet för utryckningsfordon" in body
    assert "Ramar och begränsningar: –" in body
    assert "Riktlinjer för det fortsatta arbetet: Samverkansmöte var fjärde timme" in body
    assert "Kommunikation och gemensamma budskap: –" in body
    assert f"Gäller till: {until}" in body
    assert "<strong>Målbild:</strong> Samhällsviktig verksamhet" in (saved.formatted_body or "")
    assert "/6" not in (saved.body or "")  # the form is done: no further question

    # Presented to Regionalt inriktande forum, in its own room; adopted there by its
    # coordinator.
    strategic = bound_room(rut, bot_id, INRIKTANDE, tina)
    said(rut, strategic, bot_id, f"!roll {tina.user_id} koordinator", "rollen koordinator")
    mark = tina.mark(strategic)
    said(rut, conference, bot_id, "!inriktning föredra", "Inriktning 1 är föredragen")
    presented = tina.wait_for_message(
        strategic, containing("föredrar förslaget"), sender=bot_id, since=mark
    )
    assert (
        "föredrar förslaget till gemensam regional inriktning 1 från Regional "
        "samverkanskonferens" in (presented.body or "")
    ), presented.describe()
    assert "!inriktning fastställ 1" in (presented.body or "")  # no buttons in Matrix: the hint
    mark = olle.mark(conference)
    adopted = said(tina, strategic, bot_id, "!inriktning fastställ 1", "är fastställd av inr-tina")
    assert "Den gäller för Regional samverkanskonferens" in (adopted.body or "")

    # In the conference's room: the adoption, and under it the card of who has confirmed.
    post = olle.wait_for_message(
        conference, containing("är fastställd av inr-tina"), sender=bot_id, since=mark
    )
    assert "Gemensam regional inriktning 1 – fastställd, version 1" in (post.body or "")
    assert "!inriktning kvittera 1" in (post.body or "")
    card = olle.wait_for_message(
        conference, containing("Inriktning 1 – kvittenser"), sender=bot_id, since=mark
    )
    body = lines(card)
    assert "Kvitterat: 0 av 2" in body, card.body
    assert "Väntar på 2: Polisen Region Stockholm; Trafikverket" in body
    # No buttons in Matrix: the hint, which offers the reaction that confirms.
    assert "→ Kvittera med 👍 på det här meddelandet eller med !inriktning kvittera 1." in body
    assert card.msgtype == "m.notice"

    # Olle confirms with 👍 on the card: answered quietly in reply to it, the card edited.
    mark = olle.mark(conference)
    olle.react(conference, card.event_id, "👍")
    answer = olle.wait_for_message(conference, sender=bot_id, since=mark, replying_to=card.event_id)
    assert answer.msgtype == "m.notice", answer.describe()
    assert "inr-olle reagerade med 👍" in (answer.body or "")
    assert (
        "Polisen Region Stockholm har kvitterat att den tagit del av inriktning 1 (inr-olle, "
        in (answer.body or "")
    ), answer.describe()
    assert "1 av 2 organisationer har kvitterat." in (answer.body or "")
    first = edit_of(olle, conference, bot_id, card, mark, "Kvitterat: 1 av 2")
    new = first.new_content or {}
    assert "Kvitterat: 1 av 2 – Polisen Region Stockholm" in new["body"], new
    assert "Väntar på 1: Trafikverket" in new["body"]
    assert new["msgtype"] == "m.notice"
    assert (first.body or "").startswith("* ")
    assert first.content["m.mentions"] == {}  # an edit notifies nobody

    # Tove confirms with the command: the card now shows both, and nothing left to wait for.
    mark = olle.mark(conference)
    confirmed = said(tove, conference, bot_id, "!inriktning kvittera", "Trafikverket har kvitterat")
    assert "Alla 2 organisationer har nu kvitterat inriktningen." in (confirmed.body or "")
    last = edit_of(olle, conference, bot_id, card, mark, "Kvitterat: 2 av 2")
    new_body = (last.new_content or {})["body"]
    assert "Kvitterat: 2 av 2 – Polisen Region Stockholm " in new_body, new_body
    assert "; Trafikverket " in new_body
    assert "Alla 2 organisationer har kvitterat." in new_body
    assert "Väntar på" not in new_body
    olle.wait_until(
        lambda: bundled_edit(olle, conference, card.event_id) == last.event_id,
        what="the card shown with its last edit",
    )
    cards = [
        seen
        for seen in olle.messages(conference, bot_id, since=card.index)
        if "Inriktning 1 – kvittenser" in (seen.body or "") and seen.replaces is None
    ]
    assert cards == [card]  # kept current in place: never posted anew
    again = said(olle, conference, bot_id, "!inriktning kvittera", "redan")
    assert "Polisen Region Stockholm kvitterade inriktning 1 redan" in (again.body or "")

    # The direction as a file, to send on in one's own organisation.
    answer = said(olle, conference, bot_id, "!inriktning fil json", "som JSON-fil")
    attached = olle.wait_for_message(
        conference, sender=bot_id, msgtype="m.file", after_event_id=answer.event_id
    )
    assert attached.filename == "inriktning-1.json", attached.describe()
    content = olle.download(attached)
    assert attached.file_info.get("size") == len(content)
    data = json.loads(content)
    record = data["direction"]
    assert (record["number"], record["state"], record["version"]) == (1, "adopted", 1)
    assert record["forum"] == "Regional samverkanskonferens"
    assert record["fields"]["target"] == "Samhällsviktig verksamhet fungerar under snöovädret"
    assert record["fields"]["priorities"] == (
        "1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon"
    )
    assert not record["fields"].get("constraints")
    assert record["valid_until_text"] == "i morgon kl 18"
    assert (
        datetime.fromisoformat(record["valid_until"])
        .astimezone(STOCKHOLM)
        .strftime("%Y-%m-%d %H:%M")
        == until
    )
    assert record["adopted"]["who"] == "inr-tina"
    assert record["adopted"]["forum"] == "Regionalt inriktande forum"
    assert [(c["organisation"], c["who"]) for c in record["confirmations"]] == [
        ("Polisen Region Stockholm", "inr-olle"),
        ("Trafikverket", "inr-tove"),
    ]
    assert record["not_confirmed"] == []
    assert data["labels"]["fields"]["target"] == "Målbild"

    # The activation's record: its charts shown in the room as images, with their words.
    answer = said(olle, conference, bot_id, "!efterhand", "Efterhand: aktivering")
    image = olle.wait_for_message(
        conference, sender=bot_id, msgtype="m.image", after_event_id=answer.event_id
    )
    assert (image.filename or "").endswith("-acks.png"), image.describe()
    assert "andelen inkallade organisationer som kvitterat" in (image.body or "")
    # Olle and Tove confirmed the direction, not the call-out: none has acknowledged.
    assert "0 % efter 0 min" in (image.body or "")
    picture = olle.download(image)
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.file_info.get("size") == len(picture)
    assert (image.file_info.get("w"), image.file_info.get("h")) == (840, 384)
    assert image.file_info.get("mimetype") == "image/png"

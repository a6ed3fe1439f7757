"""Deputy escalation, with the clock moved: an organisation whose ordinarie has not
acknowledged within ``ACTIVATION_RECALL_MINUTES`` is called again with its ersättare
mentioned, in every channel of the forum; as long again later the coordinators are told who
is still missing. Those called in later are followed up from their own call; the released
and those that answered are not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Mention
from commands.core.messages import Post
from commands.core.outbox import Delivery
from storage import Database
from tests.support.chat import Chat, Said


@pytest.fixture
def quiet(database: Database, clock: FixedClock) -> Chat:
    """The conference bound to ``stab`` and ``ledning``, without its own meeting posts (its
    start at 16:00 falls within these tests), lisa its coordinator."""
    config = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))
    chat = Chat(database, clock, config)
    for channel in ("stab", "ledning"):
        _ok(chat, "!forum koppla samverkanskonferens", channel=channel)
    _ok(chat, "!roll @lisa koordinator")
    return chat


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


def _tick(chat: Chat) -> list[Post]:
    """What falls due now, recorded as sent (as a door would)."""
    posts = chat.tick()
    for post in posts:
        if post.outbox_id is not None:
            chat.record_delivery(Delivery(post.outbox_id, message_id=f"m{post.outbox_id}"))
    return posts


def _mentioned(post: Post) -> set[str]:
    return {
        part.user_id
        for block in post.document.blocks
        for row in getattr(block, "items", None) or [getattr(block, "parts", ())]
        for part in row
        if isinstance(part, Mention)
    }


def _representatives(chat: Chat) -> None:
    """Polisen: anna ordinarie, dan ersättare; SOS Alarm: bo ordinarie only; Trafikverket:
    eve ersättare only."""
    _ok(chat, "!företrädare @anna Polisen")
    _ok(chat, "!företrädare @dan Polisen ersättare")
    _ok(chat, "!företrädare @bo SOS Alarm")
    _ok(chat, "!företrädare @eve Trafikverket ersättare")


def test_the_ersattare_are_called_when_the_ordinarie_has_not_acknowledged(quiet: Chat) -> None:
    _representatives(quiet)
    first = _ok(quiet, "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm, Trafikverket")
    assert first.reply is not None
    assert "@dan" not in first.text  # the ersättare waits while there is an ordinarie
    quiet.advance(minutes=9, seconds=59)
    assert _tick(quiet) == []
    quiet.advance(seconds=1)
    posts = _tick(quiet)
    assert sorted(post.channel_id for post in posts) == ["ledning", "stab"]
    text = render_text(posts[0].document)
    assert "Påminnelse: inkallning till Regional samverkanskonferens" in text
    assert "3 organisationer har inte kvitterat" in text
    assert "Polisen Region Stockholm: @anna – ersättare: @dan" in text
    assert "SOS Alarm: @bo" in text
    assert "Trafikverket: @eve (ersättare)" in text
    assert "ersättarna kallas nu in" in text
    assert _mentioned(posts[0]) == {"anna", "dan", "bo", "eve"}

    # The ersättare acknowledges for Polisen: one acknowledgement per organisation.
    said = _ok(quiet, "!kvittera", person="dan")
    assert "Kvittens från Polisen Region Stockholm (dan) 15:10" in said.text
    assert "1 av 3 inkallade organisationer har kvitterat." in said.text
    quiet.advance(minutes=10)
    [told] = _tick(quiet)
    assert told.channel_id == "stab"  # where the call-out came from
    text = render_text(told.document)
    assert "2 organisationer har fortfarande inte kvitterat inkallningen." in text
    assert "SOS Alarm; Trafikverket" in text
    assert "För koordinatorerna: @lisa" in text
    quiet.advance(hours=2)
    assert _tick(quiet) == []  # nothing more


def test_the_recall_waits_as_long_as_configured(database: Database, clock: FixedClock) -> None:
    config = replace(
        CoreConfig(), meeting_reminder_offsets=(None, None, None, None), activation_recall_minutes=3
    )
    chat = Chat(database, clock, config)
    _ok(chat, "!forum koppla samverkanskonferens")
    _representatives(chat)
    _ok(chat, "!aktivera Storm kalla: Polisen")
    chat.advance(minutes=2)
    assert _tick(chat) == []
    chat.advance(minutes=1)
    [recall] = _tick(chat)
    assert "@dan" in render_text(recall.document)


def test_the_answered_and_the_released_are_not_called_again(quiet: Chat) -> None:
    _representatives(quiet)
    _ok(quiet, "!aktivera Storm kalla: Polisen, SOS Alarm, Trafikverket")
    quiet.advance(minutes=2)
    _ok(quiet, "!kvittera", person="bo")
    _ok(quiet, "!släpp Trafikverket")
    quiet.advance(minutes=8)
    [recall, _other] = _tick(quiet)
    text = render_text(recall.document)
    assert "1 organisation har inte kvitterat" in text
    assert "Polisen Region Stockholm: @anna – ersättare: @dan" in text
    assert "SOS" not in text
    assert "Trafikverket" not in text
    quiet.advance(minutes=10)
    [told] = _tick(quiet)
    assert "1 organisation har fortfarande inte kvitterat" in render_text(told.document)
    assert "Trafikverket" not in render_text(told.document)


def test_those_called_in_later_are_followed_up_from_their_own_call(quiet: Chat) -> None:
    _representatives(quiet)
    _ok(quiet, "!aktivera Storm kalla: Polisen")
    quiet.advance(minutes=6)
    _ok(quiet, "!kalla in Trafikverket, SOS")
    quiet.advance(minutes=4)  # 15:10: the first call's recall, about Polisen alone
    posts = _tick(quiet)
    assert len(posts) == 2
    text = render_text(posts[0].document)
    assert "Inkallning torsdag 2026-11-26 15:00: Storm. 1 organisation har inte kvitterat" in text
    assert "Polisen" in text
    assert "Trafikverket" not in text
    assert "SOS" not in text
    _ok(quiet, "!kvittera", person="bo")
    quiet.advance(minutes=6)  # 15:16: those called in at 15:06
    posts = _tick(quiet)
    assert len(posts) == 2
    text = render_text(posts[0].document)
    assert "Inkallning torsdag 2026-11-26 15:06: Storm. 1 organisation har inte kvitterat" in text
    assert "Trafikverket: @eve (ersättare)" in text
    assert "Polisen" not in text
    assert "SOS" not in text
    quiet.advance(minutes=4)  # 15:20: the coordinators about the first call
    [told] = _tick(quiet)
    assert "Polisen Region Stockholm" in render_text(told.document)
    assert "Trafikverket" not in render_text(told.document)
    quiet.advance(minutes=6)  # 15:26: about those called in
    [told] = _tick(quiet)
    text = render_text(told.document)
    assert "1 organisation har fortfarande inte kvitterat" in text
    assert "Trafikverket" in text
    assert "Polisen" not in text


def test_a_released_organisation_called_in_again_is_followed_up_again(quiet: Chat) -> None:
    _representatives(quiet)
    _ok(quiet, "!aktivera Storm kalla: Polisen, SOS Alarm")
    _ok(quiet, "!kvittera", person="anna")
    _ok(quiet, "!släpp SOS")
    quiet.advance(minutes=10)
    assert _tick(quiet) == []  # Polisen answered, SOS released: nobody to call
    _ok(quiet, "!kalla in SOS Alarm")
    quiet.advance(minutes=10)
    [recall, _other] = _tick(quiet)
    assert "SOS Alarm: @bo" in render_text(recall.document)


def test_organisations_nobody_represents_here_are_named_to_the_coordinators(
    quiet: Chat,
) -> None:
    _ok(quiet, "!företrädare @anna Polisen")
    _ok(quiet, "!aktivera Storm")  # every member: 37, one of them reachable here
    quiet.advance(minutes=10)
    [recall, _other] = _tick(quiet)
    text = render_text(recall.document)
    assert "1 organisation har inte kvitterat" in text
    assert _mentioned(recall) == {"anna"}
    quiet.advance(minutes=10)
    [told] = _tick(quiet)
    text = render_text(told.document)
    assert "37 organisationer har fortfarande inte kvitterat" in text
    assert "Botkyrka kommun; Brandkåren Attunda;" in text


def test_no_recall_when_nobody_can_be_reached_in_the_chat(quiet: Chat) -> None:
    _ok(quiet, "!aktivera Storm kalla: Trafikverket")
    quiet.advance(minutes=10)
    assert _tick(quiet) == []
    quiet.advance(minutes=10)
    [told] = _tick(quiet)
    assert "Trafikverket" in render_text(told.document)


def test_nothing_follows_a_stood_down_call_out(quiet: Chat) -> None:
    _representatives(quiet)
    _ok(quiet, "!aktivera Storm kalla: Polisen")
    _ok(quiet, "!kalla in Trafikverket")
    _ok(quiet, "!avaktivera")
    quiet.advance(hours=1)
    assert _tick(quiet) == []


def test_the_recall_in_english(quiet: Chat) -> None:
    _ok(quiet, "!forum språk en")
    _representatives(quiet)
    _ok(quiet, "!activate Storm call: Polisen, Trafikverket")
    quiet.advance(minutes=10)
    [recall, _other] = _tick(quiet)
    text = render_text(recall.document)
    assert "Reminder: call-out to Regional samverkanskonferens" in text
    assert "Polisen Region Stockholm: @anna – deputies: @dan" in text
    assert "Trafikverket: @eve (deputy)" in text
    assert "so the deputies are called in now" in text

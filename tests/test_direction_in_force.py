"""An adopted direction in force: each organisation confirms it (``!inriktning kvittera``, a
button, a 👍 on its card), the card kept current wherever it went, the bot's follow-ups with
the clock moved (those who have not confirmed, then the coordinators; the expiry), and the
direction as a file (``!inriktning fil``)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from bot.files import file_of
from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Actions, Document, Mention
from commands.core.messages import Post, Reply
from storage import AuditContext, Database
from storage.models import DirectionConfirmation, Forum
from tests.support.attachments import through_outbox
from tests.support.chat import Chat, Said
from tests.support.reactions import react, sent_tagged
from tests.support.time_travel import Sent, travel

TAG = "direction:1"


@pytest.fixture
def chat(database: Database, clock: FixedClock) -> Chat:
    """The conference bound to ``stab`` and ``ledning``, Regionalt inriktande forum to
    ``inriktande``, without the conference's own meeting posts (16:00 falls within these
    tests); anna speaks for Polisen, bo for Trafikverket, cia for SOS Alarm, dan for Region
    Stockholm; lisa coordinates the conference."""
    config = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))
    chat = Chat(database, clock, config)
    for channel in ("stab", "ledning"):
        _ok(chat, "!forum koppla samverkanskonferens", channel=channel)
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktande")
    for person, organisation in (
        ("anna", "Polisen"),
        ("bo", "Trafikverket"),
        ("cia", "SOS Alarm"),
        ("dan", "Region Stockholm"),
    ):
        _ok(chat, f"!aktör {organisation}", person=person)
    _ok(chat, "!roll @lisa koordinator")
    return chat


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


def _refused(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert not said.ok, (line, said.text)
    return said


def _adopted(chat: Chat, text: str = "Målbild: Framkomlighet på E4") -> Said:
    """A direction for the conference drafted in ``stab``, presented to Regionalt inriktande
    forum and adopted there (``commands/direction.py``): the answer to the adoption."""
    drafted = _ok(chat, f"!inriktning förslag {text}")
    found = re.search(r"(?:inriktning|direction) (\d+) (?:sparat|saved)", drafted.text)
    assert found is not None, drafted.text
    number = found.group(1)
    _ok(chat, f"!inriktning föredra {number}")
    return _ok(chat, f"!inriktning fastställ {number}", channel="inriktande")


def _called_out(chat: Chat) -> None:
    """The conference activated with three organisations called in, all acknowledged (the
    call-out's own follow-ups say nothing)."""
    _ok(chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket, SOS Alarm")
    for person in ("anna", "bo", "cia"):
        _ok(chat, "!kvittera", person=person)


def _edits(said: Said, tag: str = TAG) -> dict[str, str]:
    return {p.channel_id: render_text(p.document) for p in said.posts if p.replaces == tag}


def _buttons(document: Document) -> list[str]:
    return [
        button.command
        for block in document.blocks
        if isinstance(block, Actions)
        for button in block.buttons
    ]


def _confirmations(database: Database) -> list[DirectionConfirmation]:
    with Session(database.engine) as session:
        return list(session.exec(select(DirectionConfirmation)))


def _mentioned(post: Post) -> set[str]:
    return {
        part.user_id
        for block in post.document.blocks
        for row in getattr(block, "items", None) or [getattr(block, "parts", ())]
        for part in row
        if isinstance(part, Mention)
    }


# -- confirming ---------------------------------------------------------------------------------


def test_the_card_goes_to_every_governed_channel_with_its_button(chat: Chat) -> None:
    _called_out(chat)
    adopted = _adopted(chat)
    cards = {p.channel_id: p for p in adopted.posts if p.tag == TAG}
    assert sorted(cards) == ["ledning", "stab"]
    text = render_text(cards["stab"].document)
    assert "Inriktning 1 – kvittenser" in text
    assert "Kvitterat: 0 av 3" in text
    assert "Väntar på 3: Polisen Region Stockholm; SOS Alarm; Trafikverket" in text
    assert _buttons(cards["stab"].document) == ["inriktning kvittera 1"]


def test_each_called_in_organisation_confirms_once_and_the_card_follows(
    chat: Chat, database: Database
) -> None:
    _called_out(chat)
    _adopted(chat)
    chat.advance(minutes=5)
    first = _ok(chat, "!inriktning kvittera", person="anna")
    assert (
        "Polisen Region Stockholm har kvitterat att den tagit del av inriktning 1 (anna, 15:05)."
        in first.text
    )
    assert "1 av 3 organisationer har kvitterat." in first.text
    cards = _edits(first)
    assert sorted(cards) == ["ledning", "stab"]
    assert "Kvitterat: 1 av 3 – Polisen Region Stockholm 15:05" in cards["stab"]
    assert "Väntar på 2: SOS Alarm; Trafikverket" in cards["stab"]

    again = _ok(chat, "!inriktning kvittera 1", person="anna", channel="ledning")
    assert "Polisen Region Stockholm kvitterade inriktning 1 redan 15:05 (anna)" in again.text
    assert again.posts == []
    assert len(_confirmations(database)) == 1

    # Region Stockholm is a member of the conference, but not called in: not asked to confirm.
    outsider = _refused(chat, "!inriktning kvittera", person="dan")
    assert "Region Stockholm är inte bland de organisationer som kvitterar inriktning 1" in (
        outsider.text
    )
    assert "de inkallade organisationerna i Regional samverkanskonferens" in outsider.text
    assert "!forum medlemmar" in outsider.text  # the hint
    assert len(_confirmations(database)) == 1

    _ok(chat, "!inriktning kvittera", person="bo")
    chat.advance(minutes=1)
    last = _ok(chat, "!inriktning kvittera", person="cia", channel="inriktande")
    assert "Alla 3 organisationer har nu kvitterat inriktningen." in last.text
    card = _edits(last)["stab"]
    assert (
        "Kvitterat: 3 av 3 – Polisen Region Stockholm 15:05; Trafikverket 15:05; SOS Alarm 15:06"
        in card
    )
    assert "Alla 3 organisationer har kvitterat." in card
    [edit] = [p for p in last.posts if p.channel_id == "stab"]
    assert _buttons(edit.document) == []  # nothing left to confirm


def test_without_an_activation_the_members_confirm(chat: Chat, database: Database) -> None:
    adopted = _adopted(chat)
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == "samverkanskonferens")).one()
    members = _members(chat, forum)
    [card] = [
        render_text(p.document) for p in adopted.posts if p.tag == TAG and p.channel_id == "stab"
    ]
    assert f"Kvitterat: 0 av {members}" in card
    said = _ok(chat, "!inriktning kvittera", person="dan")
    assert f"1 av {members} organisationer har kvitterat." in said.text


def _members(chat: Chat, forum: Forum) -> int:
    context = AuditContext("test", "stab", "t", "t", chat.clock.now())
    with chat.database.reading(context) as store:
        return len(store.forums.roster(forum))


def test_a_thematic_group_under_the_forum_confirms_there_too(chat: Chat) -> None:
    _ok(chat, "!forum skapa Analysgrupp snö tematisk under Regional samverkanskonferens")
    _ok(chat, "!forum koppla Analysgrupp snö", channel="grupp")
    _called_out(chat)
    adopted = _adopted(chat)
    assert sorted(p.channel_id for p in adopted.posts if p.tag == TAG) == [
        "grupp",
        "ledning",
        "stab",
    ]
    said = _ok(chat, "!inriktning kvittera", person="bo", channel="grupp")
    assert sorted(_edits(said)) == ["grupp", "ledning", "stab"]


def test_refusals_change_nothing_and_their_hints_work(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla chefsgrupp", channel="chefer")
    nothing = _refused(chat, "!inriktning kvittera", person="anna")
    assert "Ingen fastställd inriktning gäller för Regional samverkanskonferens" in nothing.text
    assert "!inriktning kvittera." in nothing.text
    unknown = _refused(chat, "!inriktning kvittera 7", person="anna")
    assert "Det finns ingen inriktning 7." in unknown.text
    word = _refused(chat, "!inriktning kvittera sju", person="anna")
    assert "”sju” är inget nummer på en inriktning" in word.text

    _called_out(chat)
    _adopted(chat)
    elsewhere = _refused(chat, "!inriktning kvittera 1", person="anna", channel="chefer")
    assert "Inriktning 1 gäller inte Regional chefsgrupp" in elsewhere.text
    assert "Regional samverkanskonferens; Regionalt inriktande forum" in elsewhere.text
    # Whoever speaks for no organisation is asked to say which.
    nobody = _refused(chat, "!inriktning kvittera", person="eva")
    assert "!aktör" in nobody.text
    assert _confirmations(database) == []
    # The hints' examples work, as written: none names a number that may not be there.
    assert "Den inriktning som gäller här kvitteras med !inriktning kvittera." in unknown.text
    assert "!inriktning kvittera 1" not in unknown.text + word.text
    assert "Vilken inriktning som gäller här visar !inriktning." in elsewhere.text
    _ok(chat, "!inriktning", channel="chefer")
    assert _ok(chat, "!inriktning kvittera", person="anna").ok


def test_a_superseded_direction_is_no_longer_confirmed(chat: Chat, database: Database) -> None:
    _called_out(chat)
    _adopted(chat)
    chat.advance(minutes=1)
    _adopted(chat)
    said = _refused(chat, "!inriktning kvittera 1", person="anna")
    assert "Inriktning 1 är ersatt av inriktning 2 sedan 2026-11-26 15:01" in said.text
    current = _ok(chat, "!inriktning kvittera", person="anna")
    assert "inriktning 2" in current.text
    assert [c.direction_id for c in _confirmations(database)] == [2]


def test_a_thumbs_up_on_the_card_confirms_that_direction(chat: Chat, database: Database) -> None:
    _called_out(chat)
    _adopted(chat)
    sent_tagged(database, TAG, "$card")
    reply = _react(chat, "👍", person="bo", message="$card")
    assert reply is not None
    assert reply.ok
    assert "Trafikverket har kvitterat att den tagit del av inriktning 1" in render_text(
        reply.document
    )
    assert [c.organisation_id for c in _confirmations(database)] != []
    # A reaction to the card of a direction since superseded confirms nothing.
    chat.advance(minutes=1)
    _adopted(chat)
    late = _react(chat, "✅", person="cia", message="$card", event="$r2")
    assert late is not None
    assert not late.ok
    assert "ersatt av inriktning 2" in render_text(late.document)
    assert len(_confirmations(database)) == 1


def _react(chat: Chat, key: str, *, person: str, message: str, event: str = "$r1") -> Reply | None:
    return react(chat, key, person=person, message=message, event=event)


def test_the_button_on_the_card_works_when_typed(chat: Chat) -> None:
    _called_out(chat)
    adopted = _adopted(chat)
    [post] = [p for p in adopted.posts if p.tag == TAG and p.channel_id == "stab"]
    [line] = _buttons(post.document)
    assert _ok(chat, "!" + line, person="cia").ok
    # Where there are no buttons the card says what to type.
    assert "Kvittera med !inriktning kvittera 1." in render_text(post.document)


# -- the follow-ups -----------------------------------------------------------------------------


def _direction_posts(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if "nriktning" in s.text]


def test_those_missing_are_reminded_then_the_coordinators_told(chat: Chat) -> None:
    _ok(chat, "!företrädare @anna Polisen")
    _ok(chat, "!företrädare @eve Storstockholms brandförsvar ersättare")
    _ok(chat, "!företrädare @cia SOS Alarm")
    _ok(chat, "!företrädare @sven SOS Alarm ersättare")
    _ok(
        chat,
        "!aktivera Storm Dagmar kalla: Polisen, Trafikverket, SOS Alarm, "
        "Storstockholms brandförsvar, Stockholms hamnar",
    )
    _adopted(chat)
    chat.advance(minutes=5)
    _ok(chat, "!inriktning kvittera", person="anna")
    reminders = _direction_posts(travel(chat, "2026-11-26 15:10"))
    assert sorted(s.post.channel_id for s in reminders) == ["ledning", "stab"]
    [stab] = [s for s in reminders if s.post.channel_id == "stab"]
    assert stab.when == "2026-11-26 15:10"
    assert stab.first_line == "Påminnelse: kvittera inriktning 1"
    assert "4 organisationer har inte kvitterat" in stab.text
    assert "SOS Alarm: @cia – ersättare: @sven" in stab.text
    assert "Storstockholms brandförsvar: @eve (ersättare)" in stab.text
    assert "Stockholms hamnar: (ingen företrädare i chatten)" in stab.text
    assert "Trafikverket: @bo" in stab.text
    assert _mentioned(stab.post) == {"bo", "cia", "sven", "eve"}  # not Polisen's anna
    assert _buttons(stab.post.document) == ["inriktning kvittera 1"]

    _ok(chat, "!inriktning kvittera", person="bo")
    told = _direction_posts(travel(chat, "2026-11-26 15:20"))
    assert sorted(s.post.channel_id for s in told) == ["ledning", "stab"]
    text = told[0].text
    assert "Inriktning 1: 3 organisationer har fortfarande inte kvitterat." in text
    assert "SOS Alarm; Stockholms hamnar; Storstockholms brandförsvar" in text
    assert "Trafikverket" not in text
    assert "För koordinatorerna: @lisa" in text
    assert "lisa" in _mentioned(told[0].post)


def test_nothing_follows_once_everyone_has_confirmed(chat: Chat) -> None:
    _called_out(chat)
    _adopted(chat)
    for person in ("anna", "bo", "cia"):
        _ok(chat, "!inriktning kvittera", person=person)
    assert _direction_posts(travel(chat, "2026-11-26 16:00")) == []


def test_nothing_follows_a_superseded_direction(chat: Chat) -> None:
    _called_out(chat)
    _adopted(chat)
    chat.advance(minutes=9)
    _adopted(chat)  # number 2, its own follow-ups from 15:09
    sent = _direction_posts(travel(chat, "2026-11-26 15:18"))
    assert sent == []  # 1's reminder at 15:10 is silent
    sent = _direction_posts(travel(chat, "2026-11-26 15:19"))
    assert {s.first_line for s in sent} == {"Påminnelse: kvittera inriktning 2"}


def test_the_expiry_is_announced_before_and_when_it_comes(chat: Chat) -> None:
    _called_out(chat)
    _adopted(chat, "Målbild: Framkomlighet\nGäller till: 2026-11-26 20:00")
    for person in ("anna", "bo", "cia"):
        _ok(chat, "!inriktning kvittera", person=person)
    sent = _direction_posts(travel(chat, "2026-11-26 21:00"))
    assert sorted((s.when, s.post.channel_id) for s in sent) == [
        ("2026-11-26 18:00", "ledning"),
        ("2026-11-26 18:00", "stab"),
        ("2026-11-26 20:00", "ledning"),
        ("2026-11-26 20:00", "stab"),
    ]
    soon = sent[0].text
    assert (
        "Inriktning 1 för Regional samverkanskonferens gäller till 2026-11-26 20:00, om 2 h" in soon
    )
    over = sent[-1].text
    assert "Inriktning 1 för Regional samverkanskonferens gäller inte längre" in over
    assert "giltighetstiden gick ut 2026-11-26 20:00" in over
    assert "!inriktning fil 1" in over
    # As the notice says: the file is still there, and the direction no longer confirmed.
    assert _ok(chat, "!inriktning fil 1").reply is not None
    expired = _refused(chat, "!inriktning kvittera 1", person="dan")
    assert "gäller inte längre (giltighetstiden gick ut 2026-11-26 20:00)" in expired.text


def test_the_expiry_says_nothing_once_superseded(chat: Chat) -> None:
    _called_out(chat)
    _adopted(chat, "Målbild: Framkomlighet\nGäller till: 2026-11-26 20:00")
    chat.advance(minutes=1)
    _adopted(chat)  # until further notice
    for person in ("anna", "bo", "cia"):
        _ok(chat, "!inriktning kvittera", person=person)
    assert _direction_posts(travel(chat, "2026-11-26 21:00")) == []


# -- the file -----------------------------------------------------------------------------------

HOSTILE_TARGET = "<script>alert(1)</script> *fet* | a | b |"
HOSTILE = (
    f"Målbild: {HOSTILE_TARGET}\n"
    "Prioriteringar: 1. Liv\n2. [x](javascript:alert(1))\n"
    "Kommunikation och gemensamma budskap: # Rubrik\n> citat"
)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_file_in_each_format_escapes_everything(chat: Chat, fmt: str) -> None:
    _called_out(chat)
    _adopted(chat, HOSTILE)
    _ok(chat, "!inriktning kvittera", person="anna")
    line = "!inriktning fil" if fmt == "md" else f"!inriktning fil {fmt}"
    said = _ok(chat, line, person="bo")
    assert said.reply is not None
    [attachment] = said.reply.attachments
    written = file_of(attachment)
    assert written.filename == f"inriktning-1.{fmt}"
    text = written.content.decode("utf-8")
    if fmt == "md":
        assert "Inriktning 1, version 1, som Markdown-fil. Status: fastställd." in said.text
        assert "!inriktning fil 1 html" in said.text
        assert "!inriktning fil 1 json" in said.text
        assert "\\<script>alert(1)\\</script>" in text
        assert re.search(r"(?<!\\)<", text) is None  # every < escaped: no HTML
        assert "\\*fet\\*" in text
        assert "\\| a \\| b \\|" in text
        assert "\\[x\\](javascript:alert(1))" in text
        assert "\n\\# Rubrik" in text
        assert "\n\\> citat" in text
    elif fmt == "html":
        assert "&lt;script&gt;" in text
        assert "<script>" not in text
        assert 'href="javascript' not in text
    else:
        data = json.loads(text)
        assert data["direction"]["fields"]["target"] == HOSTILE_TARGET
        assert data["labels"]["fields"]["target"] == "Målbild"
        assert data["direction"]["confirmations"][0]["organisation"] == ("Polisen Region Stockholm")
        assert data["direction"]["not_confirmed"] == ["SOS Alarm", "Trafikverket"]


def test_the_file_holds_everything_people_send_on(chat: Chat) -> None:
    _called_out(chat)
    _adopted(chat, "Målbild: Framkomlighet\nGäller till: 2026-11-27 12:00")
    chat.advance(minutes=3)
    _ok(chat, "!inriktning kvittera", person="bo")
    said = _ok(chat, "!inriktning fil 1 md", channel="ledning")
    assert said.reply is not None
    text = file_of(said.reply.attachments[0]).content.decode("utf-8")
    assert "# Gemensam regional inriktning 1" in text
    assert "- **Status:** fastställd" in text
    assert "- **Gäller till:** 2026-11-27 12:00" in text
    assert "- **Fastställd:** operator i Regionalt inriktande forum, 2026-11-26 15:00" in text
    assert "- **Föredragen:** operator för Regionalt inriktande forum, 2026-11-26 15:00" in text
    assert "### Målbild\n\nFramkomlighet" in text
    assert "- Version 1: operator i Regional samverkanskonferens, 2026-11-26 15:00" in text
    assert "## Kvittenser (1 av 3)" in text
    assert "- Trafikverket: bo, 2026-11-26 15:03" in text
    assert "## Har inte kvitterat (2)" in text
    assert "Inga gemensamma budskap är fastställda." in text


def test_the_file_refusals(chat: Chat) -> None:
    none = _refused(chat, "!inriktning fil")
    assert "Ingen fastställd inriktning gäller för Regional samverkanskonferens" in none.text
    # The hint names no number that may not exist: it says where the numbers are.
    assert "Forumets inriktningar och deras nummer visar !inriktning." in none.text
    assert _ok(chat, "!inriktning").reply is not None
    bad = _refused(chat, "!inriktning fil pdf")
    assert "”pdf” är varken ett nummer på en inriktning eller ett format" in bad.text
    assert "Skriv formatet efter: !inriktning fil html, eller numret" in bad.text
    _adopted(chat)
    assert _ok(chat, "!inriktning fil html").reply is not None  # the hint's example
    assert _ok(chat, "!inriktning fil 1 html").reply is not None
    assert _ok(chat, "!inriktning fil html 1").reply is not None
    _ok(chat, "!forum koppla chefsgrupp", channel="chefer")
    elsewhere = _refused(chat, "!inriktning fil 1", channel="chefer")
    assert "Inriktning 1 gäller inte Regional chefsgrupp" in elsewhere.text


def test_the_attached_file_waits_in_the_outbox_and_comes_back_the_same(chat: Chat) -> None:
    _adopted(chat, HOSTILE)
    said = _ok(chat, "!inriktning fil json")
    assert said.reply is not None
    [attachment] = said.reply.attachments
    [back] = through_outbox(chat, [attachment])
    assert file_of(back).content == file_of(attachment).content


def test_english(chat: Chat) -> None:
    _ok(chat, "!forum språk en")
    _ok(chat, "!forum språk en", channel="ledning")
    _called_out(chat)
    adopted = _adopted(chat)
    [card] = [
        render_text(p.document) for p in adopted.posts if p.tag == TAG and p.channel_id == "stab"
    ]
    assert "Confirmed: 0 of 3" in card
    assert "Confirm with !direction confirm 1." in card
    said = _ok(chat, "!direction confirm", person="anna")
    assert "Polisen Region Stockholm has confirmed taking note of direction 1" in said.text
    assert "Confirmed: 1 of 3" in _edits(said)["stab"]
    file = _ok(chat, "!direction file json", person="anna")
    assert "as a JSON file" in file.text


def test_each_channel_gets_the_card_in_its_forums_language(chat: Chat) -> None:
    _ok(chat, "!forum skapa Analysgrupp snö tematisk under Regional samverkanskonferens")
    _ok(chat, "!forum koppla Analysgrupp snö", channel="grupp")
    _ok(chat, "!forum språk en", channel="grupp")
    _called_out(chat)
    adopted = _adopted(chat)
    cards = {p.channel_id: render_text(p.document) for p in adopted.posts if p.tag == TAG}
    assert "Confirmed: 0 of 3" in cards["grupp"]
    assert "Kvitterat: 0 av 3" in cards["stab"]
    edited = _edits(_ok(chat, "!inriktning kvittera", person="anna"))
    assert "Confirmed: 1 of 3 – Polisen Region Stockholm 15:00" in edited["grupp"]
    assert "Kvitterat: 1 av 3 – Polisen Region Stockholm 15:00" in edited["stab"]

"""The adopted direction in force and the agreed joint messages in the joint situation picture,
the minutes and their exports (commands/joint_direction/blocks.py).

The direction and the messages are set up directly through the storage API (drafted,
presented to Regionalt inriktande forum and adopted there; proposed, answered and agreed), as
the commands that do it are built beside this; everything else goes through the dispatcher
(``!lägesbild``, ``!lägesbild publicera``, ``!möte start``/``slut``, ``!minnesanteckningar``)
and the command line's ``export``. As in ``test_export.py``, the Markdown is rendered with a
CommonMark renderer and the HTML parsed, so the escaping is checked as a reader's tool sees it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from commands.minutes.data import (
    minutes_attachment_data,
    minutes_attachment_from,
    minutes_data,
    minutes_from_data,
)
from commands.minutes.record import Minutes
from commands.situation.picture import Picture
from storage import Database, Store
from storage.directions import DirectionText
from storage.models import Forum, PublishedPicture
from storage.store import AuditContext
from tests.support.chat import Chat, Said
from tests.test_export import elements, markdown_html, ordered
from tests.test_export import export as export_file

CONFERENCE = "samverkanskonferens"
STRATEGIC = "inriktande-forum"
GROUP = "Analysgrupp snö"

# Hostile text in every place a person writes: a script, emphasis, a table's pipes, a link.
TARGET = "Samhällsviktig verksamhet fungerar <script>alert(1)</script>"
PRIORITIES = "1. Liv och hälsa\n2. *bold* framkomlighet | a | b |"
COMMUNICATION = "Gemensamma budskap om resor [x](javascript:alert(1))"
TEXT = DirectionText(target=TARGET, priorities=PRIORITIES, communication=COMMUNICATION)
MESSAGE = "Undvik onödiga resor [x](javascript:alert(1)) *bold* | a |"
SECOND = "Håll dig uppdaterad via krisinformation.se <script>alert(2)</script>"
PROPOSED = "Ett förslag som ingen har fastställt"
POLICE = "Polisen Region Stockholm"
SOS = "SOS Alarm"


def _ok(chat: Chat, text: str, **kwargs: str) -> Said:
    said = chat.say(text, **kwargs)  # type: ignore[arg-type]
    assert said.ok, (text, said.text)
    return said


def _forum(store: Store, name: str) -> Forum:
    return next(f for f in store.forums.all() if name in (f.slug, f.name))


def _as(chat: Chat, who: str = "eva") -> AuditContext:
    return AuditContext("test", "inriktande", who, who, chat.clock.now())


def adopt(
    chat: Chat,
    *,
    for_forum: str = CONFERENCE,
    text: DirectionText = TEXT,
    valid_for: timedelta | None = timedelta(days=2),
) -> int:
    """A direction for ``for_forum`` drafted (a first version, then ``text`` as its second),
    presented to Regionalt inriktande forum and adopted there now by eva; its number."""
    now = chat.clock.now()
    with chat.database.unit_of_work(_as(chat)) as store:
        forum = _forum(store, for_forum)
        eva = store.ensure_me()
        first = DirectionText(target="Ett tidigare utkast")
        direction = store.directions.draft(forum, forum, eva, first)
        until = now + valid_for if valid_for is not None else None
        store.directions.revise(direction, forum, eva, replace(text, valid_until=until))
        store.directions.present(direction, _forum(store, STRATEGIC), eva)
        store.directions.adopt(direction, eva)
        return direction.number


def agree(
    chat: Chat,
    text: str,
    *,
    forum: str = CONFERENCE,
    ok: tuple[str, ...] = (POLICE,),
    objections: tuple[str, ...] = (SOS,),
) -> int:
    """A joint message proposed in ``forum``, answered ok and with objections, and agreed now
    by eva; its number."""
    with chat.database.unit_of_work(_as(chat)) as store:
        eva = store.ensure_me()
        message = store.joint_messages.propose(_forum(store, forum), eva, text)
        organisations = {o.name: o for o in store.organisations.all()}
        for name in ok:
            store.joint_messages.answer(message, organisations[name], eva, objection=False)
        for name in objections:
            store.joint_messages.answer(
                message, organisations[name], eva, objection=True, reason="Vi vill vänta"
            )
        store.joint_messages.agree(message, eva)
        return message.number


def propose(chat: Chat, text: str, *, forum: str = CONFERENCE) -> None:
    with chat.database.unit_of_work(_as(chat)) as store:
        store.joint_messages.propose(_forum(store, forum), store.ensure_me(), text)


def retire(chat: Chat, number: int, *, forum: str = CONFERENCE) -> None:
    with chat.database.unit_of_work(_as(chat)) as store:
        message = store.joint_messages.by_number(_forum(store, forum), number)
        assert message is not None
        store.joint_messages.retire(message, store.ensure_me())


def published(database: Database) -> list[Picture]:
    with Session(database.engine) as session:
        rows = session.exec(select(PublishedPicture).order_by(col(PublishedPicture.version)))
        return [Picture.from_json(row.content) for row in rows]


@pytest.fixture
def framed(forum_chat: Chat) -> Chat:
    """Thursday 2026-11-26 15:00: Polisen has reported to the conference's round 1 (the meeting
    at 16:00); direction 1 for the conference (version 2, valid until Saturday 15:00) is
    adopted; at 15:05 message 2, at 15:10 message 1 is agreed (Polisen ok, SOS Alarm objecting),
    and message 3 is only proposed."""
    chat = forum_chat
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!läge Läge: Halka på E4\nBehov: Sandning", person="anna")
    assert adopt(chat) == 1
    propose(chat, MESSAGE)  # 1: agreed last
    chat.advance(minutes=5)
    assert agree(chat, SECOND, ok=(POLICE, SOS), objections=()) == 2
    chat.advance(minutes=5)
    with chat.database.unit_of_work(_as(chat)) as store:
        forum = _forum(store, CONFERENCE)
        message = store.joint_messages.by_number(forum, 1)
        assert message is not None
        organisations = {o.name: o for o in store.organisations.all()}
        eva = store.ensure_me()
        store.joint_messages.answer(message, organisations[POLICE], eva, objection=False)
        store.joint_messages.answer(message, organisations[SOS], eva, objection=True)
        store.joint_messages.agree(message, eva)
    propose(chat, PROPOSED)
    return chat


DIRECTION_LINE = (
    "fastställd av eva i Regionalt inriktande forum 2026-11-26 15:00, "
    "gäller till 2026-11-28 15:00 · version 2"
)
FIRST_LINE = "Budskap 2: " + SECOND
FIRST_META = (
    "(fastställt 2026-11-26 15:05 · ställer sig bakom: Polisen Region Stockholm; SOS Alarm)"
)
SECOND_META = (
    "(fastställt 2026-11-26 15:10 · ställer sig bakom: Polisen Region Stockholm"
    " · invändning från: SOS Alarm)"
)


# -- the picture ---------------------------------------------------------------------------------


def test_the_picture_shows_the_direction_first_and_the_agreed_messages(framed: Chat) -> None:
    text = _ok(framed, "!lägesbild").text
    ordered(
        text,
        "Samlad lägesbild – Regional samverkanskonferens",
        "Sammanställd av: samverkan-bot, på begäran av operator",
        "Gemensam regional inriktning 1:",
        DIRECTION_LINE,
        f"Målbild: {TARGET}",
        "Prioriteringar: 1. Liv och hälsa\n  2. *bold* framkomlighet | a | b |",
        f"Kommunikation och gemensamma budskap: {COMMUNICATION}",
        "Gemensamma budskap (2):",
        f"  • {FIRST_LINE} {FIRST_META}",
        f"  • Budskap 1: {MESSAGE} {SECOND_META}",
        "1 av 37 organisationer har rapporterat.",
        "Polisen Region Stockholm:",
        "Läge: Halka på E4",
    )
    assert "Ett tidigare utkast" not in text  # the adopted version's text, not the first draft's
    assert PROPOSED not in text  # proposed, not agreed
    assert "Gemensam regional inriktning" not in text.split("1 av 37")[1]  # once, at the top


def test_without_a_direction_or_messages_the_picture_is_as_it_was(forum_chat: Chat) -> None:
    _ok(forum_chat, "!läge för Polisen Läge: Lugnt")
    propose(forum_chat, PROPOSED)
    text = _ok(forum_chat, "!lägesbild").text
    assert "inriktning" not in text
    assert "Gemensamma budskap" not in text
    ordered(text, "Sammanställd av", "1 av 37 organisationer har rapporterat.")


def test_an_expired_or_superseded_direction_and_a_retired_message_are_not_shown(
    forum_chat: Chat,
) -> None:
    chat = forum_chat
    _ok(chat, "!läge för Polisen Läge: Lugnt")
    adopt(chat, valid_for=timedelta(minutes=30))  # until 15:30
    agree(chat, MESSAGE)
    assert "Gemensam regional inriktning 1:" in _ok(chat, "!lägesbild").text
    chat.advance(minutes=30)  # 15:30: its Gäller till has passed
    retire(chat, 1)
    text = _ok(chat, "!lägesbild").text
    assert "Gemensam regional inriktning" not in text
    assert "Gemensamma budskap" not in text
    # A newer one adopted supersedes the one before; a draft is not in force.
    adopt(chat, valid_for=None)  # 2
    adopt(chat, valid_for=None)  # 3 supersedes 2
    with chat.database.unit_of_work(_as(chat)) as store:
        forum = _forum(store, CONFERENCE)
        store.directions.draft(forum, forum, store.ensure_me(), DirectionText(target="Utkast"))
    text = _ok(chat, "!lägesbild").text
    assert "Gemensam regional inriktning 3:" in text
    assert "gäller tills vidare · version 2" in text
    assert "inriktning 2" not in text
    assert "Utkast" not in text


def test_publishing_freezes_them_and_a_new_direction_is_news(framed: Chat) -> None:
    chat = framed
    said = _ok(chat, "!lägesbild publicera")
    ordered(said.text, "version 1, publicerad av operator", "Gemensam regional inriktning 1:")
    assert said.post_text("stab") == ""  # the only channel is this one
    [first] = published(chat.database)
    assert first.direction is not None
    assert (first.direction.number, first.direction.version) == (1, 2)
    assert first.direction.fields["target"] == TARGET
    assert [(m.number, m.text) for m in first.joint_messages] == [(2, SECOND), (1, MESSAGE)]
    assert first.joint_messages[1].agreed == (POLICE,)
    assert first.joint_messages[1].objected == (SOS,)

    # Nothing new: refused as before.
    refused = chat.say("!lägesbild publicera")
    assert not refused.ok
    assert "Inget har ändrats sedan version 1" in refused.text

    # A new direction adopted and a message retired: publishing again says so.
    chat.advance(minutes=10)
    adopt(chat)
    retire(chat, 2)
    said = _ok(chat, "!lägesbild publicera")
    ordered(
        said.text,
        "version 2",
        "Gällande inriktning: nu gemensam regional inriktning 2",
        "Gemensamma budskap som upphört: Budskap 2",
        "Gemensam regional inriktning 2:",
    )
    assert "Gemensam regional inriktning 1:" not in said.text
    first, second = published(chat.database)
    assert first.direction is not None
    assert first.direction.number == 1
    assert [m.number for m in first.joint_messages] == [2, 1]
    assert second.direction is not None
    assert second.direction.number == 2
    assert [m.number for m in second.joint_messages] == [1]


def test_a_version_published_before_them_still_reads(framed: Chat) -> None:
    _ok(framed, "!lägesbild publicera")
    [picture] = published(framed.database)
    older = picture.to_json()
    del older["direction"], older["joint_messages"]
    read = Picture.from_json(older)
    assert read.direction is None
    assert read.joint_messages == []
    assert read == replace(picture, direction=None, joint_messages=[])
    assert Picture.from_json(json.loads(json.dumps(picture.to_json()))) == picture


def test_a_closed_rounds_picture_shows_what_was_in_force_when_it_closed(framed: Chat) -> None:
    chat = framed
    chat.advance(minutes=50)  # 16:00
    _ok(chat, "!möte start Samverkanskonferens v. 48")
    chat.advance(minutes=40)
    _ok(chat, "!möte slut")  # 16:40: round 1 closes
    chat.advance(minutes=20)  # 17:00
    assert adopt(chat) == 2  # supersedes 1
    assert agree(chat, "Ett budskap fastställt efter mötet") == 4
    retire(chat, 1)

    closed = _ok(chat, "!lägesbild 1").text
    assert "Gemensam regional inriktning 1:" in closed
    assert "inriktning 2" not in closed
    ordered(closed, "Gemensamma budskap (2):", FIRST_LINE, f"Budskap 1: {MESSAGE}")
    assert "efter mötet" not in closed

    current = _ok(chat, "!lägesbild").text  # next Thursday's round
    assert "Gemensam regional inriktning 2:" in current
    assert "inriktning 1:" not in current
    assert "Gemensamma budskap (2):" in current
    assert "Budskap 4: Ett budskap fastställt efter mötet" in current
    assert MESSAGE not in current

    # The meeting's minutes, compiled again later, say what was in force at its end.
    minutes = _ok(chat, "!minnesanteckningar 1")
    assert "Gemensam regional inriktning 1:" in minutes.text
    assert "efter mötet" not in minutes.full_minutes
    assert f"Budskap 1: {MESSAGE}" in minutes.full_minutes


def test_a_thematic_groups_picture_shows_its_parents_direction_and_messages(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, f"!forum skapa {GROUP} tematisk under Regional samverkanskonferens")
    _ok(chat, f"!forum koppla {GROUP}", channel="grupp")
    _ok(chat, "!aktivera Snöoväder", channel="grupp")
    adopt(chat, valid_for=None)  # for the conference
    adopt(chat, for_forum="samordningsgrupp", text=DirectionText(target="En annan målbild"))
    agree(chat, MESSAGE)  # the conference's
    chat.advance(minutes=5)
    agree(chat, "Gruppens eget budskap", forum=GROUP, ok=(), objections=())
    text = _ok(chat, "!lägesbild", channel="grupp").text
    ordered(
        text,
        f"Samlad lägesbild – {GROUP}",
        "Gemensam regional inriktning 1:",
        f"Målbild: {TARGET}",
        "Gemensamma budskap (2):",
        f"Budskap 1 (Regional samverkanskonferens): {MESSAGE}",  # numbered in its forum
        "Budskap 1: Gruppens eget budskap (fastställt 2026-11-26 15:05)",
    )
    assert "En annan målbild" not in text  # another forum's direction


def test_the_strategic_forums_picture_shows_the_direction_it_adopted(chat: Chat) -> None:
    _ok(chat, "!forum koppla inriktande-forum", channel="if")
    _ok(chat, "!aktivera Snöoväder", channel="if")
    adopt(chat)
    text = _ok(chat, "!lägesbild", channel="if").text
    ordered(
        text, "Samlad lägesbild – Regionalt inriktande forum", "Gemensam regional inriktning 1:"
    )


# -- the minutes --------------------------------------------------------------------------------


def test_the_minutes_show_them_at_the_top_short_and_full(framed: Chat) -> None:
    chat = framed
    chat.advance(minutes=50)  # 16:00
    _ok(chat, "!möte start Samverkanskonferens v. 48")
    chat.advance(minutes=40)
    ended = _ok(chat, "!möte slut")
    short = ended.text
    ordered(
        short,
        "Minnesanteckningar – Regional samverkanskonferens, möte 1",
        "Ordförande: operator",
        "Gemensam regional inriktning 1:",
        DIRECTION_LINE,
        "Gemensamma budskap (2):",
        f"  • {FIRST_LINE} {FIRST_META}",
        f"  • Budskap 1: {MESSAGE} {SECOND_META}",
        "Närvarande (1):",
    )
    assert "Målbild" not in short  # the short minutes leave the fields to the full ones
    full = ended.full_minutes
    ordered(
        full,
        "Ordförande: operator",
        "Gemensam regional inriktning 1:",
        DIRECTION_LINE,
        f"Målbild: {TARGET}",
        "Gemensamma budskap (2):",
        "Närvarande (1):",
        "Samlad lägesbild – Regional samverkanskonferens",
        "1 av 37 organisationer har rapporterat.",
    )
    assert full.count("Gemensam regional inriktning 1") == 1  # not again in the picture
    assert full.count("Gemensamma budskap (2)") == 1
    assert PROPOSED not in full

    # The attached minutes wait in the outbox as JSON and read back the same.
    assert ended.reply is not None
    attached: Minutes = ended.reply.attachments[0].payload
    assert attached.direction is not None
    assert attached.direction.number == 1
    stored = json.loads(json.dumps(minutes_attachment_data(attached)))
    assert minutes_attachment_from(stored) == attached
    # Minutes written before the direction was shown in them read without it.
    older = minutes_data(attached)
    del older["direction"], older["joint_messages"]
    assert minutes_from_data(older, None).direction is None


def test_a_meeting_shows_the_direction_that_expired_while_it_went_on(forum_chat: Chat) -> None:
    chat = forum_chat
    adopt(chat, valid_for=timedelta(hours=1, minutes=20))  # until 16:20
    chat.advance(hours=1)
    _ok(chat, "!möte start Samverkanskonferens v. 48")
    chat.advance(minutes=40)
    ended = _ok(chat, "!möte slut").text
    assert "gäller till 2026-11-26 16:20" in ended
    chat.advance(days=7, minutes=-40)  # the next Thursday's meeting: none in force
    _ok(chat, "!möte start Samverkanskonferens v. 49")
    chat.advance(minutes=10)
    assert "inriktning" not in _ok(chat, "!möte slut").text


# -- the exports --------------------------------------------------------------------------------


def _no_markup_of_theirs(rendered: str) -> None:
    """No script, link or table came of what people wrote (the only ones there could be)."""
    found = elements(rendered)
    assert not {"script", "a", "table"} & found.tags(), found.tags()
    assert "href=" not in rendered  # the print stylesheet's attr(href) is no link


def test_the_picture_exports_show_them_escaped(
    framed: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    forum = ("--forum", CONFERENCE)
    md = export_file(database, capsys, *forum, "--format", "md", now="2026-11-26 15:20").out
    ordered(
        md,
        "**Sammanställd av:** samverkan-bot (export)",
        "## Gemensam regional inriktning 1",
        "*fastställd av eva i Regionalt inriktande forum 2026-11-26 15:00, gäller till "
        "2026-11-28 15:00 · version 2*",
        "**Målbild:**",
        "**Prioriteringar:**",
        "## Gemensamma budskap (2)",
        "- **Budskap 2:**",
        "- **Budskap 1:**",
        "1 av 37 organisationer har rapporterat.",
    )
    shown = markdown_html(md)
    _no_markup_of_theirs(shown)
    found = elements(shown)
    assert f"Målbild: {TARGET}" in found.texts("p")
    assert "Prioriteringar: 1. Liv och hälsa 2. *bold* framkomlighet | a | b |" in found.texts("p")
    assert f"Budskap 1: {MESSAGE} ({SECOND_META[1:-1]})" in found.texts("li")
    assert "Gemensam regional inriktning 1" in found.texts("h2")
    # The only emphasis is ours: the direction's line, the messages' and the reports' meta.
    assert all(
        text.startswith(("fastställd av", "(fastställt", "rapporterad"))
        for text in found.texts("em")
    ), found.texts("em")

    html = export_file(database, capsys, *forum, "--format", "html", now="2026-11-26 15:20").out
    _no_markup_of_theirs(html)
    found = elements(html)
    ordered(
        " ".join(found.texts("h2")),
        "Gemensam regional inriktning 1",
        "Gemensamma budskap (2)",
        "Polisen Region Stockholm",
    )
    assert TARGET in found.texts("dd")
    assert "1. Liv och hälsa 2. *bold* framkomlighet | a | b |" in found.texts("dd")
    assert f"Budskap 1: {MESSAGE} ({SECOND_META[1:-1]})" in found.texts("li")

    data = json.loads(
        export_file(database, capsys, *forum, "--format", "json", now="2026-11-26 15:20").out
    )
    direction = data["picture"]["direction"]
    assert direction["number"] == 1
    assert direction["version"] == 2
    assert direction["fields"] == {
        "target": TARGET,
        "priorities": PRIORITIES,
        "communication": COMMUNICATION,
    }
    assert direction["adopted_in"] == "Regionalt inriktande forum"
    assert [m["number"] for m in data["picture"]["joint_messages"]] == [2, 1]
    assert data["picture"]["joint_messages"][1] == {
        "number": 1,
        "text": MESSAGE,
        "agreed_at": "2026-11-26T14:10:00+00:00",
        "agreed": [POLICE],
        "objected": [SOS],
        "forum": "",  # agreed in the forum the picture is of
    }
    labels = data["labels"]
    assert labels["direction"]["title"] == "Gemensam regional inriktning 1"
    assert labels["direction"]["fields"]["target"] == "Målbild"
    assert labels["direction"]["fields"]["valid_until"] == "Gäller till"
    assert labels["joint_messages"]["title"] == "Gemensamma budskap"
    assert labels["joint_messages"]["objected"] == "Invändning från"
    assert Picture.from_json(data["picture"]).direction is not None


def test_the_minutes_exports_show_them_escaped_and_once(
    framed: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    framed.advance(minutes=50)
    _ok(framed, "!möte start Samverkanskonferens v. 48")
    framed.advance(minutes=40)
    _ok(framed, "!möte slut")
    forum = ("--forum", CONFERENCE)
    md = export_file(database, capsys, *forum, "--format", "md", what="protokoll", now=None).out
    ordered(
        md,
        "- **Ordförande:** operator",
        "## Gemensam regional inriktning 1",
        "**Målbild:**",
        "## Gemensamma budskap (2)",
        "- **Budskap 2:**",
        "## Närvarande (1)",
        "# Samlad lägesbild – Regional samverkanskonferens",
    )
    assert md.count("Gemensam regional inriktning 1") == 1
    shown = markdown_html(md)
    _no_markup_of_theirs(shown)
    assert f"Budskap 1: {MESSAGE} ({SECOND_META[1:-1]})" in elements(shown).texts("li")

    html = export_file(database, capsys, *forum, "--format", "html", what="protokoll", now=None)
    _no_markup_of_theirs(html.out)
    found = elements(html.out)
    assert found.texts("h2").count("Gemensam regional inriktning 1") == 1
    assert TARGET in found.texts("dd")

    data = json.loads(
        export_file(database, capsys, *forum, "--format", "json", what="protokoll", now=None).out
    )
    assert data["minutes"]["direction"]["number"] == 1
    assert data["minutes"]["direction"]["adopted_at"] == "2026-11-26T14:00:00+00:00"
    assert [m["text"] for m in data["minutes"]["joint_messages"]] == [SECOND, MESSAGE]
    assert data["labels"]["direction"]["fields"]["priorities"] == "Prioriteringar"
    assert data["picture"]["picture"]["direction"]["number"] == 1  # the picture's own, kept


def test_english_labels(
    framed: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(framed, "!forum språk en")
    text = _ok(framed, "!lägesbild").text
    ordered(
        text,
        "Joint regional direction 1:",
        "adopted by eva in Regionalt inriktande forum 2026-11-26 15:00, valid until 2026-11-28 "
        "15:00 · version 2",
        f"Target picture: {TARGET}",
        "Priorities: 1. Liv och hälsa",
        "Communication and joint messages:",
        "Joint messages (2):",
        f"Message 1: {MESSAGE} (agreed 2026-11-26 15:10 · stand behind it: "
        "Polisen Region Stockholm · objection from: SOS Alarm)",
    )
    md = export_file(
        database, capsys, "--forum", CONFERENCE, "--format", "md", "--lang", "en", now=None
    ).out
    ordered(md, "## Joint regional direction 1", "**Target picture:**", "## Joint messages (2)")
    data = json.loads(
        export_file(
            database, capsys, "--forum", CONFERENCE, "--format", "json", "--lang", "en", now=None
        ).out
    )
    assert data["labels"]["direction"]["fields"]["target"] == "Target picture"
    assert data["labels"]["joint_messages"]["agreed"] == "Stand behind it"

"""The joint regional direction's lifecycle (``!inriktning``, commands/direction.py), through the
dispatcher as people use it: drafted in an analysis group in three versions, presented to
Regionalt inriktande forum, edited there, adopted by its coordinator and sent to the forums
working under it; its history and diffs; the form, question by question and as a Slack modal;
every refusal changing nothing with a hint that works when typed; and English wording."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlmodel import Session, col, select

from bot.render.text import render_text
from bot.slack.modal import form_view
from commands.core.document import Actions, Button
from commands.core.forms import FormSubmission, FormSupport
from commands.core.i18n import LANGUAGES, catalogue
from commands.core.messages import Incoming, Reply, Speaker
from commands.joint_direction.form import build_form
from commands.joint_direction.text import read_written
from storage import Database
from storage.models import (
    Activation,
    Direction,
    DirectionState,
    DirectionVersion,
    FormDialog,
    Forum,
    ScheduledPost,
)
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat, Said

GROUP = "Analysgrupp snö"
DRAFT = (
    "!inriktning förslag Målbild: Samhällsviktig verksamhet fungerar under snöovädret\n"
    "Prioriteringar: 1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon\n"
    "Väder: snöfall 30 cm\n"
    "Gäller till: fredag kl 18"
)
LINK = "https://chat.example/archives/grupp/p1"


def _ok(chat: Chat, line: str, person: str = "operator", channel: str = "konf", **kw: str) -> Said:
    said = chat.say(line, person=person, channel=channel, **kw)
    assert said.ok, (line, said.text)
    return said


def _refused(chat: Chat, line: str, person: str = "operator", channel: str = "konf") -> Said:
    said = chat.say(line, person=person, channel=channel)
    assert not said.ok, (line, said.text)
    return said


def _hint(said: Said) -> str:
    """The example a refusal ends with: its last ``!…`` up to a full stop at the end."""
    found = re.findall(r"(![^\n]*?)\.?$", said.text, flags=re.MULTILINE)
    assert found, said.text
    return found[-1]


def _hint_in(said: Said, before: str) -> str:
    """The example written after ``before`` in a reply, to the end of its line."""
    return said.text.split(before, 1)[1].split("\n", 1)[0].rstrip(".")


def _directions(database: Database) -> list[tuple[int, DirectionState, int]]:
    """Every direction's number, state and count of versions: what a refusal must not
    change."""
    with Session(database.engine) as session:
        found = []
        for direction in session.exec(select(Direction).order_by(col(Direction.number))):
            versions = session.exec(
                select(DirectionVersion).where(DirectionVersion.direction_id == direction.id)
            ).all()
            found.append((direction.number, direction.state, len(versions)))
        return found


def _at(chat: Chat, day: int, hour: int, minute: int = 0) -> None:
    chat.clock.set(datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM))


def _buttons(said: Said, channel: str) -> list[Button]:
    return [
        button
        for post in said.posts
        if post.channel_id == channel
        for block in post.document.blocks
        if isinstance(block, Actions)
        for button in block.buttons
    ]


@pytest.fixture
def region(chat: Chat) -> Chat:
    """Channels: ``konf`` Regional samverkanskonferens, ``grupp`` its thematic analysis
    group, ``inr`` Regionalt inriktande forum, ``sf`` Regionalt samordnande forum, ``lc`` the
    operational forum. rut coordinates the conference, tina the strategic forum; anna
    (Polisen) and tom (Trafikverket) are actors, lena (Länsstyrelsen) speaks in the
    strategic forum."""
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, f"!forum skapa {GROUP} tematisk under Regional samverkanskonferens")
    _ok(chat, f"!forum koppla {GROUP}", channel="grupp")
    _ok(chat, "!forum koppla inriktande forum", channel="inr")
    _ok(chat, "!forum koppla samordnande-forum", channel="sf")
    _ok(chat, "!forum koppla verkstallande-forum", channel="lc")
    _ok(chat, "!roll @rut koordinator")
    _ok(chat, "!roll @tina koordinator", channel="inr")
    _ok(chat, "!aktör Länsstyrelsen", person="rut")
    _ok(chat, "!aktör Länsstyrelsen", person="tina", channel="inr")
    _ok(chat, "!aktör Polisen", person="anna", channel="grupp")
    _ok(chat, "!aktör Trafikverket", person="tom")
    _ok(chat, "!aktör Länsstyrelsen", person="lena", channel="inr")
    _at(chat, 26, 16, 30)
    return chat


# -- the lifecycle ------------------------------------------------------------------------------


def test_drafted_in_three_versions_presented_edited_and_adopted(
    region: Chat, database: Database
) -> None:
    chat = region
    # Nothing yet: how to start, with an example that works.
    empty = _ok(chat, "!inriktning", person="anna", channel="grupp")
    assert "Det finns ingen inriktning för Regional samverkanskonferens ännu." in empty.text
    example = _hint(empty)
    assert example.startswith("!inriktning förslag Målbild:")

    # Version 1, in the analysis group: labelled lines, an unknown label reported back.
    first = _ok(chat, DRAFT, person="anna", channel="grupp")
    assert "Förslag till gemensam regional inriktning 1 sparat." in first.text
    assert "Gemensam regional inriktning 1 – förslag, version 1" in first.text
    assert "För Regional samverkanskonferens, framtagen i Analysgrupp snö." in first.text
    assert "Rubriken Väder känner jag inte igen" in first.text
    assert "Målbild: Samhällsviktig verksamhet fungerar under snöovädret" in first.text
    assert "Prioriteringar: 1. Liv och hälsa\n  2. Framkomlighet för utryckningsfordon" in (
        first.text
    )
    assert "Ramar och begränsningar: –" in first.text
    assert "Gäller till: 2026-11-27 18:00" in first.text
    assert "!inriktning föredra 1" in first.text

    # Version 2 in the group (no number: the one being drafted), version 3 in the conference.
    _at(chat, 26, 16, 45)
    second = _ok(
        chat,
        "!inriktning ändra Prioriteringar: 1. Liv och hälsa\n"
        "2. Framkomlighet för utryckningsfordon och kollektivtrafik",
        person="anna",
        channel="grupp",
    )
    assert "Inriktning 1: version 2 sparad." in second.text
    assert "Ändrat från version 1:" in second.text
    # Line by line: the unknown label's line struck, the words added within their own line.
    assert (
        "Prioriteringar:\n"
        "  • efter ”2. Framkomlighet för utryckningsfordon”: ”och kollektivtrafik” tillagt\n"
        "  • raden ”Väder: snöfall 30 cm” struken" in second.text
    )
    _at(chat, 26, 17, 0)
    third = _ok(
        chat,
        "!inriktning ändra 1 **Ramar:** Varje aktör leder sitt eget arbete\n"
        "- Riktlinjer: Samverkansmöte var fjärde timme",
        person="tom",
    )
    assert "Inriktning 1: version 3 sparad." in third.text
    assert "Ramar och begränsningar:\n  • ifyllt: ”Varje aktör leder sitt eget arbete”" in (
        third.text
    )
    shown = _ok(chat, "!inriktning 1", person="tom")
    assert "Version 3: 2026-11-26 17:00, tom, Regional samverkanskonferens." in shown.text
    # Målbild and the priorities of version 2 are kept.
    assert "Målbild: Samhällsviktig verksamhet fungerar under snöovädret" in shown.text
    assert "utryckningsfordon och kollektivtrafik" in shown.text

    # Presented by the conference's coordinator: posted in the strategic forum, in full.
    _at(chat, 26, 17, 10)
    presented = _ok(chat, "!inriktning föredra", person="rut", permalink=LINK)
    assert "Inriktning 1 är föredragen för Regionalt inriktande forum." in presented.text
    in_strategic = presented.post_text("inr")
    assert (
        "rut föredrar förslaget till gemensam regional inriktning 1 från "
        "Regional samverkanskonferens." in in_strategic
    )
    assert LINK in in_strategic
    assert "Gemensam regional inriktning 1 – föredragen, version 3" in in_strategic
    assert "Föredragen för Regionalt inriktande forum 2026-11-26 17:10 av rut." in in_strategic
    assert "Riktlinjer för det fortsatta arbetet: Samverkansmöte var fjärde timme" in in_strategic
    assert "!inriktning fastställ 1" in in_strategic
    assert [b.command for b in _buttons(presented, "inr")] == ["inriktning fastställ 1"]
    assert "rut har föredragit inriktning 1 för Regionalt inriktande forum." in (
        presented.post_text("grupp")
    )
    waiting = _ok(chat, "!inriktning", person="tina", channel="inr")
    assert "Föredragna för Regionalt inriktande forum, väntar på att fastställas:" in waiting.text
    assert "Inriktning 1 – föredragen, version 3, senast ändrad 2026-11-26 17:00 av tom" in (
        waiting.text
    )

    # Edited in the strategic forum: a version too; the drafting side is told what changed.
    _at(chat, 26, 17, 30)
    edited = _ok(
        chat,
        "!inriktning ändra Målbild: Samhällsviktig verksamhet fungerar i hela regionen "
        "under snöovädret",
        person="lena",
        channel="inr",
    )
    assert "Inriktning 1: version 4 sparad." in edited.text
    told = edited.post_text("konf")
    assert "lena har ändrat inriktning 1 i Regionalt inriktande forum: version 4." in told
    assert "efter ”Samhällsviktig verksamhet fungerar”: ”i hela regionen” tillagt" in told
    assert "version 4" in edited.post_text("grupp")

    # Adopted by the strategic forum's coordinator.
    _at(chat, 26, 17, 40)
    adopted = _ok(chat, "!inriktning fastställ 1", person="tina", channel="inr")
    assert (
        "Gemensam regional inriktning 1 är fastställd av tina i Regionalt inriktande forum "
        "2026-11-26 17:40." in adopted.text
    )
    assert (
        "Den gäller för Regional samverkanskonferens och Analysgrupp snö och har skickats "
        "till deras kanaler." in adopted.text
    )
    for channel in ("konf", "grupp"):
        sent = adopted.post_text(channel)
        assert "Gemensam regional inriktning 1 – fastställd, version 4" in sent
        assert "Fastställd i Regionalt inriktande forum 2026-11-26 17:40 av tina." in sent
        assert "kvitterar att den har tagit del av inriktningen med !inriktning kvittera 1" in sent
        assert "inriktning kvittera 1" in [b.command for b in _buttons(adopted, channel)]
    assert _directions(database) == [(1, DirectionState.ADOPTED, 4)]
    # The button (or the command it stands for) confirms for one's organisation.
    [button] = {b.command for b in _buttons(adopted, "konf")}
    _ok(chat, f"!{button}", person="tom")

    # The history: every version with who, when and where, and what changed.
    history = _ok(chat, "!inriktning historik 1", person="anna", channel="grupp")
    text = history.text
    assert "Historik för gemensam regional inriktning 1 – fastställd, version 4" in text
    for line in (
        "Version 1: 2026-11-26 16:30, anna, Analysgrupp snö:",
        "Första versionen: Målbild, Prioriteringar, Gäller till.",
        "Version 2: 2026-11-26 16:45, anna, Analysgrupp snö:",
        "Version 3: 2026-11-26 17:00, tom, Regional samverkanskonferens:",
        "Föredragen för Regionalt inriktande forum 2026-11-26 17:10.",
        "Version 4: 2026-11-26 17:30, lena, Regionalt inriktande forum:",
        "Fastställd i Regionalt inriktande forum 2026-11-26 17:40.",
    ):
        assert line in text, line
    event = "Föredragen för Regionalt inriktande forum 2026-11-26 17:10.\n"
    assert text.index("Version 3") < text.index(event) < text.index("Version 4")
    assert "Riktlinjer för det fortsatta arbetet:\n  • ifyllt: ”Samverkansmöte" in text

    # In force: what !inriktning shows in the conference and the group.
    for channel, person in (("konf", "tom"), ("grupp", "anna")):
        now = _ok(chat, "!inriktning", person=person, channel=channel)
        assert "Gemensam regional inriktning 1 – fastställd, version 4" in now.text


def test_a_newer_adopted_direction_supersedes_and_one_past_its_time_has_expired(
    region: Chat,
) -> None:
    chat = region
    _ok(chat, DRAFT, person="anna", channel="grupp")
    _ok(chat, "!inriktning föredra 1", person="rut")
    _ok(chat, "!inriktning fastställ 1", person="tina", channel="inr")
    _at(chat, 27, 9, 0)
    _ok(
        chat,
        "!inriktning förslag Målbild: Röjning av vägar\nGäller till: lördag kl 12",
        person="tom",
    )
    _ok(chat, "!inriktning föredra 2", person="rut")
    adopted = _ok(chat, "!inriktning fastställ", person="tina", channel="inr")
    assert "Den ersätter inriktning 1." in adopted.text
    assert "Den ersätter inriktning 1." in adopted.post_text("konf")
    old = _ok(chat, "!inriktning 1", person="tom")
    assert "Gemensam regional inriktning 1 – ersatt, version 1" in old.text
    assert "Ersatt av inriktning 2 2026-11-27 09:00." in old.text
    assert (
        "Ersatt av inriktning 2 2026-11-27 09:00."
        in (_ok(chat, "!inriktning historik 1", person="tom").text.split("Version 1")[1])
    )
    refused = _refused(chat, "!inriktning ändra 1 Ramar: inga", person="tom")
    assert "Inriktning 1 är ersatt – föreslå en ny." in refused.text
    # Past its Gäller till: upphävd, and nothing in force.
    _at(chat, 28, 12, 30)
    lapsed = _ok(chat, "!inriktning 2", person="tom")
    assert "Gemensam regional inriktning 2 – upphävd" in lapsed.text
    assert "Upphävd: giltighetstiden gick ut 2026-11-28 12:00." in lapsed.text
    overview = _ok(chat, "!inriktning", person="tom")
    assert "Ingen fastställd inriktning gäller för Regional samverkanskonferens." in overview.text
    assert "Inriktning 2 upphävdes 2026-11-28 12:00: giltighetstiden gick ut." in overview.text
    assert "Ta fram ett nytt förslag" in overview.text
    assert "Förslag till gemensam regional inriktning 3 sparat." in (
        _ok(chat, _hint(overview), person="tom").text
    )


def test_a_drafts_communication_shows_the_forums_agreed_joint_messages(region: Chat) -> None:
    chat = region
    _ok(chat, DRAFT, person="anna", channel="grupp")
    _ok(chat, "!budskap förslag Undvik onödiga resor i länet i kväll", person="tom")
    _ok(chat, "!budskap fastställ 1", person="rut")
    shown = _ok(chat, "!inriktning 1", person="tom")
    assert "Gemensamma budskap som Regional samverkanskonferens har fastställt:" in shown.text
    assert "Undvik onödiga resor i länet i kväll (budskap 1, fastställt 2026-11-26 16:30)" in (
        shown.text
    )


def test_a_draft_belongs_to_the_open_activation_of_the_forum_it_is_for(
    region: Chat, database: Database
) -> None:
    chat = region
    _ok(chat, "!aktivera Snöoväder, SMHI klass 2")
    _ok(chat, DRAFT, person="anna", channel="grupp")
    same = _refused(chat, "!inriktning ändra 1 Gäller till: fredag 18:00", person="anna")
    assert "Texten är densamma som i version 1 av inriktning 1." in same.text
    with Session(database.engine) as session:
        direction = session.exec(select(Direction)).one()
        activation = session.exec(select(Activation)).one()
        assert direction.activation_id == activation.id
        home = session.get(Forum, direction.forum_id)
        drafted_in = session.get(Forum, direction.drafted_in_id)
        assert home is not None
        assert drafted_in is not None
        assert (home.name, drafted_in.name) == ("Regional samverkanskonferens", GROUP)


# -- the form -----------------------------------------------------------------------------------


def test_the_form_question_by_question_and_the_edit_form_keeping_fields(
    region: Chat, database: Database
) -> None:
    chat = region
    opened = _ok(chat, "!inriktning förslag", person="tom")
    assert "Förslag till gemensam regional inriktning för Regional samverkanskonferens." in (
        opened.text
    )
    assert "1/6 Målbild – Vad vill aktörerna gemensamt uppnå?" in opened.text
    answers = [
        "Samhällsviktig verksamhet fungerar",
        "1. Liv och hälsa",
        "-",
        "Samverkansmöte var fjärde timme",
        "-",
    ]
    for answer in answers:
        asked = _ok(chat, answer, person="tom")
        assert "/6" in asked.text
    done = _ok(chat, "fredag kl 18", person="tom")
    assert "Förslag till gemensam regional inriktning 1 sparat." in done.text
    assert "Ramar och begränsningar: –" in done.text
    assert "Gäller till: 2026-11-27 18:00" in done.text

    # The edit form: the current text first, and - keeps a field.
    editing = _ok(chat, "!inriktning ändra 1", person="anna", channel="grupp")
    assert "Inriktning 1 nu:" in editing.text
    assert "Målbild: Samhällsviktig verksamhet fungerar" in editing.text
    assert "- behåller den nuvarande texten" in editing.text
    assert "1/6 Målbild" in editing.text
    for answer in ("-", "-", "Inga extra resurser", "-", "-"):
        _ok(chat, answer, person="anna", channel="grupp")
    saved = _ok(chat, "-", person="anna", channel="grupp")
    assert "Inriktning 1: version 2 sparad." in saved.text
    assert "Ramar och begränsningar:\n  • ifyllt: ”Inga extra resurser”" in saved.text
    assert "Målbild" not in saved.text.split("Ändrat från version 1:")[1]
    shown = _ok(chat, "!inriktning 1", person="anna", channel="grupp")
    assert "Målbild: Samhällsviktig verksamhet fungerar" in shown.text
    assert "Riktlinjer för det fortsatta arbetet: Samverkansmöte var fjärde timme" in shown.text
    assert "Gäller till: 2026-11-27 18:00" in shown.text
    with Session(database.engine) as session:
        assert not session.exec(select(FormDialog)).all()


def test_a_form_with_a_time_that_cannot_be_read_keeps_the_other_answers(region: Chat) -> None:
    chat = region
    _ok(chat, "!inriktning förslag", person="tom")
    for answer in ("Framkomlighet i hela regionen", "-", "-", "-", "-"):
        _ok(chat, answer, person="tom")
    saved = _ok(chat, "när snön har smält", person="tom")
    assert "Förslag till gemensam regional inriktning 1 sparat." in saved.text
    assert "Gäller till sparades inte: Jag förstår inte tiden ”när snön har smält”." in saved.text
    assert "Gäller till: tills vidare" in saved.text
    fixed = _ok(chat, _hint_in(saved, "Sätt den med "), person="tom")
    assert "Gäller till:\n  • ”tills vidare” ändrat till ”2026-11-27 18:00”" in fixed.text


def _modal(chat: Chat, line: str, person: str, channel: str) -> Reply:
    incoming = Incoming(
        "test", channel, Speaker("test", person, person), line, forms=FormSupport.MODAL
    )
    reply = chat.dispatcher.handle(incoming)
    assert reply is not None
    assert reply.ok, render_text(reply.document)
    return reply


def _submit(chat: Chat, reply: Reply, values: dict[str, str], person: str, channel: str) -> str:
    assert reply.form is not None
    submission = FormSubmission(reply.form.key, dict(reply.form.context), values)
    incoming = Incoming("test", channel, Speaker("test", person, person), "", submission=submission)
    answered = chat.dispatcher.handle(incoming)
    assert answered is not None
    return render_text(answered.document)


def test_the_slack_modal_is_filled_in_with_the_current_text(region: Chat) -> None:
    chat = region
    _ok(chat, DRAFT, person="anna", channel="grupp")
    opened = _modal(chat, "!inriktning ändra 1", "anna", "grupp")
    assert opened.form is not None
    assert opened.form.title == "Ändra inriktning 1"
    initial = {field.name: field.initial for field in opened.form.fields}
    assert initial["target"] == "Samhällsviktig verksamhet fungerar under snöovädret"
    assert initial["constraints"] == ""
    assert initial["valid_until"] == "2026-11-27 18:00"
    view = form_view(opened.form, "grupp", "Avbryt")
    elements = {block["block_id"]: block["element"] for block in view["blocks"][1:]}
    assert elements["field-target"]["initial_value"] == initial["target"]
    assert "initial_value" not in elements["field-constraints"]
    # The modal sends every field back whole: the untouched ones are kept, an emptied one
    # is emptied, the time shown is not read again.
    values = {**initial, "priorities": "", "guidelines": "Möte var fjärde timme"}
    said = _submit(chat, opened, values, "anna", "grupp")
    assert "Inriktning 1: version 2 sparad." in said
    assert "Prioriteringar:\n  • tömt (var ”1. Liv och hälsa" in said
    assert "Riktlinjer för det fortsatta arbetet:\n  • ifyllt: ”Möte var fjärde timme”" in said
    assert "Målbild" not in said
    assert "Gäller till" not in said.split("Ändrat från")[1]


def test_a_button_opens_the_form_in_a_slack_channel_message(region: Chat) -> None:
    chat = region
    incoming = Incoming(
        "test",
        "konf",
        Speaker("test", "tom", "tom"),
        "!inriktning förslag",
        forms=FormSupport.BUTTON,
    )
    reply = chat.dispatcher.handle(incoming)
    assert reply is not None
    assert reply.ok
    [actions] = [b for b in reply.document.blocks if isinstance(b, Actions)]
    assert [button.command for button in actions.buttons] == ["inriktning förslag"]


def test_the_form_in_english() -> None:
    form = build_form("en", {"number": 3, "version": 2, "modal": False, "prefix": "!"})
    assert form.title == "Edit direction 3"
    assert "- keeps the current text" in form.intro
    assert [field.label for field in form.fields] == [
        "Target picture",
        "Priorities",
        "Limits and constraints",
        "Guidelines for the continued work",
        "Communication and joint messages",
        "Valid until",
    ]
    assert form.command == "direction edit 3"
    assert all(len(f.title) <= 24 for f in (form, build_form("sv", {"forum": "x"})))


# -- reading the labelled text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("Fri text först\nRiktlinjer: möte", {"target": "Fri text först", "guidelines": "möte"}),
        ("*MÅLBILD:* a\n- begransningar: b", {"target": "a", "constraints": "b"}),
        ("Mål: a. Ramar: inga", {"target": "a.", "constraints": "inga"}),
        ("\nBudskap: undvik resor", {"communication": "undvik resor"}),
        ("Kommunikation och gemensamma budskap: x", {"communication": "x"}),
        ("Riktlinjer för det fortsatta arbetet: y", {"guidelines": "y"}),
        ("Giltig till: fredag kl 18", {"valid_until": "fredag kl 18"}),
        ("Ramar: -", {"constraints": ""}),
        (
            "Objective: a\nPriorities: b\nLimits: c\nGuidelines: d\nCommunication: e\n"
            "Valid until: friday 6pm",
            {
                "target": "a",
                "priorities": "b",
                "constraints": "c",
                "guidelines": "d",
                "communication": "e",
                "valid_until": "friday 6pm",
            },
        ),
    ],
)
def test_labelled_lines_are_read_as_the_fields(text: str, given: dict[str, str]) -> None:
    assert read_written(text).given == given


def test_an_unknown_label_stays_as_text_and_is_reported() -> None:
    written = read_written("Målbild: a\nVäder: snö")
    assert written.given == {"target": "a\nVäder: snö"}
    assert written.unknown_labels == ("Väder",)


# -- refusals change nothing, and their hints work ----------------------------------------------


def _refusal_changes_nothing(
    chat: Chat, database: Database, line: str, person: str, channel: str, expected: str
) -> Said:
    before = _directions(database)
    said = _refused(chat, line, person=person, channel=channel)
    assert expected in said.text, said.text
    assert _directions(database) == before
    return said


def test_refusals_change_nothing_and_their_hints_work(region: Chat, database: Database) -> None:
    chat = region
    # A strategic or operational forum does not draft.
    for channel, expected in (
        ("inr", "Regionalt inriktande forum är ett forum på regionalt inriktande nivå."),
        ("lc", "Verkställande forum – Ledningscentraler är ett forum på verkställande nivå."),
    ):
        said = _refusal_changes_nothing(
            chat,
            database,
            "!inriktning förslag Målbild: Framkomlighet",
            "operator",
            channel,
            expected,
        )
        assert "Förslag till inriktning tas fram på samordnande nivå" in said.text
        _ok(chat, _hint(said), channel=channel)
    # Nothing being drafted: how to start.
    said = _refusal_changes_nothing(
        chat, database, "!inriktning ändra Ramar: inga", "tom", "konf", "Inget förslag"
    )
    _ok(chat, _hint(said), person="tom")  # the new draft (1) of the hint
    # An empty draft; an unreadable and a past Gäller till.
    said = _refusal_changes_nothing(
        chat, database, "!inriktning förslag Ramar: -", "tom", "konf", "Förslaget har ingen text."
    )
    _ok(chat, _hint(said), person="tom")  # draft 2
    said = _refusal_changes_nothing(
        chat,
        database,
        "!inriktning förslag Målbild: a\nGäller till: när snön smälter",
        "tom",
        "konf",
        "Jag förstår inte tiden ”när snön smälter”.",
    )
    assert "Gäller till: 2026-11-27 18:00" in _ok(chat, _hint(said), person="tom").text  # draft 3
    said = _refusal_changes_nothing(
        chat,
        database,
        "!inriktning ändra 1 Gäller till: 2026-11-20 12:00",
        "tom",
        "konf",
        "Gäller till ”2026-11-20 12:00” blir fredag 2026-11-20 12:00, och den tiden har redan "
        "passerat.",
    )
    _ok(chat, _hint(said), person="tom")
    # Several being drafted: which one?
    said = _refusal_changes_nothing(
        chat, database, "!inriktning ändra Ramar: inga", "tom", "konf", "Flera förslag"
    )
    assert "1, 2, 3" in said.text
    _ok(chat, _hint(said), person="tom")
    # The same text again; no such direction; not a number.
    said = _refusal_changes_nothing(
        chat,
        database,
        "!inriktning ändra 1 Gäller till: fredag kl 18",
        "tom",
        "konf",
        "Texten är densamma som i version 3 av inriktning 1.",
    )
    assert "Version 3:" in _ok(chat, _hint(said), person="tom").text
    said = _refusal_changes_nothing(
        chat, database, "!inriktning 9", "tom", "konf", "Det finns ingen inriktning 9."
    )
    _ok(chat, _hint(said), person="tom")
    said = _refusal_changes_nothing(
        chat, database, "!inriktning tre", "tom", "konf", "”tre” är inget nummer på en inriktning."
    )
    _ok(chat, _hint(said), person="tom")
    # Edited in a forum it is not for.
    said = _refusal_changes_nothing(
        chat, database, "!inriktning ändra 1 Ramar: inga", "operator", "sf", "tas fram i Regional"
    )
    _ok(chat, _hint(said), channel="sf")
    # An actor cannot present; a coordinator presents only from the forum it is for.
    said = _refusal_changes_nothing(
        chat,
        database,
        "!inriktning föredra 1",
        "tom",
        "konf",
        "Bara en koordinator för Regional samverkanskonferens kan göra det.",
    )
    assert "rut" in _ok(chat, _hint(said), person="tom").text  # !roll lista: who coordinates
    said = _refusal_changes_nothing(
        chat, database, "!inriktning föredra 1", "operator", "sf", "föredras från Regional"
    )
    _ok(chat, _hint(said), channel="sf")
    # Adopting a draft that was never presented.
    said = _refusal_changes_nothing(
        chat, database, "!inriktning fastställ 1", "tina", "inr", "inte har föredragits än"
    )
    assert "Inriktning 1 är föredragen" in _ok(chat, _hint(said), person="rut").text
    # Presenting again; to a forum that is not strategic; then to Regional chefsgrupp.
    said = _refusal_changes_nothing(
        chat, database, "!inriktning föredra 1", "rut", "konf", "föredrogs redan för"
    )
    _ok(chat, _hint(said), person="rut")
    said = _refusal_changes_nothing(
        chat,
        database,
        "!inriktning föredra 2 Regional samordningsgrupp",
        "rut",
        "konf",
        "Regional samordningsgrupp är ett forum på regionalt samordnande nivå",
    )
    chefs = _ok(chat, _hint(said), person="rut")
    assert "Inriktning 2 är föredragen för Regional chefsgrupp." in chefs.text


def test_a_coordinator_of_the_drafting_forum_cannot_adopt(region: Chat, database: Database) -> None:
    chat = region
    _ok(chat, DRAFT, person="anna", channel="grupp")
    _ok(chat, "!inriktning föredra 1", person="rut")
    # rut coordinates the conference (!roll … koordinator there), not the strategic forum.
    for channel, expected in (
        ("inr", "Bara en koordinator för Regionalt inriktande forum kan göra det."),
        ("konf", "är föredragen för Regionalt inriktande forum och fastställs i en av dess"),
        ("grupp", "är föredragen för Regionalt inriktande forum och fastställs i en av dess"),
    ):
        said = _refusal_changes_nothing(
            chat, database, "!inriktning fastställ 1", "rut", channel, expected
        )
        if channel == "inr":  # who coordinates there
            assert "tina" in _ok(chat, _hint(said), person="rut", channel="inr").text
    assert _hint(said) == "!inriktning fastställ 1"
    # An actor of the strategic forum cannot adopt either; its coordinator can.
    refused = _refusal_changes_nothing(
        chat, database, "!inriktning fastställ 1", "lena", "inr", "Bara en koordinator"
    )
    assert _hint(refused) == "!roll lista"
    _ok(chat, _hint(said), person="tina", channel="inr")
    assert _directions(database) == [(1, DirectionState.ADOPTED, 1)]
    # Adopted: no more edits, there or here.
    for person, channel in (("tina", "inr"), ("anna", "grupp")):
        said = _refusal_changes_nothing(
            chat,
            database,
            "!inriktning ändra 1 Ramar: inga",
            person,
            channel,
            "Inriktning 1 är fastställd – föreslå en ny.",
        )
    _ok(chat, _hint(said), person="anna", channel="grupp")
    assert _directions(database)[-1] == (2, DirectionState.DRAFT, 1)
    said = _refusal_changes_nothing(
        chat, database, "!inriktning fastställ 1", "tina", "inr", "redan fastställd"
    )
    _ok(chat, _hint(said), person="tina", channel="inr")


def test_adoption_plans_the_confirmation_follow_ups(region: Chat, database: Database) -> None:
    chat = region
    _ok(chat, DRAFT, person="anna", channel="grupp")
    _ok(chat, "!inriktning föredra 1", person="rut")
    adopted = _ok(chat, "!inriktning fastställ 1", person="tina", channel="inr")
    assert adopted.reply is not None
    assert adopted.reply.scheduled
    assert {post.channel_id for post in adopted.posts if post.tag == "direction:1"} == {
        "konf",
        "grupp",
    }
    with Session(database.engine) as session:
        assert session.exec(select(ScheduledPost)).all()


# -- English ------------------------------------------------------------------------------------


def test_an_english_forum_reads_and_is_answered_in_english(region: Chat) -> None:
    chat = region
    _ok(chat, "!forum språk en")
    empty = _ok(chat, "!direction", person="tom")
    assert "There is no direction for Regional samverkanskonferens yet." in empty.text
    first = _ok(chat, _hint(empty), person="tom")
    assert "Draft joint regional direction 1 saved." in first.text
    assert "Joint regional direction 1 – draft, version 1" in first.text
    assert "Target picture: Essential services keep working during the snowstorm" in first.text
    assert "Limits and constraints: –" in first.text
    assert "Valid until: until further notice" in first.text
    edited = _ok(
        chat, "!direction edit 1 Priorities: Access\nValid until: friday 6pm", person="tom"
    )
    assert "Direction 1: version 2 saved." in edited.text
    assert "Priorities:\n  • filled in: “Access”" in edited.text
    assert "Valid until:\n  • “until further notice” changed to “2026-11-27 18:00”" in edited.text
    presented = _ok(chat, "!direction present 1", person="rut")
    assert "Direction 1 is presented to Regionalt inriktande forum." in presented.text
    # The strategic forum speaks Swedish: its post is in Swedish.
    assert "Gemensam regional inriktning 1 – föredragen, version 2" in presented.post_text("inr")
    adopted = _ok(chat, "!inriktning fastställ 1", person="tina", channel="inr")
    sent = adopted.post_text("konf")
    assert "Joint regional direction 1 is adopted by tina in Regionalt inriktande forum" in sent
    assert "confirms that it has taken note of the direction with !direction confirm 1" in sent
    history = _ok(chat, "!direction history", person="tom")
    assert "History of joint regional direction 1 – adopted, version 2" in history.text
    refused = _refused(chat, "!direction edit 1 Limits: none", person="tom")
    assert "Direction 1 is adopted – propose a new one." in refused.text


def test_the_hints_of_the_catalogue_parse_in_both_languages(region: Chat) -> None:
    """Each language's examples of ``[direction_lifecycle_hint]`` with a number filled in
    are commands the dispatcher knows (run in the tests above)."""
    for language in LANGUAGES:
        for key, entry in catalogue(language).items():
            if not key.startswith("direction_lifecycle_hint."):
                continue
            for piece in str(entry).split("{prefix}")[1:]:
                line = piece.replace("{number}", "1").split(" …")[0].rstrip(".")
                cmd, _rest = region.dispatcher.find_command(line, language)
                assert cmd.key.startswith("direction."), (key, line)

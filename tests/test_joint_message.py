"""``!budskap``: joint messages to the public, through the dispatcher.

Proposed (numbered per forum, posted to the forum's other channels with the button to answer
ok and the words to object), answered by the organisations expected to (members; during an
activation those called in and not released), objected to, revised (the answers start over),
agreed by a coordinator (posted everywhere with who stood behind it, who objected and why,
who did not answer), retired. Every refusal changes nothing, and its hint works when typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from commands.core.document import Actions
from commands.joint_direction.summary import agreed_messages
from storage import Database
from storage.audit import AuditContext
from storage.models import (
    AuditEvent,
    Forum,
    JointMessage,
    JointMessageAnswer,
    JointMessageVersion,
)
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat, Said

OBJECTION = "Vi kan inte avråda från alla resor, pendeltågen går som vanligt."


def _ok(chat: Chat, line: str, person: str = "operator", channel: str = "stab") -> Said:
    said = chat.say(line, person=person, channel=channel)
    assert said.ok, (line, said.text)
    return said


def _refused(chat: Chat, line: str, person: str = "operator", channel: str = "stab") -> Said:
    """A refusal, which changes no joint message, version, answer or audit event."""
    before = _rows(chat.database)
    said = chat.say(line, person=person, channel=channel)
    assert not said.ok, (line, said.text)
    assert _rows(chat.database) == before, line
    return said


def _rows(database: Database) -> tuple[list[dict[str, Any]], ...]:
    with Session(database.engine) as session:
        return (
            [m.model_dump() for m in session.exec(select(JointMessage))],
            [v.model_dump() for v in session.exec(select(JointMessageVersion))],
            [a.model_dump() for a in session.exec(select(JointMessageAnswer))],
            [e.model_dump() for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))],
        )


def _register(chat: Chat, channel: str = "stab", **people: str) -> None:
    for person, organisation in people.items():
        _ok(chat, f"!aktör {organisation}", person=person, channel=channel)


def _buttons(said: Said, channel: str | None = None) -> list[str]:
    """The commands of the buttons in the reply (or in the post to ``channel``)."""
    if channel is None:
        assert said.reply is not None
        documents = [said.reply.document]
    else:
        documents = [post.document for post in said.posts if post.channel_id == channel]
    return [
        button.command
        for document in documents
        for block in document.blocks
        if isinstance(block, Actions)
        for button in block.buttons
    ]


def _stored(database: Database, forum_slug: str, number: int) -> JointMessage:
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == forum_slug)).one()
        return session.exec(
            select(JointMessage).where(
                JointMessage.forum_id == forum.id, JointMessage.number == number
            )
        ).one()


def _activated(chat: Chat) -> None:
    """The conference bound to two channels and activated with four organisations called in."""
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla samverkanskonferens", channel="kommunikation")
    _register(chat, operator="Länsstyrelsen", anna="Polisen", tom="Trafikverket", sven="SOS Alarm")
    _ok(chat, "!aktivera Snöoväder kalla: Polisen, Trafikverket, SOS Alarm, Länsstyrelsen")


# -- the whole course of one message ------------------------------------------------------------


def test_proposed_objected_to_revised_and_agreed_in_an_activation(
    chat: Chat, database: Database
) -> None:
    _activated(chat)
    chat.advance(minutes=5)  # 15:05
    proposed = _ok(chat, "!budskap förslag Undvik onödiga resor i länet i kväll.", person="anna")
    for text in (proposed.text, proposed.post_text("kommunikation")):
        assert "Förslag till gemensamt budskap 1" in text
        assert "Undvik onödiga resor i länet i kväll." in text
        assert "Föreslaget av anna (Polisen Region Stockholm), 2026-11-26 15:05." in text
        assert "Under aktiveringen svarar de 4 inkallade organisationerna" in text
        assert "Invändning: !budskap invändning 1 <vad och varför>" in text
    assert _buttons(proposed) == _buttons(proposed, "kommunikation") == ["budskap ok 1"]
    assert "Skickat också till forumets andra kanal." in proposed.text
    assert [post.channel_id for post in proposed.posts] == ["kommunikation"]
    activation_id = _stored(database, "samverkanskonferens", 1).activation_id
    assert activation_id is not None

    # Answers: ok (the button), an objection, and an answer that replaces the earlier one.
    chat.advance(minutes=2)  # 15:07
    ok = _ok(chat, "!" + _buttons(proposed)[0], person="anna", channel="kommunikation")
    assert "Polisen Region Stockholm står bakom gemensamt budskap 1 (version 1)." in ok.text
    assert (
        "1 av 4 har svarat: 1 ok, 0 invändningar; "
        "väntar på Länsstyrelsen Stockholm; SOS Alarm; Trafikverket." in ok.text
    )
    chat.advance(minutes=1)  # 15:08
    objected = _ok(chat, f"!budskap invändning 1 {OBJECTION}", person="tom")
    assert (
        "Invändningen från Trafikverket mot gemensamt budskap 1 (version 1) är noterad: "
        + OBJECTION
        in objected.text
    )
    listed = _ok(chat, "!budskap", person="sven")
    assert (
        "#1 (förslag, version 1): Undvik onödiga resor i länet i kväll. – 2 av 4 har svarat: "
        f"1 ok, 1 invändning (Trafikverket: {OBJECTION}); "
        "väntar på Länsstyrelsen Stockholm; SOS Alarm." in listed.text
    )
    chat.advance(minutes=1)  # 15:09
    again = _ok(chat, "!budskap ok 1", person="tom")
    assert "Det ersätter organisationens tidigare svar (invändning, 2026-11-26 15:08, tom)." in (
        again.text
    )
    assert "2 av 4 har svarat: 2 ok, 0 invändningar" in again.text

    # The proposer revises it: a new version, posted again, and everyone answers again.
    chat.advance(minutes=3)  # 15:12
    revised = _ok(chat, "!budskap ändra 1 Undvik onödiga resor med bil i kväll.", person="anna")
    for text in (revised.text, revised.post_text("kommunikation")):
        assert "Gemensamt budskap 1, version 2" in text
        assert "Undvik onödiga resor med bil i kväll." in text
        assert "Ändrat av anna (Polisen Region Stockholm), 2026-11-26 15:12." in text
        assert "Svaren på den tidigare versionen räknas inte längre" in text
    assert _buttons(revised, "kommunikation") == ["budskap ok 1"]
    assert "De 2 svaren på version 1 räknas inte längre." in revised.text
    assert "0 av 4 har svarat" in _ok(chat, "!budskap").text
    _ok(chat, "!budskap ok 1", person="anna")
    _ok(chat, f"!budskap invändning 1 {OBJECTION}", person="tom")
    shown = _ok(chat, "!budskap 1", person="sven")
    assert "Status: förslag, version 2" in shown.text
    assert "Svar på version 2:" in shown.text
    assert "Polisen Region Stockholm: ok (anna, 2026-11-26 15:12)" in shown.text
    assert f"Trafikverket: invändning (tom, 2026-11-26 15:12): {OBJECTION}" in shown.text
    assert (
        "Version 1 – 2026-11-26 15:05, anna (Polisen Region Stockholm): "
        "Undvik onödiga resor i länet i kväll." in shown.text
    )
    assert "Version 2 – 2026-11-26 15:12, anna (Polisen Region Stockholm)" in shown.text

    # A coordinator agrees it although Trafikverket objects: posted in every channel.
    chat.advance(minutes=8)  # 15:20
    agreed = _ok(chat, "!budskap fastställ 1")
    assert [post.channel_id for post in agreed.posts] == ["kommunikation"]
    for text in (agreed.text, agreed.post_text("kommunikation")):
        assert "Gemensamt budskap 1 är fastställt" in text
        assert "Undvik onödiga resor med bil i kväll." in text
        assert (
            "Fastställt av operator (Länsstyrelsen Stockholm) i Regional samverkanskonferens, "
            "2026-11-26 15:20." in text
        )
        assert "Står bakom: Polisen Region Stockholm" in text
        assert f"Invändningar:\n  • Trafikverket: {OBJECTION}" in text
        assert "Har inte svarat: Länsstyrelsen Stockholm; SOS Alarm" in text
        assert "Fastställt trots en invändning, som är noterad." in text
        assert "Varje aktör beslutar själv och publicerar budskapet i sina egna kanaler." in text
    assert "Budskapet är publicerat här och i forumets andra kanal." in agreed.text
    assert not _buttons(agreed, "kommunikation")  # nothing left to answer
    listed = _ok(chat, "!budskap", person="anna")
    assert "Fastställda:" in listed.text
    assert "#1 (fastställt 2026-11-26 15:20): Undvik onödiga resor med bil i kväll." in listed.text
    assert "Förslag:" not in listed.text

    # What the joint picture, the minutes and the exports show of it.
    message = _stored(database, "samverkanskonferens", 1)
    assert message.activation_id == activation_id
    with database.reading(AuditContext("test", "stab", "x", "x", chat.clock.now())) as store:
        forum = store.forums.for_channel("test", "stab")
        assert forum is not None
        [summary] = agreed_messages(store, forum, chat.clock.now())
    assert summary.number == 1
    assert summary.text == "Undvik onödiga resor med bil i kväll."
    assert summary.agreed_at == datetime(2026, 11, 26, 15, 20, tzinfo=STOCKHOLM)
    assert summary.agreed == ("Polisen Region Stockholm",)
    assert summary.objected == ("Trafikverket",)


def test_proposals_are_numbered_per_forum_and_every_member_answers_in_ordinary_mode(
    forum_chat: Chat,
) -> None:
    _ok(forum_chat, "!forum koppla chefsgrupp", channel="chefer")
    _register(forum_chat, anna="Polisen")
    first = _ok(forum_chat, "!budskap förslag Undvik onödiga resor i kväll.", person="anna")
    assert "Forumets 37 medlemsorganisationer svarar, var och en för sig." in first.text
    assert first.posts == []  # the forum has no other channel
    assert "Skickat också" not in first.text
    second = _ok(forum_chat, "!budskap förslag Håll koll på krisinformation.se.")
    assert "Förslag till gemensamt budskap 2" in second.text
    elsewhere = _ok(forum_chat, "!budskap förslag Lyssna på P4.", channel="chefer")
    assert "Förslag till gemensamt budskap 1" in elsewhere.text
    _ok(forum_chat, "!budskap ok 2", person="anna")
    listed = _ok(forum_chat, "!budskap")
    assert (
        "#2 (förslag, version 1): Håll koll på krisinformation.se. – 1 av 37 har svarat: 1 ok, "
        "0 invändningar; väntar på Botkyrka kommun; Brandkåren Attunda; Danderyds kommun; "
        "Ekerö kommun; Försvarsmakten, Militärregion Mitt; Haninge kommun; Huddinge kommun; "
        "Järfälla kommun och 28 till." in listed.text
    )
    assert "Lyssna på P4." not in listed.text  # the other forum's
    # One message in full names everyone still to answer.
    shown = _ok(forum_chat, "!budskap visa 2")
    assert "Österåkers kommun" in shown.text
    assert "Polisen Region Stockholm: ok (anna, 2026-11-26 15:00)" in shown.text


def test_none_yet_says_how_to_propose_one_and_the_example_works(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    said = _ok(forum_chat, "!budskap", person="anna")
    assert "Regional samverkanskonferens har inga gemensamma budskap just nu." in said.text
    example = "!budskap förslag Undvik onödiga resor i länet i kväll"
    assert f"till exempel: {example}." in said.text
    _ok(forum_chat, example, person="anna")
    assert "#1 (förslag, version 1): Undvik onödiga resor i länet i kväll" in (
        _ok(forum_chat, "!budskap").text
    )


# -- who answers --------------------------------------------------------------------------------


def test_in_an_activation_only_those_called_in_and_not_released_answer(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _register(chat, anna="Polisen", tom="Trafikverket")
    _ok(chat, "!aktivera Snöoväder kalla: Polisen")
    proposed = _ok(chat, "!budskap förslag Undvik onödiga resor.", person="anna")
    assert "Under aktiveringen svarar den inkallade organisationen." in proposed.text
    refused = _refused(chat, "!budskap ok 1", person="tom")
    assert (
        "Trafikverket är inte inkallad till aktiveringen av Regional samverkanskonferens "
        "(eller är släppt) och svarar inte på gemensamma budskap under den. Inget har ändrats."
        in refused.text
    )
    hint = "!kalla in Trafikverket"
    assert f"En koordinator kan kalla in organisationen med {hint}" in refused.text
    _ok(chat, hint)
    answered = _ok(chat, "!budskap ok 1", person="tom")
    assert "1 av 2 har svarat: 1 ok, 0 invändningar; väntar på Polisen Region Stockholm." in (
        answered.text
    )
    _ok(chat, "!släpp Trafikverket")
    assert "inte inkallad" in _refused(chat, f"!budskap invändning 1 {OBJECTION}", "tom").text
    # Its answer stays on record; Polisen is still awaited.
    listed = _ok(chat, "!budskap")
    assert "1 av 2 har svarat: 1 ok, 0 invändningar; väntar på Polisen Region Stockholm." in (
        listed.text
    )


def test_an_organisation_outside_the_forum_cannot_answer(chat: Chat) -> None:
    _ok(chat, "!forum koppla verkställande forum", channel="lc")
    _register(chat, channel="lc", anna="Polisen", nils="Nacka")
    _ok(chat, "!budskap förslag Undvik E4 norrut.", person="anna", channel="lc")
    refused = _refused(chat, "!budskap ok 1", person="nils", channel="lc")
    assert (
        "Nacka kommun är inte medlem i Verkställande forum – Ledningscentraler och svarar inte "
        "på forumets gemensamma budskap. Inget har ändrats." in refused.text
    )
    assert "Vilka organisationer som är medlemmar visar !forum medlemmar." in refused.text
    members = _ok(chat, "!forum medlemmar", person="nils", channel="lc")
    assert "Nacka kommun" not in members.text
    # Nor can someone who has not said which organisation they represent.
    _ok(chat, "!roll @olle aktör", channel="lc")
    nobody = _refused(chat, "!budskap ok 1", person="olle", channel="lc")
    assert "Du har inte sagt vilken organisation du företräder." in nobody.text


# -- retiring -----------------------------------------------------------------------------------


def test_retiring_a_proposal_and_an_agreed_message(forum_chat: Chat) -> None:
    _ok(forum_chat, "!forum koppla samverkanskonferens", channel="kommunikation")
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    _ok(forum_chat, "!budskap förslag Undvik onödiga resor.", person="anna")
    _ok(forum_chat, "!budskap förslag Följ SMHI:s varningar.", person="anna")
    # Another actor cannot retire anna's proposal; anna can, quietly.
    refused = _refused(forum_chat, "!budskap upphör 1", person="tom")
    assert (
        "Bara den som föreslog gemensamt budskap 1, anna (Polisen Region Stockholm), eller en "
        "koordinator för Regional samverkanskonferens kan låta det upphöra." in refused.text
    )
    assert "Se vilka som är koordinatorer med !roll lista." in refused.text
    _ok(forum_chat, "!roll lista", person="tom")
    forum_chat.advance(minutes=10)
    withdrawn = _ok(forum_chat, "!budskap upphör 1", person="anna")
    assert (
        "Förslaget till gemensamt budskap 1 avslutades 2026-11-26 15:10 av anna "
        "(Polisen Region Stockholm); ingen svarar på det längre." in withdrawn.text
    )
    assert withdrawn.posts == []
    gone = _refused(forum_chat, "!budskap ok 1", person="tom")
    assert "Gemensamt budskap 1 har upphört (2026-11-26 15:10). Inget har ändrats." in gone.text
    assert "Föreslå ett nytt med !budskap förslag <text>" in gone.text
    assert "#1" not in _ok(forum_chat, "!budskap").text

    # Agreed, only a coordinator retires it, and every channel hears of it.
    _ok(forum_chat, "!budskap fastställ 2")
    refused = _refused(forum_chat, "!budskap upphör 2", person="anna")
    assert (
        "Gemensamt budskap 2 är fastställt: bara en koordinator för Regional "
        "samverkanskonferens kan låta det upphöra." in refused.text
    )
    forum_chat.advance(minutes=10)
    retired = _ok(forum_chat, "!budskap upphör 2")
    for text in (retired.text, retired.post_text("kommunikation")):
        assert "Gemensamt budskap 2 har upphört" in text
        assert "Följ SMHI:s varningar." in text
        assert "Avslutat 2026-11-26 15:20 av operator. Aktörerna publicerar det inte längre." in (
            text
        )
    shown = _ok(forum_chat, "!budskap 2")
    assert "Status: upphört" in shown.text
    assert "Upphört: operator, 2026-11-26 15:20" in shown.text
    again = _refused(forum_chat, "!budskap upphör 2")
    assert "Gemensamt budskap 2 har upphört (2026-11-26 15:20)." in again.text
    listed = _ok(forum_chat, "!budskap")
    assert "har inga gemensamma budskap just nu" in listed.text


# -- attacks and refusals -----------------------------------------------------------------------


def test_an_actor_cannot_agree_revise_or_retire_what_is_not_theirs(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    _ok(forum_chat, "!budskap förslag Undvik onödiga resor.", person="anna")
    agree = _refused(forum_chat, "!budskap fastställ 1", person="anna")
    assert "kräver rollen koordinator; din roll här: aktör" in agree.text
    revise = _refused(forum_chat, "!budskap ändra 1 Res inte alls.", person="tom")
    assert (
        "Bara den som föreslog gemensamt budskap 1, anna (Polisen Region Stockholm), eller en "
        "koordinator för Regional samverkanskonferens kan ändra det." in revise.text
    )
    # The hint is what tom can do instead: object.
    hint = "!budskap invändning 1 <vad och varför>"
    assert f"Har din organisation synpunkter på texten: {hint}" in revise.text
    _ok(forum_chat, hint.replace("<vad och varför>", "Res inte alls."), person="tom")
    _refused(forum_chat, "!budskap upphör 1", person="tom")
    # People without a role here cannot propose, nor can an observer.
    _refused(forum_chat, "!budskap förslag Allt är lugnt.", person="eve")
    _ok(forum_chat, "!roll @olle observatör")
    _refused(forum_chat, "!budskap förslag Allt är lugnt.", person="olle")
    # A coordinator can revise someone else's proposal.
    revised = _ok(forum_chat, "!budskap ändra 1 Undvik onödiga resor med bil.")
    assert "Ändrat av operator" in revised.text
    assert "Svaret på version 1 räknas inte längre." in revised.text


def test_every_refusal_changes_nothing_and_its_hint_works(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    # No message yet: the example to propose one.
    none = _refused(forum_chat, "!budskap ok 1", person="anna")
    assert (
        "Regional samverkanskonferens har inga aktuella gemensamma budskap, så det finns inget "
        "nummer 1." in none.text
    )
    _ok(forum_chat, "!budskap förslag Undvik onödiga resor i länet i kväll", person="anna")
    _ok(forum_chat, "!budskap förslag Följ SMHI:s varningar.", person="anna")

    # An unknown number names those that exist.
    unknown = _refused(forum_chat, "!budskap ok 7", person="tom")
    assert (
        "Regional samverkanskonferens har inget gemensamt budskap nummer 7. "
        "Aktuella budskap: 1, 2." in unknown.text
    )
    assert "Se forumets gemensamma budskap med !budskap." in unknown.text
    _ok(forum_chat, "!budskap", person="tom")
    assert "Aktuella budskap: 1, 2." in _refused(forum_chat, "!budskap visa tre").text
    assert "Aktuella budskap: 1, 2." in _refused(forum_chat, "!budskap 99999999999999").text

    # Text where a number belongs: most likely a proposal.
    text = _refused(forum_chat, "!budskap Håll avstånd till plogbilarna", person="tom")
    assert "”Håll avstånd till plogbilarna” är inget nummer på ett gemensamt budskap." in (
        text.text
    )
    hint = "!budskap förslag Håll avstånd till plogbilarna"
    assert f"Ska det bli ett gemensamt budskap skriver du: {hint}" in text.text
    _ok(forum_chat, hint, person="tom")

    # An objection needs its reason; the example given works.
    bare = _refused(forum_chat, "!budskap invändning 2", person="tom")
    assert "En invändning behöver en anledning" in bare.text
    example = (
        "!budskap invändning 2 Vi kan inte avråda från all kollektivtrafik eftersom pendeltågen "
        "går som vanligt."
    )
    assert f"Till exempel: {example}" in bare.text
    _ok(forum_chat, example, person="tom")

    # Too long, for a proposal, a revision and a reason.
    long = "Undvik resor. " * 80
    too_long = _refused(forum_chat, f"!budskap förslag {long}", person="anna")
    assert (
        f"Budskapet är {len(long.strip())} tecken långt; ett gemensamt budskap får vara högst "
        "1000 tecken. Inget har ändrats." in too_long.text
    )
    _refused(forum_chat, f"!budskap ändra 1 {long}", person="anna")
    _refused(forum_chat, f"!budskap invändning 1 {long}", person="tom")

    # The same text again is no new version.
    same = _refused(forum_chat, "!budskap ändra 2 Följ SMHI:s varningar.", person="anna")
    assert "Texten är densamma som version 1 av gemensamt budskap 2." in same.text
    hint = "!budskap ändra 2 <ny text>"
    assert f"En ny version skrivs med {hint}" in same.text
    _ok(forum_chat, hint.replace("<ny text>", "Följ SMHI:s varningar i radio."), person="anna")

    # Agreed: no more answers or versions; the hint's way out works for a coordinator.
    _ok(forum_chat, "!budskap fastställ 1")
    for line, person in (
        ("!budskap ok 1", "tom"),
        (f"!budskap invändning 1 {OBJECTION}", "tom"),
        ("!budskap ändra 1 Något annat.", "anna"),
        ("!budskap fastställ 1", "operator"),
    ):
        agreed = _refused(forum_chat, line, person=person)
        assert (
            "Gemensamt budskap 1 är redan fastställt (2026-11-26 15:00) och kan inte besvaras "
            "eller ändras. Inget har ändrats." in agreed.text
        )
        assert "låta det här upphöra med !budskap upphör 1 och" in agreed.text
    _ok(forum_chat, "!budskap upphör 1")


# -- an English forum ---------------------------------------------------------------------------


def test_an_english_forum_gets_the_english_wording(forum_chat: Chat) -> None:
    _ok(forum_chat, "!forum koppla samverkanskonferens", channel="comms")
    _ok(forum_chat, "!forum language en")
    _register(forum_chat, anna="Polisen", tom="Trafikverket")
    none = _ok(forum_chat, "!message", person="anna")
    assert "Regional samverkanskonferens has no joint messages at the moment." in none.text
    example = "!message propose Avoid unnecessary travel in the county tonight"
    assert f"for example: {example}." in none.text
    proposed = _ok(forum_chat, example, person="anna")
    for text in (proposed.text, proposed.post_text("comms")):
        assert "Proposed joint message 1" in text
        assert "Proposed by anna (Polisen Region Stockholm), 2026-11-26 15:00." in text
        assert "The forum's 37 member organisations answer, each for itself." in text
        assert "Objection: !message object 1 <what and why>" in text
    assert _buttons(proposed, "comms") == ["message ok 1"]
    ok = _ok(forum_chat, "!message ok 1", person="anna")
    assert "Polisen Region Stockholm stands behind joint message 1 (version 1)." in ok.text
    assert "1 of 37 has answered: 1 ok, 0 objections; waiting for Botkyrka kommun;" in ok.text
    bare = _refused(forum_chat, "!message object 1", person="tom")
    assert "An objection needs a reason" in bare.text
    example = (
        "!message object 1 We cannot advise against all public transport because the commuter "
        "trains run as usual."
    )
    assert f"For example: {example}" in bare.text
    _ok(forum_chat, example, person="tom")
    listed = _ok(forum_chat, "!message")
    assert "2 of 37 have answered: 1 ok, 1 objection (Trafikverket: We cannot" in listed.text
    agreed = _ok(forum_chat, "!message agree 1")
    for text in (agreed.text, agreed.post_text("comms")):
        assert "Joint message 1 is agreed" in text
        assert "Stand behind it: Polisen Region Stockholm" in text
        assert "Objections:\n  • Trafikverket: We cannot advise" in text
        assert "Did not answer: Botkyrka kommun;" in text
        assert "Agreed despite one objection, which is noted." in text
        assert "Each actor decides for itself and publishes the message" in text
    assert "#1 (agreed 2026-11-26 15:00)" in _ok(forum_chat, "!message").text
    shown = _ok(forum_chat, "!message show 1")
    assert "State: agreed" in shown.text

"""The green button through the dispatcher: a request for activation reaches the RSK and TiB
on duty first (mention and direct message), the coordinators when nobody acknowledges it in
time (the clock moved, the timekeeper run), whom to phone when there is nobody; taking the
request (``!kvittera begäran``); and the strategic level asked for from an activated
coordinating forum (``!lyft inriktande``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.document import Actions, Document, Mention
from commands.core.messages import Post
from commands.core.outbox import Delivery
from storage import Database
from storage.models import Activation, ActivationRequest, AuditEvent, Forum, ScheduledPost
from tests.support.chat import Chat, Said

# Without the conference's own posts before its 16:00 meeting: only ours come out of a tick.
QUIET = replace(CoreConfig(), meeting_reminder_offsets=(None, None, None, None))


def _ok(chat: Chat, line: str, **options: Any) -> Said:
    said = chat.say(line, **options)
    assert said.ok, (line, said.text)
    return said


def _mentions(document: Document) -> set[tuple[str, str]]:
    found = set()
    for block in document.blocks:
        rows = getattr(block, "items", None) or [getattr(block, "parts", ())]
        for row in rows:
            for part in row:
                if isinstance(part, Mention):
                    found.add((part.platform, part.user_id))
    return found


def _buttons(document: Document) -> list[str]:
    return [
        button.command
        for block in document.blocks
        if isinstance(block, Actions)
        for button in block.buttons
    ]


def _tick(chat: Chat) -> list[Post]:
    posts = chat.tick()
    for post in posts:
        if post.outbox_id is not None:
            chat.record_delivery(Delivery(post.outbox_id, message_id="m"))
    return posts


def _requests(database: Database) -> list[ActivationRequest]:
    with Session(database.engine) as session:
        return list(session.exec(select(ActivationRequest)))


def _on_duty(database: Database, clock: FixedClock, config: CoreConfig = QUIET) -> Chat:
    """The conference bound to #stab and #ledning, anna of Polisen; rsk is RSK on duty here,
    tib (on Matrix) is TiB on duty; lisa coordinates the conference."""
    chat = Chat(database, clock, config)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla samverkanskonferens", channel="ledning")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!roll @lisa koordinator")
    _ok(chat, "!roll @rsk koordinator regionalt")
    _ok(chat, "!beredskap ta över RSK", person="rsk")
    matrix = Chat(database, clock, config, platform="matrix")
    _ok(matrix, "!roll @tib koordinator regionalt", channel="fri")
    _ok(matrix, "!beredskap ta över TiB", person="tib", direct=True, channel="dm-tib")
    return chat


# -- the request reaches those on duty first -----------------------------------------------------


def test_the_request_mentions_those_on_duty_and_writes_to_each(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    said = _ok(chat, "!begär aktivering Stormvarning klass 2", person="anna")
    assert "Begäran om aktivering av Regional samverkanskonferens" in said.text
    assert "Begärd av anna (Polisen Region Stockholm) 2026-11-26 15:00." in said.text
    assert "I beredskap: RSK @rsk, TiB @tib" in said.text
    assert "Kvitteras begäran inte inom 15 minuter får forumets koordinatorer veta det." in (
        said.text
    )
    assert "RSK eller TiB i beredskap, eller en koordinator, kvitterar med !kvittera begäran." in (
        said.text
    )
    assert said.reply is not None
    # Those on duty are notified, on their own platforms; the coordinators not yet.
    assert _mentions(said.reply.document) == {("test", "rsk"), ("matrix", "tib")}
    assert "@lisa" not in said.text
    assert _buttons(said.reply.document) == ["kvittera begäran"]
    assert "I beredskap: RSK @rsk, TiB @tib" in said.post_text("ledning")
    direct = {(p.platform, p.channel_id): p for p in said.posts if p.direct}
    assert set(direct) == {("test", "rsk"), ("matrix", "tib")}
    to_tib = render_text(direct[("matrix", "tib")].document)
    assert "Till TiB i beredskap: begäran om aktivering av Regional samverkanskonferens" in to_tib
    assert "Begärd i #stab på test." in to_tib
    assert "Anledning: Stormvarning klass 2" in to_tib
    assert "Kvittera här med !kvittera begäran" in to_tib
    assert _buttons(direct[("matrix", "tib")].document) == ["kvittera begäran"]
    [request] = _requests(database)
    assert (request.reason, request.acknowledged_at) == ("Stormvarning klass 2", None)


def test_one_person_holding_both_roles_is_written_to_once(forum_chat: Chat) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!roll @rsk koordinator regionalt")
    _ok(forum_chat, "!beredskap ta över RSK", person="rsk")
    _ok(forum_chat, "!beredskap ta över TiB", person="rsk")
    said = _ok(forum_chat, "!begär aktivering Storm", person="anna")
    assert "I beredskap: RSK & TiB @rsk" in said.text
    [direct] = [p for p in said.posts if p.direct]
    assert "Till RSK & TiB i beredskap" in render_text(direct.document)


def test_nobody_acknowledging_in_time_brings_in_every_coordinator(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!begär aktivering Storm", person="anna")
    chat.advance(minutes=14, seconds=59)
    assert _tick(chat) == []
    chat.advance(seconds=1)
    [escalated] = _tick(chat)
    assert escalated.channel_id == "stab"  # where it was asked
    text = render_text(escalated.document)
    assert (
        "Ingen i beredskap har kvitterat begäran om aktivering av Regional samverkanskonferens "
        "från anna 15:00 (15 min sedan)."
    ) in text
    assert "Anledning: Storm" in text
    assert "För koordinatorerna:" in text
    assert {("test", "lisa"), ("test", "rsk"), ("matrix", "tib"), ("test", "operator")} <= (
        _mentions(escalated.document)
    )
    assert _buttons(escalated.document) == ["kvittera begäran"]
    chat.advance(hours=1)
    assert _tick(chat) == []  # once


def test_an_acknowledged_request_or_an_activated_forum_is_not_escalated(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!begär aktivering Storm", person="anna")
    chat.advance(minutes=4)
    said = _ok(chat, "!kvittera begäran", person="rsk")
    assert (
        "Begäran om aktivering av Regional samverkanskonferens är kvitterad av rsk (RSK) 15:04, "
        "4 min efter begäran."
    ) in said.text
    assert "Koordinatorerna påminns inte." in said.text
    assert "kvitterad av rsk (RSK)" in said.post_text("ledning")
    chat.advance(minutes=30)
    assert _tick(chat) == []
    [request] = _requests(database)
    assert request.acknowledged_at is not None
    # The next request, answered by an activation before anyone acknowledged it.
    chat.advance(hours=7)
    _ok(chat, "!begär aktivering Ny storm", person="anna")
    chat.advance(minutes=5)
    _ok(chat, "!aktivera Ny storm")
    chat.advance(minutes=10)
    assert not [p for p in _tick(chat) if "kvitterat begäran" in render_text(p.document)]
    with Session(database.engine) as session:
        states = {p.kind: p.state.value for p in session.exec(select(ScheduledPost))}
    assert states["activation_request_escalation"] == "cancelled"


def test_the_wait_before_the_coordinators_are_told_is_configurable(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock, replace(QUIET, duty_request_escalation_minutes=1))
    said = _ok(chat, "!begär aktivering Storm", person="anna")
    assert "Kvitteras begäran inte inom 1 minut får" in said.text
    chat.advance(minutes=1)
    [escalated] = _tick(chat)
    assert "(1 min sedan)" in render_text(escalated.document)


def test_pressed_again_it_is_added_and_nobody_is_mentioned_again(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!aktör SOS Alarm", person="bo")
    _ok(chat, "!begär aktivering Storm", person="anna")
    chat.advance(minutes=2)
    again = _ok(chat, "!begär aktivering Storm här också", person="bo")
    assert "Aktivering är redan begärd av anna 2026-11-26 15:00." in again.text
    assert "(2 begäranden)" in again.text
    assert "Ingen i beredskap har kvitterat begäran ännu." in again.text
    assert again.posts == []
    assert again.reply is not None
    assert _mentions(again.reply.document) == set()
    _ok(chat, "!kvittera begäran", person="rsk")
    third = _ok(chat, "!begär aktivering Storm", person="anna")
    assert "Begäran är kvitterad av rsk 15:02." in third.text
    [request] = _requests(database)
    assert request.repeats is not None
    assert len(request.repeats) == 2
    chat.advance(minutes=20)
    assert _tick(chat) == []


# -- with nobody on duty ------------------------------------------------------------------------


def test_with_nobody_on_duty_the_coordinators_are_mentioned_at_once(
    database: Database, clock: FixedClock
) -> None:
    chat = Chat(database, clock, QUIET)
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!roll @lisa koordinator")
    _ok(chat, "!aktör Polisen", person="anna")
    said = _ok(chat, "!begär aktivering Storm", person="anna")
    assert "Ingen är RSK eller TiB i beredskap just nu." in said.text
    assert "Koordinatorer: @lisa, @operator" in said.text
    assert said.reply is not None
    assert _mentions(said.reply.document) == {("test", "lisa"), ("test", "operator")}
    assert [p for p in said.posts if p.direct] == []
    chat.advance(hours=1)
    assert _tick(chat) == []  # they have been told: nothing to escalate
    assert len(_requests(database)) == 1


def test_with_nobody_to_reach_the_requester_is_told_whom_to_phone(
    database: Database, clock: FixedClock
) -> None:
    # Bound by a room moderator under the opt-in rule: no coordinator the bot knows by name.
    config = replace(QUIET, platform_moderators_are_coordinators=True)
    chat = Chat(database, clock, config)
    _ok(chat, "!forum koppla samverkanskonferens", person="mod", moderator=True)
    _ok(chat, "!aktör Polisen", person="anna")
    said = _ok(chat, "!begär aktivering Storm", person="anna")
    assert (
        "Ingen är i beredskap här (RSK eller TiB) och forumet har inga koordinatorer: ring "
        "Länsstyrelsens tjänsteman i beredskap (TiB), som nås dygnet runt via SOS Alarm. "
        "Begäran är registrerad."
    ) in said.text
    assert said.reply is not None
    assert _buttons(said.reply.document) == []
    [request] = _requests(database)
    assert request.reason == "Storm"
    with Session(database.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "activation.request" in actions


def test_the_duty_phone_is_given_when_set(database: Database, clock: FixedClock) -> None:
    config = replace(QUIET, platform_moderators_are_coordinators=True, duty_phone="08-123 456 78")
    chat = Chat(database, clock, config)
    _ok(chat, "!forum koppla samverkanskonferens", person="mod", moderator=True)
    _ok(chat, "!forum språk en", person="mod", moderator=True)
    _ok(chat, "!aktör Polisen", person="anna")
    said = _ok(chat, "!request activation Storm", person="anna")
    assert (
        "phone the duty officer of Länsstyrelsen (TiB) on 08-123 456 78. The request is recorded."
    ) in said.text
    assert len(_requests(database)) == 1


# -- !kvittera begäran ----------------------------------------------------------------------------


def test_who_may_take_the_request(database: Database, clock: FixedClock) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!forum koppla chefsgrupp", channel="chef")
    _ok(chat, "!roll @cb koordinator", channel="chef")
    _ok(chat, "!begär aktivering Storm", person="anna")
    for person, options in (
        ("anna", {}),  # the requester, an actor
        ("mallory", {"moderator": True}),  # a room admin without a role
        ("cb", {}),  # another forum's coordinator
    ):
        said = chat.say("!kvittera begäran", person=person, **options)
        assert not said.ok, person
        assert (
            "Bara RSK eller TiB i beredskap, eller en koordinator för Regional "
            "samverkanskonferens, kvitterar en begäran om aktivering."
        ) in said.text
        assert "Se vem som är i beredskap med !beredskap." in said.text
        assert said.posts == []
    assert _requests(database)[0].acknowledged_at is None
    # The forum's coordinator may, without being on duty.
    chat.advance(minutes=1)
    said = _ok(chat, "!ack request", person="lisa")
    assert "kvitterad av lisa (koordinator) 15:01, 1 min efter begäran" in said.text
    second = _ok(chat, "!kvittera begäran", person="rsk")
    assert (
        "Begäran om aktivering av Regional samverkanskonferens är redan kvitterad av lisa 15:01, "
        "1 min efter begäran. Inget har ändrats."
    ) in second.text
    assert second.posts == []
    [request] = _requests(database)
    with Session(database.engine) as session:
        acks = [e for e in session.exec(select(AuditEvent)) if e.action == "activation.request_ack"]
    assert len(acks) == 1
    assert request.acknowledged_by_id is not None


def test_the_duty_officer_takes_it_from_the_direct_message(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!begär aktivering Storm", person="anna")
    matrix = Chat(database, clock, QUIET, platform="matrix")
    said = _ok(matrix, "!kvittera begäran", person="tib", direct=True, channel="dm-tib")
    assert "är kvitterad av tib (TiB) 15:00" in said.text
    # The forum's channels hear it.
    assert "kvitterad av tib (TiB)" in said.post_text("stab")
    assert "kvitterad av tib (TiB)" in said.post_text("ledning")


def test_in_a_direct_conversation_several_open_requests_are_named(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!forum koppla samordningsgrupp", channel="grupp")
    _ok(chat, "!begär aktivering Storm", person="anna")
    _ok(chat, "!begär aktivering Vatten", person="anna", channel="grupp")
    said = chat.say("!kvittera begäran", person="rsk", direct=True, channel="dm-rsk")
    assert not said.ok
    assert "Flera begäranden om aktivering väntar" in said.text
    assert "Regional samverkanskonferens" in said.text
    assert "Regional samordningsgrupp" in said.text
    assert all(r.acknowledged_at is None for r in _requests(database))
    # In the forum's channel, as the hint says.
    assert _ok(chat, "!kvittera begäran", person="rsk", channel="grupp").ok
    # One left waiting: the direct conversation takes that one.
    said = _ok(chat, "!kvittera begäran", person="rsk", direct=True, channel="dm-rsk")
    assert "Begäran om aktivering av Regional samverkanskonferens är kvitterad av rsk" in said.text
    assert all(r.acknowledged_at is not None for r in _requests(database))


def test_with_no_request_open_it_says_so(forum_chat: Chat) -> None:
    said = forum_chat.say("!kvittera begäran")
    assert not said.ok
    assert "Ingen begäran om aktivering väntar i Regional samverkanskonferens." in said.text
    assert "!begär aktivering <anledning>" in said.text
    direct = forum_chat.say("!kvittera begäran", direct=True, channel="dm")
    assert "Ingen begäran om aktivering väntar." in direct.text


# -- !lyft inriktande (worked example 4) -----------------------------------------------------


def _strategic(database: Database) -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.slug == "inriktande-forum")).one()


def test_an_activated_conference_asks_for_the_strategic_forum(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktning")
    _ok(chat, "!roll @stina koordinator", channel="inriktning")
    _ok(chat, "!aktivera Snöoväder klass 2")
    chat.advance(hours=2)
    said = _ok(
        chat, "!lyft inriktande Snöovädret kräver en gemensam regional inriktning", person="anna"
    )
    assert "Begäran om aktivering av Regionalt inriktande forum" in said.text
    assert (
        "Från Regional samverkanskonferens, aktiverad 2026-11-26 15:00: Snöoväder klass 2"
    ) in said.text
    assert "Anledning: Snöovädret kräver en gemensam regional inriktning" in said.text
    assert "I beredskap: RSK @rsk, TiB @tib" in said.text
    assert "Koordinatorer: @stina" in said.text
    assert said.reply is not None
    assert {("test", "stina"), ("test", "rsk"), ("matrix", "tib")} <= _mentions(said.reply.document)
    assert "Begäran om aktivering av Regionalt inriktande forum" in said.post_text("inriktning")
    assert "ledning" not in {p.channel_id for p in said.posts}
    assert {(p.platform, p.channel_id) for p in said.posts if p.direct} == {
        ("test", "rsk"),
        ("matrix", "tib"),
    }
    strategic = _strategic(database)
    with Session(database.engine) as session:
        activation = session.exec(select(Activation)).one()
        [request] = session.exec(
            select(ActivationRequest).where(ActivationRequest.forum_id == strategic.id)
        ).all()
    assert request.from_activation_id == activation.id
    # The strategic forum's coordinator takes it in its channel; the conference hears it.
    took = _ok(chat, "!kvittera begäran", person="stina", channel="inriktning")
    assert "Begäran om aktivering av Regionalt inriktande forum är kvitterad av stina" in took.text
    assert "kvitterad av stina" in took.post_text("stab")
    # Asked again from the conference: added to the open request.
    again = _ok(chat, "!lyft inriktande Brådskande", person="anna")
    assert "Aktivering är redan begärd av anna 2026-11-26 17:00." in again.text
    assert again.posts == []


def test_the_on_duty_rsk_takes_it_in_the_conference(database: Database, clock: FixedClock) -> None:
    chat = _on_duty(database, clock)
    _ok(chat, "!aktivera Snöoväder")
    _ok(chat, "!lyft inriktande Inriktning behövs", person="anna")
    said = _ok(chat, "!kvittera begäran", person="rsk")
    assert "Begäran om aktivering av Regionalt inriktande forum är kvitterad av rsk (RSK)" in (
        said.text
    )
    assert (
        "En koordinator för Regionalt inriktande forum aktiverar forumet med !aktivera "
        "<anledning> i dess kanal."
    ) in said.text


def test_the_strategic_level_is_asked_for_only_from_an_activated_coordinating_forum(
    database: Database, clock: FixedClock
) -> None:
    chat = _on_duty(database, clock)
    not_activated = chat.say("!lyft inriktande Inriktning behövs", person="anna")
    assert not not_activated.ok
    assert (
        "Inriktande nivå begärs från ett aktiverat forum; Regional samverkanskonferens är inte "
        "aktiverad."
    ) in not_activated.text
    assert "!lyft inriktande Snöovädret kräver en gemensam regional inriktning" in (
        not_activated.text
    )
    _ok(chat, "!forum koppla chefsgrupp", channel="chef")
    _ok(chat, "!aktivera Övning", channel="chef")
    strategic = chat.say("!lyft inriktande Inriktning behövs", channel="chef")
    assert not strategic.ok
    assert "Regional chefsgrupp är inte på samordnande nivå" in strategic.text
    _ok(chat, "!forum koppla verkstallande-forum", channel="lc")
    _ok(chat, "!aktivera Övning", channel="lc")
    assert not chat.say("!lyft inriktande Inriktning behövs", channel="lc").ok
    assert _requests(database) == []
    # The strategic forum already activated: nothing to ask for.
    _ok(chat, "!forum koppla inriktande-forum", channel="inriktning")
    _ok(chat, "!aktivera Snö", channel="inriktning")
    _ok(chat, "!aktivera Snö")
    already = chat.say("!lyft inriktande Inriktning behövs", person="anna")
    assert not already.ok
    assert "Regionalt inriktande forum är redan aktiverat" in already.text
    assert _requests(database) == []

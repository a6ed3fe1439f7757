"""The holes a security review found around the trust model, each reproduced through the
dispatcher: a forum's coordinator reaching another forum, renaming people through a
mention, posts after a rebinding, a form answered after a demotion, green-button spam, the
reminder cap bypassed by snoozing, huge numbers. And the parts of the model itself: binding
announced, claims told and revocable, the identity map, direct conversations, regional
grants, and the start-up review of who lost the role."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import build_app
from bot.config import Settings
from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.forms import FormSubmission, FormSupport
from commands.core.messages import Incoming, MentionRef, Post, Speaker
from commands.core.outbox import Delivery
from storage import Database
from storage.models import (
    ActivationRequest,
    AuditEvent,
    ChannelBinding,
    Person,
    PostState,
    ScheduledPost,
    SituationReport,
)
from tests.conftest import THURSDAY_1500
from tests.support.chat import Chat


def _texts(posts: list[Post]) -> str:
    return "\n".join(render_text(post.document) for post in posts)


# -- 1. a forum's coordinator reaches only that forum -------------------------------------


def test_a_forums_coordinator_cannot_rebind_its_channel_to_another_forum(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla Tematiska arbetsgrupper", channel="tema").ok
    assert chat.say("!forum koppla chefsgrupp", channel="ledning").ok
    assert chat.say("!roll @eve koordinator", channel="tema").ok
    for line in (
        "!forum koppla chefsgrupp",
        "!forum skapa Falskt forum samordnande",
        "!aktör ny Falsk myndighet övrig",
    ):
        said = chat.say(line, person="eve", channel="tema")
        assert not said.ok, line
        assert said.posts == [], line
    with Session(database.engine) as session:
        bindings = session.exec(select(ChannelBinding).order_by(col(ChannelBinding.id))).all()
    assert [(b.channel_id, b.forum_id) for b in bindings] == [("tema", 6), ("ledning", 1)]
    # Still bound to her own forum, where she coordinates.
    assert "Tematiska arbetsgrupper" in chat.say("!forum", person="eve", channel="tema").text
    assert chat.say("!forum lossa", person="eve", channel="tema").ok


# -- binding is announced -------------------------------------------------------------------


def test_binding_rebinding_and_unbinding_are_announced_in_the_forums_other_channels(
    chat: Chat,
) -> None:
    assert chat.say("!forum koppla samverkanskonferens", channel="stab").ok
    assert chat.say("!forum koppla chefsgrupp", channel="ledning").ok
    said = chat.say("!forum koppla samverkanskonferens", channel="extra")
    assert said.ok
    assert said.post_text("stab") == (
        "operator har kopplat #extra på test till Regional samverkanskonferens."
    )
    moved = chat.say("!forum koppla chefsgrupp", channel="extra")
    assert (
        "operator har kopplat om #extra på test från Regional samverkanskonferens "
        "till Regional chefsgrupp" in moved.post_text("stab")
    )
    assert "operator har kopplat #extra på test till Regional chefsgrupp." in moved.post_text(
        "ledning"
    )
    gone = chat.say("!forum lossa", channel="extra")
    assert (
        "operator har tagit bort kopplingen mellan #extra på test och Regional chefsgrupp."
        in gone.post_text("ledning")
    )


# -- 3. names come from the platform, never from a message ----------------------------------


def test_a_mentions_link_text_renames_nobody(database: Database, clock: FixedClock) -> None:
    chat = Chat(database, clock)
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!aktör Polisen", person="@anna:x").ok
    speaker = Speaker("test", "operator", "operator")
    fake = MentionRef("@anna:x", "Anna är avskedad")
    incoming = Incoming("test", "stab", speaker, "!roll @anna observatör", mentions={"@anna": fake})
    reply = chat.dispatcher.handle(incoming)
    assert reply is not None
    assert reply.ok
    listed = chat.say("!aktörer").text
    assert "Polisen Region Stockholm: @anna:x" in listed
    assert "avskedad" not in listed


# -- 5. a forum's posts go only where the forum still is ------------------------------------


def test_a_meeting_closed_by_the_bot_posts_its_minutes_where_its_forum_is_now(
    chat: Chat,
) -> None:
    assert chat.say("!forum koppla samverkanskonferens", channel="stab").ok
    assert chat.say("!forum koppla samverkanskonferens", channel="kvar").ok
    assert chat.say("!möte start", channel="stab").ok
    assert chat.say("!info Glömt att avsluta", channel="stab").ok
    assert chat.say("!forum koppla chefsgrupp", channel="stab").ok
    chat.advance(hours=5)
    posts = chat.tick()
    assert {post.channel_id for post in posts} == {"kvar"}
    assert "Möte 1 avslutades automatiskt" in _texts(posts)


def test_a_forums_scheduled_post_is_cancelled_when_its_channel_serves_another_forum(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!aktör Polisen", person="anna").ok
    assert chat.say("!möte start").ok
    assert chat.say("!åtgärd Polisen Ta fram trafikplan senast fredag kl 12").ok
    assert chat.say("!påminn imorgon kl 9 Egen påminnelse").ok
    assert chat.say("!forum koppla chefsgrupp").ok
    chat.advance(days=1, hours=1)
    posts = chat.tick()
    text = _texts(posts)
    assert "Egen påminnelse" in text  # a person's own reminder stays with the channel
    assert "trafikplan" not in text
    with Session(database.engine) as session:
        states = {
            post.kind: post.state
            for post in session.exec(select(ScheduledPost).where(ScheduledPost.kind != "reminder"))
            if post.kind.startswith("action")
        }
    assert states["action_due"] is PostState.CANCELLED


# -- 6. a form answered after a demotion ------------------------------------------------------


def test_a_demoted_actor_cannot_finish_a_report_form_opened_before(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    opened = forum_chat.say("!läge formulär", person="anna")
    assert opened.ok, opened.text
    assert forum_chat.say("!roll @anna observatör").ok
    said = forum_chat.say("Allt lugnt", person="anna")
    assert not said.ok
    assert "kräver rollen aktör, men din roll här är nu observatör" in said.text
    # The dialog ended: her next message is chat again, and nothing was saved.
    assert forum_chat.say("Mer text", person="anna").reply is None
    with Session(database.engine) as session:
        assert session.exec(select(SituationReport)).all() == []


# -- 7. the green button once ----------------------------------------------------------------


def test_the_green_button_pressed_again_is_added_to_the_open_request(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!forum koppla samverkanskonferens", channel="andra").ok
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    assert forum_chat.say("!aktör SOS Alarm", person="bo").ok
    first = forum_chat.say("!begär aktivering Storm", person="anna")
    assert first.ok
    assert first.posts
    for person in ("anna", "bo", "anna"):
        again = forum_chat.say("!begär aktivering Storm igen", person=person)
        assert again.ok
        assert again.posts == []
        assert "@operator" not in again.text
        assert "redan begärd av anna" in again.text
    assert "(4 begäranden)" in again.text
    with Session(database.engine) as session:
        [request] = session.exec(select(ActivationRequest)).all()
    assert request.repeats is not None
    assert len(request.repeats) == 3
    # Answered by an activation: the next request is a new one, mentioning again.
    assert forum_chat.say("!aktivera Storm").ok
    assert forum_chat.say("!avaktivera").ok
    assert forum_chat.say("!begär aktivering Ny storm", person="bo").posts


# -- 8. the reminder cap holds for snoozing ---------------------------------------------------


def test_snoozing_respects_the_cap_and_keeps_the_owner(chat: Chat, database: Database) -> None:
    assert chat.say("!påminn om 1 minut Första", person="anna").ok
    chat.advance(minutes=2)
    [sent] = chat.tick()
    assert sent.outbox_id is not None
    chat.record_delivery(Delivery(sent.outbox_id, message_id="m1"))
    snoozed = chat.say("!snooza 1 om 1 timme", person="bo")
    assert snoozed.ok
    with Session(database.engine) as session:
        anna = session.exec(select(Person).where(Person.user_id == "anna")).one()
        pending = session.exec(
            select(ScheduledPost).where(ScheduledPost.state == PostState.PENDING)
        ).one()
    assert pending.created_by_id == anna.id  # still anna's, not bo's
    for number in range(99):
        assert chat.say(f"!påminn om {number + 2} timmar P{number}", person="bo").ok
    assert not chat.say("!påminn om 3 dagar En för mycket", person="bo").ok
    chat.advance(hours=1, minutes=1)
    sent_again = [post for post in chat.tick() if "Första" in render_text(post.document)]
    [post] = sent_again
    assert post.outbox_id is not None
    chat.record_delivery(Delivery(post.outbox_id, message_id="m2"))
    assert chat.say("!påminn om 4 dagar Fyller på", person="bo").ok  # 100 waiting again
    refused = chat.say("!snooza 1 om 1 timme", person="anna")
    assert not refused.ok
    assert "100" in refused.text
    with Session(database.engine) as session:
        waiting = session.exec(
            select(ScheduledPost).where(ScheduledPost.state == PostState.PENDING)
        ).all()
    assert len(waiting) == 100


# -- 9. numbers far too large -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "!protokoll 99999999999999999999",
        "!lägesbild 99999999999999999999",
        "!påminn ta bort 99999999999999999999",
        "!snooza 99999999999999999999 om 1 timme",
        "!åtgärd klar 99999999999999999999",
        "!forum koppla 99999999999999999999",
        "!protokoll ²",
        "!lägesbild #٣",
    ],
)
def test_a_huge_or_foreign_number_is_no_such_thing(forum_chat: Chat, line: str) -> None:
    forum_chat.say("!aktör Polisen")
    said = forum_chat.say(line)
    assert not said.ok
    assert said.reply is not None
    assert said.reply.error_id is None
    assert "Något gick fel hos mig" not in said.text


# -- claims ------------------------------------------------------------------------------------


def test_a_claim_is_told_to_the_forums_coordinators_and_can_be_revoked(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samverkanskonferens", channel="stab").ok
    assert chat.say("!forum koppla samverkanskonferens", channel="matrix-rum").ok
    assert chat.say("!roll @kim koordinator", channel="stab").ok
    said = chat.say("!aktör Polisen", person="mallory", channel="stab")
    assert said.ok
    notice = said.post_text("matrix-rum")
    assert "mallory säger sig företräda Polisen Region Stockholm" in notice
    assert "!aktör ta bort mallory" in notice
    assert "@kim" in notice
    assert "@operator" in notice
    refused = chat.say("!aktör ta bort @mallory", person="anna", channel="stab")
    assert not refused.ok
    revoked = chat.say("!aktör ta bort @mallory", person="kim", channel="stab")
    assert revoked.ok
    assert "mallory företräder inte längre Polisen Region Stockholm" in revoked.text
    assert not chat.say("!kvittera", person="mallory", channel="stab").ok
    with Session(database.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "person.organisation_revoked" in actions


def test_a_claim_outside_a_forums_channel_is_refused(chat: Chat) -> None:
    said = chat.say("!aktör Polisen", person="mallory", channel="eget-rum")
    assert not said.ok
    assert "kanal som är kopplad till ditt forum" in said.text
    assert chat.say("!aktör", person="mallory", channel="eget-rum").ok  # shows, changes nothing


def _mapped_chat(database: Database, clock: FixedClock) -> Chat:
    config = CoreConfig(
        organisation_identities=frozenset(
            {
                ("polisen region stockholm", "test:polisen.se"),
                ("sos alarm", "test:t0sos"),
            }
        )
    )
    chat = Chat(database, clock, config)
    assert chat.say("!forum koppla samverkanskonferens").ok
    return chat


def test_the_identity_map_refuses_a_claim_outside_it(database: Database, clock: FixedClock) -> None:
    chat = _mapped_chat(database, clock)
    wrong_home = chat.say("!aktör Polisen", person="@mallory:evil.example", home="evil.example")
    assert not wrong_home.ok
    assert "företräds bara av konton från polisen.se" in wrong_home.text
    wrong_organisation = chat.say(
        "!aktör Trafikverket", person="@anna:polisen.se", home="polisen.se"
    )
    assert not wrong_organisation.ok
    assert "hör till polisen.se" in wrong_organisation.text
    assert chat.say("!aktör Trafikverket", person="@tove:trv.se", home="trv.se").ok  # unmapped


def test_a_mapped_identity_represents_its_organisation_without_saying_so(
    database: Database, clock: FixedClock
) -> None:
    chat = _mapped_chat(database, clock)
    assert chat.say("!aktivera Storm").ok
    said = chat.say("!kvittera", person="U123", home="T0SOS")  # a Slack Connect user
    assert said.ok, said.text
    assert "SOS Alarm" in said.text


# -- direct conversations ------------------------------------------------------------------


def test_a_direct_conversation_answers_personal_things_only(chat: Chat) -> None:
    assert chat.say("!forum koppla samverkanskonferens").ok
    for line in (
        "!hjälp",
        "!forum lista",
        "!påminn om 1 timme Ring Anna",
        "!påminnelser",
        "!forum",
    ):
        assert chat.say(line, channel="dm", direct=True).ok, line
    assert "direktkonversation" in chat.say("!forum", channel="dm", direct=True).text
    for line in ("!forum koppla samverkanskonferens", "!aktivera Storm", "!lägesbild", "!status"):
        said = chat.say(line, channel="dm", direct=True)
        assert not said.ok, line
        assert "direktkonversation" in said.text, line


# -- regional grants ---------------------------------------------------------------------------


def test_regional_coordinators_are_made_listed_and_revoked_by_one_another(
    chat: Chat, database: Database
) -> None:
    assert chat.say("!hjälp", person="rita").ok
    made = chat.say("!roll @rita koordinator regionalt", channel="kontor")
    assert made.ok
    assert "rita är nu koordinator för hela regionen" in made.text
    assert chat.say("!forum skapa Tematisk grupp vatten samordnande", person="rita").ok
    listed = chat.say("!roll lista", person="eve", channel="kontor")
    assert "operator (operator) – BOT_ADMINS" in listed.text
    assert "rita (rita) – koordinator, given av operator 2026-11-26 15:00" in listed.text
    assert not chat.say("!roll @eve koordinator regionalt", person="eve").ok
    assert not chat.say("!roll @rita aktör regionalt").ok  # only coordinator, or none
    revoked = chat.say("!roll @rita ingen regionalt")
    assert "rita är inte längre koordinator för hela regionen" in revoked.text
    assert not chat.say("!forum skapa Annat forum samordnande", person="rita").ok


# -- the move to explicit roles: who lost the role is logged once at start ------------------


def test_start_lists_coordinators_who_held_the_role_only_through_their_platform(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    clock = FixedClock(THURSDAY_1500)
    database.prepare(clock.now())
    old = Chat(database, clock, CoreConfig(platform_moderators_are_coordinators=True))
    assert old.say("!forum koppla samverkanskonferens", person="@mod:x", moderator=True).ok
    assert old.say("!roll @kim koordinator").ok
    database.dispose()
    settings = Settings(database_url=url, bot_admins=frozenset({"operator"}))
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        build_app(settings, clock).close()
    [line] = [r.getMessage() for r in caplog.records if "coordinators no more" in r.getMessage()]
    assert "test:@mod:x" in line
    assert "bound test:stab" in line
    assert "kim" not in line
    assert "operator" not in line
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        build_app(settings, clock).close()
    assert not [r for r in caplog.records if "coordinators no more" in r.getMessage()]


def test_a_demoted_actor_cannot_send_a_modal_opened_before(
    forum_chat: Chat, database: Database
) -> None:
    """As a Slack modal comes back: the role is the one held at submission."""
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    speaker = Speaker("test", "anna", "anna")
    opened = forum_chat.dispatcher.handle(
        Incoming("test", "stab", speaker, "!läge formulär", forms=FormSupport.MODAL)
    )
    assert opened is not None
    assert opened.form is not None
    assert forum_chat.say("!roll @anna observatör").ok
    values = {field.name: "" for field in opened.form.fields}
    values["situation"] = "Allt lugnt"
    submission = FormSubmission(opened.form.key, opened.form.context, values)
    sent = forum_chat.dispatcher.handle(
        Incoming("test", "stab", speaker, "", submission=submission)
    )
    assert sent is not None
    assert not sent.ok
    assert "din roll här är nu observatör" in render_text(sent.document)
    with Session(database.engine) as session:
        assert session.exec(select(SituationReport)).all() == []


def test_the_old_rule_is_warned_about_at_every_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}", platform_moderators_are_coordinators=True
    )
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            build_app(settings, FixedClock(THURSDAY_1500)).close()
        warned = [r for r in caplog.records if "PLATFORM_MODERATORS_ARE_COORDINATORS" in r.message]
        assert len(warned) == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        build_app(Settings(database_url=settings.database_url), FixedClock(THURSDAY_1500)).close()
    assert not [r for r in caplog.records if "PLATFORM_MODERATORS" in r.message]

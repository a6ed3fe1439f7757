"""Reminders people set, sent by the scheduler: on time, once, late or missed, retried."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.render.text import render_text
from commands.core.document import Actions
from commands.core.messages import Post
from commands.core.outbox import Delivery
from storage import AuditContext, Database
from storage.models import PostState, ScheduledPost
from tests.support.chat import Chat
from tests.support.databases import Databases


def _posts(database: Database) -> list[ScheduledPost]:
    with Session(database.engine) as session:
        return list(session.exec(select(ScheduledPost).order_by(ScheduledPost.id)))  # type: ignore[arg-type]


def _text(posts: list[Post]) -> str:
    return "\n".join(render_text(post.document) for post in posts)


def _sent(chat: Chat, posts: list[Post]) -> None:
    """The door posted them: record it as the hub would."""
    for number, post in enumerate(posts):
        if post.outbox_id is not None:
            chat.record_delivery(Delivery(post.outbox_id, message_id=f"m{number}"))


def test_a_reminder_goes_out_at_its_time_once(chat: Chat, database: Database) -> None:
    said = chat.say("!påminn torsdag kl 16 Skicka lägesrapporten", person="anna")
    assert said.ok, said.text
    assert "Påminnelse 1: torsdag 2026-11-26 16:00" in said.text
    assert "Skicka lägesrapporten" in said.text
    assert said.reply is not None
    assert said.reply.scheduled
    chat.advance(minutes=59)
    assert chat.tick() == []
    chat.advance(minutes=1)
    posts = chat.tick()
    [post] = posts
    assert (post.platform, post.channel_id) == ("test", "stab")
    text = _text(posts)
    assert "Påminnelse 1 från anna" in text
    assert "Skicka lägesrapporten" in text
    assert "Sent" not in text
    [buttons] = [block for block in post.document.blocks if isinstance(block, Actions)]
    assert [b.command for b in buttons.buttons] == [
        "snooza 1 om 15 minuter",
        "snooza 1 om 1 timme",
        "snooza 1 imorgon 08:00",
    ]
    _sent(chat, posts)
    [row] = _posts(database)
    assert row.state is PostState.SENT
    assert row.message_id == "m0"
    assert chat.tick() == []  # never twice
    assert chat.next_due() is None


def test_times_people_write_and_the_refusals(chat: Chat, database: Database) -> None:
    cases = {
        "!påminn imorgon kl 08.30 Ring SMHI": "fredag 2026-11-27 08:30",
        "!påminn om 2 timmar Kolla läget": "torsdag 2026-11-26 17:00",
        "!påminn nästa torsdag 15:00 Förbered": "torsdag 2026-12-03 15:00",
        "!påminn i övermorgon kl 9 Stäm av": "lördag 2026-11-28 09:00",
        "!påminn 2026-12-03 10:00 Övning": "torsdag 2026-12-03 10:00",
        "!remind tomorrow 8am Call SMHI": "fredag 2026-11-27 08:00",
    }
    for line, understood in cases.items():
        said = chat.say(line)
        assert said.ok, (line, said.text)
        assert understood in said.text, (line, said.text)
    before = len(_posts(database))
    vague = chat.say("!påminn snart Gör något")
    assert not vague.ok
    assert "Jag förstår inte när ”snart Gör något” är" in vague.text
    assert "torsdag kl 16, imorgon kl 08.30, om 2 timmar" in vague.text
    past = chat.say("!påminn 2026-11-20 10:00 För sent")
    assert "Det blir fredag 2026-11-20 10:00, och den tiden har redan passerat" in past.text
    no_text = chat.say("!påminn imorgon kl 9")
    assert "Vad ska jag påminna om?" in no_text.text
    assert len(_posts(database)) == before


def test_listing_cancelling_and_who_may_cancel(chat: Chat, database: Database) -> None:
    chat.say("!påminn om 1 timme Första", person="anna")
    chat.say("!påminn om 2 timmar Andra", person="bo")
    listed = chat.say("!påminnelser")
    assert "2 påminnelser i kanalen" in listed.text
    assert "#1 torsdag 2026-11-26 16:00: Första" in listed.text
    assert "#2 torsdag 2026-11-26 17:00: Andra" in listed.text
    refused = chat.say("!påminn ta bort 1", person="bo", moderator=False)
    assert not refused.ok
    assert "Någon annan har satt påminnelse 1" in refused.text
    assert chat.say("!påminn ta bort 1", person="anna").ok
    unknown = chat.say("!påminn ta bort 9", person="anna")
    assert "Det finns ingen påminnelse ”9”" in unknown.text
    chat.advance(hours=3)
    assert "Första" not in _text(chat.tick())  # cancelled: not sent
    elsewhere = chat.say("!påminnelser", channel="annan")
    assert "Inga påminnelser väntar här" in elsewhere.text


def test_a_weekly_reminder_comes_back_every_week_at_the_same_local_time(
    chat: Chat, database: Database
) -> None:
    said = chat.say("!påminn varje torsdag 15:00 Skicka lägesrapporten")
    assert said.ok, said.text
    assert "Påminnelse 1, varje vecka; nästa torsdag 2026-12-03 15:00" in said.text
    chat.advance(days=7)
    posts = chat.tick()
    assert "Skicka lägesrapporten" in _text(posts)
    _sent(chat, posts)
    listed = chat.say("!påminnelser")
    assert "#1 torsdag 2026-12-10 15:00 (varje vecka): Skicka lägesrapporten" in listed.text


def test_snoozing_a_reminder_that_went_out(chat: Chat) -> None:
    chat.say("!påminn om 1 timme Ring tillbaka")
    early = chat.say("!snooza 1 15 min")
    assert "har inte gått ut än" in early.text
    chat.advance(hours=1)
    _sent(chat, chat.tick())
    snoozed = chat.say("!snooza 1 15 min")
    assert snoozed.ok, snoozed.text
    assert "Påminnelse 1: torsdag 2026-11-26 16:15" in snoozed.text
    chat.advance(minutes=15)
    assert "Ring tillbaka" in _text(chat.tick())
    bad = chat.say("!snooza 1 sen")
    assert "Jag förstår inte när ”sen” är" in bad.text


def test_late_within_the_grace_and_missed_beyond_it(chat: Chat, database: Database) -> None:
    chat.say("!påminn kl 16 Inom marginalen")
    chat.say("!påminn kl 15:30 Utanför marginalen")
    chat.advance(hours=1, minutes=20)  # the bot was down from 15:00 to 16:20
    posts = chat.tick()
    text = _text(posts)
    assert "Sent: skulle ha kommit torsdag 2026-11-26 16:00" in text
    assert "Inom marginalen" in text
    assert "1 påminnelse kom aldrig fram medan boten inte var igång:" in text
    assert "torsdag 2026-11-26 15:30: Utanför marginalen" in text
    states = {row.text: row.state for row in _posts(database)}
    assert states["Utanför marginalen"] is PostState.MISSED
    assert states["Inom marginalen"] is PostState.QUEUED  # in the outbox until it is sent


def test_a_failed_send_is_tried_again_later_and_given_up_when_refused(
    chat: Chat, database: Database
) -> None:
    chat.say("!påminn kl 16 Försök igen")
    chat.say("!påminn kl 16 Kanalen finns inte")
    chat.advance(hours=1)
    first, second = chat.tick()
    assert first.outbox_id is not None
    assert second.outbox_id is not None
    chat.record_delivery(Delivery(first.outbox_id, error="timeout"))
    chat.record_delivery(Delivery(second.outbox_id, error="channel_not_found", permanent=True))
    assert chat.tick() == []  # the pause before the next attempt
    chat.advance(seconds=30)
    [again] = chat.tick()
    assert "Försök igen" in _text([again])
    rows = {row.text: row for row in _posts(database)}
    assert rows["Försök igen"].attempts == 1
    assert rows["Kanalen finns inte"].state is PostState.FAILED
    assert rows["Kanalen finns inte"].last_error == "channel_not_found"


def test_two_bot_processes_send_a_reminder_once(databases: Databases, clock: object) -> None:
    from commands.core.clock import FixedClock

    assert isinstance(clock, FixedClock)
    url = databases.prepared("postgresql")
    first, second = Database(url), Database(url)
    try:
        chat = Chat(first, clock)
        chat.say("!påminn kl 16 En gång")
        clock.set(clock.now() + timedelta(hours=1))
        context = AuditContext("system", "", "samverkan-bot", "samverkan-bot", clock.now())
        with first.unit_of_work(context) as one:
            [seen_by_one] = one.scheduled.due(clock.now())
            with second.unit_of_work(context) as other:
                [seen_by_other] = other.scheduled.due(clock.now())
                assert other.scheduled.claim(seen_by_other, timedelta(minutes=15))
            assert not one.scheduled.claim(seen_by_one, timedelta(minutes=15))
        assert chat.tick() == []
        assert Chat(second, clock).tick() == []
    finally:
        first.dispose()
        second.dispose()

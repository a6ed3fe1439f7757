"""Exercise mode: ``!övning start|slut|rensa``, ``!aktivera övning``, and the marking of every
post the bot makes in an exercising forum's channels (ÖVNING ÖVNING ÖVNING … Slut övning)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.render.text import render_text
from commands.core.messages import Incoming, Post, Reply, Speaker
from commands.core.outbox import Delivery
from storage import Database
from storage.models import (
    Acknowledgement,
    Activation,
    AuditEvent,
    Exercise,
    Meeting,
    MeetingItem,
    OutboxMessage,
    ReportRound,
    SituationReport,
)
from tests.support.chat import OPERATOR, Chat
from tests.support.time_travel import travel

FIRST, LAST = "ÖVNING ÖVNING ÖVNING", "Slut övning"


def _say(chat: Chat, text: str, *, person: str = OPERATOR, channel: str = "stab") -> Reply:
    """As a door says it: with a route, so the answer itself goes through the outbox."""
    speaker = Speaker(chat.platform, person, person)
    incoming = Incoming(chat.platform, channel, speaker, text, route={"reply_to": "event"})
    reply = chat.dispatcher.handle(incoming)
    assert reply is not None
    sent = [post for post in (reply.answer, *reply.posts) if post and post.outbox_id]
    chat.timekeeper.record_deliveries([Delivery(p.outbox_id or 0, message_id="m") for p in sent])
    return reply


def _answer(reply: Reply) -> str:
    assert reply.answer is not None, "no answer was queued"
    return render_text(reply.answer.document)


def _marked(text: str, first: str = FIRST, last: str = LAST) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0].strip("*_ ") == first and lines[-1].strip() == last


def _unmarked(text: str) -> bool:
    return FIRST not in text and LAST not in text


def _texts(posts: list[Post], channel: str) -> list[str]:
    return [render_text(post.document) for post in posts if post.channel_id == channel]


def _outbox(chat: Chat, database: Database, since: int = 0) -> list[tuple[str, str]]:
    """Every message written to the outbox after ``since``: its channel and text."""
    with Session(database.engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.id > since).order_by(col(OutboxMessage.id))
        ).all()
        decoded = [(row.channel_id, chat.dispatcher.codec.decode(row.payload)[0]) for row in rows]
    return [(channel, render_text(document)) for channel, document in decoded]


def _last_outbox_id(database: Database) -> int:
    with Session(database.engine) as session:
        ids = session.exec(select(OutboxMessage.id)).all()
    return max((i for i in ids if i is not None), default=0)


def _setup(chat: Chat) -> None:
    """``stab`` and ``ledning`` serve the conference, ``chefer`` the chefsgrupp; anna is the
    Police's representative."""
    for channel, forum in (
        ("stab", "samverkanskonferens"),
        ("ledning", "samverkanskonferens"),
        ("chefer", "chefsgrupp"),
    ):
        said = chat.say(f"!forum koppla {forum}", channel=channel)
        assert said.ok, said.text
    said = chat.say("!aktör Polisen", person="anna")
    assert said.ok, said.text


def test_every_kind_of_post_is_marked_during_an_exercise(chat: Chat, database: Database) -> None:
    _setup(chat)
    before = _last_outbox_id(database)
    # Outside an exercise nothing is marked.
    assert _unmarked(_answer(_say(chat, "!status")))

    started = _say(chat, "!övning start Stabsövning december")
    assert started.ok
    assert _marked(_answer(started))
    assert "Övningen ”Stabsövning december” har startat" in _answer(started)
    [other] = _texts(started.posts, "ledning")  # a post to another channel of the forum
    assert _marked(other)

    # The call-out: the answer and the card in the forum's other channel.
    activated = _say(chat, "!aktivera Storm Dagmar")
    assert activated.ok
    assert _marked(_answer(activated))
    assert "INKALLNING" in _answer(activated)
    [card] = _texts(activated.posts, "ledning")
    assert _marked(card)
    assert _answer(activated).count(FIRST) == 1  # once, though the card is one document

    # An acknowledgement: its answer and the edits of the call-out card everywhere.
    acked = _say(chat, "!kvittera", person="anna")
    assert acked.ok
    assert _marked(_answer(acked))
    edits = [post for post in acked.posts if post.replaces]
    assert {post.channel_id for post in edits} == {"stab", "ledning"}
    for edit in edits:
        text = render_text(edit.document)
        assert _marked(text)
        assert text.count(FIRST) == 1

    # The status says it is an exercise; another forum's channel is not marked.
    status = _answer(_say(chat, "!status"))
    assert "Övning: ja – Stabsövning december" in status
    assert _marked(status)
    elsewhere = _say(chat, "!status", channel="chefer")
    assert _unmarked(_answer(elsewhere))

    # A reminder sent by the timekeeper.
    assert _say(chat, "!påminn torsdag kl 16 Skicka lägesrapporten").ok
    chat.advance(minutes=60)
    ticked = chat.tick()
    [reminder] = [p for p in ticked if "Skicka lägesrapporten" in render_text(p.document)]
    assert _marked(render_text(reminder.document))
    for post in ticked:  # and the follow-ups of the call-out due meanwhile
        assert _marked(render_text(post.document)), render_text(post.document)

    # The stand-down says it was an exercise.
    stood_down = _say(chat, "!avaktivera")
    assert "Övning: ja – Stabsövning december" in _answer(stood_down)
    assert _marked(_answer(stood_down))

    # Everything written for the conference's channels until now is marked; nothing else.
    for channel, text in _outbox(chat, database, before):
        if FIRST in text:
            assert _marked(text), text
            assert channel in ("stab", "ledning"), text

    ended = _say(chat, "!övning slut")
    assert ended.ok
    text = _answer(ended)
    assert "Övningen ”Stabsövning december” i Regional samverkanskonferens är avslutad" in text
    assert "!efterhand övning" in text
    assert "!övning rensa Stabsövning december" in text
    after = _say(chat, "!status")
    assert _unmarked(_answer(after))


def test_the_outbox_holds_only_marked_posts_for_the_exercising_forum(
    chat: Chat, database: Database
) -> None:
    _setup(chat)
    assert _say(chat, "!övning start Övning 1").ok
    since = _last_outbox_id(database)
    assert _say(chat, "!aktivera Skogsbrand").ok
    assert _say(chat, "!kvittera", person="anna").ok
    assert _say(chat, "!status", channel="chefer").ok
    written = _outbox(chat, database, since)
    conference = [text for channel, text in written if channel in ("stab", "ledning")]
    assert len(conference) >= 5  # answers, the card in ledning, the card's edits
    assert all(_marked(text) for text in conference), conference
    [chefer] = [text for channel, text in written if channel == "chefer"]
    assert _unmarked(chefer)


def test_an_exercise_activation_starts_its_exercise(chat: Chat, database: Database) -> None:
    _setup(chat)
    activated = _say(chat, "!aktivera övning Storm Dagmar, elavbrott")
    assert activated.ok
    assert _marked(_answer(activated))
    assert "Anledning: Storm Dagmar, elavbrott" in _answer(activated)
    with Session(database.engine) as session:
        [exercise] = session.exec(select(Exercise)).all()
        [activation] = session.exec(select(Activation)).all()
    assert exercise.name == "Storm Dagmar, elavbrott"
    assert activation.exercise_id == exercise.id
    assert activation.reason == "Storm Dagmar, elavbrott"
    assert "Övning: ja – Storm Dagmar, elavbrott" in _answer(_say(chat, "!status"))
    # Its exercise does not end while it lasts.
    refused = _say(chat, "!övning slut")
    assert not refused.ok
    assert "Övningsaktiveringen pågår fortfarande" in _answer(refused)
    assert "!avaktivera" in _answer(refused)
    stood_down = _answer(_say(chat, "!avaktivera"))
    assert _marked(stood_down)
    assert "Övning: ja" in stood_down
    assert _say(chat, "!övning slut").ok
    # "Övning" alone, or a word that merely begins so, is an ordinary reason.
    bare = _say(chat, "!aktivera Övning")
    assert bare.ok
    assert _unmarked(_answer(bare))
    assert _say(chat, "!avaktivera").ok
    real = _say(chat, "!aktivera Övningsfältet brinner")
    assert real.ok
    assert _unmarked(_answer(real))


def test_refusals_of_start_and_end(chat: Chat) -> None:
    _setup(chat)
    none = _say(chat, "!övning slut")
    assert not none.ok
    assert "Ingen övning pågår" in _answer(none)
    assert "!övning start Stabsövning december" in _answer(none)
    assert _say(chat, "!övning start A").ok
    twice = _say(chat, "!övning start B")
    assert not twice.ok
    assert "Övningen ”A” pågår redan" in _answer(twice)
    assert "Ingen" not in _answer(_say(chat, "!övning"))
    assert "Övningen ”A” pågår sedan 2026-11-26 15:00" in _answer(_say(chat, "!övning"))
    assert _say(chat, "!övning slut").ok
    assert _say(chat, "!aktivera Verklig storm").ok
    during_real = _say(chat, "!övning start C")
    assert not during_real.ok
    assert "aktiverat på riktigt" in _answer(during_real)
    assert not _say(chat, "!övning start D", person="anna").ok  # coordinators only


def _counts(database: Database) -> tuple[int, int, int, int]:
    with Session(database.engine) as session:
        return (
            len(session.exec(select(Exercise).where(col(Exercise.cleared_at).is_(None))).all()),
            len(session.exec(select(Activation)).all()),
            len(session.exec(select(Acknowledgement)).all()),
            len(session.exec(select(ReportRound)).all()),
        )


def test_clearing_an_exercise_asks_first_and_keeps_real_data(
    chat: Chat, database: Database
) -> None:
    _setup(chat)
    # A real activation first: it stays.
    assert _say(chat, "!aktivera Verklig storm").ok
    assert _say(chat, "!kvittera", person="anna").ok
    assert _say(chat, "!avaktivera").ok
    assert _say(chat, "!övning start Stabsövning december").ok
    assert _say(chat, "!aktivera Övningsstorm").ok
    assert _say(chat, "!kvittera", person="anna").ok
    assert _say(chat, "!läge Läget är lugnt", person="anna").ok
    assert _say(chat, "!möte start").ok
    assert _say(chat, "!info Övningens första punkt").ok
    assert _say(chat, "!möte slut").ok
    assert _say(chat, "!avaktivera").ok

    under_way = _say(chat, "!övning rensa Stabsövning december bekräfta")
    assert not under_way.ok
    assert "kan rensas först när den är avslutad" in _answer(under_way)
    before = _counts(database)
    # (exercises not cleared, activations, acknowledgements, rounds: the exercise's report's)
    assert before == (1, 2, 2, 1)
    assert _say(chat, "!övning slut").ok

    unknown = _say(chat, "!övning rensa Fel namn")
    assert not unknown.ok
    assert "Det finns ingen övning ”Fel namn”" in _answer(unknown)
    assert "!övning" in _answer(unknown)
    not_coordinator = _say(chat, "!övning rensa Stabsövning december bekräfta", person="anna")
    assert not not_coordinator.ok
    asked = _say(chat, "!övning rensa stabsövning december")
    assert asked.ok
    assert "Rensa övningen ”Stabsövning december”" in _answer(asked)
    assert "dess aktivering med kvittenser" in _answer(asked)
    assert "!övning rensa Stabsövning december bekräfta" in _answer(asked)
    assert _counts(database) == before  # nothing changed

    cleared = _say(chat, "!övning rensa Stabsövning december bekräfta")
    assert cleared.ok, _answer(cleared)
    assert "Övningen ”Stabsövning december” är rensad av operator" in _answer(cleared)
    assert "Borttaget: 1 aktivering, 1 rapportrunda, 1 lägesrapport och 1 möte." in _answer(cleared)
    with Session(database.engine) as session:
        [activation] = session.exec(select(Activation)).all()
        assert activation.reason == "Verklig storm"
        assert len(session.exec(select(Acknowledgement)).all()) == 1
        assert session.exec(select(ReportRound)).all() == []
        assert session.exec(select(Meeting)).all() == []
        assert session.exec(select(MeetingItem)).all() == []
        [exercise] = session.exec(select(Exercise)).all()
        assert exercise.cleared_at is not None
        events = session.exec(select(AuditEvent.action)).all()
    assert "exercise.clear" in events
    assert "(rensad 2026-11-26 15:00)" in _answer(_say(chat, "!övning"))
    again = _say(chat, "!övning rensa Stabsövning december bekräfta")
    assert not again.ok
    assert "rensades redan" in _answer(again)


def test_in_english(chat: Chat) -> None:
    _setup(chat)
    assert chat.say("!forum språk en").ok
    started = _say(chat, "!exercise start Drill")
    assert started.ok
    text = _answer(started)
    assert _marked(text, "EXERCISE EXERCISE EXERCISE", "End of exercise")
    assert "The exercise “Drill” has started" in text
    activated = _say(chat, "!activate exercise Storm")
    assert _marked(_answer(activated), "EXERCISE EXERCISE EXERCISE", "End of exercise")
    assert "Exercise: yes – Drill" in _answer(_say(chat, "!status"))
    assert _say(chat, "!stand down").ok
    ended = _answer(_say(chat, "!exercise end"))
    assert "The exercise “Drill” in" in ended
    assert "has ended" in ended
    assert "!exercise clear Drill" in ended
    asked = _answer(_say(chat, "!exercise clear Drill"))
    assert "!exercise clear Drill confirm" in asked
    assert "has been cleared" in _answer(_say(chat, "!exercise clear Drill confirm"))


def test_what_an_exercise_causes_elsewhere_is_marked_too(chat: Chat) -> None:
    _setup(chat)
    assert _say(chat, "!möte start").ok  # an item is raised from a meeting
    # Raised from a real forum: the chefsgrupp is told as it is.
    real = _say(chat, "!lyft chefsgrupp Behov av samordnad kommunikation")
    [told] = _texts(real.posts, "chefer")
    assert _unmarked(told)
    # Raised from the exercising forum: the chefsgrupp, not in the exercise, is told it is one.
    travel(chat, "2026-11-26 15:10")
    assert _say(chat, "!övning start Stabsövning december").ok
    drill = _say(chat, "!lyft chefsgrupp Snöovädret kräver gemensam inriktning")
    [told] = _texts(drill.posts, "chefer")
    assert _marked(told)
    assert "Snöovädret kräver gemensam inriktning" in told
    # Said in the chefsgrupp itself, which is not exercising: nothing marked.
    assert _unmarked(_answer(_say(chat, "!status", channel="chefer")))
    # When the drill ends its item is withdrawn: never on the chefsgrupp's next real agenda,
    # while the real item stays.
    assert _say(chat, "!möte slut").ok
    ended = _answer(_say(chat, "!övning slut"))
    assert "Frågan som övningen lyfte till Regional chefsgrupp är återtagen" in ended
    agenda = _answer(_say(chat, "!möte start", channel="chefer"))
    assert "Behov av samordnad kommunikation" in agenda
    assert "Snöovädret kräver gemensam inriktning" not in agenda


def test_a_report_in_a_drill_never_lands_in_the_real_round(chat: Chat, database: Database) -> None:
    _setup(chat)
    assert _say(chat, "!övning start Stabsövning december").ok
    refused = _say(chat, "!läge Stillastående trafik på E4", person="anna")
    assert not refused.ok
    text = _answer(refused)
    assert "en lägesrapport nu skulle hamna i forumets verkliga rapportrunda" in text
    with Session(database.engine) as session:
        assert session.exec(select(SituationReport)).all() == []
    # The hint, typed as shown, opens the exercise's round; the report then goes there.
    hint = text.split("Skriv till exempel ", 1)[1].rstrip(".").strip()
    assert hint.startswith("!aktivera övning ")
    assert _say(chat, hint).ok
    assert _say(chat, "!läge Stillastående trafik på E4", person="anna").ok
    with Session(database.engine) as session:
        [report] = session.exec(select(SituationReport)).all()
        report_round = session.get(ReportRound, report.round_id)
        assert report_round is not None
        activation = session.get(Activation, report_round.activation_id)
        assert activation is not None
        assert activation.exercise_id is not None

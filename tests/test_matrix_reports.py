"""Situation reports in Matrix against a real Synapse: `!läge`, its dialog, `!lägesbild`, `!saknas`.

As in ``test_matrix.py``: one bot process (``samverkan-bot run``) for the module, real users
that create rooms and read the bot's answers back. A report goes to its forum's current round,
so every test that looks at a picture or at who is missing has a forum of its own; the others
share the samverkanskonferens. The bot's clock is the system clock: only the content of the
answers is checked, never which round it is.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.bot_process import BotProcess
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    bound_room,
    registered_user,
    room_with_bot,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, ask
from tests.support.synapse import SynapseServer

# Names of their own: test_matrix.py registers its users in the same (session) Synapse.
BOT_LOCALPART = "lagesbot"
# Forums by their number in `!forum lista` (the seeded order); only KONFERENS has a schedule,
# the others get a round from an activation.
CHEFSGRUPP, INRIKTANDE, SAMORDNINGSGRUPP, KONFERENS, SAMORDNANDE, TEMATISKA, VERKSTALLANDE = range(
    1, 8
)
# The markup the bot itself writes; anything else in a formatted body came from user text.
OUR_TAGS = {"p", "br", "strong", "em", "code", "ul", "ol", "li", "h3", "h4", "h5", "a"}


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-report-bot")
    with running_bot(directory, bot_settings(synapse.url, bot_id, directory)) as process:
        yield process


_user = registered_user


@pytest.fixture(scope="module")
def lena(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms; in BOT_ADMINS (tests/support/matrix_bot.py), so a coordinator."""
    yield from _user(synapse, "lena")


@pytest.fixture(scope="module")
def olof(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Reports for an organisation; no power in the rooms."""
    yield from _user(synapse, "olof")


@pytest.fixture(scope="module")
def per(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Another organisation's representative; made a coordinator where a test says so."""
    yield from _user(synapse, "per")


@pytest.fixture
def tove(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Her display name is wrapped in direction isolates, as some clients and bridges do."""
    for user in _user(synapse, "tove"):
        user.set_display_name("\u2067Tove\u2069")
        yield user


@pytest.fixture(scope="module")
def siv(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Chats in the rooms; never talks to the bot."""
    yield from _user(synapse, "siv")


# -- helpers ------------------------------------------------------------------------------------


def forum_room(
    owner: MatrixUser, bot_id: str, forum: int, *guests: MatrixUser, activate: bool = True
) -> str:
    """A room bound to ``forum``; activated, so that it has a round to report in."""
    room = bound_room(owner, bot_id, forum, *guests)
    if activate:
        callout = ask(owner, room, bot_id, "!aktivera Övning med lägesrapporter")
        assert "INKALLNING" in callout.body, callout.describe()
    return room


def represent(user: MatrixUser, room: str, bot_id: str, organisation: str) -> None:
    answer = ask(user, room, bot_id, f"!aktör {organisation}")
    assert "företrädare för" in answer.body, answer.describe()


def lines(text: str | None) -> list[str]:
    """The lines of a plain body, without the indentation of continuation lines."""
    return [line.strip() for line in (text or "").splitlines()]


def tags(html: str | None) -> set[str]:
    return {name.lower() for name in re.findall(r"</?([A-Za-z][A-Za-z0-9-]*)", html or "")}


def notified(user: MatrixUser) -> set[str]:
    """The event ids the homeserver has notified ``user`` of (its push rules applied)."""
    client = user.client
    request = urllib.request.Request(  # noqa: S310  (our own Synapse on 127.0.0.1)
        f"{client.homeserver}/_matrix/client/v3/notifications?limit=100",
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        found = json.loads(response.read())
    return {item["event"]["event_id"] for item in found.get("notifications", [])}


# -- a report in one message ----------------------------------------------------------------------


def test_a_multi_line_report_is_confirmed_and_shown_in_the_picture(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, KONFERENS, olof, activate=False)  # a scheduled forum
    represent(olof, room, bot_id, "Polisen")
    confirmed = ask(
        olof,
        room,
        bot_id,
        "!läge Läge: Strömavbrott i norra länet.\n"
        "Reservkraft på Norrtälje sjukhus.\n"
        "Konsekvenser: Mobilnätet nere i Rimbo\n"
        "Behov: Drivmedel till reservkraft",
    )
    assert confirmed.msgtype == "m.notice", confirmed.describe()
    assert "Lägesrapport från Polisen Region Stockholm sparad" in confirmed.body

    picture = ask(olof, room, bot_id, "!lägesbild")
    assert picture.msgtype == "m.notice", picture.describe()
    for shown in (confirmed, picture):
        html = shown.formatted_body or ""
        # The field's two lines stay two lines in HTML, under the field's bold label.
        two_lines = "Strömavbrott i norra länet.<br>Reservkraft på Norrtälje sjukhus."
        assert f"<strong>Läge:</strong> {two_lines}" in html, html
        assert "<strong>Konsekvenser / påverkan:</strong> Mobilnätet nere i Rimbo" in html
        assert "<strong>Behov av samverkan / stöd:</strong> Drivmedel till reservkraft" in html
        assert tags(html) <= OUR_TAGS, html
        # The plain body says the same, without markup.
        body = lines(shown.body)
        situation = body.index("Läge: Strömavbrott i norra länet.")
        assert body[situation + 1] == "Reservkraft på Norrtälje sjukhus.", shown.body
        assert "Konsekvenser / påverkan: Mobilnätet nere i Rimbo" in body
        assert "Behov av samverkan / stöd: Drivmedel till reservkraft" in body
        assert "<" not in (shown.body or ""), shown.body

    html = picture.formatted_body or ""
    assert "<h3>Samlad lägesbild – Regional samverkanskonferens</h3>" in html, html
    assert "<h4>Polisen Region Stockholm</h4>" in html
    # Everyone's needs, collected under their own heading, with whose they are.
    assert "<li><strong>Polisen Region Stockholm</strong>: Drivmedel till reservkraft</li>" in html
    body = lines(picture.body)
    assert "Samlad lägesbild – Regional samverkanskonferens" in body
    assert "Polisen Region Stockholm:" in body
    assert "• Polisen Region Stockholm: Drivmedel till reservkraft" in body


def test_markup_in_a_report_is_shown_not_run(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, CHEFSGRUPP, olof)
    represent(olof, room, bot_id, "Trafikverket")
    situation = "<b>x</b> <script>alert(1)</script> [a](http://evil) & mer"
    needs = "**fler** <i>bussar</i>"
    confirmed = ask(olof, room, bot_id, f"!läge {situation}\nBehov: {needs}")
    assert "Lägesrapport från Trafikverket sparad" in confirmed.body, confirmed.describe()
    picture = ask(olof, room, bot_id, "!lägesbild")
    assert "Trafikverket" in picture.body

    for shown in (confirmed, picture):
        html = shown.formatted_body or ""
        assert tags(html) <= OUR_TAGS, html  # no <b>, <script> or <i> of the reporter's
        assert "<script" not in html
        assert "<b>" not in html
        assert 'href="http://evil"' not in html  # Markdown is not turned into a link either
        assert "&lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in html, html
        assert "[a](http://evil) &amp; mer" in html
        assert "**fler** &lt;i&gt;bussar&lt;/i&gt;" in html
        assert "<strong>fler</strong>" not in html
        # The plain body shows exactly what was written.
        assert situation in (shown.body or ""), shown.body
        assert needs in (shown.body or "")


# -- the dialog ---------------------------------------------------------------------------------


def test_the_report_dialog_takes_only_the_reporters_answers(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser, siv: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, INRIKTANDE, olof, siv)
    represent(olof, room, bot_id, "SOS Alarm")
    opened = ask(olof, room, bot_id, "!läge formulär")
    assert "Lägesrapport för SOS Alarm" in opened.body, opened.describe()
    assert "7 frågor" in opened.body
    assert "1/7 Läge – Hur är läget hos er just nu?" in opened.body

    # Olof answers one question per message; Siv chats in between, even with a "-" and a
    # line that looks like a report. The second answer is a reply to the bot's question,
    # with the quoted fallback in front of it.
    reply_to_question = object()
    answers: list[object] = [
        "Två bränder i Hallstavik",
        reply_to_question,
        "-",
        "Fler enheter i beredskap",
        "Inga",
        "-",
        "Bättre i kväll",
    ]
    chat = [
        "Någon som vill ha kaffe?",
        "-",
        "Läge: allt lugnt hos oss",
        "Mötet börjar 16.00",
        "Inga",
        "ok",
        "Tack!",
    ]
    question = opened
    for number, (answer, talk) in enumerate(zip(answers, chat, strict=True), start=1):
        siv.send(room, talk)
        if answer is reply_to_question:
            assert "2/7 Konsekvenser / påverkan" in (question.body or "")
            sent = olof.reply(room, question, "mitt svar")
        else:
            assert isinstance(answer, str)
            sent = olof.send(room, answer)
        question = olof.wait_for_message(room, sender=bot_id, after_event_id=sent)
        if number < len(answers):
            assert f"{number + 1}/7 " in (question.body or ""), question.describe()
    confirmed = question
    assert "Lägesrapport från SOS Alarm sparad" in confirmed.body, confirmed.describe()
    # One answer to each of Olof's messages and none to Siv's (the bot answers in order, so
    # an answer to Siv would have come before the next question).
    said = olof.messages(room, bot_id, since=opened.index)
    assert len(said) == 1 + len(answers), "\n".join(seen.describe() for seen in said)

    body = lines(confirmed.body)
    assert "Läge: Två bränder i Hallstavik" in body, confirmed.body
    assert "Konsekvenser / påverkan: mitt svar" in body  # the quoted question dropped
    assert "Planerade åtgärder: Fler enheter i beredskap" in body
    assert "Behov av samverkan / stöd: Inga" in body
    assert "Prognos: Bättre i kväll" in body
    assert "Vidtagna åtgärder" not in confirmed.body  # skipped with "-"
    assert "Kommunikation" not in confirmed.body
    for talk in ("kaffe", "allt lugnt", "16.00", "Tack"):
        assert talk not in confirmed.body
    assert "2/7" not in confirmed.body
    assert ">" not in confirmed.body

    picture = ask(olof, room, bot_id, "!lägesbild")
    assert "<h4>SOS Alarm</h4>" in (picture.formatted_body or ""), picture.formatted_body
    body = lines(picture.body)
    assert "Läge: Två bränder i Hallstavik" in body, picture.body
    assert "Konsekvenser / påverkan: mitt svar" in body
    assert "Prognos: Bättre i kväll" in body
    assert "allt lugnt" not in picture.body


def test_a_cancelled_dialog_saves_nothing_and_stops_listening(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, SAMORDNINGSGRUPP, olof)
    represent(olof, room, bot_id, "Polisen")
    assert "1/7" in ask(olof, room, bot_id, "!läge formulär").body
    assert "2/7" in ask(olof, room, bot_id, "Ett utkast som inte ska sparas").body
    cancelled = ask(olof, room, bot_id, "!avbryt")
    assert "Formuläret är avbrutet. Inget har sparats." in cancelled.body, cancelled.describe()

    sent = olof.send(room, "Och en sak till om läget")
    olof.no_message(room, bot_id, since=cancelled.index + 1, seconds=1.5)
    assert olof.events(room)[-1].event_id == sent  # the bot said nothing after it
    picture = ask(olof, room, bot_id, "!lägesbild")
    assert "Inga rapporter ännu" in picture.body, picture.body
    assert "utkast" not in picture.body
    again = ask(olof, room, bot_id, "!avbryt")
    assert "Du har inget formulär öppet här." in again.body, again.describe()


def test_a_dialog_goes_on_after_the_bot_restarts(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, SAMORDNANDE, olof)
    represent(olof, room, bot_id, "Region Stockholm")
    opened = ask(olof, room, bot_id, "!läge formulär")
    assert "1/7" in opened.body
    assert "2/7" in ask(olof, room, bot_id, "Före omstarten").body

    assert bot.stop() == 0
    sent = olof.send(room, "Medan boten var borta")  # the answer to question 2
    bot.start()
    third = olof.wait_for_message(room, sender=bot_id, after_event_id=sent, timeout=40)
    assert "3/7 Vidtagna åtgärder" in third.body, third.describe()
    # Nothing was asked again: one question 2, one question 3.
    said = olof.messages(room, bot_id, since=opened.index)
    asked = [(seen.body or "").count("2/7") for seen in said]
    assert asked == [0, 1, 0], "\n".join(seen.describe() for seen in said)

    for answer in ("Efter omstarten", "-", "-", "-"):
        assert "/7" in ask(olof, room, bot_id, answer).body
    confirmed = ask(olof, room, bot_id, "Oklart")
    assert "Lägesrapport från Region Stockholm sparad" in confirmed.body, confirmed.describe()
    body = lines(confirmed.body)
    assert "Läge: Före omstarten" in body, confirmed.body
    assert "Konsekvenser / påverkan: Medan boten var borta" in body
    assert "Vidtagna åtgärder: Efter omstarten" in body
    assert "Prognos: Oklart" in body


def test_a_reply_that_addresses_the_bot_is_a_command_not_an_answer(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser
) -> None:
    room = forum_room(lena, bot_id, KONFERENS, olof, activate=False)
    represent(olof, room, bot_id, "Polisen")
    opened = ask(olof, room, bot_id, "!läge formulär")
    assert "1/7" in opened.body
    # "lagesbot: avbryt", written as a reply to the question (the quote in front of it).
    sent = olof.reply(room, opened, f"{BOT_LOCALPART}: avbryt")
    cancelled = olof.wait_for_message(room, sender=bot_id, after_event_id=sent)
    assert "Formuläret är avbrutet" in cancelled.body, cancelled.describe()


# -- the joint picture and who is missing -------------------------------------------------------


def test_a_coordinator_publishes_the_picture_in_every_room_of_the_forum(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser, per: MatrixUser
) -> None:
    room_a = forum_room(lena, bot_id, TEMATISKA, olof, per)
    room_b = forum_room(lena, bot_id, TEMATISKA, activate=False)
    represent(olof, room_a, bot_id, "Attunda")
    confirmed = ask(olof, room_a, bot_id, "!läge Rökdykare på plats i Märsta")
    assert "Lägesrapport från Brandkåren Attunda sparad" in confirmed.body
    mark_b = lena.mark(room_b)

    refused = ask(per, room_a, bot_id, "!lägesbild publicera")
    assert "kräver rollen koordinator" in refused.body, refused.describe()
    # A room moderator is no coordinator; the role is given with !roll.
    lena.set_power_level(room_a, per.user_id, 50)
    lena.wait_until(lambda: lena.power_level(room_a, per.user_id) == 50, what="per promoted")
    still = ask(per, room_a, bot_id, "!lägesbild publicera")
    assert "kräver rollen koordinator" in still.body, still.describe()
    granted = ask(lena, room_a, bot_id, f"!roll {per.user_id} koordinator")
    assert "har nu rollen koordinator i Tematiska arbetsgrupper" in granted.body, granted.body
    published = ask(per, room_a, bot_id, "!lägesbild publicera")
    assert "samlad lägesbild version 1, publicerad av" in published.body, published.describe()
    assert "Rökdykare på plats i Märsta" in published.body

    # Room B, where nobody asked, gets the same picture (and got nothing from the refusal).
    posted = lena.wait_for_message(room_b, sender=bot_id, since=mark_b)
    assert "Tematiska arbetsgrupper: samlad lägesbild version 1" in posted.body, posted.describe()
    body = lines(posted.body)
    report = body.index("Brandkåren Attunda:")
    assert body[report + 2] == "Läge: Rökdykare på plats i Märsta", posted.body
    assert posted.msgtype == "m.notice"
    html = posted.formatted_body or ""
    assert "<h3>Samlad lägesbild – Tematiska arbetsgrupper</h3>" in html, html
    assert "<strong>Läge:</strong> Rökdykare på plats i Märsta" in html


def test_missing_reports_notify_their_representatives_only_when_a_coordinator_asks(
    bot: BotProcess,
    bot_id: str,
    lena: MatrixUser,
    olof: MatrixUser,
    per: MatrixUser,
) -> None:
    room = forum_room(lena, bot_id, VERKSTALLANDE, olof, per)
    represent(olof, room, bot_id, "Polisen")
    represent(per, room, bot_id, "SOS Alarm")
    assert "sparad" in ask(olof, room, bot_id, "!läge Lugnt i city").body

    by_coordinator = ask(lena, room, bot_id, "!saknas")
    assert "Saknade lägesrapporter – Verkställande forum" in by_coordinator.body
    assert by_coordinator.msgtype == "m.text", by_coordinator.describe()  # a notice notifies no one
    assert per.user_id in by_coordinator.mentions, by_coordinator.content
    assert olof.user_id not in by_coordinator.mentions  # Polisen has reported
    html = by_coordinator.formatted_body or ""
    assert f'<a href="https://matrix.to/#/{per.user_id}">' in html, html
    assert "SOS Alarm" in by_coordinator.body
    lena.wait_until(
        lambda: by_coordinator.event_id in notified(per), what="per notified of !saknas"
    )

    by_actor = ask(olof, room, bot_id, "!saknas")
    assert by_actor.msgtype == "m.notice", by_actor.describe()
    assert "m.mentions" not in by_actor.content or by_actor.mentions == []
    assert "matrix.to" not in (by_actor.formatted_body or "")
    assert "SOS Alarm" in by_actor.body
    assert by_actor.event_id not in notified(per)


# -- chat ---------------------------------------------------------------------------------------


def test_plain_chat_gets_no_answer(
    bot: BotProcess, bot_id: str, lena: MatrixUser, olof: MatrixUser, siv: MatrixUser
) -> None:
    elsewhere = forum_room(lena, bot_id, KONFERENS, olof, activate=False)
    room = forum_room(lena, bot_id, KONFERENS, olof, siv, activate=False)
    represent(olof, elsewhere, bot_id, "Polisen")
    # Olof has a dialog open, but in the other room: here he is just chatting.
    assert "1/7" in ask(olof, elsewhere, bot_id, "!läge formulär").body

    welcome = olof.messages(room, bot_id)[0]
    mark = olof.mark(room)
    lena.send(room, "Mötet börjar 16.00, samverkan som vanligt")
    olof.send(room, "Läge: allt lugnt här")
    siv.send(room, "-")
    olof.reply(room, welcome, "Tack, vi kopplar rummet")
    siv.send(room, "avbryt")
    olof.no_message(room, bot_id, since=mark, seconds=2)

    # None of that went into Olof's dialog in the other room.
    second = ask(olof, elsewhere, bot_id, "Svar i rätt rum")
    assert "2/7" in second.body, second.describe()
    assert "avbrutet" in ask(olof, elsewhere, bot_id, "!avbryt").body


def test_chat_from_a_name_with_direction_isolates_gets_no_answer(
    bot: BotProcess, bot_id: str, lena: MatrixUser, tove: MatrixUser
) -> None:
    room = room_with_bot(lena, bot_id, tove)
    mark = lena.mark(room)
    tove.send(room, "Hej, jag sitter med för Solna i dag")
    lena.no_message(room, bot_id, since=mark, seconds=2)

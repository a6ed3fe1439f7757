"""Exercise marking through each door: what Slack and Matrix actually receive.

While a forum is in an exercise (``!övning start Snöoväder``, or an exercise activation,
``!aktivera övning Snöoväder``), every message the bot posts in the forum's channels begins
with ÖVNING ÖVNING ÖVNING and ends with "Slut övning": the answer to a command, a call-out in
the forum's other channel, a reminder sent by the ticker, an edit (Slack ``chat.update``,
Matrix ``m.replace``'s ``m.new_content``), the short minutes that come with the minutes file,
a joint message's proposal. After ``!övning slut`` nothing is marked. A direct message the
exercise causes (the request for activation the RSK on duty is sent) is marked too.

Slack: one ``samverkan-bot run`` process against :class:`FakeSlack`, slash commands signed as
Slack signs them (``tests/support/slack_http.py``); the fallback ``text`` and the blocks are
read, and "Slut övning" must be the last block, after any buttons. Matrix: one bot process
against the session's real Synapse (``tests/support/matrix_bot.py``); ``body`` and
``formatted_body`` are read. A reminder is set as people set it and its ``due_at`` then moved
to now in the bot's database, as ``tests/test_slack_reminders.py`` does (the bot's ticker
finds it due and sends it). Each test has forums (Slack) or rooms (Matrix) of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.bot_process import BotProcess
from tests.support.fake_slack import Call, dm_channel
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    bound_room,
    containing,
    registered_user,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.pdf import pdf_as_line
from tests.support.slack_http import (
    SlackBot,
    bound_forum,
    click,
    new_channel,
    person,
    posted,
    run,
    say,
    sent_since,
    slack_bot_with_admin,
    slash,
)
from tests.support.synapse import SERVER_NAME, SynapseServer
from tests.test_slack_reminders import Rows

# Every test runs the bot as a child process: slow, as tests/conftest.py marks the modules
# test_slack* and test_matrix* by their names (this one's name says neither).
pytestmark = pytest.mark.slow

FIRST, LAST = "ÖVNING ÖVNING ÖVNING", "Slut övning"
TICK_SECONDS = "0.2"
ADMIN = "UADMIN020"  # in BOT_ADMINS: a coordinator everywhere
KONFERENS = 4  # the conference's number in `!forum lista`
# How the exercise starts: the forum put in exercise, or an exercise activation.
STARTS = ["övning start Snöoväder", "aktivera övning Snöoväder"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- Slack -------------------------------------------------------------------------------------


def _block_text(block: dict[str, Any]) -> str:
    """What a block shows as text (a button's label for actions)."""
    if "text" in block:
        return str(block["text"]["text"])
    parts = block.get("fields") or block.get("elements") or []
    texts = [part.get("text", "") for part in parts]
    return "\n".join(str(text["text"] if isinstance(text, dict) else text) for text in texts)


def slack_marked(call: Call) -> None:
    """Marked in the fallback text and in the blocks; "Slut övning" the last block (after
    any buttons), each marking once."""
    lines = _lines(call.text)
    assert lines[0].strip("*_ ") == FIRST, call.text
    assert lines[-1] == LAST, call.text
    assert [line.strip("*_ ") for line in lines].count(FIRST) == 1, call.text
    blocks = call.blocks
    assert blocks, call
    assert _block_text(blocks[0]).strip("*_ ") == FIRST, blocks
    assert blocks[-1] == {"type": "section", "text": {"type": "mrkdwn", "text": LAST}}, blocks
    assert [_block_text(block).strip("*_ ") for block in blocks].count(FIRST) == 1, blocks


def shown(call: Call) -> str:
    """What a message shows: its text and its blocks."""
    return call.text + json.dumps(call.blocks, ensure_ascii=False)


def slack_unmarked(call: Call) -> None:
    assert FIRST not in shown(call), shown(call)
    assert LAST not in shown(call), shown(call)


def has_buttons(call: Call) -> bool:
    return any(block["type"] == "actions" for block in call.blocks)


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    directory = tmp_path_factory.mktemp("slack-exercise")
    with slack_bot_with_admin(directory, ADMIN, TICK_SECONDS=TICK_SECONDS) as bot:
        yield bot


@pytest.fixture(scope="module")
def slack_rows(slack: SlackBot) -> Iterator[Rows]:
    found = Rows(slack.process.directory / "bot.db")
    yield found
    found.close()


def slack_command(bot: SlackBot, text: str, user: str, channel: str, contains: str) -> Call:
    """``/samverkan text``; the bot's answer in ``channel`` (holding ``contains``)."""
    return run(bot, text, user, channel, contains)


def slack_reminder(bot: SlackBot, rows: Rows, channel: str, text: str) -> Call:
    """``påminn om 1 timme <text>``, brought forward to now: the reminder as the ticker
    posts it."""
    slack_command(bot, f"påminn om 1 timme {text}", ADMIN, channel, text)
    mark = bot.fake.mark()
    rows.move(rows.one(channel, text).id, "due_at")
    return bot.fake.wait_for(
        "chat.postMessage",
        lambda call: text in call.text and "påminnelse" in call.text.lower(),
        since=mark,
        channel=channel,
    )


@pytest.mark.parametrize("start", STARTS)
def test_every_kind_of_post_is_marked_in_slack(
    slack: SlackBot, slack_rows: Rows, start: str
) -> None:
    fake = slack.fake
    polis = person(slack, "Petra Polis")
    name, channel = bound_forum(slack, ADMIN, {polis: "Polisen"})
    other = new_channel()
    slack_command(slack, f"forum koppla {name}", ADMIN, other, "Kanalen är nu kopplad till")
    slack_unmarked(slack_command(slack, "status", polis, channel, ""))

    # The exercise starts: the answer, and the call-out in the forum's other channel.
    mark = fake.mark()
    assert slash(slack, start, ADMIN, channel).status == 200
    if start.startswith("övning"):
        slack_marked(posted(slack, channel, mark, "har startat"))
        slack_marked(posted(slack, other, mark))
        mark = fake.mark()
        assert slash(slack, "aktivera Storm Dagmar", ADMIN, channel).status == 200
    answer = posted(slack, channel, mark, "INKALLNING")
    slack_marked(answer)
    card = posted(slack, other, mark, "INKALLNING")
    slack_marked(card)
    assert has_buttons(card)  # the buttons come before "Slut övning"

    # The answer to a command, slash or channel message (in the message's thread); the
    # status says so.
    slack_marked(slack_command(slack, "status", polis, channel, "ja – Snöoväder"))
    mark = fake.mark()
    assert say(slack, polis, channel, "!status").status == 200
    slack_marked(posted(slack, channel, mark, "ja – Snöoväder"))

    # An acknowledgement by the card's button: its answer is added to the card clicked
    # (chat.update), and the card is edited in both channels.
    [ts] = [kept["ts"] for kept in fake.messages(other) if kept["text"] == card.text]
    mark = fake.mark()
    assert click(slack, polis, card, ts).status == 200
    clicked = fake.wait_for(
        "chat.update", lambda call: "Kvittens från" in shown(call), since=mark, channel=other, ts=ts
    )
    assert {"type": "divider"} in clicked.blocks  # the card, then the answer under it
    slack_marked(clicked)
    assert not sent_since(fake, mark, "chat.postMessage", other)
    slack_marked(
        fake.wait_for("chat.update", lambda call: "✅" in call.text, since=mark, channel=channel)
    )

    # A reminder the ticker sends.
    slack_marked(slack_reminder(slack, slack_rows, channel, "Skicka lägesbilden"))

    # A joint message's proposal, here and in the other channel, with its button.
    mark = fake.mark()
    assert slash(slack, "budskap förslag Undvik onödiga resor.", polis, channel).status == 200
    slack_marked(posted(slack, channel, mark, "Förslag till gemensamt budskap 1"))
    proposal = posted(slack, other, mark, "Förslag till gemensamt budskap 1")
    slack_marked(proposal)
    assert has_buttons(proposal)

    # The short minutes that come with the minutes file.
    slack_command(slack, "möte start", ADMIN, channel, "har börjat")
    slack_command(slack, "info Vägarna är stängda", polis, channel, "Vägarna")
    files = fake.file_mark()
    slack_marked(slack_command(slack, "möte slut", ADMIN, channel, "Möte 1 avslutat"))
    minutes = fake.wait_for_file(
        channel, lambda f: f.filename.startswith("minnesanteckningar-"), since=files
    )
    assert "Vägarna är stängda" in pdf_as_line(minutes.content)

    # The stand-down, then the end of the exercise: nothing marked any more.
    slack_marked(slack_command(slack, "avaktivera", ADMIN, channel, "avaktiverat"))
    slack_command(slack, "övning slut", ADMIN, channel, "avslutad")
    status = slack_command(slack, "status", polis, channel, "")
    slack_unmarked(status)
    assert "ja – Snöoväder" not in status.text
    mark = fake.mark()
    assert slash(slack, "aktivera Skarpt läge", ADMIN, channel).status == 200
    slack_unmarked(posted(slack, channel, mark, "INKALLNING"))
    slack_unmarked(posted(slack, other, mark, "INKALLNING"))
    slack_unmarked(slack_reminder(slack, slack_rows, channel, "Efter övningen"))


def test_a_direct_message_the_exercise_causes_is_marked_in_slack(slack: SlackBot) -> None:
    fake = slack.fake
    polis = person(slack, "Pelle Polis")
    _, channel = bound_forum(slack, ADMIN, {polis: "Polisen"})
    slack_command(slack, "beredskap ta över RSK", ADMIN, channel, "är nu RSK i beredskap")
    slack_command(slack, "övning start Snöoväder", ADMIN, channel, "har startat")
    mark = fake.mark()
    assert slash(slack, "begär aktivering Stormvarning", polis, channel).status == 200
    slack_marked(posted(slack, channel, mark, "Begäran om aktivering"))
    letter = posted(slack, dm_channel(ADMIN), mark, "begäran om aktivering")
    assert "Stormvarning" in shown(letter)
    slack_marked(letter)  # the RSK on duty must not take a drill's request for real
    slack_command(slack, "övning slut", ADMIN, channel, "avslutad")


# -- Matrix ------------------------------------------------------------------------------------

BOT_LOCALPART = "ovningsbot"
COORDINATOR = "ovn-koord"


def _html_blocks(html: str) -> list[str]:
    """The top-level HTML elements' texts, tags removed."""
    elements = re.finditer(r"<(\w+)[^>]*>.*?</\1>", html, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", element.group(0)) for element in elements]


def matrix_content_marked(content: dict[str, Any]) -> None:
    body = str(content.get("body", ""))
    lines = _lines(body)
    assert lines[0].strip("*_ ") == FIRST, body
    assert lines[-1] == LAST, body
    assert lines.count(FIRST) == 1, body
    html = str(content.get("formatted_body", ""))
    assert html.startswith(f"<p><strong>{FIRST}</strong></p>"), html
    assert html.endswith(f"<p>{LAST}</p>"), html
    shown = _html_blocks(html)
    assert shown.count(FIRST) == 1, html
    assert shown[-1] == LAST, html


def matrix_marked(seen: Seen) -> None:
    """Marked in ``body`` and ``formatted_body``; an edit in its ``m.new_content`` too."""
    new = seen.new_content
    if seen.replaces is not None:
        assert new is not None, seen.describe()
        matrix_content_marked(new)
        fallback = (seen.body or "").removeprefix("* ")
        matrix_content_marked({**seen.content, "body": fallback, **_html_of(seen.content)})
    else:
        matrix_content_marked(seen.content)


def _html_of(content: dict[str, Any]) -> dict[str, Any]:
    """An edit's fallback HTML, without the ``* `` clients put before it."""
    html = content.get("formatted_body")
    if not isinstance(html, str):
        return {"formatted_body": content["m.new_content"].get("formatted_body", "")}
    return {"formatted_body": html.removeprefix("* ")}


def matrix_unmarked(seen: Seen) -> None:
    shown = json.dumps(seen.content, ensure_ascii=False)
    assert FIRST not in shown, shown
    assert LAST not in shown, shown


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-exercise-bot")
    settings = bot_settings(
        synapse.url,
        bot_id,
        directory,
        BOT_ADMINS=f"@{COORDINATOR}:{SERVER_NAME}",
        TICK_SECONDS=TICK_SECONDS,
    )
    with running_bot(directory, settings) as process:
        yield process


@pytest.fixture(scope="module")
def matrix_rows(bot: BotProcess) -> Iterator[Rows]:
    found = Rows(bot.directory / "bot.db")
    yield found
    found.close()


@pytest.fixture(scope="module")
def koord(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms; in BOT_ADMINS, so a coordinator, and the chair."""
    yield from registered_user(synapse, COORDINATOR)


@pytest.fixture(scope="module")
def aktor(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents Polisen."""
    yield from registered_user(synapse, "ovn-aktor")


def said(user: MatrixUser, room: str, bot_id: str, text: str, contains: str) -> Seen:
    answer = ask(user, room, bot_id, text)
    assert contains in (answer.body or ""), answer.describe()
    return answer


def arrived(user: MatrixUser, room: str, bot_id: str, since: int, *texts: str) -> Seen:
    """A new message from the bot (not an edit) holding ``texts``."""
    holds = containing(*texts)
    return user.wait_for_message(
        room, lambda seen: seen.replaces is None and holds(seen), sender=bot_id, since=since
    )


def matrix_reminder(user: MatrixUser, room: str, bot_id: str, rows: Rows, text: str) -> Seen:
    """``!påminn om 1 timme <text>``, brought forward to now: the reminder as sent."""
    said(user, room, bot_id, f"!påminn om 1 timme {text}", text)
    mark = user.mark(room)
    rows.move(rows.one(room, text).id, "due_at")
    return user.wait_for_message(
        room,
        lambda seen: text in (seen.body or "") and "påminnelse" in (seen.body or "").lower(),
        sender=bot_id,
        since=mark,
    )


@pytest.mark.parametrize("start", STARTS)
def test_every_kind_of_post_is_marked_in_matrix(
    bot: BotProcess,
    bot_id: str,
    matrix_rows: Rows,
    koord: MatrixUser,
    aktor: MatrixUser,
    start: str,
) -> None:
    room = bound_room(koord, bot_id, KONFERENS, aktor)
    other = bound_room(koord, bot_id, KONFERENS)
    said(aktor, room, bot_id, "!aktör Polisen", "företrädare för")
    matrix_unmarked(said(aktor, room, bot_id, "!status", ""))

    # The exercise starts: the answer, and the call-out in the forum's other room.
    there = koord.mark(other)
    if start.startswith("övning"):
        matrix_marked(said(koord, room, bot_id, f"!{start}", "har startat"))
        matrix_marked(koord.wait_for_message(other, sender=bot_id, since=there))
        there = koord.mark(other)
        answer = said(koord, room, bot_id, "!aktivera Storm Dagmar", "INKALLNING")
    else:
        answer = said(koord, room, bot_id, f"!{start}", "INKALLNING")
    matrix_marked(answer)
    matrix_marked(arrived(koord, other, bot_id, there, "INKALLNING"))

    # The answer to a command; the status says so.
    matrix_marked(said(aktor, room, bot_id, "!status", "Övning: ja – Snöoväder"))

    # An acknowledgement edits the call-out in both rooms.
    here, there = koord.mark(room), koord.mark(other)
    matrix_marked(said(aktor, room, bot_id, "!kvittera", "kvitter"))
    for where, since in ((room, here), (other, there)):
        edit = koord.wait_for_message(
            where, lambda seen: seen.replaces is not None, sender=bot_id, since=since
        )
        matrix_marked(edit)

    # A reminder the ticker sends.
    matrix_marked(matrix_reminder(koord, room, bot_id, matrix_rows, "Skicka lägesbilden"))

    # A joint message's proposal, here and in the other room.
    there = koord.mark(other)
    proposal = "Förslag till gemensamt budskap"
    matrix_marked(said(aktor, room, bot_id, "!budskap förslag Undvik onödiga resor.", proposal))
    matrix_marked(arrived(koord, other, bot_id, there, proposal))

    # The short minutes that come with the minutes file.
    said(koord, room, bot_id, "!möte start", "har börjat")
    said(aktor, room, bot_id, "!info Vägarna är stängda", "Vägarna")
    ended = said(koord, room, bot_id, "!möte slut", "avslutat")
    matrix_marked(ended)
    attached = koord.wait_for_message(
        room, sender=bot_id, msgtype="m.file", after_event_id=ended.event_id
    )
    assert (attached.filename or "").startswith("minnesanteckningar-"), attached.describe()

    # The stand-down, then the end of the exercise: nothing marked any more.
    matrix_marked(said(koord, room, bot_id, "!avaktivera", "Övning: ja"))
    said(koord, room, bot_id, "!övning slut", "avslutad")
    status = said(aktor, room, bot_id, "!status", "")
    matrix_unmarked(status)
    assert "Övning: ja" not in (status.body or "")
    there = koord.mark(other)
    matrix_unmarked(said(koord, room, bot_id, "!aktivera Skarpt läge", "INKALLNING"))
    matrix_unmarked(arrived(koord, other, bot_id, there, "INKALLNING"))
    matrix_unmarked(matrix_reminder(koord, room, bot_id, matrix_rows, "Efter övningen"))
    said(koord, room, bot_id, "!avaktivera", "")  # the conference is the next test's too


def test_a_direct_message_the_exercise_causes_is_marked_in_matrix(
    bot: BotProcess, bot_id: str, koord: MatrixUser, aktor: MatrixUser
) -> None:
    room = bound_room(koord, bot_id, KONFERENS, aktor)
    said(aktor, room, bot_id, "!aktör Polisen", "företrädare för")
    said(koord, room, bot_id, "!beredskap ta över RSK", "är nu RSK i beredskap")
    said(koord, room, bot_id, "!övning start Snöoväder", "har startat")
    known = koord.invitations()
    request = said(aktor, room, bot_id, "!begär aktivering Stormvarning", "Begäran om aktivering")
    matrix_marked(request)
    invited = koord.wait_for_invitation(known)
    koord.join(invited)
    letter = koord.wait_for_message(invited, containing("begäran om aktivering"), sender=bot_id)
    assert "Stormvarning" in (letter.body or ""), letter.describe()
    matrix_marked(letter)  # the RSK on duty must not take a drill's request for real
    said(koord, room, bot_id, "!övning slut", "avslutad")

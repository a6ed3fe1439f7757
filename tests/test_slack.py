"""The Slack door through its real HTTP endpoint, against a local fake of Slack's Web API.

The bot runs as ``samverkan-bot run`` with Slack credentials, as in production, its Web API
client pointed at :class:`FakeSlack`. Slash commands, events and button clicks are sent to
``/slack/events`` signed exactly as Slack signs them; the tests assert on the HTTP answer and
on what the bot sent to the Web API (the helpers: ``tests/support/slack_http.py``). Each test
uses its own channel and forum.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.support.fake_slack import BOT_USER_ID, Call, FakeSlack
from tests.support.slack_http import (
    FORM,
    JSON,
    TOKEN,
    SlackBot,
    click,
    event_body,
    message,
    new_channel,
    posted,
    running_slack_bot,
    say,
    send,
    sent_since,
    signed_headers,
    slash,
    slash_body,
)

ANNA, BO, CARL, EVE = "UANNA001", "UBO00001", "UCARL001", "UEVE0001"
WALTER = "UWALTER1"  # a workspace admin, not in BOT_ADMINS
# Forums by their number in `!forum lista` (the seeded order).
CHEFSGRUPP, INRIKTANDE, SAMORDNINGSGRUPP, KONFERENS, SAMORDNANDE, TEMATISKA, VERKSTALLANDE = range(
    1, 8
)


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Admin", admin=True)
        fake.add_user(BO, "Bo Polis")
        fake.add_user(CARL, "Carl")
        fake.add_user(EVE, "<!channel> *Eve* & co")
        fake.add_user(WALTER, "Walter Wsadmin", admin=True)
        with running_slack_bot(tmp_path_factory.mktemp("slack-bot"), fake, BOT_ADMINS=ANNA) as bot:
            yield bot


# Sending as Slack does (signed requests, clicks, events): tests/support/slack_http.py.


def bound(bot: SlackBot, forum: int) -> str:
    """A new channel bound to ``forum`` by Anna, a workspace admin."""
    channel = new_channel()
    mark = bot.fake.mark()
    assert slash(bot, f"forum koppla {forum}", ANNA, channel).status == 200
    posted(bot, channel, mark, "Kanalen är nu kopplad till")
    return channel


def section_fields(call: Call) -> dict[str, str]:
    fields: dict[str, str] = {}
    for block in call.blocks:
        for field in block.get("fields", []):
            label, _newline, value = field["text"].partition("\n")
            fields[label.strip("*")] = value
    return fields


# -- the whole flow --------------------------------------------------------------------------


def test_bind_register_activate_acknowledge_by_click_status_stand_down(slack: SlackBot) -> None:
    fake = slack.fake
    channel = new_channel()

    mark = fake.mark()
    answer = slash(slack, f"forum koppla {KONFERENS}", ANNA, channel)
    assert answer.status == 200
    assert answer.seconds < 1.0
    bind = posted(slack, channel, mark)
    assert "Kanalen är nu kopplad till Regional samverkanskonferens" in bind.text

    mark = fake.mark()
    assert say(slack, BO, channel, "!aktör Polisen").status == 200
    registered = posted(slack, channel, mark)
    assert "företrädare för Polisen Region Stockholm" in registered.text

    mark = fake.mark()
    assert slash(slack, "aktivera Storm Dagmar kalla: Polisen", ANNA, channel).status == 200
    callout = posted(slack, channel, mark)
    assert "INKALLNING – Regional samverkanskonferens" in callout.text
    assert f"<@{BO}>" in callout.text  # a real mention: Bo is notified
    assert callout.blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "INKALLNING – Regional samverkanskonferens är aktiverad",
        },
    }
    buttons = [
        b for block in callout.blocks if block["type"] == "actions" for b in block["elements"]
    ]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Kvittera", "kvittera")]

    # Someone without a role clicks: told so privately, the call-out is left as it is.
    mark = fake.mark()
    ts = "1700000000.999001"
    assert click(slack, CARL, callout, ts).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=CARL)
    assert "Du har inte sagt vilken organisation du företräder" in refused.text
    assert not sent_since(fake, mark, "chat.update", channel)

    mark = fake.mark()
    assert click(slack, BO, callout, ts).status == 200
    update = fake.wait_for("chat.update", since=mark, channel=channel, ts=ts)
    texts = json.dumps(update.blocks, ensure_ascii=False)
    assert "Kvittens från Polisen Region Stockholm" in texts
    assert "1 av 1 inkallad organisation har kvitterat" in texts
    assert update.blocks[: len(callout.blocks)] == callout.blocks  # the call-out is kept
    assert not sent_since(fake, mark, "chat.postMessage", channel)

    mark = fake.mark()
    assert slash(slack, "status", BO, channel).status == 200
    status = posted(slack, channel, mark)
    fields = section_fields(status)
    assert fields["Läge"] == "*aktiverat läge*"
    assert fields["Anledning"] == "Storm Dagmar"

    mark = fake.mark()
    assert slash(slack, "avaktivera", BO, channel).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=BO)
    assert "kräver rollen koordinator" in refused.text

    mark = fake.mark()
    assert slash(slack, "avaktivera Elen är tillbaka", ANNA, channel).status == 200
    stood_down = posted(slack, channel, mark)
    assert "avaktiverad" in stood_down.text
    assert "*Kvittenser:* 1 av 1" in stood_down.text


def test_a_call_out_reaches_every_slack_channel_of_the_forum(slack: SlackBot) -> None:
    first = bound(slack, SAMORDNANDE)
    second = bound(slack, SAMORDNANDE)
    # Someone to call: Polisen's representative in this forum (the card's button is for them).
    mark = slack.fake.mark()
    assert say(slack, BO, second, "!aktör Polisen").status == 200
    posted(slack, second, mark, "Polisen Region Stockholm")
    mark = slack.fake.mark()
    assert slash(slack, "aktivera Vattenläcka", ANNA, first).status == 200
    # (The notice of the second channel's binding may reach the first one meanwhile.)
    posted(slack, first, mark, "INKALLNING")
    elsewhere = posted(slack, second, mark, "INKALLNING")
    assert any(block["type"] == "actions" for block in elsewhere.blocks)


def test_a_slash_command_in_a_channel_without_the_bot_is_answered_by_response_url(
    slack: SlackBot,
) -> None:
    fake = slack.fake
    channel = new_channel()
    fake.outside.add(channel)
    mark = fake.mark()
    url = f"{fake.base_url}/commands/T0001/{channel}/x"
    assert send(slack, slash_body("forum lista", BO, channel, url), FORM).status == 200
    answer = fake.wait_for("response_url", since=mark, _path=f"/commands/T0001/{channel}/x")
    assert answer.args["response_type"] == "in_channel"
    assert "Regional samverkanskonferens" in answer.text


# -- who may do what ------------------------------------------------------------------------


def test_a_workspace_admin_is_no_coordinator_but_bot_admins_are(slack: SlackBot) -> None:
    fake = slack.fake
    channel = new_channel()
    for person in (CARL, WALTER):
        mark = fake.mark()
        assert slash(slack, f"forum koppla {INRIKTANDE}", person, channel).status == 200
        refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=person)
        assert "Bara en koordinator för Regionalt inriktande forum" in refused.text
        assert not sent_since(fake, mark, "chat.postMessage", channel)

    mark = fake.mark()
    assert slash(slack, f"forum koppla {INRIKTANDE}", ANNA, channel).status == 200
    assert "Kanalen är nu kopplad till" in posted(slack, channel, mark).text
    # users.info was asked once per person, however many messages they sent.
    asked = [call.args.get("user") for call in fake.calls_to("users.info")]
    assert asked.count(ANNA) == 1
    assert asked.count(CARL) == 1


def test_a_role_given_by_mention(slack: SlackBot) -> None:
    channel = bound(slack, SAMORDNINGSGRUPP)
    mark = slack.fake.mark()
    assert say(slack, ANNA, channel, f"!roll <@{CARL}> koordinator").status == 200
    answer = posted(slack, channel, mark)
    assert "Carl" in answer.text
    assert "koordinator" in answer.text
    # Carl may now do what coordinators do.
    mark = slack.fake.mark()
    assert say(slack, CARL, channel, "!aktivera Övning").status == 200
    assert "INKALLNING" in posted(slack, channel, mark).text


# -- messages and mentions -------------------------------------------------------------------


def test_a_mention_of_the_bot_is_a_command_and_a_bare_one_asks_for_help(slack: SlackBot) -> None:
    channel = new_channel()
    fake = slack.fake
    mark = fake.mark()
    text = f"<@{BOT_USER_ID}> forum lista"
    # Slack sends both a message and an app_mention for it: one answer.
    assert say(slack, BO, channel, text).status == 200
    mention = message(BO, channel, text) | {"type": "app_mention"}
    assert send(slack, event_body(mention), JSON).status == 200
    listing = posted(slack, channel, mark)
    assert "Regional samverkanskonferens" in listing.text

    mark = fake.mark()
    bare = message(BO, channel, f"<@{BOT_USER_ID}>") | {"type": "app_mention"}
    assert send(slack, event_body(bare), JSON).status == 200
    assert "Kommandon du kan använda här" in posted(slack, channel, mark).text
    assert len(sent_since(fake, 0, "chat.postMessage", channel)) == 2


def test_other_messages_and_the_bots_own_are_not_commands(slack: SlackBot) -> None:
    channel = new_channel()
    fake = slack.fake
    mark = fake.mark()
    for event in (
        message(BO, channel, "hej allihop"),
        message(BOT_USER_ID, channel, "!forum lista", bot_id="B0001"),
        message(BO, channel, "!forum lista", subtype="message_changed"),
    ):
        assert send(slack, event_body(event), JSON).status == 200
    # A command after them is answered, and is the only answer.
    assert say(slack, BO, channel, "!forum").status == 200
    posted(slack, channel, mark, "inte kopplad")
    assert len(sent_since(fake, mark, "chat.postMessage", channel)) == 1


def test_markup_in_user_text_is_escaped(slack: SlackBot) -> None:
    channel = bound(slack, TEMATISKA)
    fake = slack.fake
    mark = fake.mark()
    # As Slack sends what Eve typed: her own < > & escaped, a real @channel as <!channel>.
    typed = "!aktör <!channel> &lt;https://evil.example|klicka&gt; &amp; co"
    assert say(slack, EVE, channel, typed).status == 200
    answer = posted(slack, channel, mark)
    assert "<!channel>" not in answer.text
    assert "<https://evil.example" not in answer.text
    assert "&lt;https://evil.example|klicka&gt; &amp; co" in answer.text
    blocks = json.dumps(answer.blocks)
    assert "<!channel>" not in blocks
    assert "<https://" not in blocks

    # Her display name is markup too; it is shown escaped wherever the bot uses it.
    mark = fake.mark()
    assert say(slack, EVE, channel, "!aktör Trafikverket").status == 200
    posted(slack, channel, mark, "Trafikverket")
    mark = fake.mark()
    assert say(slack, EVE, channel, "!aktörer").status == 200
    actors = posted(slack, channel, mark, "Trafikverket")
    assert "&lt;!channel&gt; *Eve* &amp; co" in actors.text
    assert "<!channel>" not in actors.text + json.dumps(actors.blocks)


# -- signatures, replays and retries ---------------------------------------------------------


def test_unsigned_stale_or_forged_requests_get_401_and_nothing_happens(slack: SlackBot) -> None:
    fake = slack.fake
    channel = new_channel()
    body = slash_body("forum lista", BO, channel)
    mark = fake.mark()
    assert send(slack, body, FORM, signed=False).status == 401
    assert send(slack, body, FORM, secret="not the secret").status == 401
    assert send(slack, body, FORM, timestamp=time.time() - 6 * 60).status == 401
    assert send(slack, body, FORM, timestamp=time.time() + 6 * 60).status == 401
    only_timestamp = {"X-Slack-Request-Timestamp": str(int(time.time()))}
    assert send(slack, body, FORM, signed=False, headers=only_timestamp).status == 401
    event = event_body(message(BO, channel, "!forum lista"))
    assert send(slack, event, JSON, secret="not the secret").status == 401
    # A signed request from the same person in the same channel is answered, and alone.
    assert send(slack, body, FORM).status == 200
    posted(slack, channel, mark)
    assert len(sent_since(fake, mark, "chat.postMessage", channel)) == 1
    assert not fake.calls_to("users.info", user="UNOBODY1")


def test_a_retried_or_replayed_event_is_run_once(slack: SlackBot) -> None:
    channel = bound(slack, VERKSTALLANDE)
    fake = slack.fake
    mark = fake.mark()
    body = event_body(message(ANNA, channel, "!aktivera Övning"), event_id="Ev0RETRY0001")
    assert send(slack, body, JSON).status == 200
    assert "INKALLNING" in posted(slack, channel, mark).text
    since = len(slack.process.log())
    # Slack's retry: the same event, signed anew a little later, with the retry headers.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert send(slack, body, JSON, headers=retry, timestamp=time.time() + 2).status == 200
    slack.process.wait_for_log("event event:Ev0RETRY0001 was handled before", since=since)
    assert len(sent_since(fake, mark, "chat.postMessage", channel)) == 1


def test_a_replayed_request_gets_401_and_nothing_happens(slack: SlackBot) -> None:
    channel = new_channel()
    fake = slack.fake
    body = slash_body("forum lista", ANNA, channel)
    headers = signed_headers(body)
    mark = fake.mark()
    assert send(slack, body, FORM, signed=False, headers=headers).status == 200
    posted(slack, channel, mark)
    since = len(slack.process.log())
    # Captured and sent again as it was, well within the five minutes.
    assert send(slack, body, FORM, signed=False, headers=headers).status == 401
    slack.process.wait_for_log("refused a replayed request", since=since)
    assert len(sent_since(fake, mark, "chat.postMessage", channel)) == 1


def test_url_verification_answers_the_challenge(slack: SlackBot) -> None:
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    answer = send(slack, body, JSON)
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.body
    assert send(slack, body, JSON, secret="not the secret").status == 401


# -- help ------------------------------------------------------------------------------------


def test_slash_command_alone_and_the_home_tab_show_the_help(slack: SlackBot) -> None:
    fake = slack.fake
    channel = new_channel()
    mark = fake.mark()
    assert slash(slack, "", BO, channel).status == 200
    assert "Kommandon du kan använda här" in posted(slack, channel, mark).text
    mark = fake.mark()
    assert slash(slack, "hjälp", BO, channel).status == 200
    assert "Kommandon du kan använda här" in posted(slack, channel, mark).text

    mark = fake.mark()
    home = {"type": "app_home_opened", "user": BO, "channel": "D0BO00001", "tab": "home"}
    assert send(slack, event_body(home), JSON).status == 200
    published = fake.wait_for("views.publish", since=mark, user_id=BO)
    view = published.args["view"]
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "Kommandon du kan använda här"


# -- Socket Mode: the same app, fed Socket Mode's envelopes ----------------------------------


class RecordingSocketClient:
    """Stands in for the websocket: keeps the acknowledgements the handler sends back."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("socket-mode-test")
        self.responses: list[SocketModeResponse] = []

    async def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


async def arrived(fake: FakeSlack, method: str, since: int, **match: Any) -> Call:
    """Like ``FakeSlack.wait_for``, without blocking the event loop the door runs on."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        calls = [
            call
            for call in fake.calls[since:]
            if call.method == method
            and all(call.args.get(key) == value for key, value in match.items())
        ]
        if calls:
            return calls[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {method} {match}: {fake.calls[since:]}")


def test_socket_mode_envelopes_run_through_the_same_app(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import build_app
    from bot.config import Settings

    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Admin", admin=True)
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'bot.db'}",
            slack_bot_token=TOKEN,
            slack_app_token="xapp-test-not-real",
            slack_api_url=fake.api_url.rstrip("/"),  # the slash is added
            bot_admins=frozenset({ANNA}),
        )
        app = build_app(settings)
        try:
            with caplog.at_level(logging.INFO, logger="commands"):
                asyncio.run(_socket_mode_scenario(app.hub, settings, fake, caplog))
        finally:
            app.close()


async def _socket_mode_scenario(
    hub: Any, settings: Any, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.slack.door import SlackDoor

    door = SlackDoor(hub, settings)
    hub.attach(door)
    await door.connect()
    handler = door.socket_mode_handler("xapp-test-not-real")
    socket = RecordingSocketClient()
    channel = new_channel()
    try:
        mark = fake.mark()
        command = dict(parse_qsl(slash_body(f"forum koppla {KONFERENS}", ANNA, channel)))
        envelope = SocketModeRequest("slash_commands", "envelope-1", command, True)
        await handler.handle(socket, envelope)  # type: ignore[arg-type]
        assert [r.envelope_id for r in socket.responses] == ["envelope-1"]
        bound = await arrived(fake, "chat.postMessage", mark, channel=channel)
        assert "Kanalen är nu kopplad till Regional samverkanskonferens" in bound.text

        mark = fake.mark()
        event = json.loads(event_body(message(ANNA, channel, "!status"), event_id="Ev0SOCKET01"))
        await handler.handle(socket, SocketModeRequest("events_api", "envelope-2", event))  # type: ignore[arg-type]
        status = await arrived(fake, "chat.postMessage", mark, channel=channel)
        assert "Status för Regional samverkanskonferens" in status.text
        # Slack delivers the event again: acknowledged, not run again.
        retry = SocketModeRequest("events_api", "envelope-3", event, retry_attempt=1)
        await handler.handle(socket, retry)  # type: ignore[arg-type]
        await _logged(caplog, "event event:Ev0SOCKET01 was handled before")
        assert [r.envelope_id for r in socket.responses][-1] == "envelope-3"
        assert len(sent_since(fake, mark, "chat.postMessage", channel)) == 1
    finally:
        await handler.client.close()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> None:
    deadline = time.monotonic() + 10
    while text not in caplog.text:
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{caplog.text}"
        await asyncio.sleep(0.01)


# -- the app manifest ------------------------------------------------------------------------

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "slack" / "manifest.yaml"
# The scope each Web API method the door calls needs (None: no scope).
SCOPE_OF = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "conversations_open": "im:write",  # the app's DM with a person (a direct post)
    "users_info": "users:read",
    "files_upload_v2": "files:write",  # getUploadURLExternal + completeUploadExternal
    "views_publish": None,
    "views_open": None,  # a modal: needs a trigger id from the person, no scope
    # An earlier send looked for (the outbox): the history scopes the message events need
    # already (channels:history, groups:history); in a DM it is not looked for.
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
}


def test_the_manifest_asks_for_exactly_what_the_door_uses() -> None:
    import re

    import yaml

    from bot.slack.door import COMMAND, EVENTS_PATH

    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    source = "".join(
        path.read_text(encoding="utf-8")
        for path in sorted(MANIFEST.parents[2].glob("bot/slack/*.py"))
    )
    called = set(re.findall(r"client\.(\w+)\(", source))
    assert called <= set(SCOPE_OF), called - set(SCOPE_OF)
    web_api = {SCOPE_OF[method] for method in called} - {None}
    # Events: app_mention needs app_mentions:read, messages need the history scopes.
    expected = web_api | {"app_mentions:read", "channels:history", "groups:history", "commands"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == expected
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
    }
    assert settings["interactivity"]["is_enabled"] is True
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is True
    for url in (
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ):
        assert url.endswith(EVENTS_PATH)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


# -- pure parts: rendering and reading Slack's markup ----------------------------------------


def test_render_escapes_text_and_mentions_only_slack_users() -> None:
    from bot.render.slack import render_slack
    from commands.core.document import Button, Code, Document, Mention, Strong

    doc = (
        Document()
        .heading("A & <B>")
        .paragraph(
            Strong("Ny <!here> "),
            "a & b ",
            Code("<x>"),
            " ",
            Mention("slack", "U123", "Bo"),
            " ",
            Mention("matrix", "@anna:example.org", "Anna <A>"),
        )
    )
    doc.actions(Button("Kvittera", "kvittera", "eller skriv !kvittera"))
    message = render_slack(doc)
    header, section, actions = message.blocks
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "A & <B>"}}
    expected = "*Ny &lt;!here&gt;* a &amp; b `&lt;x&gt;` <@U123> @Anna &lt;A&gt;"
    assert section["text"]["text"] == expected
    assert actions["elements"][0]["value"] == "kvittera"
    assert message.text.splitlines() == [
        "*A &amp; &lt;B&gt;*",
        expected,
        "→ eller skriv !kvittera",
    ]


def test_render_fields_ten_to_a_section() -> None:
    from bot.render.slack import render_blocks
    from commands.core.document import Document

    doc = Document().fields([(f"L{n}", f"v<{n}>") for n in range(12)])
    first, second = render_blocks(doc)
    assert len(first["fields"]) == 10
    assert len(second["fields"]) == 2
    assert first["fields"][0] == {"type": "mrkdwn", "text": "*L0*\nv&lt;0&gt;"}


def test_reading_slack_markup() -> None:
    from bot.slack.events import command_line, plain, strip_mention

    found = plain("!roll <@U123> koordinator <@W9|carl> <#C1|stab> <!here> <https://x.se|x> &amp;")
    assert found.text == "!roll U123 koordinator W9 #stab @here x &"
    assert dict(found.users) == {"U123": None, "W9": "carl"}
    assert strip_mention("<@UBOT> status", "UBOT") == "status"
    assert strip_mention("<@UBOT|samverkan>: status", "UBOT") == "status"
    assert strip_mention("hej <@UBOT>", "UBOT") is None
    assert command_line("", prefix="!", help_command="hjälp") == "!hjälp"
    assert command_line(" !status ", prefix="!", help_command="hjälp") == "!status"


# -- tied to the command (seen in a real client) ---------------------------------------------


def test_the_answer_to_a_channel_message_goes_in_its_thread(slack: SlackBot) -> None:
    fake = slack.fake
    channel = bound(slack, VERKSTALLANDE)
    mark = fake.mark()
    command = message(BO, channel, "!aktör Polisen")
    assert send(slack, event_body(command), JSON).status == 200
    registered = posted(slack, channel, mark, "för Polisen Region Stockholm")
    assert registered.args.get("thread_ts") == command["ts"]
    # A command written in a thread is answered in that thread.
    mark = fake.mark()
    in_thread = message(BO, channel, "!aktör", thread_ts="1700000000.000100")
    assert send(slack, event_body(in_thread), JSON).status == 200
    answer = posted(slack, channel, mark, "Polisen Region Stockholm")
    assert answer.args.get("thread_ts") == "1700000000.000100"
    assert "reply_broadcast" not in answer.args
    # A call-out is in the thread and, as it calls on people, in the channel as well.
    mark = fake.mark()
    assert say(slack, ANNA, channel, "!avaktivera Övningen är slut").status == 200
    posted(slack, channel, mark)  # stood down, or refused: nothing was active
    mark = fake.mark()
    command = message(ANNA, channel, "!aktivera Övning")
    assert send(slack, event_body(command), JSON).status == 200
    callout = posted(slack, channel, mark, "INKALLNING")
    assert f"<@{BO}>" in callout.text
    assert callout.args.get("thread_ts") == command["ts"]
    assert callout.args.get("reply_broadcast") is True


def test_the_answer_to_a_slash_command_says_who_asked_what(slack: SlackBot) -> None:
    fake = slack.fake
    channel = new_channel()
    mark = fake.mark()
    assert slash(slack, f"forum koppla {VERKSTALLANDE}", ANNA, channel).status == 200
    bind = posted(slack, channel, mark, "Kanalen är nu kopplad till")
    assert (
        bind.blocks[0]["text"]["text"]
        == f"_Anna Admin skrev /samverkan forum koppla {VERKSTALLANDE}_"
    )
    assert bind.text.startswith("_Anna Admin skrev /samverkan forum koppla")
    assert "thread_ts" not in bind.args  # nothing to tie it to: the channel saw nothing
    # Under the title when the answer has one; the title stays first.
    mark = fake.mark()
    assert slash(slack, "forum lista", BO, channel).status == 200
    listed = posted(slack, channel, mark, "Verkställande forum")
    assert listed.blocks[0]["type"] == "header"
    assert listed.blocks[1]["text"]["text"] == "_Bo Polis skrev /samverkan forum lista_"
    # A refusal goes to the person alone, and is not named.
    mark = fake.mark()
    assert slash(slack, "avaktivera Klart", CARL, channel).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=CARL)
    assert "skrev /samverkan" not in refused.text

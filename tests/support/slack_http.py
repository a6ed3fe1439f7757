"""Talking to the Slack door as Slack does: signed HTTP requests to the bot's real endpoint.

The bot runs as ``samverkan-bot run`` (:func:`running_slack_bot`) with its Web API client
pointed at a :class:`~tests.support.fake_slack.FakeSlack`. Slash commands, events, button
clicks and modal submissions are sent to ``/slack/events`` signed exactly as Slack signs them
(``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``); tests assert on the HTTP answer and on
what the bot sent to the Web API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.support.bot_process import BotProcess
from tests.support.fake_slack import BOT_USER_ID, Call, FakeSlack
from tests.support.loopback import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token-not-real"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class SlackEndpoint(Protocol):
    """Where Slack's requests go and the fake Web API the bot answers through: a bot process
    (:class:`SlackBot`), or a bot in the test's own process (``tests/support/inprocess_bot.py``)."""

    @property
    def fake(self) -> FakeSlack: ...

    @property
    def url(self) -> str: ...


@dataclass
class SlackBot:
    process: BotProcess
    fake: FakeSlack
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


# Runs a command with its open files limit (RLIMIT_NOFILE) set: soft, hard, then the command.
_WITH_OPEN_FILES = (
    "import os, resource, sys; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[2]))); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


@contextmanager
def running_slack_bot(
    directory: Path,
    fake: FakeSlack,
    *,
    open_files: tuple[int, int] | None = None,
    **extra: str,
) -> Iterator[SlackBot]:
    """``samverkan-bot run`` serving Slack over HTTP against ``fake`` (already started), with
    ``extra`` settings (and, if given, ``open_files`` as its soft and hard RLIMIT_NOFILE);
    stopped with SIGTERM afterwards, which must be clean, and its log must show no traceback
    and no secret."""
    port = free_port()
    settings = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "HTTP_PORT": str(port),
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": f"sqlite:///{directory / 'bot.db'}",
        "LOG_LEVEL": "INFO",
        **extra,
    }
    process = BotProcess(directory, settings)
    if open_files is not None:
        soft, hard = open_files
        limit = [sys.executable, "-c", _WITH_OPEN_FILES, str(soft), str(hard)]
        process.argv = [*limit, *process.argv]
    with process:
        process.wait_for_log("HTTP server listening")
        process.wait_for_log("Slack door listening on port")
        yield SlackBot(process, fake, port)
        assert process.stop() == 0  # SIGTERM: a clean stop
        log = process.log()
    assert "Traceback" not in log, log[-4000:]
    for secret in (SECRET, TOKEN):
        assert secret not in log


# -- sending as Slack does -------------------------------------------------------------------


def signature(body: str, timestamp: str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str) -> dict[str, str]:
    """Slack's headers for ``body``, signed now: send them twice to replay a request."""
    stamp = str(int(time.time()))
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature(body, stamp)}


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    seconds: float


def send(
    bot: SlackEndpoint,
    body: str,
    content_type: str,
    *,
    timestamp: float | None = None,
    secret: str = SECRET,
    headers: Mapping[str, str] | None = None,
    signed: bool = True,
) -> Answer:
    stamp = str(int(time.time() if timestamp is None else timestamp))
    sent = {"Content-Type": content_type, **(headers or {})}
    if signed:
        sent["X-Slack-Request-Timestamp"] = stamp
        sent["X-Slack-Signature"] = signature(body, stamp, secret)
    request = Request(bot.url, data=body.encode(), headers=sent, method="POST")  # noqa: S310
    started = time.monotonic()
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return Answer(response.status, response.read().decode(), time.monotonic() - started)
    except HTTPError as error:
        return Answer(error.code, error.read().decode(), time.monotonic() - started)


def trigger_id() -> str:
    """A trigger id as Slack makes them (a slash command's or a click's)."""
    return f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex}"


def slash_body(
    text: str,
    user: str,
    channel: str,
    response_url: str = "https://hooks.slack.invalid/commands/T0001/1/x",
    trigger: str | None = None,
    channel_name: str | None = None,
    team: str = "T0001",
) -> str:
    """A slash command as Slack posts it; ``channel_name`` as Slack names the conversation
    (``directmessage`` for a DM, ``mpdm-…`` for a group DM; else the id in lower case)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "samverkan-test",
            "channel_id": channel,
            "channel_name": channel_name or channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": "/samverkan",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": trigger or trigger_id(),
        }
    )


def slash(bot: SlackEndpoint, text: str, user: str, channel: str, **options: Any) -> Answer:
    return send(bot, slash_body(text, user, channel), FORM, **options)


def event_body(event: Mapping[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": BOT_USER_ID, "is_bot": True}],
            "event": dict(event),
        }
    )


def message(user: str, channel: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": f"{time.time():.6f}",
        **extra,
    }


def say(bot: SlackEndpoint, user: str, channel: str, text: str, **options: Any) -> Answer:
    return send(bot, event_body(message(user, channel, text)), JSON, **options)


def interactive(bot: SlackEndpoint, payload: Mapping[str, Any]) -> Answer:
    """An interactive payload (a click, a modal's submission) as Slack posts it: a form with
    the JSON in ``payload``."""
    return send(bot, urlencode({"payload": json.dumps(payload)}), FORM)


def click(
    bot: SlackEndpoint, user: str, posted: Call, answer_ts: str, trigger: str | None = None
) -> Answer:
    """``user`` clicks the first button of the message ``posted`` (its ts ``answer_ts``)."""
    button = next(
        element
        for block in posted.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    )
    channel = str(posted.args["channel"])
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "samverkan-test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": answer_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger or trigger_id(),
        "channel": {"id": channel, "name": channel.lower()},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": answer_ts,
            "text": posted.text,
            "blocks": posted.blocks,
        },
        "response_url": "https://hooks.slack.invalid/actions/T0001/1/x",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "actions-0",
                "text": button["text"],
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return interactive(bot, payload)


# -- reading what the bot sent ---------------------------------------------------------------


def posted(bot: SlackEndpoint, channel: str, since: int, contains: str = "") -> Call:
    return bot.fake.wait_for(
        "chat.postMessage", lambda call: contains in call.text, since=since, channel=channel
    )


def sent_since(fake: FakeSlack, mark: int, method: str, channel: str) -> list[Call]:
    return [
        call
        for call in fake.calls[mark:]
        if call.method == method and call.args.get("channel") == channel
    ]


def new_channel() -> str:
    return f"C{uuid.uuid4().hex[:9].upper()}"


# -- setting a test up: the bot, people, forums ------------------------------------------------


@contextmanager
def slack_bot_with_admin(directory: Path, admin: str, **extra: str) -> Iterator[SlackBot]:
    """:func:`running_slack_bot` against a new :class:`FakeSlack` that knows ``admin``
    ("Astrid Admin", a workspace admin), who is in BOT_ADMINS: a coordinator everywhere."""
    with FakeSlack() as fake:
        fake.add_user(admin, "Astrid Admin", admin=True)
        with running_slack_bot(directory, fake, BOT_ADMINS=admin, **extra) as bot:
            yield bot


def person(bot: SlackEndpoint, name: str, *, admin: bool = False) -> str:
    """A new Slack user (``users.info`` knows them)."""
    user = f"U{uuid.uuid4().hex[:9].upper()}"
    bot.fake.add_user(user, name, admin=admin)
    return user


def run(bot: SlackEndpoint, text: str, user: str, channel: str, contains: str = "") -> Call:
    """``/samverkan text`` by ``user``; its answer in ``channel`` (containing ``contains``)."""
    mark = bot.fake.mark()
    assert slash(bot, text, user, channel).status == 200
    return posted(bot, channel, mark, contains)


def refused(bot: SlackEndpoint, text: str, user: str, channel: str) -> Call:
    """``/samverkan text`` by ``user``, answered only to them; nothing posted in the channel."""
    mark = bot.fake.mark()
    assert slash(bot, text, user, channel).status == 200
    answer = bot.fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=user)
    assert not sent_since(bot.fake, mark, "chat.postMessage", channel)
    return answer


def bound_forum(
    bot: SlackEndpoint, admin: str, members: Mapping[str, str], prefix: str = "Testforum"
) -> tuple[str, str]:
    """A new coordinating forum (``prefix`` and a unique word) bound to a new channel by
    ``admin``, with the organisations of ``members`` (user -> organisation) as its members and
    each user registered as representing theirs: its name and the channel."""
    name = f"{prefix} {uuid.uuid4().hex[:8]}"
    channel = new_channel()
    run(bot, f"forum skapa {name} samordnande", admin, channel, "är skapat")
    run(bot, f"forum koppla {name}", admin, channel, "Kanalen är nu kopplad till")
    if members:  # a new forum has no members until its coordinator adds them
        names = ", ".join(sorted(set(members.values())))
        run(bot, f"forum medlem lägg till {names}", admin, channel, "är nu medlem")
    for user, organisation in members.items():
        run(bot, f"aktör {organisation}", user, channel, "registrerad som företrädare för")
    return name, channel

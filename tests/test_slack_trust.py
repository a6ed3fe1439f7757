"""What the Slack door tells the core about who speaks and where, sent as Slack sends it
(signed requests to the door's real endpoint): a direct conversation is ``direct``, every
speaker's ``home`` is their workspace, and only an admin of the bot's own workspace is a
platform moderator — never an admin of another workspace in a Slack Connect channel.

The door's part is checked on what it hands the core (an in-process door with a recording hub,
against the fake Web API); what a person then sees, against the real ``samverkan-bot run``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.config import Settings
from bot.render.slack import ACTION_PREFIX
from bot.slack.door import SlackDoor
from bot.web import HttpLimits, WebServer
from commands.core.document import Document
from commands.core.forms import Form, FormField
from commands.core.i18n import t
from commands.core.messages import Incoming, Reply
from storage import Database
from tests.support.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.support.loopback import free_port
from tests.support.slack_http import (
    FORM,
    JSON,
    SECRET,
    TOKEN,
    SlackBot,
    event_body,
    message,
    new_channel,
    posted,
    running_slack_bot,
    send,
    signature,
    slash_body,
)

OTHER_TEAM = "T0PARTNER"  # another workspace, in a Slack Connect channel with ours
ADMIN = "UADMIN01"  # an admin of the bot's own workspace
PARTNER_ADMIN = "UPARTNR1"  # an admin of the other workspace
MEMBER = "UMEMBER1"  # neither
DM = "D0DIRECT1"


def people(fake: FakeSlack) -> None:
    fake.add_user(ADMIN, "Anna Admin", admin=True)
    fake.add_user(PARTNER_ADMIN, "Per Partner", admin=True, team_id=OTHER_TEAM)
    fake.add_user(MEMBER, "Maja Medlem")


# -- the door in this process, handing what it builds to a recording hub ---------------------------


class RecordingHub:
    """In the hub's place: keeps each Incoming the door hands over and answers ``reply``, or
    fails as a bug of ours would (``fail``)."""

    def __init__(self) -> None:
        self.handed: asyncio.Queue[Incoming] = asyncio.Queue()
        self.reply: Reply | None = None
        self.fail = False

    async def handle(self, incoming: Incoming) -> Reply | None:
        self.handed.put_nowait(incoming)
        if self.fail:
            raise RuntimeError("a bug on the door's path")
        return self.reply


@dataclass
class Door:
    door: SlackDoor
    hub: RecordingHub
    url: str
    session: aiohttp.ClientSession

    async def send(self, body: str, content_type: str) -> int:
        """``body`` signed as Slack signs it; the HTTP status."""
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(body, stamp),
        }
        async with self.session.post(self.url, data=body.encode(), headers=headers) as answer:
            return answer.status

    async def handed(self, body: str, content_type: str = FORM) -> Incoming:
        """What the door hands the core for ``body``."""
        assert await self.send(body, content_type) == 200
        return await asyncio.wait_for(self.hub.handed.get(), 10)


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 10
    while not await condition():
        assert time.monotonic() < deadline, f"not {what} in time"
        await asyncio.sleep(0.01)


@asynccontextmanager
async def serving(fake: FakeSlack, database: Database) -> AsyncIterator[Door]:
    """The Slack door on the bot's HTTP server, on a free loopback port, against ``fake``."""
    settings = Settings(
        database_url="sqlite://",
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_app_token=None,  # HTTP, whatever the developer's shell says
        slack_api_url=fake.api_url,
    )
    port = free_port()
    web = WebServer("127.0.0.1", port, database, {}, limits=HttpLimits())
    hub = RecordingHub()
    door = SlackDoor(cast(Any, hub), settings, web)
    tasks = [asyncio.create_task(web.run()), asyncio.create_task(door.run())]

    async def listening() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    async def connected() -> bool:
        return door.status() == "connected"

    try:
        await until(listening, "listening")
        await until(connected, "connected to Slack")
        async with aiohttp.ClientSession() as session:
            yield Door(door, hub, f"http://127.0.0.1:{port}/slack/events", session)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def run_door(
    fake: FakeSlack, database: Database, scenario: Callable[[Door], Awaitable[None]]
) -> None:
    async def main() -> None:
        async with serving(fake, database) as door:
            await scenario(door)

    asyncio.run(main())


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as started:
        people(started)
        yield started


def interactive_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def button_click(user: str, team: str, channel: str, channel_name: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "samverkan-test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel},
        "trigger_id": f"{time.time_ns()}.1.x",
        "channel": {"id": channel, "name": channel_name},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": "1700000000.000001"},
        "actions": [
            {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}-0",
                "block_id": "actions-0",
                "text": {"type": "plain_text", "text": "Status"},
                "value": "!status",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


# -- direct conversations --------------------------------------------------------------------------


def test_a_slash_command_in_a_dm_or_group_dm_is_direct_and_in_a_channel_is_not(
    fake: FakeSlack, database: Database
) -> None:
    async def scenario(door: Door) -> None:
        dm = await door.handed(slash_body("status", MEMBER, DM, channel_name="directmessage"))
        # A group DM's id looks like a private channel's; its name tells.
        group = await door.handed(
            slash_body("status", MEMBER, "C0GROUPDM", channel_name="mpdm-maja--anna-1")
        )
        channel = await door.handed(slash_body("status", MEMBER, new_channel()))
        assert (dm.direct, group.direct, channel.direct) == (True, True, False)

    run_door(fake, database, scenario)


def test_messages_and_mentions_say_whether_they_come_from_a_dm(
    fake: FakeSlack, database: Database
) -> None:
    async def scenario(door: Door) -> None:
        found = []
        for channel, kind in ((DM, "im"), ("C0GROUPDM", "mpim"), (new_channel(), "channel")):
            event = message(MEMBER, channel, "!status", channel_type=kind)
            found.append((await door.handed(event_body(event), JSON)).direct)
        mention = {
            "type": "app_mention",
            "user": MEMBER,
            "text": f"<@{BOT_USER_ID}> status",
            "channel": new_channel(),
            "ts": f"{time.time():.6f}",
        }
        found.append((await door.handed(event_body(mention), JSON)).direct)
        assert found == [True, True, False, False]

    run_door(fake, database, scenario)


def test_clicks_and_forms_from_a_direct_conversation_are_direct(
    fake: FakeSlack, database: Database
) -> None:
    async def scenario(door: Door) -> None:
        clicked_in_dm = await door.handed(
            interactive_body(button_click(MEMBER, TEAM_ID, DM, "directmessage"))
        )
        clicked_in_channel = await door.handed(
            interactive_body(button_click(MEMBER, TEAM_ID, new_channel(), "samverkan"))
        )
        assert (clicked_in_dm.direct, clicked_in_channel.direct) == (True, False)

        # A form opened from a group DM: its submission comes back without the name that
        # said so, and is direct all the same.
        group = "C0GROUPDM"
        form = Form(
            key="report",
            title="Lägesrapport",
            intro="Fyll i",
            fields=(FormField("situation", "Läge", "Hur är läget?"),),
            submit_label="Skicka",
        )
        door.hub.reply = Reply(Document(), form=form)
        mark = fake.mark()
        opened_from = await door.handed(
            slash_body("läge formulär", MEMBER, group, channel_name="mpdm-maja--anna-1")
        )
        assert opened_from.direct
        opened = await asyncio.to_thread(fake.wait_for, "views.open", since=mark)
        view = dict(opened.answer["view"])
        view["state"] = {"values": {"field-situation": {"value": {"value": "Lugnt"}}}}
        door.hub.reply = None
        submission = {
            "type": "view_submission",
            "team": {"id": TEAM_ID},
            "user": {"id": MEMBER, "team_id": TEAM_ID},
            "view": view,
        }
        submitted = await door.handed(interactive_body(submission))
        assert submitted.submission is not None
        assert submitted.submission.values == {"situation": "Lugnt"}
        assert (submitted.channel_id, submitted.direct) == (group, True)

    run_door(fake, database, scenario)


# -- who speaks: home and moderator ----------------------------------------------------------------


def test_a_slack_connect_admin_is_no_moderator_and_every_speaker_has_a_home(
    fake: FakeSlack, database: Database
) -> None:
    async def scenario(door: Door) -> None:
        channel = new_channel()
        speakers = {}
        for user in (ADMIN, PARTNER_ADMIN, MEMBER):
            # The partner's slash command names our workspace: users.info has the truth.
            incoming = await door.handed(slash_body("status", user, channel))
            speakers[user] = (incoming.speaker.home, incoming.speaker.platform_moderator)
        assert speakers == {
            ADMIN: (TEAM_ID, True),
            PARTNER_ADMIN: (OTHER_TEAM, False),
            MEMBER: (TEAM_ID, False),
        }
        # The same on every path: a message, a click.
        event = message(PARTNER_ADMIN, channel, "!status", user_team=OTHER_TEAM)
        said = (await door.handed(event_body(event), JSON)).speaker
        clicked = (
            await door.handed(
                interactive_body(button_click(PARTNER_ADMIN, OTHER_TEAM, channel, "samverkan"))
            )
        ).speaker
        assert (said.home, said.platform_moderator) == (OTHER_TEAM, False)
        assert (clicked.home, clicked.platform_moderator) == (OTHER_TEAM, False)

    run_door(fake, database, scenario)


def test_without_users_info_the_home_is_the_requests_word_and_nobody_moderates(
    fake: FakeSlack, database: Database
) -> None:
    async def scenario(door: Door) -> None:
        # Not known to users.info (it answers user_not_found): no admin flag to trust.
        event = message("UNKNOWN1", new_channel(), "!status", user_team=OTHER_TEAM)
        speaker = (await door.handed(event_body(event), JSON)).speaker
        assert (speaker.home, speaker.platform_moderator) == (OTHER_TEAM, False)

    run_door(fake, database, scenario)


# -- a bug on the door's path ----------------------------------------------------------------------


def test_a_failing_listener_is_logged_with_an_id_and_the_person_is_told_it(
    fake: FakeSlack, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    channel = new_channel()

    async def scenario(door: Door) -> None:
        door.hub.fail = True
        mark = fake.mark()
        await door.handed(slash_body("status", MEMBER, channel))
        apology = await asyncio.to_thread(
            fake.wait_for, "chat.postEphemeral", since=mark, channel=channel, user=MEMBER
        )
        logged = re.search(r"error ([0-9a-f]{8}) in the Slack door", caplog.text)
        assert logged, caplog.text
        assert apology.text == t("sv", "error.internal", id=logged.group(1))

    with caplog.at_level(logging.ERROR, logger="bot.slack.door"):
        run_door(fake, database, scenario)
    assert "RuntimeError: a bug on the door's path" in caplog.text  # with its traceback


# -- what people see, from the real bot ------------------------------------------------------------


def refusal_fragment(key: str) -> str:
    """The longest fixed part of a catalogue text with a ``{command}`` in it."""
    return max(t("sv", key, command="\0").split("\0"), key=len).strip()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with FakeSlack() as started:
        people(started)
        directory = tmp_path_factory.mktemp("slack-trust")
        # The old rule switched on: a workspace's admins coordinate every forum, so that
        # whether the door calls someone an admin of *our* workspace shows.
        with running_slack_bot(
            directory, started, PLATFORM_MODERATORS_ARE_COORDINATORS="true"
        ) as running:
            yield running


def test_a_forum_command_in_a_dm_is_refused_as_such_and_help_is_answered(bot: SlackBot) -> None:
    fake = bot.fake
    mark = fake.mark()
    body = slash_body("status", MEMBER, DM, channel_name="directmessage")
    assert send(bot, body, FORM).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=mark, channel=DM, user=MEMBER)
    assert refusal_fragment("error.direct_message") in refused.text

    mark = fake.mark()
    body = slash_body("hjälp", MEMBER, DM, channel_name="directmessage")
    assert send(bot, body, FORM).status == 200
    assert posted(bot, DM, mark).text


def test_only_an_admin_of_our_own_workspace_counts_as_one(bot: SlackBot) -> None:
    fake = bot.fake
    channel = new_channel()
    mark = fake.mark()
    assert send(bot, slash_body("forum koppla 1", PARTNER_ADMIN, channel), FORM).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel)
    assert refused.args["user"] == PARTNER_ADMIN
    assert not [c for c in fake.calls[mark:] if c.method == "chat.postMessage"]

    mark = fake.mark()
    assert send(bot, slash_body("forum koppla 1", ADMIN, channel), FORM).status == 200
    bound = posted(bot, channel, mark)
    assert t("sv", "forum.bound", forum="\0").split("\0")[0] in bound.text


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    """The partner workspace (Slack Connect) speaks for SOS Alarm, and only it does."""
    with FakeSlack() as started:
        people(started)
        directory = tmp_path_factory.mktemp("slack-mapped")
        identities = json.dumps({"SOS Alarm": [f"slack:{OTHER_TEAM}"]})
        with running_slack_bot(
            directory, started, BOT_ADMINS=ADMIN, ORGANISATION_IDENTITIES=identities
        ) as running:
            yield running


def test_the_team_map_gives_a_connect_user_their_organisation_and_refuses_others(
    mapped: SlackBot,
) -> None:
    fake = mapped.fake
    channel = new_channel()
    for line in ("forum koppla 4", "aktivera Storm"):
        mark = fake.mark()
        assert send(mapped, slash_body(line, ADMIN, channel), FORM).status == 200
        posted(mapped, channel, mark)

    # The partner's admin acknowledges for SOS Alarm without having said so.
    mark = fake.mark()
    assert send(mapped, slash_body("kvittera", PARTNER_ADMIN, channel), FORM).status == 200
    assert "Kvittens från SOS Alarm (Per Partner)" in posted(mapped, channel, mark).text

    # ... and cannot speak for anyone else; nor can our own people speak for SOS Alarm.
    for person, line, refusal in (
        (PARTNER_ADMIN, "aktör Polisen", f"Ditt konto hör till {OTHER_TEAM}"),
        (MEMBER, "aktör SOS Alarm", f"företräds bara av konton från {OTHER_TEAM}"),
    ):
        mark = fake.mark()
        assert send(mapped, slash_body(line, person, channel), FORM).status == 200
        refused = fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=person)
        assert refusal in refused.text
        assert not [c for c in fake.calls[mark:] if c.method == "chat.postMessage"]

"""``!webb`` through the Slack door, and the web pages of the same ``samverkan-bot run``.

Signed requests to the real endpoint, the Web API pointed at :class:`FakeSlack`. The sign-in
link is the asker's alone: an ephemeral answer in the channel (``chat.postEphemeral``, only
they see it), never a message for the channel, whether asked with the slash command or typed
as ``!webb``. The link then signs in on the bot's own HTTP port, once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.support.fake_slack import Call
from tests.support.http_get import get, sign_in
from tests.support.slack_http import (
    SlackBot,
    bound_forum,
    person,
    say,
    slack_bot_with_admin,
    slash,
)

ADMIN = "UADMIN0W1"
LINK = re.compile(r"https?://[^\s|>]+/w/[A-Za-z0-9_.\-]+")


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with slack_bot_with_admin(tmp_path_factory.mktemp("slack-web"), ADMIN) as bot:
        yield bot


def _link(call: Call) -> str:
    shown = call.text + json.dumps(call.blocks, ensure_ascii=False)
    found = LINK.findall(shown)
    assert found, shown
    return found[0]


def _nothing_public(bot: SlackBot, mark: int, channel: str) -> None:
    """No call since ``mark`` but the ephemeral answer carries a sign-in link: not a message,
    an edit, a file or a DM."""
    for call in bot.fake.calls[mark:]:
        if call.method != "chat.postEphemeral":
            assert "/w/" not in json.dumps(call.args, ensure_ascii=False), call


def test_the_slash_commands_link_is_ephemeral_and_signs_in_once(slack: SlackBot) -> None:
    name, channel = bound_forum(slack, ADMIN, {})
    mark = slack.fake.mark()
    assert slash(slack, "webb", ADMIN, channel).status == 200
    answer = slack.fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=ADMIN)
    url = _link(answer)
    assert url.startswith(f"http://127.0.0.1:{slack.port}/w/")
    _nothing_public(slack, mark, channel)

    signed_in = sign_in(url)
    assert signed_in.status == 303, signed_in.body
    cookie = signed_in.cookie
    assert cookie.startswith("samverkan_web=")
    assert "HttpOnly" in signed_in.set_cookie
    assert "SameSite=Strict" in signed_in.set_cookie
    page = get(f"http://127.0.0.1:{slack.port}/", cookie)
    assert page.status == 200
    assert name in page.body
    # Used once: the same link again is refused, and the session still works.
    assert get(url).status == 403
    assert get(f"http://127.0.0.1:{slack.port}/", cookie).status == 200


def test_a_typed_webb_is_answered_to_the_asker_alone(slack: SlackBot) -> None:
    name, channel = bound_forum(slack, ADMIN, {})
    anna = person(slack, "Anna Aktör")
    mark = slack.fake.mark()
    assert say(slack, anna, channel, "!webb").status == 200
    answer = slack.fake.wait_for("chat.postEphemeral", since=mark, channel=channel, user=anna)
    _nothing_public(slack, mark, channel)
    signed_in = sign_in(_link(answer))
    assert signed_in.status == 303, signed_in.body
    page = get(f"http://127.0.0.1:{slack.port}/", signed_in.cookie)
    assert page.status == 200
    assert name in page.body  # the channel's forum, where she typed it

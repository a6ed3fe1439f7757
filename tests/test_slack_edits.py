"""Slack: a tagged message kept current is a ``chat.update`` of its ``ts``; a direct post
opens the app's DM with the person (``conversations.open``) and is posted there.

The bot runs in this process (``tests/support/inprocess_bot.py``) with a feature of the
tests' own (``tests/support/tagged_feature.py``), its Slack door on its real HTTP endpoint:
messages come as signed Events API requests, and the bot answers through the fake Web API.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from commands.core.capabilities import build
from tests.support import tagged_feature
from tests.support.fake_slack import FakeSlack, dm_channel
from tests.support.inprocess_bot import InProcessBot
from tests.support.slack_http import SECRET, TOKEN, new_channel, posted, say

ANNA, BO = "UANNA001", "UBO00001"


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Andersson")
        fake.add_user(BO, "Bo Berg")
        settings = Settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake.api_url,
        )
        capabilities = build([tagged_feature.FEATURE])
        directory = tmp_path_factory.mktemp("slack-edits")
        with InProcessBot(settings, capabilities, directory, fake) as bot:
            yield bot


def test_an_edit_is_a_chat_update_of_each_tagged_message(
    slack: InProcessBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = slack.fake
    channel, other = new_channel(), new_channel()
    monkeypatch.setattr(tagged_feature, "CHANNELS", [("slack", other)])
    mark = fake.mark()
    assert say(slack, ANNA, channel, "!kort alla Läget lugnt").status == 200
    answer = posted(slack, channel, mark, "Kort: Läget lugnt")
    card = posted(slack, other, mark, "Kort: Läget lugnt")
    answer_ts = fake.messages(channel)[-1]["ts"]
    card_ts = fake.messages(other)[-1]["ts"]
    assert answer.args.get("thread_ts")  # the answer is in the command's thread

    mark = fake.mark()
    assert say(slack, ANNA, channel, "!ändra Läget ansträngt").status == 200
    posted(slack, channel, mark, "Ändrat")
    updates = {
        str(call.args["channel"]): call
        for call in (
            fake.wait_for("chat.update", since=mark, channel=channel),
            fake.wait_for("chat.update", since=mark, channel=other),
        )
    }
    assert updates[channel].args["ts"] == answer_ts
    assert updates[other].args["ts"] == card_ts
    for call in updates.values():
        assert call.text == "Kort: Läget ansträngt"
        assert "Läget ansträngt" in str(call.blocks)
    # Kept current where it is: nothing posted anew, and the messages now read so.
    assert not [
        call
        for call in fake.calls[mark:]
        if call.method == "chat.postMessage" and "Kort:" in call.text
    ]
    assert fake.messages(other)[-1]["text"] == "Kort: Läget ansträngt"
    # The card keeps the metadata that names its outbox row (chat.update leaves it).
    assert fake.messages(other)[-1]["metadata"] == card.args["metadata"]


def test_a_direct_post_opens_the_dm_and_is_posted_and_edited_there(slack: InProcessBot) -> None:
    fake = slack.fake
    channel = new_channel()
    mark = fake.mark()
    assert say(slack, ANNA, channel, f"!dm {BO} Begäran om aktivering").status == 200
    opened = fake.wait_for("conversations.open", since=mark)
    assert opened.args["users"] == BO
    direct = posted(slack, dm_channel(BO), mark, "Begäran om aktivering")
    assert "thread_ts" not in direct.args
    posted(slack, channel, mark, "Skickat")
    ts = fake.messages(dm_channel(BO))[-1]["ts"]

    mark = fake.mark()
    assert say(slack, ANNA, channel, f"!dm ändra {BO} Begäran kvitterad").status == 200
    update = fake.wait_for("chat.update", since=mark, channel=dm_channel(BO))
    assert (update.args["ts"], update.text) == (ts, "Begäran kvitterad")
    # The DM is opened once for the person and remembered.
    assert len(fake.calls_to("conversations.open", users=BO)) == 1

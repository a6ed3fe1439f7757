"""The duty handover and the green button through the Slack door: signed requests to the real
``samverkan-bot run`` endpoint, its Web API pointed at :class:`FakeSlack`.

A coordinator takes over as RSK, another as TiB; an actor presses the green button: the
channel's message mentions both (real ``<@U…>`` mentions) and carries the acknowledge button,
and each gets a direct message in the app's DM (``conversations.open``). The RSK clicks the
button; a second request nobody takes is escalated to the coordinators when its escalation
falls due (its ``due_at`` moved to now in the bot's database, as the reminder tests do; the
ticker finds it, words it and posts it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import Database
from storage.models import ActivationRequest, ScheduledPost
from tests.support.fake_slack import Call, FakeSlack, dm_channel
from tests.support.slack_http import (
    SlackBot,
    click,
    new_channel,
    posted,
    running_slack_bot,
    slash,
)

ADMIN, ANNA, RSK, TIB, LISA = "UADMIN001", "UANNA0001", "URSK00001", "UTIB00001", "ULISA0001"
KONFERENS = 4  # the forum's number in `!forum lista`
ESCALATION = "activation_request_escalation"


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with FakeSlack() as fake:
        fake.add_user(ADMIN, "Ada Admin")
        fake.add_user(ANNA, "Anna Polis")
        fake.add_user(RSK, "Rolf Rsk")
        fake.add_user(TIB, "Tina Tib")
        fake.add_user(LISA, "Lisa Koordinator")
        with running_slack_bot(
            tmp_path_factory.mktemp("slack-duty"), fake, BOT_ADMINS=ADMIN, TICK_SECONDS="0.2"
        ) as bot:
            yield bot


@pytest.fixture(scope="module")
def database(slack: SlackBot) -> Iterator[Database]:
    found = Database(f"sqlite:///{slack.process.directory / 'bot.db'}")
    yield found
    found.dispose()


def command(bot: SlackBot, user: str, channel: str, text: str, expect: str) -> Call:
    """``/samverkan <text>`` by ``user``; the bot's answer in the channel."""
    mark = bot.fake.mark()
    assert slash(bot, text, user, channel).status == 200
    return posted(bot, channel, mark, expect)


def shown(call: Call) -> str:
    """What a message shows: its text and its blocks' texts."""
    return call.text + json.dumps(call.blocks, ensure_ascii=False)


def test_a_handover_and_the_green_button_reach_those_on_duty(
    slack: SlackBot, database: Database
) -> None:
    fake = slack.fake
    channel = new_channel()
    command(slack, ADMIN, channel, f"forum koppla {KONFERENS}", "Kanalen är nu kopplad till")
    command(slack, ANNA, channel, "aktör Polisen", "företrädare för Polisen")
    # The duty roles are the region's: its coordinators take them over.
    command(slack, ADMIN, channel, f"roll <@{RSK}> koordinator regionalt", "hela regionen")
    command(slack, ADMIN, channel, f"roll <@{TIB}> koordinator regionalt", "hela regionen")
    command(slack, ADMIN, channel, f"roll <@{LISA}> koordinator", "rollen koordinator")
    # An actor may not take over; a coordinator of the region may.
    refused_mark = fake.mark()
    assert slash(slack, "beredskap ta över RSK", ANNA, channel).status == 200
    refused = fake.wait_for("chat.postEphemeral", since=refused_mark, channel=channel, user=ANNA)
    assert "får bara regionens koordinatorer använda" in refused.text
    took = command(slack, RSK, channel, "beredskap ta över RSK", "är nu RSK i beredskap")
    assert "Ingen var RSK i beredskap före." in took.text
    command(slack, TIB, channel, "beredskap ta över tib", "är nu TiB i beredskap")
    duty = command(slack, ANNA, channel, "beredskap", "Beredskap just nu")
    assert "Rolf Rsk" in shown(duty)
    assert "Tina Tib" in shown(duty)

    mark = fake.mark()
    assert slash(slack, "begär aktivering Stormvarning klass 2", ANNA, channel).status == 200
    request = posted(slack, channel, mark, "Begäran om aktivering")
    assert f"<@{RSK}>" in request.text  # real mentions: both are notified
    assert f"<@{TIB}>" in request.text
    assert f"<@{LISA}>" not in request.text  # the coordinators come later, if need be
    buttons = [
        element
        for block in request.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Kvittera begäran", "kvittera begäran")
    ]
    # Each on duty gets a direct message in the app's DM with them.
    to_rsk = posted(slack, dm_channel(RSK), mark, "begäran om aktivering")
    assert "Till RSK i beredskap" in shown(to_rsk)
    assert "Stormvarning klass 2" in shown(to_rsk)
    to_tib = posted(slack, dm_channel(TIB), mark, "begäran om aktivering")
    assert "Till TiB i beredskap" in shown(to_tib)

    # The RSK clicks the button in the channel: the request is taken.
    mark = fake.mark()
    ts = str(request.args.get("ts") or "1700000000.999101")
    assert click(slack, RSK, request, ts).status == 200
    update_call = fake.wait_for("chat.update", since=mark, channel=channel)
    assert "kvitterad av Rolf Rsk (RSK)" in shown(update_call)
    with Session(database.engine) as session:
        [taken] = session.exec(select(ActivationRequest)).all()
    assert taken.acknowledged_at is not None


def test_a_request_nobody_takes_goes_to_every_coordinator(
    slack: SlackBot, database: Database
) -> None:
    fake = slack.fake
    channel = new_channel()
    command(slack, ADMIN, channel, "forum koppla samordningsgrupp", "Kanalen är nu kopplad till")
    command(slack, ADMIN, channel, f"roll <@{LISA}> koordinator", "rollen koordinator")
    command(slack, ADMIN, channel, f"roll <@{RSK}> koordinator regionalt", "regionalt")
    command(slack, RSK, channel, "beredskap ta över RSK", "RSK i beredskap")
    mark = fake.mark()
    assert slash(slack, "begär aktivering Vattenläcka", ADMIN, channel).status == 200
    request = posted(slack, channel, mark, "Begäran om aktivering")
    assert f"<@{RSK}>" in request.text
    assert f"<@{LISA}>" not in request.text
    mark = fake.mark()
    with Session(database.engine) as session:
        [planned] = session.exec(
            select(ScheduledPost).where(
                ScheduledPost.kind == ESCALATION, ScheduledPost.channel_id == channel
            )
        ).all()
        session.execute(
            update(ScheduledPost)
            .where(col(ScheduledPost.id) == planned.id)
            .values(due_at=datetime.now(UTC))
        )
        session.commit()
    escalated = posted(slack, channel, mark, "Ingen i beredskap har kvitterat")
    assert "Regional samordningsgrupp" in escalated.text
    assert f"<@{LISA}>" in escalated.text
    assert f"<@{ADMIN}>" in escalated.text

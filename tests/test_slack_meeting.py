"""Meetings through the Slack door's real HTTP endpoint: notes, minutes with the full minutes
attached as a file, who may end a meeting, and an item raised to another forum.

As in ``tests/test_slack_reports.py``: one ``samverkan-bot run`` process for the module, its
Web API pointed at :class:`FakeSlack`, slash commands and messages sent to ``/slack/events``
signed as Slack signs them. A file goes up as ``files_upload_v2`` sends it (an upload URL, the
bytes posted there, then ``files.completeUploadExternal``); the fake keeps the bytes, so the
test reads the minutes file as the channel's members would download it.

Each test makes its own forums, channels and people, so the tests share the bot but no state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_slack import Call, FakeSlack, UploadedFile
from tests.support.pdf import pdf_as_line
from tests.support.slack_http import (
    JSON,
    SlackBot,
    bound_forum,
    event_body,
    message,
    person,
    posted,
    run,
    send,
    slack_bot_with_admin,
)

ADMIN = "UADMIN002"  # in BOT_ADMINS: a coordinator everywhere, so the meeting's chair
WORKSPACE = "https://samverkan-test.slack.com"  # the fake's auth.test url


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with slack_bot_with_admin(tmp_path_factory.mktemp("slack-meeting"), ADMIN) as bot:
        yield bot


# -- helpers ---------------------------------------------------------------------------------


def say(bot: SlackBot, user: str, channel: str, text: str, contains: str = "") -> Call:
    """A channel message ``text`` by ``user``; the bot's answer in the channel."""
    return said(bot, message(user, channel, text), contains)


def said(bot: SlackBot, event: dict[str, object], contains: str = "") -> Call:
    mark = bot.fake.mark()
    assert send(bot, event_body(event), JSON).status == 200
    return posted(bot, str(event["channel"]), mark, contains)


def plain(call: Call) -> str:
    """A message's text as read: without mrkdwn's bold and italics."""
    return call.text.replace("*", "").replace("_", "")


def index_of(fake: FakeSlack, call: Call) -> int:
    return next(i for i, seen in enumerate(fake.calls) if seen is call)


def minutes_file(bot: SlackBot, channel: str, since: int) -> UploadedFile:
    return bot.fake.wait_for_file(
        channel, lambda f: f.filename.startswith("minnesanteckningar-"), since=since
    )


# -- a meeting from start to minutes ---------------------------------------------------------


def test_a_meeting_ends_with_short_minutes_and_the_full_minutes_as_a_file(
    slack: SlackBot,
) -> None:
    polis = person(slack, "Petra Polis")
    trafik = person(slack, "Tor Trafik")
    name, channel = bound_forum(slack, ADMIN, {polis: "Polisen", trafik: "Trafikverket"})

    started = say(slack, ADMIN, channel, "!möte start Stormmöte", "möte 1 har börjat")
    assert "Dagordning" in started.text
    say(slack, trafik, channel, "!info SMHI varnar för kraftig vind", "SMHI varnar")
    say(slack, polis, channel, "!beslut Polisen leder trafikinsatsen", "Polisen leder")
    noted = say(
        slack,
        ADMIN,
        channel,
        "!åtgärd Polisen Ta fram trafikplan senast imorgon kl 12",
        "Åtgärd 1 antecknad",
    )
    assert "Ta fram trafikplan" in noted.text
    assert "12:00" in noted.text

    # Only a chair ends it: the refusal is shown in the channel, and nothing is attached.
    files_before = slack.fake.file_mark()
    refused = say(slack, polis, channel, "!möte slut", "Bara mötets ordförande")
    assert "Möte 1 avslutat" not in refused.text

    # The chair ends it with the slash command: short minutes in the channel, then the file.
    ended = run(slack, "möte slut", ADMIN, channel, "Möte 1 avslutat")
    shown = plain(ended)
    assert "Överenskommelse: Polisen leder trafikinsatsen (Petra Polis" in shown
    assert "Åtgärder (1)" in shown
    assert "SMHI varnar" not in shown  # information is counted, not repeated
    assert "Förkortat: 1 informationspunkt" in shown
    uploaded = minutes_file(slack, channel, files_before)
    assert slack.fake.uploaded_files(channel)[files_before:] == [uploaded]  # one file only
    assert uploaded.filename.endswith("-1.pdf")
    assert uploaded.title == uploaded.filename
    full = pdf_as_line(uploaded.content)
    assert name in full
    assert "SMHI varnar för kraftig vind" in full  # what the short minutes left out
    assert "Polisen leder trafikinsatsen" in full
    assert "Åtgärder per ansvarig" in full
    assert "Ta fram trafikplan" in full
    # The file comes after the minutes' messages.
    upload_call = slack.fake.wait_for("files.completeUploadExternal", channel_id=channel)
    assert index_of(slack.fake, ended) < index_of(slack.fake, upload_call)

    # The minutes again later, from a channel message: the same file, attached again.
    files_before = slack.fake.file_mark()
    again = say(slack, trafik, channel, "!protokoll", "möte 1")
    assert "Överenskommelse: Polisen leder trafikinsatsen" in plain(again)
    resent = minutes_file(slack, channel, files_before)
    assert resent.filename == uploaded.filename
    assert "SMHI varnar för kraftig vind" in pdf_as_line(resent.content)


def test_a_refused_upload_is_logged_and_the_minutes_still_arrive(slack: SlackBot) -> None:
    _, channel = bound_forum(slack, ADMIN, {})
    say(slack, ADMIN, channel, "!möte start", "möte 1 har börjat")
    say(slack, ADMIN, channel, "!info Kort möte", "Kort möte")
    log_mark = len(slack.process.log())
    files_before = slack.fake.file_mark()
    slack.fake.refuse_uploads = "not_allowed_token_type"
    try:
        ended = say(slack, ADMIN, channel, "!möte slut", "Möte 1 avslutat")
        slack.process.wait_for_log("uploading minnesanteckningar-", since=log_mark)
    finally:
        slack.fake.refuse_uploads = None
    assert "Förkortat: 1 informationspunkt" in plain(ended)
    log = slack.process.log()[log_mark:]
    assert f"to Slack channel {channel} failed: not_allowed_token_type" in log, log
    assert "Traceback" not in log
    assert slack.fake.uploaded_files(channel)[files_before:] == []
    # The bot carries on.
    say(slack, ADMIN, channel, "!protokoll", "möte 1")
    minutes_file(slack, channel, files_before)


# -- raising an item to another forum --------------------------------------------------------


def test_an_item_raised_to_another_forum_arrives_in_its_channel_with_a_link_back(
    slack: SlackBot,
) -> None:
    polis = person(slack, "Pia Polis")
    name, channel = bound_forum(slack, ADMIN, {polis: "Polisen"})
    other, other_channel = bound_forum(slack, ADMIN, {})
    say(slack, ADMIN, channel, "!möte start", "möte 1 har börjat")

    mark = slack.fake.mark()
    raised = message(polis, channel, f"!lyft {other} Behov av samordnad kommunikation")
    answer = said(slack, raised, f"Lyft till {other}")
    assert "Skickat till kanalen för" in answer.text

    notice = posted(slack, other_channel, mark, "Behov av samordnad kommunikation")
    link = f"{WORKSPACE}/archives/{channel}/p{str(raised['ts']).replace('.', '')}"
    shown = notice.text + str(notice.blocks)
    assert f"Lyft från {name}" in shown
    assert "Lyft av Pia Polis under möte 1" in shown
    assert f"<{link}|gå till ursprunget>" in shown, shown


def test_the_record_of_an_activation_brings_its_charts_as_images(slack: SlackBot) -> None:
    polis = person(slack, "Petra Polis")
    _name, channel = bound_forum(slack, ADMIN, {polis: "Polisen"})
    run(slack, "aktivera Storm Dagmar kalla: Polisen", ADMIN, channel, "är aktiverat")
    say(slack, polis, channel, "!kvittera", "kvitterat")
    say(slack, polis, channel, "!läge Lugnt i länet", "Lägesrapport")
    files_before = slack.fake.file_mark()
    run(slack, "efterhand", ADMIN, channel, "Efterhand: aktivering")
    acks = slack.fake.wait_for_file(
        channel, lambda f: f.filename.endswith("-acks.png"), since=files_before
    )
    rounds = slack.fake.wait_for_file(
        channel, lambda f: f.filename.endswith("-rounds.png"), since=files_before
    )
    for chart in (acks, rounds):
        assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert acks.alt_txt is not None
    assert "andelen inkallade organisationer som kvitterat" in acks.alt_txt
    assert "100 %" in acks.alt_txt  # Polisen, the one called in, acknowledged
    assert rounds.alt_txt is not None
    assert "andelen inkallade som rapporterade per runda" in rounds.alt_txt

"""The joint regional direction through the Slack door's real HTTP endpoint: its form as a
modal, and its confirmations by a button.

As in ``tests/test_slack_reports.py``: one ``samverkan-bot run`` process for the module, its
Web API pointed at :class:`FakeSlack`, and slash commands, clicks and modal submissions sent
to ``/slack/events`` signed as Slack signs them. ``/samverkan inriktning förslag`` opens the
direction's form (``views.open``), its ``view_submission`` comes back as Slack posts it, and a
refusal is shown inside the modal; ``/samverkan inriktning ändra <nr>`` opens it filled in with
the current text. Presented to Regionalt inriktande forum and adopted there, the direction
reaches every channel of the forum it is for with a "Kvittera" button and a card of who has
confirmed; a click confirms for the clicker's organisation and the card is updated
(``chat.update``) in each of those channels.

Each test makes its own coordinating forum (``forum skapa``), its channels and its people
(new Slack users), so the tests share the bot but no state; the directions are numbered in
the region, so each test reads its number from the bot's answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.fake_slack import Call
from tests.support.slack_http import (
    FORM,
    Answer,
    SlackBot,
    bound_forum,
    click,
    interactive,
    new_channel,
    person,
    posted,
    refused,
    run,
    send,
    sent_since,
    slack_bot_with_admin,
    slash_body,
    trigger_id,
)

ADMIN = "UADMIN001"  # in BOT_ADMINS: sets the forums up
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIELD_LABELS = [
    "Målbild",
    "Prioriteringar",
    "Ramar och begränsningar",
    "Riktlinjer för det fortsatta arbetet",
    "Kommunikation och gemensamma budskap",
    "Gäller till",
]
FIELD_NAMES = ["target", "priorities", "constraints", "guidelines", "communication", "valid_until"]


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with slack_bot_with_admin(tmp_path_factory.mktemp("slack-direction"), ADMIN) as bot:
        yield bot


# -- helpers ---------------------------------------------------------------------------------


def shown(call: Call) -> str:
    """What a message shows: its text and its blocks' texts."""
    return call.text + json.dumps(call.blocks, ensure_ascii=False)


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The buttons of a message: their labels and the command each runs."""
    return [
        (element["text"]["text"], element["value"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@dataclass(frozen=True)
class Region:
    """A coordinating forum of its own bound to two channels, with Polisen and Trafikverket as
    its members; Regionalt inriktande forum bound to a third. ``rut`` coordinates the forum
    (drafts and presents), ``tina`` the strategic forum (adopts); ``polis`` and ``trafik``
    speak for the two members."""

    forum: str
    channel: str
    second: str
    strategic: str
    rut: str
    tina: str
    polis: str
    trafik: str


def new_region(bot: SlackBot) -> Region:
    rut, tina = person(bot, "Rut Samordnare"), person(bot, "Tina Inriktare")
    polis, trafik = person(bot, "Pia Polis"), person(bot, "Tom Trafik")
    members = {polis: "Polisen", trafik: "Trafikverket"}
    name, channel = bound_forum(bot, ADMIN, members, "Analysforum")
    second, strategic = new_channel(), new_channel()
    run(bot, f"roll <@{rut}> koordinator", ADMIN, channel, "rollen koordinator")
    # Bound last: what was said above is not repeated there (Slack paces each channel).
    run(bot, f"forum koppla {name}", ADMIN, second, "Kanalen är nu kopplad till")
    run(bot, "forum koppla inriktande forum", ADMIN, strategic, "Regionalt inriktande forum")
    run(bot, f"roll <@{tina}> koordinator", ADMIN, strategic, "rollen koordinator")
    return Region(name, channel, second, strategic, rut, tina, polis, trafik)


def number_in(call: Call) -> int:
    """The direction's number in the bot's confirmation of a draft."""
    found = re.search(r"inriktning (\d+) sparat", call.text)
    assert found is not None, call.text
    return int(found.group(1))


def open_form(bot: SlackBot, user: str, channel: str, command: str) -> Call:
    """``/samverkan <command>`` with a trigger id: the ``views.open`` it makes."""
    trigger = trigger_id()
    mark = bot.fake.mark()
    assert send(bot, slash_body(command, user, channel, trigger=trigger), FORM).status == 200
    call = bot.fake.wait_for("views.open", since=mark)
    assert call.args["trigger_id"] == trigger
    assert call.answer.get("ok") is True, call.answer
    return call


def inputs(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view["blocks"] if block["type"] == "input"]


def submit(
    bot: SlackBot, user: str, view: Mapping[str, Any], values: Mapping[str, str | None]
) -> Answer:
    """``user`` presses the modal's submit button with ``values`` (field name -> text) in its
    fields; a field not given holds what the modal showed (its ``initial_value``, else
    nothing: Slack sends ``null``)."""
    state = {}
    for block in inputs(view):
        name = block["block_id"].removeprefix("field-")
        value = values.get(name, block["element"].get("initial_value"))
        state[block["block_id"]] = {"value": {"type": "plain_text_input", "value": value}}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "samverkan-test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id(),
        "view": {**view, "state": {"values": state}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return interactive(bot, payload)


def tomorrow_at_18() -> str:
    return (datetime.now(STOCKHOLM) + timedelta(days=1)).strftime("%Y-%m-%d 18:00")


# -- the form as a modal ---------------------------------------------------------------------


def test_a_draft_in_the_modal_refusals_shown_in_it_and_the_edit_modal_filled_in(
    slack: SlackBot,
) -> None:
    region = new_region(slack)
    mark = slack.fake.mark()
    call = open_form(slack, region.rut, region.channel, "inriktning förslag")
    view = call.answer["view"]
    assert view["type"] == "modal"
    assert view["callback_id"] == "samverkan-form"
    assert view["title"]["text"] == "Inriktning – förslag"
    assert view["submit"]["text"] == "Spara"
    intro = json.dumps(view["blocks"][0], ensure_ascii=False)
    assert f"Förslag till gemensam regional inriktning för {region.forum}." in intro
    fields = inputs(view)
    assert [block["label"]["text"] for block in fields] == FIELD_LABELS
    assert [block["block_id"] for block in fields] == [f"field-{n}" for n in FIELD_NAMES]
    for block in fields:
        assert block["optional"] is True
        assert block["element"]["type"] == "plain_text_input"
        assert "initial_value" not in block["element"]  # a new draft: nothing filled in
        assert block["element"]["multiline"] is (block["block_id"] != "field-valid_until")
    assert json.loads(view["private_metadata"])["channel"] == region.channel

    # Only a time that cannot be read: refused inside the modal, which stays open.
    answer = submit(slack, region.rut, view, {"valid_until": "när snön har smält"})
    assert answer.status == 200
    body = json.loads(answer.body)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["field-target"]
    error = body["errors"]["field-target"]
    assert error.startswith("Jag förstår inte tiden ”när snön har smält”."), body
    example = error.split("Skriv till exempel !", 1)[1]  # the hint under it: typed below
    # Nothing at all: refused too.
    body = json.loads(submit(slack, region.rut, view, {}).body)
    assert body["response_action"] == "errors"
    assert body["errors"]["field-target"].startswith("Förslaget har ingen text."), body
    # Neither the modal nor its refusals said anything in the channel, and nothing was saved.
    assert not sent_since(slack.fake, mark, "chat.postMessage", region.channel)
    assert not sent_since(slack.fake, mark, "chat.postEphemeral", region.channel)
    nothing = run(slack, "inriktning", region.polis, region.channel, "inriktning")
    assert f"Det finns ingen inriktning för {region.forum} ännu." in nothing.text

    # The same modal, filled in and submitted again, is saved and confirmed in the channel.
    until = tomorrow_at_18()
    mark = slack.fake.mark()
    answer = submit(
        slack,
        region.rut,
        view,
        {
            "target": "Samhällsviktig verksamhet fungerar under snöovädret",
            "priorities": "1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon",
            "guidelines": "Samverkansmöte var fjärde timme",
            "valid_until": until,
        },
    )
    assert answer.status == 200
    assert answer.body in ("", "{}")  # the modal closes
    saved = posted(slack, region.channel, mark, "sparat")
    number = number_in(saved)
    lines = saved.text.splitlines()
    assert f"*Gemensam regional inriktning {number} – förslag, version 1*" in lines
    assert "*Målbild:* Samhällsviktig verksamhet fungerar under snöovädret" in lines
    assert "*Prioriteringar:* 1. Liv och hälsa" in lines
    assert "2. Framkomlighet för utryckningsfordon" in lines
    assert "*Ramar och begränsningar:* –" in lines
    assert f"*Gäller till:* {until}" in lines
    assert f"!inriktning föredra {number}" in saved.text  # what comes next

    # The edit modal, opened by another member in the forum's other channel, shows the
    # current text; what is changed in it is a new version.
    call = open_form(slack, region.polis, region.second, f"inriktning ändra {number}")
    view = call.answer["view"]
    assert view["title"]["text"] == f"Ändra inriktning {number}"
    initial = {
        block["block_id"].removeprefix("field-"): block["element"].get("initial_value")
        for block in inputs(view)
    }
    assert initial == {
        "target": "Samhällsviktig verksamhet fungerar under snöovädret",
        "priorities": "1. Liv och hälsa\n2. Framkomlighet för utryckningsfordon",
        "constraints": None,
        "guidelines": "Samverkansmöte var fjärde timme",
        "communication": None,
        "valid_until": until,  # the instant it was read as, not the phrase typed
    }
    # A time that cannot be read beside other changes: those are saved, and it is said why
    # Gäller till was not (with how to set it).
    mark = slack.fake.mark()
    answer = submit(
        slack,
        region.polis,
        view,
        {
            "constraints": "Varje aktör leder sitt eget arbete",
            "guidelines": "",
            "valid_until": "när snön har smält",
        },
    )
    assert answer.body in ("", "{}")
    revised = posted(slack, region.second, mark, "sparad")
    lines = revised.text.splitlines()
    assert f"*Inriktning {number}: version 2 sparad.*" in lines
    assert "Gäller till sparades inte: Jag förstår inte tiden ”när snön har smält”." in revised.text
    assert f"!inriktning ändra {number} Gäller till: fredag kl 18" in revised.text
    assert "• ifyllt: ”Varje aktör leder sitt eget arbete”" in lines
    assert "• tömt (var ”Samverkansmöte var fjärde timme”)" in lines
    assert "Målbild" not in revised.text  # untouched fields are kept, not changed
    current = run(slack, f"inriktning {number}", region.trafik, region.channel, "version 2")
    lines = current.text.splitlines()
    assert "*Målbild:* Samhällsviktig verksamhet fungerar under snöovädret" in lines
    assert "*Ramar och begränsningar:* Varje aktör leder sitt eget arbete" in lines
    assert "*Riktlinjer för det fortsatta arbetet:* –" in lines
    assert f"*Gäller till:* {until}" in lines

    # The example the modal's refusal gave works when typed: both fields are read.
    typed = run(slack, example, region.rut, region.channel, "sparat")
    lines = typed.text.splitlines()
    assert "*Målbild:* Framkomlighet i hela regionen." in lines, typed.text
    assert any(re.fullmatch(r"\*Gäller till:\* \d{4}-\d\d-\d\d 18:00", line) for line in lines)


# -- presented, adopted, confirmed by a click ------------------------------------------------


def test_presented_adopted_and_confirmed_by_a_click_the_card_kept_current(
    slack: SlackBot,
) -> None:
    fake = slack.fake
    region = new_region(slack)
    drafted = run(
        slack,
        "inriktning förslag Målbild: Framkomlighet på E4 och E18\n"
        "Kommunikation: Undvik onödiga resor",
        region.rut,
        region.channel,
        "sparat",
    )
    number = number_in(drafted)

    # Presented by the forum's coordinator: posted in the strategic forum with its button.
    mark = fake.mark()
    run(
        slack,
        f"inriktning föredra {number}",
        region.rut,
        region.channel,
        f"Inriktning {number} är föredragen för Regionalt inriktande forum.",
    )
    presented = posted(slack, region.strategic, mark, "föredrar förslaget")
    assert (
        f"föredrar förslaget till gemensam regional inriktning {number} från {region.forum}"
        in presented.text
    )
    assert buttons(presented.blocks) == [("Fastställ", f"inriktning fastställ {number}")]

    # Only a coordinator of the strategic forum adopts it, there.
    told = refused(slack, f"inriktning fastställ {number}", region.rut, region.strategic)
    assert "Bara en koordinator för Regionalt inriktande forum kan göra det." in told.text
    mark = fake.mark()
    adopted = run(
        slack, f"inriktning fastställ {number}", region.tina, region.strategic, "fastställd"
    )
    assert (
        f"Gemensam regional inriktning {number} är fastställd av Tina Inriktare i Regionalt "
        "inriktande forum" in adopted.text
    )
    posts: dict[str, Call] = {}
    cards: dict[str, Call] = {}
    for channel in (region.channel, region.second):
        posts[channel] = posted(slack, channel, mark, "är fastställd")
        assert buttons(posts[channel].blocks) == [("Kvittera", f"inriktning kvittera {number}")]
        assert f"inriktning kvittera {number}" in posts[channel].text
        cards[channel] = posted(slack, channel, mark, "kvittenser")
        card = shown(cards[channel])
        assert f"Inriktning {number} – kvittenser" in card
        assert "Kvitterat: 0 av 2" in card
        assert "Väntar på 2: Polisen Region Stockholm; Trafikverket" in card
        assert buttons(cards[channel].blocks) == [
            ("Kvittera inriktningen", f"inriktning kvittera {number}")
        ]
    card_ts = {channel: str(call.answer["ts"]) for channel, call in cards.items()}

    # Polisen's representative clicks the adoption post's button in the first channel: the
    # answer is added to that post, and the card is updated in both channels.
    mark = fake.mark()
    post_ts = str(posts[region.channel].answer["ts"])
    assert click(slack, region.polis, posts[region.channel], post_ts).status == 200
    answered = fake.wait_for("chat.update", since=mark, channel=region.channel, ts=post_ts)
    assert answered.blocks[: len(posts[region.channel].blocks)] == posts[region.channel].blocks
    added = json.dumps(answered.blocks[len(posts[region.channel].blocks) :], ensure_ascii=False)
    assert (
        f"Polisen Region Stockholm har kvitterat att den tagit del av inriktning {number} "
        "(Pia Polis, " in added
    ), added
    assert "1 av 2 organisationer har kvitterat." in added
    for channel, ts in card_ts.items():
        update = fake.wait_for("chat.update", since=mark, channel=channel, ts=ts)
        card = shown(update)
        assert "Kvitterat: 1 av 2 – Polisen Region Stockholm" in card, card
        assert "Väntar på 1: Trafikverket" in card
        assert buttons(update.blocks) == [
            ("Kvittera inriktningen", f"inriktning kvittera {number}")
        ]
    # Kept current where it is: nothing posted anew.
    for channel in (region.channel, region.second):
        assert not sent_since(fake, mark, "chat.postMessage", channel)

    # Trafikverket's representative clicks the card's own button in the second channel:
    # everyone has confirmed, and the card, wherever it is, says so and has no button left.
    mark = fake.mark()
    assert click(slack, region.trafik, cards[region.second], card_ts[region.second]).status == 200
    for channel, ts in card_ts.items():
        update = fake.wait_for(
            "chat.update",
            lambda call: "Alla 2 organisationer har kvitterat." in shown(call),
            since=mark,
            channel=channel,
            ts=ts,
        )
        assert "Kvitterat: 2 av 2 – Polisen Region Stockholm" in shown(update)
        assert buttons(update.blocks) == []  # nothing left to confirm
    # What the channels now show: the card as it stands last (the click's answer, added to
    # the card first, gave way to it), and the adoption post with Polisen's confirmation.
    for channel, ts in card_ts.items():
        [now] = [message for message in fake.messages(channel) if message["ts"] == ts]
        assert "Trafikverket" in now["text"]
        assert "Alla 2 organisationer har kvitterat." in now["text"], now["text"]
    [post] = [m for m in fake.messages(region.channel) if m["ts"] == post_ts]
    assert "Polisen Region Stockholm har kvitterat" in json.dumps(
        post["blocks"], ensure_ascii=False
    )
    confirmed = run(slack, f"inriktning fil {number} json", region.rut, region.channel, "JSON")
    assert f"Inriktning {number}, version 1, som JSON-fil." in confirmed.text
    record = json.loads(fake.wait_for_file(region.channel).content)["direction"]
    assert [c["organisation"] for c in record["confirmations"]] == [
        "Polisen Region Stockholm",
        "Trafikverket",
    ]

    # A click by someone who speaks for no organisation: told privately, nothing changes.
    stranger = person(slack, "Sam Utan")
    mark = fake.mark()
    second_ts = str(posts[region.second].answer["ts"])
    assert click(slack, stranger, posts[region.second], second_ts).status == 200
    told = fake.wait_for("chat.postEphemeral", since=mark, channel=region.second, user=stranger)
    assert "Du har inte sagt vilken organisation du företräder" in told.text, told.text
    assert not sent_since(fake, mark, "chat.update", region.second)

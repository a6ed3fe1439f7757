"""Situation reports and the joint picture through the Slack door's real HTTP endpoint.

As in ``tests/test_slack.py``: one ``samverkan-bot run`` process for the module, its Web API
pointed at :class:`FakeSlack`, and slash commands, messages, clicks and modal submissions sent
to ``/slack/events`` signed as Slack signs them. Here ``/samverkan läge`` opens a modal
(``views.open``), its ``view_submission`` comes back as Slack posts it, and the joint picture
goes out as Block Kit, split over several messages when it is long.

Each test makes its own forum (``forum skapa``) and channel, and its own people (new Slack
users), so the tests share the bot but no state.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import storage
from tests.support.fake_slack import BOT_USER_ID, Call
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
    say,
    send,
    sent_since,
    slack_bot_with_admin,
    slash,
    slash_body,
    trigger_id,
)

ADMIN = "UADMIN001"  # in BOT_ADMINS: a coordinator everywhere
FIELD_LABELS = [
    "Läge",
    "Konsekvenser / påverkan",
    "Vidtagna åtgärder",
    "Planerade åtgärder",
    "Behov av samverkan / stöd",
    "Kommunikation (budskap)",
    "Prognos",
]
FIELD_NAMES = [
    "situation",
    "impact",
    "actions_taken",
    "planned_actions",
    "needs",
    "communication",
    "outlook",
]
BLOCKS_MAX = 50  # Slack's limit of blocks in one message
TEXT_MAX = 40_000  # Slack truncates a message's text here


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    with slack_bot_with_admin(tmp_path_factory.mktemp("slack-reports"), ADMIN) as bot:
        yield bot


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forum:
    name: str
    channel: str


def new_forum(
    bot: SlackBot, members: Mapping[str, str] | None = None, *, activate: bool = True
) -> Forum:
    """A new forum bound to a new channel; the admin adds the organisations of ``members``
    (user -> organisation) to it, each user says whom they represent there, and then the
    admin activates it, which opens a round."""
    name, channel = bound_forum(bot, ADMIN, members or {})
    if activate:
        run(bot, "aktivera Övning: storm", ADMIN, channel, "INKALLNING")
    return Forum(name, channel)


def picture(bot: SlackBot, forum: Forum) -> Call:
    """``/samverkan lägesbild`` (short enough for one message)."""
    return run(bot, "lägesbild", ADMIN, forum.channel, "Samlad lägesbild")


def open_form(bot: SlackBot, user: str, channel: str, command: str = "läge") -> tuple[str, Call]:
    """``/samverkan läge`` without text: the trigger id sent and the ``views.open`` call."""
    trigger = trigger_id()
    mark = bot.fake.mark()
    body = slash_body(command, user, channel, trigger=trigger)
    assert send(bot, body, FORM).status == 200
    return trigger, bot.fake.wait_for("views.open", since=mark)


def opened_view(call: Call) -> dict[str, Any]:
    """The view as Slack holds it after ``views.open``: what was sent, with Slack's id."""
    assert call.answer.get("ok") is True, call.answer
    view: dict[str, Any] = call.answer["view"]
    return view


def submit(
    bot: SlackBot, user: str, view: Mapping[str, Any], values: Mapping[str, str | None]
) -> Answer:
    """``user`` presses the modal's submit button with ``values`` (field name -> text)
    typed in; the fields not given are left empty (Slack sends ``null`` for them)."""
    state = {
        block["block_id"]: {
            "value": {
                "type": "plain_text_input",
                "value": values.get(block["block_id"].removeprefix("field-")),
            }
        }
        for block in view["blocks"]
        if block["type"] == "input"
    }
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


def all_text(call: Call) -> str:
    return call.text + json.dumps(call.blocks, ensure_ascii=False)


def row_sections(call: Call, label: str) -> list[dict[str, Any]]:
    """The sections that show a ``*Label:* value`` row of a report."""
    return [
        block
        for block in call.blocks
        if block["type"] == "section" and f"*{label}:*" in block.get("text", {}).get("text", "")
    ]


# -- reporting by text -----------------------------------------------------------------------


def test_a_slash_command_report_over_several_lines_is_saved_field_by_field(
    slack: SlackBot,
) -> None:
    reporter = person(slack, "Tove Trafik")
    forum = new_forum(slack, {reporter: "Trafikverket"})

    mark = slack.fake.mark()
    answer = slash(
        slack, "läge Läge: E4 avstängd vid Rotebro\nBehov: polis", reporter, forum.channel
    )
    assert answer.status == 200
    confirmation = posted(slack, forum.channel, mark, "Lägesrapport från Trafikverket sparad")
    lines = confirmation.text.splitlines()
    assert "*Läge:* E4 avstängd vid Rotebro" in lines  # the next line is a field of its own
    assert "*Behov av samverkan / stöd:* polis" in lines
    assert not [call for call in slack.fake.calls[mark:] if call.method == "views.open"]

    shown = picture(slack, forum)
    assert "1 av 1 organisation har rapporterat" in shown.text
    assert "*Läge:* E4 avstängd vid Rotebro" in shown.text.splitlines()


# -- the modal -------------------------------------------------------------------------------


def test_slash_command_without_text_opens_the_report_form_as_a_modal(slack: SlackBot) -> None:
    reporter = person(slack, "Petra Polis")
    forum = new_forum(slack, {reporter: "Polisen Region Stockholm"})

    mark = slack.fake.mark()
    trigger, call = open_form(slack, reporter, forum.channel)
    assert call.args["trigger_id"] == trigger
    view = call.args["view"]
    assert view["type"] == "modal"
    assert view["callback_id"] == "samverkan-form"
    assert view["title"]["type"] == "plain_text"
    assert 0 < len(view["title"]["text"]) <= 24
    assert len(view["submit"]["text"]) <= 24
    assert len(view["close"]["text"]) <= 24
    inputs = [block for block in view["blocks"] if block["type"] == "input"]
    assert [block["label"]["text"] for block in inputs] == FIELD_LABELS
    assert [block["block_id"] for block in inputs] == [f"field-{name}" for name in FIELD_NAMES]
    for block in inputs:
        assert block["optional"] is True
        assert block["element"]["type"] == "plain_text_input"
        assert block["element"]["multiline"] is True
        assert block["element"]["max_length"] <= 3000
    assert json.loads(view["private_metadata"])["channel"] == forum.channel
    assert "Polisen Region Stockholm" in json.dumps(view["blocks"], ensure_ascii=False)

    # Nothing in the channel: the next answer there is the only message since.
    picture(slack, forum)
    assert len(sent_since(slack.fake, mark, "chat.postMessage", forum.channel)) == 1
    assert not sent_since(slack.fake, mark, "chat.postEphemeral", forum.channel)


def test_a_submitted_modal_is_saved_and_confirmed_in_the_channel(slack: SlackBot) -> None:
    reporter = person(slack, "Sara SOS")
    forum = new_forum(slack, {reporter: "SOS Alarm"})
    _trigger, call = open_form(slack, reporter, forum.channel)
    view = opened_view(call)

    mark = slack.fake.mark()
    answer = submit(
        slack,
        reporter,
        view,
        {"situation": "Hög belastning\npå 112", "needs": "Inga", "outlook": "Lugnare i kväll"},
    )
    assert answer.status == 200
    assert answer.body in ("", "{}")  # the modal closes
    confirmation = posted(slack, forum.channel, mark, "Lägesrapport från SOS Alarm sparad")
    assert "*Prognos:* Lugnare i kväll" in confirmation.text.splitlines()

    shown = picture(slack, forum)
    assert "1 av 1 organisation har rapporterat" in shown.text
    lines = shown.text.splitlines()
    assert "*Läge:* Hög belastning" in lines
    assert "på 112" in lines
    assert "*Behov av samverkan / stöd:* Inga" in lines


def test_an_empty_modal_is_refused_in_the_modal_and_can_then_be_filled_in(
    slack: SlackBot,
) -> None:
    reporter = person(slack, "Hanna Hamn")
    forum = new_forum(slack, {reporter: "Stockholms hamnar"})
    _trigger, call = open_form(slack, reporter, forum.channel)
    view = opened_view(call)

    mark = slack.fake.mark()
    answer = submit(slack, reporter, view, {"situation": "   ", "needs": ""})
    assert answer.status == 200
    body = json.loads(answer.body)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["field-situation"]
    error = body["errors"]["field-situation"]
    assert error.startswith("Rapporten är tom.")
    assert error.endswith((".", "…"))  # whole sentences, not cut in the middle of a word
    shown = picture(slack, forum)
    assert "0 av 1 organisation har rapporterat" in shown.text
    assert not sent_since(slack.fake, mark, "chat.postEphemeral", forum.channel)

    # The modal stays open: the same view, filled in and submitted again, is taken.
    mark = slack.fake.mark()
    answer = submit(slack, reporter, view, {"situation": "Färjetrafiken inställd"})
    assert answer.status == 200
    assert answer.body in ("", "{}")
    posted(slack, forum.channel, mark, "Lägesrapport från Stockholms hamnar sparad")
    assert "*Läge:* Färjetrafiken inställd" in picture(slack, forum).text.splitlines()


def test_the_same_submission_twice_is_saved_once(slack: SlackBot) -> None:
    reporter = person(slack, "Rita Region")
    forum = new_forum(slack, {reporter: "Region Stockholm"})
    _trigger, call = open_form(slack, reporter, forum.channel)
    view = opened_view(call)
    values = {"situation": "Akutmottagningarna fulla"}

    mark = slack.fake.mark()
    since = len(slack.process.log())
    assert submit(slack, reporter, view, values).status == 200
    posted(slack, forum.channel, mark, "Lägesrapport från Region Stockholm sparad")
    second = submit(slack, reporter, view, values)
    assert second.status == 200
    assert second.body in ("", "{}")
    slack.process.wait_for_log("was handled before", since=since)

    shown = picture(slack, forum)
    assert "*Läge:* Akutmottagningarna fulla" in shown.text.splitlines()
    assert "ersätter" not in shown.text  # one report, not one replacing another
    confirmations = [
        c
        for c in sent_since(slack.fake, mark, "chat.postMessage", forum.channel)
        if "sparad" in c.text
    ]
    assert len(confirmations) == 1


def test_a_channel_message_offers_a_button_that_opens_the_modal(slack: SlackBot) -> None:
    reporter = person(slack, "Nils Nacka")
    forum = new_forum(slack, {reporter: "Nacka kommun"})

    mark = slack.fake.mark()
    assert say(slack, reporter, forum.channel, "!läge formulär").status == 200
    offer = posted(slack, forum.channel, mark)
    buttons = [b for block in offer.blocks if block["type"] == "actions" for b in block["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Öppna formuläret"]
    assert not [c for c in slack.fake.calls[mark:] if c.method == "views.open"]

    trigger = trigger_id()
    mark = slack.fake.mark()
    assert click(slack, reporter, offer, str(offer.answer["ts"]), trigger=trigger).status == 200
    opened = slack.fake.wait_for("views.open", since=mark, trigger_id=trigger)
    view = opened_view(opened)
    assert view["callback_id"] == "samverkan-form"
    assert json.loads(view["private_metadata"])["channel"] == forum.channel

    # And what is submitted in it is Nacka's report.
    mark = slack.fake.mark()
    assert submit(slack, reporter, view, {"situation": "Översvämning i Saltsjöbaden"}).body in (
        "",
        "{}",
    )
    posted(slack, forum.channel, mark, "Lägesrapport från Nacka kommun sparad")


def test_a_modal_submitted_after_the_round_closed_is_late(slack: SlackBot) -> None:
    reporter = person(slack, "Linn Länsstyrelse")
    forum = new_forum(slack, {reporter: "Länsstyrelsen Stockholm"})
    _trigger, call = open_form(slack, reporter, forum.channel)
    view = opened_view(call)
    run(slack, "avaktivera Övningen är slut", ADMIN, forum.channel, "är avaktiverat")

    mark = slack.fake.mark()
    assert submit(slack, reporter, view, {"situation": "Normalt läge"}).status == 200
    confirmation = posted(slack, forum.channel, mark, "Lägesrapport från Länsstyrelsen")
    assert "runda 1" in confirmation.text  # the round it was opened for
    assert "Rundan stängdes" in confirmation.text
    assert "markerad som sen" in confirmation.text


def test_a_modal_slack_will_not_open_is_explained_privately(slack: SlackBot) -> None:
    reporter = person(slack, "Bengt Brand")
    forum = new_forum(slack, {reporter: "Storstockholms brandförsvar"})
    slack.fake.refuse_views_open = "expired_trigger_id"
    try:
        mark = slack.fake.mark()
        trigger, call = open_form(slack, reporter, forum.channel)
        assert call.args["trigger_id"] == trigger
        assert call.answer == {"ok": False, "error": "expired_trigger_id"}
        told = slack.fake.wait_for(
            "chat.postEphemeral", since=mark, channel=forum.channel, user=reporter
        )
    finally:
        slack.fake.refuse_views_open = None
    assert "kunde inte öppnas" in told.text
    assert "läge Läge:" in told.text  # how to report by text instead
    assert not sent_since(slack.fake, mark, "chat.postMessage", forum.channel)
    assert "0 av 1 organisation har rapporterat" in picture(slack, forum).text


# -- the joint picture -----------------------------------------------------------------------


def test_the_joint_picture_is_block_kit_with_rows_and_escaped_text(slack: SlackBot) -> None:
    trv, police, sos = (person(slack, name) for name in ("Tim TRV", "Pia Polis", "Siv SOS"))
    forum = new_forum(
        slack, {trv: "Trafikverket", police: "Polisen Region Stockholm", sos: "SOS Alarm"}
    )
    run(slack, "läge Läge: E4 avstängd\nPrognos: öppnar kl. 18", trv, forum.channel, "sparad")
    # As Slack sends what Pia typed: her own < > & escaped, a real @channel as <!channel>.
    typed = (
        "läge Läge: &lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; mer\n"
        "Kommunikation: <!channel> läs detta"
    )
    run(slack, typed, police, forum.channel, "sparad")
    # What is typed in a modal arrives as it was typed, unescaped.
    _trigger, call = open_form(slack, sos, forum.channel)
    mark = slack.fake.mark()
    submit(slack, sos, opened_view(call), {"situation": "<!here> <b>fet</b>", "needs": "Inga"})
    posted(slack, forum.channel, mark, "sparad")

    shown = picture(slack, forum)
    header = shown.blocks[0]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"Samlad lägesbild – {forum.name}"},
    }
    blocks = json.dumps(shown.blocks, ensure_ascii=False)
    for organisation in ("Trafikverket", "Polisen Region Stockholm", "SOS Alarm"):
        assert f"*{organisation}*" in blocks
    # Each report's fields are rows of a section's text, one under the other.
    rows = row_sections(shown, "Läge")
    assert len(rows) == 3
    for block in rows:
        assert "fields" not in block
        assert block["text"]["type"] == "mrkdwn"
    assert any(b["text"]["text"] == "*Läge:* E4 avstängd\n*Prognos:* öppnar kl. 18" for b in rows)
    # User text is escaped everywhere: no mention, no markup of anyone's making.
    everything = all_text(shown)
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; mer" not in everything
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; mer" in everything
    assert "&lt;!here&gt; &lt;b&gt;fet&lt;/b&gt;" in everything
    assert "*Kommunikation (budskap):* @channel läs detta" in everything
    for markup in ("<!channel>", "<!here>", "<script>", "<b>"):
        assert markup not in everything
    # The text fallback says the same in mrkdwn.
    lines = shown.text.splitlines()
    assert lines[0] == f"*Samlad lägesbild – {forum.name}*"
    assert "*Läge:* E4 avstängd" in lines
    assert "3 av 3 organisationer har rapporterat." in lines


def test_publishing_the_picture_reaches_every_channel_and_needs_a_coordinator(
    slack: SlackBot,
) -> None:
    reporter = person(slack, "Kim KSL")
    forum = new_forum(slack, {reporter: "Kommunförbundet Stockholms län"})
    second = new_channel()
    run(slack, f"forum koppla {forum.name}", ADMIN, second, "Kanalen är nu kopplad till")
    run(slack, "läge Läge: Kommunerna har stabsläge", reporter, forum.channel, "sparad")

    told = refused(slack, "lägesbild publicera", reporter, forum.channel)
    assert "kräver rollen koordinator" in told.text
    assert not sent_since(slack.fake, 0, "chat.postMessage", second)[1:]  # only the binding

    mark = slack.fake.mark()
    assert slash(slack, "lägesbild publicera", ADMIN, forum.channel).status == 200
    for channel in (forum.channel, second):
        published = posted(slack, channel, mark, "samlad lägesbild version 1")
        assert "*Läge:* Kommunerna har stabsläge" in published.text.splitlines()
        assert any(block["type"] == "header" for block in published.blocks)


def test_a_long_picture_goes_out_as_several_messages_in_order(slack: SlackBot) -> None:
    organisations = _seeded_organisations()[:37] + [
        f"Testaktör {uuid.uuid4().hex[:6]} {n}" for n in range(3)
    ]
    forum = new_forum(slack, activate=False)
    for name in organisations[37:]:
        run(slack, f"aktör ny {name} kommun", ADMIN, forum.channel, "är tillagd")
    reporters = {person(slack, f"Rapportör {n}"): name for n, name in enumerate(organisations)}
    for user, name in reporters.items():
        run(slack, f"aktör {name}", user, forum.channel, "registrerad som företrädare för")
    run(slack, "aktivera Långt läge", ADMIN, forum.channel, "INKALLNING")
    for n, user in enumerate(reporters):
        run(slack, f"läge {_long_report(n)}", user, forum.channel, "sparad")

    mark = slack.fake.mark()
    assert slash(slack, "lägesbild", ADMIN, forum.channel).status == 200
    posted(slack, forum.channel, mark, "Alla har rapporterat.")
    parts = sent_since(slack.fake, mark, "chat.postMessage", forum.channel)
    assert len(parts) >= 3
    for part in parts:
        assert 0 < len(part.blocks) <= BLOCKS_MAX
        assert len(part.text) < TEXT_MAX
    assert parts[0].blocks[0]["type"] == "header"
    assert "Alla har rapporterat." in parts[-1].text
    # Every organisation once, in the picture's order (Swedish alphabetical), across parts.
    texts = "\n".join(part.text for part in parts)
    headings = [
        line.strip("*") for line in texts.splitlines() if line.strip("*") in reporters.values()
    ]
    assert sorted(headings) == sorted(organisations)
    assert headings == sorted(headings, key=_swedish)
    for n in range(len(organisations)):
        for label in FIELD_LABELS:  # nothing lost, nothing twice
            assert texts.count(f"*{label}:* Rapport {n:02d} rad 1:") == 1
        # The last line of each field, and again under all needs and all communication.
        assert texts.count(f"Rapport {n:02d} rad 4:") == len(FIELD_LABELS) + 2


def test_missing_mentions_the_representatives_to_a_coordinator(slack: SlackBot) -> None:
    first, second, third = (person(slack, f"Företrädare {n}") for n in range(3))
    forum = new_forum(
        slack,
        {first: "Botkyrka kommun", second: "Danderyds kommun", third: "Ekerö kommun"},
    )
    run(slack, "läge Läge: Normalt", first, forum.channel, "sparad")

    missing = run(slack, "saknas", ADMIN, forum.channel, "Saknade lägesrapporter")
    assert "2 av 3 organisationer har inte rapporterat (1 har)" in missing.text
    everything = all_text(missing)
    assert f"<@{second}>" in everything
    assert f"<@{third}>" in everything
    assert f"<@{first}>" not in everything
    assert "Danderyds kommun" in everything

    # To an actor: who is missing, without notifying anyone.
    missing = run(slack, "saknas", first, forum.channel, "Saknade lägesrapporter")
    assert "Danderyds kommun" in missing.text
    assert "<@" not in all_text(missing)
    assert BOT_USER_ID not in all_text(missing)


# -- data for the long picture ---------------------------------------------------------------


def _seeded_organisations() -> list[str]:
    """The 37 organisations of the seeded database (storage/seed.toml)."""
    seed = tomllib.loads((Path(storage.__file__).parent / "seed.toml").read_text("utf-8"))
    names = [entry["name"] for entry in seed["organisation"]]
    names += [f"{name} kommun" for name in seed["municipalities"]["names"]]
    names += list(seed["municipalities"]["cities"])
    assert len(names) == 37
    return names


def _long_report(n: int) -> str:
    """Seven fields of four long lines each (some 2 800 characters)."""
    fields = []
    for label in (
        "Läge",
        "Konsekvenser",
        "Vidtagna åtgärder",
        "Planerade åtgärder",
        "Behov",
        "Kommunikation",
        "Prognos",
    ):
        lines = [
            f"Rapport {n:02d} rad {line}: " + "lång text om läget, " * 4 for line in range(1, 5)
        ]
        fields.append(f"{label}: " + "\n".join(lines))
    return "\n".join(fields)


def _swedish(name: str) -> str:
    return name.casefold().translate({ord("å"): "z{", ord("ä"): "z|", ord("ö"): "z}"})

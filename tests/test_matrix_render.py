"""Matrix messages as the bot writes and reads them, without a homeserver."""

from __future__ import annotations

from bot.matrix.events import addressed, edited_content, is_edit, pills_in
from bot.render.matrix import render_matrix
from commands.core.document import Button, Document, Mention, Strong

BOT = "@samverkan:localhost"


def _addressed(content: dict[str, object]) -> tuple[str, dict[str, str]] | None:
    found = addressed(
        content, bot_user_id=BOT, bot_names=["Samverkan"], prefix="!", help_command="hjälp"
    )
    if found is None:
        return None
    return found.text, {token: ref.user_id for token, ref in found.mentions.items()}


def test_user_text_is_escaped_and_mentions_are_pills() -> None:
    doc = Document().heading("Status <script>alert(1)</script>")
    doc.paragraph(Strong("Anledning"), ": ", "<img src=x onerror=alert(1)> & co")
    doc.bullets([[Mention("matrix", "@anna:localhost", "Anna <b>")]])
    doc.paragraph(Mention("slack", "U123", "Bo"))
    doc.actions(Button("Kvittera", "kvittera", "Svara !kvittera"))
    content = render_matrix(doc)
    html = content["formatted_body"]
    assert content["msgtype"] == "m.text"  # it mentions someone: it must notify them
    assert content["format"] == "org.matrix.custom.html"
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in html
    assert '<a href="https://matrix.to/#/@anna:localhost">Anna &lt;b&gt;</a>' in html
    assert "@Bo" in html  # someone on another platform: named, not linked
    assert content["m.mentions"] == {"user_ids": ["@anna:localhost"]}
    assert "Svara !kvittera" in content["body"]
    # The plain body is plain text: shown as written, never interpreted.
    assert "Anledning: <img src=x onerror=alert(1)> & co" in content["body"]


def test_a_reply_without_mentions_is_a_notice_that_mentions_nobody() -> None:
    content = render_matrix(Document().paragraph("Status för ", Strong("Regional chefsgrupp")))
    assert content["msgtype"] == "m.notice"
    assert "m.mentions" not in content
    assert content["formatted_body"] == "<p>Status för <strong>Regional chefsgrupp</strong></p>"


def test_commands_need_the_prefix_or_an_address() -> None:
    assert _addressed({"body": "!status"}) == ("!status", {})
    assert _addressed({"body": "  !status  "}) == ("!status", {})
    assert _addressed({"body": "god morgon allihop"}) is None
    assert _addressed({"body": "samverkan: status"}) == ("!status", {})
    assert _addressed({"body": "Samverkan, !kvittera"}) == ("!kvittera", {})
    assert _addressed({"body": "@samverkan:localhost status"}) == ("!status", {})
    assert _addressed({"body": "samverkan"}) == ("!hjälp", {})
    assert _addressed({"body": "samverkanskonferensen börjar 16"}) is None
    assert _addressed({"msgtype": "m.text"}) is None


def test_a_pill_addressing_the_bot_starts_a_command() -> None:
    content = {
        "body": "Samverkan-bot: aktivera Storm",
        "formatted_body": f'<a href="https://matrix.to/#/{BOT}">Samverkan-bot</a>: aktivera Storm',
    }
    assert _addressed(content) == ("!aktivera Storm", {})


def test_pills_of_people_become_their_ids_in_the_command() -> None:
    content = {
        "body": "!roll Anna Svensson koordinator",
        "formatted_body": '!roll <a href="https://matrix.to/#/%40anna%3Alocalhost">'
        "Anna Svensson</a> koordinator",
    }
    assert _addressed(content) == (
        "!roll @anna:localhost koordinator",
        {"@anna:localhost": "@anna:localhost"},
    )
    typed = _addressed({"body": "!roll @bo:example.org aktör"})
    assert typed == ("!roll @bo:example.org aktör", {"@bo:example.org": "@bo:example.org"})


def test_pills_are_read_from_html_whatever_else_it_holds() -> None:
    html = (
        '<p>Hej <a href="https://matrix.to/#/@a:x.org">A</a> och '
        '<a href="https://example.org">en länk</a> och '
        '<a href="https://matrix.to/#/!room:x.org">ett rum</a></p><script>'
    )
    assert [(p.user_id, p.name) for p in pills_in(html)] == [("@a:x.org", "A")]
    assert pills_in(None) == []


def test_an_edit_is_recognised_with_its_new_text() -> None:
    edit = {
        "body": "* !aktivera Storm",
        "m.new_content": {"body": "!aktivera Storm", "msgtype": "m.text"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"},
    }
    assert is_edit(edit)
    assert edited_content(edit)["body"] == "!aktivera Storm"
    assert not is_edit({"body": "!status"})
    reply = {"body": "> x\n\n!status", "m.relates_to": {"m.in_reply_to": {"event_id": "$x"}}}
    assert not is_edit(reply)

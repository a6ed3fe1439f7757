"""A tiny feature for tests of tagged messages, edits, reactions and direct messages, apart
from the call-out's own wording: build a bot with ``build([FEATURE])``.

- ``!kort <text>`` answers "Kort: <text>", tagged ``card:<channel>``, mentioning whoever the text
  names (as a call-out does); ``!kort alla <text>`` also posts it, tagged so, to every channel
  named in ``CHANNELS`` (platform, channel).
- ``!ändra <text>`` keeps the channel's card current everywhere it went (``outbox.edits``): "Kort:
  <text>" (mentions too), and answers "Ändrat".
- ``!klick`` is what 👍 ✅ ✔ on a ``card`` message runs: it notes who and on which tag in
  ``CLICKS`` and answers "Klickat av <name>".
- ``!dm <user> <text>`` sends "<text>" to that person alone (a direct post tagged ``dm:1``);
  ``!dm ändra <user> <text>`` keeps that message current.
"""

from __future__ import annotations

from commands.core import outbox
from commands.core.document import Document, Mention
from commands.core.features import ReactionRoute, feature
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request

FEATURE = feature(__name__, reactions={"card": ReactionRoute("klick")})

DIRECT = "dm:1"
# Where ``!kort alla`` posts the card besides the channel asked in.
CHANNELS: list[tuple[str, str]] = []
# Who ran ``!klick`` by a reaction, and on which tagged message: (user id, tag).
CLICKS: list[tuple[str, str | None]] = []


def card_tag(channel_id: str) -> str:
    """The tag of the card ``!kort`` shows in ``channel_id`` (one per channel asked in)."""
    return f"card:{channel_id}"


def _card(text: str, req: Request | None = None) -> Document:
    """The card; the people the message named are mentioned under it (as a call-out does)."""
    document = Document().paragraph(f"Kort: {text}")
    mentioned = list(req.incoming.mentions.values()) if req is not None else []
    if mentioned:
        platform = req.incoming.platform if req is not None else ""
        document.paragraph(*[Mention(platform, ref.user_id, ref.display_name) for ref in mentioned])
    return document


@command("test.card", "kort", args=(Arg("text", ArgKind.TEXT),))
def card(req: Request) -> Reply:
    text = req.arg("text")
    tag = card_tag(req.incoming.channel_id)
    posts = []
    if text.startswith("alla "):
        text = text.removeprefix("alla ")
        posts = [Post(p, channel, _card(text, req), tag=tag) for p, channel in CHANNELS]
    return Reply(_card(text, req), tag=tag, posts=posts)


@command("test.edit", "ändra", args=(Arg("text", ArgKind.TEXT),))
def edit(req: Request) -> Reply:
    tag = card_tag(req.incoming.channel_id)
    edits = outbox.edits(req.store, tag, _card(req.arg("text"), req))
    return Reply(Document().paragraph("Ändrat"), posts=edits)


@command("test.click", "klick")
def click(req: Request) -> Reply:
    reaction = req.incoming.reaction
    CLICKS.append((req.incoming.speaker.user_id, reaction.tag if reaction else None))
    return Reply(Document().paragraph(f"Klickat av {req.incoming.speaker.display_name}"))


@command("test.direct", "dm", args=(Arg("person"), Arg("text", ArgKind.TEXT)))
def direct(req: Request) -> Reply:
    to = Post(
        req.incoming.platform,
        req.arg("person"),
        Document().paragraph(req.arg("text")),
        direct=True,
        tag=DIRECT,
    )
    return Reply(Document().paragraph("Skickat"), posts=[to])


@command("test.direct_edit", "dm ändra", args=(Arg("person"), Arg("text", ArgKind.TEXT)))
def direct_edit(req: Request) -> Reply:
    edits = outbox.edits(req.store, DIRECT, Document().paragraph(req.arg("text")))
    return Reply(Document().paragraph("Ändrat"), posts=edits)

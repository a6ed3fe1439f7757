"""From a Matrix message event to the core's :class:`Incoming`, without any network.

Which messages are for the bot: text that starts with the command prefix, and text that
starts by addressing the bot (``samverkan-bot: status``, a pill, ``@bot:example.org status``);
a bare mention asks for help. Pills of other people are turned into their user ids in the
text, so ``!roll <pill of Anna Svensson> koordinator`` names exactly that person.

A pill's link text is whatever its writer typed, so it names nobody: the mentions found here
carry the user id only, and the door fills in each person's name from the room's member
state (:func:`bot.matrix.door.MatrixDoor.named`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from commands.core.messages import MentionRef

PILL_PREFIX = "https://matrix.to/#/"
MODERATOR_LEVEL = 50  # Matrix's usual "moderator" power level
_SEPARATORS = ":,; \t\n"


@dataclass(frozen=True)
class Pill:
    user_id: str
    name: str


class _PillParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pills: list[Pill] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(PILL_PREFIX):
                target = unquote(href[len(PILL_PREFIX) :]).split("?")[0]
                if target.startswith("@"):
                    self._href, self._text = target, []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.pills.append(Pill(self._href, "".join(self._text).strip() or self._href))
            self._href = None


def pills_in(formatted_body: str | None) -> list[Pill]:
    """The user pills of an HTML body, in order."""
    if not formatted_body:
        return []
    parser = _PillParser()
    parser.feed(formatted_body)
    parser.close()
    return parser.pills


# The quoted message a reply starts with, in HTML (the spec's reply fallback).
_REPLY_FALLBACK_HTML = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL | re.IGNORECASE)
_USER_ID = re.compile(r"@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(?::\d+)?")


def _strip_address(text: str, names: Iterable[str]) -> str | None:
    """``text`` without a leading address to the bot, or None when it does not start with one."""
    folded = text.casefold()
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        for form in (name, f"@{name}"):
            if folded.startswith(form.casefold()):
                rest = text[len(form) :]
                if not rest or rest[0] in _SEPARATORS:
                    return rest.lstrip(_SEPARATORS)
    return None


@dataclass(frozen=True)
class Addressed:
    """A message meant for the bot: the command line, and the people it names."""

    text: str
    mentions: Mapping[str, MentionRef]


def addressed(
    content: Mapping[str, Any],
    *,
    bot_user_id: str,
    bot_names: Iterable[str],
    prefix: str,
    help_command: str,
) -> Addressed | None:
    """The command in a ``m.text`` content, or None when the message is not for the bot."""
    body = content.get("body")
    if not isinstance(body, str):
        return None
    formatted = content.get("formatted_body")
    # A reply's quoted fallback is what someone else said: neither its text nor its pills.
    if isinstance(formatted, str):
        formatted = _REPLY_FALLBACK_HTML.sub("", formatted)
    pills = pills_in(formatted if isinstance(formatted, str) else None)
    text = without_reply_fallback(body).strip()
    if not text.startswith(prefix):
        names = [bot_user_id, bot_user_id.partition(":")[0].lstrip("@"), *bot_names]
        names += [pill.name for pill in pills if pill.user_id == bot_user_id]
        rest = _strip_address(text, names)
        if rest is None:
            return None
        text = rest if rest.startswith(prefix) else f"{prefix}{rest or help_command}"
    mentions: dict[str, MentionRef] = {}
    for pill in pills:
        if pill.user_id == bot_user_id:
            continue
        # Not the link text as the name: the writer chose it (see the module's docstring).
        mentions[pill.user_id] = MentionRef(pill.user_id, pill.user_id)
        # The plain body shows a pill as the person's name: name them by id instead, one word.
        for shown in (f"@{pill.name}", pill.name):
            if shown and shown in text:
                text = text.replace(shown, pill.user_id, 1)
                break
    for user_id in _USER_ID.findall(text):
        mentions.setdefault(user_id, MentionRef(user_id, user_id))
    return Addressed(text, mentions)


def unaddressed(content: Mapping[str, Any]) -> Addressed | None:
    """A message not addressed to the bot, as its text (without a quoted reply's fallback)."""
    body = content.get("body")
    if not isinstance(body, str):
        return None
    text = without_reply_fallback(body).strip()
    return Addressed(text, {}) if text else None


def without_reply_fallback(body: str) -> str:
    """A reply's body without the ``> <@someone> quoted text`` lines older clients put first."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> <@"):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).lstrip("\n")


def is_edit(content: Mapping[str, Any]) -> bool:
    relates = content.get("m.relates_to")
    return isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace"


def edited_content(content: Mapping[str, Any]) -> Mapping[str, Any]:
    """What an edit changes the message to (``m.new_content``), or the content itself."""
    new = content.get("m.new_content")
    return new if isinstance(new, Mapping) else content


def server_of(user_id: str) -> str:
    return user_id.partition(":")[2]


@dataclass(frozen=True)
class Annotation:
    """A reaction (``m.reaction``): the event reacted to and the key (``👍``)."""

    reacts_to: str
    key: str


def reaction_of(source: Mapping[str, Any]) -> Annotation | None:
    """The reaction an event is (from its JSON, whichever class nio made of it: a
    ``ReactionEvent``, an ``UnknownEvent`` in older versions, decrypted or not), or None."""
    if source.get("type") != "m.reaction":
        return None
    content = source.get("content")
    relation = content.get("m.relates_to") if isinstance(content, Mapping) else None
    if not isinstance(relation, Mapping) or relation.get("rel_type") != "m.annotation":
        return None
    target, key = relation.get("event_id"), relation.get("key")
    if not isinstance(target, str) or not isinstance(key, str) or not target or not key:
        return None
    return Annotation(target, key)

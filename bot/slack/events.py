"""From Slack's message text to the core's command line, without any network.

Slack writes mentions as ``<@U123>`` (or ``<@U123|name>`` in slash commands), channels as
``<#C123|name>``, links as ``<https://…|label>`` and escapes ``&``, ``<`` and ``>`` in what
people typed. The command line gets the mentioned user ids as words (``!roll U123
koordinator``) and the mentions themselves, for the core to find the person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_ANGLED = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"^@([UW][A-Z0-9]+)(?:\|(.*))?$")
_CHANNEL = re.compile(r"^#([CGD][A-Z0-9]+)(?:\|(.*))?$")
_SPECIAL = re.compile(r"^!(\w+)(?:\^[^|]*)?(?:\|(.*))?$")
_SEPARATORS = ":,; \t\n"


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class SlackText:
    """A message's text as plain words, and the users it mentions (id -> name if given)."""

    text: str
    users: Mapping[str, str | None] = field(default_factory=dict)


def plain(text: str) -> SlackText:
    """Slack's markup made plain: mentions as user ids, channels as ``#name``, links as text."""
    users: dict[str, str | None] = {}

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        user = _USER.match(inner)
        if user:
            users.setdefault(user.group(1), unescape(user.group(2)) if user.group(2) else None)
            return user.group(1)
        channel = _CHANNEL.match(inner)
        if channel:
            return f"#{unescape(channel.group(2) or channel.group(1))}"
        special = _SPECIAL.match(inner)
        if special:
            return f"@{unescape(special.group(2) or special.group(1))}"
        url, _bar, label = inner.partition("|")
        return unescape(label or url)

    return SlackText(unescape(_ANGLED.sub(replace, text)), users)


def strip_mention(text: str, bot_user_id: str) -> str | None:
    """``text`` without a leading mention of the bot, or None when it does not start so."""
    stripped = text.lstrip()
    for form in (f"<@{bot_user_id}>", f"<@{bot_user_id}|"):
        if stripped.startswith(form):
            rest = stripped[len(form) :]
            if form.endswith("|"):
                rest = rest.partition(">")[2]
            return rest.lstrip(_SEPARATORS)
    return None


def command_line(rest: str, *, prefix: str, help_command: str) -> str:
    """What follows ``/samverkan`` or a mention of the bot, as a command line with the prefix."""
    rest = rest.strip()
    if rest.startswith(prefix):
        rest = rest[len(prefix) :].lstrip()
    return f"{prefix}{rest or help_command}"


def is_direct(
    channel_id: str, *, channel_name: str | None = None, channel_type: str | None = None
) -> bool:
    """A direct conversation, not a channel: a DM (``im``; ids ``D…``; a slash command's
    ``directmessage``) or a group DM (``mpim``; a slash command's ``mpdm-…``)."""
    return (
        channel_id.startswith("D")
        or channel_type in ("im", "mpim")
        or channel_name == "directmessage"
        or (channel_name or "").startswith("mpdm-")
    )


def is_from_a_bot(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    return bool(
        event.get("bot_id")
        or event.get("subtype") == "bot_message"
        or (bot_user_id is not None and event.get("user") == bot_user_id)
    )


def retry_number(headers: Mapping[str, Any]) -> int:
    """Slack's ``X-Slack-Retry-Num`` (0 on a first delivery)."""
    for key, value in headers.items():
        if key.lower() == "x-slack-retry-num":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return int(str(first))
            except ValueError:
                return 0
    return 0

"""A forum's channels as places to post: everywhere but here, and how a channel is named."""

from __future__ import annotations

from commands.core.document import Document, Link, Part
from commands.core.i18n import t
from commands.core.messages import Post
from commands.core.request import Request
from storage.forums import Channel
from storage.models import Forum

PLATFORMS = frozenset({"matrix", "slack", "console"})


def other_channels(req: Request, forum: Forum) -> list[Channel]:
    """Every channel bound to ``forum`` but the one asked in."""
    here = Channel(req.incoming.platform, req.incoming.channel_id)
    return [channel for channel in req.store.forums.channels(forum) if channel != here]


def forum_wide(channels: list[Channel], document: Document) -> list[Post]:
    """Posts of ``document`` to ``channels`` (from :func:`other_channels`)."""
    return [Post(channel.platform, channel.channel_id, document) for channel in channels]


def this_channel(req: Request) -> str:
    """The channel asked in, as people recognise it: ``#stab (Matrix)``."""
    incoming = req.incoming
    name = incoming.channel_name or incoming.channel_id
    known = incoming.platform in PLATFORMS
    platform = req.t(f"platform.{incoming.platform}") if known else incoming.platform
    return req.t("channel.named", name=name.lstrip("#"), platform=platform)


def way_back(req: Request, language: str) -> list[Part]:
    """How readers in another forum find the message asked in: a web link where the platform
    gives one, else the channel's name; nothing when neither is known."""
    if req.incoming.permalink:
        return [" ", Link(req.incoming.permalink, t(language, "minutes.link_back"))]
    if req.incoming.channel_name:
        return [" " + t(language, "escalation.in_channel", channel=req.incoming.channel_name)]
    return []

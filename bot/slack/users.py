"""Slack users as the core needs them: a display name, their workspace, and whether they run
the bot's own workspace.

``users.info`` is asked once per person and the answer kept for a while, so a busy channel
costs no Web API calls; a person made admin is seen as one within the hour.

In a Slack Connect channel people of other workspaces speak too: their ``team_id`` is their
own workspace's, and their admin or owner flags say they run *that* workspace, nothing about
ours. Only an admin of the bot's own workspace is reported as a moderator.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.core.messages import Speaker

log = logging.getLogger(__name__)

KEEP_FOR_S = 3600.0


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    # An admin or owner of their workspace (``team_id``), which may not be the bot's.
    admin: bool = False
    team_id: str | None = None


def user_from_info(user_id: str, info: dict[str, Any]) -> SlackUser:
    profile = info.get("profile") or {}
    name = next(
        (
            str(value)
            for value in (
                profile.get("display_name"),
                profile.get("real_name"),
                info.get("real_name"),
                info.get("name"),
            )
            if value
        ),
        user_id,
    )
    admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
    return SlackUser(user_id, name, admin, str(info.get("team_id") or "") or None)


def speaker_of(
    user: SlackUser, *, platform: str, own_team: str | None, team_hint: str | None = None
) -> Speaker:
    """The core's speaker: ``home`` is the user's workspace (``users.info``; else what the
    request says of the user's team, ``team_hint``). A moderator only as an admin of the bot's
    own workspace (``own_team``, from ``auth.test``) by ``users.info``'s word on both; when
    either team is unknown, not."""
    ours = own_team is not None and user.team_id == own_team
    return Speaker(
        platform=platform,
        user_id=user.user_id,
        display_name=user.display_name,
        platform_moderator=user.admin and ours,
        home=user.team_id or team_hint or None,
    )


class SlackUsers:
    def __init__(self, client: AsyncWebClient, keep_for: float = KEEP_FOR_S) -> None:
        self.client = client
        self.keep_for = keep_for
        self._known: dict[str, tuple[float, SlackUser]] = {}

    async def get(self, user_id: str) -> SlackUser:
        known = self._known.get(user_id)
        if known is not None and time.monotonic() - known[0] < self.keep_for:
            return known[1]
        try:
            response = await self.client.users_info(user=user_id)
            user = user_from_info(user_id, dict(response.get("user") or {}))
        except (SlackApiError, ClientError, OSError, TimeoutError) as error:
            log.warning("users.info for %s failed (%s); using the id as the name", user_id, error)
            # Not kept: the next message asks again. Without the answer, no admin rights.
            return known[1] if known is not None else SlackUser(user_id, user_id)
        self._known[user_id] = (time.monotonic(), user)
        return user

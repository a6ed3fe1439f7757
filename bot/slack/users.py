"""Slack users as the core needs them: a display name, and whether they run the workspace.

``users.info`` is asked once per person and the answer kept for a while, so a busy channel
costs no Web API calls; a person made admin is seen as one within the hour.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

KEEP_FOR_S = 3600.0


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    # Workspace admins and owners are coordinators everywhere in the workspace.
    admin: bool = False


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
    return SlackUser(user_id, name, admin)


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

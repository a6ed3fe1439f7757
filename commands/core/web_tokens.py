"""The web pages' signed tokens: the sign-in link ``!webb`` gives and the session cookie.

Signed with itsdangerous (``URLSafeTimedSerializer``, HMAC-SHA1 over the payload and a
timestamp) under ``WEB_SECRET`` or the secret the database keeps. The timestamp is the bot's
clock (so a shifted or test clock ages tokens too); a token carries a row's id and nonce, and
the row (``storage/web_links.py``) says whether it is still good: used, revoked, expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from commands.core.config import CoreConfig
from storage import Store

LINK_SALT = "samverkan-web-link"
SESSION_SALT = "samverkan-web-session"
# A display link's token (``!webb skärm``): its own salt, so that no personal link's token
# opens a screen and no display token signs anyone in.
DISPLAY_SALT = "samverkan-web-display"
COOKIE = "samverkan_web"


@dataclass(frozen=True)
class Signed:
    """What a valid token names: a link row, and its nonce or session key."""

    link_id: int
    key: str


def secret_of(store: Store, config: CoreConfig, at: datetime, *, create: bool) -> str | None:
    """``WEB_SECRET``, else the one the database keeps (made on first need when ``create``)."""
    return config.web_secret or store.web_links.secret(at, create=create)


def _serializer(secret: str, salt: str, now: datetime) -> URLSafeTimedSerializer:
    stamp = int(now.timestamp())

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(secret, salt=salt, signer=ClockSigner)


def sign(secret: str, salt: str, signed: Signed, now: datetime) -> str:
    return str(_serializer(secret, salt, now).dumps([signed.link_id, signed.key]))


def read(secret: str, salt: str, token: str, now: datetime, max_age: timedelta) -> Signed | None:
    """What ``token`` names, or None when it is not ours, was changed, or is too old."""
    try:
        value: Any = _serializer(secret, salt, now).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except BadData:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return Signed(value[0], value[1])

"""A plain GET to a bot's HTTP server on 127.0.0.1, as a browser without JavaScript makes it:
the status, the body, and the session cookie it sets (``name=value``, "" when none)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Got:
    status: int
    body: str
    set_cookie: str  # the whole Set-Cookie header, with its attributes

    @property
    def cookie(self) -> str:
        """What the browser sends back: ``name=value``."""
        return self.set_cookie.split(";")[0]


def get(url: str, cookie: str | None = None, timeout: float = 10.0) -> Got:
    """``url`` (http only) fetched once, following nothing."""
    parts = urlsplit(url)
    assert parts.scheme == "http", url
    assert parts.hostname is not None, url
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path or "/", headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Got(response.status, body, response.getheader("Set-Cookie") or "")
    finally:
        connection.close()

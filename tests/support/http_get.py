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
    return _request("GET", url, cookie, timeout)


def sign_in(url: str, timeout: float = 10.0) -> Got:
    """A sign-in link used as a browser uses it: opened (a page with the button), then the
    button pressed (a POST from the same origin): the answer to the POST."""
    page = get(url, timeout=timeout)
    assert page.status == 200, page.body
    assert 'method="post"' in page.body, page.body
    parts = urlsplit(url)
    return _request("POST", url, None, timeout, origin=f"{parts.scheme}://{parts.netloc}")


def _request(
    method: str, url: str, cookie: str | None, timeout: float, origin: str | None = None
) -> Got:
    parts = urlsplit(url)
    assert parts.scheme == "http", url
    assert parts.hostname is not None, url
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Cookie": cookie} if cookie else {}
        if origin is not None:
            headers["Origin"] = origin
        connection.request(method, path or "/", headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Got(response.status, body, response.getheader("Set-Cookie") or "")
    finally:
        connection.close()

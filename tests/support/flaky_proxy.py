"""An HTTP proxy in front of the homeserver that can lose the bot's sends on purpose.

Everything is passed through to the real Synapse, except the next ``n`` message sends
(``PUT …/send/…``) once :meth:`FlakyProxy.lose_sends` is called: the connection is closed
without an answer, either before the request reaches Synapse or after it did (the answer is
lost on the way back, the case a transaction id exists for).
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class FlakyProxy:
    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 80)
        self._lock = threading.Lock()
        self._to_lose = 0
        self._after_delivery = False
        self.lost = 0
        self.sends_seen = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def lose_sends(self, count: int, *, after_delivery: bool = False) -> None:
        """Lose the next ``count`` sends; ``after_delivery``: Synapse gets them, not the answer."""
        with self._lock:
            self._to_lose, self._after_delivery = count, after_delivery

    def _take_loss(self, path: str, method: str) -> tuple[bool, bool]:
        if method != "PUT" or "/send/" not in path:
            return False, False
        with self._lock:
            self.sends_seen += 1
            if self._to_lose <= 0:
                return False, False
            self._to_lose -= 1
            self.lost += 1
            return True, self._after_delivery

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                lose, after_delivery = proxy._take_loss(self.path, self.command)
                if lose and not after_delivery:
                    self.close_connection = True
                    return
                upstream = http.client.HTTPConnection(*proxy._target, timeout=90)
                try:
                    headers = {
                        key: value
                        for key, value in self.headers.items()
                        if key.lower() not in _HOP_BY_HOP
                    }
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                if lose:
                    self.close_connection = True
                    return
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

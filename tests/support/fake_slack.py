"""A local stand-in for Slack's Web API: records every call and answers with canned JSON.

The bot's ``WebClient`` is pointed at :attr:`FakeSlack.api_url` (``SLACK_API_URL``). Each call
is kept as a :class:`Call` (method and arguments, from the query string, a form or a JSON
body); tests wait on the recorder rather than sleep. Users for ``users.info`` are added with
:meth:`FakeSlack.add_user`. Anything posted to another path (a ``response_url``) is recorded
under ``response_url``. ``views.open`` answers as Slack does, with the view and the id Slack
gave it (kept in the call's ``answer``), or refuses as Slack does when a trigger has expired.

Files go up as ``files_upload_v2`` sends them: ``files.getUploadURLExternal`` answers with an
``upload_url`` on the fake itself (``/upload/<file id>``), the bytes posted there are kept (the
post is recorded as a call ``upload``), and ``files.completeUploadExternal`` shares them in a
channel; :meth:`FakeSlack.uploaded_files` lists what was shared, :meth:`FakeSlack.wait_for_file`
waits for one. ``refuse_uploads`` makes ``files.getUploadURLExternal`` fail as Slack does.

Failing posts: ``chat.postMessage`` to a channel in ``missing`` answers ``channel_not_found``
(the channel was deleted, or the bot can never see it); :meth:`FakeSlack.fail_posts` queues
failures for a channel's next posts, one a call: a Slack error (``ratelimited`` with HTTP 429
and ``Retry-After``, as Slack rate-limits), or an HTTP status with a body that is not Slack's
JSON (an HTML 500 page from a proxy in front of Slack). Failed calls are recorded like the
others, with what was answered in ``answer``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0001"  # the bot's own workspace
UPLOAD_PATH = "/upload/"


@dataclass(frozen=True)
class UploadedFile:
    """A file shared in a channel through ``files.completeUploadExternal``."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class Failure:
    """How one Web API call fails: ``error`` is Slack's error code in its JSON answer
    (``{"ok": false, "error": ...}``); without it the body is ``body`` as ``content_type``."""

    status: int = 200
    error: str | None = None
    body: str = ""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def slack_error(cls, error: str) -> Failure:
        """Slack's own refusal; ``ratelimited`` comes with HTTP 429 and ``Retry-After``."""
        if error == "ratelimited":
            return cls(429, error, headers={"Retry-After": "1"})
        return cls(200, error)

    @classmethod
    def http(cls, status: int) -> Failure:
        """An HTTP error page, not Slack's JSON (a load balancer's 500 or 503)."""
        page = f"<html><body><h1>{status}</h1></body></html>"
        return cls(status, body=page, content_type="text/html; charset=utf-8")

    def response(self) -> tuple[int, dict[str, Any], bytes, str]:
        """The HTTP status, what is recorded as answered, the body and its type."""
        if self.error is not None:
            answer = {"ok": False, "error": self.error}
            return self.status, answer, json.dumps(answer).encode(), self.content_type
        return self.status, {"status": self.status}, self.body.encode(), self.content_type


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    # What the fake answered (views.open: the opened view with its id).
    answer: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        return str(self.args.get("text", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


@dataclass
class FakeSlack:
    bot_user_id: str = BOT_USER_ID
    # Answer ``auth.test`` with ``invalid_auth``: the token is refused.
    refuse_token: bool = False
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Channels the bot is not a member of: posting there fails with ``not_in_channel``.
    outside: set[str] = field(default_factory=set)
    # Refuse ``views.open`` with this error (Slack: ``expired_trigger_id`` when the person's
    # trigger is older than three seconds or was used already).
    refuse_views_open: str | None = None
    # Refuse ``files.getUploadURLExternal`` with this error (e.g. ``not_allowed_token_type``).
    refuse_uploads: str | None = None
    # Channels that do not exist (any more): posting there fails with ``channel_not_found``.
    missing: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._file_ids = itertools.count(1)
        # Files by id: asked for (name, length), then their bytes once posted.
        self._pending: dict[str, dict[str, Any]] = {}
        self._bytes: dict[str, bytes] = {}
        self.uploads: list[UploadedFile] = []
        # Failures queued for a channel's next ``chat.postMessage`` calls (fail_posts).
        self._post_failures: dict[str, list[Failure]] = {}
        self._server: ThreadingHTTPServer | None = None

    # -- set-up ------------------------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, *, admin: bool = False, team_id: str = TEAM_ID
    ) -> None:
        """A person for ``users.info``; ``team_id`` another workspace's for a Slack Connect
        user."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "is_admin": admin,
            "is_owner": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail_posts(self, channel: str, *failures: Failure) -> None:
        """The next ``chat.postMessage`` calls to ``channel`` fail, one failure a call, in
        order; later calls succeed again."""
        with self._lock:
            self._post_failures.setdefault(channel, []).extend(failures)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length))

            def _answer(self, raw: bytes) -> None:
                url = urlsplit(self.path)
                if url.path.startswith(UPLOAD_PATH):
                    status, text = fake.receive_upload(url.path.removeprefix(UPLOAD_PATH), raw)
                    self._send(status, text.encode(), "text/plain; charset=utf-8")
                    return
                args: dict[str, Any] = dict(parse_qsl(url.query))
                kind = self.headers.get("Content-Type", "")
                if raw and "json" in kind:
                    args.update(json.loads(raw))
                elif raw:
                    args.update(parse_qsl(raw.decode()))
                if url.path.startswith("/api/"):
                    method = url.path.removeprefix("/api/")
                else:
                    method = "response_url"
                    args["_path"] = url.path
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or args.get("token")
                call = Call(method, args, token)
                failure = fake.failure_for(call)
                if failure is not None:
                    status, answer, body, kind = failure.response()
                    fake.record_failed(call, answer)
                    self._send(status, body, kind, failure.headers)
                    return
                answer = fake.record(call)
                self._send(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

            def _send(
                self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

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

    # -- answering ---------------------------------------------------------------------------

    def record(self, call: Call) -> dict[str, Any]:
        answer = self._answer(call)
        with self._lock:
            self.calls.append(replace(call, answer=answer))
            self._lock.notify_all()
        return answer

    def failure_for(self, call: Call) -> Failure | None:
        """How ``call`` is to fail, if it is: a post to a missing channel, or the next
        failure queued for its channel."""
        if call.method != "chat.postMessage":
            return None
        channel = str(call.args.get("channel"))
        with self._lock:
            if channel in self.missing:
                return Failure.slack_error("channel_not_found")
            queued = self._post_failures.get(channel)
            return queued.pop(0) if queued else None

    def record_failed(self, call: Call, answer: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(replace(call, answer=answer))
            self._lock.notify_all()

    def _answer(self, call: Call) -> dict[str, Any]:
        method, args = call.method, call.args
        if method == "auth.test":
            if self.refuse_token:
                return {"ok": False, "error": "invalid_auth"}
            return {
                "ok": True,
                "url": "https://samverkan-test.slack.com/",
                "team": "Samverkan test",
                "user": "samverkan",
                "team_id": TEAM_ID,
                "user_id": self.bot_user_id,
                "bot_id": "B0001",
            }
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method in ("chat.postMessage", "chat.postEphemeral") and args.get("channel") in (
            self.outside
        ):
            return {"ok": False, "error": "not_in_channel"}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            message = {"text": args.get("text"), "blocks": call.blocks, "ts": ts}
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "views.open":
            return self._open_view(args)
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0001", **(args.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            return self._upload_url(args)
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        if method == "conversations.info":
            channel = str(args.get("channel"))
            return {"ok": True, "channel": {"id": channel, "name": channel.lower()}}
        return {"ok": True}

    def _open_view(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.refuse_views_open:
            return {"ok": False, "error": self.refuse_views_open}
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not args.get("trigger_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        number = next(self._views)
        opened = {
            "id": f"V{number:010d}",
            "team_id": "T0001",
            "app_id": "A0001",
            "bot_id": "B0001",
            "hash": f"{int(time.time())}.{number:08d}",
            "state": {"values": {}},
            "previous_view_id": None,
            "root_view_id": f"V{number:010d}",
            "external_id": "",
            "private_metadata": "",
            "callback_id": "",
            **view,
        }
        return {"ok": True, "view": opened}

    # -- files -------------------------------------------------------------------------------

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.refuse_uploads:
            return {"ok": False, "error": self.refuse_uploads}
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):08d}"
        with self._lock:
            self._pending[file_id] = {
                "filename": str(args["filename"]),
                "length": int(args["length"]),
            }
        return {
            "ok": True,
            "upload_url": f"{self.base_url}{UPLOAD_PATH}{file_id}",
            "file_id": file_id,
        }

    def receive_upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """The bytes posted to an upload URL: kept for the file, recorded as a call."""
        with self._lock:
            pending = self._pending.get(file_id)
            if pending is None:
                status, text = 404, "unknown file"
            elif len(content) != pending["length"]:
                status, text = 400, f"expected {pending['length']} bytes, got {len(content)}"
            else:
                self._bytes[file_id] = content
                status, text = 200, f"OK - {len(content)}"
        self.record(Call("upload", {"file_id": file_id, "length": len(content)}))
        return status, text

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        listed = json.loads(files) if isinstance(files, str) else list(files or [])
        channel = args.get("channel_id")
        answered = []
        with self._lock:
            for item in listed:
                file_id = str(item.get("id"))
                if file_id not in self._bytes:
                    return {"ok": False, "error": "file_not_found"}
                pending = self._pending[file_id]
                title = str(item.get("title") or pending["filename"])
                if channel:
                    self.uploads.append(
                        UploadedFile(
                            file_id,
                            pending["filename"],
                            title,
                            self._bytes[file_id],
                            str(channel),
                            args.get("thread_ts"),
                        )
                    )
                answered.append({"id": file_id, "name": pending["filename"], "title": title})
            self._lock.notify_all()
        return {"ok": True, "files": answered}

    def uploaded_files(self, channel: str | None = None) -> list[UploadedFile]:
        """The files shared so far (in ``channel``), in order."""
        with self._lock:
            return [f for f in self.uploads if channel is None or f.channel == channel]

    def wait_for_file(
        self,
        channel: str,
        where: Callable[[UploadedFile], bool] = lambda uploaded: True,
        *,
        since: int = 0,
        timeout: float = 10.0,
    ) -> UploadedFile:
        """The first file shared in ``channel`` (after the first ``since`` uploads, see
        :meth:`file_mark`) for which ``where`` holds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for uploaded in self.uploads[since:]:
                    if uploaded.channel == channel and where(uploaded):
                        return uploaded
                left = deadline - time.monotonic()
                if left <= 0:
                    shared = [(f.filename, f.channel) for f in self.uploads]
                    raise AssertionError(f"no file in {channel} in time; shared: {shared}")
                self._lock.wait(left)

    def file_mark(self) -> int:
        """How many files so far: pass as ``since`` to wait for later ones."""
        with self._lock:
            return len(self.uploads)

    # -- reading -----------------------------------------------------------------------------

    def mark(self) -> int:
        """How many calls so far: pass as ``since`` to wait for later ones."""
        with self._lock:
            return len(self.calls)

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method == method
                and all(call.args.get(key) == value for key, value in match.items())
            ]

    def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] = lambda call: True,
        *,
        since: int = 0,
        timeout: float = 10.0,
        **match: Any,
    ) -> Call:
        """The first call to ``method`` (after the first ``since`` calls) with arguments
        ``match`` for which ``where`` holds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls[since:]:
                    if (
                        call.method == method
                        and all(call.args.get(key) == value for key, value in match.items())
                        and where(call)
                    ):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"{c.method} {c.args}" for c in self.calls[-20:])
                    raise AssertionError(f"no {method} {match} in time; the last calls:\n{seen}")
                self._lock.wait(left)

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

``conversations.open`` with a user added answers with the app's DM with them (the same id
each time: :func:`dm_channel`), and ``user_not_found`` for anyone else.

Failing posts: ``chat.postMessage`` to a channel in ``missing`` answers ``channel_not_found``
(the channel was deleted, or the bot can never see it); :meth:`FakeSlack.fail_posts` queues
failures for a channel's next posts (``after`` a number that succeed), one a call: a Slack
error (``ratelimited`` with HTTP 429 and ``Retry-After``, as Slack rate-limits), or an HTTP
status with a body that is not Slack's JSON (an HTML 500 page from a proxy in front of
Slack). Failed calls are recorded like the others, with what was answered in ``answer``.

Channels keep what was said in them, so the bot can look for what it sent before (a post
claimed again after a crash): each ``chat.postMessage`` Slack took is kept in its channel
(``ts``, ``text``, ``blocks``, ``thread_ts`` and ``reply_broadcast`` when given, and
``metadata`` when given: a JSON string in a form body or an object in a JSON body), and so is
a ``files.completeUploadExternal`` shared in a channel (a message with ``files: [{"id",
"name", "title"}]``, in its thread when given one); ``chat.update`` changes the kept message.
Refused posts are not kept, nor ephemeral messages or answers through a ``response_url``.
``conversations.history`` (``channel``) answers as Slack does: the channel's top-level
messages and the replies also sent to the channel (``reply_broadcast``), newest first, at
most ``limit``, a thread's parent with ``reply_count`` and ``latest_reply``, and each
message's ``metadata`` only with ``include_all_metadata``. ``conversations.replies``
(``channel``, ``ts``) answers with the thread's parent and its replies, oldest first (a thread
under a message the fake never saw, a person's message sent to the bot as an event, is
answered with its replies alone). Both answer ``{"ok": true, "messages": [...], "has_more":
false}``, or refuse with ``refuse_history``. :meth:`FakeSlack.add_message` puts a message in
a channel (a person's, or one an earlier bot process posted); :meth:`FakeSlack.messages` lists
a channel's, oldest first.
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
BOT_ID = "B0001"
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
    alt_txt: str | None = None  # an image's words for those who cannot see it


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
    # Refuse ``conversations.history`` and ``conversations.replies`` with this error (e.g.
    # ``missing_scope``: a DM without ``im:history``).
    refuse_history: str | None = None
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
        self._post_failures: dict[str, list[Failure | None]] = {}
        # What was said in each channel, oldest first (see the module's docstring).
        self._channels: dict[str, list[dict[str, Any]]] = {}
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

    def fail_posts(self, channel: str, *failures: Failure, after: int = 0) -> None:
        """The next ``chat.postMessage`` calls to ``channel`` fail, one failure a call, in
        order, once ``after`` more calls have succeeded (a document's first part taken, its
        second refused); later calls succeed again."""
        with self._lock:
            queued = self._post_failures.setdefault(channel, [])
            queued.extend([None] * after)
            queued.extend(failures)

    def add_message(
        self,
        channel: str,
        text: str = "",
        *,
        user: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> str:
        """A message already in ``channel``: a person's (``user``), or the bot's (posted by
        an earlier process, with its ``metadata``); its ``ts``."""
        message: dict[str, Any] = {"type": "message", "text": text, "blocks": blocks or []}
        if user is None:
            message.update(user=self.bot_user_id, bot_id=BOT_ID)
        else:
            message["user"] = user
        if metadata is not None:
            message["metadata"] = metadata
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return self._keep(channel, message, ts)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages kept in ``channel`` (top-level and in threads), oldest first."""
        with self._lock:
            return [dict(message) for message in self._channels.get(channel, [])]

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
            ts = self._keep(str(args.get("channel")), self._posted(call))
            message = {"text": args.get("text"), "blocks": call.blocks, "ts": ts}
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            self._update(call)
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method in ("conversations.history", "conversations.replies") and self.refuse_history:
            return {"ok": False, "error": self.refuse_history}
        if method == "conversations.history":
            return self._history(args)
        if method == "conversations.replies":
            return self._replies(args)
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
        if method == "conversations.open":
            return self._open_dm(args)
        if method == "conversations.info":
            channel = str(args.get("channel"))
            return {"ok": True, "channel": {"id": channel, "name": channel.lower()}}
        return {"ok": True}

    # -- channels ----------------------------------------------------------------------------

    def _posted(self, call: Call) -> dict[str, Any]:
        """The message a ``chat.postMessage`` puts in its channel."""
        args = call.args
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": BOT_ID,
            "text": str(args.get("text") or ""),
            "blocks": call.blocks,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
            if _true(args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
                message["reply_broadcast"] = True
        metadata = args.get("metadata")
        if isinstance(metadata, str) and metadata:
            metadata = json.loads(metadata)  # a form body: the object as a JSON string
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        return message

    def _keep(self, channel: str, message: dict[str, Any], ts: str | None = None) -> str:
        """Keep ``message`` in ``channel`` (with a new ``ts`` unless given); its ``ts``."""
        with self._lock:
            message["ts"] = ts or f"1700000000.{next(self._ts):06d}"
            self._channels.setdefault(channel, []).append(message)
            return str(message["ts"])

    def _open_dm(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.open`` with one user: the app's DM with them (the same each time,
        ``D`` and the user id without its ``U``); a user not added is not found."""
        user = str(args.get("users") or "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": dm_channel(user)}}

    def _update(self, call: Call) -> None:
        with self._lock:
            for message in self._channels.get(str(call.args.get("channel")), []):
                if message["ts"] == call.args.get("ts"):
                    message.update(
                        text=str(call.args.get("text") or ""),
                        blocks=call.blocks,
                        edited={"user": self.bot_user_id, "ts": call.args.get("ts")},
                    )

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.history``: the channel's top-level messages (and replies also sent
        to the channel), newest first."""
        with self._lock:
            kept = self._channels.get(str(args.get("channel")), [])
            shown = [
                message
                for message in kept
                if message.get("thread_ts") in (None, message["ts"])
                or message.get("reply_broadcast")
            ]
            replies = {
                message["ts"]: [reply for reply in kept if _replies_to(reply, message["ts"])]
                for message in shown
            }
            shown = shown[::-1][: _limit(args)]
            messages = [self._shown(message, args, replies[message["ts"]]) for message in shown]
        return {"ok": True, "messages": messages, "has_more": False, "pin_count": 0}

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.replies``: the thread ``ts`` (its parent and replies), oldest
        first."""
        ts = args.get("ts")
        if not ts:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            kept = self._channels.get(str(args.get("channel")), [])
            parent = [message for message in kept if message["ts"] == ts]
            replies = [message for message in kept if _replies_to(message, str(ts))]
            if parent and parent[0].get("thread_ts") not in (None, ts):
                # A reply's ts: Slack answers with that reply alone.
                return {"ok": True, "messages": [self._shown(parent[0], args, [])]}
            messages = [self._shown(message, args, replies) for message in parent]
            messages += [self._shown(reply, args, []) for reply in replies]
        return {
            "ok": True,
            "messages": messages[: _limit(args)],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _shown(
        self, message: dict[str, Any], args: dict[str, Any], replies: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """``message`` as Slack lists it: its metadata only when asked for, a thread's parent
        with its replies counted."""
        shown = {key: value for key, value in message.items() if key != "metadata"}
        if "metadata" in message and _true(args.get("include_all_metadata")):
            shown["metadata"] = message["metadata"]
        if replies and message.get("thread_ts") in (None, message["ts"]):
            shown.update(
                thread_ts=message["ts"],
                reply_count=len(replies),
                reply_users=sorted({str(reply.get("user")) for reply in replies}),
                latest_reply=replies[-1]["ts"],
            )
        return shown

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
                "alt_txt": args.get("alt_txt") or None,
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
        thread_ts = args.get("thread_ts") or None
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
                            thread_ts,
                            pending["alt_txt"],
                        )
                    )
                answered.append({"id": file_id, "name": pending["filename"], "title": title})
            if channel and answered:
                # Shared: a message in the channel (in the thread) that shows the files.
                shared: dict[str, Any] = {
                    "type": "message",
                    "subtype": "file_share",
                    "user": self.bot_user_id,
                    "text": str(args.get("initial_comment") or ""),
                    "files": answered,
                    "upload": True,
                }
                if thread_ts:
                    shared["thread_ts"] = str(thread_ts)
                self._keep(str(channel), shared)
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


def dm_channel(user: str) -> str:
    """The app's DM with ``user`` as the fake opens it (``conversations.open``)."""
    return "D" + user.removeprefix("U")


def _true(value: Any) -> bool:
    """A boolean argument: ``true`` in a JSON body, ``1`` or ``true`` in a query or form."""
    if isinstance(value, str):
        return value.lower() in ("1", "true")
    return bool(value)


def _limit(args: dict[str, Any]) -> int:
    """How many messages to answer with: ``limit`` (Slack's default 100, at most 1000)."""
    limit = str(args.get("limit") or "100")
    return min(int(limit), 1000) if limit.isdigit() and int(limit) > 0 else 100


def _replies_to(message: dict[str, Any], ts: str) -> bool:
    """Whether ``message`` is a reply in the thread under ``ts``."""
    return message.get("thread_ts") == ts and message["ts"] != ts

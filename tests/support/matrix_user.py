"""A real Matrix user for tests, driven synchronously: matrix-nio in a background thread.

`MatrixUser` logs one user in to a homeserver (e.g. a `tests.support.synapse.SynapseServer`)
with matrix-nio's `AsyncClient`, keeps syncing in the background and records every room
timeline event it sees, so that plain (non-async) tests can talk to a bot and wait for
its answers::

    with MatrixUser(synapse.url, alice.user_id, alice.password) as user:
        room = user.create_room("Samverkan", invite=[bot_id])
        user.wait_until_joined(room, bot_id)
        mark = user.mark(room)
        user.send(room, "!status")
        reply = user.wait_for_message(room, sender=bot_id, since=mark)
        assert reply.msgtype == "m.notice"

One asyncio event loop in a daemon thread runs the clients of all `MatrixUser` objects;
every method submits a coroutine to it and blocks until it is done. Each user's sync loop
runs there too (``/sync`` with a 1 s long-poll timeout) and after each sync does what
nio's ``sync_forever`` does for encryption: upload, query and claim keys and send queued
to-device messages.

With ``encryption=True`` the client keeps its Olm/Megolm state in `store_dir` (a fresh
temporary directory by default), messages in encrypted rooms are sent to every device
without verification (``ignore_unverified_devices=True``), and received Megolm events are
recorded decrypted. An event that cannot be decrypted yet (its room key has not arrived)
is recorded as `Seen` with ``undecryptable=True`` and decrypted again after later syncs;
when that succeeds the record is replaced in place, so indexes from `mark` stay valid.

A file someone sent (an ``m.file`` message) is fetched from the homeserver's content
repository with `MatrixUser.download`, decrypted when it came to an encrypted room.

`MatrixUser.cross_sign_device` does what verifying a device does in a client: it gives the
user cross-signing keys and signs the logged-in device with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import vodozemac
from nio import (
    AsyncClient,
    AsyncClientConfig,
    BadEvent,
    DownloadResponse,
    EncryptionError,
    ErrorResponse,
    Event,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomGetStateEventResponse,
    RoomPutStateResponse,
    RoomSendResponse,
    SyncError,
    UnknownBadEvent,
)
from nio.crypto.attachments import decrypt_attachment

__all__ = ["MatrixError", "MatrixUser", "Seen"]

T = TypeVar("T")

MEGOLM = "m.megolm.v1.aes-sha2"
SYNC_TIMEOUT_MS = 1000
"""Long-poll timeout of each background ``/sync``."""
CALL_TIMEOUT = 60.0
"""Seconds a blocking call waits for its coroutine (covers a homeserver restart)."""


class MatrixError(RuntimeError):
    """The homeserver answered a request with an error."""


@dataclass(frozen=True)
class Seen:
    """One room timeline event as this user saw it (decrypted when it could be)."""

    index: int
    """Position in this user's record of the room (see `MatrixUser.mark`)."""
    room_id: str
    event_id: str
    sender: str
    type: str
    """The event type, e.g. ``m.room.message``; ``m.room.encrypted`` if undecryptable."""
    content: dict[str, Any] = field(repr=False)
    state_key: str | None = None
    encrypted: bool = False
    """It arrived encrypted (Megolm), whether or not it could be decrypted."""
    undecryptable: bool = False
    """It arrived encrypted and its room key is (still) missing."""

    @property
    def msgtype(self) -> str | None:
        """``m.text``, ``m.notice``, ... for messages; None for other events."""
        value = self.content.get("msgtype")
        return value if isinstance(value, str) else None

    @property
    def body(self) -> str | None:
        value = self.content.get("body")
        return value if isinstance(value, str) else None

    @property
    def formatted_body(self) -> str | None:
        value = self.content.get("formatted_body")
        return value if isinstance(value, str) else None

    @property
    def is_message(self) -> bool:
        """An ``m.room.message``, or an encrypted event not decrypted (yet)."""
        return self.type == "m.room.message" or self.undecryptable

    @property
    def in_reply_to(self) -> str | None:
        """The event id this one replies to (``m.in_reply_to``), or None."""
        relation = self.content.get("m.relates_to")
        if not isinstance(relation, dict):
            return None
        reply = relation.get("m.in_reply_to")
        found = reply.get("event_id") if isinstance(reply, dict) else None
        return found if isinstance(found, str) else None

    @property
    def replaces(self) -> str | None:
        """The event id this one edits (``m.replace`` relation), or None."""
        relation = self.content.get("m.relates_to")
        if isinstance(relation, dict) and relation.get("rel_type") == "m.replace":
            target = relation.get("event_id")
            return target if isinstance(target, str) else None
        return None

    @property
    def new_content(self) -> dict[str, Any] | None:
        """The ``m.new_content`` of an edit, or None."""
        value = self.content.get("m.new_content")
        return value if isinstance(value, dict) else None

    @property
    def filename(self) -> str | None:
        """An ``m.file``'s or ``m.image``'s name (``filename``, else its body)."""
        value = self.content.get("filename") or self.content.get("body")
        return value if isinstance(value, str) and self.msgtype in {"m.file", "m.image"} else None

    @property
    def file_info(self) -> dict[str, Any]:
        """An ``m.file``'s ``info`` (``mimetype``, ``size``; an image's ``w``, ``h``), or an
        empty dict."""
        value = self.content.get("info")
        return value if isinstance(value, dict) else {}

    @property
    def mentions(self) -> list[str]:
        """User ids in ``m.mentions``."""
        value = self.content.get("m.mentions")
        users = value.get("user_ids") if isinstance(value, dict) else None
        return [user for user in users if isinstance(user, str)] if isinstance(users, list) else []

    def describe(self) -> str:
        """A one-line summary for assertion messages."""
        what = self.msgtype or self.type
        if self.undecryptable:
            what = "undecryptable m.room.encrypted"
        elif self.state_key is not None:
            what = f"{self.type} state_key={self.state_key!r}"
        text = f" {self.body!r}" if self.body is not None else ""
        return f"#{self.index} {self.sender} {what}{text} ({self.event_id})"


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _shared_loop() -> asyncio.AbstractEventLoop:
    """The one event loop (in a daemon thread) that runs every `MatrixUser`'s client.

    One thread for all of them is not just thrifty: nio's encryption store binds its
    peewee models to a database for the length of each call (``bind_ctx``), a class-level
    change, so two E2E clients used from two threads at once break each other's queries
    ("Query must be bound to a database").
    """
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="matrix-users", daemon=True).start()
            _loop = loop
        return _loop


def _canonical(value: dict[str, Any]) -> str:
    """The Matrix spec's canonical JSON: what signatures are made over."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _check(response: Any, what: str) -> Any:
    """Raise `MatrixError` if nio returned an error response; else return it."""
    if isinstance(response, ErrorResponse):
        raise MatrixError(f"{what} failed: {response}")
    return response


class MatrixUser:
    """One logged-in Matrix user with a background sync loop and blocking methods.

    Args:
        homeserver_url: e.g. ``SynapseServer.url``.
        user_id: The full user id (``@alice:localhost``).
        password: Its password; `login` logs in a new device with it.
        store_dir: Where nio keeps its encryption store (only with `encryption`); a new
            temporary directory, removed by `close`, when not given.
        encryption: Enable end-to-end encryption (needs ``matrix-nio[e2e]``).
        device_name: The display name of the device `login` creates.
    """

    def __init__(
        self,
        homeserver_url: str,
        user_id: str,
        password: str,
        *,
        store_dir: Path | None = None,
        encryption: bool = False,
        device_name: str = "samverkan-tests",
    ) -> None:
        self.homeserver_url = homeserver_url
        self.user_id = user_id
        self.password = password
        self.encryption = encryption
        self.device_name = device_name
        self._store_dir = store_dir
        self._own_store_dir: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: AsyncClient | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._changed = threading.Condition()
        self._timeline: dict[str, list[Seen]] = {}
        self._undecrypted: dict[tuple[str, int], MegolmEvent] = {}
        self._syncs = 0
        self._sync_errors: list[str] = []
        self.device_id: str | None = None
        """The device `login` created."""

    # -- lifecycle ---------------------------------------------------------------------

    def login(self) -> None:
        """Log in a new device, do a first sync and start syncing in the background.

        Raises:
            MatrixError: the homeserver refused the login.
        """
        if self._loop is not None:
            raise RuntimeError(f"{self.user_id} is already logged in")
        self._loop = _shared_loop()
        try:
            self._call(self._login())
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop syncing and close the client (the shared loop thread stays). Idempotent."""
        if self._loop is None:
            return
        try:
            self._call(self._shutdown(), timeout=15)
        finally:
            self._loop = None
            if self._own_store_dir is not None:
                shutil.rmtree(self._own_store_dir, ignore_errors=True)
                self._own_store_dir = None

    def __enter__(self) -> Self:
        self.login()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<MatrixUser {self.user_id} device={self.device_id}>"

    # -- rooms -------------------------------------------------------------------------

    def create_room(
        self,
        name: str | None = None,
        *,
        encrypted: bool = False,
        invite: Iterable[str] = (),
        topic: str | None = None,
        room_version: str | None = None,
        is_direct: bool = False,
    ) -> str:
        """Create a private room (optionally encrypted), invite users; return its id.

        Returns once this user's sync has seen the room (and its encryption state).
        `room_version` defaults to the server's (``12`` on Synapse 1.163, where room ids
        have no ``:server`` part and the creator is not listed in the power levels).
        `is_direct` makes it a direct chat as clients make one: the invitations carry
        ``is_direct: true``.
        """
        if encrypted and not self.encryption:
            raise RuntimeError(f"{self.user_id} was created without encryption=True")
        initial_state = (
            [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
            if encrypted
            else []
        )
        invitees = list(invite)

        async def create() -> str:
            response = await self.client.room_create(
                name=name,
                topic=topic,
                invite=invitees,
                initial_state=initial_state,
                room_version=room_version,
                is_direct=is_direct,
            )
            return str(_check(response, f"Creating room {name!r}").room_id)

        room_id = self._call(create())
        assert isinstance(room_id, str)
        self._wait_for_room(room_id, encrypted=encrypted)
        return room_id

    def invite(self, room_id: str, user_id: str) -> None:
        _check(self._call(self.client.room_invite(room_id, user_id)), f"Inviting {user_id}")

    def join(self, room_id: str) -> None:
        """Join `room_id` (e.g. after an invite); returns once the sync has seen the room."""
        _check(self._call(self.client.join(room_id)), f"Joining {room_id}")
        self.wait_until_joined(room_id, self.user_id)

    def set_display_name(self, name: str) -> None:
        """Change this user's display name (in their profile and every room they are in)."""
        _check(self._call(self.client.set_displayname(name)), "Setting the display name")

    def cross_sign_device(self) -> None:
        """Give this user cross-signing keys (new ones) and sign this device with them, as a
        client does when the user verifies it: the device keys signed by the self-signing
        key, which the master key signs.

        The keys are made here with vodozemac (an Olm account is an ed25519 key pair) and the
        private halves thrown away; the homeserver only ever sees the public keys and the
        signatures. The first upload needs no password (Synapse, MSC3967); a later one
        answers with the password as user-interactive authentication.
        """
        if not self.encryption:
            raise RuntimeError(f"{self.user_id} was created without encryption=True")
        user = self.user_id
        master, self_signing, user_signing = (vodozemac.Account() for _ in range(3))

        def key(pair: vodozemac.Account, usage: str) -> dict[str, Any]:
            public = pair.ed25519_key.to_base64()
            return {"user_id": user, "usage": [usage], "keys": {f"ed25519:{public}": public}}

        def sign(pair: vodozemac.Account, signed: dict[str, Any]) -> dict[str, Any]:
            bare = {k: v for k, v in signed.items() if k not in ("signatures", "unsigned")}
            signature = pair.sign(_canonical(bare).encode()).to_base64()
            signatures = dict(signed.get("signatures") or {})
            signatures[user] = {
                **signatures.get(user, {}),
                f"ed25519:{pair.ed25519_key.to_base64()}": signature,
            }
            return {**bare, "signatures": signatures}

        upload = {
            "master_key": key(master, "master"),
            "self_signing_key": sign(master, key(self_signing, "self_signing")),
            "user_signing_key": sign(master, key(user_signing, "user_signing")),
        }

        async def publish() -> None:
            status, answer = await self._post("keys/device_signing/upload", upload)
            if status == 401 and "session" in answer:
                auth = {
                    "type": "m.login.password",
                    "identifier": {"type": "m.id.user", "user": user},
                    "password": self.password,
                    "session": answer["session"],
                }
                status, answer = await self._post(
                    "keys/device_signing/upload", {**upload, "auth": auth}
                )
            if status != 200:
                raise MatrixError(f"Uploading cross-signing keys failed: {status} {answer}")
            status, found = await self._post(
                "keys/query", {"device_keys": {user: [self.client.device_id]}}
            )
            device = found.get("device_keys", {}).get(user, {}).get(self.client.device_id)
            if status != 200 or not isinstance(device, dict):
                raise MatrixError(f"Reading this device's keys failed: {status} {found}")
            signed = sign(self_signing, device)
            status, answer = await self._post(
                "keys/signatures/upload", {user: {self.client.device_id: signed}}
            )
            if status != 200 or answer.get("failures"):
                raise MatrixError(f"Signing this device failed: {status} {answer}")

        self._call(publish())

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST ``body`` to ``/_matrix/client/v3/<path>`` as this user: status and answer."""
        response = await self.client.send(
            "POST",
            f"/_matrix/client/v3/{path}",
            _canonical(body),
            headers={
                "Authorization": f"Bearer {self.client.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            answer = await response.json()
        finally:
            response.release()
        return response.status, answer if isinstance(answer, dict) else {}

    async def _get(self, path: str) -> tuple[int, dict[str, Any]]:
        """GET ``/_matrix/client/v3/<path>`` as this user: status and answer."""
        response = await self.client.send(
            "GET",
            f"/_matrix/client/v3/{path}",
            headers={"Authorization": f"Bearer {self.client.access_token}"},
        )
        try:
            answer = await response.json()
        finally:
            response.release()
        return response.status, answer if isinstance(answer, dict) else {}

    def react(self, room_id: str, event_id: str, key: str) -> str:
        """React to `event_id` with `key` (an ``m.reaction`` annotation); its event id."""
        relation = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return self.send_event(room_id, "m.reaction", {"m.relates_to": relation})

    def get_event(self, room_id: str, event_id: str) -> dict[str, Any]:
        """The event as the homeserver serves it now (with the latest edit bundled in
        ``unsigned["m.relations"]["m.replace"]``, as clients show it)."""
        path = f"rooms/{quote(room_id, safe='')}/event/{quote(event_id, safe='')}"
        status, answer = self._call(self._get(path))
        if status != 200:
            raise MatrixError(f"Reading {event_id}: {status} {answer}")
        return answer

    def notified(self) -> list[str]:
        """The event ids the homeserver notified this user of (``/notifications``: what its
        push rules made notify), newest first."""
        status, answer = self._call(self._get("notifications"))
        if status != 200:
            raise MatrixError(f"Reading the notifications: {status} {answer}")
        found = [item.get("event", {}).get("event_id") for item in answer.get("notifications", [])]
        return [event for event in found if isinstance(event, str)]

    def invitations(self) -> set[str]:
        """The rooms this user is invited to and has not joined, as its sync has seen them."""
        return self._on_loop(lambda: set(self.client.invited_rooms))

    def wait_for_invitation(self, known: set[str], timeout: float = 20.0) -> str:
        """A room this user is invited to that is not in `known`; its id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self.invitations() - known
            if new:
                return new.pop()
            time.sleep(0.05)
        raise AssertionError(f"{self.user_id} was invited to no new room within {timeout} s")

    def leave(self, room_id: str) -> None:
        _check(self._call(self.client.room_leave(room_id)), f"Leaving {room_id}")

    def kick(self, room_id: str, user_id: str, reason: str | None = None) -> None:
        _check(self._call(self.client.room_kick(room_id, user_id, reason)), f"Kicking {user_id}")

    def set_power_level(self, room_id: str, user_id: str, level: int) -> str:
        """Give `user_id` power `level` in the room (read-modify-write of the state event).

        Returns the event id of the new ``m.room.power_levels`` event.
        """

        async def change() -> str:
            current = _check(
                await self.client.room_get_state_event(room_id, "m.room.power_levels"),
                f"Reading the power levels of {room_id}",
            )
            assert isinstance(current, RoomGetStateEventResponse)
            content = dict(current.content)
            users = dict(content.get("users") or {})
            users[user_id] = level
            content["users"] = users
            response = _check(
                await self.client.room_put_state(room_id, "m.room.power_levels", content),
                f"Setting the power level of {user_id}",
            )
            assert isinstance(response, RoomPutStateResponse)
            return str(response.event_id)

        event_id = self._call(change())
        assert isinstance(event_id, str)
        return event_id

    def power_level(self, room_id: str, user_id: str) -> int:
        """`user_id`'s power level in the room as this user's sync has seen it.

        This is nio's reading of ``m.room.power_levels``. Beware: in room version 12 the
        room's creators have unlimited power without being listed there, and nio 0.26 does
        not know that, so it says 0 (``users_default``) for the creator.
        """

        def read() -> int:
            room = self._room(room_id)
            return int(room.power_levels.get_user_level(user_id)) if room else 0

        return self._on_loop(read)

    def joined_members(self, room_id: str) -> set[str]:
        """Who is joined (not just invited) as this user's sync has seen it."""

        def read() -> set[str]:
            room = self._room(room_id)
            if room is None:
                return set()
            return {user for user in room.users if user not in room.invited_users}

        return self._on_loop(read)

    def is_encrypted(self, room_id: str) -> bool:
        """Whether this user's sync has seen the room's ``m.room.encryption`` state."""
        return self._on_loop(lambda: bool((room := self._room(room_id)) and room.encrypted))

    def wait_until_joined(self, room_id: str, user_id: str, timeout: float = 20.0) -> None:
        """Wait until this user's sync shows `user_id` joined (an invite is not enough).

        Raises:
            AssertionError: not within `timeout` seconds.
        """
        self.wait_until(
            lambda: user_id in self.joined_members(room_id),
            timeout=timeout,
            what=f"{user_id} joined in {room_id}",
        )

    def wait_until(
        self, condition: Callable[[], bool], *, timeout: float = 20.0, what: str = "condition"
    ) -> None:
        """Re-check `condition` (in the caller's thread) after every sync until it holds.

        Raises:
            AssertionError: not within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                syncs = self._syncs
            if condition():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                errors = f"; sync errors: {self._sync_errors[-3:]}" if self._sync_errors else ""
                raise AssertionError(f"{self.user_id}: still no {what} after {timeout:g} s{errors}")
            self._wait_for_next_sync(syncs, min(remaining, 1.0))

    def _wait_for_next_sync(self, syncs: int, timeout: float) -> None:
        """Block until a sync after the `syncs`-th has been handled (or `timeout`)."""
        with self._changed:
            self._changed.wait_for(lambda: self._syncs != syncs, timeout=timeout)

    # -- messages ----------------------------------------------------------------------

    def send(
        self,
        room_id: str,
        body: str,
        *,
        formatted_body: str | None = None,
        mentions: list[str] | None = None,
        msgtype: str = "m.text",
    ) -> str:
        """Send a message (encrypted in an encrypted room); return its event id."""
        content: dict[str, Any] = {"msgtype": msgtype, "body": body}
        if formatted_body is not None:
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = formatted_body
        if mentions is not None:
            content["m.mentions"] = {"user_ids": list(mentions)}
        return self.send_event(room_id, "m.room.message", content)

    def reply(self, room_id: str, to: Seen, body: str) -> str:
        """Send `body` as a reply to `to`, with the quoted fallback older clients put first.

        The body starts with ``> <@sender> first line`` (every quoted line behind ``> ``),
        then an empty line and `body`; the HTML starts with an ``<mx-reply>`` block; and
        ``m.relates_to`` names the event replied to. Returns the reply's event id.
        """
        quoted = (to.body or "").split("\n")
        fallback = "\n".join(
            [f"> <{to.sender}> {quoted[0]}", *(f"> {line}" for line in quoted[1:])]
        )
        original = to.formatted_body or html.escape(to.body or "").replace("\n", "<br>")
        reply_html = (
            f'<mx-reply><blockquote><a href="https://matrix.to/#/{room_id}/{to.event_id}">'
            f'In reply to</a> <a href="https://matrix.to/#/{to.sender}">{to.sender}</a>'
            f"<br>{original}</blockquote></mx-reply>" + html.escape(body).replace("\n", "<br>")
        )
        content = {
            "msgtype": "m.text",
            "body": f"{fallback}\n\n{body}",
            "format": "org.matrix.custom.html",
            "formatted_body": reply_html,
            "m.relates_to": {"m.in_reply_to": {"event_id": to.event_id}},
        }
        return self.send_event(room_id, "m.room.message", content)

    def edit(self, room_id: str, original_event_id: str, new_body: str) -> str:
        """Replace the text of `original_event_id` (an ``m.replace`` edit); return its id."""
        new_content = {"msgtype": "m.text", "body": new_body}
        content = {
            "msgtype": "m.text",
            "body": f"* {new_body}",
            "m.new_content": new_content,
            "m.relates_to": {"rel_type": "m.replace", "event_id": original_event_id},
        }
        return self.send_event(room_id, "m.room.message", content)

    def send_event(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send any room event; return its event id.

        Waits until the sync has seen the room first: nio encrypts only for rooms it
        knows to be encrypted, and would otherwise send in the clear.
        """
        self._wait_for_room(room_id)
        encrypted = self.is_encrypted(room_id)
        if encrypted and not self.encryption:
            raise RuntimeError(
                f"{room_id} is encrypted but {self.user_id} was created without encryption=True"
            )

        async def send() -> str:
            client = self.client
            if encrypted:
                await self._key_housekeeping()
            response = _check(
                await client.room_send(
                    room_id, event_type, content, ignore_unverified_devices=True
                ),
                f"Sending {event_type} to {room_id}",
            )
            assert isinstance(response, RoomSendResponse)
            return str(response.event_id)

        event_id = self._call(send())
        assert isinstance(event_id, str)
        return event_id

    def download(self, seen: Seen) -> bytes:
        """The content of the file an ``m.file`` message `seen` carries, from the homeserver
        (decrypted with the keys in the message when it came to an encrypted room).

        Raises:
            MatrixError: the homeserver would not give it.
            ValueError: `seen` carries no file.
        """
        encrypted = self.content_file(seen)
        url = encrypted["url"] if encrypted is not None else seen.content.get("url")
        if not isinstance(url, str) or not url.startswith("mxc://"):
            raise ValueError(f"no file in {seen.describe()}")
        data = self.fetch(url)
        if encrypted is None:
            return data
        return bytes(
            decrypt_attachment(
                data, encrypted["key"]["k"], encrypted["hashes"]["sha256"], encrypted["iv"]
            )
        )

    def fetch(self, mxc: str) -> bytes:
        """The bytes the homeserver holds under ``mxc://…`` (as stored: ciphertext for a file
        sent to an encrypted room)."""

        async def fetch() -> bytes:
            response = _check(await self.client.download(mxc=mxc), f"Downloading {mxc}")
            assert isinstance(response, DownloadResponse)
            body = response.body
            assert isinstance(body, bytes)
            return body

        return self._call(fetch())

    @staticmethod
    def content_file(seen: Seen) -> dict[str, Any] | None:
        """The ``file`` of an ``m.file`` in an encrypted room (its ``url`` and keys), or None."""
        value = seen.content.get("file")
        return value if isinstance(value, dict) else None

    def mark(self, room_id: str) -> int:
        """The index the next event in `room_id` will get: pass it as ``since=``."""
        with self._changed:
            return len(self._timeline.get(room_id, []))

    def events(self, room_id: str, *, since: int = 0) -> list[Seen]:
        """Every timeline event recorded in `room_id` (from index `since` on), in order."""
        with self._changed:
            return list(self._timeline.get(room_id, [])[since:])

    def messages(self, room_id: str, sender: str | None = None, *, since: int = 0) -> list[Seen]:
        """The messages recorded in `room_id` (optionally only from `sender`), in order."""
        return [
            seen
            for seen in self.events(room_id, since=since)
            if seen.is_message and (sender is None or seen.sender == sender)
        ]

    def wait_for_event(
        self,
        room_id: str,
        predicate: Callable[[Seen], bool] | None = None,
        *,
        type: str | None = None,
        sender: str | None = None,
        since: int = 0,
        after_event_id: str | None = None,
        timeout: float = 20.0,
    ) -> Seen:
        """Wait for a timeline event in `room_id` matching all the given filters.

        Args:
            predicate: Extra test on the `Seen` event.
            type: The event type, e.g. ``m.room.power_levels``.
            sender: Only events from this user.
            since: Only events at or after this index (from `mark`).
            after_event_id: Only events recorded after this event.
            timeout: Seconds to wait.

        Raises:
            AssertionError: nothing matched within `timeout`; lists what was seen.
        """

        def matches(seen: Seen) -> bool:
            return (
                (type is None or seen.type == type)
                and (sender is None or seen.sender == sender)
                and (predicate is None or predicate(seen))
            )

        return self._wait_for_match(
            room_id,
            matches,
            since=since,
            after_event_id=after_event_id,
            timeout=timeout,
            what=f"event (type={type}, sender={sender})",
        )

    def wait_for_message(
        self,
        room_id: str,
        predicate: Callable[[Seen], bool] | None = None,
        *,
        sender: str | None = None,
        since: int = 0,
        after_event_id: str | None = None,
        msgtype: str | None = None,
        replying_to: str | None = None,
        timeout: float = 20.0,
    ) -> Seen:
        """Wait for an ``m.room.message`` (decrypted) in `room_id` and return it.

        With ``sender=None`` messages from anyone but this user match; undecryptable
        events never match (they are listed in the error instead). ``replying_to``: only a
        reply to that event (``m.in_reply_to``), as the bot's answer to a command is.

        Raises:
            AssertionError: nothing matched within `timeout`; lists what was seen.
        """

        def matches(seen: Seen) -> bool:
            return (
                seen.type == "m.room.message"
                and (seen.sender == sender if sender is not None else seen.sender != self.user_id)
                and (msgtype is None or seen.msgtype == msgtype)
                and (replying_to is None or seen.in_reply_to == replying_to)
                and (predicate is None or predicate(seen))
            )

        return self._wait_for_match(
            room_id,
            matches,
            since=since,
            after_event_id=after_event_id,
            timeout=timeout,
            what=f"message (sender={sender or 'anyone else'}, msgtype={msgtype})",
        )

    def no_message(
        self,
        room_id: str,
        sender: str | None = None,
        *,
        since: int,
        seconds: float = 2.0,
        predicate: Callable[[Seen], bool] | None = None,
    ) -> None:
        """Assert that no message (from `sender`, or anyone else) arrives for `seconds`.

        Also fails on an undecryptable event from `sender`: it may be the message.

        Raises:
            AssertionError: one arrived; the message lists it.
        """

        def matches(seen: Seen) -> bool:
            return (
                seen.is_message
                and (seen.sender == sender if sender is not None else seen.sender != self.user_id)
                and (predicate is None or seen.undecryptable or predicate(seen))
            )

        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                found = [seen for seen in self._timeline.get(room_id, [])[since:] if matches(seen)]
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    break
                self._changed.wait(remaining)
        if found:
            listed = "\n  ".join(seen.describe() for seen in found)
            raise AssertionError(
                f"{self.user_id} expected no message from {sender or 'others'} in {room_id} "
                f"since #{since}, but saw:\n  {listed}"
            )

    # -- internals: threads ------------------------------------------------------------

    @property
    def client(self) -> AsyncClient:
        """The nio client (use it only from coroutines run on this user's loop)."""
        if self._client is None:
            raise RuntimeError(f"{self.user_id} is not logged in")
        return self._client

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run `coroutine` on the loop thread and wait for its result."""
        loop = self._loop
        if loop is None:
            coroutine.close()
            raise RuntimeError(f"{self.user_id} is not logged in")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise TimeoutError(
                f"{self.user_id}: a request did not finish within {timeout:g} s"
            ) from None

    def _on_loop(self, function: Callable[[], T]) -> T:
        """Call `function` on the loop thread (where nio's state changes) and return."""

        async def run() -> T:
            return function()

        return self._call(run())

    def _room(self, room_id: str) -> MatrixRoom | None:
        """nio's room state (call on the loop thread only)."""
        room = self.client.rooms.get(room_id)
        return room if isinstance(room, MatrixRoom) else None

    def _wait_for_room(
        self, room_id: str, *, encrypted: bool = False, timeout: float = 20.0
    ) -> None:
        def known() -> bool:
            return self._on_loop(
                lambda: (
                    (room := self._room(room_id)) is not None and (room.encrypted or not encrypted)
                )
            )

        self.wait_until(known, timeout=timeout, what=f"sync of room {room_id}")

    def _wait_for_match(
        self,
        room_id: str,
        matches: Callable[[Seen], bool],
        *,
        since: int,
        after_event_id: str | None,
        timeout: float,
        what: str,
    ) -> Seen:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                timeline = self._timeline.get(room_id, [])
                start = since
                if after_event_id is not None:
                    position = next(
                        (s.index for s in timeline if s.event_id == after_event_id), None
                    )
                    start = max(start, position + 1) if position is not None else len(timeline)
                for seen in timeline[start:]:
                    if matches(seen):
                        return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            seen_since = timeline[since:]
        listed = "\n  ".join(seen.describe() for seen in seen_since) or "(nothing)"
        errors = f"\nsync errors: {self._sync_errors[-3:]}" if self._sync_errors else ""
        anchor = f"#{since}" + (f" and after {after_event_id}" if after_event_id else "")
        raise AssertionError(
            f"{self.user_id} saw no matching {what} in {room_id} within {timeout:g} s. "
            f"Seen since {anchor}:\n  {listed}{errors}"
        )

    # -- internals: nio (run on the loop thread) ---------------------------------------

    async def _login(self) -> None:
        store_path = ""
        if self.encryption:
            if self._store_dir is None:
                self._own_store_dir = Path(tempfile.mkdtemp(prefix="matrix-user-store-"))
                store = self._own_store_dir
            else:
                store = self._store_dir
                store.mkdir(parents=True, exist_ok=True)
            store_path = str(store)
        config = AsyncClientConfig(
            encryption_enabled=self.encryption,
            store_sync_tokens=self.encryption,
            # Reconnect within a second or two when the homeserver comes back after a
            # restart (nio's default backoff grows up to 60 s).
            max_timeout_retry_wait_time=1.0,
            request_timeout=30.0,
        )
        client = AsyncClient(
            self.homeserver_url, self.user_id, store_path=store_path, config=config
        )
        self._client = client
        # MegolmEvent (not decryptable) is an Event too; BadEvents are not.
        client.add_event_callback(self._on_event, (Event, BadEvent, UnknownBadEvent))
        response = await client.login(self.password, device_name=self.device_name)
        if not isinstance(response, LoginResponse):
            raise MatrixError(f"Login of {self.user_id} failed: {response}")
        self.device_id = str(response.device_id)
        if self.encryption and client.should_upload_keys:
            _check(await client.keys_upload(), "Uploading keys")
        first = await client.sync(timeout=0, full_state=True)
        if isinstance(first, SyncError):
            raise MatrixError(f"First sync of {self.user_id} failed: {first}")
        await self._after_sync()
        self._sync_task = asyncio.get_running_loop().create_task(self._sync_forever())

    async def _shutdown(self) -> None:
        task = self._sync_task
        self._sync_task = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.close()

    async def _sync_forever(self) -> None:
        client = self.client
        while True:
            try:
                response = await client.sync(timeout=SYNC_TIMEOUT_MS)
                if isinstance(response, SyncError):
                    self._sync_errors.append(str(response))
                    await asyncio.sleep(0.2)
                    continue
                await self._after_sync()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep syncing; tests see the errors on timeout
                self._sync_errors.append(repr(error))
                await asyncio.sleep(0.2)

    async def _after_sync(self) -> None:
        if self.encryption:
            await self._key_housekeeping()
            self._retry_decryption()
        with self._changed:
            self._syncs += 1
            self._changed.notify_all()

    async def _key_housekeeping(self) -> None:
        """What nio's ``sync_forever`` does between syncs for end-to-end encryption."""
        client = self.client
        try:
            if client.outgoing_to_device_messages:
                await client.send_to_device_messages()
            if client.should_upload_keys:
                _check(await client.keys_upload(), "Uploading keys")
            if client.should_query_keys:
                _check(await client.keys_query(), "Querying keys")
            if client.should_claim_keys:
                _check(
                    await client.keys_claim(client.get_users_for_key_claiming()), "Claiming keys"
                )
        except LocalProtocolError:
            pass  # another task did the same request first ("no key query required")

    def _retry_decryption(self) -> None:
        """Decrypt recorded Megolm events whose room key arrived later."""
        if not self._undecrypted:
            return
        for (room_id, index), event in list(self._undecrypted.items()):
            event.room_id = room_id
            try:
                decrypted = self.client.decrypt_event(event)
            except EncryptionError:
                continue
            if not isinstance(decrypted, Event) or isinstance(decrypted, MegolmEvent):
                continue
            del self._undecrypted[(room_id, index)]
            self._record(room_id, decrypted, index=index, encrypted=True)

    async def _on_event(self, room: MatrixRoom, event: Event | BadEvent | UnknownBadEvent) -> None:
        encrypted = bool(getattr(event, "decrypted", False))
        index = self._record(room.room_id, event, encrypted=encrypted)
        if isinstance(event, MegolmEvent):
            self._undecrypted[(room.room_id, index)] = event

    def _record(
        self,
        room_id: str,
        event: Event | BadEvent | UnknownBadEvent,
        *,
        index: int | None = None,
        encrypted: bool,
    ) -> int:
        source = event.source if isinstance(event.source, dict) else {}
        content = source.get("content")
        undecryptable = isinstance(event, MegolmEvent)
        state_key = source.get("state_key")
        with self._changed:
            timeline = self._timeline.setdefault(room_id, [])
            position = len(timeline) if index is None else index
            seen = Seen(
                index=position,
                room_id=room_id,
                event_id=str(source.get("event_id") or getattr(event, "event_id", "")),
                sender=str(source.get("sender") or getattr(event, "sender", "")),
                type=str(source.get("type") or type(event).__name__),
                content=content if isinstance(content, dict) else {},
                state_key=state_key if isinstance(state_key, str) else None,
                encrypted=encrypted or undecryptable,
                undecryptable=undecryptable,
            )
            if index is None:
                timeline.append(seen)
            else:
                timeline[index] = seen
            self._changed.notify_all()
        return position


def ask(user: MatrixUser, room: str, bot_id: str, text: str, timeout: float = 20.0) -> Seen:
    """``user`` says ``text`` in ``room``; the bot's answer to it (its reply to that event)."""
    sent = user.send(room, text)
    return user.wait_for_message(
        room, sender=bot_id, after_event_id=sent, replying_to=sent, timeout=timeout
    )

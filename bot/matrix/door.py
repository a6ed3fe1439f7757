"""The Matrix door: the bot in Matrix rooms, with matrix-nio.

- Logs in with a password or an access token; its device id and how far it has read (the
  sync token) are kept in the database, so a restart neither replays old messages nor misses
  new ones. Event ids are remembered by the core, so an event is acted on at most once.
- Joins rooms when invited by someone on an allowed server, and says how to bind a forum when
  the room serves none. A room it was invited to as a direct chat (``is_direct``, as clients
  make them) is remembered as one: the core acts on no forum there.
- Says who speaks as the homeserver vouches for it: the user id, the homeserver it lives on
  (``Speaker.home``), and names from the room's member state only. A pill's link text or a
  bare ``@user:server`` is whatever its writer typed, so it never names anyone.
- Tells the core whether the room's power levels make the speaker a moderator (50 or more, and
  from room version 12 the creators). That grants nothing unless the deployment opts in
  (``PLATFORM_MODERATORS_ARE_COORDINATORS``): coordinators are ``BOT_ADMINS`` and the people
  given the role with ``!roll``.
- Replies are ``m.notice`` (bots do not answer notices, so bots never loop) with HTML; a
  message that mentions people (a call-out) is ``m.text`` with ``m.mentions``, since notices
  notify no one. What the bot says comes from the hub (the outbox, ``bot/hub.py``), each
  message sent with transaction ids from its outbox key and retried until the homeserver
  takes it: sent again by a new leader, it is posted once.
- An answer is a Matrix reply to the command (``m.relates_to`` → ``m.in_reply_to``), in the
  command's thread if it was in one: in a busy room a client shows which command, and whose,
  it answers ("Du är nu registrerad …" says who "du" is). Posts to a forum's channels are not
  replies. A document too long for one event is several, numbered in the forum's language.
- Files attached to a reply or a post (the full minutes) are uploaded to the homeserver's
  content repository (encrypted for an encrypted room) and sent as ``m.file`` after the
  document's messages: in order, retried like a message.
- End-to-end encrypted rooms work: the crypto store lives beside the database, made for the
  bot's user only and encrypted with ``MATRIX_STORE_KEY`` (``bot/matrix/store_key.py``).
  With ``MATRIX_REQUIRE_CROSS_SIGNED_DEVICES`` only messages from devices their owners have
  cross-signed are acted on (``bot/matrix/trust.py``, ``docs/matrix-trust.md``).
- When the homeserver goes away, syncing backs off and resumes; nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DirectRoomsResponse,
    ErrorResponse,
    Event,
    InviteMemberEvent,
    JoinError,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateError,
    RoomCreateEvent,
    RoomMessageText,
    RoomPreset,
    RoomSendError,
    RoomSendResponse,
    SyncError,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)

from bot import metrics
from bot.backoff import Backoff
from bot.config import Settings
from bot.files import PRIVATE_FILE, File, files_written, private_folder
from bot.hub import DeliveryFailed, Hub
from bot.matrix.events import (
    MODERATOR_LEVEL,
    Annotation,
    addressed,
    edited_content,
    is_edit,
    reaction_of,
    server_of,
    unaddressed,
)
from bot.matrix.store_key import NIO_DEFAULT_KEY, StoreKeyError, prepare_store
from bot.matrix.trust import CrossSignedDevices
from bot.render.matrix import pack_matrix, render_matrix_edit
from commands.core.clock import Clock, SystemClock
from commands.core.document import Document, Emphasis, Paragraph, inlines
from commands.core.i18n import t
from commands.core.messages import Incoming, MentionRef, Post, Reaction, Speaker
from commands.core.welcome import welcome
from storage import Database

log = logging.getLogger(__name__)

PLATFORM = "matrix"
SYNC_TIMEOUT_MS = 30_000
PROFILE_TIMEOUT_S = 5.0  # a mentioned person's profile, when they are not in the room
KEYS_QUERY_PATH = "/_matrix/client/v3/keys/query"
DIRECT_ACCOUNT_DATA_PATH = "/_matrix/client/v3/user/{user}/account_data/m.direct"
NEW_ROOM_TIMEOUT_S = 30.0  # a room the bot made, until its sync has seen it
MEGOLM = "m.megolm.v1.aes-sha2"
# What a homeserver that is away looks like: refused, reset or dropped connections, timeouts.
UNREACHABLE = (OSError, TimeoutError, ClientError)


class MatrixLoginError(RuntimeError):
    """The homeserver would not let the bot in; the message says why."""


@dataclass
class Outgoing:
    room_id: str
    content: dict[str, Any]
    txn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: int = 0
    # A file to upload before sending: ``content`` is the ``m.file`` message without its
    # ``url`` (or, in an encrypted room, its ``file``), filled in once the upload is done.
    file: File | None = None
    # Set once it is sent (the event id) or given up (why).
    event_id: str | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class Answering:
    """The command a reply answers: its event, and the thread it was written in, if any."""

    event_id: str
    thread_root: str | None = None

    def relates_to(self, first: bool) -> dict[str, Any] | None:
        """The ``m.relates_to`` of a reply's ``first`` message, or of one after it (which
        stays in the thread, but quotes nothing: the first one did)."""
        reply = {"m.in_reply_to": {"event_id": self.event_id}}
        if self.thread_root is None:
            return reply if first else None
        # A client without threads shows the first message as a reply to the command.
        return {
            "rel_type": "m.thread",
            "event_id": self.thread_root,
            "is_falling_back": not first,
            **reply,
        }

    def route(self) -> dict[str, Any]:
        """As the answer's route in the outbox (``Incoming.route``)."""
        return {"reply_to": self.event_id, "thread": self.thread_root}

    @classmethod
    def from_route(cls, route: Mapping[str, Any] | None) -> Answering | None:
        if not route or not isinstance(route.get("reply_to"), str):
            return None
        thread = route.get("thread")
        return cls(route["reply_to"], thread if isinstance(thread, str) else None)

    @classmethod
    def of(cls, event_id: str, content: Mapping[str, Any]) -> Answering:
        relation = content.get("m.relates_to")
        root = None
        if isinstance(relation, Mapping) and relation.get("rel_type") == "m.thread":
            found = relation.get("event_id")
            root = found if isinstance(found, str) and found else None
        return cls(event_id, root)


class MatrixDoor:
    platform = PLATFORM

    def __init__(
        self,
        hub: Hub,
        database: Database,
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        if not settings.matrix_configured:
            raise ValueError("the Matrix door needs MATRIX_HOMESERVER, _USER_ID and a secret")
        self.hub = hub
        self.database = database
        self.settings = settings
        self.clock = clock or SystemClock()
        self.user_id: str = settings.matrix_user_id or ""
        self.prefix = settings.command_prefix
        self.language = settings.default_language
        self._saying: set[asyncio.Task[None]] = set()  # the door's own notices on their way
        self._display_name = ""
        # Rooms joined but not yet seen in a sync (nio cannot send there yet): say hello then.
        self._welcome_pending: set[str] = set()
        # Room creators, who outrank every power level from room version 12 on.
        self._creators: dict[str, set[str]] = {}
        self._token_saving: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()  # set once the first sync has been handled
        self._running = False
        self._failing = False  # the last sync failed
        self._client: AsyncClient | None = None
        # Rooms the bot was invited to as a direct chat (True), or not; read once a room.
        self._direct: dict[str, bool] = {}
        # Finding or making a person's direct room, one at a time (``m.direct`` is one
        # document, read and written whole).
        self._direct_lock = asyncio.Lock()
        self._cross_signed = CrossSignedDevices(self._query_keys)

    # -- the door protocol -------------------------------------------------------------------

    async def deliver(self, post: Post) -> str | None:
        """Send ``post`` to its room (an answer as a reply to the command, in its thread,
        from its route), its files after it; the first event's id once the homeserver has
        them all (retrying while it is away). The post's key gives the transaction ids, so a
        repeat, by this process or a new leader, is posted once.

        A direct post goes to the person's direct room (:meth:`direct_room`). An edit is an
        ``m.replace`` of each of ``post.targets`` (:meth:`_edit`). The answer to a reaction
        says first who reacted, with what: it replies to the bot's own message, and "du" in
        it would be anyone."""
        room_id = post.channel_id
        if post.direct:
            room_id = await self.direct_room(post.channel_id)
        if post.replaces is not None:
            return await self._edit(room_id, post)
        document = post.document
        reacted = (post.route or {}).get("reacted")
        if isinstance(reacted, Mapping):
            language = await self.hub.language_of(PLATFORM, room_id)
            line = t(
                language,
                "door_live.reacted",
                who=str(reacted.get("who", "")),
                reaction=str(reacted.get("key", "")),
            )
            document = Document([Paragraph(inlines([Emphasis(line)])), *document.blocks])
        return await self._send_document(
            room_id,
            document,
            await files_written(post.attachments),
            key=post.key,
            answering=Answering.from_route(post.route),
        )

    async def _edit(self, room_id: str, post: Post) -> str | None:
        """Each message ``post.targets`` names replaced by the post's document: an ``m.replace``
        edit, a notice that mentions nobody (``render_matrix_edit``). A document too long for
        one message replaces it with its first part only (a tagged message is kept short).
        The first target's id, once the homeserver has every edit."""
        client = await self._ready_client()
        contents = pack_matrix(post.document).contents(self.language)
        if len(contents) > 1:
            log.warning(
                "an edit of %s in %s takes %d messages: only the first replaces it",
                post.replaces,
                room_id,
                len(contents),
            )
        queued = [
            Outgoing(room_id, render_matrix_edit(contents[0], target)) for target in post.targets
        ]
        if post.key is not None:
            for number, outgoing in enumerate(queued):
                outgoing.txn_id = f"{post.key}-{number}"
        await self._send_all(client, queued)
        return post.targets[0] if post.targets else None

    async def _ready_client(self) -> AsyncClient:
        """The client, once it knows its rooms (after the first sync); DeliveryFailed (to be
        tried again) when the door does not run in this process."""
        if not self._running:
            raise DeliveryFailed("the Matrix door does not run in this process", permanent=False)
        await self._synced.wait()
        client = self._client
        if client is None:
            raise DeliveryFailed("the Matrix door does not run in this process", permanent=False)
        return client

    async def _send_document(
        self,
        room_id: str,
        document: Document,
        files: Sequence[File] = (),
        *,
        key: str | None = None,
        answering: Answering | None = None,
    ) -> str | None:
        """A long document is several messages (a homeserver refuses events over 64 KiB),
        numbered, sent one after the other, each file after the messages it belongs to."""
        # Not before the first sync: until then the client knows no rooms.
        client = await self._ready_client()
        packed = pack_matrix(document)
        # Only a split document needs its forum's language (for "del 1 av 4"): a read.
        language = (
            await self.hub.language_of(PLATFORM, room_id) if len(packed) > 1 else self.language
        )
        queued = [Outgoing(room_id, content) for content in packed.contents(language)]
        queued.extend(Outgoing(room_id, file_message(f), file=f) for f in files)
        if answering is not None:
            for number, outgoing in enumerate(queued):
                relation = answering.relates_to(first=number == 0)
                if relation is not None:
                    outgoing.content["m.relates_to"] = relation
        if key is not None:
            # The same transaction ids when this is delivered again (by a new leader after
            # the old one died mid-send): the homeserver posts each once.
            for number, outgoing in enumerate(queued):
                outgoing.txn_id = f"{key}-{number}"
        return await self._send_all(client, queued)

    async def _send_all(self, client: AsyncClient, queued: Sequence[Outgoing]) -> str | None:
        """Each in turn, retrying while the homeserver is away; the first one's event id, or
        DeliveryFailed when the homeserver refused one for good."""
        first: str | None = None
        backoff = Backoff()
        for outgoing in queued:
            while not await self._send(client, outgoing):
                wait = backoff.next_wait()
                log.warning(
                    "a message to %s could not be sent (attempt %d); retrying in %.0f s",
                    outgoing.room_id,
                    outgoing.attempts,
                    wait,
                )
                await asyncio.sleep(wait)
            if backoff.reset():
                log.info("sending to Matrix works again")
            if outgoing.refusal:
                raise DeliveryFailed(outgoing.refusal, permanent=True)
            first = first or outgoing.event_id
        return first

    def _say(self, room_id: str, document: Document, answering: Answering | None = None) -> None:
        """The door's own words (a welcome, why a command was not run), sent beside what
        follows."""

        async def say() -> None:
            try:
                await self._send_document(room_id, document, answering=answering)
            except DeliveryFailed as failed:
                log.warning("a notice to %s was not sent: %s", room_id, failed.reason)

        task = asyncio.create_task(say(), name=f"matrix-say-{room_id}")
        self._saying.add(task)
        task.add_done_callback(self._saying.discard)

    @property
    def active(self) -> bool:
        """Posting now: this process runs the door (among several, the leader does), logged
        in and synced (nothing is claimed for it before: a send would wait for the first
        sync and might run out of time, to be tried again only after a pause)."""
        return self._running and self._client is not None and self._synced.is_set()

    def status(self) -> str:
        """For /readyz: ``connected`` once synced and syncing, else ``connecting``;
        ``standby`` while another bot process holds the Matrix sync."""
        if not self._running:
            return "standby"
        return "connected" if self._synced.is_set() and not self._failing else "connecting"

    async def run(self) -> None:
        self._running = True
        self._synced.clear()
        self._failing = False
        try:
            await self._run()
        finally:
            self._running = False
            self._client = None

    async def _run(self) -> None:
        client = self._client = await self._login()
        try:
            await self._sync_loop(client)
        finally:
            for task in list(self._saying):
                task.cancel()
            if self._token_saving is not None:
                # Even when stopped: the last token read is written before the bot exits.
                await asyncio.shield(self._token_saving)
            await client.close()

    # -- logging in --------------------------------------------------------------------------

    def _state_key(self, name: str) -> str:
        return f"{name}:{self.user_id}"

    async def _state(self, name: str) -> str | None:
        return await self.hub.call(self.database.door_state, PLATFORM, self._state_key(name))

    async def _keep(self, name: str, value: str) -> None:
        await self.hub.call(
            self.database.keep_door_state,
            PLATFORM,
            self._state_key(name),
            value,
            self.clock.now(),
        )

    async def _login(self) -> AsyncClient:
        settings = self.settings
        store = private_folder(settings.matrix_store_directory())
        if settings.matrix_store_key is None:
            log.warning(
                "MATRIX_STORE_KEY is not set: the Matrix encryption keys in %s are protected "
                "by file permissions only",
                store,
            )
        device_id = settings.matrix_device_id or await self._state("device_id")
        config = AsyncClientConfig(
            encryption_enabled=True,
            pickle_key=self._store_key() or NIO_DEFAULT_KEY,
            store_sync_tokens=False,  # the database keeps the sync token
            max_timeouts=0,  # connection errors come to us: we back off and log
            max_limit_exceeded=None,  # rate limits: nio waits as the server asks
            request_timeout=SYNC_TIMEOUT_MS / 1000 + 30,
        )
        client = AsyncClient(
            settings.matrix_homeserver or "",
            self.user_id,
            device_id=device_id or "",
            store_path=str(store),
            config=config,
        )
        backoff = Backoff()
        while True:
            try:
                await self._authenticate(client, device_id)
                break
            except UNREACHABLE as error:
                wait = backoff.next_wait()
                log.warning("Matrix homeserver unreachable (%s); retrying in %.0f s", error, wait)
                await asyncio.sleep(wait)
        await self._keep("device_id", client.device_id)
        _private_files(store, self.user_id)
        if client.should_upload_keys:
            await client.keys_upload()
        profile = await client.get_displayname(self.user_id)
        self._display_name = getattr(profile, "displayname", None) or ""
        log.info("logged in to Matrix as %s (device %s)", self.user_id, client.device_id)
        return client

    def _store_key(self) -> str | None:
        key = self.settings.matrix_store_key
        return key.get_secret_value() if key is not None else None

    def _prepare_store(self, device_id: str) -> None:
        """Before nio opens the device's key store: move it to MATRIX_STORE_KEY if need be."""
        try:
            prepare_store(
                self.settings.matrix_store_directory(), self.user_id, device_id, self._store_key()
            )
        except StoreKeyError as error:
            raise MatrixLoginError(str(error)) from None

    async def _authenticate(self, client: AsyncClient, device_id: str | None) -> None:
        settings = self.settings
        if settings.matrix_access_token is not None:
            token = settings.matrix_access_token.get_secret_value()
            if not device_id:
                client.access_token = token
                who = await client.whoami()
                if not isinstance(who, WhoamiResponse) or not who.device_id:
                    raise MatrixLoginError(f"the access token was not accepted: {who}")
                device_id = who.device_id
            self._prepare_store(device_id)
            client.restore_login(self.user_id, device_id, token)
            return
        assert settings.matrix_password is not None
        if device_id:
            self._prepare_store(device_id)  # a new device gets a new store
        response = await client.login(
            settings.matrix_password.get_secret_value(), device_name="samverkan-bot"
        )
        if not isinstance(response, LoginResponse):
            raise MatrixLoginError(f"Matrix login failed: {response}")

    # -- reading -----------------------------------------------------------------------------

    async def _sync_loop(self, client: AsyncClient) -> None:
        token = await self._state("sync_token")
        fresh = token is None  # never synced: what is already in the rooms is history
        first = True
        backoff = Backoff()
        while True:
            try:
                response = await client.sync(
                    timeout=0 if first else SYNC_TIMEOUT_MS,
                    since=token,
                    # After a restart the room state (names, power levels) is needed again.
                    full_state=first or None,
                )
            except UNREACHABLE as error:
                self._failing = True
                wait = backoff.next_wait()
                log.warning("Matrix sync failed (%s); retrying in %.0f s", error, wait)
                await asyncio.sleep(wait)
                continue
            if isinstance(response, SyncError):
                self._failing = True
                wait = backoff.next_wait()
                log.warning("Matrix sync refused (%s); retrying in %.0f s", response, wait)
                await asyncio.sleep(wait)
                continue
            self._failing = False
            if backoff.reset():
                metrics.RECONNECTS.labels(platform=PLATFORM).inc()
                log.info("Matrix sync works again")
            await self._keys(client)
            try:
                await self._handle(client, response, history=fresh and first)
            except UNREACHABLE as error:
                # Not saving the token: the batch comes again; handled events are skipped.
                wait = backoff.next_wait()
                log.warning("Matrix went away mid-batch (%s); retrying in %.0f s", error, wait)
                await asyncio.sleep(wait)
                continue
            token = response.next_batch
            await self._keep_token_soon(token)
            first = False
            self._synced.set()

    async def _keep_token_soon(self, token: str) -> None:
        """Save the sync token without holding up the next sync (a write costs milliseconds).

        Saves stay in order; one lost in a crash only means a batch comes again, and the
        core skips the events it has already handled.
        """
        if self._token_saving is not None:
            await self._token_saving
        self._token_saving = asyncio.create_task(self._keep("sync_token", token))

    async def _keys(self, client: AsyncClient) -> None:
        """What nio's own sync loop does between syncs for end-to-end encryption."""
        try:
            if client.outgoing_to_device_messages:
                await client.send_to_device_messages()
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
        except (*UNREACHABLE, LocalProtocolError) as error:
            log.warning("Matrix key exchange failed (%s); will try again", error)

    async def _handle(self, client: AsyncClient, response: SyncResponse, *, history: bool) -> None:
        # Whose devices or cross-signing keys changed: asked again when next needed.
        self._cross_signed.forget([*response.device_list.changed, *response.device_list.left])
        for room_id, info in response.rooms.invite.items():
            await self._invited(client, room_id, info.invite_state)
        for room_id, info in response.rooms.join.items():
            room = client.rooms.get(room_id)
            if room is None:
                continue
            for event in [*info.state, *info.timeline.events]:
                if isinstance(event, RoomCreateEvent):
                    extra = event.source.get("content", {}).get("additional_creators", [])
                    self._creators[room_id] = {event.sender, *extra}
            if room_id in self._welcome_pending:
                self._welcome_pending.discard(room_id)
                await self._welcome(room_id)
            for event in info.timeline.events:
                if isinstance(event, MegolmEvent):
                    log.warning("could not decrypt %s in %s; asking for the key", event, room_id)
                    with contextlib.suppress(LocalProtocolError, *UNREACHABLE):
                        await client.request_room_key(event)
                    continue
                # A reaction, whichever class nio made of it (not a malformed event).
                annotation = reaction_of(event.source) if isinstance(event, Event) else None
                if annotation is None and not isinstance(event, RoomMessageText):
                    continue  # anything but text and reactions
                if history or event.sender == self.user_id:
                    continue  # what was said before the bot came, and our own messages
                try:
                    if annotation is not None:
                        await self._reaction(client, room, event, annotation)
                    else:
                        await self._message(client, room, event)
                except UNREACHABLE:
                    raise
                except Exception:
                    # A bug of ours with one event must not stop the bot for everyone.
                    log.exception("handling %s in %s failed", event.event_id, room_id)
        for room_id in response.rooms.leave:
            log.info("no longer in Matrix room %s", room_id)

    async def _invited(self, client: AsyncClient, room_id: str, state: list[Any]) -> None:
        invitation = next(
            (
                event
                for event in state
                if isinstance(event, InviteMemberEvent)
                and event.state_key == self.user_id
                and event.membership == "invite"
            ),
            None,
        )
        inviter = invitation.sender if invitation is not None else None
        allowed = self.settings.matrix_invite_servers
        if inviter is None or server_of(inviter) not in allowed:
            log.warning(
                "declining the invitation to %s from %s: not on an allowed server (%s)",
                room_id,
                inviter,
                ", ".join(sorted(allowed)),
            )
            with contextlib.suppress(*UNREACHABLE):
                await client.room_leave(room_id)
            return
        joined = await client.join(room_id)
        if isinstance(joined, JoinError):
            log.warning("could not join %s: %s", room_id, joined)
            return
        log.info("joined Matrix room %s, invited by %s", room_id, inviter)
        if invitation is not None and invitation.content.get("is_direct") is True:
            # How clients make a direct chat; the invitation is seen once, so it is kept, and
            # it is where the bot writes to the person who made it (direct posts).
            await self._keep(f"direct:{room_id}", "1")
            await self._keep(f"dm:{inviter}", room_id)
            self._direct[room_id] = True
        self._welcome_pending.add(room_id)

    async def _welcome(self, room_id: str) -> None:
        direct = self._direct.get(room_id, False)
        core = self.hub.dispatcher
        said = await self.hub.call(
            welcome, core.database, core.clock, core.config, PLATFORM, room_id, direct
        )
        if said is not None:
            self._say(room_id, said.document)

    def _is_moderator(self, room: MatrixRoom, user_id: str) -> bool:
        """Power level 50 or more; from room version 12 on, the creators always are."""
        if user_id in self._creators.get(room.room_id, ()) and _creators_privileged(room):
            return True
        return bool(room.power_levels.get_user_level(user_id) >= MODERATOR_LEVEL)

    async def _message(self, client: AsyncClient, room: MatrixRoom, event: RoomMessageText) -> None:
        content: Mapping[str, Any] = event.source.get("content", {})
        names = [self._display_name] if self._display_name else []
        edit = is_edit(content)
        answering = Answering.of(event.event_id, content)
        found = addressed(
            # An edit is not a new command: the original ran (or did not) when it was sent.
            edited_content(content) if edit else content,
            bot_user_id=self.user_id,
            bot_names=names,
            prefix=self.prefix,
            help_command=t(self.language, "door.help_command"),
        )
        if (
            self.settings.matrix_require_cross_signed_devices
            and not await self._cross_signed_device(client, room, event)
        ):
            log.info(
                "not acting on %s in %s: %s did not send it encrypted from a device they "
                "cross-signed",
                event.event_id,
                room.room_id,
                event.sender,
            )
            if found is not None:  # talk not meant for the bot gets no answer, as always
                refusal = Document().paragraph(t(self.language, "door.unverified_device"))
                self._say(room.room_id, refusal, answering)
            return
        if edit:
            if found is not None:
                notice = Document().paragraph(
                    t(self.language, "door.edit_not_run", command=found.text)
                )
                self._say(room.room_id, notice, answering)
            return
        if found is None:
            # Not a command, but maybe the answer to a question of a form the sender is
            # filling in here; the core says (and otherwise ignores it).
            found = unaddressed(content)
            if found is None:
                return
        incoming = Incoming(
            platform=PLATFORM,
            channel_id=room.room_id,
            speaker=self._speaker(room, event.sender),
            text=found.text,
            event_id=event.event_id,
            channel_name=room.display_name,
            mentions={
                token: MentionRef(ref.user_id, await self._name_of(client, room, ref.user_id))
                for token, ref in found.mentions.items()
            },
            permalink=permalink(room.room_id, event.event_id),
            direct=await self._is_direct(room.room_id),
            route=answering.route(),
        )
        # The answer waits in the outbox with the command's changes; the hub sends it.
        await self.hub.handle(incoming)

    def _speaker(self, room: MatrixRoom, sender: str) -> Speaker:
        return Speaker(
            platform=PLATFORM,
            user_id=sender,
            display_name=room.user_name(sender) or sender,
            platform_moderator=self._is_moderator(room, sender),
            home=server_of(sender),
        )

    async def _reaction(
        self, client: AsyncClient, room: MatrixRoom, event: Event, annotation: Annotation
    ) -> None:
        """A reaction, to the core: it runs what the reacted message's tag declares (👍 on a
        call-out acknowledges it), or nothing. Its answer replies to the message reacted to,
        saying who reacted (reactions notify nobody: the bot confirms in text). A reaction
        from a device its owner did not cross-sign, where that is required, is ignored
        without a word."""
        if (
            self.settings.matrix_require_cross_signed_devices
            and not await self._cross_signed_device(client, room, event)
        ):
            log.info("not acting on the reaction %s in %s: no cross-signed device", event, room)
            return
        speaker = self._speaker(room, event.sender)
        route = Answering(annotation.reacts_to).route()
        route["reacted"] = {"who": speaker.display_name, "key": annotation.key}
        incoming = Incoming(
            platform=PLATFORM,
            channel_id=room.room_id,
            speaker=speaker,
            text="",
            event_id=event.event_id,
            channel_name=room.display_name,
            permalink=permalink(room.room_id, annotation.reacts_to),
            direct=await self._is_direct(room.room_id),
            route=route,
            reaction=Reaction(annotation.reacts_to, annotation.key),
        )
        await self.hub.handle(incoming)

    async def _name_of(self, client: AsyncClient, room: MatrixRoom, user_id: str) -> str:
        """Someone's name as the homeserver has it, never as a message put it: their display
        name in the room when they have joined it (an invitation's name is the inviter's
        doing), else their profile's, else their user id."""
        if user_id in room.users and user_id not in room.invited_users:
            return room.user_name(user_id) or user_id
        with contextlib.suppress(*UNREACHABLE):
            profile = await asyncio.wait_for(client.get_displayname(user_id), PROFILE_TIMEOUT_S)
            name = getattr(profile, "displayname", None)
            if isinstance(name, str) and name.strip():
                return name
        return user_id

    async def _is_direct(self, room_id: str) -> bool:
        known = self._direct.get(room_id)
        if known is None:
            known = self._direct[room_id] = await self._state(f"direct:{room_id}") == "1"
        return known

    # -- direct rooms --------------------------------------------------------------------------

    async def direct_room(self, user_id: str) -> str:
        """The room where the bot writes to ``user_id`` alone: the one it remembers (made by
        it, or by the person when they invited it as a direct chat) while both are still in
        it, else a new one — a direct chat as clients make it (``is_direct``, the person
        invited, marked in the bot's ``m.direct``; encrypted where the deployment acts only
        on encrypted messages), remembered."""
        async with self._direct_lock:
            client = await self._ready_client()
            known = await self._state(f"dm:{user_id}")
            room = client.rooms.get(known) if known else None
            if known and room is not None and user_id in room.users:
                return known
            room_id = await self._new_direct_room(client, user_id)
            await self._keep(f"dm:{user_id}", room_id)
            await self._keep(f"direct:{room_id}", "1")
            self._direct[room_id] = True
            await self._mark_direct(client, user_id, room_id)
        # nio sends only to rooms its sync has seen: the next one brings it.
        try:
            async with asyncio.timeout(NEW_ROOM_TIMEOUT_S):
                while room_id not in client.rooms:
                    await asyncio.sleep(0.05)
        except TimeoutError:
            reason = f"the new room {room_id} is not synced yet"
            raise DeliveryFailed(reason, permanent=False) from None
        return room_id

    async def _new_direct_room(self, client: AsyncClient, user_id: str) -> str:
        encrypted = self.settings.matrix_require_cross_signed_devices
        state = (
            [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
            if encrypted
            else []
        )
        response = await client.room_create(
            is_direct=True,
            invite=[user_id],
            preset=RoomPreset.trusted_private_chat,
            initial_state=state,
        )
        if isinstance(response, RoomCreateError):
            log.warning("could not make a direct room with %s: %s", user_id, response)
            raise DeliveryFailed(
                f"no direct room with {user_id}: {response.status_code} {response.message}",
                permanent=_refused_for_good(response),
            )
        log.info("made a direct room %s with %s", response.room_id, user_id)
        return str(response.room_id)

    async def _mark_direct(self, client: AsyncClient, user_id: str, room_id: str) -> None:
        """``room_id`` added to the bot's ``m.direct`` account data, as clients do: the bot's
        own clients list it under the person. Not marked is no failure (logged)."""
        try:
            await self._add_direct(client, user_id, room_id)
        except UNREACHABLE as error:
            log.warning("could not mark %s as direct with %s: %s", room_id, user_id, error)

    async def _add_direct(self, client: AsyncClient, user_id: str, room_id: str) -> None:
        listed = await client.list_direct_rooms()
        rooms: dict[str, list[str]] = {}
        if isinstance(listed, DirectRoomsResponse):
            rooms = {user: list(ids) for user, ids in listed.rooms.items()}
        rooms[user_id] = [*rooms.get(user_id, []), room_id]
        path = DIRECT_ACCOUNT_DATA_PATH.format(user=quote(self.user_id, safe=""))
        response = await client.send(
            "PUT",
            path,
            json.dumps(rooms),
            headers={
                "Authorization": f"Bearer {client.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            if response.status != 200:
                log.warning("could not mark %s as direct with %s: %s", room_id, user_id, response)
        finally:
            response.release()

    # -- end-to-end trust ----------------------------------------------------------------------

    async def _cross_signed_device(
        self, client: AsyncClient, room: MatrixRoom, event: Event
    ) -> bool:
        """Whether ``event`` was sent, encrypted, from a device its sender cross-signed.

        The room key that decrypted it came over an Olm channel from one device (its
        curve25519 key) and names that device's signing key: the pair must be one of the
        sender's own devices, signed by their self-signing key."""
        if not event.decrypted or client.olm is None or not event.sender_key:
            return False
        session = client.olm.inbound_group_store.get(
            room.room_id, event.sender_key, event.session_id or ""
        )
        if session is None or session.forwarding_chain:
            return False  # a forwarded key says nothing of the device that wrote it
        device = await self._cross_signed.vouch(event.sender, session.sender_key, session.ed25519)
        return device is not None

    async def _query_keys(self, user_id: str) -> Mapping[str, Any] | None:
        """The homeserver's /keys/query answer for ``user_id``: devices and cross-signing
        keys with their signatures (nio keeps neither the signatures nor those keys)."""
        client = self._client
        if client is None or not client.access_token:
            return None
        response = await client.send(
            "POST",
            KEYS_QUERY_PATH,
            json.dumps({"device_keys": {user_id: []}}),
            headers={
                "Authorization": f"Bearer {client.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            if response.status != 200:
                log.warning("the homeserver would not give %s's keys: %s", user_id, response.status)
                return None
            answer = await response.json()
        finally:
            response.release()
        return answer if isinstance(answer, Mapping) else None

    # -- writing -----------------------------------------------------------------------------

    async def _send(self, client: AsyncClient, outgoing: Outgoing) -> bool:
        """True when done (sent, or refused for good); False to try again later."""
        outgoing.attempts += 1
        room = client.rooms.get(outgoing.room_id)
        if room is None:
            log.warning("not sending to %s: the bot is not in that room", outgoing.room_id)
            outgoing.refusal = "not in the room"
            return True
        try:
            if outgoing.file is not None and not await self._upload(client, room, outgoing):
                return False
            if room.encrypted and client.should_query_keys:
                await client.keys_query()
            response = await client.room_send(
                outgoing.room_id,
                "m.room.message",
                outgoing.content,
                tx_id=outgoing.txn_id,  # the same id on a retry: the server sends it once
                ignore_unverified_devices=True,
            )
        except UNREACHABLE as error:
            log.debug("sending to %s failed: %s", outgoing.room_id, error)
            return False
        except LocalProtocolError as error:
            log.warning("not sending to %s: %s", outgoing.room_id, error)
            outgoing.refusal = str(error)
            return True
        except _GivenUp as given_up:
            outgoing.refusal = str(given_up) or "the homeserver refused the file"
            return True
        if isinstance(response, RoomSendResponse):
            outgoing.event_id = response.event_id
            return True
        if isinstance(response, RoomSendError) and _refused_for_good(response):
            log.warning("Matrix refused a message to %s: %s", outgoing.room_id, response)
            outgoing.refusal = f"{response.status_code} {response.message}"
            return True
        log.debug("sending to %s failed: %s", outgoing.room_id, response)
        return False

    async def _upload(self, client: AsyncClient, room: MatrixRoom, outgoing: Outgoing) -> bool:
        """Upload the outgoing's file and put where it is into its message; True when done.

        False when it may work later (the homeserver away or busy); raises :class:`_GivenUp`
        when the homeserver refused it for good (a 4xx: too large, forbidden)."""
        attached = outgoing.file
        assert attached is not None
        if "url" in outgoing.content or "file" in outgoing.content:
            return True  # uploaded on an earlier attempt; only the send failed
        encrypted = bool(room.encrypted)
        data = attached.content
        response, keys = await client.upload(
            lambda *_: data,
            content_type=attached.mimetype,
            filename=attached.filename,
            encrypt=encrypted,
            filesize=len(data),
        )
        if isinstance(response, UploadResponse):
            if encrypted and keys is not None:
                outgoing.content["file"] = {**keys, "url": response.content_uri}
            else:
                outgoing.content["url"] = response.content_uri
            return True
        if isinstance(response, ErrorResponse) and _refused_for_good(response):
            log.warning(
                "Matrix refused the file %s for %s: %s",
                attached.filename,
                outgoing.room_id,
                response,
            )
            raise _GivenUp
        log.debug("uploading %s for %s failed: %s", attached.filename, outgoing.room_id, response)
        return False


class _GivenUp(Exception):
    """An outgoing the homeserver refused for good: logged, not tried again."""


def file_message(attached: File) -> dict[str, Any]:
    """An ``m.file`` message for ``attached`` (``m.image`` for a chart, shown in the room,
    its description as the body a client reads out), without where it is (added on
    upload)."""
    info: dict[str, Any] = {"mimetype": attached.mimetype, "size": len(attached.content)}
    if attached.image and attached.size is not None:
        info["w"], info["h"] = attached.size
    return {
        "msgtype": "m.image" if attached.image else "m.file",
        "body": (attached.description or attached.filename)
        if attached.image
        else attached.filename,
        "filename": attached.filename,
        "info": info,
    }


def _refused_for_good(error: ErrorResponse) -> bool:
    """A 4xx answer (forbidden, unknown room, too large) will not change by trying again."""
    transport = getattr(error, "transport_response", None)
    status = getattr(transport, "status", None)
    if isinstance(status, int):
        return 400 <= status < 500 and status != 429
    return error.status_code in {"M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_BAD_JSON"}


def _private_files(folder: Path, user_id: str) -> None:
    """nio's files for ``user_id`` in the key store (``<user id>_<device id>.db`` and its
    trust lists) for the bot's user only, whatever an older version or the umask left them
    as: nio and SQLite create them with the umask's mode."""
    try:
        for path in folder.glob(f"{user_id}_*"):
            if path.is_file():
                os.chmod(path, PRIVATE_FILE)
    except OSError as error:
        log.warning("could not make the Matrix key store %s private: %s", folder, error)


def _creators_privileged(room: MatrixRoom) -> bool:
    """Room version 12 made the creators outrank everyone, outside the power levels."""
    try:
        return int(room.room_version) >= 12
    except (TypeError, ValueError):
        return False


def permalink(room_id: str, event_id: str) -> str:
    """A matrix.to link to an event: opens in any Matrix client, from any platform."""
    return f"https://matrix.to/#/{quote(room_id, safe='!:')}/{quote(event_id, safe='$:')}"

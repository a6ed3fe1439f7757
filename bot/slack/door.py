"""The Slack door: the bot in Slack channels, with slack-bolt.

- Two ways in, one bolt app: the HTTP Events API (``SLACK_SIGNING_SECRET``; ``/slack/events``
  on the bot's HTTP server (bot/web.py, ``HTTP_PORT``), where bolt checks every request's
  signature and timestamp and answers 401 to anything else), or Socket Mode
  (``SLACK_APP_TOKEN``). What a request does is decided in the shared database (its event,
  command or click id is acted on once), so several bot processes behind one load balancer
  can each take any request; only the refusal of a replayed signature is per process.
- A request's signature is checked before anything else is done with it: only a request
  Slack signed is remembered (its signature, while its timestamp is inside Slack's five
  minutes, in a bounded table) to refuse a replay. Refusals are logged a line a minute at
  most, with a count: a flood of forgeries costs an HMAC each, and neither memory nor log.
- ``/samverkan <kommando>`` is acknowledged at once and answered in the channel; ``!``
  commands in channel messages and messages that start with a mention of the bot run too.
  The answer to a channel message goes in that message's thread, so it is tied to the
  command it answers (one that mentions people, a call-out, is sent to the channel as
  well); a slash command is seen by nobody else, so its answer says who asked
  what ("Anna Andersson skrev /samverkan aktör Polisen", under the title if it has one). A
  document too long for one message is several, numbered in the forum's language.
  ``app_home_opened`` shows the help in the app's Home tab.
- A button runs its command as the person who clicked, and the answer is added to the
  original message (``chat.update``) instead of posted anew. Refusals of slash commands and
  clicks go only to the person (``chat.postEphemeral``).
- Event ids (Slack's ``event_id``, a command's or click's ``trigger_id``) go to the core,
  which acts on each once: Slack's retries (``X-Slack-Retry-Num``) are not run twice.
- Who speaks: names and workspaces come from ``users.info``, cached. Each speaker's ``home``
  is their workspace's team id; ``platform_moderator`` says they are an admin or owner of the
  bot's own workspace (``auth.test``), never of another one (Slack Connect). Whether this is
  a direct conversation (a DM or group DM) goes to the core as ``Incoming.direct``.
- A listener that fails (a bug of ours) is logged with an 8-character id, and the person gets
  the dispatcher's apology quoting it.
- Files attached to an answer or a post (the full minutes) are uploaded to its channel after
  its messages (``files_upload_v2``); an upload Slack refuses is logged, never raised.
- An edit (a call-out kept current) is a ``chat.update`` of the messages it replaces; a
  direct post goes to the app's DM with the person (``conversations.open``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import inspect
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.backoff import Backoff
from bot.config import Settings
from bot.files import File, files_written
from bot.hub import DeliveryFailed, Hub
from bot.render.slack import (
    ACTION_PREFIX,
    BLOCKS_MAX,
    SlackMessage,
    cut,
    pack_slack,
    render_blocks,
)
from bot.render.text import render_text
from bot.slack.events import (
    command_line,
    is_direct,
    is_from_a_bot,
    plain,
    retry_number,
    strip_mention,
)
from bot.slack.modal import CALLBACK_ID, first_field_block, form_view, submitted
from bot.slack.users import SlackUsers, speaker_of
from bot.web import LOG_EVERY_S, ThrottledLog, WebServer
from commands.core.document import (
    BulletList,
    Document,
    Emphasis,
    Fields,
    Heading,
    Inline,
    Mention,
    Paragraph,
    inlines,
)
from commands.core.exercise_marking import closing, opening
from commands.core.forms import FormSubmission, FormSupport
from commands.core.i18n import t
from commands.core.messages import Attachment, Incoming, MentionRef, Post, Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
COMMAND = "/samverkan"
EVENTS_PATH = "/slack/events"
HOME_BLOCKS_MAX = 100
SIGNATURE_WINDOW_S = 5 * 60  # Slack's signatures are good this long either side of now
REPLAYS_MAX = 100_000  # signatures remembered at most (each ~200 bytes)
ERROR_MAX = 150  # an error shown under a modal's field
ASKED_MAX = 80  # the command a slash command's answer quotes
# Each message the bot posts carries its outbox key in Slack's message metadata under this
# event type, so that a post sent again after a crash is found instead of posted twice.
METADATA_EVENT = "samverkan_outbox"
LOOKUP_LIMIT = 200  # recent messages looked through for an earlier send
# Slack takes about one message a second per channel (short bursts pass).
CHANNEL_MESSAGES_PER_S = 1.0
CHANNEL_BURST = 3
# Slack's 429s: waited out (its Retry-After) and tried again, this many times a call.
RATE_LIMIT_RETRIES = 5
Listener = Callable[..., Awaitable[None]]
# Web API calls that fail for reasons outside the bot.
FAILURES = (SlackApiError, ClientError, OSError, TimeoutError)


class SlackLoginError(RuntimeError):
    """Slack would not let the bot in (a wrong or revoked token); the message says why."""


class SlackDoor:
    platform = PLATFORM

    def __init__(self, hub: Hub, settings: Settings, web: WebServer | None = None) -> None:
        if not settings.slack_configured or settings.slack_bot_token is None:
            raise ValueError("the Slack door needs SLACK_BOT_TOKEN and an app token or secret")
        self.hub = hub
        self.settings = settings
        self.prefix = settings.command_prefix
        self.language = settings.default_language
        secret = settings.slack_signing_secret
        self.app = AsyncApp(
            token=settings.slack_bot_token.get_secret_value(),
            signing_secret=secret.get_secret_value() if secret is not None else "",
            # Acknowledge first, then work: Slack waits 3 seconds at most.
            process_before_response=False,
            logger=_bolt_logger(),
        )
        if settings.slack_api_url:
            # Bolt copies the base URL into every listener's client.
            self.app.client.base_url = settings.slack_api_url
        self.client: AsyncWebClient = self.app.client
        # A 429 means the call was not taken: waited out as Slack says and made again.
        self.client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
        )
        self.pace = ChannelPace(CHANNEL_MESSAGES_PER_S, CHANNEL_BURST)
        self.users = SlackUsers(self.client)
        self._dms: dict[str, str] = {}  # user id → the app's DM channel with them
        # Socket Mode has no signing secret, and no HTTP requests to check.
        self._verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
        self._replays = ReplayGuard()
        self._forged = ThrottledLog(log)
        self._replayed = ThrottledLog(log)
        self._connected = False
        self._socket_mode = settings.slack_app_token is not None
        self.web = web
        if web is not None and not self._socket_mode:
            web.add_post(EVENTS_PATH, self.http_request)
        self.bot_user_id: str | None = None
        self.team_id: str | None = None  # the bot's own workspace, from auth.test
        self.workspace_url: str | None = None  # https://<team>.slack.com/, from auth.test
        self.app.command(COMMAND)(self._guarded(self._on_command))
        self.app.event("message")(self._guarded(self._on_message))
        self.app.event("app_mention")(self._guarded(self._on_mention))
        self.app.event("app_home_opened")(self._guarded(self._on_home))
        self.app.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))(self._guarded(self._on_button))
        self.app.view(CALLBACK_ID)(self._guarded(self._on_form_submit))

    # -- the door protocol -------------------------------------------------------------------

    async def deliver(self, post: Post) -> str | None:
        """Send ``post`` (an answer as its route says, or a post to its channel), then its
        files; the first message's ``ts``, or :class:`DeliveryFailed`.

        Each message carries the post's key in its metadata (``METADATA_EVENT``, numbered by
        part). A post claimed before (``post.attempts > 1``: its sender may have died after
        Slack took it) is first looked for in the channel's recent messages, or its thread's,
        and only the parts not found are sent."""
        route = dict(post.route) if post.route is not None else None
        try:
            if post.direct:
                # The app's DM with the person (the same conversation every time).
                post = replace(post, channel_id=await self._direct_channel(post.channel_id))
            if post.replaces is not None:
                return await self._edit(post)
            if route is None or not route:
                return await self._post_parts(post.channel_id, post.document, post)
            if route.get("private"):
                return await self._answer_privately(post, route)
            if "slash" in route:
                return await self._answer_slash(post, route["slash"])
            if "click" in route:
                return await self._answer_click(post, route["click"])
            if "modal" in route:
                return await self._answer_modal(post, route["modal"])
            thread_ts = route.get("thread_ts")
            # An answer that calls on people (a call-out) is for the whole channel as well:
            # in the thread and, "also sent to the channel", where everyone sees it.
            broadcast = bool(thread_ts) and mentions_someone(post.document)
            return await self._post_parts(
                post.channel_id, post.document, post, thread_ts=thread_ts, broadcast=broadcast
            )
        except FAILURES as error:
            reason = _reason(error)
            log.warning("posting to Slack channel %s failed: %s", post.channel_id, reason)
            raise DeliveryFailed(reason, permanent=_permanent(error)) from None

    async def _post_parts(
        self,
        channel_id: str,
        document: Document,
        post: Post,
        thread_ts: Any = None,
        broadcast: bool = False,
    ) -> str | None:
        """``document``'s messages and then ``post``'s files in ``channel_id`` (in the thread
        ``thread_ts``), the parts Slack has already skipped."""
        found = await self._already_sent(channel_id, post, document, thread_ts)
        ts = await self._send_messages(
            channel_id, document, thread_ts, broadcast, key=post.key, found=found
        )
        written = await files_written(post.attachments)
        files = [f for f in written if f"file:{f.filename}" not in found]
        if files:
            await self._upload(channel_id, files, thread_ts=thread_ts)
        return ts

    async def _already_sent(
        self, channel_id: str, post: Post, document: Document, thread_ts: Any
    ) -> dict[str, str]:
        """The parts of ``post`` already in the channel (or thread): their keys and ``ts``,
        and ``file:<name>`` for the files shared there since it was written. Looked for only
        when it was claimed before; a look that fails is a failure to send (tried again), but
        one the bot may not make (``missing_scope``: a DM or group DM without ``im:history``
        or ``mpim:history``) sends it all, as before the outbox: a message twice rather than
        none (a permanent failure would drop it)."""
        if post.key is None or post.attempts <= 1:
            return {}
        try:
            if thread_ts:
                response = await self.client.conversations_replies(
                    channel=channel_id,
                    ts=str(thread_ts),
                    include_all_metadata=True,
                    limit=LOOKUP_LIMIT,
                )
            else:
                response = await self.client.conversations_history(
                    channel=channel_id, include_all_metadata=True, limit=LOOKUP_LIMIT
                )
        except FAILURES as error:
            log.warning("looking for an earlier send in %s failed: %s", channel_id, _reason(error))
            if isinstance(error, SlackApiError) and _reason(error) == "missing_scope":
                return {}
            raise
        found: dict[str, str] = {}
        shared: dict[str, str] = {}
        for message in response.get("messages") or []:
            for file in message.get("files") or []:
                shared[f"file:{file.get('name')}"] = str(message.get("ts", ""))
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != METADATA_EVENT:
                continue
            part = str((metadata.get("event_payload") or {}).get("key", ""))
            if part.startswith(f"{post.key}-"):
                found[part] = str(message.get("ts", ""))
        if found:
            log.info("%d parts of message %s were sent before: not again", len(found), post.key)
        # Files go up after every message: shared files of the same name count only then
        # (a file carries no metadata; the minutes' names say forum and meeting).
        if len(found) == len(await self._messages(channel_id, document)):
            found.update(shared)
        return found

    async def _direct_channel(self, user_id: str) -> str:
        """The app's direct conversation with ``user_id`` (``conversations.open``; asked once a
        person, then remembered: Slack gives the same one)."""
        known = self._dms.get(user_id)
        if known is None:
            response = await self.client.conversations_open(users=user_id)
            known = str((response.get("channel") or {}).get("id") or "")
            if not known:
                raise DeliveryFailed(f"Slack opened no DM with {user_id}", permanent=False)
            self._dms[user_id] = known
        return known

    async def _edit(self, post: Post) -> str | None:
        """Each message ``post.targets`` names (a ``ts``) replaced by the post's document
        (``chat.update``: blocks and text; an edit notifies nobody). A document too long for
        one message replaces it with its first part only. The first one's ``ts``."""
        messages = await self._messages(post.channel_id, post.document)
        if len(messages) > 1:
            log.warning(
                "an edit of %s in %s takes %d messages: only the first replaces it",
                post.replaces,
                post.channel_id,
                len(messages),
            )
        for ts in post.targets:
            await self.pace.wait(post.channel_id)
            await self.client.chat_update(channel=post.channel_id, ts=ts, **messages[0].arguments())
        return post.targets[0] if post.targets else None

    async def _answer_slash(self, post: Post, route: Mapping[str, Any]) -> str | None:
        """A slash command's answer: in the channel, with a line saying who asked (only the
        person sees a refusal); through the command's ``response_url`` when the bot may not
        post there."""
        channel_id, user_id = post.channel_id, str(route.get("user", ""))
        document = post.document
        if not post.ok:
            if await self._ephemeral(channel_id, user_id, document):
                return None
            await self._respond_to(route, channel_id, document, "ephemeral")
            return None
        if not route.get("direct"):  # in a DM "du" can only be the one person
            document = await self._named(route, channel_id, document)
        try:
            return await self._post_parts(channel_id, document, post)
        except FAILURES as error:
            if not route.get("response_url") or _permanent(error) is False:
                raise
            log.info("answering through the response URL: %s", _reason(error))
        await self._respond_to(route, channel_id, document, "in_channel")
        await self._attach(channel_id, post.attachments)
        return None

    async def _answer_privately(self, post: Post, route: Mapping[str, Any]) -> str | None:
        """An answer for the asker's eyes only (``Reply.private``: a sign-in link): ephemeral
        in the channel; where the bot may not post, through a slash command's response URL;
        else in the app's DM with them. Never in the channel for all."""
        user_id = str(route["private"])
        if await self._ephemeral(post.channel_id, user_id, post.document):
            return None
        slash = route.get("slash")
        if isinstance(slash, Mapping) and slash.get("response_url"):
            await self._respond_to(slash, post.channel_id, post.document, "ephemeral")
            return None
        channel = await self._direct_channel(user_id)
        return await self._post_parts(channel, post.document, post)

    async def _respond_to(
        self, route: Mapping[str, Any], channel_id: str, document: Document, kind: str
    ) -> None:
        url = route.get("response_url")
        if url:
            await self._respond(channel_id, str(url), document, kind)

    async def _answer_click(self, post: Post, route: Mapping[str, Any]) -> str | None:
        """A button's answer, added to the clicked message (the same update, however often
        it is made); a refusal only to the person who clicked."""
        channel_id = post.channel_id
        if not post.ok:
            await self._ephemeral(channel_id, str(route.get("user", "")), post.document)
            return None
        ts = route.get("ts")
        message = route.get("message") or {}
        if ts and await self._append(channel_id, str(ts), message, post.document):
            await self._attach(channel_id, post.attachments)
            return str(ts)
        return await self._post_parts(channel_id, post.document, post)

    async def _answer_modal(self, post: Post, route: Mapping[str, Any]) -> str | None:
        """A submitted form's answer: in the channel the form was opened from; a refusal was
        shown in the form itself (else only to the person)."""
        if post.ok:
            return await self._post_parts(post.channel_id, post.document, post)
        if not route.get("shown_in_modal"):
            await self._ephemeral(post.channel_id, str(route.get("user", "")), post.document)
        return None

    async def run(self) -> None:
        # One HTTP session for every Web API call: without it slack_sdk opens a new connection
        # (and, against Slack, a new TLS handshake) for each message it posts.
        session = ClientSession()
        self.client.session = session
        try:
            await self.connect()
            if self.settings.slack_app_token is not None:
                await self._run_socket_mode(self.settings.slack_app_token.get_secret_value())
            else:
                await self._run_http()
        finally:
            self._connected = False
            self.client.session = None
            await session.close()

    @property
    def active(self) -> bool:
        """Every process serves Slack (what a request does is decided in the database)."""
        return True

    def status(self) -> str:
        """For /readyz: ``connected`` once Slack knows the bot (and Socket Mode is up)."""
        return "connected" if self._connected else "connecting"

    async def connect(self) -> None:
        """Who the bot is (``auth.test``): its own messages are not commands."""
        backoff = Backoff()
        while True:
            try:
                response = await self.client.auth_test()
                break
            except SlackApiError as error:
                raise SlackLoginError(
                    f"Slack refused the bot token: {error.response.get('error')}"
                ) from None
            except (ClientError, OSError, TimeoutError) as error:
                wait = backoff.next_wait()
                log.warning("Slack unreachable (%s); retrying in %.0f s", error, wait)
                await asyncio.sleep(wait)
        self.bot_user_id = response.get("user_id")
        self.team_id = response.get("team_id")
        self.workspace_url = response.get("url")
        self._connected = not self._socket_mode
        log.info(
            "connected to Slack workspace %s as %s (%s)",
            response.get("team"),
            response.get("user"),
            self.bot_user_id,
        )

    async def _run_http(self) -> None:
        """Slack's requests come through the bot's HTTP server (bot/web.py), which routes
        them to :meth:`http_request`; the door has nothing else to do meanwhile."""
        if self.web is None:
            raise ValueError("the HTTP Events API needs the bot's HTTP server (web=...)")
        log.info("Slack door listening on port %d at %s", self.settings.http_port, EVENTS_PATH)
        while True:
            await asyncio.sleep(LOG_EVERY_S)
            self._forged.flush()
            self._replayed.flush()

    async def http_request(self, request: web.Request) -> web.Response:
        body = await request.read()
        signature = request.headers.get("X-Slack-Signature", "")
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        # The signature first: nothing of an unsigned request is kept, parsed or logged each.
        if not self._signed(body, stamp, signature):
            self._forged.warning("refused requests to %s: no valid Slack signature", EVENTS_PATH)
            return web.Response(status=HTTPStatus.UNAUTHORIZED, text="")
        if self._replays.seen(signature, int(stamp)):
            # The very same signed request again: a replay, not Slack (its retries are new
            # requests, signed anew). Refused like a forgery; nothing is run. A replay sent
            # to another bot process gets past this, but not past the core: the event,
            # command or click id in it was handled already, in the shared database.
            self._replayed.warning("refused a replayed request to %s", EVENTS_PATH)
            return web.Response(status=HTTPStatus.UNAUTHORIZED, text="")
        bolt_request = await to_bolt_request(request)
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, stamp: str, signature: str) -> bool:
        """Slack's signature over ``body`` and a timestamp inside its five minutes."""
        if self._verifier is None or not signature or not stamp.isdecimal():
            return False
        try:
            return self._verifier.is_valid(body, stamp, signature)
        except (ValueError, TypeError):  # a body not UTF-8, a signature not ASCII
            return False

    def socket_mode_handler(self, app_token: str) -> AsyncSocketModeHandler:
        """Socket Mode's envelopes go through the same bolt app as HTTP requests."""
        return AsyncSocketModeHandler(self.app, app_token)

    async def _run_socket_mode(self, app_token: str) -> None:
        handler = self.socket_mode_handler(app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        self._connected = True
        log.info("Slack door connected in Socket Mode")
        try:
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(*FAILURES):
                await handler.close_async()  # type: ignore[no-untyped-call]

    # -- from Slack to the core --------------------------------------------------------------

    async def _incoming(
        self,
        channel_id: str,
        user_id: str,
        line: str,
        event_id: str | None,
        channel_name: str | None = None,
        forms: FormSupport = FormSupport.BUTTON,
        submission: FormSubmission | None = None,
        message_ts: str | None = None,
        *,
        direct: bool,
        team_hint: Any = None,
        route: Mapping[str, Any] | None = None,
    ) -> Incoming:
        """What the core gets. ``direct``: a DM or group DM; ``team_hint``: the request's word
        on the user's own workspace (never the workspace it was sent from: in a Slack Connect
        channel those differ), for when ``users.info`` does not say."""
        found = plain(line)
        user = await self.users.get(user_id)
        mentions: dict[str, MentionRef] = {}
        for mentioned, given_name in found.users.items():
            if mentioned == self.bot_user_id:
                continue
            name = given_name or (await self.users.get(mentioned)).display_name
            mentions[mentioned] = MentionRef(mentioned, name)
        return Incoming(
            platform=PLATFORM,
            channel_id=channel_id,
            speaker=speaker_of(
                user,
                platform=PLATFORM,
                own_team=self.team_id,
                team_hint=str(team_hint) if team_hint else None,
            ),
            text=found.text,
            event_id=event_id,
            channel_name=channel_name,
            mentions=mentions,
            forms=forms,
            submission=submission,
            permalink=self.permalink(channel_id, message_ts),
            direct=direct,
            route=route,
            private_answers=True,
        )

    def permalink(self, channel_id: str, message_ts: str | None) -> str | None:
        """Slack's web address of a message (or of the channel), from the workspace's URL."""
        if not self.workspace_url or not channel_id:
            return None
        link = f"{self.workspace_url.rstrip('/')}/archives/{quote(channel_id, safe='')}"
        if message_ts:
            link += "/p" + message_ts.replace(".", "")
        return link

    def _help_command(self) -> str:
        return t(self.language, "door.help_command")

    async def _on_command(self, ack: Any, command: Mapping[str, Any]) -> None:
        await ack()
        channel_id = str(command.get("channel_id", ""))
        user_id = str(command.get("user_id", ""))
        line = command_line(
            str(command.get("text") or ""), prefix=self.prefix, help_command=self._help_command()
        )
        channel_name = command.get("channel_name")
        # The payload's team_id is where the command ran, not whose the user is.
        direct = is_direct(channel_id, channel_name=channel_name)
        user = await self.users.get(user_id)
        route = {
            "slash": {
                "user": user_id,
                "who": user.display_name,
                "asked": line.removeprefix(self.prefix).split("\n", 1)[0],
                "response_url": command.get("response_url"),
                "direct": direct,
            }
        }
        incoming = await self._incoming(
            channel_id,
            user_id,
            line,
            _event_id("command", command.get("trigger_id")),
            channel_name=channel_name,
            forms=FormSupport.MODAL,
            direct=direct,
            route=route,
        )
        reply = await self.hub.handle(incoming)
        if reply is not None and reply.form is not None:
            await self._open_form(command.get("trigger_id"), incoming, reply)

    async def _named(
        self, route: Mapping[str, Any], channel_id: str, document: Document
    ) -> Document:
        """``document`` with a line saying who asked what: the channel sees a slash
        command's answer, never the command, and "du" in it would be anyone."""
        language = await self.hub.language_of(PLATFORM, channel_id)
        line = t(
            language,
            "door.slash_asked",
            who=str(route.get("who", "")),
            command=cut(f"{COMMAND} {route.get('asked', '')}", ASKED_MAX),
        )
        # Under the title when there is one (a byline; the title stays what a notification
        # shows first), else first; after an exercise's opening mark, which stays first.
        blocks = list(document.blocks)
        at = opening(document, language)
        at += 1 if len(blocks) > at and isinstance(blocks[at], Heading) else 0
        blocks.insert(at, Paragraph(inlines([Emphasis(line)])))
        return Document(blocks)

    async def _on_message(
        self, event: Mapping[str, Any], body: Mapping[str, Any], request: Any
    ) -> None:
        if event.get("subtype") or is_from_a_bot(event, self.bot_user_id):
            return  # edits, joins, bots (ourselves too)
        text = str(event.get("text") or "")
        if self.bot_user_id and strip_mention(text, self.bot_user_id) is not None:
            return  # app_mention brings it
        if not plain(text).text.lstrip().startswith(self.prefix):
            return
        await self._event_command(event, body, text.lstrip(), request)

    async def _on_mention(
        self, event: Mapping[str, Any], body: Mapping[str, Any], request: Any
    ) -> None:
        if is_from_a_bot(event, self.bot_user_id) or not self.bot_user_id:
            return
        rest = strip_mention(str(event.get("text") or ""), self.bot_user_id)
        if rest is None:
            return  # a mention later in a message is not a command
        line = command_line(rest, prefix=self.prefix, help_command=self._help_command())
        await self._event_command(event, body, line, request)

    async def _event_command(
        self, event: Mapping[str, Any], body: Mapping[str, Any], line: str, request: Any
    ) -> None:
        channel_id = str(event.get("channel", ""))
        event_id = _event_id("event", body.get("event_id"))
        retry = retry_number(getattr(request, "headers", {}) or {})
        if retry:
            log.info("Slack delivers %s again (retry %d)", event_id, retry)
        direct = is_direct(channel_id, channel_type=event.get("channel_type"))
        # In the command's thread (the one it was in, or the one it starts): the answer is
        # tied to it. A direct conversation has only the two of us: no thread needed.
        thread_ts = event.get("thread_ts") or (None if direct else event.get("ts"))
        incoming = await self._incoming(
            channel_id,
            str(event.get("user", "")),
            line,
            event_id,
            message_ts=event.get("ts"),
            direct=direct,
            team_hint=event.get("user_team") or event.get("team"),
            route={"thread_ts": thread_ts},
        )
        await self.hub.handle(incoming)

    async def _on_home(self, event: Mapping[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        incoming = await self._incoming(
            str(event.get("channel") or user_id),
            user_id,
            f"{self.prefix}{self._help_command()}",
            None,
            direct=True,  # the app's own tab, seen by this person alone
        )
        reply = await self.hub.handle(incoming)
        if reply is None:
            return
        view = {"type": "home", "blocks": render_blocks(reply.document)[:HOME_BLOCKS_MAX]}
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except FAILURES as error:
            log.warning("publishing the Home tab for %s failed: %s", user_id, _reason(error))

    async def _on_button(
        self, ack: Any, body: Mapping[str, Any], action: Mapping[str, Any]
    ) -> None:
        await ack()
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        channel_id = str(channel.get("id") or container.get("channel_id") or "")
        user_id = str((body.get("user") or {}).get("id", ""))
        command = str(action.get("value") or "")
        line = command_line(command, prefix=self.prefix, help_command=self._help_command())
        message = body.get("message") or {}
        route = {
            "click": {
                "user": user_id,
                "ts": message.get("ts") or container.get("message_ts"),
                "message": {"text": message.get("text"), "blocks": message.get("blocks")},
            }
        }
        incoming = await self._incoming(
            channel_id,
            user_id,
            line,
            _event_id("action", body.get("trigger_id")),
            forms=FormSupport.MODAL,
            direct=is_direct(channel_id, channel_name=channel.get("name")),
            team_hint=_user_team(body),
            route=route,
        )
        reply = await self.hub.handle(incoming)
        if reply is not None and reply.form is not None:
            await self._open_form(body.get("trigger_id"), incoming, reply)

    async def _open_form(self, trigger_id: Any, incoming: Incoming, reply: Reply) -> None:
        """Open the reply's form as a modal; if Slack will not, say so to the person alone."""
        assert reply.form is not None
        channel_id, user_id = incoming.channel_id, incoming.speaker.user_id
        cancel = t(self.language, "form.cancel_button")
        view = form_view(reply.form, channel_id, cancel, direct=incoming.direct)
        try:
            await self.client.views_open(trigger_id=str(trigger_id or ""), view=view)
            return
        except FAILURES as error:
            log.warning("opening a form for %s failed: %s", user_id, _reason(error))
        doc = Document().paragraph(t(self.language, "form.open_failed", prefix=self.prefix))
        await self._ephemeral(channel_id, user_id, doc)

    async def _on_form_submit(
        self, ack: Any, body: Mapping[str, Any], view: Mapping[str, Any]
    ) -> None:
        """A submitted modal: the core takes the answers; a refusal is shown in the modal."""
        found = submitted(view)
        user_id = str((body.get("user") or {}).get("id", ""))
        if found is None:
            await ack()
            return
        channel_id, submission = found.channel_id, found.submission
        block = first_field_block(view)
        incoming = await self._incoming(
            channel_id,
            user_id,
            "",
            _event_id("view", _submission_id(view.get("id"), submission)),
            forms=FormSupport.MODAL,
            submission=submission,
            direct=found.direct or is_direct(channel_id),
            team_hint=_user_team(body),
            route={"modal": {"user": user_id, "shown_in_modal": block is not None}},
        )
        reply = await self.hub.handle(incoming)
        if reply is not None and not reply.ok and block is not None:
            message = _field_error(render_text(reply.document))
            await ack(response_action="errors", errors={block: message})
            return
        await ack()

    def _guarded(self, listener: Listener) -> Callable[[AsyncArgs], Awaitable[None]]:
        """``listener`` as bolt calls it (with the arguments it names), its failures caught
        here: bolt's own error handler comes too late (a request acknowledged and failing
        within 10 ms is answered 404 after 3 s, as if nobody had acknowledged it)."""
        names = list(inspect.signature(listener).parameters)

        async def guarded(args: AsyncArgs) -> None:
            try:
                await listener(**{name: getattr(args, name) for name in names})
            except Exception as error:
                if args.ack.response is None:
                    await args.ack()  # Slack would show the person its own error otherwise
                await self._failed(error, args.body, args.context)

        return guarded

    async def _failed(
        self, error: Exception, body: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        """A listener failed: our bug. Logged with an id, and the person gets the apology the
        dispatcher gives, quoting it (where there is a channel to say it in)."""
        error_id = uuid.uuid4().hex[:8]
        log.error(
            "error %s in the Slack door handling a %s request",
            error_id,
            body.get("type") or body.get("command") or "Slack",
            exc_info=error,
        )
        user_id = context.get("user_id")
        channel_id = context.get("channel_id")
        if not channel_id:
            found = submitted(body.get("view") or {})
            channel_id = found.channel_id if found is not None else None
        if user_id and channel_id:
            apology = Document().paragraph(t(self.language, "error.internal", id=error_id))
            await self._ephemeral(str(channel_id), str(user_id), apology)

    # -- from the core to Slack --------------------------------------------------------------

    async def _send_messages(
        self,
        channel_id: str,
        document: Document,
        thread_ts: Any = None,
        broadcast: bool = False,
        *,
        key: str | None = None,
        found: Mapping[str, str] | None = None,
    ) -> str | None:
        """Each message of ``document`` in turn, each with its part of ``key`` in its
        metadata, skipping the parts ``found`` already sent; the first one's ``ts``. Raises
        on failure. Paced to Slack's limit of about a message a second per channel."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        if thread_ts and broadcast:
            extra["reply_broadcast"] = True
        first: str | None = None
        for number, message in enumerate(await self._messages(channel_id, document)):
            part = f"{key}-{number}" if key is not None else None
            if part is not None and found and part in found:
                first = first or found[part]
                continue
            if part is not None:
                extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": part}}
            await self.pace.wait(channel_id)
            response = await self.client.chat_postMessage(
                channel=channel_id, unfurl_links=False, **message.arguments(), **extra
            )
            first = first or response.get("ts")
        return first

    async def _attach(
        self, channel_id: str, attachments: Sequence[Attachment], thread_ts: Any = None
    ) -> None:
        """A reply's attachments as files in ``channel_id`` (after the reply's messages)."""
        if attachments:
            await self._upload(channel_id, await files_written(attachments), thread_ts=thread_ts)

    async def _upload(self, channel_id: str, files: Sequence[File], thread_ts: Any = None) -> bool:
        """Upload ``files`` to ``channel_id`` one by one (in the thread ``thread_ts`` when
        given); True when every one went up. A refused upload is logged, with Slack's reason."""
        done = True
        for attached in files:
            try:
                await self.client.files_upload_v2(
                    channel=channel_id,
                    content=attached.content,
                    filename=attached.filename,
                    title=attached.filename,
                    alt_txt=attached.description if attached.image else None,
                    thread_ts=str(thread_ts) if thread_ts else None,
                )
            except (*FAILURES, SlackRequestError) as error:
                log.warning(
                    "uploading %s to Slack channel %s failed: %s",
                    attached.filename,
                    channel_id,
                    _reason(error),
                )
                done = False
        return done

    async def _messages(self, channel_id: str, document: Document) -> list[SlackMessage]:
        """``document`` as Slack messages; when it takes several, they are numbered in the
        language of the channel's forum (looked up only then: a database read)."""
        packed = pack_slack(document)
        if len(packed) == 1:
            return packed.messages(self.language)
        return packed.messages(await self.hub.language_of(PLATFORM, channel_id))

    async def _ephemeral(self, channel_id: str, user_id: str, document: Document) -> bool:
        """Only for ``user_id``, part after part; True when every part went out."""
        for message in await self._messages(channel_id, document):
            try:
                await self.client.chat_postEphemeral(
                    channel=channel_id, user=user_id, **message.arguments()
                )
            except FAILURES as error:
                log.warning(
                    "a private answer to %s in %s failed: %s", user_id, channel_id, _reason(error)
                )
                return False
        return True

    async def _respond(
        self, channel_id: str, response_url: str, document: Document, kind: str
    ) -> None:
        """The answer through a command's ``response_url``, part after part (Slack takes
        only a few answers there: the parts it refuses are logged)."""
        webhook = AsyncWebhookClient(response_url)
        for message in await self._messages(channel_id, document):
            try:
                response = await webhook.send(response_type=kind, **message.arguments())
            except FAILURES as error:
                log.warning("answering through the response URL failed: %s", _reason(error))
                return
            if response.status_code != HTTPStatus.OK:
                log.warning("the response URL refused the answer: %s", response.status_code)
                return

    async def _append(
        self, channel_id: str, ts: str, message: Mapping[str, Any], document: Document
    ) -> bool:
        """The answer added to the message whose button was clicked (as it was when clicked:
        made again, the update is the same); False if it cannot be (the answer alone needs
        more than one message, or the sum has too many blocks)."""
        original = list(message.get("blocks") or [])
        language = await self.hub.language_of(PLATFORM, channel_id)
        end = render_blocks(closing(language))
        if opening(document, language) and original[-len(end) :] == end:
            # An exercise: one marking around the message and its answer, "Slut övning" last.
            original = original[: -len(end)]
            document = Document(document.blocks[1:])
        packed = pack_slack(document)
        if len(packed) > 1:
            return False
        parts = packed.messages(self.language)
        blocks = [*original, {"type": "divider"}, *parts[0].blocks]
        if len(blocks) > BLOCKS_MAX:
            return False
        text = str(message.get("text") or parts[0].text)
        try:
            await self.client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
        except FAILURES as error:
            if not _permanent(error):
                raise  # tried again later, as any message
            log.warning("updating message %s in %s failed: %s", ts, channel_id, _reason(error))
            return False
        return True


class ChannelPace:
    """At most ``rate`` messages a second to one channel, after a burst of ``burst`` (a
    token bucket per channel): a call-out's parts and a busy channel's answers wait their
    turn here rather than meet Slack's 429."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # channel: (tokens, at)

    def delay(self, channel_id: str) -> float:
        """Take a token for ``channel_id``; how long to wait before sending."""
        now = self.clock()
        tokens, at = self._buckets.get(channel_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate) - 1
        self._buckets[channel_id] = (tokens, now)
        if len(self._buckets) > 10_000:  # forget channels quiet long enough to be full again
            for channel, (left, when) in list(self._buckets.items()):
                if left + (now - when) * self.rate >= self.burst:
                    del self._buckets[channel]
        return max(0.0, -tokens / self.rate)

    async def wait(self, channel_id: str) -> None:
        delay = self.delay(channel_id)
        if delay > 0:
            await asyncio.sleep(delay)


class ReplayGuard:
    """Signatures of requests Slack signed, each while its timestamp is inside the five
    minutes a signature is accepted: a request seen again within them is a replay, and after
    them the signature is refused anyway. Only verified requests come here, and at most
    ``most`` are kept (past that the one expiring first goes: a replay of it runs nothing all
    the same, as the core acts on each event id once)."""

    def __init__(self, window_s: float = SIGNATURE_WINDOW_S, most: int = REPLAYS_MAX) -> None:
        self.window_s = window_s
        self.most = most
        self._expiry: dict[str, float] = {}
        self._expiring: list[tuple[float, str]] = []  # a heap: the first to expire on top

    def seen(self, signature: str, timestamp: float, now: float | None = None) -> bool:
        """True when ``signature`` came before and is still good; remembers it either way."""
        now = time.time() if now is None else now
        while self._expiring and (self._expiring[0][0] < now or len(self._expiring) >= self.most):
            _, old = heapq.heappop(self._expiring)
            del self._expiry[old]
        if signature in self._expiry:
            return True
        # Good while now <= timestamp + window (to the second, as slack_sdk rounds).
        expiry = timestamp + self.window_s + 1
        self._expiry[signature] = expiry
        heapq.heappush(self._expiring, (expiry, signature))
        return False


# Slack's answers that trying again will not change.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def _permanent(error: BaseException) -> bool:
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        if status == 429 or status >= 500:
            return False  # busy or broken for now, whatever the body says (a proxy's page)
        return str(error.response.get("error")) not in _TRANSIENT_ERRORS
    return False  # the network: it may work later


def _reason(error: BaseException) -> str:
    """What went wrong, without the request (which may hold message text)."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return f"{type(error).__name__}: {error}"


def _field_error(text: str) -> str:
    """A refusal under a modal's field: its whole lines while they fit (the refusal first,
    then the hint), never a sentence cut off in the middle of a word."""
    kept = ""
    for line in text.split("\n"):
        joined = f"{kept}\n{line}" if kept else line
        if len(joined) > ERROR_MAX:
            break
        kept = joined
    return kept or cut(text, ERROR_MAX)


def _submission_id(view_id: Any, submission: FormSubmission) -> str | None:
    """A modal's submission: its view id and what was typed. A refused submission leaves the
    modal open with the same view id, and the corrected answers must still be taken; the same
    answers sent again (a double click) are the same submission."""
    if not view_id:
        return None
    typed = json.dumps(submission.values, sort_keys=True, ensure_ascii=False)
    return f"{view_id}:{hashlib.sha256(typed.encode()).hexdigest()[:16]}"


def mentions_someone(document: Document) -> bool:
    """Whether ``document`` mentions a Slack user (notifies them: a call-out)."""
    for block in document.blocks:
        if isinstance(block, Paragraph):
            rows: Sequence[Sequence[Inline]] = [block.parts]
        elif isinstance(block, BulletList):
            rows = block.items
        elif isinstance(block, Fields):
            rows = [value for _label, value in block.rows]
        else:
            continue
        if any(
            isinstance(part, Mention) and part.platform == PLATFORM for row in rows for part in row
        ):
            return True
    return False


def _user_team(body: Mapping[str, Any]) -> Any:
    """A click's or a submission's word on the user's own workspace (``team`` is where it
    happened, not whose the user is)."""
    return (body.get("user") or {}).get("team_id")


def _event_id(kind: str, value: Any) -> str | None:
    return f"{kind}:{value}" if value else None


def _bolt_logger() -> logging.Logger:
    """Bolt's own log, quieter than ours: at INFO it logs the bodies of refused requests."""
    logger = logging.getLogger("slack_bolt")
    if logger.level == logging.NOTSET and not log.isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.WARNING)
    return logger

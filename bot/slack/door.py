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
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.backoff import Backoff
from bot.config import Settings
from bot.files import File, files_of
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
from commands.core.forms import FormSubmission, FormSupport
from commands.core.i18n import t
from commands.core.messages import Attachment, Incoming, MentionRef, Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
COMMAND = "/samverkan"
EVENTS_PATH = "/slack/events"
HOME_BLOCKS_MAX = 100
SIGNATURE_WINDOW_S = 5 * 60  # Slack's signatures are good this long either side of now
REPLAYS_MAX = 100_000  # signatures remembered at most (each ~200 bytes)
ERROR_MAX = 150  # an error shown under a modal's field
ASKED_MAX = 80  # the command a slash command's answer quotes
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
        self.users = SlackUsers(self.client)
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

    async def deliver(
        self,
        channel_id: str,
        document: Document,
        files: Sequence[File] = (),
        *,
        confirm: bool = False,
        key: str | None = None,
    ) -> str | None:
        """Post and upload; Slack answers each call, so this is always confirmed: the first
        message's ``ts``, or :class:`DeliveryFailed` (only raised when ``confirm``)."""
        try:
            ts = await self._send_messages(channel_id, document)
        except FAILURES as error:
            reason = _reason(error)
            log.warning("posting to Slack channel %s failed: %s", channel_id, reason)
            if confirm:
                raise DeliveryFailed(reason, permanent=_permanent(error)) from None
            return None
        await self._upload(channel_id, files)
        return ts

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
        incoming = await self._incoming(
            channel_id,
            user_id,
            line,
            _event_id("command", command.get("trigger_id")),
            channel_name=channel_name,
            forms=FormSupport.MODAL,
            # The payload's team_id is where the command ran, not whose the user is.
            direct=is_direct(channel_id, channel_name=channel_name),
        )
        reply = await self.hub.handle(incoming)
        if reply is None:
            return
        if reply.form is not None:
            await self._open_form(command.get("trigger_id"), incoming, reply)
            return
        document = reply.document
        if reply.ok:
            if not incoming.direct:  # in a DM "du" can only be the one person
                document = await self._named(incoming, document)
            sent = await self._post(channel_id, document)
        else:
            sent = await self._ephemeral(channel_id, user_id, document)
        response_url = command.get("response_url")
        if not sent and response_url:
            # Not a member of the channel (yet): the command's own answer still reaches it.
            kind = "in_channel" if reply.ok else "ephemeral"
            await self._respond(channel_id, str(response_url), document, kind)
        await self._attach(channel_id, reply.attachments)

    async def _named(self, incoming: Incoming, document: Document) -> Document:
        """``document`` with a line saying who asked what: the channel sees a slash
        command's answer, never the command, and "du" in it would be anyone."""
        asked = incoming.text.removeprefix(self.prefix).split("\n", 1)[0]
        language = await self.hub.language_of(PLATFORM, incoming.channel_id)
        line = t(
            language,
            "door.slash_asked",
            who=incoming.speaker.display_name,
            command=cut(f"{COMMAND} {asked}", ASKED_MAX),
        )
        # Under the title when there is one (a byline; the title stays what a notification
        # shows first), else first.
        at = 1 if document.blocks and isinstance(document.blocks[0], Heading) else 0
        blocks = list(document.blocks)
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
        incoming = await self._incoming(
            channel_id,
            str(event.get("user", "")),
            line,
            event_id,
            message_ts=event.get("ts"),
            direct=is_direct(channel_id, channel_type=event.get("channel_type")),
            team_hint=event.get("user_team") or event.get("team"),
        )
        reply = await self.hub.handle(incoming)
        if reply is not None:
            # In the command's thread (the one it was in, or the one it starts): the answer
            # is tied to it. A direct conversation has only the two of us: no thread needed.
            thread_ts = event.get("thread_ts") or (None if incoming.direct else event.get("ts"))
            # An answer that calls on people (a call-out) is for the whole channel as well:
            # in the thread and, "also sent to the channel", where everyone sees it.
            broadcast = bool(thread_ts) and mentions_someone(reply.document)
            await self._post(channel_id, reply.document, thread_ts=thread_ts, broadcast=broadcast)
            await self._attach(channel_id, reply.attachments, thread_ts=thread_ts)

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
        incoming = await self._incoming(
            channel_id,
            user_id,
            line,
            _event_id("action", body.get("trigger_id")),
            forms=FormSupport.MODAL,
            direct=is_direct(channel_id, channel_name=channel.get("name")),
            team_hint=_user_team(body),
        )
        reply = await self.hub.handle(incoming)
        if reply is None:
            return
        if reply.form is not None:
            await self._open_form(body.get("trigger_id"), incoming, reply)
            return
        if not reply.ok:
            await self._ephemeral(channel_id, user_id, reply.document)
            return
        message = body.get("message") or {}
        ts = message.get("ts") or container.get("message_ts")
        if not ts or not await self._append(channel_id, str(ts), message, reply):
            await self._post(channel_id, reply.document)
        await self._attach(channel_id, reply.attachments)

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
        incoming = await self._incoming(
            channel_id,
            user_id,
            "",
            _event_id("view", _submission_id(view.get("id"), submission)),
            forms=FormSupport.MODAL,
            submission=submission,
            direct=found.direct or is_direct(channel_id),
            team_hint=_user_team(body),
        )
        reply = await self.hub.handle(incoming)
        if reply is not None and not reply.ok:
            block = first_field_block(view)
            if block is not None:
                message = _field_error(render_text(reply.document))
                await ack(response_action="errors", errors={block: message})
                return
        await ack()
        if reply is not None:
            if reply.ok:
                await self._post(channel_id, reply.document)
            else:
                await self._ephemeral(channel_id, user_id, reply.document)
            await self._attach(channel_id, reply.attachments)

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

    async def _post(
        self, channel_id: str, document: Document, thread_ts: Any = None, broadcast: bool = False
    ) -> bool:
        """Post ``document``, in as many messages as Slack's limits need, in order (all in
        the thread ``thread_ts`` when given, and with ``broadcast`` in the channel too); True
        when every one went out."""
        try:
            await self._send_messages(channel_id, document, thread_ts, broadcast)
        except FAILURES as error:
            log.warning("posting to Slack channel %s failed: %s", channel_id, _reason(error))
            return False
        return True

    async def _send_messages(
        self, channel_id: str, document: Document, thread_ts: Any = None, broadcast: bool = False
    ) -> str | None:
        """Each message of ``document`` in turn; the first one's ``ts``. Raises on failure."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        if thread_ts and broadcast:
            extra["reply_broadcast"] = True
        first: str | None = None
        for message in await self._messages(channel_id, document):
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
            await self._upload(channel_id, files_of(attachments), thread_ts=thread_ts)

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
        self, channel_id: str, ts: str, message: Mapping[str, Any], reply: Reply
    ) -> bool:
        """The reply added to the message whose button was clicked; False if it cannot be
        (the reply alone needs more than one message, or the sum has too many blocks)."""
        packed = pack_slack(reply.document)
        if len(packed) > 1:
            return False
        parts = packed.messages(self.language)
        blocks = [*(message.get("blocks") or []), {"type": "divider"}, *parts[0].blocks]
        if len(blocks) > BLOCKS_MAX:
            return False
        text = str(message.get("text") or parts[0].text)
        try:
            await self.client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
        except FAILURES as error:
            log.warning("updating message %s in %s failed: %s", ts, channel_id, error)
            return False
        return True


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

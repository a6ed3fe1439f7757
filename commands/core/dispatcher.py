"""From a message to a command call, and from bad input to a helpful reply.

One message is one unit of work: the handler's changes are committed together with their
audit events and with what the bot says about them (the answer, the posts to other channels:
written to the outbox, ``commands/core/outbox.py``), or, when anything is refused or fails,
rolled back entirely; a refusal is then written to the outbox on its own.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from commands.core import dialogs, lookup, outbox
from commands.core.capabilities import Capabilities
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.document import Document
from commands.core.errors import CommandError
from commands.core.i18n import normalise_language, t
from commands.core.messages import Incoming, Post, Reply
from commands.core.outbox import Claims, PostCodec
from commands.core.registry import (
    ArgKind,
    ArgType,
    Command,
    Registry,
    Scope,
)
from commands.core.request import Request
from commands.core.roles import (
    allows,
    check_claim,
    mapped_organisation_name,
    regional_role,
    resolve_role,
)
from commands.core.text import Token, bad_character, fold, small_number, span_text, tokenize
from storage import AuditContext, Database, Store
from storage.models import FormDialog, Forum, Representation, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handled:
    """A message handled as a command, form or dialog answer: the reply, the command's key
    ("unknown" when there is none; "form", "dialog") and the outcome: "ok", "refused" or
    "error" (what the hub counts)."""

    reply: Reply
    command_key: str
    outcome: str


@dataclass
class _Seen:
    """What handling one message found out on the way: the command's key, once known."""

    command_key: str = "unknown"


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: dict[str, str | None]


class Dispatcher:
    """Turns :class:`Incoming` messages into replies. Safe to call from one thread at a time.

    ``capabilities``: the commands, hooks and form types it knows (``commands.Dispatcher``
    gives it every feature's unless told otherwise). ``claims``: which of what it writes to
    the outbox this process sends itself (the hub sets it from its doors)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        capabilities: Capabilities,
    ) -> None:
        self.database = database
        self.clock = clock
        self.config = config
        self.capabilities = capabilities
        self.registry: Registry = capabilities.commands
        self.codec = PostCodec(capabilities.attachments)
        self.claims = Claims()
        # The time beneath a shifted clock (the terminal's ~tid): outbox claims are between
        # processes, in real time.
        self.real_clock: Clock = getattr(clock, "base", clock)

    # -- entry point -------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Reply | None:
        """The reply to ``incoming``, or None when it is not meant for the bot.

        A message is for the bot when it starts with the prefix (a command), brings a filled-in
        form (a Slack modal), or answers a question of a dialog its sender has open here.
        """
        handled = self.handle_counted(incoming)
        return handled.reply if handled is not None else None

    def handle_counted(self, incoming: Incoming) -> Handled | None:
        """As :meth:`handle`, with the command's key and the outcome beside the reply."""
        seen = _Seen()
        reply = self._handle(incoming, seen)
        if reply is None:
            return None
        outcome = "ok" if reply.ok else "refused"
        if reply.error_id is not None:
            outcome = "error"
        return Handled(reply, seen.command_key, outcome)

    def _handle(self, incoming: Incoming, seen: _Seen) -> Reply | None:
        if incoming.reaction is not None:
            routed = self._reaction_command(incoming)
            if routed is None:
                return None  # a reaction that means nothing to the bot: not even remembered
            incoming = routed
        text = incoming.text.strip()
        command = text.startswith(self.config.prefix)
        if not command and incoming.submission is None and not text:
            return None
        now = self.clock.now()
        context = AuditContext(
            platform=incoming.platform,
            channel_id=incoming.channel_id,
            user_id=incoming.speaker.user_id,
            display_name=incoming.speaker.display_name,
            at=now,
        )
        language = self.config.default_language
        try:
            with self.database.unit_of_work(context) as store:
                dialog = None
                if not command and incoming.submission is None:
                    dialog = store.dialogs.get(
                        incoming.platform, incoming.channel_id, incoming.speaker.user_id
                    )
                    if dialog is None:
                        return None  # chat, not for the bot: not even checked
                    if dialogs.expired(dialog, now):
                        store.dialogs.end(dialog)
                        return None
                self._check_identity(incoming)
                if incoming.event_id is not None and not store.handled_events.first_time(
                    incoming.platform, incoming.event_id, now
                ):
                    log.info("event %s was handled before; not again", incoming.event_id)
                    return None
                # A direct conversation never acts on a forum, bound or not.
                forum = (
                    None
                    if incoming.direct
                    else store.forum_for_channel(
                        incoming.platform, incoming.channel_id, seen_name=incoming.channel_name
                    )
                )
                language = normalise_language(forum.language if forum else language)
                if command:
                    reply = self._run(store, incoming, text, forum, language, seen)
                else:
                    self._check_text(text)
                    request = self._request(store, incoming, None, forum, language)
                    if dialog is not None:
                        seen.command_key = "dialog"
                        form_kind = self.capabilities.form_types.get(dialog.form)
                        if form_kind is not None:
                            self._check_dialog_role(request, dialog, form_kind.role)
                        reply = dialogs.answer(request, dialog, self.capabilities.form_types)
                    else:
                        seen.command_key = "form"
                        reply = self._submit(request)
                if not reply.ok:
                    raise _Refused(reply)
                self._queue(store, incoming, reply, language)
                return reply
        except _Refused as refused:
            return self._refused(incoming, refused.reply, now)
        except dialogs.FormRefused as refused:
            self.database.end_dialog(
                incoming.platform, incoming.channel_id, incoming.speaker.user_id
            )
            reply = self.error_reply(refused, language)
            reply.document.blocks.extend(refused.answers(language).blocks)
            return self._refused(incoming, reply, now)
        except CommandError as error:
            if isinstance(error, _EndsDialog):
                self.database.end_dialog(
                    incoming.platform, incoming.channel_id, incoming.speaker.user_id
                )
            return self._refused(incoming, self.error_reply(error, language), now)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "error %s handling %r from %s:%s in %s",
                error_id,
                text[:200],
                incoming.platform,
                incoming.speaker.user_id,
                incoming.channel_id,
            )
            document = Document().paragraph(t(language, "error.internal", id=error_id))
            apology = Reply(document, ok=False, error_id=error_id)
            return self._refused(incoming, apology, now, remember=False) or apology

    def _reaction_command(self, incoming: Incoming) -> Incoming | None:
        """A reaction as the command it runs, as the person who reacted: the one the tag's
        feature declared (``Feature.reactions``) for a message the bot sent tagged, when the
        key counts (``👍`` on a call-out runs ``!kvittera``); None for anything else (an
        untagged message, another key), which gets no answer and changes nothing."""
        reaction = incoming.reaction
        assert reaction is not None
        context = AuditContext(
            platform=incoming.platform,
            channel_id=incoming.channel_id,
            user_id=incoming.speaker.user_id,
            display_name=incoming.speaker.display_name,
            at=self.clock.now(),
        )
        with self.database.reading(context) as store:
            tag = store.outbox.tag_of(incoming.platform, reaction.message_id)
        route = self.capabilities.reaction_route(tag) if tag is not None else None
        if route is None or not route.counts(reaction.key):
            return None
        return replace(
            incoming,
            text=f"{self.config.prefix}{route.command}",
            reaction=replace(reaction, tag=tag),
            mentions={},
            submission=None,
        )

    def _queue(
        self, store: Store, incoming: Incoming, reply: Reply, language: str | None = None
    ) -> None:
        """The answer (when the door gave a route for it, and no form is to be opened in its
        place) and the posts, written to the outbox in ``store``'s unit of work."""
        now = self.real_clock.now()
        exercise = language if reply.exercise else None
        if incoming.route is not None and reply.form is None:
            route = incoming.route
            if reply.private and incoming.private_answers:
                route = {**route, "private": incoming.speaker.user_id}
            answer = Post(
                incoming.platform,
                incoming.channel_id,
                reply.document,
                reply.attachments,
                route=route,
                ok=reply.ok,
                tag=reply.tag,
            )
            reply.answer = outbox.queue(
                store,
                answer,
                kind=outbox.REPLY,
                codec=self.codec,
                claims=self.claims,
                now=now,
                exercise=exercise,
            )
        # What a command typed in a forum's channel causes elsewhere is marked as its forum's
        # exercise is (a direct conversation is no forum's).
        origin = None if incoming.direct else (incoming.platform, incoming.channel_id)
        reply.posts = outbox.queue_all(
            store,
            reply.posts,
            kind=outbox.POST,
            codec=self.codec,
            claims=self.claims,
            now=now,
            origin=origin,
            exercise=exercise,
        )

    def _refused(
        self, incoming: Incoming, reply: Reply, now: datetime, *, remember: bool = True
    ) -> Reply | None:
        """A refusal rolls its transaction back, the event id with it: that one is kept, with
        the refusal in the outbox, in a unit of work of their own. (Not the event of a bug of
        ours: the person may try again once it is mended.) None when another process has
        handled the same event meanwhile (and answered it)."""
        remember = remember and incoming.event_id is not None
        if not remember and incoming.route is None and not reply.posts:
            return reply  # nothing to keep
        context = AuditContext(
            platform=incoming.platform,
            channel_id=incoming.channel_id,
            user_id=incoming.speaker.user_id,
            display_name=incoming.speaker.display_name,
            at=now,
        )
        try:
            with self.database.unit_of_work(context) as store:
                event = incoming.event_id
                if (
                    remember
                    and event
                    and not store.handled_events.first_time(incoming.platform, event, now)
                ):
                    return None
                self._queue(store, incoming, reply)
        except Exception as error:
            # What cannot be stored (a channel name the database cannot hold: the refusal
            # says so) is answered all the same, as it is, from memory.
            log.warning("a refusal could not be kept (%s); it is sent as it is", error)
            reply.answer = None
            reply.posts = [post for post in reply.posts if post.outbox_id is None]
        return reply

    # -- steps -------------------------------------------------------------------------------

    def _run(
        self,
        store: Store,
        incoming: Incoming,
        text: str,
        forum: Forum | None,
        language: str,
        seen: _Seen,
    ) -> Reply:
        self._check_text(text)
        line = text[len(self.config.prefix) :]
        cmd, rest = self.find_command(line, language)
        seen.command_key = cmd.key
        request = self._request(store, incoming, cmd, forum, language)
        request.tail = line[rest[0].start :].strip() if rest else ""
        if incoming.direct and not cmd.personal:
            raise CommandError(
                "error.direct_message",
                hint_key="hint.direct_message",
                command=cmd.usage(language, self.config.prefix),
            )
        self._check_role(request, cmd, language)
        if cmd.needs_forum:
            request.require_forum()  # the one check: handlers take ``request.forum_here``
        request.args = self._bind_args(cmd, line, rest, language)
        request.values = self._read_values(request, cmd)
        reply = cmd.handler(request)
        if reply.ok:
            for hook in self.capabilities.after_command:
                hook(request)
        return reply

    def _check_role(self, request: Request, cmd: Command, language: str) -> None:
        """The one gate of authority for commands (``roles.py`` says who holds what)."""
        if cmd.scope is Scope.TARGET:
            return  # the handler checks the role in the forum it acts on
        if cmd.scope is Scope.REGION:
            held = regional_role(request.store, request.incoming.speaker, self.config)
            if not allows(held, cmd.role):
                raise CommandError(
                    "error.command_regional",
                    hint_key="hint.who_coordinates",
                    command=cmd.usage(language, self.config.prefix),
                    role=t(language, f"role.{request.role.value}"),
                )
            return
        if allows(request.role, cmd.role):
            return
        if request.role is Role.NONE and cmd.role is Role.ACTOR:
            # What an actor does is done for an organisation: say how to name yours.
            raise CommandError("error.no_organisation", hint_key="hint.organisation")
        if request.forum is None and (cmd.needs_forum or cmd.role is Role.COORDINATOR):
            # Nothing here is anyone's to command: say so rather than name a role.
            raise CommandError("error.no_forum", hint_key="hint.bind_forum")
        raise CommandError(
            "error.not_allowed",
            hint_key="hint.ask_coordinator",
            command=cmd.usage(language, self.config.prefix),
            required=t(language, f"role.{cmd.role.value}"),
            role=t(language, f"role.{request.role.value}"),
        )

    def _request(
        self,
        store: Store,
        incoming: Incoming,
        cmd: Command | None,
        forum: Forum | None,
        language: str,
    ) -> Request:
        request = Request(
            incoming=incoming,
            command=cmd,
            args={},
            role=resolve_role(store, forum, incoming.speaker, self.config),
            forum=forum,
            language=language,
            now=store.audit.context.at,
            store=store,
            config=self.config,
            registry=self.registry,
        )
        self._apply_organisation_hint(request)
        return request

    def _submit(self, request: Request) -> Reply:
        """A filled-in form from a door (a Slack modal), to its form type."""
        submission = request.incoming.submission
        assert submission is not None
        kind = self.capabilities.form_types.get(submission.key)
        if kind is None:
            raise CommandError("error.form_unknown", hint_key="hint.help")
        self._check_form_role(request, kind.role)
        for value in submission.values.values():
            self._check_text(value)
        return kind.submit(request, submission)

    def _check_form_role(self, request: Request, required: Role) -> None:
        """A form is answered with the role its sender holds now, not when it was opened:
        someone demoted meanwhile (an actor made observer) is refused."""
        if not allows(request.role, required):
            raise CommandError(
                "error.form_role_lost",
                hint_key="hint.ask_coordinator",
                required=t(request.language, f"role.{required.value}"),
                role=t(request.language, f"role.{request.role.value}"),
            )

    def _check_dialog_role(self, request: Request, dialog: FormDialog, required: Role) -> None:
        try:
            self._check_form_role(request, required)
        except CommandError as error:
            # The dialog ends with the refusal: the next message is chat again.
            raise _EndsDialog(error.key, error.hint_key, **error.params) from None

    def _check_text(self, text: str) -> None:
        limit = self.config.max_message_length
        if len(text) > limit:
            raise CommandError(
                "error.too_long", hint_key="hint.help", length=len(text), limit=limit
            )
        char = bad_character(text)
        if char is not None:
            raise CommandError(
                "error.control_character", hint_key="hint.help", code=f"U+{ord(char):04X}"
            )

    def _check_identity(self, incoming: Incoming) -> None:
        """Names a door passes on (channel, user, organisation) must be readable text too."""
        speaker = incoming.speaker
        for value in (
            incoming.channel_id,
            speaker.user_id,
            speaker.display_name,
            speaker.organisation_hint or "",
        ):
            char = bad_character(value)
            if char is not None:
                raise CommandError(
                    "error.control_character", hint_key="hint.help", code=f"U+{ord(char):04X}"
                )

    def _apply_organisation_hint(self, request: Request) -> None:
        """The door says who the speaker represents (console ``@anna/Polisen:``)."""
        hint = request.incoming.speaker.organisation_hint
        if not hint:
            self._apply_identity_map(request)
            return
        current = request.store.my_organisation()
        if current is not None and fold(hint) in (
            fold(name) for name in (current.name, *current.aliases)
        ):
            return  # already represents it: the common case, no search needed
        organisation = lookup.find_organisation(request, hint)
        check_claim(request, organisation)
        me = request.me
        if me.organisation_id != organisation.id:
            request.store.people.set_organisation(me, organisation)
            request.hint_registered = True
            # As a claim with !aktör: its representative here if it is a member; a hint
            # never makes an organisation a member.
            forum = request.forum
            if forum is not None and request.store.forums.takes_part(forum, organisation):
                request.store.forums.represent(forum, me, organisation, Representation.ORDINARY, me)
            request.role = resolve_role(
                request.store, request.forum, request.incoming.speaker, self.config
            )

    def _apply_identity_map(self, request: Request) -> None:
        """Someone whose home the deployment maps to one organisation (a Slack Connect
        team, a Matrix homeserver) represents it without saying so."""
        if not self.config.organisation_identities:
            return
        name = mapped_organisation_name(request.incoming.speaker, self.config)
        if name is None:
            return
        me = request.store.known_me()
        if me is not None and me.organisation_id is not None:
            return
        organisation = next(
            (
                org
                for org in request.store.organisations.all()
                if name in (fold(n) for n in (org.name, *org.aliases))
            ),
            None,
        )
        if organisation is None:
            log.warning("ORGANISATION_IDENTITIES names %r, which is no organisation", name)
            return
        request.store.people.set_organisation(request.me, organisation)
        request.role = resolve_role(
            request.store, request.forum, request.incoming.speaker, self.config
        )

    def find_command(self, line: str, language: str) -> tuple[Command, list[Token]]:
        """The command a line names, and the tokens after its name."""
        tokens = tokenize(line)
        if not tokens:
            raise CommandError("error.empty_command", hint_key="hint.help")
        found = self.registry.match([tok.value for tok in tokens])
        if found is None:
            raise self._unknown(line, tokens, language)
        cmd, size = found
        typo = self._subcommand_typo(cmd, tokens, size)
        if typo is not None:
            sub, typed = typo
            raise self._suggest(span_text(line, tokens[:typed]), sub, language)
        return cmd, tokens[size:]

    def _subcommand_typo(
        self, cmd: Command, tokens: list[Token], size: int
    ) -> tuple[Command, int] | None:
        """A sub-command the words after a command's name misspell (``!forum kopla x``), and
        how many words that took in all; None when they are the command's own arguments.

        Stricter than a command name's typo (85, not 70): these words are often free text
        (a report, an organisation), which must not be mistaken for a sub-command. And the
        words left over must fit the sub-command, unless the command itself takes none (it
        would refuse them anyway): ``!roll lisa koordinator`` names a person, it is no
        ``!roll lista``.
        """
        rest = tokens[size:]
        if not rest:
            return None
        head = tuple(fold(tok.value) for tok in tokens[:size])
        near = self.registry.near([tok.value for tok in rest], head=head, cutoff=85)
        if near is None:
            return None
        sub, typed = near
        left = len(rest) - typed
        fits = any(arg.kind is ArgKind.TEXT for arg in sub.args) or left <= len(sub.args)
        if not fits and cmd.args:
            return None
        return sub, size + typed

    def parse(self, line: str, language: str) -> Parsed:
        """The command and its arguments (no role or forum checks)."""
        cmd, rest = self.find_command(line, language)
        return Parsed(cmd, self._bind_args(cmd, line, rest, language))

    def _bind_args(
        self, cmd: Command, line: str, tokens: list[Token], language: str
    ) -> dict[str, str | None]:
        args: dict[str, str | None] = {}
        rest = list(tokens)
        for position, arg in enumerate(cmd.args):
            after = cmd.args[position + 1 :]
            if arg.kind is ArgKind.TEXT:
                keep = sum(1 for a in after if a.required)
                taken = rest[: max(0, len(rest) - keep)]
                rest = rest[len(taken) :]
                value = span_text(line, taken)
            else:
                value = rest.pop(0).value.strip() if rest else ""
            if not value:
                if arg.required and not arg.refused_by_handler:
                    raise CommandError(
                        "error.missing_argument",
                        hint_key=None,
                        argument=t(language, f"arg.{arg.name}"),
                        usage=cmd.usage(language, self.config.prefix),
                        example=cmd.example(language, self.config.prefix),
                    )
                args[arg.name] = None
            else:
                args[arg.name] = value
        if rest:
            raise CommandError(
                "error.too_many_arguments",
                usage=cmd.usage(language, self.config.prefix),
                example=cmd.example(language, self.config.prefix),
                extra=span_text(line, rest)[:80],
            )
        return args

    def _read_values(self, request: Request, cmd: Command) -> dict[str, object]:
        """The typed arguments read, once: a number, the forum or organisation named."""
        values: dict[str, object] = {}
        for arg in cmd.args:
            text = request.args.get(arg.name)
            if text is None or arg.type is ArgType.STRING:
                continue
            if arg.type is ArgType.FORUM:
                values[arg.name] = lookup.find_forum(request, text)
            elif arg.type is ArgType.ORGANISATION:
                values[arg.name] = lookup.find_organisation(request, text)
            else:
                number = small_number(text)
                if number is not None:
                    values[arg.name] = number
                    continue
                assert arg.invalid is not None, f"{cmd.key}: a NUMBER argument says its refusal"
                error = arg.invalid(request, text)
                if error is not None:
                    raise error
                request.args[arg.name] = None
        return values

    def _unknown(self, line: str, tokens: list[Token], language: str) -> CommandError:
        """No command has this name: the one it most resembles, if any does."""
        near = self.registry.near([tok.value for tok in tokens])
        if near is not None:
            cmd, typed = near
            return self._suggest(span_text(line, tokens[:typed]), cmd, language)
        return CommandError(
            "error.unknown_command", hint_key="hint.help", word=tokens[0].value[:60]
        )

    def _suggest(self, typed: str, cmd: Command, language: str) -> CommandError:
        return CommandError(
            "error.unknown_command_suggest",
            word=typed[:60],
            suggestion=cmd.usage(language, self.config.prefix),
        )

    def error_reply(self, error: CommandError, language: str) -> Reply:
        params = {**error.params, "prefix": self.config.prefix}
        doc = Document().paragraph(t(language, error.key, **params))
        if error.hint_key:
            doc.paragraph(t(language, error.hint_key, **params))
        return Reply(doc, ok=False)


class _Refused(Exception):
    """Carries a reply that says no out of the unit of work, rolling it back."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("refused")
        self.reply = reply


class _EndsDialog(CommandError):
    """A refusal that also ends the dialog it answered (outside the rolled-back work)."""

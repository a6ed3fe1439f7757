"""The green button: an actor asks for a forum's activation (``!begär aktivering``), the duty
officers or a coordinator take the request (``!kvittera begäran``), and an activated
coordinating forum asks for the strategic level (``!lyft inriktande``).

A request goes first to the RSK and TiB on duty (``commands/duty.py``): mentioned in the
message, and a direct message to each. If neither has acknowledged it and the forum is not
activated ``DUTY_REQUEST_ESCALATION_MINUTES`` later, every coordinator of the forum is
mentioned where it was asked (a scheduled post, worded here when it falls due). With nobody on
duty the coordinators are mentioned at once; with no coordinators either, the requester is
told whom to phone, and the request is recorded all the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.channels import forum_wide, other_channels, this_channel
from commands.core.config import CoreConfig
from commands.core.document import Button, Document, Mention, Part, Strong
from commands.core.duty_roster import REQUEST_OPEN, on_duty_now, people_on_duty, short_name
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.follow_up_plans import (
    REQUEST_ESCALATION,
    escalated_request_id,
    plan_request_escalation,
)
from commands.core.grammar import forum_words
from commands.core.i18n import normalise_language, t
from commands.core.lookup import activated_strategic_forum
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, Scope, command
from commands.core.request import Request
from commands.core.roles import allows, coordinators_of, role_in
from commands.core.scheduled_posts import composer
from commands.core.timefmt import format_clock, format_duration, format_time
from storage import Store
from storage.duty import OnDuty
from storage.forums import Channel
from storage.models import (
    Activation,
    ActivationRequest,
    Duty,
    Forum,
    Level,
    Organisation,
    Person,
    Role,
    ScheduledPost,
)

FEATURE = feature(__name__)

MAX_REASON = 1000
ACK_COMMAND = "kvittera begäran"


def checked_reason(req: Request, name: str) -> str:
    reason = req.arg(name).strip()
    if len(reason) > MAX_REASON:
        raise CommandError("error.text_too_long", hint_key=None, limit=MAX_REASON)
    return reason


# -- the documents ------------------------------------------------------------------------------


def _mentions(people: list[Person]) -> list[Part]:
    parts: list[Part] = []
    for index, person in enumerate(people):
        parts.extend([", "] if index else [])
        parts.append(Mention(person.platform, person.user_id, person.display_name))
    return parts


def _on_duty_parts(language: str, held: list[OnDuty]) -> list[Part]:
    """``I beredskap: RSK @rsk, TiB @tib`` (``RSK & TiB @rsk`` when one holds both)."""
    parts: list[Part] = [t(language, "green_button.on_duty") + " "]
    for index, (person, duties) in enumerate(people_on_duty(held)):
        parts.extend([", "] if index else [])
        parts.extend(
            [
                _roles(language, duties) + " ",
                Mention(person.platform, person.user_id, person.display_name),
            ]
        )
    return parts


def _roles(language: str, duties: list[Duty]) -> str:
    return " & ".join(short_name(language, duty) for duty in duties)


def _ack_button(language: str, config: CoreConfig, hint_key: str) -> Button:
    return Button(
        t(language, "green_button.ack_button"),
        ACK_COMMAND,
        t(language, hint_key, prefix=config.prefix),
    )


def _nobody_to_reach(language: str, config: CoreConfig) -> str:
    """Nobody on duty in the chat and no coordinator: whom to phone."""
    if config.duty_phone:
        return t(language, "green_button.nobody_phone", phone=config.duty_phone)
    return t(language, "green_button.nobody_no_phone")


def _requester(person: Person, organisation: Organisation | None) -> str:
    return person.display_name + (f" ({organisation.name})" if organisation else "")


def _direct_messages(
    req: Request,
    forum: Forum,
    reason: str,
    who: str,
    held: list[OnDuty],
) -> list[Post]:
    """A direct message to each person on duty (once, whatever roles they hold), on their
    own platform; not to the requester, who knows."""
    posts = []
    me = req.store.known_me()
    for person, duties in people_on_duty(held):
        if me is not None and person.id == me.id:
            continue
        title = req.t(
            "green_button.direct_title", duty=_roles(req.language, duties), forum=forum.name
        )
        doc = Document().heading(title)
        doc.paragraph(req.t("activation.request_by", who=who, time=format_time(req.now, req.zone)))
        doc.paragraph(req.t("green_button.direct_where", channel=this_channel(req)))
        doc.paragraph(Strong(req.t("activation.reason")), ": ", reason)
        doc.actions(_ack_button(req.language, req.config, "green_button.direct_ack_hint"))
        posts.append(Post(person.platform, person.user_id, doc, direct=True))
    return posts


# -- !begär aktivering --------------------------------------------------------------------------


def _repeated(req: Request, pending: ActivationRequest, reason: str) -> Reply:
    """Pressed again while a request is open: added to it, nobody mentioned a second time."""
    organisation = req.store.my_organisation()
    count = req.store.activations.repeat_request(pending, reason, req.me, organisation)
    first = req.store.people.get(pending.requested_by_id)
    doc = req.document().paragraph(
        req.t(
            "green_button.repeated",
            who=first.display_name if first else "?",
            time=format_time(pending.at, req.zone),
            count=count,
        )
    )
    doc.paragraph(_acknowledged_state(req, pending))
    forum = req.store.forums.get(pending.forum_id)
    if forum is not None:
        doc.paragraph(_next_step(req, forum))
    return Reply(doc)


def _acknowledged_state(req: Request, request: ActivationRequest) -> str:
    if request.acknowledged_at is None or request.acknowledged_by_id is None:
        return req.t("green_button.not_yet_acknowledged")
    by = req.store.people.get(request.acknowledged_by_id)
    return req.t(
        "green_button.acknowledged_by",
        who=by.display_name if by else "?",
        time=format_clock(request.acknowledged_at, req.zone),
    )


@command(
    "activation.request",
    "begär aktivering",
    aliases=("request activation", "begär"),
    args=(Arg("reason", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def request_activation(req: Request) -> Reply:
    forum = req.forum_here
    reason = checked_reason(req, "reason")
    if req.store.activations.current(forum) is not None:
        raise CommandError(
            "error.already_activated",
            hint_key="hint.status",
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    pending = req.store.activations.open_request(forum, since=req.now - REQUEST_OPEN)
    if pending is not None:
        return _repeated(req, pending, reason)
    organisation = req.store.my_organisation()
    held = on_duty_now(req.store, req.now)
    # The duty officers first; nobody on duty: the coordinators at once.
    coordinators = [] if held else coordinators_of(req.store, req.config, forum)
    elsewhere = other_channels(req, forum)
    who = _requester(req.me, organisation)
    # Reads above, writes below.
    request = req.store.activations.request(forum, reason, req.me, organisation)
    if held:
        plan_request_escalation(req, request)
    doc = req.document().heading(req.t("activation.request_title", forum=forum.name))
    doc.paragraph(req.t("activation.request_by", who=who, time=format_time(req.now, req.zone)))
    doc.paragraph(Strong(req.t("activation.reason")), ": ", reason)
    if held:
        doc.paragraph(*_on_duty_parts(req.language, held))
        doc.paragraph(
            req.t(
                "green_button.escalation_note",
                count=req.config.duty_request_escalation_minutes,
            )
        )
    elif coordinators:
        doc.paragraph(req.t("green_button.nobody_on_duty"))
        doc.paragraph(req.t("activation.request_coordinators") + " ", *_mentions(coordinators))
    else:
        doc.paragraph(Strong(_nobody_to_reach(req.language, req.config)))
    if held or coordinators:
        doc.actions(_ack_button(req.language, req.config, "green_button.ack_hint"))
    doc.paragraph(req.t("activation.request_next", prefix=req.config.prefix))
    posts = [*forum_wide(elsewhere, doc), *_direct_messages(req, forum, reason, who, held)]
    return Reply(doc, posts=posts, scheduled=bool(held))


# -- the escalation, when it falls due ----------------------------------------------------------


def _still_open(store: Store, request: ActivationRequest | None) -> Forum | None:
    """The request's forum while the request waits: not acknowledged, and the forum not
    activated since it was made."""
    if request is None or request.acknowledged_at is not None:
        return None
    forum = store.forums.get(request.forum_id)
    if forum is None:
        return None
    latest = store.activations.latest(forum)
    if latest is not None and latest.activated_at >= request.at:
        return None
    return forum


@composer(REQUEST_ESCALATION)
def _escalation(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    request_id = escalated_request_id(post)
    request = store.activations.get_request(request_id) if request_id is not None else None
    forum = _still_open(store, request)
    if forum is None or request is None:
        return None  # taken, or the forum activated: nothing to say
    language = normalise_language(post.language)
    zone = ZoneInfo(post.timezone)
    by = store.people.get(request.requested_by_id)
    doc = Document().paragraph(
        Strong(
            t(
                language,
                "green_button.escalation_title",
                forum=forum.name,
                who=by.display_name if by else "?",
                time=format_clock(request.at, zone),
                waited=format_duration(now - request.at, language),
            )
        )
    )
    doc.paragraph(Strong(t(language, "activation.reason")), ": ", request.reason)
    coordinators = coordinators_of(store, config, forum)
    if coordinators:
        doc.paragraph(t(language, "green_button.escalation_for") + " ", *_mentions(coordinators))
    else:
        doc.paragraph(Strong(_nobody_to_reach(language, config)))
    doc.actions(_ack_button(language, config, "green_button.ack_hint"))
    return doc


# -- !kvittera begäran --------------------------------------------------------------------------


def _open_requests(req: Request) -> list[tuple[ActivationRequest, Forum]]:
    since = req.now - REQUEST_OPEN
    found = []
    for forum in req.store.forums.all():
        request = req.store.activations.open_request(forum, since=since)
        if request is not None:
            found.append((request, forum))
    return found


def _request_to_acknowledge(req: Request) -> tuple[ActivationRequest, Forum]:
    """In a forum's channel: the request for this forum, or the one this forum's activation
    made (``!lyft inriktande``). In a direct conversation: the one request open (the
    duty officer answers the bot's direct message)."""
    forum = req.forum
    if forum is not None:
        own = req.store.activations.open_request(forum, since=req.now - REQUEST_OPEN)
        if own is not None:
            return own, forum
        activation = req.store.activations.current(forum)
        if activation is not None:
            for request, asked in _open_requests(req):
                if request.from_activation_id == activation.id:
                    return request, asked
        raise CommandError(
            "green_button_error.no_request", hint_key="green_button_hint.request", forum=forum.name
        )
    found = _open_requests(req)
    waiting = [pair for pair in found if pair[0].acknowledged_at is None] or found
    if not waiting:
        raise CommandError("green_button_error.no_request_anywhere", hint_key=None)
    if len(waiting) > 1:
        raise CommandError(
            "green_button_error.several_requests",
            hint_key="green_button_hint.several",
            forums=", ".join(forum.name for _request, forum in waiting),
        )
    return waiting[0]


def _as_whom(req: Request, held: list[OnDuty]) -> str:
    if held:
        return _roles(req.language, [shift.duty for shift in held])
    return req.t("green_button.as_coordinator")


@command(
    "activation_request.ack",
    ACK_COMMAND,
    aliases=("ack request", "acknowledge request"),
    scope=Scope.TARGET,
    personal=True,
)
def acknowledge_request(req: Request) -> Reply:
    request, forum = _request_to_acknowledge(req)
    me = req.store.known_me()
    held = [
        shift
        for shift in on_duty_now(req.store, req.now)
        if me is not None and shift.person.id == me.id
    ]
    if not held and not allows(role_in(req, forum), Role.COORDINATOR):
        raise CommandError(
            "green_button_error.not_on_duty",
            hint_key="green_button_hint.who_is_on_duty",
            forum=forum.name,
        )
    if request.acknowledged_at is not None:
        by = req.store.people.get(request.acknowledged_by_id or 0)
        return Reply(
            req.document().paragraph(
                req.t(
                    "green_button.ack_already",
                    forum=forum.name,
                    who=by.display_name if by else "?",
                    time=format_clock(request.acknowledged_at, req.zone),
                    after=_after(req, request.acknowledged_at - request.at),
                )
            )
        )
    channels = _channels_of_request(req, request, forum)
    me = req.me
    req.store.activations.acknowledge_request(request, me)
    doc = req.document().paragraph(
        Strong(
            req.t(
                "green_button.ack_done",
                forum=forum.name,
                who=me.display_name,
                role=_as_whom(req, held),
                time=format_clock(req.now, req.zone),
                after=_after(req, req.now - request.at),
            )
        )
    )
    doc.paragraph(req.t("green_button.ack_no_escalation"))
    doc.paragraph(_next_step(req, forum))
    return Reply(doc, posts=forum_wide(channels, doc))


def _next_step(req: Request, forum: Forum) -> str:
    """How the requested forum is activated, said in its channel or another forum's."""
    if req.forum is not None and req.forum.id == forum.id:
        return req.t("activation.request_next", prefix=req.config.prefix)
    return req.t("green_button.strategic_next", forum=forum.name, prefix=req.config.prefix)


def _after(req: Request, elapsed: timedelta) -> str:
    if elapsed < timedelta(minutes=1):
        return req.t("activation.under_a_minute")
    return format_duration(elapsed, req.language)


def _channels_of_request(req: Request, request: ActivationRequest, forum: Forum) -> list[Channel]:
    """Where the request was seen, but here: its forum's channels, and those of the forum
    whose activation asked for it."""
    channels = list(req.store.forums.channels(forum))
    if request.from_activation_id is not None:
        activation = req.store.activations.get(request.from_activation_id)
        origin = req.store.forums.get(activation.forum_id) if activation else None
        if origin is not None:
            channels.extend(req.store.forums.channels(origin))
    here = Channel(req.incoming.platform, req.incoming.channel_id)
    return [channel for channel in dict.fromkeys(channels) if channel != here]


# -- !lyft inriktande ---------------------------------------------------------------------------


def _coordinating_activation(req: Request, forum: Forum) -> Activation:
    if forum.level is not Level.COORDINATING:
        raise CommandError(
            "green_button_error.strategic_level",
            hint_key="green_button_hint.strategic",
            forum=forum.name,
        )
    activation = req.store.activations.current(forum)
    if activation is None:
        raise CommandError(
            "green_button_error.strategic_not_activated",
            hint_key="green_button_hint.strategic",
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    return activation


@command(
    "activation_request.strategic",
    "lyft inriktande",
    aliases=("escalate strategic",),
    args=(Arg("reason", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def raise_to_strategic(req: Request) -> Reply:
    here = req.forum_here
    reason = checked_reason(req, "reason")
    activation = _coordinating_activation(req, here)
    target = activated_strategic_forum(req, "green_button_error.no_strategic_forum")
    if req.store.activations.current(target) is not None:
        raise CommandError(
            "error.already_activated",
            hint_key=None,
            forum=target.name,
            **forum_words(req.language, target.name),
        )
    pending = req.store.activations.open_request(target, since=req.now - REQUEST_OPEN)
    if pending is not None:
        return _repeated(req, pending, reason)
    organisation = req.store.my_organisation()
    held = on_duty_now(req.store, req.now)
    # Mentioned once: a coordinator on duty is named among those on duty.
    duty_ids = {on_duty.person.id for on_duty in held}
    coordinators = [
        person
        for person in coordinators_of(req.store, req.config, target)
        if person.id not in duty_ids
    ]
    here_channel = Channel(req.incoming.platform, req.incoming.channel_id)
    channels = [c for c in req.store.forums.channels(target) if c != here_channel]
    who = _requester(req.me, organisation)
    # Reads above, writes below.
    req.store.activations.request(target, reason, req.me, organisation, from_activation=activation)
    doc = req.document().heading(req.t("activation.request_title", forum=target.name))
    doc.paragraph(req.t("activation.request_by", who=who, time=format_time(req.now, req.zone)))
    doc.paragraph(
        req.t(
            "green_button.strategic_from",
            forum=here.name,
            since=format_time(activation.activated_at, req.zone),
            reason=activation.reason,
            **forum_words(req.language, here.name),
        )
    )
    doc.paragraph(Strong(req.t("activation.reason")), ": ", reason)
    if held:
        doc.paragraph(*_on_duty_parts(req.language, held))
    if coordinators:
        doc.paragraph(req.t("activation.request_coordinators") + " ", *_mentions(coordinators))
    if not held and not coordinators:
        doc.paragraph(Strong(_nobody_to_reach(req.language, req.config)))
    else:
        doc.actions(_ack_button(req.language, req.config, "green_button.ack_hint"))
    doc.paragraph(req.t("green_button.strategic_next", forum=target.name, prefix=req.config.prefix))
    posts = [*forum_wide(channels, doc), *_direct_messages(req, target, reason, who, held)]
    return Reply(doc, posts=posts)

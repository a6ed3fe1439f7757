"""The follow-ups a command plans when it is made: a call-out's re-call and the
coordinators' notice, an action's reminders, a request for activation's escalation. Their
wording, when sent, is ``commands/followups.py``'s (the escalation's,
``commands/activation_request.py``'s); the kinds are shared here so that topics need not
import it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commands.core.request import Request
from storage.models import Action, Activation, ActivationRequest, Forum, ScheduledPost

RECALL = "activation_recall"
STILL_MISSING = "activation_missing"
ACTION_TOMORROW = "action_tomorrow"
ACTION_DUE = "action_due"
# A request for activation no duty officer acknowledged: to every coordinator of its forum.
REQUEST_ESCALATION = "activation_request_escalation"


# -- planning (from the commands) -------------------------------------------------------------


def plan_recall(
    req: Request, forum: Forum, activation: Activation, *, called_in: bool = False
) -> None:
    """The follow-ups of a call-out just made: a re-call in each of the forum's channels (the
    ersättare mentioned), and the coordinators' notice of who is still missing (in one
    statement: a forum may have forty channels). Each is about the organisations called at
    the moment it was planned (its ``created_at``): ``called_in``, those called in during the
    event (``!kalla in``), who get follow-ups of their own, counted from now."""
    wait = timedelta(minutes=req.config.activation_recall_minutes)
    at = f"@{req.now.astimezone(UTC):%Y%m%dT%H%M%S%f}" if called_in else ""
    planned = [
        _values(
            RECALL,
            f"activation:{activation.id}:recall{at}:{channel.platform}:{channel.channel_id}",
            channel.platform,
            channel.channel_id,
            req.now + wait,
            forum=forum,
            activation_id=activation.id,
        )
        for channel in req.store.forums.channels(forum)
    ]
    planned.append(
        _values(
            STILL_MISSING,
            f"activation:{activation.id}:missing{at}",
            req.incoming.platform,
            req.incoming.channel_id,
            req.now + 2 * wait,
            forum=forum,
            activation_id=activation.id,
        )
    )
    req.store.scheduled.plan_all(planned)


def _values(
    kind: str,
    key: str,
    platform: str,
    channel_id: str,
    due_at: datetime,
    *,
    forum: Forum,
    activation_id: int | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "platform": platform,
        "channel_id": channel_id,
        "forum_id": forum.id,
        "activation_id": activation_id,
        "timezone": forum.timezone,
        "language": forum.language,
        "due_at": due_at,
    }


def plan_request_escalation(req: Request, request: ActivationRequest) -> None:
    """The escalation of a request for activation just made: if nobody has acknowledged it
    and its forum is not activated ``DUTY_REQUEST_ESCALATION_MINUTES`` later, every
    coordinator of its forum is mentioned in the channel it was asked in."""
    forum = req.forum_here  # the channel's: the request may be for another forum
    _plan(
        req,
        REQUEST_ESCALATION,
        f"activation_request:{request.id}:escalation",
        req.incoming.platform,
        req.incoming.channel_id,
        req.now + timedelta(minutes=req.config.duty_request_escalation_minutes),
        forum=forum,
    )


def escalated_request_id(post: ScheduledPost) -> int | None:
    """The request a ``REQUEST_ESCALATION`` post is about (its key names it)."""
    parts = (post.key or "").split(":")
    if len(parts) == 3 and parts[0] == "activation_request" and parts[1].isdigit():
        return int(parts[1])
    return None


def plan_action(req: Request, action: Action) -> None:
    """The reminders of an action with a due time: the day before (if that is still ahead)
    and at the due time."""
    if action.due_at is None:
        return
    forum = req.forum_here
    day_before = action.due_at - timedelta(days=1)
    for kind, at in ((ACTION_TOMORROW, day_before), (ACTION_DUE, action.due_at)):
        if at > req.now:
            _plan(
                req,
                kind,
                f"action:{action.id}:{kind}",
                req.incoming.platform,
                req.incoming.channel_id,
                at,
                forum=forum,
                action_id=action.id,
            )


def _plan(
    req: Request,
    kind: str,
    key: str,
    platform: str,
    channel_id: str,
    due_at: datetime,
    *,
    forum: Forum,
    activation_id: int | None = None,
    action_id: int | None = None,
) -> None:
    req.store.scheduled.plan(
        ScheduledPost(
            kind=kind,
            key=key,
            platform=platform,
            channel_id=channel_id,
            forum_id=forum.id,
            activation_id=activation_id,
            action_id=action_id,
            timezone=forum.timezone,
            language=forum.language,
            created_at=req.now,
            due_at=due_at,
        )
    )

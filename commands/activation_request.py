"""The green button: an actor asks for a forum's activation (``!begär aktivering``)."""

from __future__ import annotations

from datetime import timedelta

from commands.core.channels import forum_wide, other_channels
from commands.core.document import Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.grammar import forum_words
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.roles import coordinators_of
from commands.core.timefmt import format_time
from storage.models import Role

FEATURE = feature(__name__)

MAX_REASON = 1000
# A request for activation not answered within this long lapses: the next one is new, and
# mentions the coordinators again. Until then, repeats are added to it.
REQUEST_OPEN = timedelta(hours=6)


def checked_reason(req: Request, name: str) -> str:
    reason = req.arg(name).strip()
    if len(reason) > MAX_REASON:
        raise CommandError("error.text_too_long", hint_key=None, limit=MAX_REASON)
    return reason


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
    organisation = req.store.my_organisation()
    pending = req.store.activations.open_request(forum, since=req.now - REQUEST_OPEN)
    if pending is not None:
        # Pressed again: added to the open request, nobody mentioned a second time.
        count = req.store.activations.repeat_request(pending, reason, req.me, organisation)
        first = req.store.people.get(pending.requested_by_id)
        doc = req.document().paragraph(
            req.t(
                "activation.request_repeated",
                who=first.display_name if first else "?",
                time=format_time(pending.at, req.zone),
                count=count,
            )
        )
        doc.paragraph(req.t("activation.request_next", prefix=req.config.prefix))
        return Reply(doc)
    people = coordinators_of(req.store, req.config, forum)
    elsewhere = other_channels(req, forum)
    req.store.activations.request(forum, reason, req.me, organisation)
    who = req.me.display_name + (f" ({organisation.name})" if organisation else "")
    doc = req.document().heading(req.t("activation.request_title", forum=forum.name))
    doc.paragraph(req.t("activation.request_by", who=who, time=format_time(req.now, req.zone)))
    doc.paragraph(Strong(req.t("activation.reason")), ": ", reason)
    if people:
        parts: list[Part] = [req.t("activation.request_coordinators") + " "]
        for index, person in enumerate(people):
            parts.extend([", "] if index else [])
            parts.append(req.mention(person))
        doc.paragraph(*parts)
    else:
        doc.paragraph(req.t("activation.request_no_coordinators"))
    doc.paragraph(req.t("activation.request_next", prefix=req.config.prefix))
    return Reply(doc, posts=forum_wide(elsewhere, doc))

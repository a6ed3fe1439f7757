"""``!forum värd`` and ``!värd``: who hosts a forum, and an activation.

"Länsstyrelsen är normalt mötesvärd och dokumenterar arbetet" — each forum has a host
organisation (the samordningsgrupp's rotates): ``!forum värd`` shows it, ``!forum värd <org>``
(a coordinator of the forum) sets it. "Under det första mötet bestämmer man också det
fortsatta värdskapet": during an activation ``!värd <org>`` (a coordinator of the forum) sets
the activation's own host, which the minutes of its meetings show instead of the forum's;
``!värd`` alone shows it. A change is announced in the forum's other channels.
"""

from __future__ import annotations

from commands.core.channels import forum_wide, other_channels
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.grammar import forum_words
from commands.core.lookup import find_organisation
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.roles import require_coordinator_of
from storage.models import Forum, Organisation

FEATURE = feature(__name__)

# Read in the handler, after the authority and the activation are checked, so that a name
# not found is answered with how to name a host, not how to say whom one represents.
HOST = Arg("organisation", ArgKind.TEXT, required=False)


def _read_host(req: Request, hint_key: str) -> Organisation:
    """The organisation named, or the lookup's refusal with this command's own example."""
    try:
        return find_organisation(req, req.arg("organisation"))
    except CommandError as error:
        raise CommandError(error.key, hint_key=hint_key, **error.params) from None


def forum_host(req: Request, forum: Forum) -> Organisation | None:
    if forum.host_organisation_id is None:
        return None
    return req.store.organisations.get(forum.host_organisation_id)


@command(
    "hosting.forum",
    "forum värd",
    aliases=("forum host",),
    args=(HOST,),
    needs_forum=True,
)
def set_forum_host(req: Request) -> Reply:
    """The forum's host; with an organisation, a coordinator of the forum sets it."""
    forum = req.forum_here
    current = forum_host(req, forum)
    if req.args.get("organisation") is None:
        doc = req.document()
        if current is None:
            doc.paragraph(req.t("hosting.forum_none", forum=forum.name))
        else:
            doc.paragraph(req.t("hosting.forum_host", forum=forum.name, host=current.name))
        doc.paragraph(req.t("hosting.how_forum", prefix=req.config.prefix))
        return Reply(doc)
    require_coordinator_of(req, forum)
    host = _read_host(req, "hosting_hint.forum")
    if current is not None and current.id == host.id:
        return Reply(
            req.document().paragraph(req.t("hosting.forum_same", forum=forum.name, host=host.name))
        )
    req.store.forums.set_host(forum, host)
    notice = req.document().paragraph(
        req.t("hosting.forum_announce", who=req.me.display_name, host=host.name, forum=forum.name)
    )
    doc = req.document().paragraph(req.t("hosting.forum_set", forum=forum.name, host=host.name))
    return Reply(doc, posts=forum_wide(other_channels(req, forum), notice))


@command(
    "hosting.activation",
    "värd",
    aliases=("host",),
    args=(HOST,),
    needs_forum=True,
)
def set_activation_host(req: Request) -> Reply:
    """The open activation's host; with an organisation, a coordinator of the forum sets it
    (decided at the activation's first meeting)."""
    forum = req.forum_here
    activation = req.store.activations.current(forum)
    if activation is None:
        raise CommandError(
            "hosting.error.not_activated",
            hint_key="hosting_hint.activation",
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    current = (
        req.store.organisations.get(activation.host_organisation_id)
        if activation.host_organisation_id is not None
        else None
    )
    if req.args.get("organisation") is None:
        doc = req.document()
        if current is not None:
            doc.paragraph(req.t("hosting.activation_host", forum=forum.name, host=current.name))
        else:
            fallback = forum_host(req, forum)
            if fallback is None:
                doc.paragraph(req.t("hosting.activation_none", forum=forum.name))
            else:
                doc.paragraph(req.t("hosting.activation_default", host=fallback.name))
        doc.paragraph(req.t("hosting.how_activation", prefix=req.config.prefix))
        return Reply(doc)
    require_coordinator_of(req, forum)
    host = _read_host(req, "hosting_hint.activation")
    if current is not None and current.id == host.id:
        return Reply(req.document().paragraph(req.t("hosting.activation_same", host=host.name)))
    req.store.activations.set_host(activation, host)
    notice = req.document().paragraph(
        req.t(
            "hosting.activation_announce",
            who=req.me.display_name,
            host=host.name,
            forum=forum.name,
        )
    )
    doc = req.document().paragraph(
        req.t("hosting.activation_set", forum=forum.name, host=host.name)
    )
    return Reply(doc, posts=forum_wide(other_channels(req, forum), notice))

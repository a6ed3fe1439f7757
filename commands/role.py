"""``!roll``: coordinators give roles, in a forum or in the whole region; ``!roll lista``."""

from __future__ import annotations

from datetime import datetime

from commands.core.document import Document, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import find_choice, find_person
from commands.core.messages import Reply
from commands.core.registry import Arg, Scope, command
from commands.core.request import Request
from commands.core.roles import admins_met, require_coordinator_of, require_regional_coordinator
from commands.core.text import fold
from commands.core.timefmt import format_time
from storage.models import Person, Role

FEATURE = feature(__name__)

ROLE_WORDS: dict[str, Role] = {
    fold(word): role
    for role, words in {
        Role.COORDINATOR: ("koordinator", "samordnare", "coordinator"),
        Role.ACTOR: ("aktör", "actor"),
        Role.OBSERVER: ("observatör", "observer"),
        Role.NONE: ("ingen", "none"),
    }.items()
    for word in words
}
REGIONAL_WORDS = {fold(word): True for word in ("regionalt", "regional", "region", "regionen")}


@command(
    "role.set",
    "roll",
    aliases=("role",),
    args=(Arg("person"), Arg("role"), Arg("scope", required=False)),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
)
def set_role(req: Request) -> Reply:
    role = find_choice(req.arg("role"), ROLE_WORDS, "error.unknown_role", "hint.role")
    regional = req.args.get("scope")
    if regional is not None:
        find_choice(regional, REGIONAL_WORDS, "error.unknown_scope", "hint.role_regional")
        return _set_regional(req, req.arg("person"), role)
    if req.forum is None:
        raise CommandError("error.no_forum", hint_key="hint.role_regional")
    forum = req.forum
    require_coordinator_of(req, forum)
    person = find_person(req, req.arg("person"))
    if person.id == req.me.id and role.rank < Role.COORDINATOR.rank:
        raise CommandError("error.demote_self", hint_key="hint.ask_coordinator")
    current = req.store.people.granted_role(forum, person)
    if current == role:
        return Reply(
            req.document().paragraph(
                req.t(
                    "role.unchanged", person=person.display_name, role=req.t(f"role.{role.value}")
                )
            )
        )
    req.store.people.grant(forum, person, role, by=req.me)
    # "har nu rollen ingen roll" says it badly: no role is said as such.
    key = "role.granted_none" if role is Role.NONE else "role.granted"
    doc = req.document().paragraph(
        req.t(key, person=person.display_name, role=req.t(f"role.{role.value}"), forum=forum.name)
    )
    if role is Role.ACTOR and person.organisation_id is None:
        doc.paragraph(
            req.t("role.needs_organisation", person=person.display_name, prefix=req.config.prefix)
        )
    return Reply(doc)


def _set_regional(req: Request, who: str, role: Role) -> Reply:
    """Coordinator of the whole region, or none: given and taken by such coordinators."""
    require_regional_coordinator(req)
    if role not in (Role.COORDINATOR, Role.NONE):
        raise CommandError("error.regional_role_only_coordinator", hint_key="hint.role_regional")
    person = find_person(req, who)
    name = person.display_name
    if role is Role.NONE:
        if person.id == req.me.id:
            raise CommandError("error.demote_self", hint_key="hint.ask_coordinator")
        if not req.store.people.revoke_regional(person):
            return Reply(req.document().paragraph(req.t("role.not_regional", person=name)))
        return Reply(req.document().paragraph(req.t("role.revoked_regional", person=name)))
    if req.store.people.regional_role(person) is Role.COORDINATOR:
        return Reply(
            req.document().paragraph(
                req.t("role.unchanged", person=name, role=req.t("role.coordinator"))
            )
        )
    req.store.people.grant_regional(person, role, by=req.me)
    return Reply(req.document().paragraph(req.t("role.granted_regional", person=name)))


@command("role.list", "roll lista", aliases=("role list", "roles"), personal=True)
def list_roles(req: Request) -> Reply:
    """Who coordinates the region, and (in a forum's channel) who holds which role there."""
    doc = req.document().heading(req.t("role.list_regional"))
    admins = admins_met(req.store, req.config)
    items: list[list[Part]] = [
        [Strong(person.display_name), f" ({person.user_id}) – ", req.t("role.list_admin")]
        for person in admins
    ]
    admin_ids = {person.id for person in admins}
    regional = req.store.people.regional_grants()
    granters = req.store.people.by_ids([g.granted_by_id for _, g in regional if g.granted_by_id])
    items += [
        _granted(req, person, grant.role, granters.get(grant.granted_by_id or 0), grant.granted_at)
        for person, grant in regional
        if person.id not in admin_ids
    ]
    _bullets_or_none(req, doc, items)
    unmet = len(req.config.bot_admins) - len(admins)
    if unmet > 0:
        doc.paragraph(req.t("role.list_admins_unmet", count=unmet))
    if req.forum is not None:
        grants = req.store.people.grants(req.forum)
        granters = req.store.people.by_ids([g.granted_by_id for _, g in grants if g.granted_by_id])
        doc.heading(req.t("role.list_forum", forum=req.forum.name), level=2)
        lines = [
            _granted(
                req, person, grant.role, granters.get(grant.granted_by_id or 0), grant.granted_at
            )
            for person, grant in grants
        ]
        _bullets_or_none(req, doc, lines)
    return Reply(doc)


def _granted(
    req: Request, person: Person, role: Role, by: Person | None, at: datetime
) -> list[Part]:
    return [
        Strong(person.display_name),
        f" ({person.user_id}) – ",
        req.t(
            "role.list_granted",
            role=req.t(f"role.{role.value}"),
            by=by.display_name if by else req.t("role.unknown_granter"),
            time=format_time(at, req.zone),
        ),
    ]


def _bullets_or_none(req: Request, doc: Document, items: list[list[Part]]) -> None:
    if items:
        doc.bullets(items)
    else:
        doc.paragraph(req.t("role.list_none"))

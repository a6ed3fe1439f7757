"""``!roll``: a coordinator gives a person a role in this forum."""

from __future__ import annotations

from commands.core.lookup import find_choice, find_person
from commands.core.registry import Arg, command
from commands.core.request import CommandError, Reply, Request
from commands.core.text import fold
from storage.models import Role

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


@command(
    "role.set",
    "roll",
    aliases=("role",),
    args=(Arg("person"), Arg("role")),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def set_role(req: Request) -> Reply:
    forum = req.require_forum()
    role = find_choice(req.arg("role"), ROLE_WORDS, "error.unknown_role", "hint.role")
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
    doc = req.document().paragraph(
        req.t(
            "role.granted",
            person=person.display_name,
            role=req.t(f"role.{role.value}"),
            forum=forum.name,
        )
    )
    if role is Role.ACTOR and person.organisation_id is None:
        doc.paragraph(
            req.t("role.needs_organisation", person=person.display_name, prefix=req.config.prefix)
        )
    return Reply(doc)

"""Who may do what: the one place where authority is decided.

The trust model (see ``docs/architecture.md``, "Authority"):

- **Coordinators of the region** are the people in ``BOT_ADMINS`` (configuration: the root
  of trust) and those another coordinator of the region made one with
  ``!roll <person> koordinator regionalt`` (a ``RegionalGrant``). They coordinate every forum,
  create forums and organisations, and bind channels to any forum.
- **A forum's coordinators** were given the role in that forum (``!roll <person> koordinator``
  in one of its channels). They act on that forum only: binding a channel to another forum,
  or taking a channel away from one, needs the role there too.
- **Actors** said which organisation they represent (``!aktör``, in a channel of a forum,
  where the forum's coordinators are told and can revoke it). Where the deployment maps
  organisations to identities it controls (``ORGANISATION_IDENTITIES``: Matrix homeserver
  domains, Slack team ids), a claim outside the map is refused.
- A platform's own power over one room (a Matrix moderator, a Slack workspace admin) grants
  **nothing** here, unless a deployment opts in with
  ``PLATFORM_MODERATORS_ARE_COORDINATORS`` (warned about at start).
- A direct conversation with the bot never acts on a forum (the dispatcher sees to that).
"""

from __future__ import annotations

from commands.core.config import CoreConfig
from commands.core.errors import CommandError
from commands.core.messages import Speaker
from commands.core.registry import Command, Scope
from commands.core.request import Request
from commands.core.text import fold
from storage import Store
from storage.models import Forum, Organisation, Person, Role


def is_admin_id(platform: str, user_id: str, config: CoreConfig) -> bool:
    """``BOT_ADMINS`` holds bare platform ids (``@anna:example.org``) or ``platform:id``."""
    return user_id in config.bot_admins or f"{platform}:{user_id}" in config.bot_admins


def is_admin(speaker: Speaker, config: CoreConfig) -> bool:
    return is_admin_id(speaker.platform, speaker.user_id, config)


def is_regional_coordinator(store: Store, speaker: Speaker, config: CoreConfig) -> bool:
    if is_admin(speaker, config):
        return True
    if config.platform_moderators_are_coordinators and speaker.platform_moderator:
        return True  # the deployment opted in to the old rule, knowing what it grants
    return store.my_regional_role() is Role.COORDINATOR


def resolve_role(store: Store, forum: Forum | None, speaker: Speaker, config: CoreConfig) -> Role:
    """The speaker's role in ``forum`` (None: in no forum, as in an unbound channel)."""
    if is_regional_coordinator(store, speaker, config):
        return Role.COORDINATOR
    person = store.known_me()
    if person is None:
        return Role.NONE
    if forum is not None:
        granted = store.people.granted_role(forum, person)
        if granted is not None:
            return granted
    return Role.ACTOR if person.organisation_id is not None else Role.NONE


def regional_role(store: Store, speaker: Speaker, config: CoreConfig) -> Role:
    """The role the speaker holds in every forum: coordinator, or none."""
    return Role.COORDINATOR if is_regional_coordinator(store, speaker, config) else Role.NONE


def allows(role: Role, required: Role) -> bool:
    return role.rank >= required.rank


def may_use(req: Request, cmd: Command) -> bool:
    """Whether the asker could use ``cmd`` here, as far as authority goes (for help): the
    dispatcher's gate, and the handler's for a command that names its forum."""
    if req.incoming.direct and not cmd.personal:
        return False
    if cmd.scope is Scope.REGION:
        return allows(regional_role(req.store, req.incoming.speaker, req.config), cmd.role)
    if allows(req.role, cmd.role):
        return req.forum is not None or not cmd.needs_forum
    if cmd.scope is Scope.TARGET and cmd.role is Role.COORDINATOR:
        me = req.store.known_me()  # a forum's coordinator may bind a channel to it
        return me is not None and bool(req.store.people.forums_with_role(me, Role.COORDINATOR))
    return False


def role_in(req: Request, forum: Forum) -> Role:
    """The asker's role in another forum than the channel's (the target of a binding)."""
    if req.forum is not None and req.forum.id == forum.id:
        return req.role
    return resolve_role(req.store, forum, req.incoming.speaker, req.config)


def require_coordinator_of(req: Request, forum: Forum) -> None:
    if not allows(role_in(req, forum), Role.COORDINATOR):
        raise CommandError(
            "error.not_coordinator_of", hint_key="hint.who_coordinates", forum=forum.name
        )


def require_regional_coordinator(req: Request) -> None:
    if regional_role(req.store, req.incoming.speaker, req.config) is not Role.COORDINATOR:
        raise CommandError("error.not_regional_coordinator", hint_key="hint.who_coordinates")


def coordinators_of(store: Store, config: CoreConfig, forum: Forum) -> list[Person]:
    """Coordinators known to the bot for ``forum``: those given the role there, the region's
    coordinators, and the admins the bot has met."""
    people = store.people.with_role(forum, Role.COORDINATOR)
    seen = {p.id for p in people}
    for person in [*store.people.with_regional_role(Role.COORDINATOR), *admins_met(store, config)]:
        if person.id not in seen:
            people.append(person)
            seen.add(person.id)
    return people


def admins_met(store: Store, config: CoreConfig) -> list[Person]:
    """The people of ``BOT_ADMINS`` the bot has met (it knows their names)."""
    entries = config.bot_admins
    candidates = sorted(entries | {entry.split(":", 1)[1] for entry in entries if ":" in entry})
    return [
        person
        for person in store.people.with_user_ids(candidates)
        if is_admin_id(person.platform, person.user_id, config)
    ]


# -- who may speak for which organisation ------------------------------------------------------


def identity_key(speaker: Speaker) -> str | None:
    """``matrix:polisen.se``, ``slack:t024be7lh``: the home the platform vouches for, in the
    form homes are compared in (case does not count)."""
    return f"{speaker.platform}:{speaker.home}".casefold() if speaker.home else None


def _names(organisation: Organisation) -> set[str]:
    return {fold(name) for name in (organisation.name, *organisation.aliases)}


def check_claim(req: Request, organisation: Organisation) -> None:
    """Refuse a claim to represent ``organisation`` that the identity map rules out: an
    identity whose home is mapped speaks only for its organisations, and an organisation
    with mapped homes is spoken for only from them."""
    mapping = req.config.organisation_identities
    if not mapping:
        return
    key = identity_key(req.incoming.speaker)
    mine = {org for org, home in mapping if home.casefold() == key}
    if mine and not mine & _names(organisation):
        raise CommandError(
            "error.claim_outside_identity",
            hint_key="hint.claim_mapped",
            organisation=organisation.name,
            home=req.incoming.speaker.home or "",
        )
    homes = {home for org, home in mapping if org in _names(organisation)}
    if homes and key not in {home.casefold() for home in homes}:
        raise CommandError(
            "error.claim_wrong_home",
            hint_key="hint.ask_coordinator",
            organisation=organisation.name,
            homes=", ".join(sorted(home.split(":", 1)[1] for home in homes)),
        )


def mapped_organisation_name(speaker: Speaker, config: CoreConfig) -> str | None:
    """The one organisation the identity map gives this speaker's home, if exactly one."""
    key = identity_key(speaker)
    found = {org for org, home in config.organisation_identities if home.casefold() == key}
    return next(iter(found)) if len(found) == 1 else None


# -- the move to explicit roles (migration 0009) ---------------------------------------------


def coordinators_by_platform_only(
    store: Store, config: CoreConfig
) -> list[tuple[Person, list[str]]]:
    """People who did what only a coordinator may (bound a channel, gave a role, activated
    or stood down a forum) but hold no coordinator role now: before the explicit trust model
    they could through a platform's moderator flag. With the channels they bound
    (``platform:channel``), for an operator to review."""
    found = []
    for person, bindings in store.people.who_acted_as_coordinators().values():
        if is_admin_id(person.platform, person.user_id, config):
            continue
        if store.people.regional_role(person) is Role.COORDINATOR:
            continue
        if store.people.forums_with_role(person, Role.COORDINATOR):
            continue
        found.append((person, [f"{b.platform}:{b.channel_id}" for b in bindings]))
    return found

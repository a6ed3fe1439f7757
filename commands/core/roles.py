"""Who may do what: the one place where a person's role is decided.

In order: a bot administrator (``BOT_ADMINS``) or the platform's own moderator of the channel
is a coordinator; otherwise a role given with ``!roll`` in this forum counts; otherwise a
person who has said which organisation they represent is an actor; otherwise no role (read
only).
"""

from __future__ import annotations

from commands.core.request import CoreConfig, Speaker
from storage import Store
from storage.models import Forum, Role


def is_admin_id(platform: str, user_id: str, config: CoreConfig) -> bool:
    """``BOT_ADMINS`` holds bare platform ids (``@anna:example.org``) or ``platform:id``."""
    return user_id in config.bot_admins or f"{platform}:{user_id}" in config.bot_admins


def is_admin(speaker: Speaker, config: CoreConfig) -> bool:
    return is_admin_id(speaker.platform, speaker.user_id, config)


def resolve_role(store: Store, forum: Forum | None, speaker: Speaker, config: CoreConfig) -> Role:
    if is_admin(speaker, config) or speaker.platform_moderator:
        return Role.COORDINATOR
    person = store.known_me()
    if person is None:
        return Role.NONE
    if forum is not None:
        granted = store.people.granted_role(forum, person)
        if granted is not None:
            return granted
    return Role.ACTOR if person.organisation_id is not None else Role.NONE


def allows(role: Role, required: Role) -> bool:
    return role.rank >= required.rank

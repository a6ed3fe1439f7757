"""The part of the configuration the core needs (built by ``bot.config``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoreConfig:
    """The part of the configuration the core needs (built by ``bot.config``)."""

    default_language: str = "sv"
    timezone: str = "Europe/Stockholm"
    # Coordinators of the whole region by configuration: the root of trust.
    bot_admins: frozenset[str] = frozenset()
    # The old rule, for deployments that opt in: a platform's moderators (Matrix power
    # level 50, Slack workspace admins) are coordinators of every forum.
    platform_moderators_are_coordinators: bool = False
    # Which identities may speak for which organisation: (folded organisation name,
    # ``platform:home``) pairs, e.g. ("polisen region stockholm", "matrix:polisen.se");
    # homes compare without regard to case.
    organisation_identities: frozenset[tuple[str, str]] = frozenset()
    prefix: str = "!"
    max_message_length: int = 4000
    meeting_minutes: int = 60
    meeting_auto_close_minutes: int = 240
    reminder_grace_minutes: int = 30
    activation_recall_minutes: int = 10
    # A request for activation (the green button) not acknowledged by the duty officers
    # within this long goes to every coordinator of the forum.
    duty_request_escalation_minutes: int = 15
    # How to reach Länsstyrelsen's duty officer (TiB) by phone, told to whoever asks for an
    # activation that nobody in the chat can take; "" says whom to call without a number.
    duty_phone: str = ""
    # Minutes before a scheduled meeting of the bot's posts: the notice with the agenda, the
    # nag about missing reports, "starts soon", "starts now"; None leaves one out.
    meeting_reminder_offsets: tuple[int | None, ...] = (1440, 120, 15, 0)
    # Audit events older than this many days are deleted; 0 keeps them for ever.
    audit_retention_days: int = 730
    # The web pages (``!webb``): the address put in links; the signing secret ("" : one is
    # generated and kept in the database); how long a sign-in link works, and the session.
    web_base_url: str = "http://127.0.0.1:8080"
    web_secret: str = ""
    web_link_minutes: int = 10
    web_session_hours: int = 12
    # False while this process serves no web pages (the terminal chat whose port another
    # program holds): ``!webb`` then gives no link that would lead elsewhere.
    web_served: bool = True

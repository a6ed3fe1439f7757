"""Putting the parts together: database, dispatcher, timekeeper, hub."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.hub import Hub
from commands import Dispatcher
from commands.core.clock import Clock, SystemClock
from commands.core.timekeeper import Timekeeper
from storage import AuditContext, Database

log = logging.getLogger(__name__)
TRUST_REVIEW_KEY = "trust-review-0009"


@dataclass
class App:
    settings: Settings
    database: Database
    dispatcher: Dispatcher
    timekeeper: Timekeeper
    hub: Hub

    def close(self) -> None:
        self.hub.close()
        self.database.dispose()


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    instance: str | None = None,
    on_command: Callable[[str, str], None] | None = None,
) -> App:
    """Migrate and seed the database, and wire the dispatcher, timekeeper and hub.

    ``instance``: this process's name among several sharing the database (``INSTANCE_NAME``);
    ``on_command``: told of each command's key and outcome (the metrics)."""
    clock = clock or SystemClock()
    database = Database(settings.database_url, background_checkpoints=True)
    database.prepare(clock.now())
    core = settings.core()
    dispatcher = Dispatcher(database, clock, core)
    timekeeper = Timekeeper(database, clock, core, instance, capabilities=dispatcher.capabilities)
    _warn_about_trust(database, settings, clock)
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise cost tens of milliseconds now and then.
    gc.collect()
    gc.freeze()
    hub = Hub(
        dispatcher,
        timekeeper,
        on_command=on_command,
        concurrency=settings.outbox_concurrency,
        claim_seconds=settings.outbox_claim_seconds,
    )
    return App(settings, database, dispatcher, timekeeper, hub)


def _warn_about_trust(database: Database, settings: Settings, clock: Clock) -> None:
    """Say at start what the trust model grants beyond ``BOT_ADMINS`` and ``!roll``, and,
    once after the move to explicit roles, who lost the coordinator role with it."""
    from commands.core.roles import coordinators_by_platform_only

    if settings.platform_moderators_are_coordinators:
        log.warning(
            "PLATFORM_MODERATORS_ARE_COORDINATORS is on: every Matrix room moderator and "
            "Slack workspace admin coordinates every forum (can bind, activate, stand down)"
        )
    if database.door_state("bot", TRUST_REVIEW_KEY) is not None:
        return
    now = clock.now()
    with database.reading(AuditContext("bot", "", "bot", "bot", now)) as store:
        found = coordinators_by_platform_only(store, settings.core())
        listed = "; ".join(
            f"{person.platform}:{person.user_id} ({person.display_name})"
            + (f", bound {', '.join(bindings)}" if bindings else "")
            for person, bindings in found
        )
    if found:
        log.warning(
            "coordinators no more: %d people acted as coordinators through their platform's "
            "moderator flag and hold no coordinator role now; their bindings are kept. Grant "
            "the role with `!roll <person> koordinator [regionalt]` where it is right: %s",
            len(found),
            listed,
        )
    database.keep_door_state("bot", TRUST_REVIEW_KEY, now.isoformat(), now)

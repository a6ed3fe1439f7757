"""Putting the parts together: database, dispatcher, hub."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from bot.config import Settings
from bot.hub import Hub
from commands import Dispatcher
from commands.core.clock import Clock, SystemClock
from storage import Database


@dataclass
class App:
    settings: Settings
    database: Database
    dispatcher: Dispatcher
    hub: Hub

    def close(self) -> None:
        self.hub.close()
        self.database.dispose()


def build_app(settings: Settings, clock: Clock | None = None) -> App:
    """Migrate and seed the database, and wire the dispatcher and hub."""
    clock = clock or SystemClock()
    database = Database(settings.database_url, background_checkpoints=True)
    database.prepare(clock.now())
    dispatcher = Dispatcher(database, clock, settings.core())
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise cost tens of milliseconds now and then.
    gc.collect()
    gc.freeze()
    return App(settings, database, dispatcher, Hub(dispatcher))

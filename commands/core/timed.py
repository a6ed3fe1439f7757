"""Work the bot does on its own as time passes, not in answer to a message.

A job takes the unit of work, the time and the configuration, changes what is due, and returns
the posts to send. :meth:`commands.core.dispatcher.Dispatcher.tick` runs every job, each in its
own transaction; the hub calls it every few seconds. A job must be safe with several bot
processes on one database: it changes a row only if nobody else did (a guarded UPDATE), and
posts only what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commands.core.config import CoreConfig
    from commands.core.messages import Post
    from storage import Store

Job = Callable[["Store", datetime, "CoreConfig"], "list[Post]"]

JOBS: list[Job] = []

# Who the audit trail names for what the bot does by itself.
BOT_PLATFORM = "system"
BOT_USER = "samverkan-bot"


def timed(job: Job) -> Job:
    """Register ``job`` to run on every tick."""
    JOBS.append(job)
    return job

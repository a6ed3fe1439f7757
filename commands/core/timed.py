"""Work the bot does on its own as time passes, not in answer to a message.

A job takes the unit of work, the :class:`Tick` (the time, and the real time and process name a
claim between processes is made in) and the configuration, changes what is due, and returns the
posts to send. :meth:`commands.core.timekeeper.Timekeeper.tick` runs every job, each in its own
transaction; the hub calls it every few seconds. A job is declared with :func:`timed` in its
feature module and runs in a bot built with that feature (:mod:`commands.core.capabilities`). A
job must be safe with several bot processes on one database: it changes a row only if nobody
else did (a guarded UPDATE), and posts only what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from commands.core.features import declared_in

if TYPE_CHECKING:
    from commands.core.config import CoreConfig
    from commands.core.messages import Post
    from storage import Store


@dataclass(frozen=True)
class Tick:
    """When a tick runs: ``now`` on the bot's clock (shifted on the terminal by ``~tid``);
    ``lease_now``, the real time beneath it, which leases between processes are measured in
    (a terminal whose clock moved must not take a claim another process still holds for
    abandoned); ``claimant``, the name of the process (``INSTANCE_NAME``) claiming posts."""

    now: datetime
    lease_now: datetime
    claimant: str | None = None


Job = Callable[["Store", Tick, "CoreConfig"], "list[Post]"]

# Who the audit trail names for what the bot does by itself.
BOT_PLATFORM = "system"
BOT_USER = "samverkan-bot"


def timed(job: Job) -> Job:
    """Declare ``job`` to run on every tick."""
    declared_in(job).jobs.append(job)
    return job

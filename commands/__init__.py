"""Every use case of the bot, written once, knowing nothing of Slack, Matrix or the terminal.

Each module registers its commands in :data:`commands.core.registry.REGISTRY`; importing this
package registers them all. Topic modules never import one another (an import-linter
contract in ``pyproject.toml``, checked by ``tests/test_layers.py``): what two share lives in
``commands/core/``, ``commands/situation/`` or ``commands/minutes/``. A command lives in the
module named after what it is about:

- ``help``: ``!hjälp``
- ``forum``: ``!forum``, ``!forum lista|koppla|lossa|skapa|språk``
- ``actor``: ``!aktör``, ``!aktör ny``, ``!aktör ta bort``, ``!aktörer``
- ``role``: ``!roll``, ``!roll lista``
- ``activation``: ``!begär aktivering``, ``!aktivera``, ``!kvittera``, ``!status``, ``!avaktivera``
- ``report``: ``!läge``, ``!läge oförändrat|formulär|för``
- ``joint_picture``: ``!lägesbild``, ``!lägesbild publicera``, ``!saknas``
- ``cancel``: ``!avbryt`` (a form asked question by question)
- ``meeting``: ``!möte start|slut``, ``!punkt``, ``!info``, ``!överenskommelse`` (``!beslut``),
  ``!ångra``, ``!ordförande``, ``!närvarande``, ``!minnesanteckningar`` (``!protokoll``)
- ``action``: ``!åtgärd``, ``!åtgärder``, ``!åtgärd klar`` (actions noted in meetings)
- ``escalation``: ``!lyft`` (an item raised to another forum)
- ``schedule``: ``!schema``, ``!schema <regel>``, ``!schema helgdag``, ``!nästa`` (a forum's
  meeting schedule, holidays marked)
- ``reminder``: ``!påminn``, ``!påminnelser``, ``!påminn ta bort``, ``!snooza``
- ``conference``: no command; the bot's own posts before each scheduled meeting in every
  channel of its forum (the day before with the agenda, the missing reports, soon, now) and
  the notice of one skipped for a holiday
- ``followups``: no commands; what the bot follows up by itself (an unanswered call-out,
  actions falling due), planned by ``activation`` and ``action``
- ``retention``: no commands; audit events older than ``AUDIT_RETENTION_DAYS`` deleted daily
"""

from commands import (  # noqa: F401  (registers commands)
    action,
    activation,
    actor,
    cancel,
    conference,
    escalation,
    followups,
    forum,
    help,
    joint_picture,
    meeting,
    reminder,
    report,
    retention,
    role,
    schedule,
)
from commands.core.dispatcher import Dispatcher
from commands.core.registry import REGISTRY

__all__ = ["REGISTRY", "Dispatcher"]

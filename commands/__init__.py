"""Every use case of the bot, written once, knowing nothing of Slack, Matrix or the terminal.

Each module declares what it adds to the bot (commands, hooks, forms, timed jobs, the scheduled
posts' composers) in its ``FEATURE`` (:mod:`commands.core.features`); :data:`FEATURES` lists
them all, and :data:`CAPABILITIES`, built from it, is what the dispatcher and timekeeper are
given unless a test builds its own (``build([report.FEATURE, ...])``). Topic modules never
import one another (an import-linter contract in ``pyproject.toml``, checked by
``tests/test_layers.py``): what two share lives in ``commands/core/``,
``commands/situation/``, ``commands/minutes/`` or ``commands/callout/``. A command lives in
the module named after what it is about:

- ``help``: ``!hjälp``
- ``forum``: ``!forum``, ``!forum lista|koppla|lossa|skapa|språk`` (``skapa … tematisk under
  <forum>``: a thematic group)
- ``actor``: ``!aktör`` (``[ersättare]``), ``!aktör ny``, ``!aktör ta bort``
- ``role``: ``!roll``, ``!roll lista``
- ``activation``: ``!aktivera``, ``!kvittera``, ``!kalla in``, ``!släpp``, ``!status``,
  ``!avaktivera``
- ``activation_request``: ``!begär aktivering`` (the green button), ``!kvittera begäran``,
  ``!lyft inriktande``
- ``duty``: ``!beredskap`` (TiB and RSK on duty, take-over, rota)
- ``members``: ``!forum medlemmar`` (``!aktörer``), ``!forum medlem lägg till|ta bort``,
  ``!företrädare``, ``!företrädare ta bort``
- ``hosting``: ``!forum värd``, ``!värd`` (the host of a forum, of an activation)
- ``agenda``: ``!dagordning``, ``!dagordning sätt`` (a forum's standing agenda)
- ``report_back``: ``!återrapport`` (a thematic group reporting to its parent)
- ``direction``: ``!inriktning``, ``!inriktning förslag|ändra|föredra|fastställ|historik``
  (the joint regional direction)
- ``direction_in_force``: ``!inriktning kvittera``, ``!inriktning fil`` (and the follow-ups of
  an adopted direction: who has not confirmed, its expiry)
- ``joint_message``: ``!budskap``, ``!budskap förslag|ok|invändning|ändra|fastställ|upphör``
- ``rhythm``: ``!rytm``, ``!nästa möte`` (the meeting rhythm of an activation)
- ``activation_record``: ``!efterhand`` (an activation's record: timeline, figures, charts)
- ``statistics``: ``!statistik`` (a forum's figures over a period, exercises apart)
- ``exercise``: ``!övning start|slut|inspel|rensa`` (exercise mode and its injects)
- ``report``: ``!läge``, ``!läge oförändrat|formulär|för``
- ``joint_picture``: ``!lägesbild``, ``!lägesbild publicera``, ``!saknas``
- ``cancel``: ``!avbryt`` (a form asked question by question)
- ``meeting``: ``!möte start|slut``, ``!punkt``, ``!info``, ``!överenskommelse`` (``!beslut``),
  ``!ångra``, ``!ordförande``, ``!närvarande``, ``!minnesanteckningar`` (``!protokoll``)
- ``action``: ``!åtgärd``, ``!åtgärder``, ``!åtgärd klar`` (actions noted in meetings)
- ``escalation``: ``!lyft`` (an item raised to another forum)
- ``schedule``: ``!schema``, ``!schema <regel>``, ``!schema helgdag``, ``!schema afton``,
  ``!nästa`` (a forum's meeting schedule, holidays and days off marked)
- ``reminder``: ``!påminn``, ``!påminnelser``, ``!påminn ta bort``, ``!snooza``
- ``conference``: no command; the bot's own posts before each scheduled meeting in every
  channel of its forum (the day before with the agenda, the missing reports, soon, now) and
  the notice of one skipped for a holiday or an eve that is a day off
- ``followups``: no commands; what the bot follows up by itself (an unanswered call-out: its
  ersättare, then the coordinators; actions falling due), planned by ``activation`` and
  ``action``
- ``retention``: no commands; audit events older than ``AUDIT_RETENTION_DAYS`` deleted daily
- ``web_access``: ``!webb`` (a personal sign-in link to the web pages, sent privately)
"""

from commands import (
    action,
    activation,
    activation_record,
    activation_request,
    actor,
    agenda,
    cancel,
    conference,
    direction,
    direction_in_force,
    duty,
    escalation,
    exercise,
    followups,
    forum,
    help,
    hosting,
    joint_message,
    joint_picture,
    meeting,
    members,
    reminder,
    report,
    report_back,
    retention,
    rhythm,
    role,
    schedule,
    statistics,
    web_access,
)
from commands.core import dispatcher, timekeeper
from commands.core.capabilities import Capabilities, build
from commands.core.clock import Clock
from commands.core.config import CoreConfig
from commands.core.features import Feature
from storage import Database

# Every feature, in the order help lists commands it ranks alike and timed jobs run.
FEATURES: list[Feature] = [
    action.FEATURE,
    activation.FEATURE,
    activation_record.FEATURE,
    activation_request.FEATURE,
    actor.FEATURE,
    agenda.FEATURE,
    cancel.FEATURE,
    conference.FEATURE,
    direction.FEATURE,
    direction_in_force.FEATURE,
    duty.FEATURE,
    escalation.FEATURE,
    exercise.FEATURE,
    followups.FEATURE,
    forum.FEATURE,
    help.FEATURE,
    hosting.FEATURE,
    joint_message.FEATURE,
    joint_picture.FEATURE,
    meeting.FEATURE,
    members.FEATURE,
    reminder.FEATURE,
    report.FEATURE,
    report_back.FEATURE,
    retention.FEATURE,
    rhythm.FEATURE,
    role.FEATURE,
    schedule.FEATURE,
    statistics.FEATURE,
    web_access.FEATURE,
]

CAPABILITIES = build(FEATURES)


class Dispatcher(dispatcher.Dispatcher):
    """The core's dispatcher, with every feature unless given ``capabilities``."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        capabilities: Capabilities = CAPABILITIES,
    ) -> None:
        super().__init__(database, clock, config, capabilities)


class Timekeeper(timekeeper.Timekeeper):
    """The core's timekeeper, with every feature unless given ``capabilities``."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        config: CoreConfig,
        instance: str | None = None,
        *,
        capabilities: Capabilities = CAPABILITIES,
    ) -> None:
        super().__init__(database, clock, config, instance, capabilities=capabilities)


__all__ = ["CAPABILITIES", "FEATURES", "Capabilities", "Dispatcher", "Timekeeper", "build"]

"""One unit of work: the repositories over a single session, with the acting person known."""

from __future__ import annotations

from sqlmodel import Session

from storage.actions import Actions, Escalations
from storage.activations import Activations
from storage.audit import AuditContext, AuditLog
from storage.directions import Directions
from storage.door_state import HandledEvents
from storage.duty import Duties
from storage.exercises import Exercises
from storage.form_dialogs import FormDialogs
from storage.forums import Forums
from storage.joint_messages import JointMessages
from storage.meetings import Meetings
from storage.models import Forum, Organisation, Person, Role
from storage.organisations import Organisations
from storage.outbox import Outbox
from storage.people import People
from storage.post_queue import ScheduledPosts
from storage.reports import Reports
from storage.statistics import StatisticsQueries
from storage.web_links import WebLinks

__all__ = ["AuditContext", "Store"]


class Store:
    """What a command handler may read and change, all inside one transaction."""

    def __init__(self, session: Session, context: AuditContext) -> None:
        self.session = session
        self.audit = AuditLog(session, context, lambda: self.ensure_me())
        self.forums = Forums(session, self.audit)
        self.organisations = Organisations(session, self.audit)
        self.people = People(session, self.audit)
        self.activations = Activations(session, self.audit)
        self.reports = Reports(session, self.audit)
        self.meetings = Meetings(session, self.audit)
        self.actions = Actions(session, self.audit)
        self.escalations = Escalations(session, self.audit)
        self.dialogs = FormDialogs(session, self.audit)
        self.duties = Duties(session, self.audit)
        self.directions = Directions(session, self.audit)
        self.joint_messages = JointMessages(session, self.audit)
        self.exercises = Exercises(session, self.audit)
        self.scheduled = ScheduledPosts(session, self.audit)
        self.handled_events = HandledEvents(session)
        self.outbox = Outbox(session)
        self.statistics = StatisticsQueries(session)
        self.web_links = WebLinks(session, self.audit)
        self._me: Person | None = None
        self._my_organisation: Organisation | None = None
        self._my_regional_role: Role | None = None
        self._looked_up = False

    @property
    def database_key(self) -> object:
        """This database, as an opaque key for what a process remembers about it (the
        conference planner's memory of what it planned)."""
        return self.session.get_bind()

    def forum_for_channel(
        self, platform: str, channel_id: str, *, seen_name: str | None = None
    ) -> Forum | None:
        """The forum a channel serves; its open activation is loaded along with it.
        ``seen_name``: the channel's name as a command there shows it (noted if new)."""
        found = self.forums.for_channel_with_open_activation(
            platform, channel_id, seen_name=seen_name
        )
        if found is None:
            return None
        forum, activation = found
        self.activations.remember_open(forum, activation)
        return forum

    def ensure_me(self) -> Person:
        """The person acting in this unit of work, created (a row inserted) on first sight."""
        if self._me is None:
            ctx = self.audit.context
            self._me = self.people.ensure(ctx.platform, ctx.user_id, ctx.display_name)
        return self._me

    def known_me(self) -> Person | None:
        """The acting person if the bot has met them before; creates nothing."""
        if self._me is None and not self._looked_up:
            ctx = self.audit.context
            found = self.people.lookup_with_organisation(ctx.platform, ctx.user_id)
            if found is not None:
                # Held here: the session only keeps weak references to what it loaded.
                self._me, self._my_organisation, self._my_regional_role = found
            self._looked_up = True
        return self._me

    def my_regional_role(self) -> Role | None:
        """The role the acting person holds in the whole region (``RegionalGrant``), if any."""
        self.known_me()
        return self._my_regional_role

    def my_organisation(self) -> Organisation | None:
        """The organisation the acting person represents, if any."""
        me = self.known_me()
        if me is None or me.organisation_id is None:
            return None
        held = self._my_organisation
        if held is None or held.id != me.organisation_id:
            held = self._my_organisation = self.organisations.get(me.organisation_id)
        return held

"""Actions noted in meetings (``!åtgärd``), items raised to other forums (``!lyft``) and
thematic groups' reports back to their parent (``!återrapport``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Action,
    Escalation,
    EscalationKind,
    Forum,
    Meeting,
    MeetingItem,
    Organisation,
    Person,
)

_OPEN = (
    select(Action)
    .where(
        Action.forum_id == bindparam("forum_id"),
        col(Action.closed_at).is_(None),
        col(Action.withdrawn_at).is_(None),
    )
    .order_by(col(Action.number))
)
# Open when the meeting started: what its follow-up went through.
_OPEN_AT = (
    select(Action)
    .where(
        Action.forum_id == bindparam("forum_id"),
        Action.meeting_id != bindparam("meeting_id"),
        Action.created_at <= bindparam("at"),
        or_(col(Action.closed_at).is_(None), col(Action.closed_at) >= bindparam("at")),
        or_(col(Action.withdrawn_at).is_(None), col(Action.withdrawn_at) >= bindparam("at")),
    )
    .order_by(col(Action.number))
)
_OF_MEETING = (
    select(Action)
    .where(Action.meeting_id == bindparam("meeting_id"), col(Action.withdrawn_at).is_(None))
    .order_by(col(Action.number))
)
_BY_NUMBER = select(Action).where(
    Action.forum_id == bindparam("forum_id"), Action.number == bindparam("number")
)
_LAST_NUMBER = select(func.max(Action.number)).where(Action.forum_id == bindparam("forum_id"))
_ACTION_OF_ITEM = select(Action).where(Action.item_id == bindparam("item_id"))

_PENDING = (
    select(Escalation)
    .where(
        Escalation.to_forum_id == bindparam("forum_id"),
        col(Escalation.taken_up_meeting_id).is_(None),
        col(Escalation.withdrawn_at).is_(None),
    )
    .order_by(col(Escalation.raised_at), col(Escalation.id))
)
_TAKEN_UP = (
    select(Escalation)
    .where(
        Escalation.taken_up_meeting_id == bindparam("meeting_id"),
        col(Escalation.withdrawn_at).is_(None),
    )
    .order_by(col(Escalation.raised_at), col(Escalation.id))
)
_RAISED_IN = (
    select(Escalation)
    .where(
        Escalation.from_meeting_id == bindparam("meeting_id"),
        col(Escalation.withdrawn_at).is_(None),
    )
    .order_by(col(Escalation.raised_at), col(Escalation.id))
)
_ESCALATION_OF_ITEM = select(Escalation).where(Escalation.item_id == bindparam("item_id"))


class Actions:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def open(self, forum: Forum) -> list[Action]:
        return list(self._session.exec(_OPEN, params={"forum_id": forum.id}))

    def open_at_start(self, meeting: Meeting) -> list[Action]:
        """The forum's actions that were open when ``meeting`` began: its follow-up."""
        params = {"forum_id": meeting.forum_id, "meeting_id": meeting.id, "at": meeting.started_at}
        return list(self._session.exec(_OPEN_AT, params=params))

    def of_meeting(self, meeting: Meeting) -> list[Action]:
        return list(self._session.exec(_OF_MEETING, params={"meeting_id": meeting.id}))

    def get(self, action_id: int) -> Action | None:
        return self._session.get(Action, action_id)

    def by_number(self, forum: Forum, number: int) -> Action | None:
        params = {"forum_id": forum.id, "number": number}
        return self._session.exec(_BY_NUMBER, params=params).first()

    def add(
        self,
        meeting: Meeting,
        item: MeetingItem,
        *,
        text: str,
        owner_name: str,
        owner_organisation: Organisation | None = None,
        owner_person: Person | None = None,
        owner_everyone: bool = False,
        due_at: datetime | None = None,
    ) -> Action:
        """A new action, numbered after the forum's last."""
        last = self._session.exec(_LAST_NUMBER, params={"forum_id": meeting.forum_id}).first()
        action = Action(
            forum_id=meeting.forum_id,
            number=(last or 0) + 1,
            meeting_id=meeting.id,  # type: ignore[arg-type]
            item_id=item.id,  # type: ignore[arg-type]
            owner_organisation_id=owner_organisation.id if owner_organisation else None,
            owner_person_id=owner_person.id if owner_person else None,
            owner_everyone=owner_everyone,
            owner_name=owner_name,
            text=text,
            due_at=due_at,
            created_at=self._audit.context.at,
        )
        self._session.add(action)
        self._session.flush()
        self._audit.record("action.add", meeting.forum_id, number=action.number, owner=owner_name)
        return action

    def close(self, action: Action, by: Person) -> None:
        action.closed_at = self._audit.context.at
        action.closed_by_id = by.id
        self._session.add(action)
        self._audit.record("action.close", action.forum_id, number=action.number)

    def withdraw_item(self, item: MeetingItem) -> Action | None:
        """An undone item takes its action with it."""
        action = self._session.exec(_ACTION_OF_ITEM, params={"item_id": item.id}).first()
        if action is not None:
            action.withdrawn_at = self._audit.context.at
            self._session.add(action)
        return action


class Escalations:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def add(
        self,
        meeting: Meeting,
        item: MeetingItem,
        to_forum: Forum,
        text: str,
        by: Person,
        link: str | None,
    ) -> Escalation:
        escalation = Escalation(
            item_id=item.id,
            from_forum_id=meeting.forum_id,
            from_meeting_id=meeting.id,
            to_forum_id=to_forum.id,  # type: ignore[arg-type]
            text=text,
            raised_at=self._audit.context.at,
            raised_by_id=by.id,  # type: ignore[arg-type]
            link=link,
        )
        self._session.add(escalation)
        self._session.flush()
        self._audit.record("escalation.add", meeting.forum_id, to_forum=to_forum.slug)
        return escalation

    def report_back(
        self,
        from_forum: Forum,
        to_forum: Forum,
        text: str,
        by: Person,
        link: str | None,
        *,
        meeting: Meeting | None = None,
        item: MeetingItem | None = None,
    ) -> Escalation:
        """A group's report back to ``to_forum``, taken up by its next meeting as a raised
        item is; noted in the group's own meeting (``meeting``, ``item``) if one was open."""
        escalation = Escalation(
            kind=EscalationKind.REPORT_BACK,
            item_id=item.id if item is not None else None,
            from_forum_id=from_forum.id,  # type: ignore[arg-type]
            from_meeting_id=meeting.id if meeting is not None else None,
            to_forum_id=to_forum.id,  # type: ignore[arg-type]
            text=text,
            raised_at=self._audit.context.at,
            raised_by_id=by.id,  # type: ignore[arg-type]
            link=link,
        )
        self._session.add(escalation)
        self._session.flush()
        self._audit.record("escalation.report_back", from_forum.id, to_forum=to_forum.slug)
        return escalation

    def between(self, forum: Forum, start: datetime, end: datetime) -> list[Escalation]:
        """Items raised (and reports back) from or to ``forum`` between ``start`` and ``end``
        (an activation's timeline), oldest first."""
        return list(
            self._session.exec(
                select(Escalation)
                .where(
                    or_(
                        col(Escalation.from_forum_id) == forum.id,
                        col(Escalation.to_forum_id) == forum.id,
                    ),
                    col(Escalation.raised_at).between(start, end),
                )
                .order_by(col(Escalation.raised_at), col(Escalation.id))
            )
        )

    def pending(self, forum: Forum) -> list[Escalation]:
        """Raised to ``forum`` and not yet on one of its meetings' agendas."""
        return list(self._session.exec(_PENDING, params={"forum_id": forum.id}))

    def take_up(self, escalations: list[Escalation], meeting: Meeting) -> None:
        for escalation in escalations:
            escalation.taken_up_meeting_id = meeting.id
            self._session.add(escalation)

    def taken_up_by(self, meeting: Meeting) -> list[Escalation]:
        return list(self._session.exec(_TAKEN_UP, params={"meeting_id": meeting.id}))

    def raised_in(self, meeting: Meeting) -> list[Escalation]:
        return list(self._session.exec(_RAISED_IN, params={"meeting_id": meeting.id}))

    def withdraw_raised_since(self, forum: Forum, since: datetime) -> list[Escalation]:
        """Withdraw what ``forum`` raised to other forums since ``since`` and they have not
        taken up yet (an exercise's items, at its end); those withdrawn, oldest first."""
        found = list(
            self._session.exec(
                select(Escalation)
                .where(
                    Escalation.from_forum_id == forum.id,
                    col(Escalation.raised_at) >= since,
                    col(Escalation.taken_up_meeting_id).is_(None),
                    col(Escalation.withdrawn_at).is_(None),
                )
                .order_by(col(Escalation.raised_at), col(Escalation.id))
            )
        )
        for escalation in found:
            escalation.withdrawn_at = self._audit.context.at
            self._session.add(escalation)
        return found

    def withdraw_item(self, item: MeetingItem) -> Escalation | None:
        escalation = self._session.exec(_ESCALATION_OF_ITEM, params={"item_id": item.id}).first()
        if escalation is not None:
            escalation.withdrawn_at = self._audit.context.at
            self._session.add(escalation)
        return escalation

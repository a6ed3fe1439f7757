"""Meetings of a forum and their notes: chairs, attendance, items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Forum,
    ItemKind,
    Meeting,
    MeetingAttendee,
    MeetingChair,
    MeetingItem,
    Organisation,
    Person,
    ReportRound,
)

# Built once: building a statement costs more than running it.
_OPEN = select(Meeting).where(
    Meeting.forum_id == bindparam("forum_id"), col(Meeting.ended_at).is_(None)
)
_BY_NUMBER = select(Meeting).where(
    Meeting.forum_id == bindparam("forum_id"), Meeting.number == bindparam("number")
)
_LATEST = (
    select(Meeting)
    .where(Meeting.forum_id == bindparam("forum_id"))
    .order_by(col(Meeting.number).desc())
    .limit(1)
)
_ALL_OPEN = select(Meeting).where(col(Meeting.ended_at).is_(None)).order_by(col(Meeting.id))
_LAST_ITEM_AT = select(func.max(MeetingItem.at)).where(
    MeetingItem.meeting_id == bindparam("meeting_id")
)
_NUMBERS = select(Meeting.id, Meeting.number).where(Meeting.forum_id == bindparam("forum_id"))
_LAST_NUMBER = select(func.max(Meeting.number)).where(Meeting.forum_id == bindparam("forum_id"))
_ITEMS = (
    select(MeetingItem)
    .where(MeetingItem.meeting_id == bindparam("meeting_id"))
    .order_by(col(MeetingItem.sequence))
)
_LAST_SEQUENCE = select(func.max(MeetingItem.sequence)).where(
    MeetingItem.meeting_id == bindparam("meeting_id")
)
_LAST_KEPT = (
    select(MeetingItem)
    .where(MeetingItem.meeting_id == bindparam("meeting_id"), col(MeetingItem.removed_at).is_(None))
    .order_by(col(MeetingItem.sequence).desc())
    .limit(1)
)
_CURRENT_TOPIC = (
    select(MeetingItem)
    .where(
        MeetingItem.meeting_id == bindparam("meeting_id"),
        MeetingItem.kind == ItemKind.TOPIC,
        col(MeetingItem.removed_at).is_(None),
    )
    .order_by(col(MeetingItem.sequence).desc())
    .limit(1)
)
_CHAIRS = (
    select(MeetingChair)
    .where(MeetingChair.meeting_id == bindparam("meeting_id"))
    .order_by(col(MeetingChair.since))
)
_ATTENDEES = (
    select(MeetingAttendee)
    .where(MeetingAttendee.meeting_id == bindparam("meeting_id"))
    .order_by(col(MeetingAttendee.first_seen_at))
)


class Meetings:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    # -- the meeting -------------------------------------------------------------------------

    def open(self, forum: Forum) -> Meeting | None:
        return self._session.exec(_OPEN, params={"forum_id": forum.id}).first()

    def by_number(self, forum: Forum, number: int) -> Meeting | None:
        params = {"forum_id": forum.id, "number": number}
        return self._session.exec(_BY_NUMBER, params=params).first()

    def numbers(self, forum: Forum) -> dict[int, int]:
        """Meeting id -> its number, for every meeting of the forum."""
        rows = self._session.exec(_NUMBERS, params={"forum_id": forum.id})
        return {meeting_id or 0: number for meeting_id, number in rows}

    def latest(self, forum: Forum) -> Meeting | None:
        return self._session.exec(_LATEST, params={"forum_id": forum.id}).first()

    def all_open(self) -> list[Meeting]:
        """Every forum's open meeting."""
        return list(self._session.exec(_ALL_OPEN))

    def last_activity(self, meeting: Meeting) -> datetime:
        """When the meeting last had something noted (or started)."""
        last = self._session.exec(_LAST_ITEM_AT, params={"meeting_id": meeting.id}).first()
        return max(meeting.started_at, last) if last is not None else meeting.started_at

    def start(
        self,
        forum: Forum,
        title: str,
        by: Person,
        *,
        platform: str,
        channel_id: str,
        report_round: ReportRound | None,
    ) -> Meeting:
        """A new meeting, numbered after the forum's last; its starter chairs it."""
        last = self._session.exec(_LAST_NUMBER, params={"forum_id": forum.id}).first()
        at = self._audit.context.at
        meeting = Meeting(
            forum_id=forum.id,  # type: ignore[arg-type]
            number=(last or 0) + 1,
            title=title,
            mode=forum.mode,
            round_id=report_round.id if report_round else None,
            platform=platform,
            channel_id=channel_id,
            started_at=at,
            started_by_id=by.id,  # type: ignore[arg-type]
        )
        self._session.add(meeting)
        self._session.flush()
        self._session.add(MeetingChair(meeting_id=meeting.id, person_id=by.id, since=at))  # type: ignore[arg-type]
        self._audit.record("meeting.start", forum.id, meeting=meeting.number, title=title)
        return meeting

    def end(self, meeting: Meeting, by: Person | None, *, automatically: bool = False) -> bool:
        """Close the meeting; False when it was closed already (by another bot process).

        A guarded UPDATE rather than an assignment: of two processes closing one meeting, one
        changes the row and posts the minutes; the other sees no row changed and stays quiet.
        """
        at = self._audit.context.at
        closed = self._session.execute(
            update(Meeting)
            .where(col(Meeting.id) == meeting.id, col(Meeting.ended_at).is_(None))
            .values(
                ended_at=at,
                ended_by_id=by.id if by else None,
                closed_automatically=automatically,
            )
            .execution_options(synchronize_session=False)
        )
        if closed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._session.refresh(meeting)
        self._audit.record(
            "meeting.end", meeting.forum_id, meeting=meeting.number, automatically=automatically
        )
        return True

    def move_agenda(self, meeting: Meeting, position: int) -> None:
        meeting.agenda_position = position
        self._session.add(meeting)

    # -- chairs and attendance ---------------------------------------------------------------

    def chairs(self, meeting: Meeting) -> list[MeetingChair]:
        return list(self._session.exec(_CHAIRS, params={"meeting_id": meeting.id}))

    def add_chair(self, meeting: Meeting, person: Person) -> bool:
        """False when the person already chairs it."""
        if self._session.get(MeetingChair, (meeting.id, person.id)) is not None:
            return False
        self._session.add(
            MeetingChair(meeting_id=meeting.id, person_id=person.id, since=self._audit.context.at)  # type: ignore[arg-type]
        )
        self._audit.record(
            "meeting.chair", meeting.forum_id, meeting=meeting.number, person=person.display_name
        )
        return True

    def attendees(self, meeting: Meeting) -> list[MeetingAttendee]:
        return list(self._session.exec(_ATTENDEES, params={"meeting_id": meeting.id}))

    def attend(
        self,
        meeting: Meeting,
        person: Person,
        organisation: Organisation | None,
        *,
        announced: bool,
    ) -> bool:
        """Record the person as present; True when they were not recorded before."""
        found = self._session.get(MeetingAttendee, (meeting.id, person.id))
        if found is not None:
            changed = False
            if announced and not found.announced:
                found.announced = changed = True
            if organisation is not None and found.organisation_id != organisation.id:
                found.organisation_id = organisation.id
                changed = True
            if changed:
                self._session.add(found)
            return False
        self._session.add(
            MeetingAttendee(
                meeting_id=meeting.id,  # type: ignore[arg-type]
                person_id=person.id,  # type: ignore[arg-type]
                organisation_id=organisation.id if organisation else None,
                first_seen_at=self._audit.context.at,
                announced=announced,
            )
        )
        return True

    # -- items -------------------------------------------------------------------------------

    def items(self, meeting: Meeting) -> list[MeetingItem]:
        """Every item in order, undone ones too (``removed_at`` set)."""
        return list(self._session.exec(_ITEMS, params={"meeting_id": meeting.id}))

    def last_kept(self, meeting: Meeting) -> MeetingItem | None:
        """The newest item not undone: what ``!ångra`` removes."""
        return self._session.exec(_LAST_KEPT, params={"meeting_id": meeting.id}).first()

    def current_topic(self, meeting: Meeting) -> MeetingItem | None:
        return self._session.exec(_CURRENT_TOPIC, params={"meeting_id": meeting.id}).first()

    def add_item(
        self,
        meeting: Meeting,
        kind: ItemKind,
        text: str,
        by: Person,
        *,
        topic: MeetingItem | None,
    ) -> MeetingItem:
        """A new line of the notes, after every earlier one."""
        last = self._session.exec(_LAST_SEQUENCE, params={"meeting_id": meeting.id}).first()
        sequence = (last or 0) + 1
        item = MeetingItem(
            meeting_id=meeting.id,  # type: ignore[arg-type]
            sequence=sequence,
            kind=kind,
            text=text,
            topic_id=topic.id if topic else None,
            person_id=by.id,  # type: ignore[arg-type]
            at=self._audit.context.at,
        )
        self._session.add(item)
        self._session.flush()
        self._audit.record(
            f"meeting.{kind.value}", meeting.forum_id, meeting=meeting.number, item=item.id
        )
        return item

    def remove_item(self, item: MeetingItem, by: Person) -> None:
        item.removed_at = self._audit.context.at
        item.removed_by_id = by.id
        self._session.add(item)
        self._audit.record("meeting.undo", None, item=item.id, kind=item.kind.value)

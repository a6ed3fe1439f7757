"""The regional duty roster: who is TiB and RSK on duty, by take-over and by weekly rota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import Duty, DutyRota, DutyShift, Person


@dataclass(frozen=True)
class OnDuty:
    """Who holds a duty role now, since when, and how they came to: a take-over, or the rota."""

    duty: Duty
    person: Person
    since: datetime
    by_rota: bool


def handover_before(rota: DutyRota, now: datetime) -> tuple[datetime, int] | None:
    """The rota's latest handover at or before ``now`` and the index of the person it
    handed to; None before the first handover (or with nobody on the rota)."""
    if not rota.people:
        return None
    zone = ZoneInfo(rota.timezone)
    hour, minute = (int(part) for part in rota.time.split(":"))
    first_day = rota.start + timedelta(days=(rota.weekday - rota.start.weekday()) % 7)
    first = datetime.combine(first_day, time(hour, minute), tzinfo=zone)
    if now < first:
        return None
    local = now.astimezone(zone)
    weeks = (local.date() - first_day).days // 7
    at = datetime.combine(first_day + timedelta(weeks=weeks), time(hour, minute), tzinfo=zone)
    if at > now:
        weeks -= 1
        at = datetime.combine(first_day + timedelta(weeks=weeks), time(hour, minute), tzinfo=zone)
    return at, weeks % len(rota.people)


def next_handover(rota: DutyRota, now: datetime) -> tuple[datetime, int] | None:
    """The rota's next handover after ``now`` and the index of the person it hands to."""
    if not rota.people:
        return None
    zone = ZoneInfo(rota.timezone)
    hour, minute = (int(part) for part in rota.time.split(":"))
    last = handover_before(rota, now)
    if last is None:
        first_day = rota.start + timedelta(days=(rota.weekday - rota.start.weekday()) % 7)
        return datetime.combine(first_day, time(hour, minute), tzinfo=zone), 0
    at, index = last
    local_day = at.astimezone(zone).date() + timedelta(weeks=1)
    return datetime.combine(local_day, time(hour, minute), tzinfo=zone), (index + 1) % len(
        rota.people
    )


class Duties:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def take_over(self, duty: Duty, person: Person, by: Person | None = None) -> DutyShift:
        shift = DutyShift(
            duty=duty,
            person_id=person.id,  # type: ignore[arg-type]
            since=self._audit.context.at,
            by_id=by.id if by else None,
        )
        self._session.add(shift)
        self._session.flush()
        self._audit.record(
            "duty.take_over", duty=duty.value, person=person.user_id, name=person.display_name
        )
        return shift

    def latest_shift(self, duty: Duty, at: datetime) -> DutyShift | None:
        query = (
            select(DutyShift)
            .where(DutyShift.duty == duty, DutyShift.since <= at)
            .order_by(col(DutyShift.since).desc(), col(DutyShift.id).desc())
            .limit(1)
        )
        return self._session.exec(query).first()

    def shifts_between(self, start: datetime, end: datetime) -> list[DutyShift]:
        """The take-overs of any duty role in a period (an activation's timeline)."""
        query = (
            select(DutyShift)
            .where(DutyShift.since >= start, DutyShift.since <= end)
            .order_by(col(DutyShift.since), col(DutyShift.id))
        )
        return list(self._session.exec(query))

    def rota(self, duty: Duty) -> DutyRota | None:
        return self._session.get(DutyRota, duty)

    def set_rota(
        self,
        duty: Duty,
        people: list[Person],
        weekday: int,
        at: str,
        timezone: str,
        start: date,
        by: Person | None,
    ) -> DutyRota:
        rota = self._session.get(DutyRota, duty)
        if rota is None:
            rota = DutyRota(
                duty=duty, weekday=weekday, time=at, start=start, set_at=self._audit.context.at
            )
        rota.people = [person.id for person in people if person.id is not None]
        rota.weekday, rota.time, rota.timezone, rota.start = weekday, at, timezone, start
        rota.set_at = self._audit.context.at
        rota.set_by_id = by.id if by else None
        self._session.add(rota)
        self._audit.record(
            "duty.rota",
            duty=duty.value,
            people=[person.display_name for person in people],
            weekday=weekday,
            time=at,
        )
        return rota

    def clear_rota(self, duty: Duty) -> bool:
        rota = self._session.get(DutyRota, duty)
        if rota is None:
            return False
        self._session.delete(rota)
        self._audit.record("duty.rota_removed", duty=duty.value)
        return True

    def on_duty(self, duty: Duty, now: datetime) -> OnDuty | None:
        """Who holds ``duty`` at ``now``: whoever took it over last, unless the rota has
        handed over since."""
        shift = self.latest_shift(duty, now)
        rota = self.rota(duty)
        handover = handover_before(rota, now) if rota is not None else None
        if handover is not None and (shift is None or handover[0] > shift.since):
            assert rota is not None
            person = self._session.get(Person, rota.people[handover[1]])
            if person is not None:
                return OnDuty(duty, person, handover[0], by_rota=True)
        if shift is None:
            return None
        person = self._session.get(Person, shift.person_id)
        return OnDuty(duty, person, shift.since, by_rota=False) if person else None

"""Activations of forums, their call-outs and acknowledgements, and requests for activation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Acknowledgement,
    Activation,
    ActivationRequest,
    AuditEvent,
    Forum,
    Organisation,
    Person,
)


class Named(Protocol):
    """An organisation as far as a call-out needs it (an Organisation or a RosterEntry)."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...


# Built once: building a statement costs more than running it.
_CURRENT = select(Activation).where(
    Activation.forum_id == bindparam("forum_id"), col(Activation.stood_down_at).is_(None)
)
_LATEST = (
    select(Activation)
    .where(Activation.forum_id == bindparam("forum_id"))
    .order_by(col(Activation.id).desc())
    .limit(1)
)
# The audit events that make an activation's timeline (``Activations.history``).
STARTED = "activation.start"
CALLED_IN = "activation.call_in"
RELEASED = "activation.release"
HOST_SET = "activation.host"
STOOD_DOWN = "activation.stand_down"
_HISTORY = (STARTED, CALLED_IN, RELEASED, HOST_SET, STOOD_DOWN)
_ACKNOWLEDGEMENTS = (
    select(Acknowledgement)
    .where(Acknowledgement.activation_id == bindparam("activation_id"))
    .order_by(col(Acknowledgement.at), col(Acknowledgement.id))
)


class Activations:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit
        # Open activations by forum id, as far as this unit of work has looked them up.
        # Held strongly: the session's identity map would let them go.
        self._open: dict[int, Activation | None] = {}

    def current(self, forum: Forum) -> Activation | None:
        """The forum's open activation; looked up once per unit of work."""
        assert forum.id is not None
        if forum.id not in self._open:
            self._open[forum.id] = self._session.exec(
                _CURRENT, params={"forum_id": forum.id}
            ).first()
        return self._open[forum.id]

    def remember_open(self, forum: Forum, activation: Activation | None) -> None:
        """What :meth:`current` would find, already loaded along with the forum."""
        if forum.id is not None:
            self._open[forum.id] = activation

    def get(self, activation_id: int) -> Activation | None:
        return self._session.get(Activation, activation_id)

    def latest(self, forum: Forum) -> Activation | None:
        return self._session.exec(_LATEST, params={"forum_id": forum.id}).first()

    def start(
        self,
        forum: Forum,
        reason: str,
        by: Person,
        called_out: Sequence[Named],
        exercise_id: int | None = None,
    ) -> Activation:
        """``exercise_id``: an exercise's activation (flagged: never counted as real)."""
        activation = Activation(
            exercise_id=exercise_id,
            forum_id=forum.id,  # type: ignore[arg-type]
            reason=reason,
            activated_at=self._audit.context.at,
            activated_by_id=by.id,  # type: ignore[arg-type]
            called_out=[org.id for org in called_out if org.id is not None],
        )
        self._session.add(activation)
        self._session.flush()
        self._open[activation.forum_id] = activation
        self._audit.record(
            "activation.start",
            forum.id,
            activation_id=activation.id,
            reason=reason,
            called_out=[org.name for org in called_out],
        )
        return activation

    def acknowledgements(self, activation: Activation) -> list[Acknowledgement]:
        params = {"activation_id": activation.id}
        return list(self._session.exec(_ACKNOWLEDGEMENTS, params=params))

    def acknowledge(
        self, activation: Activation, organisation: Organisation, by: Person
    ) -> Acknowledgement:
        ack = Acknowledgement(
            activation_id=activation.id,  # type: ignore[arg-type]
            organisation_id=organisation.id,  # type: ignore[arg-type]
            person_id=by.id,  # type: ignore[arg-type]
            at=self._audit.context.at,
        )
        self._session.add(ack)
        if organisation.id not in activation.called_out:
            # Came without being called (registered after the call-out): now counted as called.
            activation.called_out = [*activation.called_out, organisation.id]  # type: ignore[list-item]
            self._session.add(activation)
        self._audit.record(
            "activation.ack",
            activation.forum_id,
            activation_id=activation.id,
            organisation=organisation.name,
        )
        return ack

    def call_in(self, activation: Activation, organisations: Sequence[Named]) -> list[int]:
        """More organisations called in during the event ("fler aktörer kallas in"); a
        released one called in again is awaited again. The ids newly called."""
        called = list(activation.called_out)
        released = list(activation.released or [])
        added = [org.id for org in organisations if org.id is not None and org.id not in called]
        if not added and not set(released) & {org.id for org in organisations}:
            return []
        # New lists: a JSON column notices a change by a new value, not a mutation.
        activation.called_out = [*called, *added]
        named = {org.id for org in organisations}
        activation.released = [oid for oid in released if oid not in named]
        self._session.add(activation)
        self._audit.record(
            "activation.call_in",
            activation.forum_id,
            activation_id=activation.id,
            organisations=[org.name for org in organisations],
            organisation_ids=[org.id for org in organisations],
        )
        return added

    def release(self, activation: Activation, organisations: Sequence[Named]) -> None:
        """Organisations released from the call-out (``!släpp``): no longer awaited."""
        ids = [org.id for org in organisations if org.id is not None]
        released = list(activation.released or [])
        activation.released = [*released, *(oid for oid in ids if oid not in released)]
        self._session.add(activation)
        self._audit.record(
            "activation.release",
            activation.forum_id,
            activation_id=activation.id,
            organisations=[org.name for org in organisations],
            organisation_ids=ids,
        )

    def set_host(self, activation: Activation, host: Organisation) -> None:
        activation.host_organisation_id = host.id
        self._session.add(activation)
        self._audit.record(
            "activation.host", activation.forum_id, activation_id=activation.id, host=host.name
        )

    def latest_of_kind(self, forum: Forum, *, exercise: bool) -> Activation | None:
        """The forum's latest activation that is (or is not) an exercise's."""
        flag = col(Activation.exercise_id)
        return self._session.exec(
            select(Activation)
            .where(
                Activation.forum_id == forum.id, flag.is_not(None) if exercise else flag.is_(None)
            )
            .order_by(col(Activation.id).desc())
            .limit(1)
        ).first()

    def request_answered_by(self, activation: Activation) -> ActivationRequest | None:
        """The request (green button) an activation answered: the forum's latest before it,
        made after the activation before it."""
        earlier = self._session.exec(
            select(Activation.activated_at)
            .where(Activation.forum_id == activation.forum_id, col(Activation.id) < activation.id)
            .order_by(col(Activation.id).desc())
            .limit(1)
        ).first()
        query = select(ActivationRequest).where(
            ActivationRequest.forum_id == activation.forum_id,
            ActivationRequest.at <= activation.activated_at,
        )
        if earlier is not None:
            query = query.where(ActivationRequest.at > earlier)
        return self._session.exec(query.order_by(col(ActivationRequest.id).desc()).limit(1)).first()

    def set_rhythm(
        self, activation: Activation, every_minutes: int | None, start: datetime | None
    ) -> None:
        """A meeting every ``every_minutes`` from ``start`` (None, None: no rhythm)."""
        activation.rhythm_minutes = every_minutes
        activation.rhythm_from = start
        self._session.add(activation)
        self._audit.record(
            "activation.rhythm",
            activation.forum_id,
            activation_id=activation.id,
            every_minutes=every_minutes,
            start=start.isoformat() if start else None,
        )

    def set_next_meeting(self, activation: Activation, at: datetime | None) -> None:
        """One meeting set on its own (``!nästa möte 14:00``); None clears it."""
        activation.next_meeting_at = at
        self._session.add(activation)
        self._audit.record(
            "activation.next_meeting",
            activation.forum_id,
            activation_id=activation.id,
            at=at.isoformat() if at else None,
        )

    def link(self, activation: Activation, other: Activation) -> None:
        """``activation`` was asked for from ``other``: each shows the other."""
        activation.linked_activation_id = other.id
        self._session.add(activation)
        self._audit.record(
            "activation.linked",
            activation.forum_id,
            activation_id=activation.id,
            linked_activation_id=other.id,
        )

    def linked_to(self, activation: Activation) -> list[Activation]:
        """The activations linked with this one, either way."""
        linked = col(Activation.linked_activation_id) == activation.id
        if activation.linked_activation_id is not None:
            linked = linked | (col(Activation.id) == activation.linked_activation_id)
        return list(
            self._session.exec(select(Activation).where(linked).order_by(col(Activation.id)))
        )

    def requests_from(self, activation: Activation) -> list[ActivationRequest]:
        """The requests for another forum's activation made from this one (``!lyft
        inriktande``), oldest first."""
        return list(
            self._session.exec(
                select(ActivationRequest)
                .where(ActivationRequest.from_activation_id == activation.id)
                .order_by(col(ActivationRequest.at), col(ActivationRequest.id))
            )
        )

    def history(self, activation: Activation) -> list[AuditEvent]:
        """The activation's own events in the audit log, oldest first: started, called in,
        released (``organisation_ids``), host set, stood down: its timeline."""
        self._audit.write_pending()
        query = (
            select(AuditEvent)
            .where(
                AuditEvent.forum_id == activation.forum_id,
                AuditEvent.at >= activation.activated_at,
                col(AuditEvent.action).in_(_HISTORY),
            )
            .order_by(col(AuditEvent.id))
        )
        return [
            event
            for event in self._session.exec(query)
            if event.details.get("activation_id") == activation.id
        ]

    def stand_down(self, activation: Activation, by: Person, summary: str | None) -> None:
        activation.stood_down_at = self._audit.context.at
        activation.stood_down_by_id = by.id
        activation.summary = summary
        self._session.add(activation)
        self._open[activation.forum_id] = None
        self._audit.record(
            "activation.stand_down",
            activation.forum_id,
            activation_id=activation.id,
            summary=summary,
        )

    def open_request(self, forum: Forum, since: datetime) -> ActivationRequest | None:
        """The forum's request for activation still open: made after ``since`` and not yet
        answered by an activation of the forum (one started after it)."""
        query = (
            select(ActivationRequest)
            .where(ActivationRequest.forum_id == forum.id, ActivationRequest.at >= since)
            .order_by(col(ActivationRequest.id).desc())
            .limit(1)
        )
        request = self._session.exec(query).first()
        if request is None:
            return None
        latest = self._session.exec(_LATEST, params={"forum_id": forum.id}).first()
        if latest is not None and latest.activated_at >= request.at:
            return None  # answered
        return request

    def repeat_request(
        self,
        request: ActivationRequest,
        reason: str,
        by: Person,
        organisation: Organisation | None,
    ) -> int:
        """The same request made again: added to the open one; how many have made it."""
        entry = {
            "by": by.id,
            "name": by.display_name,
            "organisation": organisation.name if organisation else None,
            "reason": reason,
            "at": self._audit.context.at.isoformat(),
        }
        # A new list: a JSON column notices a change by a new value, not a mutation.
        request.repeats = [*(request.repeats or []), entry]
        self._session.add(request)
        self._audit.record(
            "activation.request_repeated",
            request.forum_id,
            request_id=request.id,
            reason=reason,
            organisation=entry["organisation"],
        )
        return 1 + len(request.repeats)

    def request(
        self,
        forum: Forum,
        reason: str,
        by: Person,
        organisation: Organisation | None,
        from_activation: Activation | None = None,
    ) -> ActivationRequest:
        request = ActivationRequest(
            forum_id=forum.id,  # type: ignore[arg-type]
            reason=reason,
            requested_by_id=by.id,  # type: ignore[arg-type]
            organisation_id=organisation.id if organisation else None,
            at=self._audit.context.at,
            from_activation_id=from_activation.id if from_activation else None,
        )
        self._session.add(request)
        self._session.flush()
        linked = {"from_activation_id": request.from_activation_id} if from_activation else {}
        self._audit.record(
            "activation.request",
            forum.id,
            request_id=request.id,
            reason=reason,
            organisation=organisation.name if organisation else None,
            **linked,
        )
        return request

    def get_request(self, request_id: int) -> ActivationRequest | None:
        return self._session.get(ActivationRequest, request_id)

    def acknowledge_request(self, request: ActivationRequest, by: Person) -> None:
        """The duty officer (or a coordinator) has taken the request."""
        request.acknowledged_at = self._audit.context.at
        request.acknowledged_by_id = by.id
        self._session.add(request)
        self._audit.record("activation.request_ack", request.forum_id, request_id=request.id)

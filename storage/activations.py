"""Activations of forums, their call-outs and acknowledgements, and requests for activation."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Acknowledgement,
    Activation,
    ActivationRequest,
    Forum,
    Organisation,
    Person,
)


class Activations:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def current(self, forum: Forum) -> Activation | None:
        query = select(Activation).where(
            Activation.forum_id == forum.id, col(Activation.stood_down_at).is_(None)
        )
        return self._session.exec(query).first()

    def latest(self, forum: Forum) -> Activation | None:
        query = (
            select(Activation)
            .where(Activation.forum_id == forum.id)
            .order_by(col(Activation.id).desc())
        )
        return self._session.exec(query).first()

    def start(
        self, forum: Forum, reason: str, by: Person, called_out: list[Organisation]
    ) -> Activation:
        activation = Activation(
            forum_id=forum.id,  # type: ignore[arg-type]
            reason=reason,
            activated_at=self._audit.context.at,
            activated_by_id=by.id,  # type: ignore[arg-type]
            called_out=[org.id for org in called_out if org.id is not None],
        )
        self._session.add(activation)
        self._session.flush()
        self._audit.record(
            "activation.start",
            forum.id,
            activation_id=activation.id,
            reason=reason,
            called_out=[org.name for org in called_out],
        )
        return activation

    def acknowledgements(self, activation: Activation) -> list[Acknowledgement]:
        query = (
            select(Acknowledgement)
            .where(Acknowledgement.activation_id == activation.id)
            .order_by(col(Acknowledgement.at), col(Acknowledgement.id))
        )
        return list(self._session.exec(query))

    def acknowledgement(
        self, activation: Activation, organisation: Organisation
    ) -> Acknowledgement | None:
        query = select(Acknowledgement).where(
            Acknowledgement.activation_id == activation.id,
            Acknowledgement.organisation_id == organisation.id,
        )
        return self._session.exec(query).first()

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

    def stand_down(self, activation: Activation, by: Person, summary: str | None) -> None:
        activation.stood_down_at = self._audit.context.at
        activation.stood_down_by_id = by.id
        activation.summary = summary
        self._session.add(activation)
        self._audit.record(
            "activation.stand_down",
            activation.forum_id,
            activation_id=activation.id,
            summary=summary,
        )

    def request(
        self, forum: Forum, reason: str, by: Person, organisation: Organisation | None
    ) -> ActivationRequest:
        request = ActivationRequest(
            forum_id=forum.id,  # type: ignore[arg-type]
            reason=reason,
            requested_by_id=by.id,  # type: ignore[arg-type]
            organisation_id=organisation.id if organisation else None,
            at=self._audit.context.at,
        )
        self._session.add(request)
        self._audit.record(
            "activation.request",
            forum.id,
            reason=reason,
            organisation=organisation.name if organisation else None,
        )
        return request

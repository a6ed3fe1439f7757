"""Joint messages to the public (gemensamma budskap): proposed, answered ok or with an
objection by each organisation, revised (which asks everyone again), agreed, retired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.audit import AuditLog
from storage.models import (
    Forum,
    JointMessage,
    JointMessageAnswer,
    JointMessageState,
    JointMessageVersion,
    Organisation,
    Person,
)


class JointMessages:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def by_number(self, forum: Forum, number: int) -> JointMessage | None:
        return self._session.exec(
            select(JointMessage).where(
                JointMessage.forum_id == forum.id, JointMessage.number == number
            )
        ).first()

    def of_forum(self, forum: Forum) -> list[JointMessage]:
        """Every message of the forum, retired ones too, by number."""
        return list(
            self._session.exec(
                select(JointMessage)
                .where(JointMessage.forum_id == forum.id)
                .order_by(col(JointMessage.number))
            )
        )

    def current(self, forum: Forum) -> list[JointMessage]:
        """Proposed and agreed messages of the forum (not retired), by number."""
        return list(
            self._session.exec(
                select(JointMessage)
                .where(
                    JointMessage.forum_id == forum.id,
                    JointMessage.state != JointMessageState.RETIRED,
                )
                .order_by(col(JointMessage.number))
            )
        )

    def agreed(self, forum: Forum) -> list[JointMessage]:
        """The forum's agreed messages in force, in the order they were agreed."""
        return list(
            self._session.exec(
                select(JointMessage)
                .where(
                    JointMessage.forum_id == forum.id,
                    JointMessage.state == JointMessageState.AGREED,
                )
                .order_by(col(JointMessage.agreed_at), col(JointMessage.number))
            )
        )

    def changed_between(self, forum: Forum, start: datetime, end: datetime) -> list[JointMessage]:
        """The forum's messages proposed, agreed or retired between ``start`` and ``end`` (an
        activation's timeline), by number."""
        return list(
            self._session.exec(
                select(JointMessage)
                .where(
                    JointMessage.forum_id == forum.id,
                    or_(
                        col(JointMessage.proposed_at).between(start, end),
                        col(JointMessage.agreed_at).between(start, end),
                        col(JointMessage.retired_at).between(start, end),
                    ),
                )
                .order_by(col(JointMessage.number))
            )
        )

    def versions(self, message: JointMessage) -> list[JointMessageVersion]:
        return list(
            self._session.exec(
                select(JointMessageVersion)
                .where(JointMessageVersion.message_id == message.id)
                .order_by(col(JointMessageVersion.version))
            )
        )

    def answers(
        self, message: JointMessage, version: int | None = None
    ) -> list[JointMessageAnswer]:
        """The answers to the message's current version (or to ``version``), oldest first."""
        return list(
            self._session.exec(
                select(JointMessageAnswer)
                .where(
                    JointMessageAnswer.message_id == message.id,
                    JointMessageAnswer.version == (version or message.version),
                )
                .order_by(col(JointMessageAnswer.at))
            )
        )

    def propose(
        self, forum: Forum, by: Person, text: str, *, activation_id: int | None = None
    ) -> JointMessage:
        last = self._session.exec(
            select(func.max(JointMessage.number)).where(JointMessage.forum_id == forum.id)
        ).one()
        at = self._audit.context.at
        message = JointMessage(
            forum_id=forum.id,  # type: ignore[arg-type]
            number=(last or 0) + 1,
            activation_id=activation_id,
            text=text,
            proposed_at=at,
            proposed_by_id=by.id,  # type: ignore[arg-type]
        )
        self._session.add(message)
        self._session.flush()
        self._add_version(message, by)
        self._audit.record("joint_message.propose", forum_id=forum.id, number=message.number)
        return message

    def revise(self, message: JointMessage, by: Person, text: str) -> None:
        """A new version: the answers given so far were to the old one."""
        message.version += 1
        message.text = text
        self._session.add(message)
        self._add_version(message, by)
        self._audit.record(
            "joint_message.revise",
            forum_id=message.forum_id,
            number=message.number,
            version=message.version,
        )

    def answer(
        self,
        message: JointMessage,
        organisation: Organisation,
        by: Person,
        *,
        objection: bool,
        reason: str | None = None,
    ) -> JointMessageAnswer:
        """The organisation's answer to the current version (replacing its earlier one)."""
        key = (message.id, message.version, organisation.id)
        answer = self._session.get(JointMessageAnswer, key)
        if answer is None:
            answer = JointMessageAnswer(
                message_id=message.id,  # type: ignore[arg-type]
                version=message.version,
                organisation_id=organisation.id,  # type: ignore[arg-type]
                person_id=by.id,  # type: ignore[arg-type]
            )
        answer.objection = objection
        answer.reason = reason
        answer.person_id = by.id  # type: ignore[assignment]
        answer.at = self._audit.context.at
        self._session.add(answer)
        self._audit.record(
            "joint_message.objection" if objection else "joint_message.ok",
            forum_id=message.forum_id,
            number=message.number,
            organisation=organisation.name,
        )
        return answer

    def agree(self, message: JointMessage, by: Person) -> None:
        message.state = JointMessageState.AGREED
        message.agreed_at = self._audit.context.at
        message.agreed_by_id = by.id
        self._session.add(message)
        self._audit.record("joint_message.agree", forum_id=message.forum_id, number=message.number)

    def retire(self, message: JointMessage, by: Person) -> None:
        message.state = JointMessageState.RETIRED
        message.retired_at = self._audit.context.at
        message.retired_by_id = by.id
        self._session.add(message)
        self._audit.record("joint_message.retire", forum_id=message.forum_id, number=message.number)

    def _add_version(self, message: JointMessage, by: Person) -> None:
        self._session.add(
            JointMessageVersion(
                message_id=message.id,  # type: ignore[arg-type]
                version=message.version,
                text=message.text,
                at=self._audit.context.at,
                by_id=by.id,  # type: ignore[arg-type]
            )
        )
        self._session.flush()

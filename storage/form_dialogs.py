"""Forms filled in question by question: where each person is in which channel."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from storage.audit import AuditLog
from storage.models import FormDialog


class FormDialogs:
    """At most one open form per person and channel."""

    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._at = audit.context.at

    def get(self, platform: str, channel_id: str, user_id: str) -> FormDialog | None:
        return self._session.get(FormDialog, (platform, channel_id, user_id))

    def start(
        self, platform: str, channel_id: str, user_id: str, form: str, context: dict[str, Any]
    ) -> FormDialog:
        """A new form for the person here, replacing one they left unfinished."""
        at = self._at
        dialog = self.get(platform, channel_id, user_id)
        if dialog is None:
            dialog = FormDialog(
                platform=platform,
                channel_id=channel_id,
                user_id=user_id,
                form=form,
                started_at=at,
                updated_at=at,
            )
        dialog.form = form
        dialog.context = context
        dialog.step = 0
        dialog.answers = []
        dialog.started_at = at
        dialog.updated_at = at
        self._session.add(dialog)
        return dialog

    def answer(self, dialog: FormDialog, value: str) -> None:
        dialog.answers = [*dialog.answers, value]
        dialog.step = len(dialog.answers)
        dialog.updated_at = self._at
        self._session.add(dialog)

    def end(self, dialog: FormDialog) -> None:
        self._session.delete(dialog)

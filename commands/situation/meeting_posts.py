"""What the bot's posts before a meeting share, for the forum's scheduled meetings
(``commands/conference.py``) and an activation's meetings (``commands/rhythm.py``) alike: how
long until the meeting, and how to send the situation report."""

from __future__ import annotations

from datetime import timedelta

from commands.core.config import CoreConfig
from commands.core.document import Button, Document
from commands.core.i18n import t
from commands.core.timefmt import format_duration


def time_left(delta: timedelta, language: str) -> str:
    """``2 timmar``, ``15 minuter``, ``1 h 30 min``: how long until the meeting."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes and minutes % 60 == 0:
        return t(language, "conference.hours", count=minutes // 60)
    if minutes < 60:
        return t(language, "conference.minutes", count=minutes)
    return format_duration(timedelta(minutes=minutes), language)


def add_how_to_report(doc: Document, language: str, config: CoreConfig) -> None:
    """How to send the situation report: the command, and the form (a button in Slack)."""
    doc.paragraph(t(language, "conference.report", prefix=config.prefix))
    form = f"{t(language, 'report.command')} {t(language, 'report.form_word')}"
    doc.actions(
        Button(
            t(language, "conference.report_button"),
            form,
            t(language, "conference.report_hint", prefix=config.prefix, command=form),
        )
    )

"""A joint regional direction (gemensam regional inriktning) as a Markdown, HTML or JSON file:
what ``!inriktning fil`` attaches and ``samverkan-bot export inriktning`` writes, so that each
organisation can send it on in its own organisation.

The content, in order: the header (number, state, version, the forum it is for, *Gäller
till*, who drafted, presented and adopted it where and when, what superseded it), the fields
in the model's order, the versions, the confirmations and who has not confirmed, and the
joint messages agreed in its forum. It needs nothing but the
:class:`~commands.joint_direction.data.DirectionRecord`: no database.

Escaping is the other exports': HTML is autoescaped, and in Markdown every value goes
through :mod:`bot.export.markdown` (the environment's ``finalize``; ``lines`` for a field of
several lines), so no text of a user's can become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from bot.export.environments import template_for
from bot.export.exercise import ACTUAL, json_status, marked_title, status, status_line
from bot.export.picture_export import MessageView, message_view
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.data import DirectionRecord, Step
from storage.directions import DIRECTION_FIELDS

# The layout of the JSON file; raise it when a consumer would have to read it differently.
JSON_FORMAT = 1


@dataclass(frozen=True)
class DirectionView:
    """Every text of the file, in order and in one language: what the templates show."""

    language: str
    title: str
    header: list[tuple[str, str]]
    fields_title: str
    fields: list[tuple[str, str]]
    no_fields: str | None
    versions_title: str
    versions: list[str]
    confirmations_title: str | None
    confirmations: list[str] = field(default_factory=list)
    no_confirmations: str | None = None
    not_confirmed_title: str | None = None
    not_confirmed: list[str] = field(default_factory=list)
    messages_title: str = ""
    messages: list[MessageView] = field(default_factory=list)
    no_messages: str | None = None
    footer: str = ""
    # ``Exercise`` or ``Actual`` (bot/export/exercise.py), the exercise's name and its line.
    status: str = ACTUAL
    exercise: str | None = None
    status_line: str | None = None


def direction_view(record: DirectionRecord, language: str) -> DirectionView:
    zone = ZoneInfo(record.timezone)
    header = _header(record, zone, language)
    fields = [
        (t(language, f"direction.field.{name}"), record.fields[name])
        for name in DIRECTION_FIELDS
        if record.fields.get(name)
    ]
    exercise = record.exercise
    return DirectionView(
        language=language,
        title=_title(record, language),
        header=header,
        fields_title=t(language, "export_direction.fields"),
        fields=fields,
        no_fields=None if fields else t(language, "export_direction.no_fields"),
        versions_title=t(language, "export_direction.versions"),
        versions=[
            t(
                language,
                "export_direction.version_line",
                version=entry.version,
                who=entry.step.who,
                forum=entry.step.forum,
                time=format_time(entry.step.at, zone),
            )
            for entry in record.versions
        ],
        confirmations_title=_confirmations_title(record, language),
        confirmations=[
            t(
                language,
                "export_direction.confirmation_line",
                organisation=entry.organisation,
                who=entry.who,
                time=format_time(entry.at, zone),
            )
            for entry in record.confirmations
        ],
        no_confirmations=(
            t(language, "export_direction.no_confirmations")
            if record.adopted is not None and not record.confirmations
            else None
        ),
        not_confirmed_title=(
            t(language, "export_direction.not_confirmed", count=len(record.not_confirmed))
            if record.not_confirmed
            else None
        ),
        not_confirmed=list(record.not_confirmed),
        messages_title=t(language, "export_direction.messages"),
        messages=[message_view(message, language, zone) for message in record.agreed_messages],
        no_messages=None if record.agreed_messages else t(language, "export_direction.no_messages"),
        footer=t(
            language,
            "export_direction.footer",
            time=format_time(record.compiled_at, zone),
            zone=record.timezone,
        ),
        status=status(exercise),
        exercise=exercise,
        status_line=status_line(exercise, language),
    )


def _title(record: DirectionRecord, language: str) -> str:
    """``Gemensam regional inriktning 3``; ``ÖVNING – …`` for an exercise's."""
    title = t(language, "export_direction.title", number=record.number)
    return marked_title(title, record.exercise, language)


def _header(record: DirectionRecord, zone: ZoneInfo, language: str) -> list[tuple[str, str]]:
    """Number, state, version, the forum it is for, *Gäller till*, and who drafted,
    presented and adopted it where and when, and what superseded it."""

    def when(step: Step, key: str) -> str:
        return t(language, key, who=step.who, forum=step.forum, time=format_time(step.at, zone))

    header = [
        (t(language, "export_direction.number"), str(record.number)),
        (t(language, "export_direction.state"), t(language, f"direction.state.{record.state}")),
        (t(language, "export_direction.version"), str(record.version)),
        (t(language, "export_direction.forum"), record.forum),
        (t(language, "export_direction.valid_until"), _valid_until(record, zone, language)),
        (
            t(language, "export_direction.drafted"),
            when(record.drafted, "export_direction.in_forum"),
        ),
    ]
    if record.presented is not None:
        header.append(
            (
                t(language, "export_direction.presented"),
                when(record.presented, "export_direction.to_forum"),
            )
        )
    if record.adopted is not None:
        header.append(
            (
                t(language, "export_direction.adopted"),
                when(record.adopted, "export_direction.in_forum"),
            )
        )
    if record.superseded_at is not None:
        time = format_time(record.superseded_at, zone)
        ended = record.superseded_by is None and record.exercise is not None
        header.append(
            (
                t(language, "export_direction.superseded"),
                t(language, "export_direction.exercise_ended", time=time)
                if ended
                else t(
                    language,
                    "export_direction.superseded_by",
                    number=record.superseded_by if record.superseded_by is not None else "?",
                    time=time,
                ),
            )
        )
    return header


def _valid_until(record: DirectionRecord, zone: ZoneInfo, language: str) -> str:
    if record.valid_until is None:
        return t(language, "export_direction.until_further")
    return format_time(record.valid_until, zone)


def _confirmations_title(record: DirectionRecord, language: str) -> str | None:
    """With the count while the direction is in force; None before it was adopted."""
    if record.adopted is None:
        return None
    if record.expected:
        return t(
            language,
            "export_direction.confirmations",
            done=record.confirmed,
            count=record.expected,
        )
    return t(language, "export_direction.confirmations_plain")


# -- rendering -----------------------------------------------------------------------------------


def render_direction(record: DirectionRecord, fmt: str, language: str) -> str:
    """The file's text in ``fmt`` (one of ``bot.export.FORMATS``)."""
    if fmt == "json":
        return render_json(record, language)
    return template_for("direction", fmt).render(view=direction_view(record, language))


def render_json(record: DirectionRecord, language: str) -> str:
    """The direction as plain data (``DirectionRecord.from_json`` reads it back) under
    ``direction``, with the labels a consumer needs in the chosen language beside it."""
    document: dict[str, Any] = {
        "format": JSON_FORMAT,
        "language": language,
        **json_status(record.exercise),
        "labels": {
            "title": _title(record, language),
            "state": t(language, f"direction.state.{record.state}"),
            "fields": {
                name: t(language, f"direction.field.{name}")
                for name in (*DIRECTION_FIELDS, "valid_until")
            },
            "number": t(language, "export_direction.number"),
            "version": t(language, "export_direction.version"),
            "forum": t(language, "export_direction.forum"),
            "drafted": t(language, "export_direction.drafted"),
            "presented": t(language, "export_direction.presented"),
            "adopted": t(language, "export_direction.adopted"),
            "superseded": t(language, "export_direction.superseded"),
            "versions": t(language, "export_direction.versions"),
            "confirmations": t(language, "export_direction.confirmations_plain"),
            "not_confirmed": t(
                language, "export_direction.not_confirmed", count=len(record.not_confirmed)
            ),
            "agreed_messages": t(language, "export_direction.messages"),
        },
        "direction": record.to_json(),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"

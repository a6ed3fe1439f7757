"""The joint situation picture as a Markdown, HTML or JSON file.

The content and its order are the chat's (``commands.situation.render.picture_document``):
the header, the adopted direction in force and the agreed joint messages (the *frame*, in
words from ``commands.joint_direction.blocks``), the count, one section per reporting
organisation, all needs and all communication with their source, and who has not reported.
The texts come from the message catalogue in the chosen language, and the header and report
lines from the same functions the chat uses.

Markdown and HTML are Jinja2 templates (``templates/``): Jinja2 is a well-kept templating
library, and its autoescaping makes HTML safe by default, so report text, organisation and
person names can never become markup. Markdown has no such thing built in; there every
value written into the template goes through :mod:`bot.export.markdown` (the environment's
``finalize``), so forgetting a filter cannot let user text through unescaped either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from bot.export.environments import template_for
from bot.export.exercise import ACTUAL, json_status, marked_title, status, status_line
from bot.export.source import ExportedPicture
from commands.core.document import inline_text
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.blocks import (
    direction_fields,
    direction_meta,
    direction_title,
    message_label,
    message_meta,
    messages_title,
)
from commands.joint_direction.summary import AgreedMessage, DirectionSummary
from commands.situation.picture import Picture, PictureReport
from commands.situation.render import field_label, header_rows, report_meta
from storage.directions import DIRECTION_FIELDS
from storage.reports import FIELDS

# The layout of the JSON file; raise it when a consumer would have to read it differently.
JSON_FORMAT = 1
COLLECTED = ("needs", "communication")


@dataclass(frozen=True)
class Section:
    """One reporting organisation: who reported when, and its filled-in fields."""

    organisation: str
    meta: str
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class Collected:
    """One field across organisations (all needs, all communication), with the source."""

    title: str
    items: list[tuple[str, str]]
    empty: str


@dataclass(frozen=True)
class DirectionView:
    """The adopted direction in force: ``Gemensam regional inriktning 3``, who adopted it
    where and when and until when it holds, and its filled-in fields."""

    title: str
    meta: str
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class MessageView:
    """An agreed joint message: ``Budskap 2``, its text, when agreed and by whom."""

    label: str
    text: str
    meta: str


@dataclass(frozen=True)
class FrameView:
    """The frame of the joint work, shown at the top of a picture and of minutes."""

    direction: DirectionView | None
    messages_title: str | None
    messages: list[MessageView]


def frame_view(
    direction: DirectionSummary | None,
    messages: list[AgreedMessage],
    language: str,
    zone: ZoneInfo,
) -> FrameView | None:
    """The direction and the messages as the chat words them; None when there is neither."""
    if direction is None and not messages:
        return None
    shown = None
    if direction is not None:
        shown = DirectionView(
            direction_title(direction, language),
            direction_meta(direction, language, zone),
            direction_fields(direction, language),
        )
    return FrameView(
        direction=shown,
        messages_title=messages_title(messages, language) if messages else None,
        messages=[message_view(message, language, zone) for message in messages],
    )


def message_view(message: AgreedMessage, language: str, zone: ZoneInfo) -> MessageView:
    """An agreed joint message worded as the chat words it (``commands.joint_direction.blocks``):
    the picture's and the minutes' frame, and the direction's file, alike."""
    return MessageView(
        message_label(message, language), message.text, message_meta(message, language, zone)
    )


@dataclass(frozen=True)
class PictureView:
    """Every text of the picture, in order and in one language: what the templates show."""

    language: str
    title: str
    header: list[tuple[str, str]]
    count: str
    sections: list[Section] = field(default_factory=list)
    no_reports: str | None = None
    collected: list[Collected] = field(default_factory=list)
    missing_title: str | None = None
    missing: list[str] = field(default_factory=list)
    all_reported: str | None = None
    # Reports sent after the round closed: shown last and apart (commands/situation).
    late_title: str | None = None
    late_note: str | None = None
    late_sections: list[Section] = field(default_factory=list)
    # The direction in force and the agreed joint messages, after the header.
    frame: FrameView | None = None
    # ``Exercise`` or ``Actual`` (bot/export/exercise.py), the exercise's name and its line.
    status: str = ACTUAL
    exercise: str | None = None
    status_line: str | None = None


def ordered_fields(fields: dict[str, str]) -> list[tuple[str, str]]:
    """The filled-in fields in the model's order, whatever order a stored version has."""
    known = [(name, fields[name]) for name in FIELDS if fields.get(name)]
    return known + [(name, value) for name, value in fields.items() if name not in FIELDS]


def picture_view(exported: ExportedPicture, *, frame: bool = True) -> PictureView:
    """The picture's texts; without its ``frame`` in the minutes, which show it at their top."""
    picture, language = exported.picture, exported.language
    zone = ZoneInfo(picture.timezone)
    header = [
        (label, value if isinstance(value, str) else inline_text(value))
        for label, value in header_rows(picture, exported.round_label, language)
    ]
    sections = [_section(report, zone, language) for report in picture.reports]
    late = [_section(report, zone, language) for report in picture.late_reports]
    closed_at = format_time(picture.closes_at, zone) if picture.closes_at else "?"
    collected = [
        Collected(
            t(language, f"picture.all_{name}"),
            picture.collected(name),
            t(language, f"picture.no_{name}"),
        )
        for name in COLLECTED
    ]
    exercise = exported.exercise
    return PictureView(
        language=language,
        title=marked_title(t(language, "picture.title", forum=picture.forum), exercise, language),
        header=header,
        count=t(language, "picture.count", reported=picture.reported, count=picture.expected),
        sections=sections,
        no_reports=None if picture.reports else t(language, "picture.no_reports"),
        collected=collected,
        missing_title=(
            t(language, "picture.missing_title", count=len(picture.missing))
            if picture.missing
            else None
        ),
        missing=list(picture.missing),
        all_reported=(
            t(language, "picture.all_reported") if picture.reports and not picture.missing else None
        ),
        late_title=t(language, "picture.late_title", count=len(late)) if late else None,
        late_note=t(language, "picture.late_note", time=closed_at) if late else None,
        late_sections=late,
        frame=frame_view(picture.direction, picture.joint_messages, language, zone)
        if frame
        else None,
        status=status(exercise),
        exercise=exercise,
        status_line=status_line(exercise, language),
    )


def _section(report: PictureReport, zone: ZoneInfo, language: str) -> Section:
    return Section(
        report.organisation,
        report_meta(report, zone, language),
        [(field_label(name, language), value) for name, value in ordered_fields(report.fields)],
    )


def render(exported: ExportedPicture, fmt: str) -> str:
    """The file's text in ``fmt`` (one of ``bot.export.FORMATS``)."""
    if fmt == "json":
        return render_json(exported)
    return template_for("picture", fmt).render(view=picture_view(exported))


def render_json(exported: ExportedPicture) -> str:
    """``Picture.to_json()`` under ``picture`` (``Picture.from_json`` reads it back), with the
    labels a consumer needs in the chosen language beside it; keys in a fixed order."""
    picture, language = exported.picture, exported.language
    title = t(language, "picture.title", forum=picture.forum)
    document = {
        "format": JSON_FORMAT,
        "language": language,
        **json_status(exported.exercise),
        "labels": {
            "title": marked_title(title, exported.exercise, language),
            "round": exported.round_label,
            "mode": t(language, f"mode.{picture.mode}"),
            "fields": {name: field_label(name, language) for name in FIELDS},
            **frame_labels(picture.direction, language, ZoneInfo(picture.timezone)),
        },
        "picture": _picture_json(picture),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def frame_labels(
    direction: DirectionSummary | None, language: str, zone: ZoneInfo
) -> dict[str, Any]:
    """The labels of the direction's and the joint messages' keys in the JSON files, and the
    direction's title and line as the chat words them (null without a direction)."""
    return {
        "direction": {
            "title": direction_title(direction, language) if direction else None,
            "adopted": direction_meta(direction, language, zone) if direction else None,
            "keys": {
                name: t(language, f"direction_block.label.{name}")
                for name in ("title", "number", "version", "adopted_at", "adopted_by", "adopted_in")
            },
            "fields": {
                name: t(language, f"direction.field.{name}")
                for name in (*DIRECTION_FIELDS, "valid_until")
            },
        },
        "joint_messages": {
            name: t(language, f"joint_messages_block.label.{name}")
            for name in ("title", "number", "text", "agreed_at", "agreed", "objected", "forum")
        },
    }


def _picture_json(picture: Picture) -> dict[str, Any]:
    data = picture.to_json()
    for report in data["reports"]:
        report["fields"] = dict(ordered_fields(report["fields"]))
    return data

"""A meeting's minutes (protokoll) as a Markdown, HTML or JSON file.

The content and its order are the chat's full minutes (``commands.minutes.render``): the
header, the direction in force and the agreed joint messages (``picture_frame.*.j2``, as the
picture has them), attendance by organisation, follow-up, the items under their agenda
topics, the actions and the actions by owner, then the round's joint situation picture
(without its own frame). The texts come
from the message catalogue in the chosen language; the follow-up rows are the chat's own
(``follow_up_groups``: under the forum's agenda items), and the picture is the picture
export's (``bot.export.picture_export``): the Markdown includes ``picture.md.j2`` as it is,
the HTML lays out the same ``PictureView`` (a macro with the body of ``picture.html.j2``,
which is a whole page), the JSON carries the picture export's document. One difference
from the chat: an item noted after midnight shows its date, as the file is read later.

The same :func:`render_minutes` writes ``samverkan-bot export protokoll`` and the full minutes
file the bot attaches in the chat, so the Markdown is the complete minutes, readable as a
file. It needs nothing but the compiled :class:`Minutes`: no database.

Escaping is the picture export's: HTML is autoescaped, and in Markdown every value goes
through :mod:`bot.export.markdown` (the environment's ``finalize``); a row of the chat's
inlines goes through the ``parts`` filter, which escapes its texts and marks its bold parts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from bot.export.environments import template_for
from bot.export.exercise import ACTUAL, json_status, marked_title, status, status_line
from bot.export.picture_export import (
    FrameView,
    PictureView,
    frame_labels,
    frame_view,
    picture_view,
)
from bot.export.picture_export import render_json as picture_json
from bot.export.source import ExportedPicture
from commands.core.document import (
    Inline,
    Strong,
    Text,
    inlines,
)
from commands.core.i18n import t
from commands.core.timefmt import format_time, local
from commands.minutes.data import minutes_data, minutes_from_data
from commands.minutes.kinds import kind_key
from commands.minutes.record import (
    ActionEntry,
    Entry,
    Minutes,
    Section,
)
from commands.minutes.render import absent_line, follow_up_groups, host_rows
from storage.models import EscalationKind, ItemKind

# The layout of the JSON file; raise it when a consumer would have to read it differently.
JSON_FORMAT = 1
KINDS = tuple(kind.value for kind in ItemKind)

Row = tuple[Inline, ...]


@dataclass(frozen=True)
class EntryRow:
    """One item of the notes: its kind (a CSS class in HTML) and the chat's line for it."""

    kind: str
    parts: Row


@dataclass(frozen=True)
class TopicView:
    title: str
    entries: list[EntryRow]
    empty: str | None  # "Inget antecknat." when the topic has no items


@dataclass(frozen=True)
class FollowUpView:
    """Part of the follow-up, under its agenda item (``Uppföljning`` when the forum's agenda
    has no item of its own for it)."""

    title: str
    rows: list[Row]


@dataclass(frozen=True)
class ActionRow:
    """An action noted in the meeting, in columns (HTML's table) and as the chat's line."""

    number: str
    owner: str
    text: str
    due: str
    parts: Row


@dataclass(frozen=True)
class MinutesView:
    """Every text of the minutes, in order and in one language: what the templates show."""

    language: str
    title: str
    header: list[tuple[str, str]]
    closed_automatically: str | None
    attendance_title: str
    attendance: list[tuple[str, str]]  # organisation, its people
    nobody: str | None
    absent: str | None  # the member organisations that took no part
    follow_up: list[FollowUpView]
    topics: list[TopicView]
    actions_title: str
    columns: tuple[str, str, str, str]  # the actions table's headings (HTML)
    actions: list[ActionRow]
    no_actions: str | None
    by_owner_title: str
    by_owner: list[tuple[str, list[Row]]]
    picture: PictureView | None = None
    # The direction in force during the meeting and the joint messages agreed by its end.
    frame: FrameView | None = None
    # ``Exercise`` or ``Actual`` (bot/export/exercise.py), the exercise's name and its line.
    status: str = ACTUAL
    exercise: str | None = None
    status_line: str | None = None


# -- the view ------------------------------------------------------------------------------------


def minutes_view(minutes: Minutes, language: str) -> MinutesView:
    rows = _Rows(minutes, language)
    attendees = sum(len(people) for _, people in minutes.attendance)
    picture = _exported_picture(minutes, language)
    exercise = minutes.exercise
    return MinutesView(
        language=language,
        title=marked_title(_title(minutes, language), exercise, language),
        header=header_rows(minutes, language),
        closed_automatically=(
            t(language, "minutes.closed_automatically") if minutes.closed_automatically else None
        ),
        attendance_title=t(language, "minutes.attendance", count=attendees),
        attendance=[
            (organisation or t(language, "minutes.no_organisation"), ", ".join(people))
            for organisation, people in minutes.attendance
        ],
        nobody=None if minutes.attendance else t(language, "minutes.nobody"),
        absent=absent_line(minutes, language),
        follow_up=[
            FollowUpView(title, [inlines(row) for row in rows])
            for title, rows in follow_up_groups(minutes, language)
        ],
        topics=[rows.topic(section) for section in minutes.sections],
        actions_title=t(language, "minutes.actions", count=len(minutes.actions)),
        columns=(
            t(language, "export_minutes.number"),
            t(language, "export_minutes.owner"),
            t(language, "export_minutes.action"),
            t(language, "export_minutes.status"),
        ),
        actions=[rows.action(action) for action in minutes.actions],
        no_actions=None if minutes.actions else t(language, "minutes.no_actions"),
        by_owner_title=t(language, "minutes.actions_by_owner"),
        by_owner=[
            (owner, [rows.owned(action) for action in actions])
            for owner, actions in minutes.actions_by_owner()
        ],
        # The picture's title is marked as the minutes' is; the line is said once, at the top.
        picture=replace(picture_view(picture, frame=False), status_line=None) if picture else None,
        frame=frame_view(
            minutes.direction, minutes.joint_messages, language, ZoneInfo(minutes.timezone)
        ),
        status=status(exercise),
        exercise=exercise,
        status_line=status_line(exercise, language),
    )


def _title(minutes: Minutes, language: str) -> str:
    return t(language, "minutes.title", forum=minutes.forum, number=minutes.number)


def header_rows(minutes: Minutes, language: str) -> list[tuple[str, str]]:
    """Meeting, mode, time (the end with its date when the meeting ran past midnight), chairs,
    and the host (the activation's, when it decided its own)."""
    return [
        (t(language, "minutes.meeting"), minutes.title),
        (t(language, "picture.mode"), t(language, f"mode.{minutes.mode}")),
        (t(language, "minutes.when"), when(minutes, language)),
        (t(language, "minutes.chairs"), ", ".join(minutes.chairs)),
        *host_rows(minutes, language),
    ]


def when(minutes: Minutes, language: str) -> str:
    """``2026-11-26 16:00 – 16:40``; ``2026-11-26 23:30 – 2026-11-27 00:20`` past midnight."""
    zone = ZoneInfo(minutes.timezone)
    end = t(language, "minutes.open")
    if minutes.ended_at is not None:
        end = _time(minutes.ended_at, zone, local(minutes.started_at, zone).date())
    start = format_time(minutes.started_at, zone)
    return t(language, "minutes.when_value", start=start, end=end)


def _time(at: datetime, zone: ZoneInfo, first_day: date) -> str:
    """The clock on the meeting's first day; with the date after it (a file is read later,
    and a meeting may run past midnight)."""
    moment = local(at, zone)
    return moment.strftime("%H:%M" if moment.date() == first_day else "%Y-%m-%d %H:%M")


def _exported_picture(minutes: Minutes, language: str) -> ExportedPicture | None:
    if minutes.picture is None or minutes.round_label is None:
        return None
    return ExportedPicture(minutes.picture, minutes.round_label, language, minutes.exercise)


class _Rows:
    """The lines of one minutes in one language, as the chat words them (``render.py``);
    what every line repeats (the zone, the first day, the kinds' names) is looked up once."""

    def __init__(self, minutes: Minutes, language: str) -> None:
        self.language = language
        self.zone = ZoneInfo(minutes.timezone)
        self.first_day = local(minutes.started_at, self.zone).date()
        self.kinds = {kind: Strong(t(language, _kind_key(kind, minutes))) for kind in KINDS}
        self.report_back = Strong(t(language, "report_back.kind"))
        self.no_topic = t(language, "minutes.before_topics")
        self.no_items = t(language, "minutes.no_items")
        self.dues: dict[int, str] = {}

    def topic(self, section: Section) -> TopicView:
        return TopicView(
            title=section.topic or self.no_topic,
            entries=[EntryRow(entry.kind, self.entry(entry)) for entry in section.entries],
            empty=None if section.entries else self.no_items,
        )

    def entry(self, entry: Entry) -> Row:
        """The chat's line for an item: ``**Beslut**: text (anna 16:05)``."""
        clock = _time(entry.at, self.zone, self.first_day)
        by = Text(t(self.language, "minutes.by", who=entry.by, time=clock))
        kind = self.kinds.get(entry.kind) or Strong(entry.kind)
        if entry.action is not None:
            action = entry.action
            number = Text(f" #{action.number}: ")
            due = self.due(action)
            owner = Strong(action.owner)
            return (kind, number, owner, _COLON, Text(action.text), _DASH, Text(due), by)
        if entry.escalation is not None:
            if entry.escalation.kind == EscalationKind.REPORT_BACK.value:
                kind = self.report_back
            target = t(self.language, "minutes.raised_to", forum=entry.escalation.to_forum)
            return (kind, Text(f" {target}: "), Text(entry.text), by)
        return (kind, _COLON, Text(entry.text), by)

    def action(self, action: ActionEntry) -> ActionRow:
        """``**#3** **Polisen**: text — senast 2026-11-27 12:00``, and in columns."""
        due = self.due(action)
        number = f"#{action.number}"
        parts = (Strong(number), _SPACE, Strong(action.owner), _COLON, Text(action.text))
        return ActionRow(number, action.owner, action.text, due, (*parts, _DASH, Text(due)))

    def owned(self, action: ActionEntry) -> Row:
        """``#3 text — senast 2026-11-27 12:00``, under its owner."""
        return (Text(f"#{action.number} "), Text(action.text), _DASH, Text(self.due(action)))

    def due(self, action: ActionEntry) -> str:
        found = self.dues.get(action.number)
        if found is None:
            found = self.dues[action.number] = _due(action, self.zone, self.language)
        return found


_COLON = Text(": ")
_DASH = Text(" – ")
_SPACE = Text(" ")


def _due(action: ActionEntry, zone: ZoneInfo, language: str) -> str:
    if action.closed_at is not None:
        return t(language, "minutes.action_done", time=format_time(action.closed_at, zone))
    if action.due_at is None:
        return t(language, "minutes.no_due")
    return t(language, "minutes.due", time=format_time(action.due_at, zone))


# -- rendering -----------------------------------------------------------------------------------


def render_minutes(minutes: Minutes, fmt: str, language: str) -> str:
    """The file's text in ``fmt`` (one of ``bot.export.FORMATS``)."""
    if fmt == "json":
        return render_json(minutes, language)
    return template_for("minutes", fmt).render(view=minutes_view(minutes, language))


def _kind_key(kind: str, minutes: Minutes) -> str:
    """An item's kind as its forum names it: an agreement, or in chefsgrupp a decision."""
    return kind_key(kind, minutes.decides)


def render_json(minutes: Minutes, language: str) -> str:
    """The minutes as plain data (:func:`minutes_from_json` reads them back) under
    ``minutes``, the labels a consumer needs in the chosen language beside them, and the
    picture export's document of the round's picture under ``picture`` (or null)."""
    picture = _exported_picture(minutes, language)
    attendees = sum(len(people) for _, people in minutes.attendance)
    document = {
        "format": JSON_FORMAT,
        "language": language,
        **json_status(minutes.exercise),
        "labels": {
            "title": marked_title(_title(minutes, language), minutes.exercise, language),
            "mode": t(language, f"mode.{minutes.mode}"),
            "when": when(minutes, language),
            "kinds": {kind: t(language, _kind_key(kind, minutes)) for kind in KINDS},
            "fields": {
                "title": t(language, "minutes.meeting"),
                "mode": t(language, "picture.mode"),
                "started_at": t(language, "minutes.when"),
                "chairs": t(language, "minutes.chairs"),
                "host": t(language, "forum.host"),
                "attendance": t(language, "minutes.attendance", count=attendees),
                "follow_up": t(language, "minutes.follow_up"),
                "actions": t(language, "minutes.actions", count=len(minutes.actions)),
                "actions_by_owner": t(language, "minutes.actions_by_owner"),
                "number": t(language, "export_minutes.number"),
                "owner": t(language, "export_minutes.owner"),
                "text": t(language, "export_minutes.action"),
                "due_at": t(language, "export_minutes.status"),
            },
            "no_topic": t(language, "minutes.before_topics"),
            "no_organisation": t(language, "minutes.no_organisation"),
            **frame_labels(minutes.direction, language, ZoneInfo(minutes.timezone)),
        },
        "minutes": minutes_data(minutes),
        "picture": _picture_document(picture) if picture else None,
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def _picture_document(exported: ExportedPicture) -> Any:
    """The picture export's JSON document, its instants in UTC whichever zone they were
    compiled in (the chat compiles with local times), so the same minutes are the same file."""
    in_utc = replace(exported, picture=_in_utc(exported.picture))
    return orjson.loads(picture_json(in_utc))


def _in_utc(value: Any) -> Any:
    """A dataclass (recursively), list or instant with every instant in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list):
        return [_in_utc(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _in_utc(getattr(value, f.name)) for f in fields(value)})
    return value


def minutes_from_json(document: dict[str, Any]) -> Minutes:
    """The :class:`Minutes` of a JSON file written by :func:`render_json`."""
    exported = document.get("picture")
    return minutes_from_data(document["minutes"], exported["picture"] if exported else None)

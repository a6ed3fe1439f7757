"""``!efterhand``: the record of an activation, compiled from what is stored: timeline, key
figures, charts.

``!efterhand`` shows the forum's latest real activation, ``!efterhand 12`` activation 12 (of
this forum), ``!efterhand övning`` the latest exercise's. An exercise's activation is shown
only when asked for by number or as an exercise, marked ÖVNING: never mixed into a real one.
The data is :mod:`commands.record`'s; the exports and charts are drawn from it in ``bot/``.
"""

from __future__ import annotations

from commands.core.document import Document, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import AttachmentKind, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.timefmt import format_time
from commands.record import Record, compile_record, record_activation
from commands.record.attachment import (
    RECORD_CHART_ATTACHMENT,
    record_chart_data,
    record_chart_from,
    record_charts,
)
from commands.record.words import entry_text, minutes_text
from storage.models import Forum

FEATURE = feature(__name__)
# The record's charts, attached as images, wait in the outbox as plain data.
FEATURE.attachments.append(
    AttachmentKind(RECORD_CHART_ATTACHMENT, record_chart_data, record_chart_from)
)

WHICH = Arg("activation_record.which", ArgKind.WORD, required=False)
EXERCISE_WORDS = ("övning", "exercise")


def render_record(req: Request, record: Record) -> Document:
    zone = req.zone
    doc = req.document()
    title_key = "activation_record.title_exercise" if record.exercise else "activation_record.title"
    doc.heading(req.t(title_key, number=record.activation_id, forum=record.forum))
    doc.paragraph(req.t("activation_record.reason", reason=record.reason))
    f = record.figures
    doc.heading(req.t("activation_record.figures_title"), level=2)
    figure_lines: list[Part] = [
        req.t(
            "activation_record.figure.first_ack",
            after=minutes_text(req.language, f.first_ack_minutes),
        ),
        req.t(
            "activation_record.figure.all_acks",
            after=minutes_text(req.language, f.all_acks_minutes),
        )
        if f.all_acks_minutes is not None
        else req.t(
            "activation_record.figure.never",
            count=len(f.never_acknowledged),
            called=f.called,
            names="; ".join(f.never_acknowledged),
        ),
        req.t(
            "activation_record.figure.convene", after=minutes_text(req.language, f.convene_minutes)
        ),
        req.t(
            "activation_record.figure.duration",
            duration=minutes_text(req.language, f.duration_minutes),
        ),
        *(
            req.t(
                "activation_record.figure.round",
                number=r.number,
                reported=len(r.reported),
                total=len(r.reported) + len(r.missing),
                percent=round(100 * r.share),
            )
            for r in f.rounds
        ),
    ]
    doc.bullets(figure_lines)
    doc.heading(req.t("activation_record.timeline_title"), level=2)
    doc.bullets(
        [
            [
                Strong(format_time(entry.at, zone)),
                " ",
                entry_text(req.language, entry),
            ]
            for entry in record.entries
        ]
    )
    return doc


@command(
    "activation_record.show",
    "efterhand",
    aliases=("record", "after action"),
    args=(WHICH,),
    needs_forum=True,
)
def show_record(req: Request) -> Reply:
    """The record of the forum's latest real activation, of one by number, or of the latest
    exercise (``!efterhand övning``)."""
    forum = req.forum_here
    which = (req.args.get("activation_record.which") or "").strip().lstrip("#")
    number: int | None = None
    exercise = False
    if which.casefold() in EXERCISE_WORDS:
        exercise = True
    elif which:
        if not which.isdigit():
            raise CommandError(
                "activation_record.error.which", hint_key=_hint(req, forum), text=which
            )
        number = int(which)
    activation = record_activation(req.store, forum, number, exercise=exercise)
    if activation is None:
        raise CommandError(
            _refusal(req, forum, number, exercise=exercise),
            hint_key=_hint(req, forum),
            forum=forum.name,
            number=number or 0,
        )
    record = compile_record(req.store, forum, activation, req.config.activation_recall_minutes)
    return Reply(render_record(req, record), attachments=record_charts(record, req.language))


def _refusal(req: Request, forum: Forum, number: int | None, *, exercise: bool) -> str:
    """Why there is nothing to show: no such number, no exercise's, or no real activation
    (while an exercise's there is: shown only when asked for)."""
    if number is not None:
        return "activation_record.error.no_such"
    if exercise:
        return "activation_record.error.no_exercise"
    if req.store.activations.latest_of_kind(forum, exercise=True) is not None:
        return "activation_record.error.none_real"
    return "activation_record.error.none"


def _hint(req: Request, forum: Forum) -> str | None:
    """An example that shows something when typed: the latest real activation's record, else
    the latest exercise's; none when the forum has neither (cleared, or never activated)."""
    if req.store.activations.latest_of_kind(forum, exercise=False) is not None:
        return "activation_record_hint.show"
    if req.store.activations.latest_of_kind(forum, exercise=True) is not None:
        return "activation_record_hint.exercise"
    return None

"""``!efterhand``: the record of an activation, compiled from what is stored: timeline, key
figures, charts.

``!efterhand`` shows the forum's latest real activation, ``!efterhand 12`` activation 12 (of
this forum), ``!efterhand övning`` the latest exercise's. An exercise's activation is shown
only when asked for by number or as an exercise, marked ÖVNING: never mixed into a real one.
The data is :mod:`commands.record`'s; the exports and charts are drawn from it in ``bot/``.
"""

from __future__ import annotations

from datetime import timedelta

from commands.core.document import Document, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.timefmt import format_duration, format_time
from commands.record import Record, compile_record, record_activation

FEATURE = feature(__name__)

WHICH = Arg("activation_record.which", ArgKind.WORD, required=False)
EXERCISE_WORDS = ("övning", "exercise")


def _minutes(req: Request, value: int | None) -> str:
    if value is None:
        return "–"
    return format_duration_minutes(req.language, value)


def format_duration_minutes(language: str, value: int) -> str:
    return format_duration(timedelta(minutes=value), language)


def entry_text(req: Request, kind: str, who: str, values: dict[str, object]) -> str:
    """A timeline entry in words (``activation_record.entry.<kind>``): lists joined, a count
    beside each list, a delay in minutes as a duration."""
    params: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, list):
            params[key] = "; ".join(str(item) for item in value) or "–"
            params[f"{key}_count"] = len(value)
        else:
            params[key] = value
        if key == "minutes" and isinstance(value, int):
            params["after"] = format_duration_minutes(req.language, value)
    return req.t(f"activation_record.entry.{kind}", who=who or "–", **params)


def render_record(req: Request, record: Record) -> Document:
    zone = req.zone
    doc = req.document()
    title_key = "activation_record.title_exercise" if record.exercise else "activation_record.title"
    doc.heading(req.t(title_key, number=record.activation_id, forum=record.forum))
    doc.paragraph(req.t("activation_record.reason", reason=record.reason))
    f = record.figures
    doc.heading(req.t("activation_record.figures_title"), level=2)
    figure_lines: list[Part] = [
        req.t("activation_record.figure.first_ack", after=_minutes(req, f.first_ack_minutes)),
        req.t("activation_record.figure.all_acks", after=_minutes(req, f.all_acks_minutes))
        if f.all_acks_minutes is not None
        else req.t(
            "activation_record.figure.never",
            count=len(f.never_acknowledged),
            called=f.called,
            names="; ".join(f.never_acknowledged),
        ),
        req.t("activation_record.figure.convene", after=_minutes(req, f.convene_minutes)),
        req.t("activation_record.figure.duration", duration=_minutes(req, f.duration_minutes)),
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
                entry_text(req, entry.kind, entry.who, entry.values),
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
                "activation_record.error.which", hint_key="activation_record_hint.show", text=which
            )
        number = int(which)
    activation = record_activation(req.store, forum, number, exercise=exercise)
    if activation is None:
        key = (
            "activation_record.error.no_such"
            if number is not None
            else "activation_record.error.none"
        )
        raise CommandError(
            key, hint_key="activation_record_hint.show", forum=forum.name, number=number or 0
        )
    record = compile_record(req.store, forum, activation, req.config.activation_recall_minutes)
    return Reply(render_record(req, record))

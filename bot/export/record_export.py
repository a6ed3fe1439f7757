"""An activation's record (``!efterhand``) as a Markdown, HTML or JSON file: what
``samverkan-bot export efterhand`` writes for the evaluation after the event.

The content: the title (marked ÖVNING for an exercise), the key figures, a paragraph a
coordinator can paste into an evaluation report as it is, the charts (HTML: inline SVG from
:mod:`bot.charts.activation`), and the timeline. It needs nothing but the
:class:`~commands.record.Record`, the forum's time zone and a language: no database.

Escaping is the other exports': HTML is autoescaped (the SVG, drawn by matplotlib from our
own numbers and catalogue words, is the one thing marked safe), and in Markdown every value
goes through :mod:`bot.export.markdown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from markupsafe import Markup

from bot.charts import Chart
from bot.charts.activation import ack_chart, rounds_chart
from bot.export.environments import template_for
from bot.export.exercise import ACTUAL, EXERCISE, status_line
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.record import Record
from commands.record.words import entry_text, minutes_text

# The layout of the JSON file; raise it when a consumer would have to read it differently.
JSON_FORMAT = 1


@dataclass(frozen=True)
class ChartView:
    svg: Markup
    description: str


@dataclass(frozen=True)
class RecordView:
    """Every text of the file, in order and in one language: what the templates show."""

    language: str
    title: str
    reason: str
    figures_title: str
    figures: list[str]
    summary_title: str
    summary: str
    charts_title: str
    charts: list[ChartView]
    timeline_title: str
    timeline: list[tuple[str, str]]
    footer: str
    # ``Exercise`` or ``Actual`` (bot/export/exercise.py), and the line naming the exercise.
    status: str = ACTUAL
    status_line: str | None = None


def title(record: Record, language: str) -> str:
    key = "activation_record.title_exercise" if record.exercise else "activation_record.title"
    return t(language, key, number=record.activation_id, forum=record.forum)


def figure_lines(record: Record, language: str) -> list[str]:
    f = record.figures
    key = "activation_record.figure"
    lines = [t(language, f"{key}.first_ack", after=minutes_text(language, f.first_ack_minutes))]
    if f.all_acks_minutes is not None:
        lines.append(
            t(language, f"{key}.all_acks", after=minutes_text(language, f.all_acks_minutes))
        )
    else:
        lines.append(
            t(
                language,
                f"{key}.never",
                count=len(f.never_acknowledged),
                called=f.called,
                names="; ".join(f.never_acknowledged),
            )
        )
    lines.append(t(language, f"{key}.convene", after=minutes_text(language, f.convene_minutes)))
    lines.append(
        t(language, f"{key}.duration", duration=minutes_text(language, f.duration_minutes))
    )
    lines.extend(
        t(
            language,
            f"{key}.round",
            number=r.number,
            reported=len(r.reported),
            total=len(r.reported) + len(r.missing),
            percent=round(100 * r.share),
        )
        for r in f.rounds
    )
    return lines


def summary(record: Record, zone: ZoneInfo, language: str) -> str:
    """The paragraph for an evaluation report: ``Aktiveringen av … varade … Första kvittens
    kom efter …``."""
    f = record.figures
    key = "export_record.summary"
    start = format_time(record.activated_at, zone)
    if record.stood_down_at is not None:
        sentences = [
            t(
                language,
                f"{key}.lasted",
                forum=record.forum,
                reason=record.reason,
                duration=minutes_text(language, f.duration_minutes),
                start=start,
                end=format_time(record.stood_down_at, zone),
            )
        ]
    else:
        sentences = [
            t(language, f"{key}.ongoing", forum=record.forum, reason=record.reason, start=start)
        ]
    never = "; ".join(f.never_acknowledged)
    if f.first_ack_minutes is None and f.never_acknowledged:
        # Nobody acknowledged: said once, with who was called in.
        sentences.append(t(language, f"{key}.none_acked", called=f.called, names=never))
    elif f.first_ack_minutes is None:
        sentences.append(t(language, f"{key}.no_ack"))
    else:
        sentences.append(
            t(language, f"{key}.first_ack", after=minutes_text(language, f.first_ack_minutes))
        )
        if f.all_acks_minutes is not None:
            after = minutes_text(language, f.all_acks_minutes)
            sentences.append(t(language, f"{key}.all_acks", called=f.called, after=after))
    if f.never_acknowledged and f.first_ack_minutes is not None:
        count = len(f.never_acknowledged)
        sentences.append(t(language, f"{key}.never", count=count, called=f.called, names=never))
    if f.convene_minutes is None:
        sentences.append(t(language, f"{key}.no_meeting"))
    else:
        sentences.append(
            t(language, f"{key}.convene", after=minutes_text(language, f.convene_minutes))
        )
    if f.rounds:
        rounds = ", ".join(
            t(
                language,
                f"{key}.round",
                number=r.number,
                reported=len(r.reported),
                total=len(r.reported) + len(r.missing),
                percent=round(100 * r.share),
            )
            for r in f.rounds
        )
        sentences.append(t(language, f"{key}.rounds", rounds=rounds))
    return " ".join(sentences)


def _inline_svg(chart: Chart, prefix: str) -> ChartView:
    """The SVG element alone (no XML declaration or doctype), to sit inside the page, its
    generated ids (``figure_1``, ``patch_3``, the hashed defs) begun with ``prefix``: two
    charts in one page would repeat them otherwise (WCAG 4.1.1)."""
    svg = _own_ids(chart.svg[chart.svg.index("<svg") :], prefix)
    return ChartView(Markup(svg), chart.description)  # noqa: S704 - drawn by us from numbers


# matplotlib's own ids: ``figure_1``, ``axes_1``, ``matplotlib.axis_2``, ``patch_3``, and the
# hashed ids of its defs (``m6cafb989e1``, ``p55de9236ba``); our gids (``ack-steps``) stay.
_GENERATED_ID = r"(?:[a-z][\w.]*_\d+|[a-z][0-9a-f]{10})"
_ID = re.compile(rf'(\bid="|href="#|url\(#)({_GENERATED_ID})([")])')


def _own_ids(svg: str, prefix: str) -> str:
    """``svg`` with each generated id, and each reference to one, begun with ``prefix``."""
    return _ID.sub(lambda m: f"{m[1]}{prefix}-{m[2]}{m[3]}", svg)


def record_view(
    record: Record,
    timezone: str,
    language: str,
    compiled_at: datetime,
    *,
    charts: bool,
    exercise: str | None = None,
) -> RecordView:
    zone = ZoneInfo(timezone)
    drawn: list[Chart] = []
    if charts:
        drawn.append(ack_chart(record, language))
        by_round = rounds_chart(record, language)
        if by_round is not None:
            drawn.append(by_round)
    return RecordView(
        language=language,
        title=title(record, language),
        reason=t(language, "activation_record.reason", reason=record.reason),
        figures_title=t(language, "activation_record.figures_title"),
        figures=figure_lines(record, language),
        summary_title=t(language, "export_record.summary_title"),
        summary=summary(record, zone, language),
        charts_title=t(language, "export_record.charts_title"),
        charts=[_inline_svg(chart, f"chart{n}") for n, chart in enumerate(drawn, 1)],
        timeline_title=t(language, "activation_record.timeline_title"),
        timeline=[(format_time(e.at, zone), entry_text(language, e)) for e in record.entries],
        footer=t(
            language,
            "export_record.footer",
            time=format_time(compiled_at, zone),
            zone=timezone,
        ),
        status=EXERCISE if record.exercise else ACTUAL,
        status_line=status_line(exercise, language) if record.exercise else None,
    )


# -- rendering -----------------------------------------------------------------------------------


def render_record(
    record: Record,
    fmt: str,
    language: str,
    timezone: str,
    compiled_at: datetime,
    *,
    exercise: str | None = None,
) -> str:
    """The file's text in ``fmt`` (one of ``bot.export.FORMATS``); ``exercise`` the name of
    the exercise whose activation it is, for the status line."""
    if fmt == "json":
        return render_json(record, language, timezone, exercise=exercise)
    view = record_view(
        record, timezone, language, compiled_at, charts=fmt == "html", exercise=exercise
    )
    return template_for("record", fmt).render(view=view)


def render_json(
    record: Record, language: str, timezone: str, *, exercise: str | None = None
) -> str:
    """The record as plain data (``Record.from_json`` reads it back) under ``record``, with
    the labels, each timeline entry in words and the report paragraph beside it."""
    zone = ZoneInfo(timezone)
    document: dict[str, Any] = {
        "format": JSON_FORMAT,
        "language": language,
        "status": EXERCISE if record.exercise else ACTUAL,
        "exercise": exercise if record.exercise else None,
        "labels": {
            "title": title(record, language),
            "reason": t(language, "activation_record.reason", reason=record.reason),
            "figures": t(language, "activation_record.figures_title"),
            "figure_lines": figure_lines(record, language),
            "timeline": t(language, "activation_record.timeline_title"),
            "entries": [entry_text(language, e) for e in record.entries],
            "summary": t(language, "export_record.summary_title"),
            "ack_chart": t(language, "export_record.chart.acks_title"),
            "rounds_chart": t(language, "export_record.chart.rounds_title"),
        },
        "summary": summary(record, zone, language),
        "timezone": timezone,
        # The timeline as read: each entry's kind (``activation_record.entry.<kind>``), when
        # (local, as shown), who and its words.
        "timeline": [
            {
                "kind": e.kind,
                "at": e.at.isoformat(),
                "time": format_time(e.at, zone),
                "who": e.who,
                "text": entry_text(language, e),
            }
            for e in record.entries
        ],
        "record": record.to_json(),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"

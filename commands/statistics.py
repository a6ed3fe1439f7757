"""``!statistik``: a forum's figures over a period (activations, acknowledgements, reports,
meetings), exercises apart.

The period is a year (``!statistik 2026``) or the last months (``!statistik senaste 12
månader``, ``last 12 months``); without one, the last 12 months. The figures are compiled in
commands/statistics_data.py; this module reads the period and writes the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from commands.core.document import Document
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import t
from commands.core.messages import Attachment, AttachmentKind, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.timefmt import format_duration, format_time
from commands.statistics_data import (
    STATISTICS_CHART_ATTACHMENT,
    Delays,
    Statistics,
    StatisticsChart,
    compile_statistics,
    statistics_chart_data,
    statistics_chart_from,
)

FEATURE = feature(__name__)
# The weekly completeness chart, attached as an image, waits in the outbox as plain data.
FEATURE.attachments.append(
    AttachmentKind(STATISTICS_CHART_ATTACHMENT, statistics_chart_data, statistics_chart_from)
)

_YEAR = re.compile(r"\d{4}")
_MONTHS = re.compile(r"(?:senaste|last)\s+(\d{1,3})\s+(?:månader|månad|months?)", re.IGNORECASE)
MAX_MONTHS = 120


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def read_period(text: str, now: datetime, zone: ZoneInfo) -> Period | None:
    """``2026`` (that year, in the forum's zone), ``senaste N månader`` / ``last N months``
    (up to now), or nothing (the last 12 months); None for anything else."""
    words = " ".join(text.split())
    if _YEAR.fullmatch(words):
        year = int(words)
        if not 2000 <= year <= now.astimezone(zone).year:
            return None
        return Period(datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))
    months = 12
    if words:
        found = _MONTHS.fullmatch(words)
        if found is None:
            return None
        months = int(found.group(1))
        if not 1 <= months <= MAX_MONTHS:
            return None
    return Period(now - relativedelta(months=months), now)


def _delays(delays: Delays | None, language: str) -> str:
    if delays is None:
        return t(language, "statistics.none")
    return t(
        language,
        "statistics.median_longest",
        median=format_duration(timedelta(minutes=delays.median_minutes), language),
        longest=format_duration(timedelta(minutes=delays.longest_minutes), language),
    )


def statistics_document(stats: Statistics, zone: ZoneInfo, language: str) -> Document:
    """The figures as a document: the same in chat and in the exports."""
    doc = Document()
    doc.heading(t(language, "statistics.title", forum=stats.forum))
    doc.paragraph(
        t(
            language,
            "statistics.period",
            start=format_time(stats.start, zone),
            end=format_time(stats.end, zone),
        )
    )
    doc.heading(t(language, "statistics.activations_heading"), level=2)
    doc.bullets(
        [
            t(language, "statistics.activations", count=stats.activations, ongoing=stats.ongoing),
            t(language, "statistics.durations", figures=_delays(stats.durations, language)),
            t(language, "statistics.convene", figures=_delays(stats.convene, language)),
            t(language, "statistics.exercises", count=stats.exercises),
        ]
    )
    if stats.acknowledgements:
        doc.heading(t(language, "statistics.acknowledgements_heading"), level=2)
        doc.bullets(
            t(
                language,
                "statistics.acknowledged",
                organisation=row.organisation,
                figures=_delays(row.delays, language),
                called=row.called,
                never=row.never,
            )
            for row in stats.acknowledgements
        )
    doc.heading(t(language, "statistics.completeness_heading"), level=2)
    if not stats.weeks:
        doc.paragraph(t(language, "statistics.no_rounds"))
    else:
        doc.bullets(
            t(
                language,
                "statistics.completeness",
                organisation=row.organisation,
                percent=round(100 * row.share),
                reported=row.reported,
                meetings=row.meetings,
            )
            for row in stats.completeness
        )
    doc.heading(t(language, "statistics.meetings_heading"), level=2)
    doc.paragraph(
        t(
            language,
            "statistics.meetings",
            held=stats.held,
            moved=stats.moved,
            skipped=stats.skipped,
        )
    )
    return doc


def refuse_period(text: str) -> CommandError:
    return CommandError(
        "statistics_error.period", hint_key="statistics_hint.period", period=text[:40]
    )


@command(
    "statistics.show",
    "statistik",
    aliases=("statistics",),
    args=(Arg("period", kind=ArgKind.TEXT, required=False),),
    needs_forum=True,
)
def show(req: Request) -> Reply:
    forum = req.forum_here
    text = req.args.get("period") or ""
    period = read_period(text, req.now, req.zone)
    if period is None:
        raise refuse_period(text)
    stats = compile_statistics(req.store, forum, period.start, period.end, req.now)
    charts: tuple[Attachment, ...] = ()
    if stats.weeks:
        chart = StatisticsChart(stats, forum.timezone)
        name = f"statistik-{period.start.astimezone(req.zone):%Y-%m-%d}"
        charts = (Attachment(name, STATISTICS_CHART_ATTACHMENT, chart, req.language),)
    return Reply(statistics_document(stats, req.zone, req.language), attachments=charts)

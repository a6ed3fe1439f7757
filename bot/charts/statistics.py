"""The conference's report completeness week by week (``export statistik``): one bar per
scheduled meeting, the share of member organisations that reported before it began."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy
from matplotlib.figure import Figure

from bot.charts import Chart, render
from commands.core.i18n import t
from commands.statistics_data import Week


def week_id(meeting_at: datetime, zone: ZoneInfo) -> str:
    """The SVG id of a week's bar: ``week-2026-01-08``."""
    return f"week-{meeting_at.astimezone(zone):%Y-%m-%d}"


def completeness_series(weeks: list[Week], zone: ZoneInfo) -> list[tuple[datetime, float]]:
    """Each meeting's local date and time with its share reported in time, in percent."""
    return [
        (
            week.meeting_at.astimezone(zone),
            100 * week.reported / week.expected if week.expected else 0.0,
        )
        for week in weeks
    ]


def completeness_chart(weeks: list[Week], zone: ZoneInfo, language: str) -> Chart:
    """Bars of the percentage week by week; each bar's SVG id is :func:`week_id`."""
    series = completeness_series(weeks, zone)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        bars = axes.bar(
            numpy.array(
                [at.astimezone(UTC).replace(tzinfo=None) for at, _ in series],
                dtype="datetime64[m]",
            ),
            [share for _, share in series],
            width=numpy.timedelta64(5, "D"),  # in the axis's unit: days, not minutes
            color="#2b6cb0",
        )
        for bar, week in zip(bars, weeks, strict=True):
            bar.set_gid(week_id(week.meeting_at, zone))
        axes.xaxis_date(str(zone))
        axes.set_ylim(0, 100)
        axes.set_ylabel(t(language, "export_statistics.chart_axis"))
        axes.set_title(t(language, "export_statistics.chart_title"))
        axes.grid(axis="y", alpha=0.3)

    average = sum(share for _, share in series) / len(series) if series else 0.0
    description = t(
        language,
        "export_statistics.chart_description",
        count=len(series),
        average=round(average),
    )
    return render(draw, description)

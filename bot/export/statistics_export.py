"""A forum's statistics over a period as a Markdown, HTML or JSON file (``samverkan-bot
export statistik``): the figures ``!statistik`` shows, from the same document, exercises
apart; the HTML page adds the conference's report completeness week by week as inline SVG.

Escaping is the other exports': HTML is autoescaped (the chart is matplotlib's SVG, whose
texts it escapes), and in Markdown every value goes through :mod:`bot.export.markdown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from markupsafe import Markup

from bot.charts.statistics import completeness_chart
from bot.export.environments import template_for
from commands.core.document import BulletList, Heading, Inline, Paragraph
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.statistics import statistics_document
from commands.statistics_data import Statistics

# The layout of the JSON file; raise it when a consumer would have to read it differently.
JSON_FORMAT = 1


@dataclass(frozen=True)
class Block:
    """One block of the chat's document: a heading, a paragraph, or bullets."""

    kind: str  # "heading", "paragraph" or "bullets"
    text: str = ""
    parts: tuple[Inline, ...] = ()
    items: tuple[tuple[Inline, ...], ...] = ()


@dataclass(frozen=True)
class StatisticsView:
    language: str
    title: str
    blocks: list[Block]
    chart_title: str
    chart_svg: Markup | None  # the HTML's inline chart; None: no weeks to show
    chart_description: str
    footer: str


def statistics_view(
    stats: Statistics, zone: ZoneInfo, language: str, compiled_at: datetime, chart: bool
) -> StatisticsView:
    document = statistics_document(stats, zone, language)
    title = ""
    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Heading) and block.level == 1 and not title:
            title = block.text
        elif isinstance(block, Heading):
            blocks.append(Block("heading", text=block.text))
        elif isinstance(block, Paragraph):
            blocks.append(Block("paragraph", parts=block.parts))
        elif isinstance(block, BulletList):
            blocks.append(Block("bullets", items=block.items))
    svg = None
    description = t(language, "export_statistics.no_chart")
    if stats.weeks:
        drawn = completeness_chart(stats.weeks, zone, language)
        description = drawn.description
        if chart:
            svg = Markup(_inline(drawn.svg))  # noqa: S704 - matplotlib's SVG escapes its texts
    return StatisticsView(
        language=language,
        title=title,
        blocks=blocks,
        chart_title=t(language, "export_statistics.chart_title"),
        chart_svg=svg,
        chart_description=description,
        footer=t(
            language,
            "export_statistics.footer",
            time=format_time(compiled_at, zone),
            zone=str(zone),
        ),
    )


def _inline(svg: str) -> str:
    """The SVG document without its XML declaration and DOCTYPE, to sit inside HTML."""
    return svg[svg.index("<svg") :]


def render_statistics(
    stats: Statistics, fmt: str, language: str, zone: ZoneInfo, compiled_at: datetime
) -> str:
    """The file's text in ``fmt`` (one of ``bot.export.FORMATS``)."""
    if fmt == "json":
        return render_json(stats, language)
    view = statistics_view(stats, zone, language, compiled_at, chart=fmt == "html")
    return template_for("statistics", fmt).render(view=view)


def render_json(stats: Statistics, language: str) -> str:
    """The figures as plain data (``Statistics.from_json`` reads them back) under
    ``statistics``, with the labels a consumer needs in the chosen language beside them."""
    document: dict[str, Any] = {
        "format": JSON_FORMAT,
        "language": language,
        "labels": {
            "title": t(language, "statistics.title", forum=stats.forum),
            "activations": t(language, "statistics.activations_heading"),
            "acknowledgements": t(language, "statistics.acknowledgements_heading"),
            "completeness": t(language, "statistics.completeness_heading"),
            "meetings": t(language, "statistics.meetings_heading"),
            "weeks": t(language, "export_statistics.chart_title"),
            "exercises": t(language, "statistics.exercises", count=stats.exercises),
        },
        "statistics": stats.to_json(),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"

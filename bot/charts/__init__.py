"""Charts rendered on the server (matplotlib, its non-interactive Agg backend): SVG for the
HTML exports, PNG for a chat that shows images. Each chart is drawn from plain data the core
compiled; this package only draws. A figure is made for each format asked for and
dropped after (made with ``Figure``, not pyplot, it is not kept in pyplot's memory)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cached_property

import matplotlib

matplotlib.use("Agg")  # no display: before pyplot is imported anywhere

from matplotlib.figure import Figure

# Deterministic SVG (no random ids, no date): the same data gives the same file.
matplotlib.rcParams["svg.hashsalt"] = "samverkan"
matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: searchable, screen readers
SIZE = (7.0, 3.2)  # inches
DPI = 120
MARGINS = {"left": 0.09, "right": 0.98, "bottom": 0.15, "top": 0.9}


class Chart:
    """One chart with the text that describes it (alt text), drawn in a format only when it
    is asked for (``svg`` for the HTML exports, ``png`` for the chat), once per format:
    drawing is what costs, and most uses want one format or only the description."""

    def __init__(self, draw: Callable[[Figure], None], description: str) -> None:
        self._draw = draw
        self.description = description

    @cached_property
    def svg(self) -> str:
        out = io.StringIO()
        self._figure().savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()

    @cached_property
    def png(self) -> bytes:
        out = io.BytesIO()
        self._figure().savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()

    def _figure(self) -> Figure:
        figure = Figure(figsize=SIZE, dpi=DPI)
        # Fixed margins that fit the axis labels: a layout engine measuring every tick label
        # costs as much as drawing the chart.
        figure.subplots_adjust(**MARGINS)
        self._draw(figure)
        return figure


def render(draw: Callable[[Figure], None], description: str) -> Chart:
    """The chart ``draw`` fills a new figure with, drawn when a format is asked for."""
    return Chart(draw, description)

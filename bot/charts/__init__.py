"""Charts rendered on the server (matplotlib, its non-interactive Agg backend): SVG for the
HTML exports, PNG for a chat that shows images. Each chart is drawn from plain data the core
compiled; this package only draws. A figure is made, rendered to both formats, and closed
(matplotlib keeps open figures in memory)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: before pyplot is imported anywhere

from matplotlib.figure import Figure

# Deterministic SVG (no random ids, no date): the same data gives the same file.
matplotlib.rcParams["svg.hashsalt"] = "samverkan"
matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: searchable, screen readers
SIZE = (7.0, 3.2)  # inches
DPI = 120


@dataclass(frozen=True)
class Chart:
    """One chart in both formats, with the text that describes it (alt text)."""

    svg: str
    png: bytes
    description: str


def render(draw: Callable[[Figure], None], description: str) -> Chart:
    """``draw`` fills a new figure; it comes back as SVG and PNG."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    draw(figure)
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    figure.savefig(png, format="png", metadata={"Software": None})
    return Chart(svg.getvalue(), png.getvalue(), description)

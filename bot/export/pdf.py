"""The exports as PDF/A, for the registrar's archive (*diarium*, arkivlagen).

A PDF is the HTML export's page (the same template, the same escaping) printed by WeasyPrint
with :data:`STYLESHEET` beside the page's own styles, as PDF/A-3b: every font embedded (DejaVu,
which has every Swedish letter: ``scripts/ensure-fonts``), an sRGB output intent, and XMP
metadata naming the variant (``pdfaid:part`` 3, ``pdfaid:conformance`` B). The title and
language come from the page (``<title>``, ``<html lang>``), the author is the forum; the
charts of an activation's record are the page's inline SVG, drawn as vectors. Nothing is
fetched from outside the page.

WeasyPrint (and the Pango it needs) is imported when a PDF is written, not before.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint import CSS

PDF = "application/pdf"
VARIANT = "pdf/a-3b"
GENERATOR = "samverkan-bot"
STYLESHEET = "pdf.css"


def pdf_of(html: str, *, author: str | None = None) -> bytes:
    """The page ``html`` (a whole HTML document, as the html export writes it) as PDF/A bytes.

    The same page gives the same bytes: no time is stamped, and the file's identifier is a
    digest of its content."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    _quiet_about_css()
    # The page needs nothing from outside: nothing is fetched (no file, no address).
    offline = URLFetcher(allowed_protocols=["data"])
    page = HTML(string=html, base_url=None, url_fetcher=offline)
    document = page.render(stylesheets=[_stylesheet()])
    metadata = document.metadata
    metadata.generator = GENERATOR
    if author:
        metadata.authors = [author]
    pdf = document.write_pdf(pdf_variant=VARIANT)
    if pdf is None:  # only when given a target to write to
        raise RuntimeError("WeasyPrint wrote no PDF")
    return bytes(pdf)


@cache
def _stylesheet() -> CSS:
    from weasyprint import CSS

    return CSS(string=files("bot.export").joinpath(STYLESHEET).read_text(encoding="utf-8"))


@cache
def _quiet_about_css() -> None:
    """WeasyPrint warns of every CSS rule it does not print: the page's screen-only media
    queries, the charts' SVG styles (``fill``), the ids two charts both number from 1. None
    makes the PDF wrong, and an export would print dozens of lines: only its errors are
    logged."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

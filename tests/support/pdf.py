"""A PDF read back as a reader's tool sees it (pypdf): its text, its PDF/A identification,
its fonts; and the words of a Markdown file as a reader sees them, to compare the two."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from io import BytesIO

from markdown_it import MarkdownIt
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
WORD = re.compile(r"\w+")


def reader(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-"), content[:20]
    return PdfReader(BytesIO(content))


def pdf_text(content: bytes) -> str:
    """Every page's text, in order."""
    return "\n".join(page.extract_text() for page in reader(content).pages)


def pdf_as_line(content: bytes) -> str:
    """The PDF's text as one line (every run of white space a space), so that a line the
    page wrapped reads as typed."""
    return " ".join(pdf_text(content).split())


def words(text: str) -> list[str]:
    """The words of a text (letters and digits, å ä ö among them), in order."""
    return WORD.findall(text)


def markdown_words(markdown: str) -> list[str]:
    """The words a reader sees in a Markdown file: rendered (its escapes and markup gone)."""
    parser = _Text()
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    parser.close()
    return words(" ".join(parser.parts))


def missing_in_order(wanted: list[str], found: list[str]) -> list[str]:
    """What of ``wanted`` is not in ``found`` in the same order (``found`` may hold more):
    the first word not found and the words after it; empty when all are there."""
    rest = iter(found)
    for index, word in enumerate(wanted):
        if not any(seen == word for seen in rest):
            return wanted[index:]
    return []


def flat(text: str) -> str:
    """``text`` without any white space: a line broken anywhere reads as one."""
    return re.sub(r"\s+", "", text)


def pdfa_id(content: bytes) -> tuple[str | None, str | None]:
    """``pdfaid:part`` and ``pdfaid:conformance`` from the XMP metadata of the catalogue."""
    metadata = reader(content).trailer["/Root"]["/Metadata"].get_object()
    root = ElementTree.fromstring(metadata.get_data())  # noqa: S314 - the bot wrote it
    part = conformance = None
    for element in root.iter():
        part = part or element.get(f"{PDFAID}part")
        conformance = conformance or element.get(f"{PDFAID}conformance")
        if element.tag == f"{PDFAID}part":
            part = element.text
        if element.tag == f"{PDFAID}conformance":
            conformance = element.text
    return part, conformance


def fonts(content: bytes) -> dict[str, bool]:
    """Every font the pages use, by name, and whether its program is embedded in the file
    (a composite font's through its descendant)."""
    found: dict[str, bool] = {}
    pdf = reader(content)
    for page in pdf.pages:
        _fonts_in(page.get("/Resources"), found, set())
    return found


def _fonts_in(resources: object, found: dict[str, bool], seen: set[int]) -> None:
    resources = _resolved(resources)
    if not isinstance(resources, DictionaryObject):
        return
    for font in (_resolved(resources.get("/Font")) or {}).values():
        font = _resolved(font)
        shown = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = _resolved(shown.get("/FontDescriptor")) or {}
        embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        found[str(font.get("/BaseFont"))] = embedded or font.get("/Subtype") == "/Type3"
    # Forms (an SVG chart is drawn as one) have resources of their own.
    for xobject in (_resolved(resources.get("/XObject")) or {}).values():
        if isinstance(xobject, IndirectObject):
            if xobject.idnum in seen:
                continue
            seen.add(xobject.idnum)
        _fonts_in(_resolved(xobject).get("/Resources"), found, seen)


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")  # a cell or an item is a word apart from the next

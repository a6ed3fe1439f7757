"""Escaping user text for Markdown, so that it shows as written and never becomes markup.

A report is free text from many organisations, and the exported picture is pasted into other
systems that render Markdown (CommonMark, GitHub-flavoured, chat tools). A report saying
``[x](http://evil)``, ``# Rubrik``, ``**viktigt**``, ``<script>`` or ``| a | b |`` must come
out as those characters, not as a link, a heading, emphasis, HTML or a table.

CommonMark lets a backslash escape any ASCII punctuation, so the rules are: the characters
that are markup wherever they stand are always escaped; the ones that are markup only at the
start of a line (``-``, ``+``, ``=``, ``>``, ``1.``) are escaped there. Leading whitespace is
dropped (four spaces would start a code block), and each line ends in a hard break so a
multi-line field keeps its lines.
"""

from __future__ import annotations

import re

# Markup wherever it stands: escapes, code, emphasis, links and images, HTML and autolinks,
# tables, strikethrough, entities, headings (also a heading's closing #s).
_ANYWHERE = re.compile(r"([\\`*_\[\]<|~&#])")
# Markup at the start of a line: list items, setext underlines, block quotes, ordered lists.
_LINE_START = re.compile(r"^([-+=>])|^(\d{1,9})([.)])")
HARD_BREAK = "  \n"


class Markdown(str):
    """Text that is already Markdown: the templates write it as it is."""


def escape_line(text: str) -> str:
    """One line of user text as Markdown that shows exactly that text."""
    line = _ANYWHERE.sub(r"\\\1", text.strip())
    return _LINE_START.sub(_escape_marker, line, count=1)


def _escape_marker(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def escape_inline(text: object) -> Markdown:
    """A name, a label or a one-line text: line breaks become spaces."""
    if isinstance(text, Markdown):
        return text
    return Markdown(escape_line(" ".join(str(text).split())))


def escape_lines(text: str, indent: str = "") -> Markdown:
    """A multi-line field: each line escaped, lines joined by hard breaks, blank lines kept
    as paragraph breaks. ``indent`` goes before every line but the first (in a list item)."""
    paragraphs: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = escape_line(raw)
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    kept = [lines for lines in paragraphs if lines]
    return Markdown(f"\n\n{indent}".join((HARD_BREAK + indent).join(lines) for lines in kept))

"""The Jinja2 environments of the exports, and the filters their templates share.

HTML is autoescaped; Markdown is escaped by ``finalize`` (every value printed) and by the
filters: ``lines`` for a multi-line text, ``parts`` for a row of the chat's inlines (bold,
italic, links), so that a template never prints a user's text as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from bot.export import FORMATS
from bot.export.markdown import Markdown, escape_inline, escape_lines
from commands.core.document import Code, Emphasis, Inline, Link, Mention, Strong

_DESTINATION = re.compile(r"([\\&])")
# Private-use characters for ** and * while a row is escaped (see markdown_parts).
_MARKS: dict[type, tuple[str, str]] = {
    Strong: ("\ue000", "\ue001"),
    Emphasis: ("\ue002", "\ue003"),
}
_MARK_CHARS = re.compile("[\ue000-\ue003]")


@cache
def html_environment() -> Environment:
    return html_environment_for("bot.export", "templates")


def html_environment_for(package: str, folder: str) -> Environment:
    """HTML templates from ``package``'s ``folder`` with the exports' settings: autoescaped,
    strict about undefined names, and the exports' filters (the web pages use it too)."""
    environment = Environment(
        loader=PackageLoader(package, folder),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["lines"] = html_lines
    environment.filters["parts"] = html_parts
    return environment


@cache
def markdown_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("bot.export", "templates"),
        autoescape=False,  # noqa: S701 - Markdown, not HTML: finalize escapes for Markdown
        finalize=escape_inline,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["lines"] = escape_lines
    environment.filters["parts"] = markdown_parts
    return environment


def template_for(name: str, fmt: str) -> Template:
    """The template that writes ``name`` (``picture``, ``minutes``, ``direction``) in ``fmt``:
    ``<name>.html.j2`` or ``<name>.md.j2``; any other format is refused (JSON is written by
    each export without a template)."""
    if fmt == "html":
        return html_environment().get_template(f"{name}.html.j2")
    if fmt == "md":
        return markdown_environment().get_template(f"{name}.md.j2")
    raise ValueError(f"{fmt!r} is none of {FORMATS}")


def html_lines(text: str) -> Markup:
    """A multi-line field: each line escaped, then joined by ``<br>``."""
    return Markup("<br>\n").join(escape(line) for line in text.strip().splitlines())


# -- a row of inlines, escaped ---------------------------------------------------------------------


def markdown_parts(parts: Iterable[Inline], indent: str = "") -> Markdown:
    """A row of the chat's inlines as Markdown: its texts escaped, bold and italic parts
    marked, a multi-line text's lines as hard breaks (``indent`` before each, in a list).

    The row is escaped as one text, not part by part (long minutes have thousands of parts):
    meanwhile private-use characters stand for the ``**`` and ``*`` around bold and italic
    parts. Escaping leaves them be, and any in the user's text are replaced first, so only
    ours become markup.
    """
    out: list[str] = []
    row: list[str] = []
    for part in parts:
        if isinstance(part, Link):
            out.append(_escaped_row("".join(row), indent))
            row = []
            label = escape_inline(part.text)
            if part.safe:
                out.append(f"[{label}](<{_destination(part.url)}>)")
            else:
                out.append(f"{label} ({escape_inline(part.url)})")
            continue
        text = f"@{part.name}" if isinstance(part, Mention) else part.text
        if _MARK_CHARS.search(text):
            text = _MARK_CHARS.sub("\ufffd", text)
        marks = _MARKS.get(type(part))
        core = text.strip()
        if marks is None or not core:
            row.append(text)
            continue
        start = text.index(core[0])
        row.append(f"{text[:start]}{marks[0]}{core}{marks[1]}{text[start + len(core) :]}")
    out.append(_escaped_row("".join(row), indent))
    return Markdown("".join(out))


def _escaped_row(row: str, indent: str) -> str:
    """A row's text escaped (one space kept at either end, beside a link), marks made **."""
    core = row.strip()
    if not core:
        return " " if row else ""
    escaped = escape_lines(core, indent) if "\n" in core else escape_inline(core)
    body = escaped.replace("\ue000", "**").replace("\ue001", "**")
    body = body.replace("\ue002", "*").replace("\ue003", "*")
    lead = " " if row[0].isspace() else ""
    trail = " " if row[-1].isspace() else ""
    return f"{lead}{body}{trail}"


def _destination(url: str) -> str:
    """A link's address between ``<`` and ``>``: Link.safe leaves out spaces, ``<`` and ``>``;
    backslashes and ``&`` are escaped so that no escape or entity changes the address."""
    return _DESTINATION.sub(r"\\\1", url)


def html_parts(parts: Iterable[Inline]) -> Markup:
    """A row of the chat's inlines as HTML: every text escaped, line breaks as ``<br>``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, Link):
            if part.safe:
                out.append(f'<a href="{escape(part.url)}">{escape(part.text)}</a>')
            else:
                out.append(escape(f"{part.text} ({part.url})"))
            continue
        text = f"@{part.name}" if isinstance(part, Mention) else part.text
        body = str(escape(text))
        if "\n" in body:
            body = body.replace("\n", "<br>\n")
        tag = _HTML_TAGS.get(type(part))
        out.append(f"<{tag}>{body}</{tag}>" if tag else body)
    return Markup("".join(out))  # noqa: S704 - every text in it went through escape()


_HTML_TAGS: dict[type, str] = {Strong: "strong", Emphasis: "em", Code: "code"}

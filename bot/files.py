"""Files the bot attaches to its messages, written from what the core asks for.

The core says what a file holds (:class:`commands.core.messages.Attachment`: a kind and its
payload); here it becomes bytes, written by its kind's writer: the minutes of a meeting as
PDF/A, the very file ``samverkan-bot export protokoll --format pdf`` writes (a file anyone can
open and the registrar can file; the Markdown stays one export away); a joint regional
direction in the format asked for, as ``samverkan-bot export inriktning`` writes it.

Whatever the bot writes to disk (backups, saved files) holds the forums' business, so it is
made for the bot's own user only: files 0600, folders 0700, whatever the umask says
(:func:`open_private`, :func:`write_private`, :func:`private_folder`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, TextIO, overload

from bot.export.pdf import PDF
from commands.core.messages import Attachment
from commands.joint_direction.data import DIRECTION_ATTACHMENT, DirectionFile
from commands.minutes.record import MINUTES_ATTACHMENT, Minutes
from commands.record.attachment import ACKS, RECORD_CHART_ATTACHMENT, RecordChart
from commands.statistics_data import STATISTICS_CHART_ATTACHMENT, StatisticsChart

if TYPE_CHECKING:
    from bot.charts import Chart  # matplotlib: imported when a chart is drawn, not before

log = logging.getLogger(__name__)

MARKDOWN = "text/markdown"
# The media type of each export format.
MEDIA_TYPES = {"md": MARKDOWN, "html": "text/html", "json": "application/json", "pdf": PDF}


PNG = "image/png"


@dataclass(frozen=True)
class File:
    filename: str  # with its extension
    content: bytes
    mimetype: str
    # An image's words for those who cannot see it (alt text), and its size in pixels.
    description: str | None = None
    size: tuple[int, int] | None = None

    @property
    def image(self) -> bool:
        return self.mimetype.startswith("image/")


def files_of(attachments: Iterable[Attachment]) -> list[File]:
    return [file_of(attachment) for attachment in attachments]


async def files_written(attachments: Sequence[Attachment]) -> list[File]:
    """:func:`files_of` for a door's event loop: writing a file may draw a chart (a tenth of
    a second or more), so it is done in a worker thread and the loop goes on meanwhile."""
    if not attachments:
        return []
    return await asyncio.to_thread(files_of, attachments)


def file_of(attachment: Attachment) -> File:
    """The file ``attachment`` asks for, written by the writer of its kind."""
    writer = WRITERS.get(attachment.kind)
    if writer is None:
        raise ValueError(f"no writer for an attachment of kind {attachment.kind!r}")
    return writer(attachment)


def _minutes_file(attachment: Attachment) -> File:
    """The full minutes as PDF/A: the HTML export printed (a few tenths of a second)."""
    from bot.export.minutes_export import render_minutes
    from bot.export.pdf import pdf_of

    minutes = attachment.payload
    if not isinstance(minutes, Minutes):
        raise TypeError(f"a {MINUTES_ATTACHMENT!r} attachment carries {type(minutes).__name__}")
    html = render_minutes(minutes, "html", attachment.language)
    try:
        content = pdf_of(html, author=minutes.forum)
    except Exception:  # a missing library or font: the minutes still go out, as Markdown
        log.exception(
            "the minutes %s could not be printed as PDF; sent as Markdown", attachment.filename
        )
        text = render_minutes(minutes, "md", attachment.language)
        return File(f"{attachment.filename}.md", text.encode("utf-8"), MARKDOWN)
    return File(f"{attachment.filename}.pdf", content, PDF)


def _direction_file(attachment: Attachment) -> File:
    """A direction in the format asked for (``!inriktning fil``): the very file
    ``samverkan-bot export inriktning`` writes."""
    from bot.export.direction_export import render_direction

    payload = attachment.payload
    if not isinstance(payload, DirectionFile):
        raise TypeError(f"a {DIRECTION_ATTACHMENT!r} attachment carries {type(payload).__name__}")
    text = render_direction(payload.record, payload.format, attachment.language)
    return File(
        f"{attachment.filename}.{payload.format}",
        text.encode("utf-8"),
        MEDIA_TYPES[payload.format],
    )


def _record_chart_file(attachment: Attachment) -> File:
    """A chart of an activation's record (``!efterhand``) as a PNG image: the very chart
    ``samverkan-bot export efterhand --format html`` shows."""
    from bot.charts.activation import ack_chart, rounds_chart

    payload = attachment.payload
    if not isinstance(payload, RecordChart):
        raise TypeError(
            f"a {RECORD_CHART_ATTACHMENT!r} attachment carries {type(payload).__name__}"
        )
    if payload.chart == ACKS:
        chart = ack_chart(payload.record, attachment.language)
    else:
        found = rounds_chart(payload.record, attachment.language)
        if found is None:
            raise ValueError(f"activation {payload.record.activation_id} had no report round")
        chart = found
    return image_file(f"{attachment.filename}.png", chart)


def _statistics_chart_file(attachment: Attachment) -> File:
    """The conference's report completeness week by week (``!statistik``) as a PNG image:
    the very chart ``samverkan-bot export statistik --format html`` shows."""
    from zoneinfo import ZoneInfo

    from bot.charts.statistics import completeness_chart

    payload = attachment.payload
    if not isinstance(payload, StatisticsChart):
        kind = type(payload).__name__
        raise TypeError(f"a {STATISTICS_CHART_ATTACHMENT!r} attachment carries {kind}")
    weeks, zone = payload.statistics.weeks, ZoneInfo(payload.timezone)
    chart = completeness_chart(weeks, zone, attachment.language)
    return image_file(f"{attachment.filename}.png", chart)


def image_file(filename: str, chart: Chart) -> File:
    return File(filename, chart.png, PNG, chart.description, png_size(chart.png))


def png_size(content: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels, from its header (the IHDR chunk comes first)."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


# How each kind of attachment becomes a file.
WRITERS: dict[str, Callable[[Attachment], File]] = {
    MINUTES_ATTACHMENT: _minutes_file,
    DIRECTION_ATTACHMENT: _direction_file,
    RECORD_CHART_ATTACHMENT: _record_chart_file,
    STATISTICS_CHART_ATTACHMENT: _statistics_chart_file,
}


# -- on disk: for the bot's own user only ------------------------------------------------------

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> Path:
    """``path`` as a folder, it and every missing folder above it made 0700.

    Folders that exist already are left as they are (the operator chose them)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is cut by the umask
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


@overload
def open_private(path: Path, mode: Literal["x", "w"] = "x", **text: Any) -> TextIO: ...
@overload
def open_private(path: Path, mode: Literal["xb", "wb"], **text: Any) -> BinaryIO: ...
def open_private(path: Path, mode: str = "x", **text: Any) -> IO[Any]:
    """``path`` opened for writing as 0600: ``x`` a new file, ``w`` new or emptied; add ``b``
    for bytes. ``text``: ``encoding``, ``newline`` as for :func:`open`."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if "x" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    try:
        # The mode given to os.open is cut by the umask, and a file being replaced keeps its
        # own: set it outright.
        os.fchmod(descriptor, PRIVATE_FILE)
        return os.fdopen(descriptor, "wb" if "b" in mode else "w", **text)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (new or replaced) as a 0600 file."""
    with open_private(path, "wb") as handle:
        handle.write(content)

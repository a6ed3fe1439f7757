"""Logging: to standard error, as readable lines or (``LOG_FORMAT=json``) one JSON object per
line. Nothing logs to standard output: that belongs to the chat.

``configure_logging`` may be called again (the bot does: ``run`` warns of incomplete door
settings, then starts the terminal chat); it then changes the level and format of the one
handler it added, never adding a second.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO, get_args

from pythonjsonlogger.core import LogData
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = get_args(LogFormat)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Chatty libraries, kept at WARNING whatever the bot's own level.
QUIET_LOGGERS = {
    "alembic": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    # matrix-nio logs every event it sees at INFO.
    "nio": logging.WARNING,
}

# JSON leaves these as they are with ensure_ascii off, and some readers take them for line
# breaks; escaped, each record stays one line for every reader.
_LINE_BREAKING = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class JsonLineFormatter(JsonFormatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601 with milliseconds), ``level``,
    ``logger``, ``message``, ``exc_info`` when there is an exception, and the record's
    ``extra=`` fields. Non-ASCII text is written as itself, not as ``\\u`` escapes."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def jsonify_log_record(self, log_data: LogData) -> str:
        line = super().jsonify_log_record(log_data)
        for character, escaped in _LINE_BREAKING.items():
            line = line.replace(character, escaped)
        return line


class _BotHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_logging`` puts on the root logger, found again by its class."""


def configure_logging(level: str = "INFO", fmt: LogFormat = "text") -> None:
    """Log records of ``level`` and above to standard error, as ``text`` or ``json`` lines."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format is one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    root.setLevel(level)
    formatter = JsonLineFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    handler = next((h for h in root.handlers if isinstance(h, _BotHandler)), None)
    if handler is None:
        handler = _BotHandler(sys.stderr)
        root.addHandler(handler)
    handler.setFormatter(formatter)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)

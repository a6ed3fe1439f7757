"""Logging, set up once at start. Nothing logs to standard output: that belongs to the chat."""

from __future__ import annotations

import logging
import logging.config

_configured = False


def configure_logging(level: str = "INFO") -> None:
    global _configured
    if _configured:
        logging.getLogger().setLevel(level)
        return
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "plain",
                },
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {
                "alembic": {"level": "WARNING"},
                "sqlalchemy": {"level": "WARNING"},
                # matrix-nio logs every event it sees at INFO.
                "nio": {"level": "WARNING"},
            },
        }
    )
    _configured = True

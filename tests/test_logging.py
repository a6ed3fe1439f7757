"""Logging in real processes: ``LOG_FORMAT=json`` gives one JSON object per standard-error
line (Swedish as itself, extra fields, exceptions), ``text`` one readable line; configuring
twice switches the one handler instead of adding a second; the bot's own command line logs
JSON when told to."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.logging_setup import configure_logging
from tests.support.environment import clean_env

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("samverkan-bot")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# Decoded strictly as UTF-8 below, whatever the machine's locale.
ENV = {"PYTHONIOENCODING": "utf-8"}


def _python(code: str, cwd: Path = REPO) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        cwd=cwd,
        env=clean_env(ENV),
        timeout=60,
        check=False,
    )


def _json_lines(stderr: bytes) -> list[dict[str, Any]]:
    """Every line of standard error as JSON; fails on any line that is not."""
    text = stderr.decode("utf-8")
    assert text.endswith("\n")
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"a line on standard error that is not JSON: {line!r}")
        assert isinstance(record, dict), line
        records.append(record)
    return records


def test_json_lines_with_swedish_extra_fields_and_an_exception() -> None:
    started = datetime.now(UTC)
    result = _python(
        """
        import logging
        from bot.logging_setup import configure_logging

        configure_logging("WARNING")  # as the terminal chat does first
        configure_logging("DEBUG", "json")
        log = logging.getLogger("samverkan-bot.test")
        log.debug(
            "Lägesbild för %s: ÅÄÖ åäö",
            "Södertälje",
            extra={"forum": "Regional samverkanskonferens", "round": 48},
        )
        logging.getLogger("sqlalchemy.engine").info("not shown: sqlalchemy is quiet")
        logging.getLogger("nio.rooms").info("not shown: nio is quiet")
        logging.getLogger("alembic.runtime").info("not shown: alembic is quiet")
        try:
            raise ValueError("trasig rapport från Räddningstjänsten")
        except ValueError:
            log.exception("kunde inte läsa rapporten", extra={"error_id": "F-7Q2"})
        log.info("två rader\\noch en radbrytare\\u2028i Unicode")
        print(len(logging.getLogger().handlers))
        """
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"1\n"  # one handler, and nothing logged to standard output
    first, failure, lines = _json_lines(result.stderr)

    assert first["message"] == "Lägesbild för Södertälje: ÅÄÖ åäö"
    assert (first["level"], first["logger"]) == ("DEBUG", "samverkan-bot.test")
    assert (first["forum"], first["round"]) == ("Regional samverkanskonferens", 48)
    assert TIME.fullmatch(first["time"]), first["time"]
    logged_at = datetime.fromisoformat(first["time"])
    assert logged_at.utcoffset() == timedelta(0)
    assert started - timedelta(seconds=1) <= logged_at <= datetime.now(UTC)
    assert "ÅÄÖ åäö".encode() in result.stderr  # as itself, not \u00c5 escapes
    assert b"\\u00" not in result.stderr

    assert (failure["level"], failure["message"]) == ("ERROR", "kunde inte läsa rapporten")
    assert failure["error_id"] == "F-7Q2"
    assert failure["exc_info"].startswith("Traceback (most recent call last):")
    assert failure["exc_info"].endswith("ValueError: trasig rapport från Räddningstjänsten")

    assert lines["message"] == "två rader\noch en radbrytare\u2028i Unicode"
    assert "not shown" not in result.stderr.decode()


def test_text_is_one_readable_line_and_the_format_switches_back() -> None:
    result = _python(
        """
        import logging
        from bot.logging_setup import configure_logging

        configure_logging("DEBUG", "json")
        configure_logging("INFO")
        log = logging.getLogger("samverkan-bot")
        log.debug("not shown at INFO")
        log.warning("Mötet i Solna börjar %s", "16.00", extra={"forum": "stab"})
        logging.getLogger("nio").info("not shown: nio is quiet")
        print(len(logging.getLogger().handlers))
        """
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"1\n"
    line = result.stderr.decode("utf-8")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
        r"WARNING samverkan-bot: Mötet i Solna börjar 16\.00\n",
        line,
    ), line


def test_an_unknown_format_is_refused() -> None:
    unknown: Any = "xml"
    with pytest.raises(ValueError, match="one of text, json, not 'xml'"):
        configure_logging("INFO", unknown)


def test_the_command_line_logs_json_when_told(tmp_path: Path) -> None:
    """``samverkan-bot migrate`` with ``LOG_FORMAT=json``: every standard-error line is JSON."""
    result = subprocess.run(
        [str(SCRIPT), "migrate"],
        capture_output=True,
        cwd=tmp_path,
        env=clean_env(
            {
                **ENV,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
            }
        ),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    records = _json_lines(result.stderr)
    assert any(
        record["message"].startswith("database is up to date")
        and record["logger"] == "samverkan-bot"
        and record["level"] == "INFO"
        for record in records
    ), records

"""The exports through the command line's own ``main``, in the test's process: its exit
status, or the file it wrote."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from storage import Database


def export(database: Database, what: str, now: str, *args: str) -> int:
    """``samverkan-bot export <what> --db … --now <now> <args>``: its exit status."""
    path = database.engine.url.database
    assert path is not None
    return main(["export", what, "--db", path, "--now", now, *args])


def written(database: Database, tmp_path: Path, what: str, now: str, *args: str) -> str:
    """What ``export <what> … --out FILE`` wrote (it must succeed)."""
    out = tmp_path / f"{what}.out"
    assert export(database, what, now, "--out", str(out), *args) == 0
    return out.read_text(encoding="utf-8")

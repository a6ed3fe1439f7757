"""What the bot writes to disk is for its own user only: files 0600, folders 0700.

The database (and SQLite's -wal and -shm beside it), a backup written by ``export all``, the
files the terminal chat saves and the Matrix key store all hold what the forums said. Each is
checked as the operator would find it, started from a shell with the common umask 022 (which
would make them 0644, readable by every local user). Where the bot writes them itself, the
modes also hold under umask 000, without the command line's own umask.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.backup.export_all import export_all
from bot.files import open_private, private_folder, write_private
from storage import Database
from tests.support.environment import clean_env
from tests.support.matrix_bot import PASSWORD, bot_settings, running_bot
from tests.support.synapse import SynapseServer
from tests.test_console import THURSDAY_1500

SCRIPT = Path(sys.executable).with_name("samverkan-bot")
SHELL_UMASK = 0o022  # what most shells and service managers give
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(root: Path) -> dict[str, int]:
    """Every folder and file under ``root`` (and ``root`` itself) with its mode."""
    found = {".": mode(root)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = mode(path)
    return found


def assert_private(root: Path) -> None:
    wrong = {
        name: oct(bits)
        for name, bits in modes(root).items()
        if bits != (0o700 if (root / name).is_dir() else 0o600)
    }
    assert wrong == {}, f"readable by others under {root}: {wrong}"


@contextmanager
def umask(value: int) -> Iterator[None]:
    """This process's umask (inherited by the processes it starts), restored afterwards."""
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def samverkan_bot(*args: str, cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(env),
        umask=SHELL_UMASK,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# -- through the command line, started with umask 022 ------------------------------------------


def test_the_database_and_a_backup_are_for_the_bot_user_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    samverkan_bot("migrate", cwd=tmp_path, env=env)
    assert mode(database) == 0o600
    assert mode(Path(f"{database}.prepare-lock")) == 0o600

    out = tmp_path / "backup"
    samverkan_bot("export", "all", "--out", str(out), cwd=tmp_path, env=env)
    assert (out / "database.json").is_file()
    assert (out / "forum").is_dir()  # folders below the backup's own, and files in them
    assert_private(out)


def test_files_the_terminal_saves_are_for_the_bot_user_only(tmp_path: Path) -> None:
    lines = [
        "#stab !forum koppla samverkanskonferens",
        "#stab !möte start Stormmöte",
        "#stab !info SMHI varnar för kraftig vind",
        "#stab !möte slut",
    ]
    said = samverkan_bot(
        "console",
        "--db",
        str(tmp_path / "bot.db"),
        "--now",
        THURSDAY_1500,
        cwd=tmp_path,
        env={},
        stdin="".join(f"{line}\n" for line in lines),
    )
    assert "Bifogad fil sparad" in said, said
    saved = tmp_path / "samverkan-filer"
    assert len(list(saved.iterdir())) == 1
    assert_private(saved)
    assert mode(tmp_path / "bot.db") == 0o600


def test_the_matrix_key_store_and_the_live_database_are_for_the_bot_user_only(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    account = synapse.register("lagerbot", PASSWORD)
    with (
        umask(SHELL_UMASK),
        running_bot(tmp_path, bot_settings(synapse.url, account.user_id, tmp_path)),
    ):
        store = tmp_path / "bot.db.matrix-store"
        assert any(store.glob("*.db")), list(store.iterdir())
        assert_private(store)
        # While the bot runs, SQLite keeps its log and shared memory beside the database.
        for name in ("bot.db", "bot.db-wal", "bot.db-shm"):
            assert mode(tmp_path / name) == 0o600, name


# -- what the bot writes itself, whatever the umask ----------------------------------------------


def test_the_modes_hold_under_any_umask(tmp_path: Path, template_db: Path) -> None:
    with umask(0o000):
        # The database as the bot creates it; SQLite gives -wal and -shm its mode.
        database = Database(f"sqlite:///{tmp_path / 'new.db'}")
        try:
            with database.engine.connect() as connection:
                connection.exec_driver_sql("CREATE TABLE t (x)")
                for name in ("new.db", "new.db-wal", "new.db-shm"):
                    assert mode(tmp_path / name) == 0o600, name
        finally:
            database.dispose()

        copy = tmp_path / "copy.db"
        shutil.copyfile(template_db, copy)
        export_all(
            f"sqlite:///{copy}",
            tmp_path / "backup" / "today",
            NOW,
            None,
            default_language="sv",
            timezone="Europe/Stockholm",
        )
        assert_private(tmp_path / "backup")

        folder = private_folder(tmp_path / "saved" / "files")
        write_private(folder / "a.md", b"first")
        with open_private(folder / "b.md", "x", encoding="utf-8") as handle:
            handle.write("second")
        assert_private(tmp_path / "saved")
        # A file written again keeps no looser mode it had.
        (folder / "a.md").chmod(0o644)
        write_private(folder / "a.md", b"again")
        assert mode(folder / "a.md") == 0o600
        assert (folder / "a.md").read_bytes() == b"again"

"""Throwaway PostgreSQL servers for tests.

`PostgresServer` initialises a private cluster in a temporary directory, starts it on a
free port on 127.0.0.1, and stops it and deletes the directory again on exit::

    with PostgresServer() as pg:
        url = pg.create_database("samverkan")
        # url == "postgresql+psycopg://postgres@127.0.0.1:<port>/samverkan"
        engine = sqlalchemy.create_engine(url)
        ...

Nothing outside the temporary directory is touched (no /etc, no system cluster). The
server trusts every local connection as the superuser ``postgres``; it is for tests only.

It needs PostgreSQL's server binaries (``initdb``, ``pg_ctl``). They are looked for under
``/usr/lib/postgresql/*/bin`` (Debian's layout; the highest version wins), then on ``PATH``.
When they are missing a `RuntimeError` says what to install (``apt-get install -y
postgresql``, or run ``scripts/ensure-postgres``); tests using this helper fail rather
than skip.

``initdb`` refuses to run as root, so when the tests run as root the binaries are run as
the ``postgres`` OS user through ``runuser -u postgres --``, on a directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL

from tests.support.loopback import HOST, free_port, tail

__all__ = ["INSTALL_COMMAND", "PostgresServer", "find_bindir"]

INSTALL_COMMAND = "apt-get install -y postgresql"
"""What to run (as root) when the PostgreSQL server binaries are missing."""

DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "postgres"
"""The database superuser created by ``initdb -U``; also the OS user used when root."""

_REQUIRED = ("initdb", "pg_ctl")
# Server log lines meaning our port was taken between picking it and the server binding it.
_PORT_TAKEN_MARKERS = ("could not bind", "address already in use")


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _REQUIRED)


def _version_key(bindir: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin``: ``9.6`` < ``15`` < ``16``."""
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))


def _missing_binaries_error(where: str) -> RuntimeError:
    return RuntimeError(
        f"PostgreSQL server binaries ({', '.join(_REQUIRED)}) not found {where}. "
        f"Install them as root with: {INSTALL_COMMAND} "
        "(or run scripts/ensure-postgres)."
    )


def find_bindir() -> Path:
    """Return the directory holding ``initdb`` and ``pg_ctl``.

    Prefers the highest version under ``/usr/lib/postgresql/*/bin``, then ``PATH``.

    Raises:
        RuntimeError: neither has them; the message names the package to install.
    """
    candidates = [Path(found) for found in glob.glob(DEBIAN_BIN_GLOB) if _has_binaries(Path(found))]
    if candidates:
        return max(candidates, key=_version_key)
    initdb = shutil.which("initdb")
    if initdb is not None and _has_binaries(Path(initdb).parent):
        return Path(initdb).parent
    raise _missing_binaries_error(f"under {DEBIAN_BIN_GLOB} or on PATH")


class PostgresServer:
    """A private PostgreSQL cluster on 127.0.0.1, for the length of a ``with`` block.

    Entering initialises the cluster in a new temporary directory, starts the server on
    a free port and waits until it accepts connections. Leaving stops it
    (``pg_ctl stop -m immediate``) and removes the directory, also when the block raised.
    `start` and `stop` can be called directly instead.

    Args:
        bindir: Directory holding ``initdb`` and ``pg_ctl``; found with `find_bindir`
            when not given.
        start_attempts: How many ports to try when the chosen one is taken before the
            server binds it.
        timeout: Seconds to wait for each of ``initdb``, the server start and the stop.
    """

    def __init__(
        self,
        *,
        bindir: Path | str | None = None,
        start_attempts: int = 3,
        timeout: float = 60.0,
    ) -> None:
        if start_attempts < 1:
            raise ValueError("start_attempts must be at least 1")
        self._bindir = Path(bindir) if bindir is not None else None
        self._start_attempts = start_attempts
        self._timeout = timeout
        self._directory: Path | None = None
        self._port: int | None = None
        self._pg_ctl: Path | None = None
        self._prefix: list[str] = []
        self.startup_seconds: float | None = None
        """Seconds the last `start` took (initdb, server start, first connection)."""

    # -- public API ------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        """The temporary directory: ``data/`` (the cluster), ``server.log``, the socket."""
        if self._directory is None:
            raise RuntimeError("PostgresServer is not running")
        return self._directory

    @property
    def data_directory(self) -> Path:
        """The cluster's data directory (``PGDATA``)."""
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        """The server's log file."""
        return self.directory / "server.log"

    @property
    def port(self) -> int:
        """The TCP port the server listens on, on 127.0.0.1."""
        if self._port is None:
            raise RuntimeError("PostgresServer is not running")
        return self._port

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default ``postgres`` database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of `database` on this server."""
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            host=HOST,
            port=self.port,
            database=database,
        ).render_as_string(hide_password=False)

    def create_database(self, name: str) -> str:
        """Create a fresh, empty database called `name` and return its SQLAlchemy URL."""
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def start(self) -> None:
        """Initialise the cluster, start the server and wait until it accepts connections.

        Raises:
            RuntimeError: the binaries are missing, or ``initdb`` or the start failed
                (the message includes their output and the tail of the server log).
        """
        if self._directory is not None:
            raise RuntimeError("PostgresServer is already running")
        began = time.monotonic()
        bindir = self._resolve_bindir()
        prefix = self._command_prefix()
        directory = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self._directory = directory
        self._pg_ctl = bindir / "pg_ctl"
        self._prefix = prefix
        try:
            if prefix:
                user = pwd.getpwnam(SUPERUSER)
                os.chown(directory, user.pw_uid, user.pw_gid)
            self._run(
                "initdb",
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_directory),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
            )
            self._start_server()
            self._wait_until_accepting()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Stop the server (immediate shutdown) and remove its directory. Idempotent."""
        directory = self._directory
        if directory is None:
            return
        self._directory = None
        self._port = None
        try:
            self._stop_server(directory / "data")
        finally:
            self._remove(directory)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self._port is not None else "stopped"
        return f"<PostgresServer {state}>"

    # -- internals -------------------------------------------------------------------

    def _resolve_bindir(self) -> Path:
        if self._bindir is None:
            return find_bindir()
        if not _has_binaries(self._bindir):
            raise _missing_binaries_error(f"in {self._bindir}")
        return self._bindir

    @staticmethod
    def _command_prefix() -> list[str]:
        """``runuser -u postgres --`` when we are root (initdb refuses root), else nothing."""
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise RuntimeError(
                f"Running as root, but there is no '{SUPERUSER}' OS user to run PostgreSQL "
                f"as (initdb refuses to run as root). Install PostgreSQL, which creates it: "
                f"{INSTALL_COMMAND}"
            ) from None
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)),
            None,
        )
        if runuser is None:
            raise RuntimeError(
                "Running as root, but 'runuser' (util-linux) is missing; it is needed to "
                f"run PostgreSQL as the '{SUPERUSER}' user."
            )
        return [runuser, "-u", SUPERUSER, "--"]

    def _env(self) -> dict[str, str]:
        # Drop PG* variables (PGDATA, PGPORT, PGOPTIONS, ...) so they cannot redirect the
        # binaries; use a fixed locale so messages are predictable.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        return env

    def _run(self, what: str, args: list[str]) -> subprocess.CompletedProcess[str]:
        command = [*self._prefix, *args]
        try:
            result = subprocess.run(
                command,
                cwd=self.directory,
                env=self._env(),
                capture_output=True,
                text=True,
                timeout=self._timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(
                f"{what} did not finish within {self._timeout:g} s: {shlex.join(command)}"
            ) from error
        if result.returncode != 0:
            raise RuntimeError(
                f"{what} failed (exit status {result.returncode}): {shlex.join(command)}\n"
                f"{result.stdout}{result.stderr}".rstrip()
            )
        return result

    def _start_server(self) -> None:
        """``pg_ctl start`` on a free port; try another port if that one got taken."""
        assert self._pg_ctl is not None
        for attempt in range(1, self._start_attempts + 1):
            port = free_port()
            log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            # pg_ctl hands -o to a shell, so quote the socket directory.
            options = (
                f"-p {port} -k {shlex.quote(str(self.directory))} "
                f"-c listen_addresses={HOST} -c fsync=off"
            )
            try:
                self._run(
                    "pg_ctl start",
                    [
                        str(self._pg_ctl),
                        "-D",
                        str(self.data_directory),
                        "-l",
                        str(self.log_file),
                        "-w",
                        "-t",
                        str(max(1, round(self._timeout))),
                        "-o",
                        options,
                        "start",
                    ],
                )
            except RuntimeError as error:
                log = tail(self.log_file, offset=log_offset)
                port_taken = any(m in log.lower() for m in _PORT_TAKEN_MARKERS)
                if port_taken and attempt < self._start_attempts:
                    continue
                raise RuntimeError(
                    f"PostgreSQL did not start on {HOST}:{port} (attempt {attempt} of "
                    f"{self._start_attempts}): {error}\n"
                    f"--- tail of {self.log_file} ---\n{log or '(empty)'}"
                ) from error
            self._port = port
            return

    def _conninfo(self, database: str) -> str:
        return make_conninfo(
            host=HOST, port=self.port, user=SUPERUSER, dbname=database, connect_timeout=5
        )

    def _wait_until_accepting(self) -> None:
        """Poll until a connection succeeds (``pg_ctl -w`` normally made sure already)."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                with psycopg.connect(self._conninfo("postgres")) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL on {HOST}:{self.port} does not accept connections "
                        f"after {self._timeout:g} s: {error}\n"
                        f"--- tail of {self.log_file} ---\n{tail(self.log_file)}"
                    ) from error
                time.sleep(0.05)

    def _stop_server(self, data: Path) -> None:
        pid_file = data / "postmaster.pid"
        if self._pg_ctl is None or not pid_file.exists():
            return
        command = [
            *self._prefix,
            str(self._pg_ctl),
            "-D",
            str(data),
            "-m",
            "immediate",
            "-w",
            "-t",
            str(max(1, round(self._timeout))),
            "stop",
        ]
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                command,
                cwd=data.parent,
                env=self._env(),
                capture_output=True,
                timeout=self._timeout,
                check=False,
            )
        if pid_file.exists():
            # pg_ctl could not stop it: kill the postmaster so it does not outlive the test.
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int(pid_file.read_text().splitlines()[0])
                os.kill(pid, signal.SIGKILL)

    @staticmethod
    def _remove(directory: Path) -> None:
        # Retry briefly: a killed server's processes may still be writing as they exit.
        for _ in range(20):
            if not directory.exists():
                return
            try:
                shutil.rmtree(directory)
            except OSError:
                time.sleep(0.1)
            else:
                return
        if directory.exists():
            shutil.rmtree(directory)

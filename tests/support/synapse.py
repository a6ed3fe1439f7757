"""A real, throwaway Synapse homeserver on 127.0.0.1 for tests.

`SynapseServer` generates a fresh configuration in a temporary directory, starts Synapse
on a free port and registers users with the shared-secret admin API::

    with SynapseServer() as synapse:
        alice = synapse.register("alice", "secret-password")
        # alice.user_id == "@alice:localhost"; synapse.url == "http://127.0.0.1:<port>"
        synapse.restart()  # same port, same data: the homeserver went away and came back

Synapse is not a dependency of the bot, so it lives in a virtual environment of its own,
installed once with pip and reused by later runs. Its place is taken from
``SAMVERKAN_SYNAPSE_VENV`` (default ``~/.cache/samverkan-bot/synapse-venv``); the first
install takes about half a minute and needs PyPI. Two test processes installing at the
same time wait for each other (a lock file next to the venv), and an install that did not
finish is redone (the venv only counts once its marker file is written).

The homeserver uses SQLite, listens on 127.0.0.1 only (client API, no federation), trusts
no key servers, has presence off and rate limits so high that tests are never throttled.
It logs at WARNING level into ``homeserver.log`` in its directory; errors quote the tail.

Only the standard library is used here: the configuration overrides are written as JSON
(which is YAML) into a second config file that Synapse reads after the generated one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.support.loopback import HOST, LOG_TAIL_LINES, free_port, tail

__all__ = [
    "SYNAPSE_VERSION",
    "VENV_ENVIRONMENT_VARIABLE",
    "RegisteredUser",
    "SynapseServer",
    "default_venv",
    "ensure_synapse",
]

SYNAPSE_VERSION = "1.163.2"
"""The matrix-synapse release installed into the cached venv."""

VENV_ENVIRONMENT_VARIABLE = "SAMVERKAN_SYNAPSE_VENV"
"""Names the directory of Synapse's venv; default ``~/.cache/samverkan-bot/synapse-venv``."""

SERVER_NAME = "localhost"

_MARKER = ".samverkan-synapse-installed"
_PORT_TAKEN_MARKERS = ("address already in use", "couldn't listen", "cannot listen")
# Rate limits no test reaches: (per second, burst).
_UNLIMITED = {"per_second": 10_000, "burst_count": 10_000}


# -- the Synapse installation ---------------------------------------------------------


def default_venv() -> Path:
    """Where Synapse's venv lives: ``$SAMVERKAN_SYNAPSE_VENV`` or the user's cache."""
    configured = os.environ.get(VENV_ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "samverkan-bot" / "synapse-venv"


def _base_python() -> str:
    """The interpreter behind the one running the tests (not the project venv's shim)."""
    base = getattr(sys, "_base_executable", None)
    if isinstance(base, str) and base and os.access(base, os.X_OK):
        return base
    return sys.executable


def _run(
    what: str,
    command: list[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    pass_fds: tuple[int, ...] = (),
) -> str:
    """Run `command`; return its output, or raise `RuntimeError` quoting it."""
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            pass_fds=pass_fds,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(
            f"{what} did not finish within {timeout:g} s: {shlex.join(command)}"
        ) from error
    output = f"{result.stdout}{result.stderr}".rstrip()
    if result.returncode != 0:
        last = "\n".join(output.splitlines()[-LOG_TAIL_LINES:])
        raise RuntimeError(
            f"{what} failed (exit status {result.returncode}): {shlex.join(command)}\n{last}"
        )
    return output


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[int]:
    """Hold an exclusive `fcntl` lock on `lock_file` (created if needed); yield its fd.

    Children given the fd (``pass_fds``) hold the lock too, until they exit: a pip left
    running by a killed test process keeps others from touching the venv meanwhile.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle.fileno()


def _is_installed(venv: Path) -> bool:
    marker = venv / _MARKER
    try:
        return marker.read_text().strip() == SYNAPSE_VERSION
    except OSError:
        return False


def ensure_synapse(venv: Path | None = None, *, timeout: float = 900.0) -> Path:
    """Make sure matrix-synapse is installed in `venv`; return that venv's ``python``.

    Installs it (a new venv plus ``pip install matrix-synapse==SYNAPSE_VERSION``) when the
    venv has no marker of a finished install of that version, removing a half-made venv
    first. Safe to call from several processes at once.

    Raises:
        RuntimeError: creating the venv or the pip install failed (the message quotes
            pip's output).
    """
    venv = (venv or default_venv()).absolute()
    python = venv / "bin" / "python"
    if _is_installed(venv):
        return python
    with _locked(venv.with_name(venv.name + ".lock")) as lock_fd:
        if _is_installed(venv):  # another process finished it while we waited
            return python
        if venv.exists():  # a half-made install
            shutil.rmtree(venv)
        _run(
            "Creating Synapse's venv",
            [_base_python(), "-m", "venv", str(venv)],
            timeout=120,
            pass_fds=(lock_fd,),
        )
        _run(
            "Installing Synapse",
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                f"matrix-synapse=={SYNAPSE_VERSION}",
            ],
            timeout=timeout,
            pass_fds=(lock_fd,),
        )
        _run("Importing Synapse", [str(python), "-c", "import synapse.app.homeserver"], timeout=120)
        marker = venv / _MARKER
        partial = marker.with_suffix(".partial")
        partial.write_text(SYNAPSE_VERSION + "\n")
        partial.replace(marker)
    return python


# -- helpers --------------------------------------------------------------------------


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass(frozen=True)
class RegisteredUser:
    """A user made with `SynapseServer.register`, already logged in on one device."""

    user_id: str
    password: str
    access_token: str
    device_id: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


# -- the server -----------------------------------------------------------------------


class SynapseServer:
    """A private Synapse homeserver on 127.0.0.1, for the length of a ``with`` block.

    Entering installs Synapse when needed (see `ensure_synapse`), generates a config in a
    new temporary directory, starts the server on a free port and waits until
    ``/health`` answers. Leaving stops it and removes the directory, also when the block
    raised. `start`, `stop`, `restart` and `close` can be called directly instead;
    `stop` keeps the directory, so a later `start` serves the same data on the same port.

    Args:
        venv: Synapse's venv; `default_venv` when not given.
        start_timeout: Seconds to wait for ``/health`` after launching the process.
        stop_timeout: Seconds to wait after SIGTERM before sending SIGKILL.
        start_attempts: Ports to try on the first start when the chosen one is taken.
    """

    def __init__(
        self,
        *,
        venv: Path | str | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        start_attempts: int = 3,
    ) -> None:
        if start_attempts < 1:
            raise ValueError("start_attempts must be at least 1")
        self._venv = Path(venv) if venv is not None else None
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._start_attempts = start_attempts
        self._python: Path | None = None
        self._directory: Path | None = None
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stdio: Any = None
        self._served = False  # has a start succeeded on this port (then the port is fixed)
        self.registration_shared_secret = secrets.token_hex(24)
        """The ``registration_shared_secret`` written into the config."""
        self.install_seconds: float | None = None
        """Seconds `ensure_synapse` took on the first start (near 0 when cached)."""
        self.startup_seconds: float | None = None
        """Seconds the last `start` took from launching the process to ``/health`` = 200."""

    # -- public API ------------------------------------------------------------------

    @property
    def server_name(self) -> str:
        """The homeserver's name: the part after ``:`` in its user ids."""
        return SERVER_NAME

    @property
    def port(self) -> int:
        """The TCP port of the client API on 127.0.0.1 (the same across restarts)."""
        if self._port is None:
            raise RuntimeError("SynapseServer has not been started")
        return self._port

    @property
    def url(self) -> str:
        """The homeserver URL for clients, e.g. ``http://127.0.0.1:8448``."""
        return f"http://{HOST}:{self.port}"

    @property
    def directory(self) -> Path:
        """The temporary directory: config, signing key, SQLite database, media, logs."""
        if self._directory is None:
            raise RuntimeError("SynapseServer has not been started")
        return self._directory

    @property
    def log_file(self) -> Path:
        """Synapse's own log (WARNING and above), kept across restarts."""
        return self.directory / "homeserver.log"

    @property
    def stdio_file(self) -> Path:
        """What the Synapse process wrote to stdout and stderr."""
        return self.directory / "stdio.log"

    @property
    def running(self) -> bool:
        """Whether the Synapse process is alive."""
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The end of the log and of stdout/stderr, for assertion messages."""
        if self._directory is None:
            return ""
        return (
            f"--- tail of {self.log_file} ---\n{tail(self.log_file, lines) or '(empty)'}\n"
            f"--- tail of {self.stdio_file} ---\n{tail(self.stdio_file, lines) or '(empty)'}"
        )

    def start(self) -> None:
        """Start Synapse and wait until ``/health`` answers 200.

        The first call installs Synapse if needed and generates the config; later calls
        (after `stop`) reuse the directory, the data and the port.

        Raises:
            RuntimeError: the install, the config generation or the start failed (the
                message includes the tail of the logs), or the server is running already.
        """
        if self.running:
            raise RuntimeError("SynapseServer is already running")
        if self._directory is None:
            began = time.monotonic()
            self._python = ensure_synapse(self._venv)
            self.install_seconds = time.monotonic() - began
            self._directory = Path(tempfile.mkdtemp(prefix="synapse-test-"))
            try:
                self._generate_config()
            except BaseException:
                self.close()
                raise
        attempts = 1 if self._served else self._start_attempts
        for attempt in range(1, attempts + 1):
            if not self._served:
                self._port = free_port()
                self._write_overrides()
            try:
                self._launch_and_wait()
            except _PortTakenError as error:
                if attempt < attempts:
                    continue
                raise RuntimeError(str(error)) from None
            self._served = True
            return

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after the timeout); keep the data."""
        process = self._process
        self._process = None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=self._stop_timeout)
        if self._stdio is not None:
            self._stdio.close()
            self._stdio = None

    def restart(self) -> None:
        """`stop`, then `start` again on the same port with the same data."""
        self.stop()
        self.start()

    def close(self) -> None:
        """`stop` and remove the temporary directory. Idempotent."""
        try:
            self.stop()
        finally:
            directory, self._directory = self._directory, None
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)

    def register(self, localpart: str, password: str, *, admin: bool = False) -> RegisteredUser:
        """Create a user with the shared-secret registration API and log it in.

        Raises:
            RuntimeError: Synapse refused (e.g. the user exists); the message has its reply.
        """
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = str(self._request("GET", endpoint)["nonce"])
        signed = "\0".join((nonce, localpart, password, "admin" if admin else "notadmin"))
        mac = hmac.new(self.registration_shared_secret.encode(), signed.encode(), hashlib.sha1)
        reply = self._request(
            "POST",
            endpoint,
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return RegisteredUser(
            user_id=str(reply["user_id"]),
            password=password,
            access_token=str(reply["access_token"]),
            device_id=str(reply["device_id"]),
        )

    def user_id(self, localpart: str) -> str:
        """The full user id of `localpart` on this server: ``@localpart:localhost``."""
        return f"@{localpart}:{SERVER_NAME}"

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()  # __exit__ is not called when __enter__ raises
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self.running else "stopped"
        return f"<SynapseServer {state}>"

    # -- internals -------------------------------------------------------------------

    def _config_files(self) -> list[str]:
        return [str(self.directory / "homeserver.yaml"), str(self.directory / "overrides.yaml")]

    def _generate_config(self) -> None:
        assert self._python is not None
        _run(
            "Generating Synapse's config",
            [
                str(self._python),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(self.directory / "homeserver.yaml"),
                "--data-directory",
                str(self.directory),
                "--generate-config",
                "--report-stats=no",
            ],
            cwd=self.directory,
            timeout=120,
        )
        log_config = {
            "version": 1,
            "formatters": {
                "plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"},
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "plain",
                    "filename": str(self.log_file),
                    "encoding": "utf8",
                },
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        # JSON is YAML, so no YAML library is needed on this side.
        (self.directory / "log.config.yaml").write_text(json.dumps(log_config, indent=2))

    def _write_overrides(self) -> None:
        """The test settings, read by Synapse after (and over) the generated config."""
        directory = self.directory
        overrides: dict[str, Any] = {
            "server_name": SERVER_NAME,
            "public_baseurl": f"http://{HOST}:{self.port}/",
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": [HOST],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(directory / "homeserver.db")},
            },
            "log_config": str(directory / "log.config.yaml"),
            "media_store_path": str(directory / "media_store"),
            "pid_file": str(directory / "homeserver.pid"),
            "report_stats": False,
            "enable_metrics": False,
            "enable_registration": False,
            "registration_shared_secret": self.registration_shared_secret,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "serve_server_wellknown": False,
            # Fast password hashing: logins are part of every test's setup.
            "bcrypt_rounds": 4,
            "rc_message": _UNLIMITED,
            "rc_registration": _UNLIMITED,
            "rc_registration_token_validity": _UNLIMITED,
            "rc_login": {
                "address": _UNLIMITED,
                "account": _UNLIMITED,
                "failed_attempts": _UNLIMITED,
            },
            "rc_admin_redaction": _UNLIMITED,
            "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
            "rc_joins_per_room": _UNLIMITED,
            "rc_3pid_validation": _UNLIMITED,
            "rc_invites": {
                "per_room": _UNLIMITED,
                "per_user": _UNLIMITED,
                "per_issuer": _UNLIMITED,
            },
            "rc_third_party_invite": _UNLIMITED,
            "rc_media_create": _UNLIMITED,
            "rc_presence": {"per_user": _UNLIMITED},
            "rc_delayed_event_mgmt": _UNLIMITED,
            "rc_reports": _UNLIMITED,
            "rc_room_creation": _UNLIMITED,
            "rc_key_requests": _UNLIMITED,
            "rc_user_directory": _UNLIMITED,
            "rc_profile": _UNLIMITED,
        }
        (directory / "overrides.yaml").write_text(json.dumps(overrides, indent=2))

    def _launch_and_wait(self) -> None:
        assert self._python is not None
        log_offset = _size(self.log_file)
        stdio_offset = _size(self.stdio_file)
        self._stdio = self.stdio_file.open("ab")
        command = [str(self._python), "-m", "synapse.app.homeserver"]
        for config in self._config_files():
            command += ["-c", config]
        began = time.monotonic()
        self._process = subprocess.Popen(
            command,
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=self._stdio,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_for_health(log_offset, stdio_offset)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began

    def _wait_for_health(self, log_offset: int, stdio_offset: int) -> None:
        deadline = time.monotonic() + self._start_timeout
        health = f"{self.url}/health"
        last_error = "no answer yet"
        while True:
            process = self._process
            assert process is not None
            if process.poll() is not None:
                logs = (
                    f"--- {self.log_file} ---\n{tail(self.log_file, offset=log_offset)}\n"
                    f"--- {self.stdio_file} ---\n{tail(self.stdio_file, offset=stdio_offset)}"
                )
                message = (
                    f"Synapse exited with status {process.returncode} while starting on "
                    f"{HOST}:{self.port}:\n{logs}"
                )
                if any(marker in logs.lower() for marker in _PORT_TAKEN_MARKERS):
                    raise _PortTakenError(message)
                raise RuntimeError(message)
            try:
                with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except (urllib.error.URLError, OSError) as error:
                last_error = str(error)
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Synapse on {HOST}:{self.port} did not answer {health} with 200 within "
                    f"{self._start_timeout:g} s (last: {last_error})\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def _request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (always our own http://127.0.0.1 URL)
            url,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", errors="replace")
            raise RuntimeError(f"{method} {url} failed: HTTP {error.code}: {detail}") from None


class _PortTakenError(RuntimeError):
    """Synapse could not bind its port (someone took it after we picked it)."""

"""``samverkan-bot run`` as a separate process, the way it runs in production."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.support.environment import clean_env
from tests.support.loopback import free_port

SCRIPT = Path(sys.executable).with_name("samverkan-bot")


class Service:
    """A long-running command with its output in ``log_file``; stopped with SIGTERM, as
    ``docker stop``, systemd and the kubelet stop it."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, log_file: Path
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM; the exit status (-9 when it had to be killed)."""
        code, _seconds = self.stop_timed(timeout)
        return -signal.SIGKILL if code is None else code

    def stop_timed(self, timeout: float = 15.0) -> tuple[int | None, float]:
        """SIGTERM; the exit status (None when it had to be killed) and the seconds it took."""
        process, self._process = self._process, None
        if process is None:
            return 0, 0.0
        began = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
                return None, time.monotonic() - began
        return process.returncode, time.monotonic() - began

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class BotProcess(Service):
    """The bot with ``settings`` as its environment (the developer's own removed); its log
    goes to ``directory/bot.log``."""

    def __init__(self, directory: Path, settings: Mapping[str, str]) -> None:
        self.directory = directory
        # Its HTTP server (health, metrics, Slack) on a port of its own, on loopback.
        self.settings = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port()), **settings}
        self.http_port = int(self.settings["HTTP_PORT"])
        super().__init__([str(SCRIPT), "run"], {}, directory, directory / "bot.log")

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.env = clean_env(self.settings)
        super().start()

    def wait_for_log(self, text: str, *, timeout: float = 20.0, since: int = 0) -> None:
        """Until ``text`` appears in the log after character ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[since:]:
                return
            if not self.running:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the bot's log:\n{self.log()[-4000:]}")

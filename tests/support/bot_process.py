"""``samverkan-bot run`` as a separate process, the way it runs in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.support.environment import clean_env
from tests.support.loopback import free_port

SCRIPT = Path(sys.executable).with_name("samverkan-bot")


class BotProcess:
    """The bot with ``settings`` as its environment; its log goes to ``log_file``."""

    def __init__(self, directory: Path, settings: Mapping[str, str]) -> None:
        self.directory = directory
        # Its HTTP server (health, metrics, Slack) on a port of its own, on loopback.
        self.settings = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port()), **settings}
        self.http_port = int(self.settings["HTTP_PORT"])
        self.log_file = directory / "bot.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [str(SCRIPT), "run"],
                cwd=self.directory,
                env=clean_env(self.settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
        self._process = None
        return process.returncode

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

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

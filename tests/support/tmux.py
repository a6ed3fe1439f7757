"""A program on a real terminal, for tests: tmux runs it, types into it, pastes into it and
reads its screen.

tmux is a terminal emulator: it answers what a full-screen program asks of its terminal
(cursor position reports, bracketed paste mode), which a bare pseudo-terminal does not, so
prompt_toolkit behaves there as it does for a person.

Each ``TmuxTerminal`` runs its own tmux server (``-L`` with a socket name of its own, no
configuration file), so the developer's tmux sessions are never seen or touched, and stopping
it ends only that server. tmux is found on PATH; when it is missing, ``scripts/ensure-tmux``
installs it (as root, from Debian's packages) or says what to install: the tests fail rather
than skip.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

REPO = Path(__file__).resolve().parent.parent.parent
ENSURE = REPO / "scripts" / "ensure-tmux"


def find_tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        subprocess.run([str(ENSURE)], check=True)
        found = shutil.which("tmux")
    if found is None:
        raise RuntimeError("tmux is not installed: run scripts/ensure-tmux as root")
    return found


class TmuxTerminal:
    """``argv`` on a ``width``×``height`` terminal; the pane stays after the program ends,
    so its last screen can be read, and its exit status too."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        width: int = 120,
        height: int = 50,
    ) -> None:
        self._tmux = find_tmux()
        self._socket = f"samverkan-test-{uuid.uuid4().hex[:12]}"
        self._env = dict(env)
        # The shell writes the exit status to a file: tmux reaps a pane's process only when it
        # gets round to it (seen: a zombie for seconds), so #{pane_dead} is no clock to wait on.
        self._status_file = Path(tempfile.mkdtemp(prefix="tmux-status-")) / "status"
        status = shlex.quote(str(self._status_file))
        command = (
            f"cd {shlex.quote(str(cwd))} && {shlex.join(argv)}; echo $? > {status}.new"
            f" && mv {status}.new {status}"
        )
        self._run(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command,
            ";", "set-option", "-t", "t", "remain-on-exit", "on",
            ";", "set-option", "-g", "history-limit", "10000",
        )  # fmt: skip
        # tmux leaves its socket file behind when its server is killed: removed in close().
        self._socket_path = Path(self._run("display-message", "-p", "#{socket_path}").strip())

    def _run(self, *args: str, input_text: str | None = None) -> str:
        result = subprocess.run(
            [self._tmux, "-L", self._socket, "-f", "/dev/null", *args],
            env=self._env,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        """What the terminal shows and has scrolled away, wrapped lines joined, blank lines
        at the bottom dropped."""
        return self._run("capture-pane", "-p", "-J", "-S", "-", "-t", "t").rstrip("\n") + "\n"

    def wait_for(
        self, expected: str, *, after: str = "", times: int = 1, timeout: float = 20.0
    ) -> str:
        """The screen once ``expected`` shows on it ``times`` times (or more), below the first
        ``after`` when given. tmux leaves out the spaces that end a line: a prompt shows as
        ``name>``, not ``name> ``."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            below = shown.partition(after)[2] if after else shown
            if below.count(expected) >= times:
                return shown
            if time.monotonic() > deadline:
                missing = f"no {expected!r} ×{times} below {after!r} within {timeout} s"
                raise AssertionError(f"{missing}:\n{shown}")
            time.sleep(0.05)

    def write(self, text: str) -> None:
        """Keys typed one by one (``-l``: literally, no key names)."""
        self._run("send-keys", "-t", "t", "-l", text)

    def press(self, *keys: str) -> None:
        """Named keys: ``Enter``, ``Tab``, ``C-d``, ``C-c``."""
        self._run("send-keys", "-t", "t", *keys)

    def paste(self, text: str) -> None:
        """Paste as a terminal does: bracketed (``-p``) when the program asked for that."""
        self._run("load-buffer", "-b", "pasted", "-", input_text=text)
        self._run("paste-buffer", "-p", "-d", "-b", "pasted", "-t", "t")

    def exit_status(self, timeout: float = 20.0) -> int:
        """The program's exit status, once it has ended."""
        deadline = time.monotonic() + timeout
        while True:
            if self._status_file.exists():
                return int(self._status_file.read_text())
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s:\n{self.screen()}")
            time.sleep(0.05)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):  # already gone
            self._run("kill-server")
        shutil.rmtree(self._status_file.parent, ignore_errors=True)
        self._socket_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

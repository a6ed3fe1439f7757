"""The web pages beside the terminal chat: ``make run`` (no Slack or Matrix configured) serves
them on ``HTTP_PORT``, on this machine, and says where under its welcome; ``!webb`` typed in
the terminal prints a link that signs in there, once. A port another program holds costs a
warning, and the chat goes on without the pages.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.environment import clean_env
from tests.support.http_get import get, sign_in
from tests.support.loopback import free_port
from tests.support.tmux import TmuxTerminal
from tests.test_console import REPO, THURSDAY_1500

LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/w/[A-Za-z0-9_.\-]+")


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def chat(tmp_path: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    """The terminal chat, piped, its input held open while the test reads its pages."""
    argv = [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "bot.db")]
    process = subprocess.Popen(
        [*argv, "--now", THURSDAY_1500],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=clean_env({"HTTP_PORT": str(port)}),
    )
    yield process
    if process.poll() is None:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    assert process.stderr is not None
    errors = process.stderr.read()
    assert "Traceback" not in errors, errors


def _line_with(process: subprocess.Popen[str], pattern: re.Pattern[str]) -> re.Match[str]:
    assert process.stdout is not None
    for line in process.stdout:  # the chat prints as it goes; a line at a time
        found = pattern.search(line)
        if found:
            return found
    raise AssertionError("the chat ended without it")


def test_webb_typed_in_the_terminal_signs_in_on_its_own_pages(
    chat: subprocess.Popen[str], port: int
) -> None:
    assert chat.stdin is not None
    chat.stdin.write("#stab !forum koppla samverkanskonferens\n!webb\n")
    chat.stdin.flush()
    link = _line_with(chat, LINK)
    assert int(link[1]) == port
    signed_in = sign_in(link[0])
    assert signed_in.status == 303, signed_in.body
    cookie = signed_in.cookie
    page = get(f"http://127.0.0.1:{port}/", cookie)
    assert page.status == 200
    assert "Regional samverkanskonferens" in page.body
    page = get(f"http://127.0.0.1:{port}/forum/samverkanskonferens", cookie)
    assert page.status == 200
    assert "<h1>Regional samverkanskonferens</h1>" in page.body
    assert get(link[0]).status == 403  # once only


def test_the_welcome_on_a_terminal_says_where_the_pages_are(tmp_path: Path, port: int) -> None:
    argv = [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "bot.db")]
    env = clean_env({"HTTP_PORT": str(port)})
    with TmuxTerminal([*argv, "--now", THURSDAY_1500], cwd=REPO, env=env) as term:
        shown = term.wait_for("inloggningslänk")
        assert f"Webbsidorna: http://127.0.0.1:{port}" in shown
        assert "skriv !webb för en personlig inloggningslänk" in shown
        assert get(f"http://127.0.0.1:{port}/healthz").status == 200


def test_a_port_already_taken_leaves_the_chat_working(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "bot.db")]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        done = subprocess.run(
            [*argv, "--now", THURSDAY_1500],
            input="!hjälp\n!webb\n",
            capture_output=True,
            text=True,
            cwd=REPO,
            env=clean_env({"HTTP_PORT": str(taken)}),
            timeout=60,
            check=False,
        )
    assert done.returncode == 0
    assert "Kommandon du kan använda här" in done.stdout  # the chat answered
    # No link that would lead to whatever holds the port: !webb says why, and what to do.
    assert "/w/" not in done.stdout
    assert "Webbsidorna visas inte just nu" in done.stdout
    assert "HTTP_PORT=8081 make run" in done.stdout
    assert "the web pages are not served" in done.stderr
    assert f"127.0.0.1:{taken}" in done.stderr
    assert "Traceback" not in done.stderr

"""The HTTP server under abuse, against the real ``samverkan-bot run``: a flood of forged Slack
requests, connections that never finish a request, more connections than the process may have
files. The probes and Slack's signed requests must still be answered, the memory and the log
must stay bounded."""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import resource
import selectors
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.request import urlopen

import pytest

from bot.web import LINGER_S, QuietLoopErrors
from tests.support.fake_slack import FakeSlack
from tests.support.slack_http import (
    FORM,
    SlackBot,
    new_channel,
    posted,
    running_slack_bot,
    send,
    signed_headers,
    slash_body,
)

USER = "UHTTP001"
HOST = "127.0.0.1"

# -- reading the bot process -------------------------------------------------------------------


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert found, status
    return int(found.group(1)) / 1024


def open_files_limit(pid: int) -> tuple[int, int]:
    """The process's soft and hard RLIMIT_NOFILE."""
    limits = Path(f"/proc/{pid}/limits").read_text()
    found = re.search(r"^Max open files\s+(\d+)\s+(\d+)", limits, re.MULTILINE)
    assert found, limits
    return int(found.group(1)), int(found.group(2))


def open_files(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def log_lines(bot: SlackBot) -> list[str]:
    return bot.process.log().splitlines()


def healthz(bot: SlackBot, timeout: float = 10.0) -> tuple[int, float]:
    """``GET /healthz``: the status and the seconds it took."""
    started = time.monotonic()
    with urlopen(f"http://{HOST}:{bot.port}/healthz", timeout=timeout) as response:
        return response.status, time.monotonic() - started


def enough_files_here(needed: int) -> None:
    """This test process opens many sockets: its own soft limit raised, or the test skipped."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"this test needs {needed} open files; the hard limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


@contextmanager
def connections(port: int, count: int, first_bytes: bytes = b"") -> Iterator[list[socket.socket]]:
    """``count`` connections to the bot, each having sent ``first_bytes`` (and nothing more);
    closed afterwards. One the bot already closed is kept all the same."""
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection((HOST, port), timeout=5)
            opened.append(sock)
            if first_bytes:
                # Closed by the bot to make room already: as an attacker would, go on.
                with suppress(OSError):
                    sock.sendall(first_bytes)
        yield opened
    finally:
        for sock in opened:
            sock.close()


# -- 1. Forged Slack requests --------------------------------------------------------------------

FORGED_BODY = b"command=%2Fsamverkan&text=hj%C3%A4lp&user_id=UFORGED1&channel_id=CFORGED01"
SIGNATURE_LENGTH = 8000  # aiohttp takes header lines up to 8190 bytes


def forged_request(number: int) -> bytes:
    """An unsigned request with a large, unique signature header, timestamped now."""
    fake_signature = f"v0={number:012d}".ljust(SIGNATURE_LENGTH, "f")
    head = (
        "POST /slack/events HTTP/1.1\r\n"
        f"Host: {HOST}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\n"
        f"X-Slack-Signature: {fake_signature}\r\n"
        f"Content-Length: {len(FORGED_BODY)}\r\n\r\n"
    )
    return head.encode() + FORGED_BODY


def send_forged(port: int, first: int, count: int, batch: int = 250) -> int:
    """``count`` forged requests on one keep-alive connection, ``batch`` at a time pipelined;
    how many got 401."""
    refused = 0
    with socket.create_connection((HOST, port), timeout=30) as sock:
        for start in range(first, first + count, batch):
            numbers = range(start, min(start + batch, first + count))
            sock.sendall(b"".join(forged_request(number) for number in numbers))
            answers = b""
            while answers.count(b"HTTP/1.1 ") < len(numbers):
                chunk = sock.recv(65536)
                assert chunk, "the bot closed the connection"
                answers += chunk
            refused += answers.count(b"HTTP/1.1 401 ")
    return refused


def flood(port: int, count: int, senders: int = 4) -> int:
    share = count // senders
    with ThreadPoolExecutor(senders) as pool:
        done = pool.map(lambda n: send_forged(port, n * share, share), range(senders))
        return sum(done)


def test_a_flood_of_forged_requests_costs_neither_memory_nor_log_lines(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        fake.add_user(USER, "Hanna HTTP")
        with running_slack_bot(tmp_path, fake) as bot:
            channel = new_channel()
            # Warm up: a signed command and a few forgeries, so what follows measures only
            # what the forgeries keep.
            mark = fake.mark()
            assert send(bot, slash_body("hjälp", USER, channel), FORM).status == 200
            posted(bot, channel, mark)
            assert flood(bot.port, 400) == 400
            before_mb = resident_mb(bot.process.pid)
            before_lines = len(log_lines(bot))

            started = time.monotonic()
            assert flood(bot.port, 20_000) == 20_000
            seconds = time.monotonic() - started

            after_mb = resident_mb(bot.process.pid)
            new_lines = log_lines(bot)[before_lines:]
            print(  # the figures, seen with pytest -s
                f"\n20 000 forged requests in {seconds:.1f} s: "
                f"{before_mb:.0f} -> {after_mb:.0f} MB resident, {len(new_lines)} log lines"
            )
            assert after_mb - before_mb < 60, f"{before_mb:.0f} -> {after_mb:.0f} MB"
            assert len(new_lines) <= 5, new_lines[:10]
            assert any("no valid Slack signature" in line for line in log_lines(bot))

            # Slack itself is still answered, and a replay of what it sent still refused.
            body = slash_body("hjälp", USER, channel)
            headers = signed_headers(body)
            mark = fake.mark()
            assert send(bot, body, FORM, signed=False, headers=headers).status == 200
            posted(bot, channel, mark)
            assert send(bot, body, FORM, signed=False, headers=headers).status == 401


# -- 2. Connections that never finish a request ---------------------------------------------------


def test_the_probe_and_slack_get_in_while_1100_idle_connections_are_open(tmp_path: Path) -> None:
    enough_files_here(1100 + 200)
    with FakeSlack() as fake:
        fake.add_user(USER, "Hanna HTTP")
        # The bot may have 1024 files and no more; the timeouts are too long to help here.
        with running_slack_bot(
            tmp_path, fake, open_files=(1024, 1024), HTTP_HEADER_TIMEOUT_SECONDS="120"
        ) as bot:
            assert open_files_limit(bot.process.pid) == (1024, 1024)
            before_lines = len(log_lines(bot))
            partial = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            with connections(bot.port, 550), connections(bot.port, 550, partial):
                times = [healthz(bot) for _ in range(5)]
                print(f"\n/healthz under 1100 idle connections: {times}")
                assert all(status == 200 and took < 2.0 for status, took in times), times

                channel = new_channel()
                mark = fake.mark()
                answer = send(bot, slash_body("hjälp", USER, channel), FORM)
                assert answer.status == 200
                assert answer.seconds < 2.0, answer
                posted(bot, channel, mark)
                assert open_files(bot.process.pid) < 1024
            new_lines = log_lines(bot)[before_lines:]
            assert len(new_lines) < 20, new_lines[:20]


def closed_after(
    socks: dict[str, tuple[socket.socket, float]],
    limit: float,
    trickle: str = "",
    answers: dict[str, bytes] | None = None,
) -> dict[str, float]:
    """Seconds from each socket's start (the second of the pair) until the bot closed it,
    watching all at once for ``limit`` seconds; the one named ``trickle`` sends a byte of a
    header every 0.2 s meanwhile, as a slow-loris client does. What the bot sent on each
    before closing goes to ``answers``."""
    selector = selectors.DefaultSelector()
    for name, (sock, _since) in socks.items():
        selector.register(sock, selectors.EVENT_READ, name)
    closed: dict[str, float] = {}
    answers = {} if answers is None else answers
    deadline = time.monotonic() + limit
    while len(closed) < len(socks) and time.monotonic() < deadline:
        if trickle and trickle not in closed:
            with suppress(OSError):
                socks[trickle][0].send(b"X")
        for key, _events in selector.select(timeout=0.2):
            name = key.data
            sock, since = socks[name]
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            answers[name] = answers.get(name, b"") + data
            if not data:
                closed[name] = time.monotonic() - since
                selector.unregister(sock)
    selector.close()
    return closed


def test_connections_that_never_finish_a_request_are_closed_in_time(tmp_path: Path) -> None:
    with (
        FakeSlack() as fake,
        running_slack_bot(
            tmp_path, fake, HTTP_HEADER_TIMEOUT_SECONDS="1", HTTP_KEEPALIVE_SECONDS="2"
        ) as bot,
    ):
        before_lines = len(log_lines(bot))
        socks: dict[str, tuple[socket.socket, float]] = {}

        def connect(name: str, first_bytes: bytes = b"") -> socket.socket:
            sock = socket.create_connection((HOST, bot.port), timeout=5)
            socks[name] = (sock, time.monotonic())
            sock.sendall(first_bytes)
            return sock

        for number in range(40):
            connect(f"silent-{number}")
        connect("partial", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connect("trickle", b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        # Headers in time, then a body that never arrives in full.
        connect(
            "slow-body",
            b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nx=",
        )
        # One that asks, is answered and then says nothing more: closed after the keep-alive.
        idle = connect("idle", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        socks["idle"] = (idle, time.monotonic())
        answers: dict[str, bytes] = {}
        try:
            closed = closed_after(socks, limit=8.0, trickle="trickle", answers=answers)
        finally:
            for sock, _since in socks.values():
                sock.close()
        print(f"\nclosed after: { {k: round(v, 2) for k, v in closed.items()} }")
        assert set(closed) == set(socks), f"still open: {set(socks) - set(closed)}"
        # The slow body is answered 408 after the timeout and closed after LINGER_S more.
        expected = {"idle": 2.0, "slow-body": 1.0 + LINGER_S}
        for name, seconds in closed.items():
            due = expected.get(name, 1.0)  # the others: the header timeout
            assert due - 0.2 <= seconds <= due + 1.0, (name, seconds)
        assert answers["slow-body"].startswith(b"HTTP/1.1 408"), answers["slow-body"]
        assert not answers["silent-0"]
        # And anyone who does ask is answered.
        assert healthz(bot)[0] == 200
        # 44 connections closed: a line or two about them, not one each.
        new_lines = log_lines(bot)[before_lines:]
        assert len(new_lines) <= 3, new_lines


def test_the_event_loops_repeated_errors_are_logged_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What asyncio reports for every failed accept() when the files have run out.
    context = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(errno.EMFILE, "Too many open files"),
    }

    async def errors() -> None:
        quiet = QuietLoopErrors(None)
        loop = asyncio.get_running_loop()
        for _ in range(10_000):
            quiet(loop, dict(context))
        quiet(loop, {"message": "something else went wrong"})

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(errors())
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "socket.accept() out of system resource",
        "something else went wrong",
    ]


def test_the_open_files_limit_is_raised_towards_the_hard_limit(tmp_path: Path) -> None:
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 4096:
        pytest.skip("the hard open files limit here is below 4096")
    with FakeSlack() as fake, running_slack_bot(tmp_path, fake, open_files=(1024, 4096)) as bot:
        assert open_files_limit(bot.process.pid) == (4096, 4096)
        assert "open files limit raised from 1024 to 4096" in bot.process.log()

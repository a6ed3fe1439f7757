"""Running the installed bot the way its service managers do, for tests/test_deploy.py.

Every command can run under the kernel's memory-deny-write-execute (``PR_SET_MDWE``, Linux
6.3+), the check behind ``MemoryDenyWriteExecute=yes`` in the systemd unit: a small launcher
sets it and then executes the real program, which keeps it across ``execve``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_MDWE_LAUNCHER = """\
import ctypes, os, sys
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.exit("PR_SET_MDWE failed: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
"""

MDWE_PROBE = """\
import mmap
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
except OSError:
    print("refused")
else:
    print("allowed")
"""
"""Prints whether this process may map memory writable and executable at once."""


def under_mdwe(argv: Sequence[str]) -> list[str]:
    """``argv`` (its first item an absolute path) started with write-execute denied."""
    if not os.path.isabs(argv[0]):
        raise ValueError(f"give the program's absolute path, not {argv[0]!r}")
    return [sys.executable, "-c", _MDWE_LAUNCHER, *argv]


def run(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run to the end; output captured as text (standard error apart)."""
    return subprocess.run(
        list(argv),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def wait_until(
    what: str | Callable[[], str], check: Callable[[], bool], timeout: float, every: float = 0.2
) -> None:
    """Until ``check()`` holds; ``what`` (or what it returns then) names it in the error."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"{described}: not within {timeout:g} s")
        time.sleep(every)


def http_get(url: str) -> tuple[int, str]:
    """The status and body of a GET (an HTTP error status is an answer too)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")

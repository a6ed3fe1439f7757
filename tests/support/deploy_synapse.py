"""The compose stack's Synapse configuration (deploy/synapse/) run on 127.0.0.1.

In the stack Synapse reads ``/config/homeserver.yaml`` (deploy/synapse/, read-only) and writes
to ``/data`` (a volume). Here the same file is the first config file, and a second one read
after it moves only what differs outside a container: the ``/data`` paths into a temporary
directory, ``/config`` paths to deploy/synapse/, and the listener to a free loopback port.
Everything else (server name, registration, encryption defaults...) is the stack's own.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

from tests.support.loopback import HOST, free_port, tail
from tests.support.synapse import ensure_synapse

DATA, CONFIG = "/data", "/config"


def _paths(value: Any, data: Path, config: Path, found: list[str]) -> Any:
    """``value`` with its /data and /config paths moved; every absolute path goes to
    ``found``."""
    if isinstance(value, dict):
        return {key: _paths(item, data, config, found) for key, item in value.items()}
    if isinstance(value, list):
        return [_paths(item, data, config, found) for item in value]
    if isinstance(value, str) and value.startswith("/"):
        found.append(value)
        for prefix, target in ((DATA, data), (CONFIG, config)):
            if value == prefix or value.startswith(prefix + "/"):
                return str(target) + value[len(prefix) :]
    return value


class DeploySynapse:
    """Synapse with deploy/synapse/homeserver.yaml, for the length of a ``with`` block."""

    def __init__(self, config_dir: Path, data_dir: Path, start_timeout: float = 60.0) -> None:
        self.config_dir = config_dir
        self.data_dir = data_dir
        self.start_timeout = start_timeout
        self.config: dict[str, Any] = yaml.safe_load((config_dir / "homeserver.yaml").read_text())
        self.absolute_paths: list[str] = []
        """Every absolute path the configuration names (all must be under /data or /config)."""
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def stdio_file(self) -> Path:
        return self.data_dir / "stdio.log"

    def in_data(self, container_path: str) -> Path:
        """Where a path under /data in the container is here."""
        return self.data_dir / Path(container_path).relative_to(DATA)

    def _overrides(self) -> dict[str, Any]:
        moved = _paths(self.config, self.data_dir, self.config_dir, self.absolute_paths)
        overrides = {key: value for key, value in moved.items() if value != self.config.get(key)}
        listeners = []
        for listener in self.config["listeners"]:
            listeners.append({**listener, "port": self.port, "bind_addresses": [HOST]})
        overrides["listeners"] = listeners
        overrides["public_baseurl"] = f"{self.url}/"
        return overrides

    def start(self) -> None:
        python = ensure_synapse()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        overrides = self.data_dir / "overrides.yaml"
        overrides.write_text(json.dumps(self._overrides(), indent=2))  # JSON is YAML
        with self.stdio_file.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(python),
                    "-m",
                    "synapse.app.homeserver",
                    "-c",
                    str(self.config_dir / "homeserver.yaml"),
                    "-c",
                    str(overrides),
                ],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"Synapse exited at start:\n{tail(self.stdio_file)}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Synapse did not come up:\n{tail(self.stdio_file)}")
            time.sleep(0.2)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(15)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

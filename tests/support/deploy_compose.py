"""Checks of a Compose file that need no Docker engine, for tests/test_deploy.py.

`compose_problems` reads the file as Compose does (YAML, ``${NAME:-default}`` interpolation)
and lists what would break or surprise an operator: a key Compose does not know (a typo is
silently ignored by some versions, refused by others), an image without a pinned tag, a build
context or Dockerfile or bind-mounted file that is not there, a ``depends_on`` on a service
that cannot become healthy, an undeclared named volume, a port published beyond 127.0.0.1,
and environment variables that the bot does not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

TOP_LEVEL = frozenset(
    {"version", "name", "services", "networks", "volumes", "secrets", "configs", "include"}
)
SERVICE_KEYS = frozenset(
    [
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "pull_policy",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    ]
)
BUILD_KEYS = frozenset(
    [
        "context",
        "dockerfile",
        "dockerfile_inline",
        "args",
        "ssh",
        "cache_from",
        "cache_to",
        "additional_contexts",
        "entitlements",
        "extra_hosts",
        "isolation",
        "labels",
        "network",
        "no_cache",
        "platforms",
        "privileged",
        "pull",
        "secrets",
        "shm_size",
        "tags",
        "target",
        "ulimits",
    ]
)
HEALTHCHECK_KEYS = frozenset(
    {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
)
DEPENDS_ON_KEYS = frozenset({"condition", "restart", "required"})
CONDITIONS = frozenset({"service_started", "service_healthy", "service_completed_successfully"})
RESTART = frozenset({"no", "always", "on-failure", "unless-stopped"})

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}")


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}``, ``${NAME:+word}`` (and the forms
    without the colon, which test "unset" rather than "unset or empty") as Compose substitutes
    them; an unset ``${NAME}`` becomes empty, as Compose makes it (with a warning)."""

    def value(match: re.Match[str]) -> str:
        name, colon, operator, word = match[1], match[2], match[3], match[4] or ""
        current = environ.get(name)
        missing = current is None or (colon == ":" and current == "")
        if operator == "-":
            return word if missing else str(current)
        if operator == "?":
            if missing:
                raise ValueError(f"${{{name}}} is required: {word}")
            return str(current)
        if operator == "+":
            return "" if missing else word
        return current or ""

    return _INTERPOLATION.sub(value, text.replace("$$", "\0")).replace("\0", "$")


def load(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    document = yaml.safe_load(interpolate(path.read_text(), environ or {}))
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not a mapping")
    return document


def _unknown(keys: Any, known: frozenset[str], where: str) -> list[str]:
    return [f"{where}: unknown key {key!r}" for key in keys if key not in known]


def _pinned(image: str) -> bool:
    """A tag other than latest, with a version number in it, or a digest."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag != "latest" and any(c.isdigit() for c in tag)


def _environment(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(str(item).partition("=")[::2] for item in environment)
    return {str(key): "" if value is None else str(value) for key, value in environment.items()}


def _bind_mounts(service: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(source on the host, target in the container) of the short-syntax bind mounts."""
    mounts = []
    for volume in service.get("volumes") or []:
        source, _, rest = str(volume).partition(":")
        if source.startswith((".", "/")):
            mounts.append((source, rest.partition(":")[0]))
    return mounts


def container_path_on_host(service: Mapping[str, Any], path: str, compose_dir: Path) -> Path | None:
    """Where a path inside the container comes from on the host, if a bind mount brings it."""
    inside = PurePosixPath(path)
    for source, target in _bind_mounts(service):
        if inside == PurePosixPath(target) or PurePosixPath(target) in inside.parents:
            return compose_dir / source / inside.relative_to(target)
    return None


def compose_problems(
    path: Path,
    *,
    is_bot_image: Callable[[Mapping[str, Any]], bool],
    unknown_settings: Callable[[list[str]], list[str]],
) -> list[str]:
    """What is wrong with the Compose file at ``path``; empty when nothing is.

    ``is_bot_image`` says which services run the bot's image (their environment must be
    settings the bot reads, as ``unknown_settings`` tells).
    """
    problems: list[str] = []
    raw = path.read_text()
    for match in _INTERPOLATION.finditer(raw):
        if match[3] != "-":
            problems.append(f"${{{match[1]}}} has no default: the stack needs it set to start")
    document = load(path)
    here = path.parent
    problems += _unknown(
        [key for key in document if not str(key).startswith("x-")], TOP_LEVEL, "top level"
    )
    services: dict[str, Any] = document.get("services") or {}
    declared_volumes = set((document.get("volumes") or {}).keys())
    if not services:
        problems.append("no services")
    for name, service in services.items():
        where = f"services.{name}"
        problems += _unknown(service, SERVICE_KEYS, where)
        build, image = service.get("build"), service.get("image")
        if build is None and image is None:
            problems.append(f"{where}: neither build nor image")
        if build is not None:
            build = {"context": build} if isinstance(build, str) else build
            problems += _unknown(build, BUILD_KEYS, f"{where}.build")
            context = (here / str(build.get("context", "."))).resolve()
            dockerfile = context / str(build.get("dockerfile", "Dockerfile"))
            if not context.is_dir():
                problems.append(f"{where}.build: no context directory {context}")
            elif not dockerfile.is_file():
                problems.append(f"{where}.build: no Dockerfile {dockerfile}")
        elif image is not None and not _pinned(str(image)):
            problems.append(f"{where}: image {image!r} has no pinned version")
        restart = str(service.get("restart", "no"))
        if restart not in RESTART:
            problems.append(f"{where}: restart {restart!r}")
        healthcheck = service.get("healthcheck")
        if healthcheck is not None:
            problems += _unknown(healthcheck, HEALTHCHECK_KEYS, f"{where}.healthcheck")
            test = healthcheck.get("test")
            if not (isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL")):
                problems.append(f"{where}.healthcheck: test must be [CMD, ...]: {test!r}")
        elif restart != "no":
            problems.append(f"{where}: a long-running service without a healthcheck")
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = {each: {"condition": "service_started"} for each in depends_on}
        for other, how in depends_on.items():
            problems += _unknown(how, DEPENDS_ON_KEYS, f"{where}.depends_on.{other}")
            condition = how.get("condition", "service_started")
            target = services.get(other)
            if target is None:
                problems.append(f"{where}: depends on {other!r}, which is not a service")
            elif condition not in CONDITIONS:
                problems.append(f"{where}.depends_on.{other}: condition {condition!r}")
            elif condition == "service_healthy" and "healthcheck" not in target:
                problems.append(f"{where}: waits for {other} to be healthy; it has no check")
            elif condition == "service_completed_successfully" and (
                str(target.get("restart", "no")) != "no"
            ):
                problems.append(f"{where}: waits for {other} to finish; it restarts")
        for volume in service.get("volumes") or []:
            source = str(volume).partition(":")[0]
            if source.startswith((".", "/")):
                if not (here / source).exists():
                    problems.append(f"{where}: bind mount of {source}, which does not exist")
            elif source not in declared_volumes:
                problems.append(f"{where}: volume {source!r} is not declared")
        for port in service.get("ports") or []:
            if not str(port).startswith("127.0.0.1:"):
                problems.append(f"{where}: port {port} is published beyond 127.0.0.1")
        entrypoint = service.get("entrypoint") or []
        for word in entrypoint if isinstance(entrypoint, list) else [entrypoint]:
            on_host = container_path_on_host(service, str(word), here)
            if on_host is not None and not on_host.exists():
                problems.append(f"{where}: entrypoint {word} is {on_host}, which is missing")
        if is_bot_image(service):
            for unknown in unknown_settings(list(_environment(service))):
                problems.append(f"{where}: {unknown} is not a setting of the bot")
    return problems

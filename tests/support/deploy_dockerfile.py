"""deploy/Dockerfile read as Docker reads it, so a test can repeat its steps without Docker.

`parse_dockerfile` splits a Dockerfile into stages of instructions (continuation lines joined,
comments dropped). `DockerIgnore` applies a ``.dockerignore`` as BuildKit does: patterns in
order, the last one matching a path or one of its parent directories decides, ``!`` makes an
exception. `copy_into` plays a stage's ``COPY`` lines from the build context into a directory
that stands for the image's file system.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    """Upper case: ``FROM``, ``RUN``, ``COPY``..."""
    arguments: str
    """Everything after the keyword, continuation lines joined."""
    line: int

    def flags(self) -> tuple[dict[str, str], str]:
        """The leading ``--name=value`` flags, and the rest."""
        found: dict[str, str] = {}
        rest = self.arguments
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            found[name] = value
            rest = rest.lstrip()
        return found, rest

    def exec_form(self) -> list[str]:
        """The JSON array of ``CMD``, ``ENTRYPOINT``, ``HEALTHCHECK CMD`` or ``VOLUME``."""
        _, rest = self.flags()
        if self.keyword == "HEALTHCHECK":
            kind, _, rest = rest.partition(" ")
            if kind != "CMD":
                raise ValueError(f"line {self.line}: HEALTHCHECK {kind}, not CMD")
        value = json.loads(rest)
        if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
            raise ValueError(f"line {self.line}: not an exec-form list: {rest}")
        return value


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [each for each in self.instructions if each.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        if not found:
            raise LookupError(f"no {keyword} in the stage FROM {self.base}")
        return found[-1]

    def env(self, outside: Mapping[str, str] | None = None) -> dict[str, str]:
        """The stage's ``ENV`` settings in order; ``$NAME`` expands from earlier ones, then
        from ``outside`` (the base image's environment)."""
        known = dict(outside or {})
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.arguments):
                name, equals, value = word.partition("=")
                if not equals:
                    raise ValueError(f"line {instruction.line}: use ENV NAME=value")
                expanded = _VARIABLE.sub(lambda m: known.get(m[1] or m[2], ""), value)
                known[name] = values[name] = expanded
        return values

    def workdir(self) -> str:
        return self.last("WORKDIR").arguments


def parse_dockerfile(text: str) -> list[Stage]:
    stages: list[Stage] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = " ".join(part for part in pending if part).partition(" ")
        pending = []
        instruction = Instruction(keyword.upper(), arguments.strip(), start)
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif not stages:
            raise ValueError(f"line {start}: {keyword} before the first FROM")
        else:
            stages[-1].instructions.append(instruction)
    if pending:
        raise ValueError("the Dockerfile ends inside a continued line")
    return stages


# -- .dockerignore -----------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match syntax plus ``**`` (any number of directories)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.index("]", index + 1)
            body = pattern[index + 1 : end]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))


@dataclass(frozen=True)
class DockerIgnore:
    rules: tuple[tuple[bool, str, re.Pattern[str]], ...]
    """(is an exception, the cleaned pattern, its regular expression), in file order."""

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        rules = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            cleaned = os.path.normpath(line[1:].strip() if exception else line).lstrip("/")
            rules.append((exception, cleaned, _pattern_regex(cleaned)))
        return cls(tuple(rules))

    def ignored(self, path: str) -> bool:
        """Whether the context path (relative, with ``/``) is left out of the build context."""
        parts = PurePosixPath(path).parts
        candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        excluded = False
        for exception, _, regex in self.rules:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                excluded = not exception
        return excluded


# -- COPY --------------------------------------------------------------------------------


def context_files(context: Path, source: str, ignore: DockerIgnore) -> list[str]:
    """The files under ``source`` (a COPY source, relative to the context) that the build
    context holds, as relative paths."""
    root = context / source
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    relative = [path.relative_to(context).as_posix() for path in paths]
    return [path for path in relative if not ignore.ignored(path)]


def copy_into(
    stage: Stage, context: Path, ignore: DockerIgnore, image_root: Path
) -> dict[str, list[str]]:
    """Play the stage's ``COPY`` lines from ``context`` (those without ``--from``) into
    ``image_root``, which stands for ``/``; what each source brought in."""
    brought: dict[str, list[str]] = {}
    workdir = PurePosixPath("/")
    for instruction in stage.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments
        if instruction.keyword != "COPY":
            continue
        flags, rest = instruction.flags()
        if "from" in flags:
            continue
        *sources, destination = shlex.split(rest)
        target = image_root / (workdir / destination).relative_to("/")
        into_directory = destination.endswith("/") or len(sources) > 1
        for source in sources:
            source = source.rstrip("/") or "."
            files = context_files(context, source, ignore)
            brought[source] = files
            for path in files:
                inside = PurePosixPath(path).relative_to(source) if path != source else None
                if inside is None:
                    final = target / PurePosixPath(source).name if into_directory else target
                else:
                    final = target / inside
                final.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(context / path, final)
    return brought

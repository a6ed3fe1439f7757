"""An exercise's scenario file (YAML): its name and its injects (inspel), each at an offset
from the exercise's start, into a channel of the forum (or all of them), optionally as an
organisation's words. Read with PyYAML's safe composer so every refusal names the line and
the field (``rad 7: efter: ”kvart” är ingen tid``). Documented in docs/exercise-scenarios.md.

Pure reading: which channel and which organisation a name means is decided by the command
(commands/exercise.py), which knows the forum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from commands.core.text import fold

MAX_INJECTS = 200
MAX_TEXT = 3000
MAX_OFFSET = timedelta(days=7)

# ``0 min``, ``15 min``, ``1 h 30 min``, ``2 tim``, ``90 minuter``.
_OFFSET = re.compile(
    r"^\s*(?:(?P<hours>\d{1,3})\s*(?:h|tim|timme|timmar|hour|hours)\.?)?"
    r"\s*(?:(?P<minutes>\d{1,4})\s*(?:m|min|minut|minuter|minute|minutes)\.?)?\s*$"
)
_FIELDS = {"efter": "after", "kanal": "channel", "text": "text", "som": "actor"}
_TOP = {"namn": "name", "inspel": "injects"}


class ScenarioError(Exception):
    """A refusal: its catalogue key (under ``exercise.scenario_error``), the line (1 = the
    scenario's first line) and the parameters."""

    def __init__(self, key: str, line: int, **params: str | int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line
        self.params: dict[str, str | int] = params


@dataclass(frozen=True)
class Inject:
    after: timedelta
    text: str
    line: int
    channel: str | None = None
    actor: str | None = None
    # Where ``kanal`` and ``som`` stand, for the command's refusals (0: not given).
    channel_line: int = 0
    actor_line: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "after_minutes": int(self.after.total_seconds() // 60),
            "text": self.text,
            "line": self.line,
            "channel": self.channel,
            "actor": self.actor,
            "channel_line": self.channel_line,
            "actor_line": self.actor_line,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Inject:
        return cls(
            after=timedelta(minutes=int(data["after_minutes"])),
            text=str(data["text"]),
            line=int(data.get("line", 0)),
            channel=data.get("channel"),
            actor=data.get("actor"),
            channel_line=int(data.get("channel_line", 0)),
            actor_line=int(data.get("actor_line", 0)),
        )


@dataclass(frozen=True)
class Scenario:
    name: str
    injects: list[Inject] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "injects": [inject.as_json() for inject in self.injects]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        injects = [Inject.from_json(item) for item in data.get("injects", [])]
        return cls(name=str(data.get("name", "")), injects=injects)


def parse_offset(text: str) -> timedelta | None:
    """``1 h 30 min`` → 90 minutes; None when it is no offset."""
    found = _OFFSET.match(fold(text))
    if found is None or not (found["hours"] or found["minutes"]):
        return None
    return timedelta(hours=int(found["hours"] or 0), minutes=int(found["minutes"] or 0))


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _scalar(pair: tuple[Node, Node], name: str) -> str:
    """A field's text; refused on its key's line (an empty value has no line of its own)."""
    key, node = pair
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise ScenarioError("not_text", _line(key), field=name)
    return str(node.value).strip()


def _fields(node: MappingNode, known: dict[str, str]) -> dict[str, tuple[Node, Node]]:
    """The mapping's fields by their meaning, refusing unknown and repeated ones."""
    found: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        name = fold(str(key.value)).strip() if isinstance(key, ScalarNode) else ""
        meaning = known.get(name)
        if meaning is None:
            raise ScenarioError(
                "unknown_field", _line(key), field=str(key.value), known=", ".join(known)
            )
        if meaning in found:
            raise ScenarioError("repeated_field", _line(key), field=name)
        found[meaning] = (key, value)
    return found


def _inject(node: Node) -> Inject:
    if not isinstance(node, MappingNode):
        raise ScenarioError("not_inject", _line(node))
    fields = _fields(node, _FIELDS)
    for meaning, name in (("after", "efter"), ("text", "text")):
        if meaning not in fields:
            raise ScenarioError("missing_field", _line(node), field=name)
    after_node = fields["after"][1]
    written = _scalar(fields["after"], "efter")
    after = parse_offset(written)
    if after is None:
        raise ScenarioError("bad_offset", _line(after_node), value=written)
    if after > MAX_OFFSET:
        raise ScenarioError("offset_too_far", _line(after_node), value=written)
    text_node = fields["text"][1]
    text = _scalar(fields["text"], "text")
    if len(text) > MAX_TEXT:
        raise ScenarioError("text_too_long", _line(text_node), limit=MAX_TEXT)
    channel = _scalar(fields["channel"], "kanal") if "channel" in fields else None
    actor = _scalar(fields["actor"], "som") if "actor" in fields else None
    lines = {meaning: _line(key) for meaning, (key, _) in fields.items()}
    return Inject(
        after,
        text,
        _line(node),
        channel,
        actor,
        channel_line=lines.get("channel", 0),
        actor_line=lines.get("actor", 0),
    )


def read_scenario(text: str) -> Scenario:
    """The scenario in ``text``, or :class:`ScenarioError`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError("not_yaml", line, problem=str(error.problem or "")) from error
    except yaml.YAMLError as error:
        raise ScenarioError("not_yaml", 1, problem=str(error)) from error
    if not isinstance(root, MappingNode):
        raise ScenarioError("not_mapping", _line(root) if root is not None else 1)
    fields = _fields(root, _TOP)
    if "name" not in fields:
        raise ScenarioError("missing_field", 1, field="namn")
    if "injects" not in fields:
        raise ScenarioError("missing_field", 1, field="inspel")
    name = _scalar(fields["name"], "namn")
    listed = fields["injects"][1]
    if not isinstance(listed, SequenceNode) or not listed.value:
        raise ScenarioError("no_injects", _line(listed))
    if len(listed.value) > MAX_INJECTS:
        raise ScenarioError("too_many", _line(listed), limit=MAX_INJECTS)
    injects = sorted((_inject(item) for item in listed.value), key=lambda i: (i.after, i.line))
    return Scenario(name, injects)

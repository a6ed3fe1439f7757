"""Reading an exercise's scenario file: injects in time order, and refusals that name the
line and the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commands.core.scenario import Scenario, ScenarioError, parse_offset, read_scenario

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "snooovader.yaml"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("0 min", 0), ("15 min", 15), ("1 h 30 min", 90), ("2 h", 120), ("90 minuter", 90)],
)
def test_offsets(text: str, minutes: int) -> None:
    assert parse_offset(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["kvart", "", "15", "min", "1 h 30"])
def test_not_offsets(text: str) -> None:
    assert parse_offset(text) is None


def test_the_documented_example_reads() -> None:
    scenario = read_scenario(EXAMPLE.read_text(encoding="utf-8"))
    assert scenario.name == "Snöoväder i länet"
    assert [int(i.after.total_seconds() // 60) for i in scenario.injects] == [0, 15, 40, 90]
    assert scenario.injects[2].actor == "Trafikverket"
    assert scenario.injects[0].channel == "stab"
    assert Scenario.from_json(scenario.as_json()) == scenario


def _refusal(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        read_scenario(text)
    return caught.value


def test_a_bad_offset_names_its_line() -> None:
    error = _refusal(
        "namn: Test\ninspel:\n  - efter: 0 min\n    text: Start\n  - efter: kvart\n    text: x\n"
    )
    assert (error.key, error.line, error.params) == ("bad_offset", 5, {"value": "kvart"})


@pytest.mark.parametrize(
    ("text", "key", "line", "field"),
    [
        ("namn: Test\ninspel:\n  - efter: 5 min\n", "missing_field", 3, "text"),
        ("namn: Test\ninspel:\n  - efter: 5 min\n    txt: x\n", "unknown_field", 4, "txt"),
        ("inspel:\n  - efter: 5 min\n    text: x\n", "missing_field", 1, "namn"),
        ("namn: Test\ninspel: []\n", "no_injects", 2, None),
        ("namn: Test\ninspel:\n  - efter: 5 min\n    text: [a, b]\n", "not_text", 4, "text"),
        ("namn: Test\ninspel:\n  - efter: [5 min\n", "not_yaml", 4, None),
        ("- bara en lista\n", "not_mapping", 1, None),
    ],
)
def test_refusals(text: str, key: str, line: int, field: str | None) -> None:
    error = _refusal(text)
    assert (error.key, error.line) == (key, line)
    if field is not None:
        assert error.params["field"] == field

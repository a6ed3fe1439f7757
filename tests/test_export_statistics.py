"""``samverkan-bot export statistik`` over the generated year of tests/test_statistics.py: the
same figures as the chat in Markdown, HTML and JSON, exercises apart, every text escaped, and
the HTML's chart of the conference's report completeness checked bar by bar."""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.charts.statistics import completeness_chart, completeness_series, week_id
from commands.core.clock import FixedClock
from commands.statistics_data import Week
from storage import Database
from storage.models import Organisation
from tests.support.export_cli import export, written
from tests.test_statistics import CONFERENCES, JANUARY_2027, _build, _counted

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = "2027-01-10 12:00"
HOSTILE = "<script>alert(1)</script> *fet* [x](javascript:alert(1))"


pytestmark = pytest.mark.usefixtures("restored_umask")


@pytest.fixture
def year(database: Database, clock: FixedClock) -> list[str]:
    """The generated year, its first member organisation renamed to hostile text."""
    names = _build(database)
    with Session(database.engine) as session:
        first = session.exec(select(Organisation).where(Organisation.name == names[0])).one()
        first.name = HOSTILE
        session.add(first)
        session.commit()
    clock.set(JANUARY_2027)
    return [HOSTILE, *names[1:]]


def _export(database: Database, *args: str) -> int:
    return export(database, "statistik", NOW, *args)


def _written(database: Database, tmp_path: Path, *args: str) -> str:
    return written(database, tmp_path, "statistik", NOW, *args)


def _percent(index: int) -> tuple[int, int]:
    reported = sum(_counted(index, week) for week in range(len(CONFERENCES)))
    return reported, round(100 * reported / len(CONFERENCES))


def test_markdown_has_the_chat_figures_escaped(
    year: list[str], database: Database, tmp_path: Path
) -> None:
    text = _written(
        database, tmp_path, "--forum", "samverkanskonferens", "--period", "2026", "--format", "md"
    )
    assert text.startswith("# Statistik – ")
    assert "Perioden 2026-01-01 00:00 – 2027-01-01 00:00" in text
    assert "- Aktiveringar: 6 (pågående: 1)" in text
    assert "- Övningar: 2 (räknas inte i siffrorna)" in text
    assert f"Hållna: {len(CONFERENCES)}, flyttade för helgdag: 0, inställda: 2." in text
    reported, percent = _percent(1)
    assert f"- {year[1]}: {percent} % ({reported} av {len(CONFERENCES)} möten)" in text
    # The hostile name is text, not markup: no raw emphasis, link or tag survives.
    assert re.search(r"(?<!\\)<script>", text) is None
    assert re.search(r"(?<!\\)\*fet", text) is None
    assert re.search(r"(?<!\\)\]\(javascript", text) is None
    assert r"- \<script>alert(1)\</script> \*fet\* \[x\](javascript:alert(1)): median" in text


def test_html_escapes_and_embeds_the_weekly_chart(
    year: list[str], database: Database, tmp_path: Path
) -> None:
    text = _written(
        database, tmp_path, "--forum", "samverkanskonferens", "--period", "2026", "--format", "html"
    )
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<li>Aktiveringar: 6 (pågående: 1)</li>" in text
    assert text.count("<svg") == 1
    assert "<?xml" not in text
    # One bar per conference, each as tall as its share of members reporting in time.
    members = len(year)
    heights = _bar_heights(text)
    assert list(heights) == [week_id(at, STOCKHOLM) for at in CONFERENCES]
    expected = [
        sum(_counted(m, week) for m in range(members)) / members for week in range(len(CONFERENCES))
    ]
    full = max(h / e for h, e in zip(heights.values(), expected, strict=True) if e)
    for (bar, height), share in zip(heights.items(), expected, strict=True):
        assert height == pytest.approx(share * full, abs=0.05), bar
    # Wide enough to be seen: five days of the year's axis, not five minutes.
    axis = _bar_lefts(text)
    week = (axis[-1] - axis[0]) / (len(CONFERENCES) - 1)
    for bar, width in _bar_widths(text).items():
        assert width == pytest.approx(week * 5 / 7, rel=0.05), bar
    assert f"{len(CONFERENCES)} möten" in text


def _bar_corners(svg: str) -> dict[str, list[float]]:
    """Each week's bar id and the x of its path's corners."""
    return {
        bar_id: [float(x) for x in re.findall(r"([\d.]+) [\d.]+", path)]
        for bar_id, path in re.findall(r'<g id="(week-[\d-]+)">\s*<path d="([^"]+)"', svg)
    }


def _bar_widths(svg: str) -> dict[str, float]:
    return {bar: max(xs) - min(xs) for bar, xs in _bar_corners(svg).items()}


def _bar_lefts(svg: str) -> list[float]:
    return [min(xs) for xs in _bar_corners(svg).values()]


def _bar_heights(svg: str) -> dict[str, float]:
    """Each week's bar id and its drawn height, from the SVG's path."""
    heights = {}
    for bar_id, path in re.findall(r'<g id="(week-[\d-]+)">\s*<path d="([^"]+)"', svg):
        ys = [float(y) for y in re.findall(r"[\d.]+ ([\d.]+)", path)]
        heights[bar_id] = max(ys) - min(ys)
    return heights


def test_json_carries_the_figures_with_labels_in_english(
    year: list[str], database: Database, tmp_path: Path
) -> None:
    text = _written(
        database,
        tmp_path,
        "--forum",
        "samverkanskonferens",
        "--period",
        "2026",
        "--format",
        "json",
        "--lang",
        "en",
    )
    data = json.loads(text)
    assert data["language"] == "en"
    assert data["labels"]["weeks"] == "Reports before the conference, week by week"
    figures = data["statistics"]
    assert (figures["activations"], figures["ongoing"], figures["exercises"]) == (6, 1, 2)
    assert len(figures["weeks"]) == len(CONFERENCES)
    by_name = {row["organisation"]: row for row in figures["completeness"]}
    assert by_name[HOSTILE]["reported"] == _percent(0)[0]
    assert (figures["held"], figures["moved"], figures["skipped"]) == (len(CONFERENCES), 0, 2)


def test_the_chart_data_week_by_week() -> None:
    weeks = [
        Week(CONFERENCES[0], 3, 4),
        Week(CONFERENCES[1], 0, 4),
        Week(CONFERENCES[2], 4, 4),
    ]
    series = completeness_series(weeks, STOCKHOLM)
    assert [share for _, share in series] == [75.0, 0.0, 100.0]
    assert series[0][0].strftime("%Y-%m-%d %H:%M") == "2026-01-08 16:00"
    chart = completeness_chart(weeks, STOCKHOLM, "sv")
    assert "3 möten, i genomsnitt 58 %" in chart.description
    assert chart.png.startswith(b"\x89PNG")
    heights = _bar_heights(chart.svg)
    assert list(heights) == [week_id(w.meeting_at, STOCKHOLM) for w in weeks]
    first, empty, full = heights.values()
    assert empty == pytest.approx(0, abs=0.01)
    assert first == pytest.approx(0.75 * full, abs=0.05)


def test_an_unreadable_period_or_forum_is_a_one_line_error(
    year: list[str], database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _export(database, "--forum", "samverkanskonferens", "--period", "igår", "--format", "md")
        == 2
    )
    assert "cannot read the period 'igår'" in capsys.readouterr().err
    assert _export(database, "--forum", "ingen", "--format", "md") == 2
    assert "unknown forum 'ingen'" in capsys.readouterr().err
    # Without --period: the last 12 months, to standard output.
    assert _export(database, "--forum", "samverkanskonferens", "--format", "md") == 0
    shown = capsys.readouterr().out
    assert "Perioden 2026-01-10 12:00 – 2027-01-10 12:00" in shown
    assert "Aktiveringar: 6 (pågående: 1)" in shown
    assert "inställda: 1." in shown  # 2026-01-01 is before the period

"""``samverkan-bot export efterhand``: an activation's record as a file (Markdown, HTML with
the charts inline, JSON), read from the database without changing it, everything escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from bot.charts.activation import (
    ACK_GID,
    ROUNDS_GID,
    ack_chart,
    draw_acks,
    draw_rounds,
    rounds_chart,
)
from commands.record import Record
from storage import Database
from tests.support.chat import Chat
from tests.support.export_cli import export, written
from tests.support.time_travel import travel
from tests.test_activation_record import _ok, _play

NOW = "2026-11-26 18:00"
HOSTILE = "<script>alert(1)</script> *fet* | a | b |"


pytestmark = pytest.mark.usefixtures("restored_umask")


def _export(database: Database, *args: str) -> int:
    return export(database, "efterhand", NOW, *args)


def _written(database: Database, tmp_path: Path, *args: str) -> str:
    return written(database, tmp_path, "efterhand", NOW, *args)


def test_markdown_figures_paragraph_and_timeline(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    _play(forum_chat)
    text = _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "md")
    assert text.startswith("# Efterhand: aktivering 1 av Regional samverkanskonferens\n")
    assert "- Tid till första kvittens: 4 min" in text
    assert "- Tid tills alla inkallade kvitterat: 23 min" in text
    assert "- Tid till första mötet: 45 min" in text
    assert "- Runda 1: 1 av 3 rapporterade (33 %)" in text
    assert (
        "Aktiveringen av Regional samverkanskonferens (Storm Dagmar) varade 2 h 0 min, "
        "från 2026-11-26 15:00 till 2026-11-26 17:00. Första kvittens kom efter 4 min. "
        "Alla 3 inkallade organisationer hade kvitterat efter 23 min. "
        "Första mötet hölls 45 min efter aktiveringen. "
        "Rapportering: 1 av 3 (33 %) i runda 1." in text
    )
    assert "- **2026-11-26 15:04** Trafikverket kvitterade (cia) efter 4 min" in text
    assert "- **2026-11-26 16:30** Möte 1 avslutades, 2 närvarande" in text
    assert "<svg" not in text


def test_html_has_both_charts_inline(forum_chat: Chat, database: Database, tmp_path: Path) -> None:
    _play(forum_chat)
    text = _written(
        database,
        tmp_path,
        "--forum",
        "samverkanskonferens",
        "--activation",
        "1",
        "--format",
        "html",
    )
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("<svg") == 2
    assert "<?xml" not in text
    assert f'id="{ACK_GID}"' in text
    assert f'id="{ROUNDS_GID}-1"' in text
    assert "Minuter sedan aktiveringen" in text
    assert "Aktiveringen av Regional samverkanskonferens (Storm Dagmar) varade" in text


def test_json_carries_the_record_with_labels(
    forum_chat: Chat, database: Database, tmp_path: Path
) -> None:
    _play(forum_chat)
    forum_chat.say("!forum språk en")
    data = json.loads(
        _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "json")
    )
    assert data["language"] == "en"
    assert data["status"] == "Actual"
    assert data["labels"]["title"] == "After action: activation 1 of Regional samverkanskonferens"
    assert "Time to first acknowledgement: 4 min" in data["labels"]["figure_lines"]
    assert data["summary"].startswith("The activation of Regional samverkanskonferens")
    record = Record.from_json(data["record"])
    assert record.ack_steps == [(0.0, 0.0), (4.0, 0.3333), (12.0, 0.6667), (23.0, 1.0)]
    assert record.figures.convene_minutes == 45


def test_hostile_text_is_escaped(forum_chat: Chat, database: Database, tmp_path: Path) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, f"!aktivera {HOSTILE} kalla: Polisen")
    travel(forum_chat, "2026-11-26 15:07")
    _ok(forum_chat, "!kvittera", person="anna")
    md = _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "md")
    assert "\\<script>alert(1)\\</script> \\*fet\\* \\| a \\| b \\|" in md
    assert re.search(r"(?<!\\)<", md) is None
    assert re.search(r"(?<!\\)\|", md) is None
    html = _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    # Still going: the paragraph says so, and no meeting was held.
    assert "pågick ännu när detta sammanställdes" in md
    assert "Inget möte hölls under aktiveringen." in md
    data = json.loads(
        _written(database, tmp_path, "--forum", "samverkanskonferens", "--format", "json")
    )
    assert data["record"]["reason"] == HOSTILE


def test_the_step_chart_draws_the_records_points(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _play(forum_chat)
    assert _export(database, "--forum", "samverkanskonferens", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    record = Record.from_json(data["record"])
    figure = Figure()
    draw_acks(figure, record, "sv")
    line = figure.axes[0].lines[0]
    # The steps in per cent, held to the stand-down at 120 min.
    assert [tuple(map(float, p)) for p in zip(line.get_xdata(), line.get_ydata(), strict=True)] == [
        (0.0, 0.0),
        (4.0, 33.3),
        (12.0, 66.7),
        (23.0, 100.0),
        (120.0, 100.0),
    ]
    chart = ack_chart(record, "sv")
    assert chart.png.startswith(b"\x89PNG")
    assert "100 % efter 23 min" in chart.description
    # In the SVG path: x positions in proportion to the minutes, four distinct heights.
    group = chart.svg[chart.svg.index(f'id="{ACK_GID}"') :]
    path = re.search(r'<path d="([^"]+)"', group)
    assert path is not None
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.group(1))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert len(xs) == 9  # 5 points drawn as steps: 2n - 1 vertices
    corners = sorted(set(xs))
    span = corners[-1] - corners[0]
    assert [round(120 * (x - corners[0]) / span, 1) for x in corners] == [0, 4, 12, 23, 120]
    assert len(set(ys)) == 4
    rounds = rounds_chart(record, "sv")
    assert rounds is not None
    assert "1: 33 %" in rounds.description
    bars = Figure()
    draw_rounds(bars, record, "sv")
    assert [patch.get_height() for patch in bars.axes[0].patches] == [33.3]


def test_what_cannot_be_had(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export(database, "--forum", "samverkanskonferens", "--format", "md") == 2
    assert "has no activation yet (!aktivera starts one)" in capsys.readouterr().err
    _play(forum_chat)
    assert (
        _export(database, "--forum", "samverkanskonferens", "--activation", "7", "--format", "md")
        == 2
    )
    assert "has no activation 7" in capsys.readouterr().err
    assert _export(database, "--forum", "okänt", "--format", "md") == 2
    assert "unknown forum 'okänt'" in capsys.readouterr().err

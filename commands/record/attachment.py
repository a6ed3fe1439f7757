"""The record's charts attached in chat (``!efterhand``): which chart, drawn from which
record. The bot draws them (``bot/files.py`` by this kind, ``bot/charts/activation.py``) as
PNG images, the very charts the HTML export shows as SVG; a platform that shows images
shows them under the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commands.core.messages import Attachment
from commands.record.data import Record

RECORD_CHART_ATTACHMENT = "record_chart"
# The charts: acknowledgements over time, report completeness per round.
ACKS = "acks"
ROUNDS = "rounds"


@dataclass(frozen=True)
class RecordChart:
    record: Record
    chart: str  # ACKS or ROUNDS


def record_charts(record: Record, language: str) -> tuple[Attachment, ...]:
    """The charts worth attaching: acknowledgements when anyone was called in, completeness
    when there was a report round."""
    charts = []
    if record.figures.called or record.ack_steps:
        charts.append(ACKS)
    if record.figures.rounds:
        charts.append(ROUNDS)
    return tuple(
        Attachment(
            f"efterhand-{record.activation_id}-{chart}",
            RECORD_CHART_ATTACHMENT,
            RecordChart(record, chart),
            language,
        )
        for chart in charts
    )


def record_chart_data(payload: object) -> dict[str, Any]:
    """An attached chart as JSON values: how it waits in the outbox."""
    if not isinstance(payload, RecordChart):
        raise TypeError(f"an attached record chart carries a {type(payload).__name__}")
    return {"chart": payload.chart, "record": payload.record.to_json()}


def record_chart_from(data: Any) -> RecordChart:
    """What :func:`record_chart_data` wrote, read back."""
    return RecordChart(Record.from_json(data["record"]), str(data["chart"]))

"""The charts of an activation's record (``export efterhand``): acknowledgements over time, a
step chart of the share of called-in organisations acknowledged against minutes since the
activation, and report completeness per round, a bar chart. Drawn from the plain
:class:`~commands.record.Record` only; the words come from the catalogue."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.charts import Chart, render
from commands.core.i18n import t
from commands.record import Record

# The artists' ids in the SVG (matplotlib writes a ``gid`` as the group's id); a round's
# bar is ``round-completeness-<number>``.
ACK_GID = "ack-steps"
ROUNDS_GID = "round-completeness"
# Up to this many rounds each has its number under its bar.
MAX_LABELLED_ROUNDS = 12


def ack_points(record: Record) -> list[tuple[float, float]]:
    """The step chart's points, share in per cent; held to the end of the activation (or the
    last acknowledgement while it lasts) so the last step is seen."""
    points = [(minutes, round(100 * share, 1)) for minutes, share in record.ack_steps]
    end = record.figures.duration_minutes
    if end is not None and points and end > points[-1][0]:
        points.append((float(end), points[-1][1]))
    return points


def number_text(value: float, language: str) -> str:
    """A tick's number: whole without decimals, else with a decimal comma in Swedish."""
    text = f"{value:g}"
    return text.replace(".", ",") if language == "sv" else text


def draw_acks(figure: Figure, record: Record, language: str) -> None:
    axes = figure.add_subplot()
    points = ack_points(record)
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    (line,) = axes.step(xs, ys, where="post", color="#1f5fa8", linewidth=2)
    line.set_gid(ACK_GID)
    axes.set_ylim(0, 105)
    # Whole minutes, at least 0-1 (an activation stood down in the minute it began would
    # else read "0.00 0.01 …"), written as the language writes numbers.
    axes.set_xlim(0, max(1.0, *xs) if xs else 1.0)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda value, _: number_text(value, language)))
    axes.set_xlabel(t(language, "export_record.chart.minutes"))
    axes.set_ylabel(t(language, "export_record.chart.share"))
    axes.set_title(t(language, "export_record.chart.acks_title"))
    axes.grid(alpha=0.3)


def draw_rounds(figure: Figure, record: Record, language: str) -> None:
    axes = figure.add_subplot()
    rounds = record.figures.rounds
    numbers = [r.number for r in rounds]
    heights = [round(100 * r.share, 1) for r in rounds]
    bars = axes.bar(numbers, heights, color="#2e8540")
    for number, bar in zip(numbers, bars, strict=True):
        bar.set_gid(f"{ROUNDS_GID}-{number}")
    # The rounds' numbers on a numeric axis: each labelled while they are few, else a few
    # whole ones (fifty labels each placed cost more than all the rest of the chart); at
    # least a round's width either side, so one round is a bar, not the whole chart.
    if len(numbers) <= MAX_LABELLED_ROUNDS:
        axes.set_xticks(numbers)
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(min(numbers) - 1, max(numbers) + 1)
    axes.set_ylim(0, 105)
    axes.set_xlabel(t(language, "export_record.chart.round"))
    axes.set_ylabel(t(language, "export_record.chart.reported"))
    axes.set_title(t(language, "export_record.chart.rounds_title"))
    axes.grid(axis="y", alpha=0.3)


def ack_chart(record: Record, language: str) -> Chart:
    last = record.ack_steps[-1] if record.ack_steps else (0.0, 0.0)
    description = t(
        language,
        "export_record.chart.acks_description",
        percent=round(100 * last[1]),
        minutes=round(last[0]),
    )
    return render(lambda figure: draw_acks(figure, record, language), description)


def rounds_chart(record: Record, language: str) -> Chart | None:
    """None when the activation had no report round."""
    rounds = record.figures.rounds
    if not rounds:
        return None
    description = t(
        language,
        "export_record.chart.rounds_description",
        shares="; ".join(f"{r.number}: {round(100 * r.share)} %" for r in rounds),
    )
    return render(lambda figure: draw_rounds(figure, record, language), description)

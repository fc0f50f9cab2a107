"""The tuning figure: per task, the best validation score against cumulative tuning time, one line per
backend (:func:`bench.report.tuned.tuning_traces`)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from bench.core.record import Record
from bench.report import palette
from bench.report.panels import MAX_COLUMNS, clip_to_metric, grid, legend
from bench.report.tuned import tuning_traces


def plot_tuning(records: Sequence[Record]) -> Figure | None:
    """One panel per task of the tuned division; None when no record holds a tuning."""
    traces = tuning_traces(records)
    if not traces:
        return None
    tasks = list(dict.fromkeys(trace.task for trace in traces))
    figure, axes = grid([f"{task}: best validation {next(t.metric for t in traces if t.task == task)}"
                         for task in tasks], MAX_COLUMNS)
    for ax, task in zip(axes, tasks):
        shown = sorted((t for t in traces if t.task == task), key=lambda t: palette.position(t.backend))
        for trace in shown:
            ax.step(trace.seconds, trace.best, where="post", marker="o", markersize=3,
                    color=palette.colour(trace.backend))
        clip_to_metric(ax, shown[0].metric)
        ax.set_xlabel("cumulative tuning time (s)")
        ax.grid(alpha=0.3)
    legend(figure, "tuned division: best validation score against tuning time",
           [t.backend for t in traces])
    return figure

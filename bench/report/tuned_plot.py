"""The tuning figure: per task, the best validation score against cumulative tuning time, one line per
backend (:func:`bench.report.tuned.tuning_traces`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from bench.core.record import Record
from bench.report.tuned import tuning_traces

#: Panels per row of the figure.
COLUMNS = 3


def plot_tuning(records: Sequence[Record], colours: dict[str, Any]) -> Figure | None:
    """One panel per task of the tuned division; None when no record holds a tuning."""
    traces = tuning_traces(records)
    if not traces:
        return None
    tasks = list(dict.fromkeys(trace.task for trace in traces))
    columns = min(COLUMNS, len(tasks))
    rows = math.ceil(len(tasks) / columns)
    figure = Figure(figsize=(3.4 * columns + 1.6, 2.9 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, task in zip(axes, tasks):
        shown = [trace for trace in traces if trace.task == task]
        for trace in shown:
            ax.step(trace.seconds, trace.best, where="post", marker="o", markersize=3,
                    color=colours.get(trace.backend), label=trace.backend)
        ax.set_title(f"{task}: best validation {shown[0].metric}", fontsize=9)
        ax.set_xlabel("cumulative tuning time (s)", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(tasks):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    for ax in axes[1:len(tasks)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    figure.legend(list(seen.values()), list(seen), loc="outside right upper", fontsize=8)
    return figure

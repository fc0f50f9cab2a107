"""Readable figures: no two tick labels intersect, on tiny and on wide axis ranges (Agg, default size)."""

from __future__ import annotations

import itertools
import math

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from synthetic_results import record

from bench.core.record import as_records
from bench.report.plots import figures
from bench.report.summary import summarise
from bench.report.ticks import one_two_five, shown_tick_labels

#: fit seconds per backend, per task: a range of 5 decades below 0.01 s (the and/or panels), one
#: well inside a single 1-2-5 step, one in seconds, and 7 decades (milliseconds to a minute)
RANGES = {
    "and": {"numpy": 0.00012, "numpy-perceptron": 0.00004, "sklearn": 0.004, "torch": 0.0009, "keras": 0.009},
    "or": {"numpy": 0.00211, "sklearn": 0.00222, "torch": 0.00234},
    "xor": {"numpy": 1.5, "sklearn": 3.1, "torch": 2.2, "keras": 4.4},
    "credit-default (open)": {"numpy": 0.0003, "sklearn": 0.05, "torch": 1.2, "keras": 45.0},
}


def suite(ranges: dict[str, dict[str, float]]) -> list:
    records = []
    for task, fits in ranges.items():
        for backend, fit in fits.items():
            for seed in range(3):
                records.append(record(backend, task, seed, accuracy=0.5 + 0.1 * seed,
                                      fit=fit * (1 + 0.3 * seed)))
    return as_records(records)


def drawn_labels(ax, axis) -> list:
    """(text, window extent) of each tick label the rendered figure shows along one axis."""
    return [(label.get_text(), label.get_window_extent()) for label in shown_tick_labels(ax, axis)]


def intersect(a, b) -> bool:
    """Whether two boxes share an area (touching edges do not count)."""
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def collisions(figure) -> list[str]:
    FigureCanvasAgg(figure).draw()
    found = []
    for ax in figure.get_axes():
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            for (a, box_a), (b, box_b) in itertools.combinations(drawn_labels(ax, axis), 2):
                if intersect(box_a, box_b):
                    found.append(f"{ax.get_title()}: {a!r} × {b!r}")
    return found


@pytest.mark.parametrize("tasks", [list(RANGES), ["and"], ["or"], ["credit-default (open)"]])
def test_no_tick_labels_intersect(tasks):
    records = suite({task: RANGES[task] for task in tasks})
    drawn = figures(records, summarise(records))
    assert {"metric-vs-fit-time", "fit-time", "learning-curves", "time-to-target"} <= set(drawn)
    for stem, figure in drawn.items():
        assert collisions(figure) == [], stem


def test_every_log_axis_keeps_two_labels_even_on_a_tiny_range():
    records = suite({"or": RANGES["or"]})
    figure = figures(records, summarise(records))["metric-vs-fit-time"]
    FigureCanvasAgg(figure).draw()
    (ax,) = [a for a in figure.get_axes() if a.get_visible()]
    assert ax.get_xscale() == "log"
    labels = [text for text, _ in drawn_labels(ax, ax.xaxis)]
    assert len(labels) >= 2, labels
    low, high = ax.get_xlim()
    assert low <= 0.00211 * 0.99 and high >= 0.00234 * 1.3  # every point (and its IQR) still inside


def test_wide_range_thins_labels_to_decades():
    records = suite({"credit-default (open)": RANGES["credit-default (open)"]})
    figure = figures(records, summarise(records))["metric-vs-fit-time"]
    FigureCanvasAgg(figure).draw()
    (ax,) = [a for a in figure.get_axes() if a.get_visible()]
    labels = [float(text) for text, _ in drawn_labels(ax, ax.xaxis)]
    assert len(labels) >= 2
    assert all(math.isclose(math.log10(v), round(math.log10(v))) for v in labels), labels  # decades only


def test_one_two_five():
    assert one_two_five(0.0021, 0.0049) == []
    assert one_two_five(0.001, 0.01) == [0.001, 0.002, 0.005, 0.01]

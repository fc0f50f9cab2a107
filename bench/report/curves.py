"""The curve figures: training loss per epoch, and the held-out metric against training seconds.

A panel per task (and division). Backends whose curves are identical, seed by
seed (the closed division's lockstep training gives every backend the same
losses), are drawn once, in the first one's colour, and named together in the
panel's title (``identical: numpy = torch = keras``), so no curve hides
another unsaid. A task evaluated by k-fold (credit-risk: leave-one-out, one
held-out row a fold) is evaluated during training on its first fold only: its
learning curves are that fold's (``fold 1 of 14``), and its time-to-target
panel says what the time-to-target table says, that there is no held-out
curve of the whole evaluation to time a target on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from bench.core.record import Record
from bench.report import palette
from bench.report.panels import clip_to_metric, grid, legend, panel_name, panel_order, wrapped
from bench.report.ticks import log_axis

#: curves closer than this (relative) count as identical: the closed division agrees to about 1e-9
SAME_CURVE_RTOL = 1e-6

Point = dict[str, Any]
Series = list[tuple[float, float]]


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


@dataclass
class CurveGroup:
    """Backends whose curves are the same, seed by seed; drawn once, in the first one's colour."""

    backends: list[str]
    runs: dict[int, Series] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return " = ".join(self.backends)


def _same(a: dict[int, Series], b: dict[int, Series]) -> bool:
    if a.keys() != b.keys():
        return False
    for seed, points in a.items():
        other = b[seed]
        if len(points) != len(other) or not points:
            return False
        if not np.allclose(np.asarray(points), np.asarray(other), rtol=SAME_CURVE_RTOL, atol=0.0):
            return False
    return True


def curve_groups(series: dict[str, dict[int, Series]], merge: bool) -> list[CurveGroup]:
    """The backends' curves (``{backend: {seed: points}}``), identical ones in one group when ``merge``."""
    groups: list[CurveGroup] = []
    for backend in palette.ordered(series):
        runs = series[backend]
        match = next((g for g in groups if merge and _same(g.runs, runs)), None)
        if match is None:
            groups.append(CurveGroup([backend], runs))
        else:
            match.backends.append(backend)
    return groups


def _series(runs: list[Record], x_of: Callable[[Point], Any],
            y_of: Callable[[Point, Record], Any]) -> dict[str, dict[int, Series]]:
    found: dict[str, dict[int, Series]] = {}
    for record in runs:
        points = [(x_of(p), y_of(p, record)) for p in record.curve or []]
        points = [(float(x), float(y)) for x, y in points if finite(x) and finite(y)]
        if points:
            found.setdefault(record.backend, {})[record.seed] = points
    return found


@dataclass
class CurveStyle:
    """What one curve figure plots and how it names it."""

    title: str
    x_of: Callable[[Point], Any]
    y_of: Callable[[Point, Record], Any]
    x_label: str
    y_label: Callable[[Record], str]
    #: identical curves drawn once (only where x is the same for every backend: epochs)
    merge: bool = False
    #: the target as a dashed line and the y axis kept to the metric's range
    target: bool = False


def folds(runs: list[Record]) -> int:
    """The most folds any of the runs was evaluated on (1: one held-out split)."""
    return max((int((r.evaluation or {}).get("folds") or 1) for r in runs), default=1)


def no_target_curve(folds: int) -> str:
    """Why a k-fold task has no held-out curve to time a target on: the time-to-target table's words."""
    return f"n/a: {folds}-fold evaluation, no single held-out curve"


def _panel_title(name: str, runs: list[Record], groups: list[CurveGroup], width: float) -> str:
    title = name + (f": fold 1 of {folds(runs)}" if folds(runs) > 1 else "")
    same = [g.label for g in groups if len(g.backends) > 1]
    if same:
        title += "\n" + wrapped("identical: " + "; ".join(same), width)
    return title


def _draw_panel(ax: Any, runs: list[Record], style: CurveStyle) -> list[CurveGroup]:
    groups = curve_groups(_series(runs, style.x_of, style.y_of), style.merge)
    xs_all: list[float] = []
    ys_all: list[float] = []
    for group in groups:
        for points in group.runs.values():
            xs, ys = zip(*points)
            xs_all += xs
            ys_all += ys
            ax.plot(xs, ys, color=palette.colour(group.backends[0]), alpha=0.7, linewidth=1.4,
                    marker="o" if len(xs) < 5 else None, markersize=4)
    target = next((r.target for r in runs if r.target), None)
    if style.target and target and finite(target.get("value")):
        ax.axhline(target["value"], color="black", linestyle="--", linewidth=1)
    if xs_all and min(xs_all) > 0:
        log_axis(ax, "x")
    if not style.target and ys_all and min(ys_all) > 0:
        log_axis(ax, "y")
    if style.target:
        clip_to_metric(ax, runs[0].target_metric)
    ax.set_xlabel(style.x_label)
    ax.set_ylabel(style.y_label(runs[0]))
    ax.grid(True, alpha=0.3)
    return groups


def plot_curves(records: list[Record], style: CurveStyle) -> Figure | None:
    with_curves = [r for r in records if r.ok and r.curve]
    if not with_curves:
        return None
    panels, columns = panel_order(with_curves)
    figure, axes = grid(panels, columns)
    width = figure.get_figwidth() / min(len(panels), columns)
    for name, ax in zip(panels, axes):
        runs = [r for r in with_curves if panel_name(r.task, r.division, with_curves) == name]
        if style.target and folds(runs) > 1:
            ax.text(0.5, 0.5, wrapped(no_target_curve(folds(runs)), width * 0.9), ha="center", va="center",
                    transform=ax.transAxes, color="#556")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name, fontsize="medium")
            continue
        groups = _draw_panel(ax, runs, style)
        ax.set_title(_panel_title(name, runs, groups, width), fontsize="medium")
    extra = [("target", {"color": "black", "linestyle": "--", "linewidth": 1})] if style.target else []
    legend(figure, style.title, {r.backend for r in with_curves}, extra)
    return figure


def plot_learning_curves(records: list[Record]) -> Figure | None:
    return plot_curves(records, CurveStyle(
        "Learning curves: training loss per epoch (every seed)",
        x_of=lambda p: p.get("epoch"), y_of=lambda p, r: p.get("loss"), x_label="epoch (log)",
        y_label=lambda r: "training loss (as reported)", merge=True))


def plot_time_to_target(records: list[Record]) -> Figure | None:
    def metric_of(point: Point, record: Record) -> Any:
        return point.get(record.target_metric or "")

    return plot_curves(records, CurveStyle(
        "Time to target: held-out metric against training seconds (every seed; dashed: the target)",
        x_of=lambda p: p.get("seconds"), y_of=metric_of, x_label="training seconds (log)",
        y_label=lambda r: f"held-out {r.target_metric or 'metric'}", target=True))

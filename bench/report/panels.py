"""The layout every results figure shares: small multiples that fit the page, one legend outside the data.

* one panel per task (and division): with both divisions a task a row, closed
  beside open; else up to :data:`MAX_COLUMNS` a row. A figure is
  :data:`FIGURE_WIDTH` inches wide (1,200 px at 100 dpi), what the page shows
  at its own size, so its text stays the size it was drawn at;
* one legend per figure, above the panels (``outside upper center``): the
  backends in their fixed order and colours (:mod:`bench.report.palette`);
* titles wrapped to the width they have, never clipped;
* a metric's axis kept inside the metric's range (:data:`METRIC_RANGE`):
  a confidence bar does not stretch an accuracy axis past 1.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bench.report import palette

#: the smallest panel (inches), three a row
PANEL_SIZE = (4.0, 3.0)
MAX_COLUMNS = 3
#: inches: 1,200 px at 100 dpi, what the page shows at its own size in a 1,280 px window
FIGURE_WIDTH = 12.0
DIVISIONS = ("closed", "open")
#: the narrowest figure, so a one-panel figure's title and legend fit
MIN_WIDTH = 6.4
#: characters of a title per inch of width (the default 10–12 pt sans-serif font)
CHARACTERS_PER_INCH = 11
#: the values a metric can take (None: unbounded on that side)
METRIC_RANGE: dict[str, tuple[float | None, float | None]] = {
    "accuracy": (0.0, 1.0), "r2": (None, 1.0), "rmse": (0.0, None), "mse": (0.0, None),
    "mae": (0.0, None), "loss": (0.0, None), "log_loss": (0.0, None),
}
#: room left beyond the data (share of the shown span), so a point on the range's edge stays visible
MARGIN = 0.04


def wrapped(text: str, inches: float, size_factor: float = 1.0) -> str:
    """``text`` broken into lines that fit ``inches`` of width (a larger font: ``size_factor`` > 1)."""
    width = max(12, int(inches * CHARACTERS_PER_INCH / size_factor))
    return "\n".join(textwrap.wrap(text, width)) or text


def panel_name(task: str, division: str, among: Iterable[Any]) -> str:
    """A figure panel per task, and per division when the results hold both (never mixed)."""
    return f"{task} ({division})" if len({x.division for x in among}) > 1 else task


def panel_order(items: Sequence[Any]) -> tuple[list[str], int]:
    """The panels of ``items`` (anything with ``task`` and ``division``) and the columns to lay them in.

    Tasks in the order they first appear; with both divisions, two columns (closed beside open, a
    task a row), else up to :data:`MAX_COLUMNS`.
    """
    tasks = list(dict.fromkeys(x.task for x in items))
    divisions = [d for d in DIVISIONS if any(x.division == d for x in items)]
    divisions += sorted({x.division for x in items} - set(divisions))
    pairs = sorted({(x.task, x.division) for x in items},
                   key=lambda p: (tasks.index(p[0]), divisions.index(p[1])))
    names = [panel_name(task, division, items) for task, division in pairs]
    return names, (len(divisions) if 1 < len(divisions) <= MAX_COLUMNS else min(MAX_COLUMNS, len(names)))


def grid(panels: Sequence[str], columns: int, height: float = PANEL_SIZE[1],
         title: str = "") -> tuple[Figure, list[Axes]]:
    """A figure of one panel per name, ``columns`` a row, as wide as the page; a title when given
    (a figure with a legend has its title in the legend's, :func:`legend`)."""
    columns = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / columns)
    width = FIGURE_WIDTH if columns > 1 else MIN_WIDTH
    figure = Figure(figsize=(width, height * rows + 1.0), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[len(panels):]:
        extra.set_visible(False)
    if title:
        figure.suptitle(wrapped(title, width, 1.2))
    for name, ax in zip(panels, axes):
        ax.set_title(wrapped(name, width / columns))
    return figure, axes[: len(panels)]


def legend(figure: Figure, title: str, backends: Iterable[str],
           extra: Sequence[tuple[str, dict]] = ()) -> None:
    """One legend for the whole figure, above the panels, under the figure's title: each backend's
    colour, in the fixed order. ``extra``: further entries as (label, line style keywords)."""
    names = palette.ordered(backends)
    handles = [Line2D([], [], color=palette.colour(n), marker="o", linewidth=2) for n in names]
    labels = list(names)
    for label, style in extra:
        handles.append(Line2D([], [], **style))
        labels.append(label)
    if handles:
        width = figure.get_figwidth()
        columns = max(1, min(len(handles), int(width / 1.5)))
        figure.legend(handles, labels, loc="outside upper center", ncols=columns, fontsize="small",
                      frameon=False, title=wrapped(title, width, 1.2), title_fontsize="large")


def clip_to_metric(ax: Axes, metric: str | None) -> None:
    """The y axis as autoscaled, cut at the metric's range (plus a small margin where it is cut)."""
    low, high = METRIC_RANGE.get(metric or "", (None, None))
    bottom, top = ax.get_ylim()
    cut_bottom = low is not None and bottom < low
    cut_top = high is not None and top > high
    if not (cut_bottom or cut_top):
        return
    bottom = low if cut_bottom else bottom
    top = high if cut_top else top
    span = top - bottom if top > bottom else 1.0
    ax.set_ylim(bottom - MARGIN * span * cut_bottom, top + MARGIN * span * cut_top)

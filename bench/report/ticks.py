"""Tick labels that do not run into each other, on any axis range the suite produces.

Log axes are labelled with plain numbers at 1, 2 and 5 × powers of ten; a
range too narrow to hold two of those is widened to the nearest ones, so an
axis always has at least two labels. After the figure is laid out
(:func:`declutter`), every axis whose tick labels' boxes intersect gets
fewer labels, one step at a time: on a log axis the 2 and 5 labels go first
(their ticks stay), then decades are skipped; a numeric linear axis gets
fewer bins; category labels are turned upright. The check is the rendered
text boxes themselves (``get_window_extent``), so fonts and sizes are
accounted for exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from bench.core.text import visible

#: Most major ticks a log axis keeps at each step after the 2 and 5 labels are gone.
LOG_NUMTICKS = (None, 6, 4, 3, 2)
LINEAR_BINS = (6, 4, 3, 2)
#: Labels closer than this many pixels (about half a digit at 100 dpi) count as touching.
GAP_PX = 6.0
MAX_ROUNDS = 8


def _plain(value: float, _: int) -> str:
    return f"{value:g}"


def one_two_five(low: float, high: float) -> list[float]:
    """The 1, 2, 5 × 10^k values in ``[low, high]`` (``low`` > 0)."""
    values = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for sub in (1.0, 2.0, 5.0):
            value = sub * 10.0 ** exponent
            if low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
                values.append(value)
    return values


def log_axis(ax: Axes, which: str) -> None:
    """Log scale labelled with plain numbers at 1, 2 and 5 × powers of ten (call after plotting)."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    if low > 0 and math.isfinite(high) and len(one_two_five(low, high)) < 2:
        around = one_two_five(low / 10, high * 10)
        below = max(v for v in around if v <= low * (1 + 1e-9))
        above = min(v for v in around if v >= high * (1 - 1e-9) and v > below)
        (ax.set_xlim if which == "x" else ax.set_ylim)(below, above)
    set_log_level(axis, 0)


def set_log_level(axis: Axis, level: int) -> None:
    """Level 0: 1-2-5 labels; 1: decades only; 2 on: at most ``LOG_NUMTICKS[level - 1]`` decades."""
    numticks = LOG_NUMTICKS[min(max(level - 1, 0), len(LOG_NUMTICKS) - 1)]
    axis.set_major_locator(LogLocator(subs=(1.0,)) if numticks is None
                           else LogLocator(subs=(1.0,), numticks=numticks))
    axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(_plain))
    axis.set_minor_formatter(FuncFormatter(_plain) if level == 0 else NullFormatter())


def shown_tick_labels(ax: Axes, axis: Axis) -> list[Text]:
    """The tick labels drawn along ``axis`` (non-empty, visible, inside the axes' span)."""
    box = ax.get_window_extent()
    horizontal = axis is ax.xaxis
    shown = []
    for label in axis.get_ticklabels(which="both"):
        if not label.get_visible() or not label.get_text().strip():
            continue
        extent = label.get_window_extent()
        centre = (extent.x0 + extent.x1) / 2 if horizontal else (extent.y0 + extent.y1) / 2
        start, end = (box.x0, box.x1) if horizontal else (box.y0, box.y1)
        if start - 1 <= centre <= end + 1:
            shown.append(label)
    return shown


def overlapping(labels: list[Text], gap: float = GAP_PX) -> bool:
    """Whether any two labels' boxes intersect or come within ``gap`` pixels."""
    boxes = [label.get_window_extent() for label in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.x0 < b.x1 + gap and b.x0 < a.x1 + gap and a.y0 < b.y1 + gap and b.y0 < a.y1 + gap:
                return True
    return False


def _axes_axes(figure: Figure) -> Iterator[tuple[Axes, Axis]]:
    for ax in figure.get_axes():
        if ax.get_visible():
            yield ax, ax.xaxis
            yield ax, ax.yaxis


def _thin(ax: Axes, axis: Axis, step: int) -> bool:
    """One step fewer labels on ``axis``; False when nothing is left to take away."""
    if axis.get_scale() == "log":
        if step > len(LOG_NUMTICKS):
            return False
        set_log_level(axis, step)
        return True
    if isinstance(axis.get_major_formatter(), FixedFormatter) or not axis.get_ticklocs().size:
        if step > 1:
            return False
        axis.set_tick_params(labelrotation=90)  # category names: upright, their boxes side by side
        return True
    if step > len(LINEAR_BINS):
        return False
    axis.set_major_locator(MaxNLocator(nbins=LINEAR_BINS[step - 1]))
    return True


def visible_texts(figure: Figure) -> None:
    """Every text of the figure with its control characters shown as escapes (names come from records)."""
    for text in figure.findobj(Text):
        text.set_text(visible(text.get_text()))


def declutter(figure: Figure, rounds: int = MAX_ROUNDS) -> None:
    """Lay the figure out and take labels away from every axis whose tick labels collide."""
    visible_texts(figure)
    steps: dict[int, int] = {}
    for _ in range(rounds):
        figure.draw_without_rendering()
        changed = False
        for ax, axis in _axes_axes(figure):
            if overlapping(shown_tick_labels(ax, axis)):
                steps[id(axis)] = steps.get(id(axis), 0) + 1
                changed |= _thin(ax, axis, steps[id(axis)])
        if not changed:
            return

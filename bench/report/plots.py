"""Figures of a results file, as PNG and SVG, in ``<results stem>-plots/``.

* ``metric-vs-fit-time``: per task, one point per backend: mean metric (95 %
  CI error bar) against median fit time (interquartile error bar, log scale);
* ``fit-time``: median fit time per backend, a panel per task (bars, log scale, IQR);
* ``learning-curves``: training loss per epoch, every seed, from ``curve``;
* ``time-to-target``: the target metric on held-out rows against training
  seconds, every seed, with the target as a dashed line.

Matplotlib's object API (``Figure``) is used without pyplot, so no display
and no global state are involved (the Agg canvas renders the PNG). Layout, colours and
order are shared by every figure (:mod:`bench.report.panels`, :mod:`bench.report.palette`);
the curve figures are :mod:`bench.report.curves`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bench.core import owned  # noqa: E402
from bench.core.owned import FIGURE_MARK  # noqa: E402
from bench.core.record import Record, as_records  # noqa: E402
from bench.core.text import visible  # noqa: E402
from bench.report import palette  # noqa: E402
from bench.report.curves import plot_learning_curves, plot_time_to_target  # noqa: E402
from bench.report.panels import clip_to_metric, grid, legend, panel_name, panel_order  # noqa: E402
from bench.report.summary import GroupSummary  # noqa: E402
from bench.report.ticks import declutter, log_axis, visible_texts  # noqa: E402
from bench.report.tuned_plot import plot_tuning  # noqa: E402

FORMATS = ("png", "svg")
#: text used as a file name part unchanged (no leading dot or dash)
SAFE_NAME = re.compile(r"[a-z0-9_][a-z0-9_.-]*")
#: characters of a name kept in a file name (a file name holds at most 255 bytes)
MAX_NAME = 80
#: pixels per inch of the PNGs (the figures are sized in inches for the page, see panels.py)
DPI = 100

def backend_colours(names: list[str]) -> dict[str, Any]:
    """A fixed colour per backend, the same in every figure and page (:mod:`bench.report.palette`)."""
    return palette.colours(names)


def safe_name(text: str) -> str:
    """A file name part for ``text``: itself when it is already one, else its safe characters and
    ``~`` with a hash of the whole text, so two names ("a b", "a-b"; "A", "a" on a case-insensitive
    disk) never share a file; a long name is cut to :data:`MAX_NAME` characters before its hash."""
    if SAFE_NAME.fullmatch(text) and len(text) <= MAX_NAME:
        return text
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:MAX_NAME] or "plot"
    return f"{readable}~{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _log_axis(ax: Axes, which: str) -> None:
    """Log scale with plain numbers (0.02, 0.05, 0.1) at 1, 2 and 5 × powers of ten (after plotting)."""
    log_axis(ax, which)


def _save(figure: Figure, directory: Path, stem: str) -> list[Path]:
    visible_texts(figure)  # names come from records: no control character in a PNG or an SVG
    paths = []
    for extension in FORMATS:
        path = directory / f"{stem}.{extension}"
        # nnbench's mark (bench.core.owned), and no date: the same figure is the same file
        metadata = {"Date": None, "Creator": FIGURE_MARK} if extension == "svg" else {"Software": FIGURE_MARK}
        owned.write_owned(path, lambda temporary, ext=extension, meta=metadata: figure.savefig(
            temporary, format=ext, dpi=DPI, metadata=meta), "the figure")
        paths.append(path)
    return paths


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _by_panel(summaries: list[GroupSummary],
              shown: list[GroupSummary]) -> tuple[dict[str, list[GroupSummary]], int]:
    """The shown summaries per panel (task, and division when both are there), backends in fixed
    order; and the number of columns (:func:`bench.report.panels.panel_order`)."""
    panels: dict[str, list[GroupSummary]] = {}
    for s in sorted(shown, key=lambda s: palette.position(s.backend)):
        panels.setdefault(panel_name(s.task, s.division, shown), []).append(s)
    order, columns = panel_order(shown)
    return {name: panels[name] for name in order}, columns


def plot_metric_vs_time(summaries: list[GroupSummary]) -> Figure | None:
    shown = [s for s in summaries if s.ok and _finite(s.metric_mean) and _finite(s.fit.median)]
    panels, columns = _by_panel(summaries, shown)
    if not panels:
        return None
    figure, axes = grid(list(panels), columns)
    for ax, group in zip(axes, panels.values()):
        for s in group:
            yerr = s.metric_ci95 if _finite(s.metric_ci95) else 0.0
            xerr = [[max(s.fit.median - s.fit.q1, 0.0)], [max(s.fit.q3 - s.fit.median, 0.0)]]
            ax.errorbar(s.fit.median, s.metric_mean, xerr=xerr, yerr=yerr, fmt="o", capsize=3,
                        color=palette.colour(s.backend))
        _log_axis(ax, "x")
        metric = next((s.metric for s in group if s.metric), None)
        clip_to_metric(ax, metric)
        ax.set_xlabel("fit seconds (log)")
        ax.set_ylabel(metric or "metric")
        ax.grid(True, alpha=0.3)
    legend(figure, "Main metric (mean, 95 % CI) against fit time (median, IQR)", {s.backend for s in shown})
    return figure


SlotKey = tuple[str, str, int]


def _panel_keys(group: list[GroupSummary]) -> list[SlotKey]:
    """Each summary's place key in its panel: backend, device, and which of the backend's networks
    there (0 unless a panel holds several specs of one backend on one device)."""
    keys: list[SlotKey] = []
    for s in group:
        keys.append((s.backend, s.device, sum(k[:2] == (s.backend, s.device) for k in keys)))
    return keys


def _slots(panels: Mapping[str, list[GroupSummary]]) -> dict[SlotKey, str]:
    """Every bar's place, the same in every panel, in the fixed order, with its label: the device
    only where there are several, ``#2`` for a backend's second network in a panel."""
    keys = sorted({k for group in panels.values() for k in _panel_keys(group)},
                  key=lambda k: (palette.position(k[0]), k[1], k[2]))
    devices = len({k[1] for k in keys}) > 1
    return {k: k[0] + (f"@{k[1]}" if devices else "") + (f" #{k[2] + 1}" if k[2] else "") for k in keys}


def plot_fit_time(summaries: list[GroupSummary]) -> Figure | None:
    """Small multiples: a panel per task (and division), a horizontal bar per backend, each backend
    in the same place in every panel (an empty place: no time for it there)."""
    shown = [s for s in summaries if s.ok and _finite(s.fit.median) and s.fit.median > 0]
    panels, columns = _by_panel(summaries, shown)
    if not panels:
        return None
    slots = _slots(panels)
    place = {key: i for i, key in enumerate(slots)}
    figure, axes = grid(list(panels), columns, height=max(2.0, 0.8 + 0.25 * len(slots)),
                        title="Fit time per backend (bars: median over seeds; whiskers: IQR)")
    for ax, group in zip(axes, panels.values()):
        ys = [place[key] for key in _panel_keys(group)]
        low = [max(s.fit.median - s.fit.q1, 0.0) for s in group]
        high = [max(s.fit.q3 - s.fit.median, 0.0) for s in group]
        ax.barh(ys, [s.fit.median for s in group], 0.7, xerr=[low, high], capsize=2,
                color=[palette.colour(s.backend) for s in group])
        ax.set_yticks(range(len(slots)), [visible(label) for label in slots.values()])
        ax.set_ylim(len(slots) - 0.5, -0.5)  # the first backend on top
        _log_axis(ax, "x")
        ax.set_xlabel("fit seconds (log)")
        ax.grid(True, axis="x", alpha=0.3)
    return figure


def figures(records: Sequence[Record | Mapping[str, Any]],
            summaries: list[GroupSummary]) -> dict[str, Figure]:
    """Every figure there is data for, by file stem, laid out with no colliding tick labels."""
    records = as_records(records)
    drawn = {
        "metric-vs-fit-time": plot_metric_vs_time(summaries),
        "fit-time": plot_fit_time(summaries),
        "learning-curves": plot_learning_curves(records),
        "time-to-target": plot_time_to_target(records),
        "tuning": plot_tuning(records),
    }
    shown = {stem: figure for stem, figure in drawn.items() if figure is not None}
    for figure in shown.values():
        declutter(figure)  # fewer tick labels where they would collide at this size
    return shown


def write_plots(records: Sequence[Record | Mapping[str, Any]], summaries: list[GroupSummary],
                directory: Path) -> list[Path]:
    """Write every figure there is data for, PNG and SVG; returns the paths (PNG first per figure)."""
    directory = Path(directory)
    paths: list[Path] = []
    for stem, figure in figures(records, summaries).items():
        owned.make_folder(directory, "the figures folder")
        paths += _save(figure, directory, stem)
    return paths


# --- the history of many runs ----------------------------------------------------------------------

def history_figures(rows: Sequence[Any]) -> dict[str, Figure]:
    """Per task and division (and environment, when several): metric and fit time over the runs.

    ``rows`` are :class:`bench.report.history_cache.CellRun`; x is the run's position, oldest first
    (run times are in the long table), one line per backend (× device × spec).
    """
    colours = backend_colours([r.key.backend for r in rows])
    environments = list(dict.fromkeys(r.environment for r in rows))
    panels: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        panels.setdefault((row.key.task, row.key.division, row.environment), []).append(row)
    drawn: dict[str, Figure] = {}
    for (task, division, environment), series in panels.items():
        runs = list(dict.fromkeys(r.run for r in sorted(series, key=lambda r: (r.run_time, r.run))))
        position = {run: i for i, run in enumerate(runs)}
        figure = Figure(figsize=(9.2, 3.6), layout="constrained")
        metric_ax, time_ax = figure.subplots(1, 2)
        lines: dict[tuple[str, str, str], list[Any]] = {}
        for row in series:
            lines.setdefault((row.key.backend, row.key.device, row.key.spec), []).append(row)
        labelled_twice = len({b for b, _, _ in lines}) < len(lines)
        for (backend, device, spec), points in sorted(lines.items(),
                                                      key=lambda kv: palette.position(kv[0][0])):
            points.sort(key=lambda r: position[r.run])
            label = backend + (f" {device} {spec}" if labelled_twice else "")
            for number, segment in enumerate(_adapter_segments(points)):  # edited adapter code: a new line
                xs = [position[r.run] for r in segment]
                style = {"color": colours[backend], "marker": "o", "markersize": 4,
                         "label": label if number == 0 else None}
                metric_ax.plot(xs, [r.metric_value for r in segment], **style)
                time_ax.plot(xs, [r.fit_median for r in segment], **style)
                if number:
                    _mark_adapter_change(time_ax, xs[0], colours[backend], backend)
        metric_name = next((r.metric for r in series if r.metric), None) or "metric"
        metric_ax.set_ylabel(metric_name)
        clip_to_metric(metric_ax, metric_name)
        metric_ax.set_title(f"{metric_name}, mean over seeds", fontsize="medium")
        time_ax.set_ylabel("fit seconds, median (log)")
        time_ax.set_title("fit time, median over seeds", fontsize="medium")
        if all(_finite(r.fit_median) and r.fit_median > 0 for r in series):
            _log_axis(time_ax, "y")
        for ax in (metric_ax, time_ax):
            ax.set_xlabel("run (oldest → newest)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, alpha=0.3)
        figure.legend(*time_ax.get_legend_handles_labels(), loc="outside right upper", fontsize="small")
        where = f" — environment {environment}" if len(environments) > 1 else ""
        figure.suptitle(f"History: {task} ({division}){where}, {len(runs)} runs")
        stem = "history-" + safe_name(f"{task}-{division}" + (f"-{environment}" if where else ""))
        declutter(figure)
        drawn[stem] = figure
    return drawn


def _adapter_segments(points: list[Any]) -> list[list[Any]]:
    """A line's points split where the adapter's code changed (``CellRun.adapter``): one series each."""
    segments: list[list[Any]] = []
    for point in points:
        if not segments or getattr(point, "adapter", None) != getattr(segments[-1][-1], "adapter", None):
            segments.append([])
        segments[-1].append(point)
    return segments


def _mark_adapter_change(ax: Any, x: float, colour: Any, backend: str) -> None:
    """A dotted line where a backend's adapter code changed, labelled at the top of the panel."""
    ax.axvline(x - 0.5, color=colour, linestyle=":", linewidth=1)
    ax.annotate(f"{backend}: adapter changed", xy=(x - 0.5, 1), xycoords=("data", "axes fraction"),
                rotation=90, va="top", ha="right", fontsize="x-small", color=colour)


def write_history_plots(rows: Sequence[Any], directory: Path) -> list[Path]:
    """The history figures as PNG and SVG in ``directory``."""
    directory = Path(directory)
    paths: list[Path] = []
    for stem, figure in history_figures(rows).items():
        owned.make_folder(directory, "the history folder")
        paths += _save(figure, directory, stem)
    return paths

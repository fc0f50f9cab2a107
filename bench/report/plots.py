"""Figures of a results file, as PNG and SVG, in ``<results stem>-plots/``.

* ``metric-vs-fit-time``: per task, one point per backend: mean metric (95 %
  CI error bar) against median fit time (interquartile error bar, log scale);
* ``fit-time``: median fit time per backend per task (bars, log scale, IQR);
* ``learning-curves``: training loss per epoch, every seed, from ``curve``;
* ``time-to-target``: the target metric on held-out rows against training
  seconds, every seed, with the target as a dashed line.

Matplotlib's object API (``Figure``) is used without pyplot, so no display
and no global state are involved (the Agg canvas renders the PNG).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
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
from bench.report.summary import GroupSummary  # noqa: E402
from bench.report.ticks import declutter, log_axis, visible_texts  # noqa: E402
from bench.report.tuned_plot import plot_tuning  # noqa: E402

FORMATS = ("png", "svg")
#: text used as a file name part unchanged (no leading dot or dash)
SAFE_NAME = re.compile(r"[a-z0-9_][a-z0-9_.-]*")
#: characters of a name kept in a file name (a file name holds at most 255 bytes)
MAX_NAME = 80
PANEL_SIZE = (4.6, 3.4)
MAX_COLUMNS = 3


def backend_colours(names: list[str]) -> dict[str, Any]:
    """A fixed colour per backend, the same in every figure."""
    palette = matplotlib.colormaps["tab10"].colors
    return {name: palette[i % len(palette)] for i, name in enumerate(sorted(set(names)))}


def safe_name(text: str) -> str:
    """A file name part for ``text``: itself when it is already one, else its safe characters and
    ``~`` with a hash of the whole text, so two names ("a b", "a-b"; "A", "a" on a case-insensitive
    disk) never share a file; a long name is cut to :data:`MAX_NAME` characters before its hash."""
    if SAFE_NAME.fullmatch(text) and len(text) <= MAX_NAME:
        return text
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:MAX_NAME] or "plot"
    return f"{readable}~{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _grid(tasks: list[str], title: str) -> tuple[Figure, list[Axes]]:
    columns = min(MAX_COLUMNS, len(tasks))
    rows = math.ceil(len(tasks) / columns)
    figure = Figure(figsize=(PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows + 0.6), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[len(tasks):]:
        extra.set_visible(False)
    figure.suptitle(title)
    return figure, axes[: len(tasks)]


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
            temporary, format=ext, dpi=100, metadata=meta), "the figure")
        paths.append(path)
    return paths


def _ok(records: list[Record]) -> list[Record]:
    return [r for r in records if r.ok]


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _panel(task: str, division: str, among: list[Record] | list[GroupSummary]) -> str:
    """A figure panel per task, and per division when the results hold both (never mixed)."""
    return f"{task} ({division})" if len({x.division for x in among}) > 1 else task


def plot_metric_vs_time(summaries: list[GroupSummary], colours: dict[str, Any]) -> Figure | None:
    shown = [s for s in summaries if s.ok and _finite(s.metric_mean) and _finite(s.fit.median)]
    tasks = list(dict.fromkeys(_panel(s.task, s.division, summaries) for s in shown))
    if not tasks:
        return None
    figure, axes = _grid(tasks, "Metric (mean, 95 % CI) against fit time (median, IQR)")
    for task, ax in zip(tasks, axes):
        for s in (s for s in shown if _panel(s.task, s.division, summaries) == task):
            yerr = s.metric_ci95 if _finite(s.metric_ci95) else 0.0
            xerr = [[max(s.fit.median - s.fit.q1, 0.0)], [max(s.fit.q3 - s.fit.median, 0.0)]]
            ax.errorbar(s.fit.median, s.metric_mean, xerr=xerr, yerr=yerr, fmt="o", capsize=3,
                        color=colours[s.backend], label=s.backend)
        _log_axis(ax, "x")
        ax.set_title(task)
        ax.set_xlabel("fit seconds (log)")
        ax.set_ylabel(next(s.metric for s in shown if _panel(s.task, s.division, summaries) == task)
                      or "metric")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return figure


def plot_fit_time(summaries: list[GroupSummary], colours: dict[str, Any]) -> Figure | None:
    shown = [s for s in summaries if s.ok and _finite(s.fit.median) and s.fit.median > 0]
    tasks = list(dict.fromkeys(_panel(s.task, s.division, summaries) for s in shown))
    backends = list(dict.fromkeys(s.backend for s in shown))
    if not tasks:
        return None
    # each task's slot is wide enough for its bars and for its name (about 0.09 in a character)
    slot = max(0.6 * max(1, len(backends)), 0.09 * max(len(t) for t in tasks) + 0.3)
    figure = Figure(figsize=(max(6.0, slot * len(tasks) + 2), 4.2), layout="constrained")
    ax = figure.subplots()
    width = 0.8 / len(backends)
    for b, backend in enumerate(backends):
        xs, heights, low, high = [], [], [], []
        for t, task in enumerate(tasks):
            match = next((s for s in shown if _panel(s.task, s.division, summaries) == task
                          and s.backend == backend), None)
            if match is None:
                continue
            xs.append(t - 0.4 + width * (b + 0.5))
            heights.append(match.fit.median)
            low.append(max(match.fit.median - match.fit.q1, 0.0))
            high.append(max(match.fit.q3 - match.fit.median, 0.0))
        ax.bar(xs, heights, width, yerr=[low, high], capsize=2, color=colours[backend], label=backend)
    _log_axis(ax, "y")
    ax.set_xticks(range(len(tasks)), [visible(task) for task in tasks])
    ax.set_ylabel("fit seconds, median (log)")
    ax.set_title("Fit time per backend and task (bars: median; whiskers: IQR)", fontsize="medium")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def _plot_curves(records: list[Record], colours: dict[str, Any], title: str,
                 x_of: Callable[[dict[str, Any]], Any], y_of: Callable[[dict[str, Any], Record], Any],
                 x_label: str, y_label: Callable[[Record], str],
                 target_line: bool = False) -> Figure | None:
    with_curves = [r for r in _ok(records) if r.curve]
    tasks = list(dict.fromkeys(_panel(r.task, r.division, records) for r in with_curves))
    if not tasks:
        return None
    figure, axes = _grid(tasks, title)
    for task, ax in zip(tasks, axes):
        labelled: set[str] = set()
        xs_all, ys_all = [], []
        runs = [r for r in with_curves if _panel(r.task, r.division, records) == task]
        for record in runs:
            points = [(x_of(p), y_of(p, record)) for p in record.curve or []]
            points = [(x, y) for x, y in points if _finite(x) and _finite(y)]
            if not points:
                continue
            xs, ys = zip(*points)
            xs_all += xs
            ys_all += ys
            backend = record.backend
            ax.plot(xs, ys, color=colours[backend], alpha=0.6, linewidth=1.2,
                    marker="o" if len(xs) < 5 else None, markersize=4,
                    label=None if backend in labelled else backend)
            labelled.add(backend)
        target = next((r.target for r in runs if r.target), None)
        if target_line and target and _finite(target.get("value")):
            ax.axhline(target["value"], color="black", linestyle="--", linewidth=1, label="target")
        if xs_all and min(xs_all) > 0:
            _log_axis(ax, "x")
        if not target_line and ys_all and min(ys_all) > 0:
            _log_axis(ax, "y")
        ax.set_title(task)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label(runs[0]))
        ax.grid(True, alpha=0.3)
        if labelled:
            ax.legend(fontsize="small")
    return figure


def plot_learning_curves(records: list[Record], colours: dict[str, Any]) -> Figure | None:
    return _plot_curves(records, colours, "Learning curves: training loss per epoch (every seed)",
                        x_of=lambda p: p.get("epoch"), y_of=lambda p, r: p.get("loss"),
                        x_label="epoch (log)", y_label=lambda r: "training loss (as the backend reports it)")


def plot_time_to_target(records: list[Record], colours: dict[str, Any]) -> Figure | None:
    def metric_of(point: dict[str, Any], record: Record) -> Any:
        return point.get(record.target_metric or "")

    return _plot_curves(records, colours, "Time to target: held-out metric against training seconds",
                        x_of=lambda p: p.get("seconds"), y_of=metric_of,
                        x_label="training seconds (log)",
                        y_label=lambda r: r.target_metric or "metric",
                        target_line=True)


def figures(records: Sequence[Record | Mapping[str, Any]],
            summaries: list[GroupSummary]) -> dict[str, Figure]:
    """Every figure there is data for, by file stem, laid out with no colliding tick labels."""
    records = as_records(records)
    colours = backend_colours([r.backend for r in records])
    drawn = {
        "metric-vs-fit-time": plot_metric_vs_time(summaries, colours),
        "fit-time": plot_fit_time(summaries, colours),
        "learning-curves": plot_learning_curves(records, colours),
        "time-to-target": plot_time_to_target(records, colours),
        "tuning": plot_tuning(records, colours),
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
        for (backend, device, spec), points in lines.items():
            points.sort(key=lambda r: position[r.run])
            label = backend + (f" {device} {spec}" if labelled_twice else "")
            xs = [position[r.run] for r in points]
            style = {"color": colours[backend], "marker": "o", "markersize": 4, "label": label}
            metric_ax.plot(xs, [r.metric_value for r in points], **style)
            time_ax.plot(xs, [r.fit_median for r in points], **style)
        metric_name = next((r.metric for r in series if r.metric), None) or "metric"
        metric_ax.set_ylabel(metric_name)
        metric_ax.set_title(f"{metric_name}, mean over seeds", fontsize="medium")
        time_ax.set_ylabel("fit seconds, median (log)")
        time_ax.set_title("fit time, median over seeds", fontsize="medium")
        if all(_finite(r.fit_median) and r.fit_median > 0 for r in series):
            _log_axis(time_ax, "y")
        for ax in (metric_ax, time_ax):
            ax.set_xlabel("run (oldest → newest)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, alpha=0.3)
        time_ax.legend(fontsize="small")
        where = f" — environment {environment}" if len(environments) > 1 else ""
        figure.suptitle(f"History: {task} ({division}){where}, {len(runs)} runs")
        stem = "history-" + safe_name(f"{task}-{division}" + (f"-{environment}" if where else ""))
        declutter(figure)
        drawn[stem] = figure
    return drawn


def write_history_plots(rows: Sequence[Any], directory: Path) -> list[Path]:
    """The history figures as PNG and SVG in ``directory``."""
    directory = Path(directory)
    paths: list[Path] = []
    for stem, figure in history_figures(rows).items():
        owned.make_folder(directory, "the history folder")
        paths += _save(figure, directory, stem)
    return paths

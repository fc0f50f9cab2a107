"""The answer first: per task and division, the backends ranked by the metric and by fit time.

Each backend is shown as a ratio to the best one (``torch 1.00×, numpy 1.4×``):

* **fit time**: its median fit time over the fastest median (≥ 1);
* **metric**: how many times worse than the best value, in the metric's own
  direction (the task's target, else the registry): ``best / value`` for a
  metric where higher is better, ``value / best`` where lower is better;
  when a ratio is undefined (a best error of 0, a non-positive value) the
  mean itself is shown.

A backend whose difference from the best is inside the seed noise is a
**tie** (marked ``(tie)``), by the rules ``compare`` applies between two
files: Welch's t over seeds at α = 0.05 for the metric
(:func:`bench.report.stats.metric_change`), and for fit time the noise band
``1 ± max(10 %, relative IQR)`` together with Welch's t on log times
(:func:`bench.report.compare.time_change`). Failed and skipped groups are not
ranked (listed apart), nor is a group with an ok run whose metric or fit time
is missing, NaN or infinite: it is listed as ``label (no valid metric)``, never
called best or fastest. The two divisions are never ranked together.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.core.conditions import untrusted
from bench.core.record import GroupKey, Record, as_records
from bench.report.compare import time_change
from bench.report.stats import ALPHA, metric_change
from bench.report.summary import (
    group_records,
    invalid_runs,
    lower_is_better,
    main_metric,
    metric_values,
    ok_values,
)

Row = dict[str, str]


@dataclass
class Standing:
    """One backend (× device × spec) of a task and division, against the best of them."""

    label: str
    backend: str
    metric_mean: float = math.nan
    metric_ratio: float = math.nan
    metric_tie: bool = False
    fit_median: float = math.nan
    time_ratio: float = math.nan
    time_tie: bool = False
    #: "contended" / "unstable" when any ok run's timing was (its time ranking is not to be trusted)
    marks: str = ""


@dataclass
class Answer:
    """The ranking of one task in one division."""

    task: str
    division: str
    metric: str | None
    lower_better: bool
    by_metric: list[Standing] = field(default_factory=list)
    by_time: list[Standing] = field(default_factory=list)
    #: labels of groups without an ok run (not ranked)
    unranked: list[str] = field(default_factory=list)

    @property
    def standings(self) -> list[Standing]:
        """Every ranked entry, fastest first."""
        return self.by_time or self.by_metric


def _labels(keys: list[GroupKey]) -> dict[GroupKey, str]:
    """Backend names, with the device or spec key only where a backend appears more than once."""
    devices = {k.device for k in keys}
    per_backend: dict[tuple[str, str], int] = defaultdict(int)
    for key in keys:
        per_backend[(key.backend, key.device)] += 1
    labels = {}
    for key in keys:
        label = key.backend + (f"@{key.device}" if len(devices) > 1 else "")
        if per_backend[(key.backend, key.device)] > 1:
            label += f" [{key.spec}]"
        labels[key] = label
    return labels


def metric_ratio(value: float, best: float, lower_better: bool) -> float:
    """How many times worse ``value`` is than ``best``: ≥ 1, NaN where the ratio is undefined."""
    if not (math.isfinite(value) and math.isfinite(best)) or value <= 0 or best <= 0:
        return 1.0 if value == best else math.nan
    return value / best if lower_better else best / value


def rank_task(task: str, division: str, groups: Mapping[GroupKey, list[Record]],
              alpha: float = ALPHA) -> Answer:
    """The :class:`Answer` of one task and division from its groups' records."""
    all_records = [r for records in groups.values() for r in records]
    metric = main_metric(all_records)
    lower = lower_is_better(metric, all_records) if metric else False
    answer = Answer(task, division, metric, lower)
    labels = _labels(list(groups))
    entries: list[tuple[Standing, list[float], list[float]]] = []
    for key, records in groups.items():
        if not any(r.ok for r in records):
            answer.unranked.append(labels[key])
            continue
        if invalid_runs(records, metric):
            answer.unranked.append(f"{labels[key]} (no valid metric)")
            continue
        values = metric_values(records, metric) if metric else []
        times = [t for t in ok_values(records, "fit_seconds") if t > 0]
        standing = Standing(labels[key], key.backend,
                            metric_mean=float(np.mean(values)) if values else math.nan,
                            fit_median=float(np.median(times)) if times else math.nan,
                            marks=", ".join(untrusted([r for r in records if r.ok])))
        entries.append((standing, values, times))
    with_metric = [e for e in entries if e[1]]
    if with_metric:
        with_metric.sort(key=lambda e: e[0].metric_mean, reverse=not lower)
        best, best_values = with_metric[0][0], with_metric[0][1]
        for standing, values, _ in with_metric:
            standing.metric_ratio = metric_ratio(standing.metric_mean, best.metric_mean, lower)
            standing.metric_tie = standing is not best and metric_change(best_values, values, alpha)[0] == 0
        answer.by_metric = [e[0] for e in with_metric]
    with_time = [e for e in entries if e[2]]
    if with_time:
        with_time.sort(key=lambda e: e[0].fit_median)
        fastest, fastest_times = with_time[0][0], with_time[0][2]
        for standing, _, times in with_time:
            standing.time_ratio = standing.fit_median / fastest.fit_median
            standing.time_tie = standing is not fastest and time_change(fastest_times, times, alpha)[1] == 0
        answer.by_time = [e[0] for e in with_time]
    return answer


def answers(records: Iterable[Record | Mapping[str, Any]], alpha: float = ALPHA) -> list[Answer]:
    """One :class:`Answer` per task and division, in the order the tasks first appear."""
    by_task: dict[tuple[str, str], dict[GroupKey, list[Record]]] = defaultdict(dict)
    for key, group in group_records(as_records(records)).items():
        by_task[(key.task, key.division)][key] = group
    return [rank_task(task, division, groups, alpha) for (task, division), groups in by_task.items()]


def ratio_text(ratio: float) -> str:
    """``1.00×`` below 10, ``12×`` above; a dash when undefined."""
    if not math.isfinite(ratio):
        return "–"
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.3g}×"


def _entry(label: str, ratio: float, tie: bool, fallback: str, marks: str = "") -> str:
    text = ratio_text(ratio) if math.isfinite(ratio) else fallback
    return f"{label} {text}" + (" (tie)" if tie else "") + (f" [{marks}]" if marks else "")


def metric_ranking_text(answer: Answer) -> str:
    return ", ".join(_entry(s.label, s.metric_ratio, s.metric_tie, f"{s.metric_mean:.4g}")
                     for s in answer.by_metric) or "–"


def time_ranking_text(answer: Answer) -> str:
    return ", ".join(_entry(s.label, s.time_ratio, s.time_tie, "–", s.marks) for s in answer.by_time) or "–"


def answer_rows(items: list[Answer]) -> list[Row]:
    """The table that opens every report: one row per task and division."""
    show_division = len({a.division for a in items}) > 1
    rows = []
    for a in items:
        row: Row = {"task": a.task}
        if show_division:
            row["division"] = a.division
        best = a.by_metric[0] if a.by_metric else None
        direction = "lower" if a.lower_better else "higher"
        row["metric"] = f"{a.metric} ({direction} is better)" if a.metric else "–"
        row["best"] = f"{best.label} {best.metric_mean:.4g}" if best else "–"
        row["by metric"] = metric_ranking_text(a)
        fastest = a.by_time[0] if a.by_time else None
        row["fastest"] = _entry(fastest.label, math.nan, False, f"{fastest.fit_median:.3g} s",
                                fastest.marks) if fastest else "–"
        row["by fit time"] = time_ranking_text(a)
        if any(x.unranked for x in items):
            row["not ranked"] = ", ".join(a.unranked) or "–"
        rows.append(row)
    return rows

"""Compare two results files cell by cell, flagging only changes beyond the seed noise.

Cells are keyed on (backend, task, spec key, device); the spec key ignores
the seed. For each cell present in both files:

* **metric** (the task's target metric): ``delta = mean(NEW) − mean(OLD)``.
  It is a change when Welch's unequal-variance t-test rejects "same mean" at
  ``alpha`` (two-sided, default 0.05). When both sides have no spread at all
  (deterministic results) any difference is a change. With fewer than two
  seeds on a side the noise cannot be measured and the metric is "unchanged"
  (noted).
* **fit time**: ``ratio = median(NEW) / median(OLD)``. It is a change when
  both (a) the ratio leaves the noise band ``1 ± max(tolerance, relative IQR
  of OLD, relative IQR of NEW)`` (tolerance default 10 %; relative IQR =
  IQR / median, the seeds' own spread) and (b) Welch's t-test on the log
  times rejects at ``alpha`` (skipped, i.e. (a) alone decides, when a side
  has one seed).
* **status**: a cell whose runs were all ok in OLD and are not all ok in NEW
  is worse; the reverse is better.

A cell's verdict is "worse" when any of the three got worse, "better" when
one improved and none got worse, else "unchanged".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.core.results import read_records
from bench.report.summary import (
    TimeStats,
    environments,
    group_records,
    lower_is_better,
    main_metric,
    median_iqr,
    metric_values,
    ok_values,
)
from bench.run.resume import latest_per_cell

ALPHA = 0.05
TIME_TOLERANCE = 0.10

CellKey = tuple[str, str, str, str]  # backend, task, spec key, device


def cells(records: list[dict[str, Any]]) -> dict[CellKey, list[dict[str, Any]]]:
    """Records by cell key, grouped as the summary groups them (a record without spec included)."""
    return {(backend, task, spec, device): group
            for (task, backend, device, spec), group in group_records(records).items()}


def welch_p_value(old: list[float], new: list[float]) -> float:
    """Two-sided p-value of Welch's t-test; NaN when a side has < 2 values or both lack spread."""
    if len(old) < 2 or len(new) < 2:
        return math.nan
    if np.std(old) == 0 and np.std(new) == 0:
        return math.nan
    from scipy import stats  # imported here: scipy.stats costs seconds at CLI start-up

    return float(stats.ttest_ind(new, old, equal_var=False).pvalue)


def metric_change(old: list[float], new: list[float], alpha: float = ALPHA) -> tuple[int, str]:
    """(+1 increase / −1 decrease / 0 no change beyond noise, note)."""
    if not old or not new:
        return 0, "no metric on one side"
    delta = float(np.mean(new) - np.mean(old))
    if len(old) < 2 or len(new) < 2:
        return 0, "too few seeds to measure noise"
    if np.std(old) == 0 and np.std(new) == 0:
        return (0, "") if abs(delta) <= 1e-12 else (int(np.sign(delta)), "deterministic")
    p = welch_p_value(old, new)
    if p < alpha:
        return int(np.sign(delta)), f"Welch p={p:.3g}"
    return 0, f"within noise (p={p:.2g})"


def time_change(old: list[float], new: list[float], alpha: float = ALPHA,
                tolerance: float = TIME_TOLERANCE) -> tuple[float, int, str]:
    """(NEW/OLD median ratio, +1 slower / −1 faster / 0 within noise, note)."""
    old, new = [t for t in old if t > 0], [t for t in new if t > 0]
    if not old or not new:
        return math.nan, 0, "no time on one side"
    before, after = TimeStats.of(old), TimeStats.of(new)
    ratio = after.median / before.median
    # the band widens to either side's relative IQR (IQR / median): the seeds' own spread
    band = max(tolerance, before.iqr / before.median, after.iqr / after.median)
    if abs(ratio - 1) <= band:
        return ratio, 0, f"within ±{band:.0%}"
    p = welch_p_value(list(np.log(old)), list(np.log(new)))
    if math.isfinite(p) and p >= alpha:
        return ratio, 0, f"within noise (p={p:.2g})"
    return ratio, 1 if ratio > 1 else -1, f"beyond ±{band:.0%}"


@dataclass
class CellComparison:
    backend: str
    task: str
    spec_key: str
    device: str
    metric: str | None
    old_metric: float = math.nan
    new_metric: float = math.nan
    old_runs: str = ""
    new_runs: str = ""
    delta: float = math.nan
    old_fit: float = math.nan
    new_fit: float = math.nan
    time_ratio: float = math.nan
    verdict: str = "unchanged"
    reasons: list[str] = field(default_factory=list)


def compare_cell(key: CellKey, old: list[dict[str, Any]], new: list[dict[str, Any]],
                 alpha: float = ALPHA, tolerance: float = TIME_TOLERANCE) -> CellComparison:
    metric = main_metric(old + new)
    result = CellComparison(*key, metric=metric)
    ok_old = sum(r.get("status") == "ok" for r in old)
    ok_new = sum(r.get("status") == "ok" for r in new)
    result.old_runs, result.new_runs = f"{ok_old}/{len(old)}", f"{ok_new}/{len(new)}"
    worse, better = [], []
    if ok_old == len(old) and ok_new < len(new):
        worse.append(f"{len(new) - ok_new} run(s) not ok")
    elif ok_new == len(new) and ok_old < len(old):
        better.append("all runs ok now")
    if metric:
        old_values, new_values = metric_values(old, metric), metric_values(new, metric)
        if old_values and new_values:
            result.old_metric, result.new_metric = float(np.mean(old_values)), float(np.mean(new_values))
            result.delta = result.new_metric - result.old_metric
        sign, note = metric_change(old_values, new_values, alpha)
        improved = sign == (-1 if lower_is_better(metric, old + new) else 1)
        if sign:
            (better if improved else worse).append(f"{metric} {result.delta:+.4g} ({note})")
        elif note:
            result.reasons.append(f"{metric}: {note}")
    old_times, new_times = ok_values(old, "fit_seconds"), ok_values(new, "fit_seconds")
    if old_times and new_times:
        result.old_fit, result.new_fit = median_iqr(old_times)[0], median_iqr(new_times)[0]
    result.time_ratio, slower, note = time_change(old_times, new_times, alpha, tolerance)
    if slower:
        (worse if slower > 0 else better).append(f"fit time ×{result.time_ratio:.2f} ({note})")
    elif note:
        result.reasons.append(f"time: {note}")
    result.verdict = "worse" if worse else "better" if better else "unchanged"
    result.reasons = worse + better + result.reasons
    return result


@dataclass
class Comparison:
    cells: list[CellComparison]
    only_old: list[CellKey]
    only_new: list[CellKey]
    warnings: list[str]

    @property
    def regressions(self) -> list[CellComparison]:
        return [c for c in self.cells if c.verdict == "worse"]


def environment_warnings(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """One line per environment field whose values differ between the two files."""
    before, after = environments(old), environments(new)
    lines = []
    for name in sorted(set(before) | set(after)):
        if name == "hostname":
            continue
        a, b = before.get(name, set()), after.get(name, set())
        if a and b and a != b:
            lines.append(f"environments differ: {name} {' | '.join(sorted(a))} (old) vs "
                         f"{' | '.join(sorted(b))} (new); timings may not be comparable")
    return lines


def data_warnings(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """One line per task whose data file (sha256 in ``evaluation.data``) differs between the two files."""
    def digests(records: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        for record in records:
            data = (record.get("evaluation") or {}).get("data") or {}
            if data.get("sha256"):
                found.setdefault(record["task"], set()).add((data.get("file", "?"), data["sha256"]))
        return found

    before, after = digests(old), digests(new)
    lines = []
    for task in sorted(set(before) & set(after)):
        if before[task] != after[task]:
            shown = [" | ".join(f"{name} sha256 {digest[:12]}…" for name, digest in sorted(side))
                     for side in (before[task], after[task])]
            lines.append(f"data differ: task {task} was run on {shown[0]} (old) vs {shown[1]} (new); "
                         "its metrics are not comparable")
    return lines


def compare_records(old: list[dict[str, Any]], new: list[dict[str, Any]], alpha: float = ALPHA,
                    tolerance: float = TIME_TOLERANCE) -> Comparison:
    old_cells, new_cells = cells(old), cells(new)
    shared = [k for k in old_cells if k in new_cells]
    return Comparison(
        cells=[compare_cell(k, old_cells[k], new_cells[k], alpha, tolerance) for k in shared],
        only_old=[k for k in old_cells if k not in new_cells],
        only_new=[k for k in new_cells if k not in old_cells],
        warnings=environment_warnings(old, new) + data_warnings(old, new),
    )


def compare_files(old: Path, new: Path, alpha: float = ALPHA,
                  tolerance: float = TIME_TOLERANCE) -> Comparison:
    return compare_records(latest_per_cell(read_records(old)), latest_per_cell(read_records(new)),
                           alpha, tolerance)


def comparison_rows(comparison: Comparison) -> list[dict[str, str]]:
    from bench.report.tables import fmt

    rows = []
    for c in comparison.cells:
        rows.append({
            "backend": c.backend, "task": c.task, "device": c.device, "spec": c.spec_key,
            "runs old→new": f"{c.old_runs} → {c.new_runs}",
            "metric": c.metric or "–",
            "old": fmt(c.old_metric, 4), "new": fmt(c.new_metric, 4),
            "delta": "–" if not math.isfinite(c.delta) else f"{c.delta:+.4g}",
            "fit s old": fmt(c.old_fit), "fit s new": fmt(c.new_fit),
            "time ratio": fmt(c.time_ratio, 3),
            "verdict": c.verdict, "why": "; ".join(c.reasons),
        })
    return rows


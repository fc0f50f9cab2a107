"""Compare two results files cell by cell, flagging only changes beyond the seed noise.

Cells are keyed as summary rows are (:class:`~bench.core.record.GroupKey`:
task, backend, device, division, spec key); the spec key ignores the seed,
and the two divisions are never compared with each other. For each cell
present in both files:

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
* **contention**: when a side's ok runs include any measured under
  contention or with unstable epochs (``conditions``,
  :mod:`bench.core.conditions`), its fit time gets no verdict (noted, with
  the counts) unless ``trust_contended``: a busy machine is not a regression.
* **status**: a cell whose runs were all ok in OLD and are not all ok in NEW
  is worse; the reverse is better.
* **validity**: an ok run whose metric or fit time is missing, NaN or
  infinite has **no valid metric**; such runs in NEW make the cell worse
  (its means are not compared), such runs only in OLD make it better. A
  metric that broke never reads as "unchanged".

A cell's verdict is "worse" when any of the three got worse, "better" when
one improved and none got worse, else "unchanged". As a CI gate
(:meth:`Comparison.gate_failures`), cells of OLD missing from NEW and a NEW
file without one complete record fail too: a gate must not pass on nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.core.conditions import untrusted_text
from bench.core.record import GroupKey, Record, as_records, latest_per_cell
from bench.core.results import read_typed
from bench.report.numbers import fmt
from bench.report.stats import ALPHA, median_iqr, metric_change, welch_p_value
from bench.report.summary import (
    TimeStats,
    environments,
    executor_counts,
    executors_text,
    group_records,
    invalid_runs,
    lower_is_better,
    main_metric,
    metric_values,
    ok_values,
)

TIME_TOLERANCE = 0.10
#: The verdict of a cell whose only change was a fit time measured under contention.
NOT_JUDGED = "not judged"

__all__ = ["ALPHA", "TIME_TOLERANCE", "metric_change", "welch_p_value"]

def cells(records: list[Record]) -> dict[GroupKey, list[Record]]:
    """Records by group key, grouped as the summary groups them (a record without spec included).

    A compare cell is a summary group (:class:`~bench.core.record.GroupKey`): every seed of one
    network in one division — not a matrix cell (:class:`~bench.core.record.CellKey`), one seed.
    """
    return group_records(records)


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
    division: str
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


def untrusted_sides(old: list[Record], new: list[Record]) -> str:
    """``OLD 2/3 contended; NEW 1/3 unstable``: the sides whose ok runs' timings are untrusted, or ``""``."""
    sides = [f"{name} {text}" for name, records in (("OLD", old), ("NEW", new))
             if (text := untrusted_text([r for r in records if r.ok]))]
    return "; ".join(sides)


def compare_cell(key: GroupKey, old: list[Record], new: list[Record], alpha: float = ALPHA,
                 tolerance: float = TIME_TOLERANCE, trust_contended: bool = False) -> CellComparison:
    metric = main_metric(old + new)
    result = CellComparison(backend=key.backend, task=key.task, spec_key=key.spec, device=key.device,
                            division=key.division, metric=metric)
    ok_old = sum(r.ok for r in old)
    ok_new = sum(r.ok for r in new)
    result.old_runs, result.new_runs = f"{ok_old}/{len(old)}", f"{ok_new}/{len(new)}"
    worse, better = [], []
    if ok_old == len(old) and ok_new < len(new):
        worse.append(f"{len(new) - ok_new} run(s) not ok")
    elif ok_new == len(new) and ok_old < len(old):
        better.append("all runs ok now")
    bad_old, bad_new = invalid_runs(old, metric), invalid_runs(new, metric)
    if bad_new:
        worse.append(f"{bad_new} ok run(s) with no valid {metric or 'metric'} or fit time "
                     "(NaN, infinite or missing)")
    elif bad_old:
        better.append(f"valid {metric or 'metric'} again ({bad_old} ok run(s) of OLD had none)")
    if metric and not (bad_old or bad_new):
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
    doubt = untrusted_sides(old, new)
    withheld = bool(doubt and slower and not trust_contended)
    if withheld:
        slower, note = 0, (f"fit time ×{result.time_ratio:.2f} not judged: timed on a busy machine "
                           f"({doubt}; --trust-contended judges it)")
    elif doubt:
        note = f"{note}; {doubt}"
    if slower:
        (worse if slower > 0 else better).append(f"fit time ×{result.time_ratio:.2f} ({note})")
    elif note:
        result.reasons.append(note if withheld else f"time: {note}")
    result.verdict = "worse" if worse else "better" if better else NOT_JUDGED if withheld else "unchanged"
    result.reasons = worse + better + result.reasons
    return result


@dataclass
class Comparison:
    cells: list[CellComparison]
    only_old: list[GroupKey]
    only_new: list[GroupKey]
    warnings: list[str]
    #: complete records in each file (after a --retry-failed re-run replaced its cell)
    old_records: int = 0
    new_records: int = 0

    @property
    def regressions(self) -> list[CellComparison]:
        return [c for c in self.cells if c.verdict == "worse"]

    def gate_failures(self) -> list[str]:
        """Why a CI gate (``--fail-on-regression``) fails, one line each; empty when it passes."""
        if not self.new_records:
            return ["NEW holds no complete record: nothing to judge"]
        failures = []
        if self.regressions:
            failures.append(f"{len(self.regressions)} cell(s) worse")
        if self.only_old:
            failures.append(f"{len(self.only_old)} cell(s) of OLD missing from NEW")
        return failures


def environment_warnings(old: list[Record], new: list[Record]) -> list[str]:
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


def executor_warnings(old: list[Record], new: list[Record]) -> list[str]:
    """One line when the two files were run by different executors (serial and dask times do not compare)."""
    before, after = executor_counts(old), executor_counts(new)
    if not before or not after or set(before) == set(after):
        return []
    return [f"executors differ: {executors_text(before)} (old) vs {executors_text(after)} (new); "
            "fit times may not be comparable"]


def data_warnings(old: list[Record], new: list[Record]) -> list[str]:
    """One line per task whose data file (sha256 in ``evaluation.data``) differs between the two files."""
    def digests(records: list[Record]) -> dict[str, set[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        for record in records:
            data = (record.evaluation or {}).get("data") or {}
            if data.get("sha256"):
                found.setdefault(record.task, set()).add((data.get("file", "?"), data["sha256"]))
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


def compare_records(old: Sequence[Record | Mapping[str, Any]], new: Sequence[Record | Mapping[str, Any]],
                    alpha: float = ALPHA, tolerance: float = TIME_TOLERANCE,
                    trust_contended: bool = False) -> Comparison:
    old, new = as_records(old), as_records(new)
    old_cells, new_cells = cells(old), cells(new)
    shared = [k for k in old_cells if k in new_cells]
    return Comparison(
        cells=[compare_cell(k, old_cells[k], new_cells[k], alpha, tolerance, trust_contended)
               for k in shared],
        only_old=[k for k in old_cells if k not in new_cells],
        only_new=[k for k in new_cells if k not in old_cells],
        warnings=environment_warnings(old, new) + executor_warnings(old, new) + data_warnings(old, new),
        old_records=len(old), new_records=len(new),
    )


def compare_files(old: Path, new: Path, alpha: float = ALPHA, tolerance: float = TIME_TOLERANCE,
                  trust_contended: bool = False) -> Comparison:
    return compare_records(latest_per_cell(read_typed(old)), latest_per_cell(read_typed(new)),
                           alpha, tolerance, trust_contended)


def comparison_rows(comparison: Comparison) -> list[dict[str, str]]:
    """Display rows, one per cell; a ``division`` column when the cells hold more than one."""
    show_division = len({c.division for c in comparison.cells}) > 1
    rows = []
    for c in comparison.cells:
        row = {"backend": c.backend, "task": c.task}
        if show_division:
            row["division"] = c.division
        row.update({
            "device": c.device, "spec": c.spec_key,
            "runs old→new": f"{c.old_runs} → {c.new_runs}",
            "metric": c.metric or "–",
            "old": fmt(c.old_metric, 4), "new": fmt(c.new_metric, 4),
            "delta": "–" if not math.isfinite(c.delta) else f"{c.delta:+.4g}",
            "fit s old": fmt(c.old_fit), "fit s new": fmt(c.new_fit),
            "time ratio": fmt(c.time_ratio, 3),
            "verdict": c.verdict, "why": "; ".join(c.reasons),
        })
        rows.append(row)
    return rows


def describe_key(key: GroupKey) -> str:
    """``backend × task (device, division, spec key)`` for the lines about unmatched cells."""
    return f"{key.backend} × {key.task} ({key.device}, {key.division}, spec {key.spec})"

"""What tuning bought: per task and backend, the tuned division's test metric against the open division's,
and the best validation score against cumulative tuning time (the figure's data).

A tuned record (division ``tuned``) holds its whole tuning in ``tuning``
(:class:`bench.core.tuning.TuningOutcome` as a dict); the open record of the same
backend × task × seed × device is its untuned counterpart: the same recipe with
the suite's fixed values. The two divisions are never ranked together (the answer
table ranks the tuned division on its own); this table only sets each backend's
tuned result beside its own open one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from bench.core.record import Record, as_records
from bench.report.numbers import DASH, fmt
from bench.report.render import Row
from bench.report.stats import metric_change
from bench.report.summary import lower_is_better, main_metric, metric_values

TUNED_HEADING = "Tuned against open: what tuning bought"
TUNED_NOTE = (
    "Each backend's tuned division (the open recipe after the same random search for every backend: "
    "learning rate, batch size, optimizer, best epoch on a validation split of the training rows; "
    "docs/tuned.md) against its own open division (the suite's fixed values). Metric: mean over seeds on "
    "the test rows; change: tuned − open, with Welch's t over seeds (\"within noise\" is no change). "
    "Tuning time: the trials' wall time per cell, median over seeds."
)


@dataclass
class TunedPair:
    """One task × backend × device: its open and tuned records (every seed) and their main metric."""

    task: str
    backend: str
    device: str
    metric: str | None = None
    open: list[Record] = field(default_factory=list)
    tuned: list[Record] = field(default_factory=list)


def tuned_pairs(records: Iterable[Record | dict]) -> list[TunedPair]:
    """The pairs of every task × backend × device that ran the tuned division, in file order."""
    pairs: dict[tuple[str, str, str], TunedPair] = {}
    records = as_records(records)
    for record in records:
        if record.division == "tuned":
            key = (record.task, record.backend, str(record.cell_key.device))
            pairs.setdefault(key, TunedPair(*key)).tuned.append(record)
    for record in records:
        key = (record.task, record.backend, str(record.cell_key.device))
        if record.division == "open" and key in pairs:
            pairs[key].open.append(record)
    for pair in pairs.values():
        pair.metric = main_metric(pair.tuned + pair.open)
    return list(pairs.values())


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else math.nan


def _change(pair: TunedPair) -> tuple[str, str]:
    """(tuned − open as text, verdict) in the metric's own direction."""
    if pair.metric is None:
        return DASH, ""
    before, after = metric_values(pair.open, pair.metric), metric_values(pair.tuned, pair.metric)
    if not before or not after:
        return DASH, "no open run to compare" if not before else "no ok tuned run"
    sign, note = metric_change(before, after)
    better = sign < 0 if lower_is_better(pair.metric, pair.tuned) else sign > 0
    verdict = "no change" if sign == 0 else ("better" if better else "worse")
    return f"{_mean(after) - _mean(before):+.4g}", f"{verdict} ({note})" if note else verdict


def chosen_text(record: Record) -> str:
    """``lr 0.02, batch 16, sgd, 40 ep`` of a tuned record's chosen values."""
    tuning = record.tuning or {}
    values = tuning.get("chosen_values")
    if not isinstance(values, dict):
        return DASH
    batch = values.get("batch_size") or "all"
    return (f"lr {fmt(values.get('learning_rate'))}, batch {batch}, {values.get('optimizer')}, "
            f"{tuning.get('chosen_epochs')} ep")


def tuned_rows(records: Iterable[Record | dict]) -> list[Row]:
    """One row per task × backend × device of the tuned division."""
    rows = []
    for pair in tuned_pairs(records):
        metric = pair.metric
        open_values = metric_values(pair.open, metric) if metric else []
        tuned_values = metric_values(pair.tuned, metric) if metric else []
        change, verdict = _change(pair)
        trials = [len(_trials(r.tuning)) for r in pair.tuned]
        seconds = [s for r in pair.tuned if r.tuning
                   for s in [_seconds((r.tuning or {}).get("tuning_seconds"))] if s is not None]
        rows.append({
            "task": pair.task, "backend": pair.backend, "metric": metric or DASH,
            "open": fmt(_mean(open_values), 4), "tuned": fmt(_mean(tuned_values), 4),
            "change": change, "verdict": verdict,
            "trials per cell": ", ".join(sorted({str(n) for n in trials})) or DASH,
            "tuning s": fmt(float(np.median(seconds)) if seconds else None),
            "chosen (first seed)": chosen_text(pair.tuned[0]) if pair.tuned else DASH,
        })
    return rows


@dataclass
class TuningTrace:
    """One backend's best validation score so far against cumulative tuning seconds, averaged over seeds
    trial by trial (the tuning figure's line)."""

    task: str
    backend: str
    metric: str
    seconds: list[float]
    best: list[float]


def tuning_traces(records: Iterable[Record | dict]) -> list[TuningTrace]:
    """Per task and backend of the tuned division: the running best validation score after each trial."""
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in as_records(records):
        if record.division == "tuned" and _trials(record.tuning):
            groups[(record.task, record.backend)].append(record)
    traces = []
    for (task, backend), group in groups.items():
        curves = [_running_best(r.tuning or {}) for r in group]
        length = min(len(seconds) for seconds, _ in curves)
        if not length:
            continue
        seconds = [float(np.mean([c[0][i] for c in curves])) for i in range(length)]
        best = [float(np.nanmean([c[1][i] for c in curves])) if any(math.isfinite(c[1][i]) for c in curves)
                else math.nan for i in range(length)]
        traces.append(TuningTrace(task, backend, str((group[0].tuning or {}).get("metric")), seconds, best))
    return traces


def _running_best(tuning: dict) -> tuple[list[float], list[float]]:
    """Cumulative trial wall seconds and the best validation score so far (NaN before the first ok one)."""
    maximise = tuning.get("direction") != "min"
    total, best, seconds, scores = 0.0, math.nan, [], []
    for trial in _trials(tuning):
        total += next((s for s in (_seconds(trial.get(k)) for k in ("wall_seconds", "fit_seconds"))
                       if s is not None), 0.0)
        score = trial.get("validation_score")
        if trial.get("status") == "ok" and isinstance(score, (int, float)) and math.isfinite(score):
            better = math.isnan(best) or (score > best if maximise else score < best)
            best = float(score) if better else best
        seconds.append(total)
        scores.append(best)
    return seconds, scores


def _trials(tuning: object) -> list[dict]:
    """The trials of a record's ``tuning`` that are tables (another tool's record may hold anything)."""
    trials = tuning.get("trials") if isinstance(tuning, dict) else None
    return [trial for trial in trials if isinstance(trial, dict)] if isinstance(trials, list) else []


def _seconds(value: object) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and value >= 0  # type: ignore[operator]
    return float(value) if ok else None

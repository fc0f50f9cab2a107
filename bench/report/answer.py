"""The answer first: per task and division, the backends ranked by the metric and by time.

Each backend is shown as a ratio to the best one (``torch 1.00×, numpy 1.4×``):

* **metric**: how many times worse than the best value, in the metric's own
  direction (the task's target, else the registry): ``best / value`` for a
  metric where higher is better, ``value / best`` where lower is better;
  when a ratio is undefined (a best error of 0, a non-positive value) the
  mean itself is shown. The best column names *every* backend tied with the
  leader (equal up to rounding, or inside the seed noise: the rules of
  :mod:`bench.report.ranking`); a single winner only when the difference is significant.
* **time**: only among the backends whose metric reaches the task's target or
  ties with the best (the quality gate); the others are listed as "did not
  reach …", outside the ratio. The time is the time to the target (MLPerf,
  AlgoPerf) when every gated backend reached it in every run, else the fit
  time; its median over seeds over the fastest median (≥ 1). A tie in time is
  compare's rule: the noise band ``1 ± max(10 %, relative IQR)`` together with
  Welch's t on log times (:func:`bench.report.compare.time_change`).

Failed and skipped groups are not ranked (listed apart), nor is a group with
an ok run whose metric or fit time is missing, NaN or infinite: it is listed
as ``label (no valid metric)``, never called best or fastest. A time measured
under contention keeps its mark (``[contended]``) wherever it is named. The
two divisions are never ranked together.
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
from bench.report.ranking import Size, Target, epoch_flops, metric_tie, most_efficient, shared_ranks
from bench.report.stats import ALPHA
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
    #: how it compares with the leader: "equal" (rounding), "noise", "untested" (one seed) or ""
    metric_tie_kind: str = ""
    metric_rank: float = math.nan
    fit_median: float = math.nan
    #: median of the headline time (time to target, else fit time) over the seeds
    time_seconds: float = math.nan
    time_ratio: float = math.nan
    time_tie: bool = False
    time_rank: float = math.nan
    #: passed the quality gate (reached the target or tied with the best): its time is ranked
    qualified: bool = True
    #: "contended" / "unstable" when any ok run's timing was (its time ranking is not to be trusted)
    marks: str = ""
    metric_values: list[float] = field(default_factory=list)
    #: the headline time of each ok seed
    times: list[float] = field(default_factory=list)
    size: Size | None = None


@dataclass
class Answer:
    """The ranking of one task in one division."""

    task: str
    division: str
    metric: str | None
    lower_better: bool
    by_metric: list[Standing] = field(default_factory=list)
    #: the backends past the quality gate, fastest first
    by_time: list[Standing] = field(default_factory=list)
    #: the backends that did not reach the target nor tie with the best: not in the time ratio
    below_gate: list[Standing] = field(default_factory=list)
    #: labels of groups without an ok run (not ranked)
    unranked: list[str] = field(default_factory=list)
    target: Target | None = None
    #: "fit time" or "time to <target>"
    time_basis: str = "fit time"
    #: the arithmetic of an epoch against the most efficient backend's steady epoch
    size: Size | None = None

    @property
    def standings(self) -> list[Standing]:
        """Every ranked entry, fastest first, then those below the quality gate."""
        return self.by_time + self.below_gate or self.by_metric

    @property
    def leaders(self) -> list[Standing]:
        """The best backend by the metric and every backend tied with it."""
        return [s for s in self.by_metric if s.metric_rank == self.by_metric[0].metric_rank]

    @property
    def fastest(self) -> list[Standing]:
        """The fastest backend past the gate and every backend whose time ties with it."""
        return [s for s in self.by_time if s.time_rank == self.by_time[0].time_rank]

    @property
    def overhead_bound(self) -> bool:
        return self.size is not None and self.size.overhead_bound


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


def _standing(label: str, backend: str, records: list[Record], metric: str | None) -> Standing:
    ok = [r for r in records if r.ok]
    values = metric_values(records, metric) if metric else []
    fits = [t for t in ok_values(records, "fit_seconds") if t > 0]
    epochs = [t for t in ok_values(records, "steady_epoch_seconds") if t > 0]
    rows = next((r.evaluation.get("train_rows") for r in ok if r.evaluation), None)
    spec = next((r.spec for r in ok if r.spec), None)
    size = Size(epoch_flops(spec, rows if isinstance(rows, int) else None),
                float(np.median(epochs)) if epochs else math.nan)
    return Standing(label, backend, metric_mean=float(np.mean(values)) if values else math.nan,
                    fit_median=float(np.median(fits)) if fits else math.nan,
                    marks=", ".join(untrusted(ok)), metric_values=values, size=size)


def _rank_metric(standings: list[Standing], lower: bool, alpha: float) -> None:
    """Sort by mean, best first; ratios, ties with the leader and shared ranks, in place."""
    standings.sort(key=lambda s: s.metric_mean, reverse=not lower)
    best = standings[0]
    for s in standings:
        s.metric_ratio = metric_ratio(s.metric_mean, best.metric_mean, lower)
        verdict = metric_tie(best.metric_values, s.metric_values, alpha) if s is not best else None
        s.metric_tie, s.metric_tie_kind = (verdict.tie, verdict.kind) if verdict else (False, "")
    ranks = shared_ranks(len(standings), lambda head, i: metric_tie(
        standings[head].metric_values, standings[i].metric_values, alpha).tie)
    for s, rank in zip(standings, ranks):
        s.metric_rank = rank


def _headline_times(answer: Answer, gated: list[Standing], groups: dict[str, list[Record]]) -> None:
    """Time to target when every gated backend reached it in every ok run, else fit time (in place)."""
    def to_target(records: list[Record]) -> list[float] | None:
        ok = [r for r in records if r.ok]
        times = [r.time_to_target_seconds for r in ok]
        if not ok or any(t is None or not math.isfinite(t) or t <= 0 for t in times):
            return None
        return [float(t) for t in times if t is not None]

    reached = {s.label: to_target(groups[s.label]) for s in gated} if answer.target else {}
    use_target = bool(gated) and bool(reached) and all(reached.get(s.label) for s in gated)
    if use_target and answer.target:
        answer.time_basis = f"time to {answer.target.text}"
    for s in gated:
        if use_target:
            s.times = reached[s.label] or []
        else:
            s.times = [t for t in ok_values(groups[s.label], "fit_seconds") if t > 0]
        s.time_seconds = float(np.median(s.times)) if s.times else math.nan


def _rank_time(answer: Answer, gated: list[Standing], alpha: float) -> None:
    """Sort the gated backends by their headline time; ratios, ties and shared ranks, in place."""
    timed = sorted((s for s in gated if s.times), key=lambda s: s.time_seconds)
    if not timed:
        return
    fastest = timed[0]
    for s in timed:
        s.time_ratio = s.time_seconds / fastest.time_seconds
        s.time_tie = s is not fastest and time_change(fastest.times, s.times, alpha)[1] == 0
    ranks = shared_ranks(len(timed), lambda head, i: time_change(timed[head].times, timed[i].times,
                                                                 alpha)[1] == 0)
    for s, rank in zip(timed, ranks):
        s.time_rank = rank
    answer.by_time = timed


def rank_task(task: str, division: str, groups: Mapping[GroupKey, list[Record]],
              alpha: float = ALPHA) -> Answer:
    """The :class:`Answer` of one task and division from its groups' records."""
    all_records = [r for records in groups.values() for r in records]
    metric = main_metric(all_records)
    lower = lower_is_better(metric, all_records) if metric else False
    answer = Answer(task, division, metric, lower,
                    target=Target.of(next((r.target for r in all_records if r.ok and r.target), None)))
    if answer.target and answer.target.metric != metric:
        answer.target = None
    labels = _labels(list(groups))
    entries: list[Standing] = []
    by_label: dict[str, list[Record]] = {}
    for key, records in groups.items():
        if not any(r.ok for r in records):
            answer.unranked.append(labels[key])
        elif invalid_runs(records, metric):
            answer.unranked.append(f"{labels[key]} (no valid metric)")
        else:
            entries.append(_standing(labels[key], key.backend, records, metric))
            by_label[labels[key]] = records
    with_metric = [s for s in entries if s.metric_values]
    if with_metric:
        _rank_metric(with_metric, lower, alpha)
        answer.by_metric = with_metric
    leaders = {s.label for s in answer.leaders}
    target = answer.target
    for s in entries:
        s.qualified = s.label in leaders or (target is not None and target.reached(s.metric_mean))
    if not with_metric:  # nothing to gate on: every backend's time is ranked
        for s in entries:
            s.qualified = True
    gated = [s for s in entries if s.qualified]
    _headline_times(answer, gated, by_label)
    _rank_time(answer, gated, alpha)
    answer.below_gate = sorted((s for s in entries if not s.qualified), key=lambda s: s.fit_median)
    answer.size = most_efficient([s.size for s in entries if s.size is not None])
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


def gate_text(answer: Answer) -> str:
    """What the backends below the quality gate failed to do."""
    if answer.target:
        return f"did not reach {answer.target.text}"
    return "not tied with the best"


def time_ranking_text(answer: Answer) -> str:
    """Ratios among the backends past the gate; the others named after them, without a ratio."""
    ranked = ", ".join(_entry(s.label, s.time_ratio, s.time_tie, "–", s.marks) for s in answer.by_time)
    if answer.below_gate:
        below = ", ".join(s.label for s in answer.below_gate)
        ranked = "; ".join(part for part in (ranked, f"{gate_text(answer)}: {below}") if part)
    return ranked or "–"


def time_cell_text(answer: Answer, standing: Standing) -> str:
    """A backend's time ratio for the heatmap, or why it is outside the ratio."""
    if not standing.qualified:
        return gate_text(answer)
    return ratio_text(standing.time_ratio) + (" (tie)" if standing.time_tie else "")


def best_text(answer: Answer) -> str:
    """The leader by the metric and every backend tied with it; "all N tie" when nobody is ahead."""
    leaders = answer.leaders
    if not leaders:
        return "–"
    value = f"{leaders[0].metric_mean:.4g}"
    if len(leaders) > 1:
        if len(leaders) == len(answer.by_metric):
            return f"all {len(leaders)} tie ({value})"
        return f"tie: {', '.join(s.label for s in leaders)} ({value})"
    untested = any(s.metric_tie_kind == "untested" for s in answer.by_metric)
    return f"{leaders[0].label} {value}" + (" (one seed: untested)" if untested else "")


def fastest_text(answer: Answer) -> str:
    """The fastest backend past the gate (with any that tie with it), its time and any contention mark."""
    fastest = answer.fastest
    if not fastest:
        return "–"
    head = fastest[0]
    text = _entry(head.label, math.nan, False, f"{head.time_seconds:.3g} s", head.marks)
    others = [s.label + (f" [{s.marks}]" if s.marks else "") for s in fastest[1:]]
    return text + (f" (tie: {', '.join(others)})" if others else "")


def answer_rows(items: list[Answer]) -> list[Row]:
    """The table that opens every report: one row per task and division."""
    show_division = len({a.division for a in items}) > 1
    rows = []
    for a in items:
        row: Row = {"task": a.task}
        if show_division:
            row["division"] = a.division
        direction = "lower" if a.lower_better else "higher"
        row["metric"] = f"{a.metric} ({direction} is better)" if a.metric else "–"
        row["size"] = a.size.text if a.size else "size unknown"
        row["best"] = best_text(a)
        row["by metric"] = metric_ranking_text(a)
        row["timed by"] = a.time_basis
        row["fastest"] = fastest_text(a)
        row["by time"] = time_ranking_text(a)
        if any(x.unranked for x in items):
            row["not ranked"] = ", ".join(a.unranked) or "–"
        rows.append(row)
    return rows

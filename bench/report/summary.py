"""Aggregate a results file: one summary row per backend × task × division (× device × spec).

Statistics, chosen so that a handful of seeds is reported honestly:

* metrics: mean ± the half-width of a 95 % confidence interval from Student's
  t distribution with n − 1 degrees of freedom (``t * s / √n``);
* times: median and interquartile range (robust to one slow seed), plus, with
  at least 5 seeds, the "olympic" mean that drops the fastest and the slowest
  run, as MLPerf Training scores a benchmark from several runs;
* time-to-target: each backend's epochs to the task's target beside the NumPy
  reference's on the same spec; far fewer epochs than the reference is flagged
  "suspicious", after MLPerf's reference convergence points (a submission may
  not converge much faster than the reference implementation).

* significance against the reference: per task and division, whether a
  backend's main metric differs from the NumPy backend's beyond the seed
  noise (Welch's t over seeds, :func:`bench.report.stats.metric_change`, the rule ``compare``
  applies between two files).

Failed and skipped records have empty metrics and null times; they are
counted, their reasons kept, and they never enter a mean. Records of the
two divisions never share a row (the division is part of the group key).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.core import metrics as registry
from bench.core.conditions import untrusted
from bench.core.record import GroupKey, Record, as_records, spec_key
from bench.report import palette
from bench.report.stats import (
    ALPHA,
    finite,
    median_iqr,
    metric_change,
    olympic_mean,
    t_interval,
)

#: The backend whose epochs-to-target is the reference convergence point.
REFERENCE_BACKEND = "numpy"
#: A backend reaching the target in fewer than this share of the reference's epochs is suspicious.
SUSPICIOUS_EPOCH_RATIO = 0.5

__all__ = ["GroupKey", "spec_key"]  # re-exported: built in bench.core.record


def lower_is_better(metric: str, records: Iterable[Record] = ()) -> bool:
    """The direction of a metric: the task's target says so when it names it, else the registry."""
    for record in records:
        if record.target_metric == metric and record.target_direction:
            return record.target_direction == "min"
    return registry.lower_is_better(metric)


# --- grouping records ------------------------------------------------------------------------

def group_records(records: Iterable[Record | Mapping[str, Any]]) -> dict[GroupKey, list[Record]]:
    """Records by :class:`~bench.core.record.GroupKey` (task, backend, device, division, spec key),
    in first-seen order.

    A record without a spec (skipped or killed before the spec was resolved)
    joins its backend × task × device × division group when there is exactly
    one such group, so a timed-out seed still counts against the runs it belongs to.
    """
    groups: dict[GroupKey, list[Record]] = {}
    orphans = []
    for record in as_records(records):
        if not record.spec:
            orphans.append(record)
            continue
        groups.setdefault(record.group_key(), []).append(record)
    for record in orphans:
        cell = record.group_key("").cell
        matches = [key for key in groups if key.cell == cell]
        key = matches[0] if len(matches) == 1 else record.group_key("-")
        groups.setdefault(key, []).append(record)
    return groups


def main_metric(records: Iterable[Record]) -> str | None:
    """The metric a group is judged on: the task's target metric, else the registry's preferred one."""
    names: list[str] = []
    for record in records:
        if record.target_metric:
            return str(record.target_metric)
        names += [k for k, v in record.metrics.items() if finite([v])]
    return registry.preferred(names)


def ok_values(records: Iterable[Record], field_name: str) -> list[float]:
    """Finite values of one top-level field over the ok records."""
    return finite(getattr(r, field_name) for r in records if r.ok)


def metric_values(records: Iterable[Record], metric: str) -> list[float]:
    return finite(r.metrics.get(metric) for r in records if r.ok)


def invalid_runs(records: Iterable[Record], metric: str | None) -> int:
    """Ok records whose ``metric`` is missing, NaN or infinite, or whose fit time is not a positive
    finite number: "ok" runs that are not.

    Such a run has no valid metric: it is never ranked, and a gate counts it against the run.
    """
    return sum(1 for r in records if r.ok and (metric is None or not finite([r.metrics.get(metric)])
                                               or not [t for t in finite([r.fit_seconds]) if t > 0]))


# --- the summary row ---------------------------------------------------------------------------

@dataclass
class TimeStats:
    """Median, quartiles and olympic mean of one timing over the ok seeds."""

    median: float = math.nan
    q1: float = math.nan
    q3: float = math.nan
    olympic: float = math.nan
    n: int = 0

    @classmethod
    def of(cls, values: Sequence[float]) -> TimeStats:
        median, q1, q3 = median_iqr(values)
        return cls(median, q1, q3, olympic_mean(values), len(values))

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


@dataclass
class GroupSummary:
    """Everything the report shows about one backend × task × division × device × spec."""

    task: str
    backend: str
    device: str
    spec_key: str
    spec: dict[str, Any] | None
    runs: int
    statuses: dict[str, int]
    metric: str | None
    metric_mean: float = math.nan
    metric_ci95: float = math.nan
    metric_n: int = 0
    other_metrics: dict[str, tuple[float, float]] = field(default_factory=dict)
    fit: TimeStats = field(default_factory=TimeStats)
    predict: TimeStats = field(default_factory=TimeStats)
    first_epoch: TimeStats = field(default_factory=TimeStats)
    steady_epoch: TimeStats = field(default_factory=TimeStats)
    epochs_median: float = math.nan
    peak_memory_mb: float = math.nan
    target: dict[str, Any] | None = None
    reached_target: int = 0
    time_to_target_median: float = math.nan
    epochs_to_target_median: float = math.nan
    reference_epochs_to_target: float = math.nan
    reference_note: str = ""
    #: Folds per run: time-to-target is only measured on a single held-out split.
    folds: int = 1
    #: every run had its learning curve switched off (``--curve-points 0``): no time-to-target
    curves_off: bool = False
    suspicious: bool = False
    not_converged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)
    division: str = "closed"
    #: against the reference backend's metric on this task and division: "higher", "lower",
    #: "same" (within the seed noise, Welch's t) or "" (this is the reference, or nothing to compare)
    versus_reference: str = ""
    versus_reference_note: str = ""
    #: executor → runs (a resume with another executor mixes them: the report notes it)
    executors: dict[str, int] = field(default_factory=dict)
    #: ok runs measured while other processes competed for the CPUs / with unstable epoch times
    contended: int = 0
    unstable: int = 0

    @property
    def ok(self) -> int:
        return self.statuses.get("ok", 0)

    @property
    def epochs_ratio(self) -> float:
        """This backend's median epochs-to-target over the reference's."""
        if self.reference_epochs_to_target and math.isfinite(self.reference_epochs_to_target):
            return self.epochs_to_target_median / self.reference_epochs_to_target
        return math.nan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise_group(key: GroupKey, records: list[Record]) -> GroupSummary:
    ok = [r for r in records if r.ok]
    metric = main_metric(records)
    statuses = Counter(str(r.status) for r in records)
    summary = GroupSummary(
        task=key.task, backend=key.backend, device=key.device, spec_key=key.spec, division=key.division,
        spec=next((r.spec for r in records if r.spec), None),
        runs=len(records), statuses=dict(statuses), metric=metric,
    )
    if metric:
        values = metric_values(records, metric)
        summary.metric_mean, summary.metric_ci95 = t_interval(values)
        summary.metric_n = len(values)
    names = sorted({k for r in ok for k, v in r.metrics.items() if finite([v])})
    summary.other_metrics = {name: t_interval(metric_values(records, name))
                             for name in names if name != metric}
    summary.fit = TimeStats.of(ok_values(records, "fit_seconds"))
    summary.predict = TimeStats.of(ok_values(records, "predict_seconds"))
    summary.first_epoch = TimeStats.of(ok_values(records, "first_epoch_seconds"))
    summary.steady_epoch = TimeStats.of(ok_values(records, "steady_epoch_seconds"))
    summary.epochs_median = median_iqr(ok_values(records, "epochs"))[0]
    summary.peak_memory_mb = median_iqr(ok_values(records, "peak_memory_mb"))[0]
    summary.target = next((r.target for r in ok if r.target), None)
    summary.folds = max((r.folds for r in ok), default=1)
    summary.curves_off = bool(ok) and all(r.curve_points == 0 for r in ok)
    reached = ok_values(records, "epochs_to_target")
    summary.reached_target = len(reached)
    summary.epochs_to_target_median = median_iqr(reached)[0]
    summary.time_to_target_median = median_iqr(ok_values(records, "time_to_target_seconds"))[0]
    summary.not_converged = sum(1 for r in ok if r.converged is False)
    summary.reasons = dict(Counter(str(r.reason or "no reason given") for r in records if not r.ok))
    summary.deviations = sorted({str(d) for r in records for d in r.deviations})
    summary.executors = executor_counts(records)
    marks = untrusted(ok)
    summary.contended, summary.unstable = marks.get("contended", 0), marks.get("unstable", 0)
    return summary


def executor_counts(records: Iterable[Record]) -> dict[str, int]:
    """Runs per executor, sorted by name (a record from before the field existed ran serially)."""
    return dict(sorted(Counter(str(r.executor or "serial") for r in records).items()))


def executors_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def compare_with_reference(summaries: list[GroupSummary], reference: str = REFERENCE_BACKEND,
                           ratio: float = SUSPICIOUS_EPOCH_RATIO) -> None:
    """Fill each summary's reference epochs-to-target and the "suspicious" flag, in place.

    Only a reference run of the same task and division, device-independent,
    and *the same spec* is comparable: a backend that trains a different
    network (the perceptron) gets a note instead of a flag.
    """
    references = {(s.task, s.division, s.spec_key): s for s in summaries if s.backend == reference}
    for summary in summaries:
        if summary.backend == reference or not summary.reached_target:
            continue
        match = references.get((summary.task, summary.division, summary.spec_key))
        if match is None:
            same_task = any(key[:2] == (summary.task, summary.division) for key in references)
            summary.reference_note = "spec differs from reference" if same_task else "no reference run"
            continue
        if not match.reached_target:
            summary.reference_note = "reference never reached the target"
            continue
        summary.reference_epochs_to_target = match.epochs_to_target_median
        if summary.epochs_to_target_median < ratio * match.epochs_to_target_median:
            mine, theirs = summary.epochs_to_target_median, match.epochs_to_target_median
            epochs = f"{mine:g} epochs vs reference {theirs:g}"
            if summary.deviations:  # a declared difference (e.g. another loss) explains a faster run
                summary.reference_note = f"faster than reference ({epochs}); trains with declared deviations"
                continue
            summary.suspicious = True
            summary.reference_note = f"suspicious: {epochs}"


def significance_against_reference(groups: dict[GroupKey, list[Record]], summaries: list[GroupSummary],
                                   reference: str = REFERENCE_BACKEND, alpha: float = ALPHA) -> None:
    """Fill ``versus_reference``: does a backend's main metric differ from the reference's, in place?

    Per task and division, each group's main-metric values over seeds are
    set against the reference backend's with :func:`metric_change`, Welch's t
    at ``alpha`` — the test ``compare`` uses between two files. The reference
    group of the same spec is used when there is one, else every reference
    run of the task and division pooled (the question is which library is
    more accurate on the task). "higher" / "lower" are the metric's values,
    whichever direction is better.
    """
    same_spec: dict[GroupKey, list[Record]] = {}
    pooled: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for key, records in groups.items():
        if key.backend == reference:
            same_spec[key] = records
            pooled[(key.task, key.division)] += records
    for summary, (key, records) in zip(summaries, groups.items()):
        if summary.backend == reference or not summary.metric or not summary.metric_n:
            continue
        match = same_spec.get(key._replace(backend=reference)) or pooled.get((key.task, key.division))
        if not match:
            continue
        sign, note = metric_change(metric_values(match, summary.metric),
                                   metric_values(records, summary.metric), alpha)
        summary.versus_reference = {1: "higher", -1: "lower"}.get(sign, "same")
        summary.versus_reference_note = note


def summarise(records: Iterable[Record | Mapping[str, Any]]) -> list[GroupSummary]:
    """One :class:`GroupSummary` per group, ordered by task and division as first seen, then backend
    in the fixed order every figure and page uses (:func:`bench.report.palette.position`)."""
    groups = group_records(records)
    summaries = [summarise_group(key, group) for key, group in groups.items()]
    significance_against_reference(groups, summaries)
    task_order = {task: i for i, task in enumerate(dict.fromkeys(s.task for s in summaries))}
    division_order = {d: i for i, d in enumerate(dict.fromkeys(s.division for s in summaries))}
    summaries.sort(key=lambda s: (task_order[s.task], division_order[s.division],
                                  palette.position(s.backend)))  # stable otherwise
    compare_with_reference(summaries)
    return summaries


def environments(records: Iterable[Record | Mapping[str, Any]]) -> dict[str, set[str]]:
    """Distinct values of the environment fields across records (python, cpu, packages...)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for record in as_records(records):
        env = record.env or {}
        for name in ("python", "implementation", "platform", "cpu", "cores", "hostname"):
            if env.get(name) is not None:
                seen[name].add(str(env[name]))
        for package, version in (env.get("packages") or {}).items():
            seen[f"package {package}"].add(str(version))
    return dict(seen)

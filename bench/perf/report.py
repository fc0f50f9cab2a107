"""Lines of the ``bench perf`` report: every ratio beside its target, PASS or MISS."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from typing import Any

from bench.perf import idiomatic
from bench.perf.harness.overhead import CellTiming
from bench.perf.timing import coefficient_of_variation, median

MATMUL_TARGET = 1.30
SKLEARN_TARGET = 1.00
OVERHEAD_TARGET = 0.02
NOISE_TARGET = 0.05
IDIOMATIC_TARGET = 1.10  # open adapter / idiomatic script


@dataclass(frozen=True)
class Ratio:
    """A measured ratio and its target (``None``: reported only)."""

    label: str
    value: float
    target: float | None = None
    percent: bool = False
    note: str = ""
    missing: str = ""  # why it was not measured

    def verdict(self) -> str:
        if self.target is None:
            return ""
        if math.isnan(self.value):
            return "n/a (not measured)"
        return "PASS" if self.value <= self.target else "MISS"

    def line(self) -> str:
        target = "" if self.target is None else f" (target ≤ {_number(self.target, self.percent)})"
        if self.missing:
            return f"{self.label}: not measured ({self.missing}){target}"
        value = _number(self.value, self.percent)
        verdict = f" {self.verdict()}" if self.verdict() else ""
        note = f"  [{self.note}]" if self.note else ""
        return f"{self.label} = {value}{target}{verdict}{note}"


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f} %" if not math.isnan(value) else "n/a"
    return f"{value:.2f}" if not math.isnan(value) else "n/a"


def epoch_line(name: str, times: list[float], extra: str = "") -> str:
    return (f"  {name:<34} {median(times):8.4f} s/epoch  (median of {len(times)}, "
            f"CV {coefficient_of_variation(times) * 100:.1f} %){extra}")


def _medians_ratio(label: str, numerator: list[float], denominator: list[float], target: float) -> Ratio:
    """Ratio of the medians (the verdict), with the ratio of the fastest epochs beside it."""
    best = min(numerator) / min(denominator) if numerator and denominator else float("nan")
    return Ratio(label, median(numerator) / median(denominator), target, note=f"fastest epochs: {best:.2f}")


def numpy_ratios(numpy_result: dict[str, Any], activation: str, other: str) -> list[Ratio]:
    times = numpy_result["times"]
    return [
        _medians_ratio(f"numpy epoch / matmul-only ({activation})", times[f"numpy_{activation}"],
                       times["matmul_only"], MATMUL_TARGET),
        _medians_ratio(f"numpy epoch / matmul-only ({other})", times[f"numpy_{other}"], times["matmul_only"],
                       MATMUL_TARGET),
        _medians_ratio(f"numpy epoch / sklearn epoch ({activation})", times[f"numpy_{activation}"],
                       times["sklearn"], SKLEARN_TARGET),
    ]


def framework_ratio(name: str, result: dict[str, Any]) -> Ratio:
    times = result["times"]
    note = f"{name} on {result.get('device', 'cpu')}"
    if result.get("device", "cpu") == "cpu":
        note += "; GPU figures need a GPU machine (--device gpu)"
    return Ratio(f"numpy epoch / {name} epoch", median(times["numpy"]) / median(times[name]), None, note=note)


def harness_lines(timings: list[CellTiming], suite_name: str, repeats: int) -> tuple[list[str], list[Ratio]]:
    """A table of every cell, then the worst cell's overhead share and fit-time noise."""
    lines = [f"harness: suite {suite_name!r}, {len(timings)} cells × {repeats} runs "
             "(overhead = wall − imports − data − fit − predict, share of wall − imports; curve = its "
             "learning-curve part; "
             "see bench/perf/harness/overhead.py)",
             f"  {'cell (ms)':<46} {'wall':>8} {'fit':>8} {'predict':>8} {'data':>7} {'imports':>8} "
             f"{'overhead':>8} {'curve':>7} {'share':>7} {'fit CV':>7}"]
    measured = [t for t in timings if t.walls]
    for t in timings:
        if not t.walls:
            lines.append(f"  {t.label:<46} no successful run: {t.failures[0] if t.failures else '?'}")
            continue
        lines.append(
            f"  {t.label:<46} {statistics.median(t.walls) * 1e3:8.1f} {statistics.median(t.fits) * 1e3:8.1f} "
            f"{statistics.median(t.predicts) * 1e3:8.2f} {statistics.median(t.datas) * 1e3:7.1f} "
            f"{statistics.median(t.imports) * 1e3:8.1f} {statistics.median(t.overheads()) * 1e3:8.1f} "
            f"{statistics.median(t.curves) * 1e3:7.1f} {t.overhead_share() * 100:6.1f}% "
            f"{t.fit_cv() * 100:6.1f}%".replace("nan%", " n/a"))
    if not measured:
        missing = Ratio("harness overhead / cell time (worst cell)", float("nan"), OVERHEAD_TARGET, True)
        return lines, [missing]
    worst = max(measured, key=lambda t: t.overhead_share())
    repeated = [t for t in measured if len(t.fits) > 1]
    noisiest = max(repeated, key=lambda t: t.fit_cv()) if repeated else None
    total_overhead = sum(statistics.median(t.overheads()) for t in measured)
    total_wall = sum(statistics.median(t.work()) for t in measured)  # wall − imports
    total_curves = sum(statistics.median(t.curves) for t in measured)
    startups = [s for t in measured for s in t.startups]
    lines.append(f"  apart: worker start-up (interpreter, config and result files) median "
                 f"{median(startups):.3f} s per cell" if startups else "  apart: no worker start-up recorded")
    ratios = [
        Ratio("harness overhead / cell time (worst cell)", worst.overhead_share(), OVERHEAD_TARGET, True,
              note=worst.label),
        Ratio("harness overhead / cell time (whole suite)", total_overhead / total_wall, OVERHEAD_TARGET,
              True, note=f"of which learning curves {total_curves / total_wall * 100:.1f} %"),
        Ratio("harness overhead without learning curves (whole suite)",
              (total_overhead - total_curves) / total_wall, OVERHEAD_TARGET, True),
        Ratio("fit_seconds CV across repeats (worst cell)", noisiest.fit_cv() if noisiest else float("nan"),
              NOISE_TARGET, True, note=noisiest.label if noisiest else "no cell ran twice"),
        Ratio("fit_seconds CV across repeats (median cell)",
              median([t.fit_cv() for t in repeated]) if repeated else float("nan"), NOISE_TARGET, True,
              note=f"{len(repeated)} cells" if repeated else "no cell ran twice"),
    ]
    return lines, ratios


# open adapters vs idiomatic scripts -------------------------------------------------------------
SIDE_BY_SIDE_LABELS = {"open": "open adapter", "script": "idiomatic script", "closed": "closed adapter"}


def _steady(runs: list[list[float]], warmup: int) -> list[float]:
    """Every run's epochs after its first ``warmup`` ones, pooled."""
    return [seconds for run in runs for seconds in run[warmup:]]


def _pair_ratio(result: dict[str, Any], label: str, top: str, bottom: str, target: float | None) -> Ratio:
    """Median steady epoch of ``top`` over ``bottom``, with the spread of the run-by-run ratios."""
    missing = result.get("missing", {})
    absent = [f"{SIDE_BY_SIDE_LABELS[name]}: {missing[name]}" for name in (top, bottom) if name in missing]
    times, warmup = result["times"], result["workload"].get("warmup_epochs", 1)
    if not absent and not (times.get(top) and times.get(bottom)):
        absent = ["no run finished"]
    if absent:
        return Ratio(label, float("nan"), target, missing="; ".join(absent))
    per_run = [median(a[warmup:]) / median(b[warmup:]) for a, b in zip(times[top], times[bottom])]
    value = median(_steady(times[top], warmup)) / median(_steady(times[bottom], warmup))
    return Ratio(label, value, target,
                 note=f"run by run {min(per_run):.2f}–{max(per_run):.2f} over {len(per_run)} runs")


def side_by_side_lines(result: dict[str, Any], full_rows: int | None = None) -> tuple[list[str], list[Ratio]]:
    """One library's open adapter, script and closed adapter (:mod:`bench.perf.harness.side_by_side`).

    Each contender's median steady-state epoch with its CV and first epoch,
    then three ratios: open adapter / script (target ≤ 1.10), open / closed
    and closed / script (reported).
    """
    library = result["library"]
    rows, warmup = result["workload"]["rows"], result["workload"].get("warmup_epochs", 1)
    fewer = f", fewer than {full_rows:,}: see bench/perf/idiomatic" if full_rows and rows < full_rows else ""
    lines = [f"{library} ({rows:,} rows{fewer}); script: {idiomatic.DESCRIPTIONS[library]} "
             f"({idiomatic.script_path(library)})"]
    missing = result.get("missing", {})
    for name, label in SIDE_BY_SIDE_LABELS.items():
        runs = result["times"].get(name) or []
        if name in missing or not runs:
            why = missing.get(name, "no run finished")
            lines.append(f"  {library + ' ' + label:<34} not measured ({why})")
            continue
        firsts = [seconds for run in runs for seconds in run[:warmup]]
        first = f"; first epoch {median(firsts):.4f} s" if firsts else ""
        lines.append(epoch_line(f"{library} {label}", _steady(runs, warmup) or firsts, first))
    if result.get("recipe"):
        lines.append(f"  open recipe: {json.dumps(result['recipe'], default=str, sort_keys=True)[:400]}")
    for division, deviations in sorted(result.get("deviations", {}).items()):
        for deviation in deviations:
            lines.append(f"  {division} deviation: {deviation}")
    for note in result.get("notes", []):
        lines.append(f"  note: {note}")
    ratios = [
        _pair_ratio(result, f"{library} open adapter / idiomatic script", "open", "script", IDIOMATIC_TARGET),
        _pair_ratio(result, f"{library} open / closed epoch time", "open", "closed", None),
        _pair_ratio(result, f"{library} closed adapter / idiomatic script", "closed", "script", None),
    ]
    return lines, ratios


def side_by_side_failed(library: str, why: str) -> tuple[list[str], list[Ratio]]:
    """The lines of a library whose side-by-side process gave no result."""
    lines = [f"{library}: not measured ({why})"]
    return lines, [Ratio(f"{library} open adapter / idiomatic script", float("nan"), IDIOMATIC_TARGET,
                         missing=why)]

"""Where a suite's wall time goes, and whether a warm start changes what a cell measures.

Suite efficiency: the share of the suite's wall time spent in
``fit + predict + curve`` (training, its held-out evaluations and the timed
predictions), and apart from it, each in seconds and percent:

* ``imports``: the worker's ``phase_seconds["imports"]`` (finding and importing
  the backend and the task; near 0 in a warm cell);
* ``start-up``: starting the cell's process (``process_seconds`` −
  ``wall_seconds``), plus each template's start-up once (its imports);
* ``data``: loading and splitting the task's data;
* ``harness``: the rest — set-up and scoring inside the worker, and the
  harness between cells (writing records, planning). With a measured suite
  wall time (a run here) it is exact; from a results file the wall time is
  the span of the records' ``started_at`` (one-second resolution) plus the
  last cell's ``process_seconds``, and never less than the sum of the parts.

Cold versus warm: the same cells, each started cold (a fresh interpreter) and
warm (a fork of its backend's template), alternating ABBA so load drift hits
both alike; per cell the ratio of the median fit times warm / cold, beside the
noise it should be read against (the larger coefficient of variation of the
two modes' fit times).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.core.record import CellConfig
from bench.perf.timing import coefficient_of_variation

Runner = Callable[[CellConfig], dict[str, Any]]
PARTS = ("training", "imports", "start-up", "data", "harness")


@dataclass
class Efficiency:
    """Seconds per part of a suite's wall time."""

    wall: float
    seconds: dict[str, float]
    cells: int
    measured_wall: bool

    def share(self, part: str) -> float:
        return self.seconds[part] / self.wall if self.wall > 0 else float("nan")

    def lines(self, label: str) -> list[str]:
        how = "measured" if self.measured_wall else "from the records' start times"
        out = [f"suite efficiency, {label}: {self.cells} cells, wall {self.wall:.1f} s ({how})"]
        for part in PARTS:
            name = "fit + predict + curve" if part == "training" else part
            out.append(f"  {name:<22} {self.seconds[part]:9.1f} s {self.share(part) * 100:6.1f} %")
        return out


def _phase(record: dict[str, Any], name: str) -> float:
    return float((record.get("phase_seconds") or {}).get(name) or 0.0)


def efficiency(records: list[dict[str, Any]], wall: float | None = None) -> Efficiency:
    """The parts of ``records``' suite; ``wall`` measured around the run, else estimated from the records."""
    training = sum(_phase(r, "fit") + _phase(r, "predict") + _phase(r, "curve") for r in records)
    imports = sum(_phase(r, "imports") for r in records)
    data = sum(_phase(r, "data") for r in records)
    startup = sum(max(float(r.get("process_seconds") or 0.0) - float(r.get("wall_seconds") or 0.0), 0.0)
                  for r in records)
    starts = [r.get("start") or {} for r in records]
    templates = {start.get("template"): start.get("template_startup_seconds")
                 for start in starts if start.get("mode") == "warm"}
    startup += sum(float(seconds or 0.0) for seconds in templates.values())
    processes = sum(float(r.get("process_seconds") or 0.0) for r in records)
    floor = processes + sum(float(s or 0.0) for s in templates.values())
    measured = wall is not None
    if wall is None:
        wall = max(_span(records), floor)
    harness = wall - training - imports - data - startup
    return Efficiency(wall, {"training": training, "imports": imports, "start-up": startup, "data": data,
                             "harness": harness}, len(records), measured)


def _span(records: list[dict[str, Any]]) -> float:
    """From the first record's start to the last one's end (started_at has one-second resolution)."""
    starts = []
    for record in records:
        try:
            starts.append((datetime.fromisoformat(str(record["started_at"])).timestamp(),
                           float(record.get("process_seconds") or 0.0)))
        except (KeyError, TypeError, ValueError):
            continue
    if not starts:
        return 0.0
    first = min(start for start, _ in starts)
    return max(start + seconds for start, seconds in starts) - first


def run_timed(cells: list[CellConfig], runner: Runner) -> tuple[list[dict[str, Any]], float]:
    """Run ``cells`` one after another; their records and the wall time of the whole."""
    started = time.perf_counter()
    records = [runner(cell) for cell in cells]
    return records, time.perf_counter() - started


@dataclass
class StartComparison:
    """One cell's fit times started cold and warm."""

    label: str
    cold: list[float]
    warm: list[float]
    cold_process: list[float]
    warm_process: list[float]
    failures: list[str]
    records: list[dict[str, Any]]

    def ratio(self) -> float:
        if not self.cold or not self.warm:
            return float("nan")
        return statistics.median(self.warm) / statistics.median(self.cold)

    def noise(self) -> float:
        """The larger coefficient of variation of the two modes' fit times."""
        if len(self.cold) < 2 or len(self.warm) < 2:
            return float("nan")
        return max(coefficient_of_variation(self.cold), coefficient_of_variation(self.warm))


def compare_starts(cells: list[CellConfig], repeats: int, warm: Runner, cold: Runner,
                   progress: Callable[[str], None] | None = None) -> list[StartComparison]:
    """Each cell ``repeats`` times cold and warm, in ABBA order (cold, warm, warm, cold, ...)."""
    results = []
    for cell in cells:
        label = f"{cell.backend} × {cell.task} seed {cell.seed}"
        comparison = StartComparison(label, [], [], [], [], [], [])
        for repeat in range(repeats):
            order = (("cold", cold), ("warm", warm)) if repeat % 2 == 0 else (("warm", warm), ("cold", cold))
            for mode, runner in order:
                record = runner(cell)
                comparison.records.append(record)
                if record.get("status") != "ok":
                    comparison.failures.append(f"{mode}: {record.get('status')}: {record.get('reason', '')}")
                    continue
                getattr(comparison, mode).append(float(record["fit_seconds"]))
                getattr(comparison, f"{mode}_process").append(float(record["process_seconds"]))
        results.append(comparison)
        if progress is not None:
            progress(f"cold vs warm: {label} done")
    return results


def comparison_lines(comparisons: list[StartComparison]) -> list[str]:
    """A row per cell, then the geometric mean of the ratios and the median noise."""
    lines = ["cold vs warm start, same cells interleaved (ABBA): median fit seconds, warm/cold ratio and "
             "its noise (max CV of the two); process = the cell's process, start to end",
             f"  {'cell':<36} {'cold fit':>9} {'warm fit':>9} {'ratio':>6} {'noise':>6} "
             f"{'cold proc':>9} {'warm proc':>9}"]
    for c in comparisons:
        if not c.cold or not c.warm:
            lines.append(f"  {c.label:<36} not measured: {'; '.join(c.failures)[:120]}")
            continue
        lines.append(f"  {c.label:<36} {statistics.median(c.cold):9.4f} {statistics.median(c.warm):9.4f} "
                     f"{c.ratio():6.3f} {c.noise() * 100:5.1f}% {statistics.median(c.cold_process):9.3f} "
                     f"{statistics.median(c.warm_process):9.3f}")
    ratios = [c.ratio() for c in comparisons if not math.isnan(c.ratio())]
    noises = [c.noise() for c in comparisons if not math.isnan(c.noise())]
    if ratios:
        mean = math.exp(statistics.fmean(math.log(r) for r in ratios))
        noise = statistics.median(noises) if noises else float("nan")
        outside = sum(1 for c in comparisons if abs(c.ratio() - 1) > 2 * c.noise())
        lines.append(f"  warm/cold fit ratio: geometric mean {mean:.3f} over {len(ratios)} cells; "
                     f"median noise {noise * 100:.1f} %; cells whose ratio is off 1 by more than "
                     f"twice their noise: {outside}")
    return lines

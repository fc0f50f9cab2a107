"""The time the harness adds around a cell, and how much a cell's fit time wobbles.

Every cell of a suite runs ``repeats`` times in its own worker process, as
``bench run`` runs it (:func:`bench.isolation.run_isolated`). Per run:

* ``wall``: ``wall_seconds``, the time inside the worker's ``run_cell`` —
  backend and task lookup, data loading, drawing the initial weights,
  training, learning-curve evaluation, predicting, scoring, memory probes;
* ``fit``: ``fit_seconds``, training alone (curve evaluation excluded);
* ``predict``: 4 × ``predict_seconds`` — the worker calls ``predict`` once
  untimed and 3 times timed and records the median, per split;
* ``imports``: importing the backend's module and library and the task's
  module (``registry.backend_class(..).available()``, ``registry.task(..)``),
  which happens inside ``run_cell`` the first time; measured apart in a
  fresh interpreter (the fastest of two) and subtracted;
* **overhead** = wall − fit − predict − imports, as a share of wall
  (target ≤ 2 % for every cell);
* ``startup`` = ``process_seconds`` − ``wall_seconds``: starting the
  interpreter, importing ``bench.worker`` (NumPy…) and passing the config and
  result files — printed apart, not in the overhead.

The noise of a cell is the coefficient of variation of ``fit_seconds`` over
its repeats (target ≤ 5 %).

:func:`timings_from_results` reads the same figures from an existing results
file instead (e.g. of ``make bench``: every cell of the default suite, no
re-run); its cells have one run each unless the file holds repeats.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.cell import CellConfig
from bench.perf.timing import coefficient_of_variation
from bench.threads import thread_environment

PREDICT_CALLS = 4  # one untimed warm-up + three timed calls in bench.worker._time_predict
IMPORT_PROBE = (
    "import time, bench.worker\n"
    "from bench import registry\n"
    "start = time.perf_counter()\n"
    "registry.backend_class({backend!r}).available()\n"
    "registry.task({task!r})\n"
    "print(time.perf_counter() - start)\n"
)

Runner = Callable[[CellConfig], dict[str, Any]]


@dataclass
class CellTiming:
    """The repeats of one backend × task × seed cell."""

    key: tuple[str, str, int]
    walls: list[float] = field(default_factory=list)
    fits: list[float] = field(default_factory=list)
    predicts: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    imports: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        backend, task, seed = self.key
        return f"{backend} × {task} seed {seed}"

    def overheads(self) -> list[float]:
        return [w - f - p - self.imports for w, f, p in zip(self.walls, self.fits, self.predicts)]

    def overhead_share(self) -> float:
        """Median overhead over median wall (nan without a successful run)."""
        if not self.walls:
            return float("nan")
        return statistics.median(self.overheads()) / statistics.median(self.walls)

    def fit_cv(self) -> float:
        """Coefficient of variation of fit_seconds over the repeats (nan with fewer than two)."""
        return coefficient_of_variation(self.fits) if len(self.fits) > 1 else float("nan")


def import_seconds(backend: str, task: str, threads: int, tries: int = 2) -> float:
    """Time to import ``backend``'s and ``task``'s modules and libraries in a fresh interpreter."""
    env = thread_environment(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["CUDA_VISIBLE_DEVICES"] = ""
    times = []
    for _ in range(tries):
        done = subprocess.run([sys.executable, "-c", IMPORT_PROBE.format(backend=backend, task=task)],
                              capture_output=True, text=True, env=env, timeout=300)
        try:
            times.append(float(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            return 0.0  # the worker will report the failure itself
    return min(times)


def timings_from_results(records: list[dict[str, Any]], threads: int) -> list[CellTiming]:
    """Per-cell timings of the successful records of a results file (imports measured here)."""
    timings: dict[tuple[str, str, int], CellTiming] = {}
    for record in records:
        key = (record["backend"], record["task"], int(record["seed"]))
        timing = timings.setdefault(key, CellTiming(key))
        _add_record(timing, record)
    imports = {pair: import_seconds(*pair, threads) for pair in {key[:2] for key in timings}}
    for timing in timings.values():
        timing.imports = imports[timing.key[:2]]
    return list(timings.values())


def _add_record(timing: CellTiming, record: dict[str, Any]) -> None:
    if record.get("status") != "ok":
        timing.failures.append(f"{record.get('status')}: {record.get('reason', '')}")
        return
    timing.walls.append(float(record["wall_seconds"]))
    timing.fits.append(float(record["fit_seconds"]))
    timing.predicts.append(PREDICT_CALLS * float(record["predict_seconds"]))
    process = record.get("process_seconds")
    if process is not None:
        timing.startups.append(float(process) - float(record["wall_seconds"]))


def measure_cells(cells: list[CellConfig], repeats: int, runner: Runner | None = None,
                  progress: Callable[[str], None] | None = None) -> list[CellTiming]:
    """Run every cell ``repeats`` times (all cells, then all again) and collect their timings."""
    if runner is None:
        from bench.isolation import run_isolated

        runner = run_isolated
    timings: dict[tuple[str, str, int], CellTiming] = {}
    for config in cells:
        key = (config.backend, config.task, config.seed)
        timings.setdefault(key, CellTiming(key))
    imports: dict[tuple[str, str], float] = {}
    for backend, task, _ in timings:
        if (backend, task) not in imports:
            imports[(backend, task)] = import_seconds(backend, task, cells[0].threads)
    for timing in timings.values():
        timing.imports = imports[timing.key[:2]]
    for repeat in range(repeats):
        for config in cells:
            _add_record(timings[(config.backend, config.task, config.seed)], runner(config))
        if progress is not None:
            progress(f"harness repeat {repeat + 1}/{repeats} done ({len(cells)} cells)")
    return list(timings.values())

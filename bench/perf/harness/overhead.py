"""The time the harness adds around a cell, and how much a cell's fit time wobbles.

Every cell of a suite runs ``repeats`` times in its own worker process, as
``bench run`` runs it (:func:`bench.run.isolation.run_isolated`), or is read from
an existing results file (e.g. of ``make bench``). Per run, from the record's
``wall_seconds`` and ``phase_seconds`` (measured by :mod:`bench.run.worker`):

* ``wall``: the time inside the worker's ``run_cell``;
* ``imports``: finding the backend and task and importing their libraries —
  shown, not counted: it is the libraries' cost, paid once per process;
* ``data``: loading and splitting the task's data — shown, not counted: any
  benchmark pays it;
* ``fit``: training alone (``fit_seconds``); ``predict``: every ``predict``
  call on the test rows (one untimed and three timed per split);
* **overhead** = wall − imports − data − fit − predict: device and thread
  set-up and spec resolution before training, held-out evaluation for the
  learning curves during it (``curve``, also shown alone), scoring and memory
  probes after it — as a share of the cell's time without its imports,
  wall − imports (target ≤ 2 %), per cell and for the whole suite
  (Σ overhead ÷ Σ (wall − imports));
* ``start-up`` = ``process_seconds`` − ``wall_seconds``: starting the
  interpreter and passing the config and result files — printed apart.

The noise of a cell is the coefficient of variation of ``fit_seconds`` over
its repeats (target ≤ 5 %). Records written before ``phase_seconds`` existed
count 4 × ``predict_seconds`` for predict and nothing for imports and data.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.core.record import CellConfig, CellKey, Record
from bench.perf.timing import coefficient_of_variation

PREDICT_CALLS = 4  # one untimed warm-up + three timed calls in bench.run.worker._time_predict

Runner = Callable[[CellConfig], dict[str, Any]]


@dataclass
class CellTiming:
    """The runs of one cell: backend × task × seed × device × division (two divisions are two cells)."""

    key: CellKey
    walls: list[float] = field(default_factory=list)
    fits: list[float] = field(default_factory=list)
    predicts: list[float] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)
    datas: list[float] = field(default_factory=list)
    curves: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        key = self.key
        return f"{key.backend} × {key.task} seed {key.seed} ({key.division})"

    def overheads(self) -> list[float]:
        return [w - i - d - f - p for w, i, d, f, p in
                zip(self.walls, self.imports, self.datas, self.fits, self.predicts)]

    def work(self) -> list[float]:
        """The cell's time without its imports, wall − imports: what the overhead is a share of."""
        return [w - i for w, i in zip(self.walls, self.imports)]

    def overhead_share(self) -> float:
        """Median overhead over median wall − imports (nan without a successful run)."""
        if not self.walls:
            return float("nan")
        return statistics.median(self.overheads()) / statistics.median(self.work())

    def fit_cv(self) -> float:
        """Coefficient of variation of fit_seconds over the repeats (nan with fewer than two)."""
        return coefficient_of_variation(self.fits) if len(self.fits) > 1 else float("nan")

    def add(self, record: Record | dict[str, Any]) -> None:
        """One run's record (typed or a worker's dict): its timings if it is ok, else status and reason."""
        if not isinstance(record, Record):  # a runner's record: the cell it ran is this one
            key = self.key
            record = Record.from_dict({"backend": key.backend, "task": key.task, "seed": key.seed,
                                       "device": key.device, "division": key.division, "status": "failed",
                                       **record})
        r = record
        if not r.ok:
            self.failures.append(f"{r.status}: {r.reason}")
            return
        phases = r.phase_seconds or {}
        wall = float(r.wall_seconds)
        self.walls.append(wall)
        self.fits.append(float(r.fit_seconds))
        self.predicts.append(float(phases.get("predict", PREDICT_CALLS * float(r.predict_seconds))))
        self.imports.append(float(phases.get("imports", 0.0)))
        self.datas.append(float(phases.get("data", 0.0)))
        self.curves.append(float(phases.get("curve", 0.0)))
        if r.process_seconds is not None:
            self.startups.append(float(r.process_seconds) - wall)


def timings_from_results(records: list[Record] | list[dict[str, Any]]) -> list[CellTiming]:
    """Per-cell timings of the records of a results file."""
    timings: dict[CellKey, CellTiming] = {}
    for record in records:
        record = record if isinstance(record, Record) else Record.from_dict(record)
        key = record.cell_key
        timings.setdefault(key, CellTiming(key)).add(record)
    return list(timings.values())


def measure_cells(cells: list[CellConfig], repeats: int, runner: Runner | None = None,
                  progress: Callable[[str], None] | None = None) -> list[CellTiming]:
    """Run every cell ``repeats`` times (all cells, then all again), each in its own worker."""
    if runner is None:
        from bench.run.isolation import run_isolated

        runner = run_isolated
    timings = {c.key(): CellTiming(c.key()) for c in cells}
    for repeat in range(repeats):
        for config in cells:
            timings[config.key()].add(runner(config))
        if progress is not None:
            progress(f"harness repeat {repeat + 1}/{repeats} done ({len(cells)} cells)")
    return list(timings.values())

"""The time the harness adds around a cell, and how much a cell's fit time wobbles.

Every cell of a suite runs ``repeats`` times in its own worker process, as
``bench run`` runs it (:func:`bench.isolation.run_isolated`). Per run, from
the record's ``wall_seconds`` and ``phase_seconds``:

* ``wall``: the time inside the worker's ``run_cell``;
* ``fit``: training alone (``fit_seconds``);
* ``predict``: every ``predict`` call on the test rows (one untimed, three
  timed, per split);
* ``data``: loading and splitting the task's data — the task's cost, any
  benchmark pays it, so it is shown but not counted as harness overhead;
* **overhead** = wall − fit − predict − data: the lookups, environment probe
  and spec resolution before training, the held-out evaluation for learning
  curves during it (``curve``, also shown alone), scoring and memory probes
  after it — as a share of wall (target ≤ 2 %), per cell and for the whole
  suite (Σ overhead ÷ Σ wall);
* ``start-up`` = ``process_seconds`` − ``wall_seconds``: starting the
  interpreter, importing libraries, passing the config and result files —
  printed apart, not in the overhead.

Library imports are kept out of ``wall``: a first, untimed run of each
backend × task in a fresh interpreter lists every module the cell imports;
the timed runs then import those modules at interpreter start-up (a
``sitecustomize`` on ``PYTHONPATH``), so their cost lands in start-up, and
``run_cell`` finds them loaded. The list's import time, measured alone, is
printed as ``imports``.

The noise of a cell is the coefficient of variation of ``fit_seconds`` over
its repeats (target ≤ 5 %).

:func:`timings_from_results` reads the same figures from an existing results
file instead (e.g. of ``make bench``: every cell of the default suite, no
re-run). Its workers imported their libraries inside ``run_cell``, so the
import time measured here is subtracted from their overhead: an estimate,
as noisy as two timings of a second or more can be. Records written before
``phase_seconds`` existed count 4 × ``predict_seconds`` for predict and no
data time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cell import CellConfig
from bench.perf.timing import coefficient_of_variation
from bench.threads import thread_environment

PREDICT_CALLS = 4  # one untimed warm-up + three timed calls in bench.worker._time_predict
PREIMPORT_VARIABLE = "NNBENCH_PREIMPORT_FILE"
SITECUSTOMIZE = f'''"""From bench/perf/overhead.py: import the modules listed in ${PREIMPORT_VARIABLE}."""
import importlib, os
_path = os.environ.get("{PREIMPORT_VARIABLE}")
if _path:
    with open(_path, encoding="utf-8") as _handle:
        for _name in _handle.read().split():
            try:
                importlib.import_module(_name)
            except Exception:
                pass
'''
DISCOVER = (
    "import json, sys, time, bench.worker\n"
    "from bench.cell import CellConfig\n"
    "before = set(sys.modules)\n"
    "bench.worker.run_cell_safely(CellConfig(**json.loads(sys.argv[1])))\n"
    "print(json.dumps(sorted(set(sys.modules) - before)))\n"
)
TIME_IMPORTS = (
    "import importlib, sys, time, bench.worker\n"
    "start = time.perf_counter()\n"
    "for name in open(sys.argv[1], encoding='utf-8').read().split():\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except Exception:\n"
    "        pass\n"
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
    datas: list[float] = field(default_factory=list)
    curves: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    imports: float = 0.0  # subtracted from the overhead (results files only)
    import_seconds: float = 0.0  # time to import the cell's libraries, shown apart
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        backend, task, seed = self.key
        return f"{backend} × {task} seed {seed}"

    def overheads(self) -> list[float]:
        return [w - f - p - d - self.imports
                for w, f, p, d in zip(self.walls, self.fits, self.predicts, self.datas)]

    def overhead_share(self) -> float:
        """Median overhead over median wall (nan without a successful run)."""
        if not self.walls:
            return float("nan")
        return statistics.median(self.overheads()) / statistics.median(self.walls)

    def fit_cv(self) -> float:
        """Coefficient of variation of fit_seconds over the repeats (nan with fewer than two)."""
        return coefficient_of_variation(self.fits) if len(self.fits) > 1 else float("nan")


def _probe_environment(threads: int) -> dict[str, str]:
    env = thread_environment(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def discover_imports(config: CellConfig) -> list[str]:
    """Every module a run of ``config`` imports after ``bench.worker`` (one untimed run, in-process)."""
    done = subprocess.run([sys.executable, "-c", DISCOVER, json.dumps(config.to_dict())], capture_output=True,
                          text=True, env=_probe_environment(config.threads), timeout=config.timeout + 120)
    try:
        return list(json.loads(done.stdout.strip().splitlines()[-1]))
    except (IndexError, json.JSONDecodeError):
        return []  # the timed runs will report the failure themselves


def time_imports(module_list: Path, threads: int, tries: int = 1) -> float:
    """Seconds to import the modules in ``module_list`` after ``bench.worker`` (fastest of ``tries``)."""
    times = []
    for _ in range(tries):
        done = subprocess.run([sys.executable, "-c", TIME_IMPORTS, str(module_list)], capture_output=True,
                              text=True, env=_probe_environment(threads), timeout=300)
        try:
            times.append(float(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            return float("nan")
    return min(times)


@contextmanager
def preimported(module_list: Path, folder: Path) -> Iterator[None]:
    """Within the block, worker processes import ``module_list`` at start-up (environment variables)."""
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", PREIMPORT_VARIABLE)}
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), saved["PYTHONPATH"]]))
    os.environ[PREIMPORT_VARIABLE] = str(module_list)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_seconds(backend: str, task: str, threads: int) -> float:
    """Time to import a ``backend`` × ``task`` cell's libraries (discovered by one untimed run)."""
    with tempfile.TemporaryDirectory(prefix="nnbench-perf-") as folder:
        module_list = Path(folder, "modules.txt")
        config = CellConfig(backend=backend, task=task, seed=0, threads=threads)
        module_list.write_text("\n".join(discover_imports(config)), encoding="utf-8")
        return time_imports(module_list, threads)


def timings_from_results(records: list[dict[str, Any]], threads: int) -> list[CellTiming]:
    """Per-cell timings of the records of a results file, an import estimate subtracted."""
    timings: dict[tuple[str, str, int], CellTiming] = {}
    for record in records:
        key = (record["backend"], record["task"], int(record["seed"]))
        _add_record(timings.setdefault(key, CellTiming(key)), record)
    imports = {pair: import_seconds(*pair, threads) for pair in {key[:2] for key in timings}}
    for timing in timings.values():
        timing.imports = timing.import_seconds = imports[timing.key[:2]]
    return list(timings.values())


def _add_record(timing: CellTiming, record: dict[str, Any]) -> None:
    if record.get("status") != "ok":
        timing.failures.append(f"{record.get('status')}: {record.get('reason', '')}")
        return
    timing.walls.append(float(record["wall_seconds"]))
    timing.fits.append(float(record["fit_seconds"]))
    phases = record.get("phase_seconds") or {}
    timing.predicts.append(float(phases.get("predict", PREDICT_CALLS * float(record["predict_seconds"]))))
    timing.datas.append(float(phases.get("data", 0.0)))
    timing.curves.append(float(phases.get("curve", 0.0)))
    process = record.get("process_seconds")
    if process is not None:
        timing.startups.append(float(process) - float(record["wall_seconds"]))


def measure_cells(cells: list[CellConfig], repeats: int, runner: Runner | None = None,
                  progress: Callable[[str], None] | None = None) -> list[CellTiming]:
    """Run every cell ``repeats`` times (all cells, then all again), its libraries imported at start-up.

    With a ``runner`` other than the harness's (tests), nothing is pre-imported.
    """
    preimport = runner is None
    if runner is None:
        from bench.isolation import run_isolated

        runner = run_isolated
    timings = {(c.backend, c.task, c.seed): CellTiming((c.backend, c.task, c.seed)) for c in cells}
    with tempfile.TemporaryDirectory(prefix="nnbench-perf-") as scratch:
        folder = Path(scratch)
        (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        module_lists: dict[tuple[str, str], Path] = {}
        if preimport:
            for config in cells:
                pair = (config.backend, config.task)
                if pair not in module_lists:
                    module_lists[pair] = folder / f"modules-{len(module_lists)}.txt"
                    module_lists[pair].write_text("\n".join(discover_imports(config)), encoding="utf-8")
            seconds = {pair: time_imports(path, cells[0].threads) for pair, path in module_lists.items()}
            for key, timing in timings.items():
                timing.import_seconds = seconds[key[:2]]
            if progress is not None:
                progress(f"listed the imports of {len(module_lists)} backend × task pairs (untimed runs)")
        for repeat in range(repeats):
            for config in cells:
                pair = (config.backend, config.task)
                if pair in module_lists:
                    with preimported(module_lists[pair], folder):
                        record = runner(config)
                else:
                    record = runner(config)
                _add_record(timings[(config.backend, config.task, config.seed)], record)
            if progress is not None:
                progress(f"harness repeat {repeat + 1}/{repeats} done ({len(cells)} cells)")
    return list(timings.values())

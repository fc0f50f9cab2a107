"""Run one cell inside this process: train, time, predict, score.

Started by :mod:`bench.run.isolation` as ``python -m bench.run.worker CONFIG RESULT``
so that every backend × task × seed gets a fresh interpreter. The backend
only trains and predicts; this module times it and scores its outputs with
:mod:`bench.core.metrics`, the same code for every backend, and records the
conditions of the timed phases (CPU taken by other processes, the epochs'
stability: :mod:`bench.run.contention`).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.core import metrics, registry
from bench.core.backend import OPEN_DTYPE, Backend
from bench.core.conditions import Stability
from bench.core.recipe import Recipe
from bench.core.record import (
    CellConfig,
    Record,
    dumps,
    empty_record,
    failed_record,
    out_of_memory_reason,
)
from bench.core.scaling import scale_inputs
from bench.core.spec import NetworkSpec, SpecError, coerce_overrides
from bench.core.task import Split, Task
from bench.core.threads import ThreadPolicy
from bench.core.tuning import tuned_splits
from bench.core.weights import initial_weights
from bench.run import environment
from bench.run.adapter_source import adapter_version
from bench.run.contention import ContentionMeter
from bench.run.curves import EpochRecorder, first_reaching

#: Text of an import error that means memory ran out (the ``RLIMIT_AS`` cap, or the machine), not that
#: the library is missing: such a cell is failed (out of memory), so ``--retry-failed`` reruns it.
OUT_OF_MEMORY_IMPORT_MARKERS = ("failed to map segment from shared object", "cannot allocate memory",
                                "memoryerror", "std::bad_alloc", "out of memory")

#: Set by ``run --data-dir``; tasks with external files look there (recorded in ``evaluation``).
DATA_DIR_VARIABLE = "NNBENCH_DATA_DIR"

def _time_predict(backend: Backend, X: np.ndarray) -> tuple[np.ndarray, float]:
    """The test rows' outputs and the median of 3 timed ``predict`` calls (after 1 untimed)."""
    backend.predict(X)  # untimed warm-up
    times, outputs = [], None
    for _ in range(3):
        start = time.perf_counter()
        outputs = backend.predict(X)
        backend.synchronize()
        times.append(time.perf_counter() - start)
    return np.asarray(outputs), statistics.median(times)


def resolve_spec(task: Task, config: CellConfig) -> NetworkSpec:
    """The task's network for this cell: its seed, the overrides, and in the open division the
    deep-learning libraries' float32 unless the overrides name a dtype."""
    spec = task.default_spec().replace(seed=config.seed)
    if config.division in ("open", "tuned") and "dtype" not in config.overrides:
        spec = spec.replace(dtype=OPEN_DTYPE)
    if config.overrides:
        spec = spec.replace(**coerce_overrides(config.overrides))
    return spec


def run_cell(config: CellConfig) -> Record:
    """Run one cell here and return its complete record (never raises).

    The phases, in order: resolve the backend and task (imports), set up the
    backend, read the data, fit and predict each split (contention metered
    over them), score, and record the conditions of the timed phases.
    """
    record = empty_record(config)
    wall_start = time.perf_counter()
    loaded = _load(config, record)
    if loaded is None:
        return record
    backend = _set_up(config, record, loaded.backend_cls)
    if backend is None:
        return record
    data = _read_data(config, record, backend, loaded, wall_start)
    if data is None:
        return record
    meter = ContentionMeter(config.threads)
    meter.start()  # contention is measured over the timed phases (fit and predict), curves included
    runs = _fit_and_predict(config, backend, loaded.task, data)
    epoch_times = _score(config, record, backend, loaded.task, data, runs)
    record.wall_seconds = time.perf_counter() - wall_start
    record.phase_seconds = data.phases
    # after the wall time: a short cell's window is widened by sampling while the cell is idle
    conditions = meter.stop(timed_seconds=data.phases["fit"] + data.phases["curve"] + data.phases["predict"])
    conditions.stability = Stability.of(epoch_times.tolist())
    record.conditions = conditions.to_dict()
    return record


@dataclass
class _Loaded:
    """The resolved backend class and task, and when set-up began (imports end there)."""

    backend_cls: type[Backend]
    task: Task
    setup_start: float


@dataclass
class _Data:
    """The cell's network and splits, and the seconds of each phase so far."""

    spec: NetworkSpec
    splits: list[Split]
    phases: dict[str, float]


@dataclass
class _Runs:
    """What fitting and predicting every split gave: outputs, truths, learning curves, times."""

    outputs: list[np.ndarray] = field(default_factory=list)
    truths: list[np.ndarray] = field(default_factory=list)
    recorders: list[EpochRecorder] = field(default_factory=list)
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0


def _load(config: CellConfig, record: Record) -> _Loaded | None:
    """The backend class and the task (this imports the library); None when the record says why not."""
    try:
        backend_cls = registry.backend_class(config.backend)
    except ImportError as exc:
        _cannot_import(record, config, f"cannot import backend: {exc}")
        return None
    ok, why = backend_cls.available()  # imports the backend's library
    task = registry.task(config.task, config.task_file) if ok else None
    setup_start = time.perf_counter()
    record.env = environment.describe(("numpy", *backend_cls.packages))
    record.adapter_version = adapter_version(backend_cls)
    if task is None:
        _cannot_import(record, config, why)
        return None
    return _Loaded(backend_cls, task, setup_start)


def _set_up(config: CellConfig, record: Record, backend_cls: type[Backend]) -> Backend | None:
    """The backend on its resolved device with its thread policy and precision pinned; None: skipped."""
    config.device = backend_cls.resolve_device(config.device)
    record.device = config.device
    ok, why = backend_cls.device_available(config.device)
    if not ok:
        record.status, record.reason = "skipped", why
        return None
    backend = backend_cls(device=config.device, threads=config.threads)
    backend.thread_policy = ThreadPolicy.from_environment(os.environ)
    assert record.env is not None  # set by _load
    record.env["thread_policy"] = backend.thread_policy.to_dict() if backend.thread_policy else None
    backend.setup_threads()
    backend.precision_settings = backend.pin_precision()
    return backend


def _read_data(
    config: CellConfig, record: Record, backend: Backend, loaded: _Loaded, wall_start: float
) -> _Data | None:
    """Read the task's data, resolve the network and draw the splits; None when the backend skips it."""
    task = loaded.task
    read_start = time.perf_counter()
    task.read_data()
    read_seconds = time.perf_counter() - read_start
    spec = backend.resolve_spec(resolve_spec(task, config))
    record.spec = spec.to_dict()
    skip, why = backend.skip(spec, task.kind, config.division)
    if skip:
        record.status, record.reason, record.deviations = "skipped", why, backend.deviations
        return None
    data_start = time.perf_counter()
    splits = task.splits(config.seed)
    if config.division == "tuned":  # the validated model: the first fold, its fit rows (bench.core.tuning)
        splits = tuned_splits(splits, config.seed, config.tuning)
    splits = scale_inputs(splits, spec.input_scaling)
    phases = {"imports": loaded.setup_start - wall_start,
              "setup": data_start - loaded.setup_start - read_seconds,
              "data": read_seconds + time.perf_counter() - data_start,
              "fit": 0.0, "curve": 0.0, "predict": 0.0}
    info = task.info()
    # data_dir: the folder the task's external data files were read from (None: it reads none)
    # train_rows: the first split's training rows (with the spec, the arithmetic of an epoch)
    record.evaluation = {"scheme": info.evaluation, "folds": len(splits),
                         "train_rows": int(splits[0].X_train.shape[0]) if splits else None,
                         "data_dir": info.data.get("data_dir"),
                         **({"data": info.data} if info.data else {})}
    record.baseline_memory_mb = environment.rss_mb()
    return _Data(spec, splits, phases)


def _fit_and_predict(config: CellConfig, backend: Backend, task: Task, data: _Data) -> _Runs:
    """Fit each split from the shared initial weights (timed, curves excluded), then time predict."""
    runs = _Runs()
    for index, split in enumerate(data.splits):
        recorder = EpochRecorder(backend, task, split, data.spec.epochs, evaluate=index == 0,
                                 max_points=config.curve_points)
        weights = initial_weights(data.spec)
        recorder.begin()
        backend.fit(data.spec, split.X_train, split.Y_train, weights, on_epoch=recorder,
                    division=config.division)
        backend.synchronize()
        runs.fit_seconds += time.perf_counter() - recorder.start - recorder.excluded
        recorder.finish()
        predict_start = time.perf_counter()
        split_outputs, seconds = _time_predict(backend, split.X_test)
        data.phases["predict"] += time.perf_counter() - predict_start
        runs.predict_seconds += seconds
        runs.outputs.append(split_outputs.reshape(split.Y_test.shape))
        runs.truths.append(split.Y_test)
        runs.recorders.append(recorder)
    data.phases["fit"], data.phases["curve"] = runs.fit_seconds, sum(r.excluded for r in runs.recorders)
    return runs


def _score(
    config: CellConfig, record: Record, backend: Backend, task: Task, data: _Data, runs: _Runs
) -> np.ndarray:
    """Score the outputs and fill the record's results; the first split's epoch times."""
    scoring_start = time.perf_counter()
    first = data.splits[0]
    record.metrics = metrics.score(task.kind, np.vstack(runs.truths), np.vstack(runs.outputs),
                                   first.target_scale, first.target_offset, names=metrics.task_metrics(task))
    main = runs.recorders[0]
    epoch_times = np.diff([0.0, *main.epoch_ends])
    reached = first_reaching(main.points, task.target) if len(data.splits) == 1 else None
    record.status = "ok"
    record.converged = backend.converged
    stopped = backend.converged is False
    record.reason = "training stopped before its own criterion was met" if stopped else ""
    record.fit_seconds, record.predict_seconds = runs.fit_seconds, runs.predict_seconds
    record.first_epoch_seconds = float(epoch_times[0]) if len(epoch_times) else None
    steady = epoch_times[1:].tolist()
    record.steady_epoch_seconds = statistics.median(steady) if steady else None
    record.epochs, record.final_loss = backend.epochs_run, backend.final_loss
    record.recipe = _recipe_data(backend.recipe) if config.division in ("open", "tuned") else None
    record.target = {"metric": task.target[0], "value": task.target[1], "direction": task.target[2]}
    record.time_to_target_seconds = reached["seconds"] if reached else None
    record.epochs_to_target = int(reached["epoch"]) if reached else None
    record.curve, record.deviations = main.points, backend.deviations
    record.peak_memory_mb = environment.peak_rss_mb()
    data.phases["scoring"] = time.perf_counter() - scoring_start
    assert record.env is not None  # set by _load
    record.env["device_conditions"] = backend.device_conditions().to_dict()
    broken = not_finite(record)
    if broken:
        record.status, record.reason = "failed", f"not a finite number: {', '.join(broken)}"
    return epoch_times


def not_finite(record: Record) -> list[str]:
    """The metrics and times of an ok record that are NaN or infinite (an ok record has none)."""
    values = {**record.metrics, "fit_seconds": record.fit_seconds, "predict_seconds": record.predict_seconds}
    return [name for name, value in values.items()
            if isinstance(value, float) and not math.isfinite(value)]


def _recipe_data(recipe: Recipe | dict[str, Any]) -> dict[str, Any]:
    """The recipe as stored in the record (plain JSON values)."""
    return recipe.to_dict() if isinstance(recipe, Recipe) else recipe


def _cannot_import(record: Record, config: CellConfig, reason: str) -> None:
    """A library that did not load: skipped when it is missing, failed when memory ran out."""
    if any(marker in reason.lower() for marker in OUT_OF_MEMORY_IMPORT_MARKERS):
        record.status, record.reason = "failed", out_of_memory_reason(config.memory_limit_mb, reason)
    else:
        record.status, record.reason = "skipped", reason


def run_cell_safely(config: CellConfig, run: Callable[[CellConfig], Record] = run_cell) -> Record:
    """``run`` (default :func:`run_cell`; :mod:`bench.run.entry` picks), turning any exception into a
    failed record."""
    try:
        return run(config)
    except SpecError as exc:
        return failed_record(config, f"invalid spec: {exc}")
    except MemoryError as exc:
        reason = out_of_memory_reason(config.memory_limit_mb, f"{type(exc).__name__}: {exc}")
        return failed_record(config, reason)
    except Exception as exc:  # noqa: BLE001 - a backend may raise anything
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return failed_record(config, f"{type(exc).__name__}: {exc} ({last.filename}:{last.lineno})")


def main(argv: list[str], run: Callable[[CellConfig], Record] = run_cell) -> int:
    config_path, result_path = argv
    with open(config_path, encoding="utf-8") as handle:
        config = CellConfig(**json.load(handle))
    record = run_cell_safely(config, run)
    with open(result_path, "w", encoding="utf-8") as handle:
        handle.write(dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

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
from typing import Any

import numpy as np

from bench.core import metrics, registry
from bench.core.backend import OPEN_DTYPE, Backend
from bench.core.conditions import Stability
from bench.core.recipe import Recipe
from bench.core.record import (
    MAX_CURVE_POINTS,
    CellConfig,
    dumps,
    empty_record,
    failed_record,
    out_of_memory_reason,
)
from bench.core.spec import NetworkSpec, SpecError, coerce_overrides
from bench.core.task import Split, Task
from bench.core.threads import ThreadPolicy
from bench.core.weights import initial_weights
from bench.run import environment
from bench.run.contention import ContentionMeter

#: Text of an import error that means memory ran out (the ``RLIMIT_AS`` cap, or the machine), not that
#: the library is missing: such a cell is failed (out of memory), so ``--retry-failed`` reruns it.
OUT_OF_MEMORY_IMPORT_MARKERS = ("failed to map segment from shared object", "cannot allocate memory",
                                "memoryerror", "std::bad_alloc", "out of memory")

#: Set by ``run --data-dir``; tasks with external files look there (recorded in ``evaluation``).
DATA_DIR_VARIABLE = "NNBENCH_DATA_DIR"

#: once the target is reached, the held-out metric is computed at every 5th sample only (the loss at all)
AFTER_TARGET_EVERY = 5


class EpochRecorder:
    """Per-epoch loss, training time and held-out metric (learning curves).

    Time spent scoring the held-out rows is measured and excluded from the
    training time, so curves cost nothing in ``fit_seconds`` (their cost is
    ``phase_seconds["curve"]``). Only the target metric is computed, only
    where ``evaluate`` (the first split: the others' curves are not kept),
    and after the target is first reached only at every
    ``AFTER_TARGET_EVERY``-th sample: the schedule depends on epochs alone,
    so every backend's curve is sampled alike.
    """

    def __init__(
        self, backend: Backend, task: Task, split: Split, epochs: int, evaluate: bool = True,
        max_points: int = MAX_CURVE_POINTS,
    ) -> None:
        self.backend, self.task, self.split = backend, task, split
        self.evaluate = evaluate and max_points > 0
        self.every = max(1, math.ceil(epochs / max(max_points, 1)))
        self.last_epoch = epochs
        self.points: list[dict[str, float]] = []
        self.epoch_ends: list[float] = []
        self.excluded = 0.0
        self.start = 0.0
        self.last_seen: tuple[int, float] | None = None
        self.samples_after_target = -1  # counts samples once the target is reached

    def begin(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, epoch: int, loss: float) -> None:
        self.backend.synchronize()
        now = time.perf_counter()
        self.epoch_ends.append(now - self.start - self.excluded)
        self.last_seen = (epoch, float(loss))
        if not self.evaluate or (epoch % self.every and epoch != self.last_epoch and epoch != 1):
            return
        self._add_point(epoch, loss, now)

    def finish(self) -> None:
        """After training: the last epoch's point too, if training stopped early between samples."""
        if not self.evaluate or self.last_seen is None:
            return
        last = self.points[-1] if self.points else None
        if last is not None and last["epoch"] == self.last_seen[0]:
            if self.task.target[0] in last:
                return
            self.points.pop()  # a loss-only point: redo it with the metric
        self._add_point(*self.last_seen, time.perf_counter(), final=True)

    def _add_point(self, epoch: int, loss: float, now: float, final: bool = False) -> None:
        point = {"epoch": epoch, "loss": float(loss), "seconds": self.epoch_ends[-1]}
        name = self.task.target[0]
        if self.samples_after_target >= 0:
            self.samples_after_target += 1
            if self.samples_after_target % AFTER_TARGET_EVERY and epoch != self.last_epoch and not final:
                self.points.append(point)  # the loss only: it costs nothing
                return
        try:
            outputs = self.backend.predict(self.split.X_test)
            scores = metrics.score(self.task.kind, self.split.Y_test, outputs,
                                   self.split.target_scale, self.split.target_offset, only=name)
            point[name] = float(scores[name])  # type: ignore[arg-type]
        except FloatingPointError:
            point[name] = float("nan")
        if self.samples_after_target < 0 and _first_reaching([point], self.task.target):
            self.samples_after_target = 0
        self.points.append(point)
        self.excluded += time.perf_counter() - now


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


def _first_reaching(
    points: list[dict[str, float]], target: tuple[str, float, str]
) -> dict[str, float] | None:
    name, value, direction = target
    for point in points:
        reached = point.get(name)
        if reached is None or math.isnan(reached):
            continue
        if (direction == "max" and reached >= value) or (direction == "min" and reached <= value):
            return point
    return None


def resolve_spec(task: Task, config: CellConfig) -> NetworkSpec:
    """The task's network for this cell: its seed, the overrides, and in the open division the
    deep-learning libraries' float32 unless the overrides name a dtype."""
    spec = task.default_spec().replace(seed=config.seed)
    if config.division == "open" and "dtype" not in config.overrides:
        spec = spec.replace(dtype=OPEN_DTYPE)
    if config.overrides:
        spec = spec.replace(**coerce_overrides(config.overrides))
    return spec


def run_cell(config: CellConfig) -> dict[str, Any]:
    """Run one cell here and return its complete record (never raises)."""
    record = empty_record(config)
    wall_start = time.perf_counter()
    try:
        backend_cls = registry.backend_class(config.backend)
    except ImportError as exc:
        return _cannot_import(record, config, f"cannot import backend: {exc}")
    ok, why = backend_cls.available()  # imports the backend's library
    task = registry.task(config.task, config.task_file) if ok else None
    setup_start = time.perf_counter()
    record["env"] = environment.describe(("numpy", *backend_cls.packages))
    if task is None:
        return _cannot_import(record, config, why)
    config.device = backend_cls.resolve_device(config.device)
    record["device"] = config.device
    ok, why = backend_cls.device_available(config.device)
    if not ok:
        record.update(status="skipped", reason=why)
        return record
    backend = backend_cls(device=config.device, threads=config.threads)
    backend.thread_policy = ThreadPolicy.from_environment(os.environ)
    record["env"]["thread_policy"] = backend.thread_policy.to_dict() if backend.thread_policy else None
    backend.setup_threads()
    backend.precision_settings = backend.pin_precision()
    read_start = time.perf_counter()
    task.read_data()
    read_seconds = time.perf_counter() - read_start
    spec = backend.resolve_spec(resolve_spec(task, config))
    record["spec"] = spec.to_dict()
    skip, why = backend.skip(spec, task.kind, config.division)
    if skip:
        record.update(status="skipped", reason=why, deviations=backend.deviations)
        return record
    data_start = time.perf_counter()
    splits = task.splits(config.seed)
    phases = {"imports": setup_start - wall_start, "setup": data_start - setup_start - read_seconds,
              "data": read_seconds + time.perf_counter() - data_start,
              "fit": 0.0, "curve": 0.0, "predict": 0.0}
    info = task.info()
    # data_dir: the folder the task's external data files were read from (None: it reads none)
    record["evaluation"] = {"scheme": info.evaluation, "folds": len(splits),
                            "data_dir": info.data.get("data_dir"),
                            **({"data": info.data} if info.data else {})}
    record["baseline_memory_mb"] = environment.rss_mb()

    fit_seconds = predict_seconds = 0.0
    outputs, truths, recorders = [], [], []
    meter = ContentionMeter(config.threads)
    meter.start()  # contention is measured over the timed phases (fit and predict), curves included
    for index, split in enumerate(splits):
        recorder = EpochRecorder(backend, task, split, spec.epochs, evaluate=index == 0,
                                 max_points=config.curve_points)
        weights = initial_weights(spec)
        recorder.begin()
        backend.fit(spec, split.X_train, split.Y_train, weights, on_epoch=recorder, division=config.division)
        backend.synchronize()
        fit_seconds += time.perf_counter() - recorder.start - recorder.excluded
        recorder.finish()
        predict_start = time.perf_counter()
        split_outputs, seconds = _time_predict(backend, split.X_test)
        phases["predict"] += time.perf_counter() - predict_start
        predict_seconds += seconds
        outputs.append(split_outputs.reshape(split.Y_test.shape))
        truths.append(split.Y_test)
        recorders.append(recorder)

    phases["fit"], phases["curve"] = fit_seconds, sum(r.excluded for r in recorders)
    scoring_start = time.perf_counter()
    first = splits[0]
    record["metrics"] = metrics.score(task.kind, np.vstack(truths), np.vstack(outputs),
                                      first.target_scale, first.target_offset,
                                      names=metrics.task_metrics(task))
    main = recorders[0]
    epoch_times = np.diff([0.0, *main.epoch_ends])
    reached = _first_reaching(main.points, task.target) if len(splits) == 1 else None
    record.update(
        status="ok",
        converged=backend.converged,
        reason="" if backend.converged is not False else "training stopped before its own criterion was met",
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        first_epoch_seconds=float(epoch_times[0]) if len(epoch_times) else None,
        steady_epoch_seconds=statistics.median(epoch_times[1:].tolist()) if len(epoch_times) > 1 else None,
        epochs=backend.epochs_run,
        final_loss=backend.final_loss,
        recipe=_recipe_data(backend.recipe) if config.division == "open" else None,
        target={"metric": task.target[0], "value": task.target[1], "direction": task.target[2]},
        time_to_target_seconds=reached["seconds"] if reached else None,
        epochs_to_target=int(reached["epoch"]) if reached else None,
        curve=main.points,
        deviations=backend.deviations,
        peak_memory_mb=environment.peak_rss_mb(),
    )
    phases["scoring"] = time.perf_counter() - scoring_start
    record["env"]["device_conditions"] = backend.device_conditions().to_dict()
    broken = not_finite(record)
    if broken:
        record.update(status="failed", reason=f"not a finite number: {', '.join(broken)}")
    record["wall_seconds"] = time.perf_counter() - wall_start
    record["phase_seconds"] = phases
    # after the wall time: a short cell's window is widened by sampling while the cell is idle
    conditions = meter.stop(timed_seconds=phases["fit"] + phases["curve"] + phases["predict"])
    conditions.stability = Stability.of(epoch_times.tolist())
    record["conditions"] = conditions.to_dict()
    return record


def not_finite(record: dict[str, Any]) -> list[str]:
    """The metrics and times of an ok record that are NaN or infinite (an ok record has none)."""
    values = {**record["metrics"], "fit_seconds": record["fit_seconds"],
              "predict_seconds": record["predict_seconds"]}
    return [name for name, value in values.items()
            if isinstance(value, float) and not math.isfinite(value)]


def _recipe_data(recipe: Recipe | dict[str, Any]) -> dict[str, Any]:
    """The recipe as stored in the record (plain JSON values)."""
    return recipe.to_dict() if isinstance(recipe, Recipe) else recipe


def _cannot_import(record: dict[str, Any], config: CellConfig, reason: str) -> dict[str, Any]:
    """A library that did not load: skipped when it is missing, failed when memory ran out."""
    if any(marker in reason.lower() for marker in OUT_OF_MEMORY_IMPORT_MARKERS):
        record.update(status="failed", reason=out_of_memory_reason(config.memory_limit_mb, reason))
    else:
        record.update(status="skipped", reason=reason)
    return record


def run_cell_safely(config: CellConfig) -> dict[str, Any]:
    """:func:`run_cell`, turning any exception into a failed record."""
    try:
        return run_cell(config)
    except SpecError as exc:
        return failed_record(config, f"invalid spec: {exc}")
    except MemoryError as exc:
        reason = out_of_memory_reason(config.memory_limit_mb, f"{type(exc).__name__}: {exc}")
        return failed_record(config, reason)
    except Exception as exc:  # noqa: BLE001 - a backend may raise anything
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return failed_record(config, f"{type(exc).__name__}: {exc} ({last.filename}:{last.lineno})")


def main(argv: list[str]) -> int:
    config_path, result_path = argv
    with open(config_path, encoding="utf-8") as handle:
        config = CellConfig(**json.load(handle))
    record = run_cell_safely(config)
    with open(result_path, "w", encoding="utf-8") as handle:
        handle.write(dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One trial of the tuned division, inside the worker process (:mod:`bench.run.entry`).

A trial trains the open-division recipe with the trial's values (learning rate,
batch size, optimizer) for the space's epoch budget on the *fit* rows of the
training set and scores the task's target metric on the *validation* rows
after the epochs the curve schedule samples (:func:`bench.core.tuning.validation_rows`:
the same rows for every backend). The test rows are never read. Its record's
``trial`` holds the best validation score, the epoch that reached it, the fit
time (validation scoring excluded) and the validation curve.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from bench.core import metrics
from bench.core.backend import Backend
from bench.core.record import CellConfig, Record, empty_record
from bench.core.scaling import scale_inputs
from bench.core.task import Task
from bench.core.tuning import TrialResult, TrialValues, TuningSpace, trial_spec, validation_rows
from bench.run import environment
from bench.run.worker import _load, _set_up, resolve_spec


class ValidationScorer:
    """``on_epoch`` of a trial: the target metric on the validation rows at sampled epochs (timed apart)."""

    def __init__(self, backend: Backend, task: Task, X_val: np.ndarray, Y_val: np.ndarray,
                 scale: tuple[float, float], epochs: int, points: int) -> None:
        self.backend, self.task, self.X_val, self.Y_val = backend, task, X_val, Y_val
        self.scale = scale
        self.every = max(1, math.ceil(epochs / max(points, 1)))
        self.last_epoch = epochs
        self.curve: list[list[float]] = []
        self.excluded = 0.0

    def __call__(self, epoch: int, loss: float) -> None:
        if epoch % self.every and epoch != self.last_epoch and epoch != 1:
            return
        self.backend.synchronize()
        start = time.perf_counter()
        name = self.task.target[0]
        try:
            outputs = np.asarray(self.backend.predict(self.X_val)).reshape(self.Y_val.shape)
            value = float(metrics.score(self.task.kind, self.Y_val, outputs, *self.scale, only=name)[name])
        except (FloatingPointError, ValueError):  # diverged outputs, an undefined metric
            value = math.nan
        self.curve.append([epoch, value])
        self.excluded += time.perf_counter() - start

    def best(self) -> tuple[float | None, int | None]:
        """The best finite score and its epoch (the earliest among equals); (None, None) without one."""
        finite = [(epoch, value) for epoch, value in self.curve if math.isfinite(value)]
        if not finite:
            return None, None
        sign = 1.0 if self.task.target[2] == "max" else -1.0
        epoch, value = max(finite, key=lambda point: (sign * point[1], -point[0]))
        return value, int(epoch)


def run_trial(config: CellConfig) -> Record:
    """Train one trial in this process and return its record (the caller turns exceptions into one)."""
    job = config.tuning or {}
    space = TuningSpace.from_dict(job["space"])
    values = TrialValues.from_dict(job["values"])
    result = TrialResult(number=int(job["number"]), values=values)
    record = empty_record(config)
    wall_start = time.perf_counter()
    loaded = _load(config, record)
    backend = None if loaded is None else _set_up(config, record, loaded.backend_cls)
    if loaded is None or backend is None:
        result.status, result.reason = record.status, record.reason
        record.trial = result.to_dict()
        return record
    task = loaded.task
    task.read_data()
    spec = trial_spec(backend.resolve_spec(resolve_spec(task, config)), space, values)
    record.spec = spec.to_dict()
    skip, why = backend.skip(spec, task.kind, "tuned")
    if skip:
        record.status = result.status = "skipped"
        record.reason = result.reason = why
        record.trial = result.to_dict()
        return record
    split = task.splits(config.seed)[0]
    fit_rows, held_rows = validation_rows(len(split.X_train), config.seed, space.validation_fraction)
    # the validation rows play the test rows' part; input scaling is fitted on the fit rows only
    split = scale_inputs([dataclasses.replace(
        split, X_train=split.X_train[fit_rows], Y_train=split.Y_train[fit_rows],
        X_test=split.X_train[held_rows], Y_test=split.Y_train[held_rows])], spec.input_scaling)[0]
    scorer = ValidationScorer(backend, task, split.X_test, split.Y_test,
                              (split.target_scale, split.target_offset), spec.epochs, config.curve_points)
    start = time.perf_counter()
    backend.fit(spec, split.X_train, split.Y_train, None, on_epoch=scorer, division="tuned")
    backend.synchronize()
    result.fit_seconds = time.perf_counter() - start - scorer.excluded
    result.validation_score, result.best_epoch = scorer.best()
    result.validation_curve = scorer.curve
    result.status = "ok" if result.validation_score is not None else "failed"
    result.reason = "" if result.ok else "no finite validation score at any sampled epoch"
    result.wall_seconds = time.perf_counter() - wall_start
    record.status, record.reason = result.status, result.reason
    record.fit_seconds, record.epochs = result.fit_seconds, backend.epochs_run
    record.final_loss = backend.final_loss
    record.deviations = backend.deviations
    record.target = {"metric": task.target[0], "value": task.target[1], "direction": task.target[2]}
    record.peak_memory_mb = environment.peak_rss_mb()
    record.wall_seconds = result.wall_seconds
    record.trial = result.to_dict()
    return record

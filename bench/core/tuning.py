"""The tuned division's data: the search space, one trial's job and result, a cell's tuning outcome.

The space is the suite's ``[tuning]`` table (the same for every backend × task
× seed): ``trials`` trials, each a learning rate drawn log-uniformly from
``learning_rate = [low, high]``, a batch size from ``batch_size`` (0 = the whole
training set), an optimizer from ``optimizers`` (``sgd``: SGD with
``momentum``; ``adam``), each trained for ``epochs`` epochs (the budget; 0 = the
task's own epochs) with the best epoch chosen on a validation split of
``validation_fraction`` of the training rows (:func:`validation_rows`).

This module holds plain typed data only; the sampler (Optuna) lives in
:mod:`bench.run.tuning`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.core.spec import OPTIMIZERS, NetworkSpec
from bench.core.task import Split

#: The one sampler: trial values that do not depend on any result, so every backend of a seed gets the
#: identical sequence and a resumed or parallel study equals a serial one (docs/tuned.md).
SAMPLERS = ("random",)
#: The most trials one cell may run.
MAX_TRIALS = 10_000
#: Salt of the validation split's generator (the split depends on the task's seed only).
VALIDATION_SALT = 0x7E57ED
#: A trial's job in a CellConfig's ``tuning``: "trial" trains on the validation split, "final" on all
#: training rows with the chosen values, scored on the test rows.
ROLES = ("trial", "final")


class TuningError(ValueError):
    """A ``[tuning]`` table that cannot be run as written (one ``error:`` line)."""


@dataclass(frozen=True)
class TuningSpace:
    """The search space and budget every backend × task × seed of the tuned division gets."""

    trials: int = 12
    learning_rate: tuple[float, float] = (1e-3, 1.0)
    batch_size: tuple[int, ...] = (16, 32, 64, 128)
    optimizers: tuple[str, ...] = ("sgd", "adam")
    momentum: float = 0.9
    epochs: int = 0
    validation_fraction: float = 0.2
    sampler: str = "random"

    def __post_init__(self) -> None:
        for name in ("learning_rate", "batch_size", "optimizers"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)):
                raise TuningError(f"tuning.{name} must be a list, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`TuningError` naming the first impossible setting."""
        _whole("trials", self.trials, 1, MAX_TRIALS)
        _whole("epochs", self.epochs, 0, 1_000_000)
        if len(self.learning_rate) != 2 or not all(_number(v) for v in self.learning_rate):
            raise TuningError(f"tuning.learning_rate must be [low, high], got {list(self.learning_rate)}")
        low, high = self.learning_rate
        if not 0 < low < high:
            raise TuningError(f"tuning.learning_rate must have 0 < low < high, got {[low, high]}")
        if not self.batch_size:
            raise TuningError("tuning.batch_size lists no batch size")
        for size in self.batch_size:
            _whole("batch_size", size, 0, 2**31 - 1)
        if not self.optimizers or any(name not in OPTIMIZERS for name in self.optimizers):
            raise TuningError(f"tuning.optimizers must be a non-empty list of {list(OPTIMIZERS)}, "
                              f"got {list(self.optimizers)}")
        for label, items in (("batch_size", self.batch_size), ("optimizers", self.optimizers)):
            if len(set(items)) != len(items):
                raise TuningError(f"tuning.{label} lists a value more than once: {list(items)}")
        if not _number(self.momentum) or not 0 <= self.momentum < 1:
            raise TuningError(f"tuning.momentum must be in [0, 1), got {self.momentum!r}")
        fraction = self.validation_fraction
        if not _number(fraction) or not 0 < fraction < 1:
            raise TuningError(f"tuning.validation_fraction must be in (0, 1), got {fraction!r}")
        if self.sampler not in SAMPLERS:
            raise TuningError(f"tuning.sampler must be one of {list(SAMPLERS)}, got {self.sampler!r}")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in ("learning_rate", "batch_size", "optimizers"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: Any) -> TuningSpace:
        """The space of a ``[tuning]`` table (missing keys take their defaults)."""
        if not isinstance(data, dict):
            raise TuningError(f"tuning must be a table of keys, got {data!r}")
        known = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TuningError(f"unknown tuning key(s) {unknown}; known: {sorted(known)}")
        return cls(**data)


def _number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _whole(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not low <= value <= high:
        raise TuningError(f"tuning.{name} must be an integer >= {low} and <= {high}, got {value!r}")


@dataclass(frozen=True)
class TrialValues:
    """One point of the space: what a trial (or the final fit) hands the open-division recipe."""

    learning_rate: float
    batch_size: int
    optimizer: str

    def spec_changes(self, space: TuningSpace) -> dict[str, Any]:
        """The spec fields these values set (momentum: the space's for SGD, 0 for Adam)."""
        return {"learning_rate": float(self.learning_rate), "batch_size": int(self.batch_size),
                "optimizer": self.optimizer, "momentum": space.momentum if self.optimizer == "sgd" else 0.0}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialValues:
        return cls(learning_rate=float(data["learning_rate"]), batch_size=int(data["batch_size"]),
                   optimizer=str(data["optimizer"]))


@dataclass
class TrialResult:
    """What one trial gave (a trial record's ``trial``; every one is kept in the final ``tuning``)."""

    number: int
    values: TrialValues
    status: str = "failed"
    reason: str = ""
    #: the best validation score over the epochs, and the epoch (from 1) that reached it
    validation_score: float | None = None
    best_epoch: int | None = None
    #: the trial's training time (validation scoring excluded) and its process's wall time
    fit_seconds: float | None = None
    wall_seconds: float | None = None
    #: the validation score after each evaluated epoch: [[epoch, score], ...]
    validation_curve: list[list[float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.validation_score is not None and math.isfinite(
            self.validation_score)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["values"] = self.values.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialResult:
        known = {item.name for item in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["values"] = TrialValues.from_dict(data["values"])
        return cls(**values)


@dataclass
class TuningOutcome:
    """A tuned cell's whole tuning (the final record's ``tuning``)."""

    space: TuningSpace
    metric: str
    direction: str
    sampler_seed: int
    trials: list[TrialResult]
    chosen: TrialResult | None
    #: the trials' process wall times summed: the tuning's cost, the same serial, on Dask or resumed
    tuning_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"space": self.space.to_dict(), "metric": self.metric, "direction": self.direction,
                "sampler": self.space.sampler, "sampler_seed": self.sampler_seed,
                "trials": [trial.to_dict() for trial in self.trials],
                "chosen": None if self.chosen is None else self.chosen.number,
                "chosen_values": None if self.chosen is None else self.chosen.values.to_dict(),
                "chosen_epochs": None if self.chosen is None else self.chosen.best_epoch,
                "validation_score": None if self.chosen is None else self.chosen.validation_score,
                "tuning_seconds": self.tuning_seconds}


def best_trial(trials: list[TrialResult], direction: str) -> TrialResult | None:
    """The trial with the best validation score (ties: the earlier trial); None when none is ok."""
    ok = [trial for trial in trials if trial.ok]
    if not ok:
        return None
    sign = -1.0 if direction == "max" else 1.0
    return min(ok, key=lambda trial: (sign * float(trial.validation_score or 0.0), trial.number))


def validation_rows(rows: int, seed: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """``(fit rows, validation rows)``: a split of ``rows`` training rows that depends on ``seed`` and
    ``fraction`` only, so every backend tunes on the same rows. At least one row on each side;
    :class:`TuningError` for fewer than two rows."""
    if rows < 2:
        raise TuningError(f"{rows} training row(s) cannot be split into fit and validation rows")
    held = min(rows - 1, max(1, round(rows * fraction)))
    order = np.random.default_rng([VALIDATION_SALT, seed]).permutation(rows)
    return np.sort(order[held:]), np.sort(order[:held])


def trial_spec(base: NetworkSpec, space: TuningSpace, values: TrialValues, epochs: int | None = None
               ) -> NetworkSpec:
    """``base`` (the open division's spec) with a trial's values and ``epochs`` (default: the budget)."""
    budget = epochs if epochs is not None else (space.epochs or base.epochs)
    return base.replace(**values.spec_changes(space), epochs=int(budget))


def tuned_splits(splits: list[Split], seed: int, tuning: dict[str, Any] | None) -> list[Split]:
    """The tuned division's final fit: the first split (a cross-validated task's other folds' test rows
    are training rows of the first), trained on the fit rows the trials trained on, so that the scored
    model is the validated one (same rows, seed and epochs); its test rows as they are."""
    space = TuningSpace.from_dict((tuning or {}).get("space", {}))
    first = splits[0]
    fit, _ = validation_rows(len(first.X_train), seed, space.validation_fraction)
    return [dataclasses.replace(first, X_train=first.X_train[fit], Y_train=first.Y_train[fit])]

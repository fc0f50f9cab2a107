"""The `Task` contract: data, splits, the metric and a default network.

A task hands every backend the *same* arrays: inputs ``X`` as a float matrix
and targets ``Y`` already encoded for the network's output layer (one column
of 0/1 for binary classes, one-hot columns for several classes, as on the
slide "output layer with categorical data"; the real value for regression).
Backends return raw network outputs; :mod:`bench.core.metrics` decodes and scores
them, the same code for every backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from bench.core.spec import NetworkSpec

TaskKind = Literal["binary", "multiclass", "regression"]


@dataclass
class Split:
    """One train/test partition, already preprocessed (fit on train only)."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    name: str = "holdout"
    # For regression: y_original = Y * target_scale + target_offset.
    target_scale: float = 1.0
    target_offset: float = 0.0


@dataclass
class TaskInfo:
    """What `python -m bench tasks` prints and each result records."""

    source: str = "embedded"
    licence: str = ""
    rows: int = 0
    features: int = 0
    classes: list[str] = field(default_factory=list)
    evaluation: str = "holdout"
    notes: str = ""
    #: Where the rows came from, for tasks read from a user's file: name, bytes, sha256, ...
    #: (stored in each record as ``evaluation.data``; empty for built-in tasks).
    data: dict[str, Any] = field(default_factory=dict)


class TaskDataError(ValueError):
    """A task's data files are missing or unreadable (one line, naming the file)."""


class Task(ABC):
    """A learning problem: its data, how it is split, and how it is scored."""

    name: str = ""
    kind: TaskKind = "binary"
    #: (metric name, value, "max" or "min"): the time-to-target threshold.
    target: tuple[str, float, str] = ("accuracy", 1.0, "max")
    #: The metrics every run of the task is scored on, names from :data:`bench.core.metrics.METRICS`;
    #: every built-in task declares its own; empty (a plugin that lists none): the kind's defaults
    #: (:func:`bench.core.metrics.default_metrics`).
    metrics: tuple[str, ...] = ()

    @abstractmethod
    def splits(self, seed: int) -> list[Split]:
        """The train/test partitions for ``seed`` (deterministic)."""

    @abstractmethod
    def default_spec(self) -> NetworkSpec:
        """The network every backend trains on this task unless told otherwise."""

    @abstractmethod
    def info(self) -> TaskInfo:
        """Source, licence, size and evaluation scheme."""

    def check_data(self) -> None:
        """Raise :class:`TaskDataError` when the data cannot be read (default: always readable).

        Called by ``Suite.validate`` before anything runs; it should be cheap
        (look for files, do not load them).
        """
        return None

    def read_data(self) -> None:
        """Bring the data into memory before the cell's network is resolved (default: nothing to do).

        A task whose network depends on its data (a user's file: its columns give
        the input width) reads it here, so that the worker times the read as
        ``data``, not as set-up.
        """
        return None

    def describe(self) -> dict[str, Any]:
        info = self.info()
        spec = self.default_spec()
        return {
            "task": self.name,
            "kind": self.kind,
            "rows": info.rows,
            "features": info.features,
            "classes_or_target": _short_list(info.classes) if info.classes else "real value",
            "evaluation": info.evaluation,
            "source": info.source,
            "licence": info.licence,
            "network": "-".join(str(n) for n in spec.layers)
            + f" {spec.hidden_activation}/{spec.output_activation} {spec.loss}",
            "batch": spec.batch_size or "all",
            "epochs": spec.epochs,
            "lr": spec.learning_rate,
        }


def _short_list(names: list[str], most: int = 4) -> str:
    """``a, b, c`` or, for long lists, ``10 classes: first … last``."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{len(names)} classes: {names[0]} … {names[-1]}"

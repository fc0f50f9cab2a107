"""Scoring, done centrally from raw network outputs (never by a backend).

Classification outputs are decoded as on the slides: one sigmoid/step column
is class 1 when ≥ 0.5; several columns (one-hot, softmax) take the arg-max.
MSE and RMSE follow the slide "mean squared error (MSE) and root mean
squared error (RMSE)"; the XOR example there gives MSE 0.252 / RMSE 0.501
(0.25362 / 0.50361 before the slides' three-decimal truncation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


def decode_classes(outputs: np.ndarray) -> np.ndarray:
    """Class index per row from raw outputs (threshold 0.5, or arg-max)."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(-1) >= 0.5).astype(int)
    return outputs.argmax(axis=1)


class UndefinedMetricError(FloatingPointError):
    """A metric that is not a finite number on these rows (a record with it is not "ok")."""


def _scaled(correct: np.ndarray, prediction: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Both divided by the largest magnitude among them, and that scale: sums of squares of values
    near 1e200 then do not overflow (the scale is applied once, at the end)."""
    correct, prediction = np.asarray(correct, float), np.asarray(prediction, float)
    largest = float(max(np.max(np.abs(correct), initial=0.0), np.max(np.abs(prediction), initial=0.0)))
    scale = largest if math.isfinite(largest) and largest > 0 else 1.0
    return correct / scale, prediction / scale, scale


def mean_squared_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    """MSE = 1/N Σ (f_i - y_i)² over every output value."""
    c, p, scale = _scaled(correct, prediction)
    with np.errstate(over="ignore"):
        return float(np.mean((c - p) ** 2) * scale * scale)


def root_mean_squared_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    c, p, scale = _scaled(correct, prediction)
    with np.errstate(over="ignore"):
        return float(np.sqrt(np.mean((c - p) ** 2)) * scale)


def mean_absolute_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    """The slides' "simplest algorithm": the average of |correct - prediction|."""
    c, p, scale = _scaled(correct, prediction)
    with np.errstate(over="ignore"):
        return float(np.mean(np.abs(c - p)) * scale)


def r2_score(correct: np.ndarray, prediction: np.ndarray) -> float:
    """1 - SS_res / SS_tot; NaN when the targets do not vary (one row, or all equal)."""
    c, p, _ = _scaled(np.asarray(correct, float).reshape(-1), np.asarray(prediction, float).reshape(-1))
    total = np.sum((c - c.mean()) ** 2)
    residual = np.sum((c - p) ** 2)
    return float(1 - residual / total) if total > 0 else float("nan")


def confusion_matrix(true_classes: np.ndarray, predicted: np.ndarray, n_classes: int) -> list[list[int]]:
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(true_classes, int), np.asarray(predicted, int)), 1)
    return matrix.tolist()


# --- the registry: each metric declared once ------------------------------------------------------

CLASSIFICATION = ("binary", "multiclass")
REGRESSION = ("regression",)


@dataclass(frozen=True)
class Metric:
    """A metric: its function, which way is better, and the task kinds it applies to.

    ``function(correct, outputs)`` gets, for classification, the task's
    encoded targets and the raw outputs; for regression both in original
    units. A metric with no function is declared for its direction only (a
    value reported elsewhere, such as the training loss of a curve point).
    """

    name: str
    function: Callable[[np.ndarray, np.ndarray], object] | None
    #: "max": higher is better; "min": lower is better; None: not a number to rank (a matrix)
    direction: str | None
    kinds: tuple[str, ...] = ()
    #: listed by default for every task of these kinds (a task may declare its own list)
    default: bool = True


def _accuracy(Y_true: np.ndarray, outputs: np.ndarray) -> float:
    return float(np.mean(decode_classes(Y_true) == decode_classes(outputs)))


def _confusion(Y_true: np.ndarray, outputs: np.ndarray) -> list[list[int]]:
    n_classes = 2 if Y_true.shape[1] == 1 else Y_true.shape[1]
    return confusion_matrix(decode_classes(Y_true), decode_classes(outputs), n_classes)


#: Every metric, in order of preference as a group's main metric when a record names no target.
METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("accuracy", _accuracy, "max", CLASSIFICATION),
    Metric("r2", r2_score, "max", REGRESSION),
    Metric("rmse", root_mean_squared_error, "min", REGRESSION),
    Metric("mse", mean_squared_error, "min", CLASSIFICATION),
    Metric("mae", mean_absolute_error, "min", REGRESSION),
    Metric("confusion_matrix", _confusion, None, CLASSIFICATION),
    Metric("loss", None, "min"),
    Metric("log_loss", None, "min"),
)}
#: The order ``score`` lists a kind's default metrics in (the order records have always had).
_DEFAULT_ORDER = ("accuracy", "mse", "confusion_matrix", "rmse", "mae", "r2")


def default_metrics(kind: str) -> tuple[str, ...]:
    """The metrics every task of ``kind`` is scored on unless it declares its own."""
    return tuple(name for name in _DEFAULT_ORDER
                 if METRICS[name].default and kind in METRICS[name].kinds)


def task_metrics(task: object) -> tuple[str, ...]:
    """The metrics a task declares (its ``metrics`` attribute), else its kind's defaults."""
    declared = getattr(task, "metrics", None)
    return tuple(declared) if declared else default_metrics(str(getattr(task, "kind", "binary")))


def direction(name: str) -> str:
    """``"max"`` or ``"min"``; an unregistered (or unranked) metric counts as higher-is-better."""
    metric = METRICS.get(name)
    return metric.direction if metric is not None and metric.direction else "max"


def lower_is_better(name: str) -> bool:
    return direction(name) == "min"


def preferred(names: Iterable[str]) -> str | None:
    """The main metric among ``names``: the first in registry order, else the first name."""
    names = list(dict.fromkeys(names))
    ranked = [name for name in METRICS if name in names and METRICS[name].direction]
    return ranked[0] if ranked else (names[0] if names else None)


def check_metrics(kind: str, names: Iterable[str]) -> None:
    """Raise ``ValueError`` for a name that is not a computable metric of ``kind``."""
    for name in names:
        metric = METRICS.get(name)
        if metric is None or metric.function is None or kind not in metric.kinds:
            usable = [m.name for m in METRICS.values() if m.function is not None and kind in m.kinds]
            raise ValueError(f"metric {name!r} does not apply to {kind} tasks; choose from {usable}")


def score(kind: str, Y_true: np.ndarray, outputs: np.ndarray, target_scale: float = 1.0,
          target_offset: float = 0.0, only: str | None = None,
          names: Sequence[str] | None = None) -> dict[str, object]:
    """The metrics ``names`` (default: the kind's), or just ``only``.

    Regression is scored in original units (``Y * target_scale + target_offset``).
    """
    Y_true = np.asarray(Y_true, float)
    outputs = np.asarray(outputs, float).reshape(Y_true.shape)
    if not np.all(np.isfinite(outputs)):
        raise FloatingPointError("network outputs contain NaN or infinity")
    if kind == "regression":
        correct, prediction = Y_true * target_scale + target_offset, outputs * target_scale + target_offset
    else:
        correct, prediction = Y_true, outputs
    chosen = [only] if only is not None else list(names or default_metrics(kind))
    check_metrics(kind, chosen)
    scores: dict[str, object] = {}
    for name in chosen:
        function = METRICS[name].function
        assert function is not None  # check_metrics refuses direction-only entries
        scores[name] = value = function(correct, prediction)
        if isinstance(value, float) and not math.isfinite(value):
            raise UndefinedMetricError(why_undefined(name, value, correct))
    return scores


def why_undefined(name: str, value: float, correct: np.ndarray) -> str:
    """The reason a metric came out NaN or infinite, in words a user can act on."""
    rows = len(correct)
    if name == "r2" and (rows < 2 or np.ptp(np.asarray(correct, float)) == 0):
        return (f"r2 is undefined on {rows} test row(s) whose targets are all equal; "
                "use a larger test split (--test-size) or more rows")
    largest = float(np.max(np.abs(correct), initial=0.0))
    return (f"{name} is {value} on {rows} test row(s): it overflows float64 (targets up to {largest:.3g}); "
            "rescale the target")

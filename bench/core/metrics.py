"""Scoring, done centrally from raw network outputs (never by a backend).

Classification outputs are decoded as on the slides: one sigmoid/step column
is class 1 when ≥ 0.5; several columns (one-hot, softmax) take the arg-max.
MSE and RMSE follow the slide "mean squared error (MSE) and root mean
squared error (RMSE)"; the XOR example there gives MSE 0.252 / RMSE 0.501
(0.25362 / 0.50361 before the slides' three-decimal truncation).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def decode_classes(outputs: np.ndarray) -> np.ndarray:
    """Class index per row from raw outputs (threshold 0.5, or arg-max)."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(-1) >= 0.5).astype(int)
    return outputs.argmax(axis=1)


def mean_squared_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    """MSE = 1/N Σ (f_i - y_i)² over every output value."""
    return float(np.mean((np.asarray(correct, float) - np.asarray(prediction, float)) ** 2))


def root_mean_squared_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    return float(np.sqrt(mean_squared_error(correct, prediction)))


def mean_absolute_error(correct: np.ndarray, prediction: np.ndarray) -> float:
    """The slides' "simplest algorithm": the average of |correct - prediction|."""
    return float(np.mean(np.abs(np.asarray(correct, float) - np.asarray(prediction, float))))


def r2_score(correct: np.ndarray, prediction: np.ndarray) -> float:
    correct = np.asarray(correct, float).reshape(-1)
    prediction = np.asarray(prediction, float).reshape(-1)
    total = np.sum((correct - correct.mean()) ** 2)
    residual = np.sum((correct - prediction) ** 2)
    return float(1 - residual / total) if total > 0 else float("nan")


def confusion_matrix(true_classes: np.ndarray, predicted: np.ndarray, n_classes: int) -> list[list[int]]:
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(true_classes, int), np.asarray(predicted, int)), 1)
    return matrix.tolist()


def score(kind: str, Y_true: np.ndarray, outputs: np.ndarray, target_scale: float = 1.0,
          target_offset: float = 0.0, only: str | None = None) -> dict[str, object]:
    """All metrics of a task kind (or just ``only``); regression is scored in original units."""
    Y_true = np.asarray(Y_true, float)
    outputs = np.asarray(outputs, float).reshape(Y_true.shape)
    if not np.all(np.isfinite(outputs)):
        raise FloatingPointError("network outputs contain NaN or infinity")
    if kind == "regression":
        correct = Y_true * target_scale + target_offset
        prediction = outputs * target_scale + target_offset
        calculators: dict[str, Callable[[], object]] = {
            "rmse": lambda: root_mean_squared_error(correct, prediction),
            "mae": lambda: mean_absolute_error(correct, prediction),
            "r2": lambda: r2_score(correct, prediction),
        }
    else:
        true_classes = decode_classes(Y_true)
        predicted = decode_classes(outputs)
        n_classes = 2 if Y_true.shape[1] == 1 else Y_true.shape[1]
        calculators = {
            "accuracy": lambda: float(np.mean(true_classes == predicted)),
            "mse": lambda: mean_squared_error(Y_true, outputs),
            "confusion_matrix": lambda: confusion_matrix(true_classes, predicted, n_classes),
        }
    names = list(calculators) if only is None else [only]
    return {name: calculators[name]() for name in names}

"""Shared data preparation for every task: split, scale, encode — in one place.

The rules (docs/tasks.md):

* the train/test split is drawn from the run's seed, stratified by class for
  classification (scikit-learn ``train_test_split(stratify=...)``);
* every statistic (mean, standard deviation) is fitted on the training rows
  only and then applied unchanged to the test rows, so nothing about the test
  rows leaks into training;
* classes are encoded for the output layer as on the slide "output layer with
  categorical data": one 0/1 column for two classes, one-hot columns for more;
* regression targets are standardised on the training rows, and the split
  records ``target_scale``/``target_offset`` so that metrics are computed in
  the original units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.core.task import Split

#: Fraction of the rows held out for testing in every holdout task.
TEST_FRACTION = 0.2


def holdout_indices(
    n_rows: int, seed: int, test_fraction: float = TEST_FRACTION, stratify: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test), drawn from ``seed``; stratified by ``stratify`` when given."""
    rows = np.arange(n_rows)
    from sklearn.model_selection import train_test_split  # deferred: the logic gates never load sklearn

    train, test = train_test_split(rows, test_size=test_fraction, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(test)


def leave_one_out_indices(n_rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row indices: each row is the test set once, in table order."""
    rows = np.arange(n_rows)
    return [(np.delete(rows, i), rows[i:i + 1]) for i in range(n_rows)]


class Standardiser:
    """z = (x - mean) / std, with mean and std fitted on the rows given (the training rows).

    Each column is first divided by its largest magnitude, so values near the
    float64 limit (±1e200, 1e300) standardise without overflowing; ``mean``
    and ``std`` are in the original units. Columns that are constant in those
    rows get std 1 (they become 0). A value that is not finite is refused
    (``ValueError`` naming the column index).
    """

    def __init__(self, X_train: np.ndarray) -> None:
        X_train = np.asarray(X_train, dtype=float)
        bad = ~np.isfinite(X_train).all(axis=0) if X_train.ndim == 2 else ~np.isfinite(X_train)
        if np.any(bad):
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(f"column {first} holds a value that is not a finite number")
        largest = np.max(np.abs(X_train), axis=0, initial=0.0)
        self.scale = np.where(largest > 0, largest, 1.0)
        scaled = X_train / self.scale
        self.scaled_mean = scaled.mean(axis=0)
        scaled_std = scaled.std(axis=0)
        self.scaled_std = np.where(scaled_std > 0, scaled_std, 1.0)
        self.mean = self.scaled_mean * self.scale
        with np.errstate(over="ignore"):
            self.std = self.scaled_std * self.scale

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=float) / self.scale - self.scaled_mean) / self.scaled_std


def standardise(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both parts standardised with the training part's mean and std."""
    scaler = Standardiser(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def encode_classes(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Output-layer targets: one 0/1 column for two classes, one-hot columns for more."""
    labels = np.asarray(labels, dtype=int).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"class labels must lie in 0..{n_classes - 1}")
    if n_classes == 2:
        return labels.astype(float).reshape(-1, 1)
    return np.eye(n_classes)[labels]


def one_hot_columns(values: Sequence[object], categories: Sequence[object]) -> np.ndarray:
    """One 0/1 column per category (in the order given); unknown values are all zeros."""
    index = {category: i for i, category in enumerate(categories)}
    encoded = np.zeros((len(values), len(categories)))
    for row, value in enumerate(values):
        if value in index:
            encoded[row, index[value]] = 1.0
    return encoded


def classification_split(
    X: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    train: np.ndarray,
    test: np.ndarray,
    standardise_columns: np.ndarray | slice | None = slice(None),
    name: str = "holdout",
) -> Split:
    """A :class:`Split` of rows ``train``/``test`` with standardised inputs and encoded classes.

    ``standardise_columns`` picks the columns scaled with training statistics
    (``None``: none, e.g. pixels already in [0, 1] or one-hot indicators).
    """
    X = np.asarray(X, dtype=float)
    X_train, X_test = X[train].copy(), X[test].copy()
    if standardise_columns is not None:
        X_train[:, standardise_columns], X_test[:, standardise_columns] = standardise(
            X_train[:, standardise_columns], X_test[:, standardise_columns])
    Y = encode_classes(labels, n_classes)
    return Split(X_train, Y[train], X_test, Y[test], name=name)


def regression_split(X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray,
                     name: str = "holdout",
                     standardise_columns: np.ndarray | slice | None = slice(None)) -> Split:
    """Inputs and target standardised with training statistics; metrics undo the target scaling.

    ``standardise_columns`` picks the input columns scaled (``None``: none), as in
    :func:`classification_split`; the target is always standardised.
    """
    X = np.asarray(X, dtype=float)
    X_train, X_test = X[train].copy(), X[test].copy()
    if standardise_columns is not None:
        X_train[:, standardise_columns], X_test[:, standardise_columns] = standardise(
            X_train[:, standardise_columns], X_test[:, standardise_columns])
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    scaler = Standardiser(y[train])
    return Split(X_train, scaler.transform(y[train]), X_test, scaler.transform(y[test]), name=name,
                 target_scale=float(scaler.std[0]), target_offset=float(scaler.mean[0]))


def hidden_neurons(n_inputs: int, n_outputs: int) -> int:
    """The seed slide "hidden layers": Neurons = (Inputs + Outputs) / 2, halves rounded up."""
    return (n_inputs + n_outputs + 1) // 2

"""Regression tasks: shapes, seeded holdouts, train-only scaling, original units, friedman1 parameters."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.metrics import task_metrics
from bench.core.task import TaskDataError
from tasks.regression import Diabetes, Fair, Friedman1, RegressionTask


@pytest.mark.parametrize(("task", "train_rows", "test_rows", "features"),
                         [(Diabetes(), 353, 89, 10), (Fair(), 5092, 1274, 8), (Friedman1(), 1600, 400, 10)])
def test_shapes_and_train_only_scaling(task: RegressionTask, train_rows: int, test_rows: int,
                                       features: int) -> None:
    (split,) = task.splits(seed=0)
    assert split.X_train.shape == (train_rows, features) and split.X_test.shape == (test_rows, features)
    assert split.Y_train.shape == (train_rows, 1) and split.Y_test.shape == (test_rows, 1)
    assert np.allclose(split.X_train.mean(axis=0), 0) and np.allclose(split.Y_train.mean(), 0)
    assert np.isclose(split.Y_train.std(), 1)
    assert not np.isclose(split.Y_test.mean(), 0)  # the test rows keep the training statistics
    assert task.kind == "regression" and task_metrics(task) == ("rmse", "mae", "r2")


def test_targets_return_to_original_units() -> None:
    from sklearn.datasets import load_diabetes

    _, y = load_diabetes(return_X_y=True, scaled=False)
    (split,) = Diabetes().splits(seed=2)
    scaled = np.concatenate([split.Y_train, split.Y_test]).reshape(-1)
    restored = scaled * split.target_scale + split.target_offset
    assert np.allclose(np.sort(restored), np.sort(y))


def test_splits_are_seeded() -> None:
    a, b, c = (Diabetes().splits(s)[0] for s in (1, 1, 2))
    assert np.array_equal(a.X_test, b.X_test) and np.array_equal(a.Y_train, b.Y_train)
    assert not np.array_equal(a.Y_test, c.Y_test)


def test_fair_reads_the_statsmodels_csv() -> None:
    X, y = Fair().data()
    assert X.shape == (6366, 8) and not np.isnan(X).any()
    assert np.mean(y == 0) > 0.6  # mostly zeros: why its R² is low


def test_friedman1_size_and_noise_are_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    small = Friedman1(n_samples=100, noise=0.0)
    X, y = small.data()
    assert X.shape == (100, 10) and small.info().rows == 100
    expected = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
    assert np.allclose(y, expected)
    assert np.array_equal(Friedman1(n_samples=100, noise=0.0).data()[1], y)  # fixed generator seed
    monkeypatch.setenv("NNBENCH_FRIEDMAN1_SAMPLES", "300")
    monkeypatch.setenv("NNBENCH_FRIEDMAN1_NOISE", "2.5")
    from_env = Friedman1()
    assert (from_env.n_samples, from_env.noise) == (300, 2.5)
    monkeypatch.setenv("NNBENCH_FRIEDMAN1_SAMPLES", "many")
    with pytest.raises(TaskDataError, match="NNBENCH_FRIEDMAN1"):
        Friedman1()


def test_default_networks_are_linear_output_mse() -> None:
    for task in (Diabetes(), Fair(), Friedman1()):
        spec = task.default_spec()
        assert (spec.output_activation, spec.loss, spec.reduction) == ("linear", "mse", "mean")
        assert spec.layers[0] == task.n_features and spec.layers[-1] == 1

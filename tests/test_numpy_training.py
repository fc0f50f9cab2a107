"""The from-scratch MLP learns: XOR to 100 % within the task's 500-epoch budget."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from backends.numpy_perceptron import NumpyPerceptron
from bench.core import metrics
from tasks.logic_gates import And, Xor


@pytest.mark.parametrize("seed", range(5))
def test_mlp_learns_xor_within_budget(seed: int) -> None:
    task = Xor()
    spec = task.default_spec().replace(seed=seed)
    split = task.splits(seed)[0]
    backend = NumpyMLP()
    backend.fit(spec, split.X_train, split.Y_train)
    assert spec.epochs == 500 and backend.epochs_run == 500
    assert metrics.score("binary", split.Y_test, backend.predict(split.X_test))["accuracy"] == 1.0


@pytest.mark.parametrize("batch_size", [1, 2, 0])
def test_stochastic_minibatch_and_batch_descent_all_learn_xor(batch_size: int) -> None:
    task = Xor()
    spec = task.default_spec().replace(batch_size=batch_size, reduction="mean", learning_rate=1.0,
                                       epochs=2000, shuffle=True)
    split = task.splits(0)[0]
    backend = NumpyMLP()
    backend.fit(spec, split.X_train, split.Y_train)
    assert metrics.score("binary", split.Y_test, backend.predict(split.X_test))["accuracy"] == 1.0


def test_adam_and_float32_train() -> None:
    task = Xor()
    spec = task.default_spec().replace(optimizer="adam", learning_rate=0.05, momentum=0.0,
                                       dtype="float32", epochs=800)
    split = task.splits(0)[0]
    backend = NumpyMLP()
    backend.fit(spec, split.X_train, split.Y_train)
    assert backend.predict(split.X_test).dtype == np.float32
    assert metrics.score("binary", split.Y_test, backend.predict(split.X_test))["accuracy"] == 1.0


def test_perceptron_backend_reports_xor_not_converged() -> None:
    task = Xor()
    backend = NumpyPerceptron()
    spec = backend.resolve_spec(task.default_spec())
    assert spec.layers == (2, 1) and spec.init == "zeros"
    assert backend.deviations  # the hidden layer it dropped is recorded
    split = task.splits(0)[0]
    backend.fit(spec, split.X_train, split.Y_train)
    assert backend.converged is False and backend.epochs_run == spec.epochs


def test_perceptron_backend_learns_and() -> None:
    backend = NumpyPerceptron()
    spec = backend.resolve_spec(And().default_spec().replace(learning_rate=0.1))
    split = And().splits(0)[0]
    backend.fit(spec, split.X_train, split.Y_train)
    assert backend.converged is True and backend.epochs_run == 6

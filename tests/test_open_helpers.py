"""The base class's shared open-division helpers: the recipe from the spec, the hand-written batch loop."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.core.backend import Backend, dtype_name
from bench.core.spec import NetworkSpec

SPEC = NetworkSpec(layers=(2, 3, 1), hidden_activation="tanh", output_activation="sigmoid",
                   loss="cross_entropy", reduction="mean", optimizer="sgd", learning_rate=0.5, momentum=0.9,
                   batch_size=4, epochs=3, shuffle=True, seed=7, dtype="float32")


class _Fake(Backend):
    name = "fake"

    def load(self, spec: NetworkSpec, weights: Any) -> None:
        return None

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.zeros((len(X), 1))

    def parameter_dtype(self) -> str:
        return "float64"


def test_the_recipe_takes_the_shared_choices_from_the_spec_and_the_dtype_from_the_parameters() -> None:
    recipe = _Fake().open_recipe(SPEC, 10, library="fake", model="m", init="i", loss="l", loop="p",
                                 arguments={"a": 1})
    assert (recipe.seed, recipe.optimizer, recipe.learning_rate, recipe.momentum) == (7, "sgd", 0.5, 0.9)
    assert (recipe.batch_size, recipe.epochs, recipe.shuffle, recipe.device) == (4, 3, True, "cpu")
    assert recipe.dtype == "float64"  # what the model holds, not what the spec asked
    adam = _Fake().open_recipe(SPEC.replace(optimizer="adam", batch_size=0), 10, library="fake", model="m",
                               init="i", loss="l", loop="p", arguments={}, seeded=False)
    assert adam.momentum is None and adam.batch_size == 10 and adam.seed is None


def test_train_batches_reports_the_mean_row_loss_of_each_epoch() -> None:
    backend, seen, orders = _Fake(), [], []
    losses: list[tuple[int, float]] = []

    def order() -> np.ndarray:
        orders.append(1)
        return np.arange(10)[::-1]

    def step(rows: Any) -> float:
        seen.append(list(rows))
        return float(np.mean(rows))  # the batch's mean "row loss": the row index

    backend.train_batches(SPEC, 10, lambda epoch, loss: losses.append((epoch, loss)), order, step)
    assert seen[:3] == [[9, 8, 7, 6], [5, 4, 3, 2], [1, 0]] and len(orders) == 3
    assert losses == [(1, 4.5), (2, 4.5), (3, 4.5)] and backend.epochs_run == 3  # mean of 0..9, per row
    summed: list[float] = []
    backend.train_batches(SPEC.replace(reduction="sum", shuffle=False, epochs=1), 10,
                          lambda epoch, loss: summed.append(loss), order,
                          lambda rows: float(np.arange(10)[rows].sum()))
    assert summed == [4.5] and len(orders) == 3  # no order drawn without shuffling


def test_dtype_names() -> None:
    assert dtype_name(np.dtype("float32")) == "float32" and dtype_name("float64") == "float64"
    assert dtype_name(np.zeros(1).dtype) == "float64"

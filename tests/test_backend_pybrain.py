"""PyBrain adapter: its shim, adapter-defined layers and recorded deviations (the kit checks the rest)."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from backends.pybrain_mlp import PyBrainMLP
from tests.parity_helpers import (
    TOLERANCE,
    assert_same_weights,
    epoch_losses,
    softmax_data,
    softmax_net,
    train_beside_reference,
)

available, why_not = PyBrainMLP.available()
pytestmark = pytest.mark.skipif(not available, reason=f"pybrain unavailable: {why_not}")

SOFTMAX_NET = softmax_net(seed=3)


def test_shim_is_idempotent_and_binds_numpy() -> None:
    import scipy

    from backends import pybrain_compat

    assert pybrain_compat.apply() == []  # already applied by available()
    assert scipy.dot is np.dot and scipy.random is np.random and scipy.mat is np.asmatrix


@pytest.mark.parametrize("change", [
    dict(hidden_activation="relu", output_activation="sigmoid"),  # cross_entropy on a sigmoid output
    dict(output_activation="softmax", loss="mse"),
])
def test_adapter_defined_layers_are_exact_and_recorded(change: dict) -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=2, batch_size=5, **change)
    pybrain, reference = train_beside_reference(PyBrainMLP(), spec, X, Y)
    assert_same_weights(pybrain, reference)
    assert any("adapter" in note for note in pybrain.deviations)


def test_unsupported_settings_are_skipped_or_recorded() -> None:
    backend = PyBrainMLP()
    assert backend.skip(SOFTMAX_NET.replace(hidden_activation="step"), "multiclass")[0]
    assert backend.skip(SOFTMAX_NET.replace(optimizer="adam"), "multiclass")[0]
    resolved = backend.resolve_spec(SOFTMAX_NET.replace(dtype="float32"))
    assert resolved.dtype == "float64" and any("float32" in note for note in backend.deviations)


def test_shuffled_stochastic_epochs_follow_the_reference_order() -> None:
    """Single rows, shuffled: one train() per row of the reference permutation (PyBrain's own epoch would
    reshuffle with Python's random), so the weights are the reference's and nothing is recorded."""
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(batch_size=1, shuffle=True, epochs=3)
    pybrain, reference = train_beside_reference(PyBrainMLP(), spec, X, Y)
    assert_same_weights(pybrain, reference)
    assert pybrain.deviations == []


@pytest.mark.parametrize("batch_size", [0, 1, 4])
def test_cross_entropy_epoch_losses_are_the_running_loss(batch_size: int) -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, batch_size=batch_size, shuffle=True)
    np.testing.assert_allclose(epoch_losses(PyBrainMLP(), spec, X, Y), epoch_losses(NumpyMLP(), spec, X, Y),
                               atol=TOLERANCE)
    backend = PyBrainMLP()
    backend.fit(spec, X, Y)
    assert backend.deviations == []


def test_open_division_records_what_its_trainer_cannot_express() -> None:
    X, Y = softmax_data(10, seed=7)
    backend = PyBrainMLP()
    spec = SOFTMAX_NET.replace(batch_size=4, shuffle=False, epochs=2, dtype="float32")
    backend.fit(spec, X, Y, division="open")
    notes = " | ".join(backend.deviations)
    assert "trained per row" in notes and "always shuffles" in notes and "float64" in notes
    assert backend.recipe.arguments["BackpropTrainer"]["batchlearning"] is False
    assert backend.recipe.batch_size == 1 and backend.recipe.shuffle is True
    assert backend.parameter_dtype() == backend.recipe.dtype == "float64"
    full = PyBrainMLP()
    full.fit(SOFTMAX_NET.replace(batch_size=0, epochs=2), X, Y, division="open")
    assert full.recipe.arguments["BackpropTrainer"]["batchlearning"] is True and full.recipe.batch_size == 10
    assert any("reduction mean" in note for note in full.deviations)

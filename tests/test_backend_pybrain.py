"""PyBrain adapter: same weights and same updates as the NumPy reference (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from backends.pybrain_mlp import PyBrainMLP
from bench.core import metrics
from bench.core.weights import initial_weights
from tests.conftest import XOR_X, XOR_Y
from tests.parity_helpers import (
    SEED_XOR,
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


def test_gpu_request_is_refused_with_a_reason() -> None:
    ok, reason = PyBrainMLP.device_available("gpu")
    assert not ok and "gpu" in reason
    assert PyBrainMLP.resolve_device("auto") == "cpu"


def test_load_predict_matches_numpy_on_the_seed_weights(seed_weights) -> None:  # type: ignore[no-untyped-def]
    backend, reference = PyBrainMLP(), NumpyMLP()
    backend.load(SEED_XOR, seed_weights)
    reference.load(SEED_XOR, seed_weights)
    np.testing.assert_allclose(backend.predict(XOR_X), reference.predict(XOR_X), atol=TOLERANCE)
    assert_same_weights(backend, reference)  # the (out, in) layout round-trips


def test_load_predict_matches_numpy_on_a_softmax_network() -> None:
    X, _ = softmax_data(10, seed=7)
    weights = [(W, b + 0.1) for W, b in initial_weights(SOFTMAX_NET)]  # non-zero biases
    backend, reference = PyBrainMLP(), NumpyMLP()
    backend.load(SOFTMAX_NET, weights)
    reference.load(SOFTMAX_NET, weights)
    assert backend.predict(X).shape == (10, 3)
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_step_matches_numpy(reduction: str, seed_weights) -> None:  # type: ignore[no-untyped-def]
    assert_same_weights(*train_beside_reference(PyBrainMLP(), SEED_XOR.replace(reduction=reduction),
                                                XOR_X, XOR_Y, seed_weights))
    X, Y = softmax_data(10, seed=7)
    assert_same_weights(*train_beside_reference(PyBrainMLP(), SOFTMAX_NET.replace(reduction=reduction),
                                                X, Y))


@pytest.mark.parametrize("batch_size, shuffle", [(0, False), (1, False), (4, False), (4, True), (3, True)])
def test_steps_with_momentum_and_batches_match_numpy(batch_size: int, shuffle: bool) -> None:
    """Mini-batches (seeded like the reference) and unshuffled stochastic steps agree exactly."""
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, momentum=0.9, batch_size=batch_size, shuffle=shuffle)
    pybrain, reference = train_beside_reference(PyBrainMLP(), spec, X, Y)
    assert_same_weights(pybrain, reference)
    assert pybrain.epochs_run == 3 and np.isfinite(pybrain.final_loss)


@pytest.mark.parametrize("loss, output", [("cross_entropy", "softmax"), ("mse", "sigmoid")])
def test_full_batch_epoch_losses_match_numpy(loss: str, output: str) -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, loss=loss, output_activation=output)
    np.testing.assert_allclose(epoch_losses(PyBrainMLP(), spec, X, Y), epoch_losses(NumpyMLP(), spec, X, Y),
                               atol=TOLERANCE)


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


def test_shuffled_stochastic_training_is_deterministic() -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=2, batch_size=1, shuffle=True, momentum=0.5)
    first, second = PyBrainMLP(), PyBrainMLP()
    first.fit(spec, X, Y)
    second.fit(spec, X, Y)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_unsupported_settings_are_skipped_or_recorded() -> None:
    backend = PyBrainMLP()
    assert backend.skip(SOFTMAX_NET.replace(hidden_activation="step"), "multiclass")[0]
    assert backend.skip(SOFTMAX_NET.replace(optimizer="adam"), "multiclass")[0]
    resolved = backend.resolve_spec(SOFTMAX_NET.replace(dtype="float32"))
    assert resolved.dtype == "float64" and any("float32" in note for note in backend.deviations)


def test_learns_xor_with_the_task_default_spec() -> None:
    from tasks.logic_gates import Xor

    spec = Xor().default_spec()
    backend = PyBrainMLP()
    backend.fit(spec, XOR_X, XOR_Y, initial_weights(spec))
    assert metrics.score("binary", XOR_Y, backend.predict(XOR_X))["accuracy"] == 1.0
    assert backend.epochs_run == spec.epochs and backend.final_loss < 0.05

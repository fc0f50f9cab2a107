"""Keras adapter: same weights and same updates as the NumPy reference (float64).

TensorFlow is imported once for the module (by ``KerasMLP.available()``).
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.keras_mlp import KerasMLP
from backends.numpy_mlp import NumpyMLP
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

available, why_not = KerasMLP.available()
pytestmark = pytest.mark.skipif(not available, reason=f"keras unavailable: {why_not}")

SOFTMAX_NET = softmax_net(seed=3)


def test_gpu_request_without_a_gpu_is_refused_cleanly() -> None:
    ok, reason = KerasMLP.device_available("gpu")
    if ok:
        pytest.skip("this machine has a GPU")
    assert "GPU" in reason
    assert KerasMLP.resolve_device("auto") == "cpu"


def test_setup_threads_is_safe_after_tensorflow_started() -> None:
    backend = KerasMLP(threads=1)
    backend.load(SEED_XOR, initial_weights(SEED_XOR))
    backend.setup_threads()  # too late to change TensorFlow's pools: must not raise


def test_load_predict_matches_numpy_on_the_seed_weights(seed_weights) -> None:  # type: ignore[no-untyped-def]
    backend, reference = KerasMLP(), NumpyMLP()
    backend.load(SEED_XOR, seed_weights)
    reference.load(SEED_XOR, seed_weights)
    assert backend.predict(XOR_X).dtype == np.float64
    np.testing.assert_allclose(backend.predict(XOR_X), reference.predict(XOR_X), atol=TOLERANCE)
    assert_same_weights(backend, reference)  # the kernel layout round-trips


def test_load_predict_matches_numpy_on_a_softmax_network() -> None:
    X, _ = softmax_data(10, seed=7)
    weights = [(W, b + 0.1) for W, b in initial_weights(SOFTMAX_NET)]  # non-zero biases
    backend, reference = KerasMLP(), NumpyMLP()
    backend.load(SOFTMAX_NET, weights)
    reference.load(SOFTMAX_NET, weights)
    assert backend.predict(X).shape == (10, 3)
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_step_matches_numpy(reduction: str, seed_weights) -> None:  # type: ignore[no-untyped-def]
    assert_same_weights(*train_beside_reference(KerasMLP(), SEED_XOR.replace(reduction=reduction),
                                                XOR_X, XOR_Y, seed_weights))
    X, Y = softmax_data(10, seed=7)
    assert_same_weights(*train_beside_reference(KerasMLP(), SOFTMAX_NET.replace(reduction=reduction), X, Y))


@pytest.mark.parametrize("batch_size, shuffle, reduction", [
    (0, False, "mean"), (1, False, "sum"), (4, False, "mean"), (4, True, "sum"), (1, True, "mean"),
])
def test_steps_with_momentum_and_batches_match_numpy(batch_size: int, shuffle: bool, reduction: str) -> None:
    """Batches are drawn like the reference's, so even shuffled epochs agree."""
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, momentum=0.9, batch_size=batch_size, shuffle=shuffle,
                               reduction=reduction)
    keras, reference = train_beside_reference(KerasMLP(), spec, X, Y)
    assert_same_weights(keras, reference)
    assert keras.epochs_run == 3 and np.isfinite(keras.final_loss)


@pytest.mark.parametrize("loss, output, reduction", [("cross_entropy", "softmax", "sum"),
                                                     ("mse", "sigmoid", "mean")])
def test_epoch_losses_match_numpy(loss: str, output: str, reduction: str) -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, batch_size=4, loss=loss, output_activation=output,
                               reduction=reduction)
    np.testing.assert_allclose(epoch_losses(KerasMLP(), spec, X, Y), epoch_losses(NumpyMLP(), spec, X, Y),
                               atol=TOLERANCE)


def test_relu_and_float32_match_numpy() -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=2, batch_size=5, hidden_activation="relu", dtype="float32")
    keras, reference = train_beside_reference(KerasMLP(), spec, X, Y)
    assert_same_weights(keras, reference)
    assert keras.deviations == []


def test_adam_records_its_epsilon_deviation() -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=3, optimizer="adam", learning_rate=0.01)
    keras, reference = train_beside_reference(KerasMLP(), spec, X, Y)
    assert any(note.startswith("adam:") for note in keras.deviations)
    assert_same_weights(keras, reference, atol=1e-4)  # close, not exact


def test_step_activation_is_skipped_with_a_reason() -> None:
    skip, reason = KerasMLP().skip(SOFTMAX_NET.replace(hidden_activation="step"), "multiclass")
    assert skip and "step" in reason


def test_shuffled_training_is_deterministic() -> None:
    X, Y = softmax_data(10, seed=7)
    spec = SOFTMAX_NET.replace(epochs=2, batch_size=3, shuffle=True, momentum=0.5)
    first, second = KerasMLP(), KerasMLP()
    first.fit(spec, X, Y)
    second.fit(spec, X, Y)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_learns_xor_with_the_task_default_spec() -> None:
    from tasks.logic_gates import Xor

    spec = Xor().default_spec()
    backend = KerasMLP()
    backend.fit(spec, XOR_X, XOR_Y, initial_weights(spec))
    assert metrics.score("binary", XOR_Y, backend.predict(XOR_X))["accuracy"] == 1.0
    assert backend.epochs_run == spec.epochs and backend.final_loss < 0.05

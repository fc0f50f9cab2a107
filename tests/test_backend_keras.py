"""Keras adapter: what the conformance kit (tests/test_conformance.py) does not check.

TensorFlow is imported once for the module (by ``KerasMLP.available()``).
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.keras_mlp import KerasMLP
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from tests.parity_helpers import (
    SEED_XOR,
    assert_same_weights,
    softmax_data,
    softmax_net,
    train_beside_reference,
)

available, why_not = KerasMLP.available()
pytestmark = pytest.mark.skipif(not available, reason=f"keras unavailable: {why_not}")

SOFTMAX_NET = softmax_net(seed=3)


def test_setup_threads_is_safe_after_tensorflow_started() -> None:
    backend = KerasMLP(threads=1)
    backend.load(SEED_XOR, initial_weights(SEED_XOR))
    backend.setup_threads()  # too late to change TensorFlow's pools: must not raise


def test_relu_and_float32_are_exact_without_a_deviation() -> None:
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


def test_predict_returns_float64_for_a_float32_network() -> None:
    X, Y = softmax_data(10, seed=7)
    backend = KerasMLP()
    backend.fit(SOFTMAX_NET.replace(dtype="float32"), X, Y)
    assert backend.predict(X).dtype == np.float64


def test_open_models_hold_the_spec_dtype_whatever_came_before() -> None:
    """Keras caches its global dtype policy at the first layer: a float64 open model after a float32 one (and
    back) holds the spec's dtype (the recipe says the same)."""
    X, Y = np.random.default_rng(0).random((8, 4)), np.eye(3)[np.arange(8) % 3]
    spec = NetworkSpec(layers=(4, 5, 3), hidden_activation="tanh", output_activation="softmax",
                       loss="cross_entropy", optimizer="sgd", learning_rate=0.1, momentum=0.9, epochs=1)
    for dtype in ("float32", "float64", "float32"):
        backend = KerasMLP()
        backend.fit(spec.replace(dtype=dtype), X, Y, division="open")
        assert backend.parameter_dtype() == backend.recipe.dtype == dtype

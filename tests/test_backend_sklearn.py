"""scikit-learn adapter: same weights and same steps as the NumPy reference, or a stated deviation."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from bench.core import metrics
from bench.core.weights import initial_weights
from tests.conftest import XOR_X, XOR_Y
from tests.parity_helpers import (
    SEED_XOR,
    SLIDES_XOR_PREDICTIONS,
    TOLERANCE,
    assert_same_weights,
    softmax_data,
    softmax_net,
    train_beside_reference,
)

pytest.importorskip("sklearn")
from backends.sklearn_mlp import SklearnMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_cpu_only() -> None:
    assert SklearnMLP.available() == (True, "")
    ok, reason = SklearnMLP.device_available("gpu")
    assert ok is False and reason
    assert SklearnMLP.resolve_device("auto") == "cpu"


def test_forward_pass_on_the_seed_xor_weights(seed_weights) -> None:  # type: ignore[no-untyped-def]
    reference, backend = NumpyMLP(), SklearnMLP()
    reference.load(SEED_XOR, seed_weights)
    backend.load(SEED_XOR, seed_weights)
    np.testing.assert_allclose(backend.predict(XOR_X), reference.predict(XOR_X), atol=TOLERANCE)
    np.testing.assert_allclose(backend.predict(XOR_X).ravel(), SLIDES_XOR_PREDICTIONS, atol=1e-5)
    assert backend.get_weights()[0][1] is None


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "linear"])
def test_forward_pass_on_a_two_hidden_layer_softmax_network(hidden: str) -> None:
    spec = SOFTMAX_NET.replace(hidden_activation=hidden, init="uniform")
    weights = [(W, b + 0.1) for W, b in initial_weights(spec)]  # non-zero biases take part too
    reference, backend = NumpyMLP(), SklearnMLP()
    reference.load(spec, weights)
    backend.load(spec, weights)
    X, _ = softmax_data(9, seed=5)
    outputs = backend.predict(X)
    assert outputs.shape == (9, 3)
    np.testing.assert_allclose(outputs, reference.predict(X), atol=TOLERANCE)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_sgd_step_on_the_softmax_network(reduction: str) -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(reduction=reduction)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
    assert backend.deviations == []
    assert_same_weights(backend, reference)
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)
    assert backend.final_loss == pytest.approx(reference.final_loss, rel=1e-9)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_sgd_step_on_a_regression_network(reduction: str) -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(output_activation="linear", loss="mse", reduction=reduction,
                               learning_rate=0.05)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
    assert backend.deviations == []
    assert_same_weights(backend, reference)
    assert backend.final_loss == pytest.approx(reference.final_loss, rel=1e-9)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_seed_xor_mse_on_a_sigmoid_output_is_a_stated_deviation(reduction: str, seed_weights) -> None:  # type: ignore[no-untyped-def]
    """MLPClassifier has only log-loss: the slides' mse step cannot be reproduced, and it says so."""
    backend, reference = train_beside_reference(SklearnMLP(threads=1), SEED_XOR.replace(reduction=reduction),
                                                XOR_X, XOR_Y, seed_weights)
    assert any("log-loss" in deviation for deviation in backend.deviations)
    assert backend.get_weights()[0][1] is None
    moved = [np.abs(W - W0).max() for (W, _), (W0, _) in zip(backend.get_weights(), seed_weights)]
    assert min(moved) > 0  # it did train, with its own loss


@pytest.mark.parametrize("change", [
    dict(momentum=0.9, epochs=4),
    dict(momentum=0.5, batch_size=4, shuffle=True, epochs=3),
    dict(momentum=0.5, batch_size=4, shuffle=True, epochs=3, reduction="sum"),
    dict(momentum=0.5, batch_size=4, shuffle=True, epochs=3, reduction="sum", bias=False),
    dict(batch_size=1, epochs=2, hidden_activation="relu"),
    dict(output_activation="linear", loss="mse", learning_rate=0.05, batch_size=2, epochs=3, momentum=0.9),
    dict(output_activation="sigmoid", epochs=3),  # multi-label: one logistic unit per column
], ids=["momentum", "mini-batch", "mini-batch-sum", "sum-no-bias", "stochastic-relu", "regression",
        "multilabel"])
def test_several_steps_match_numpy(change: dict) -> None:
    X, Y = softmax_data(9, seed=5)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), SOFTMAX_NET.replace(**change), X, Y)
    assert backend.deviations == []
    assert_same_weights(backend, reference)


def test_adam_is_close_and_its_epsilon_placement_is_stated() -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(optimizer="adam", learning_rate=0.01, batch_size=3, epochs=5)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
    assert any("ε" in deviation for deviation in backend.deviations)
    assert_same_weights(backend, reference, atol=1e-4)


def test_adam_with_sum_over_unequal_batches_is_stated() -> None:
    X, Y = softmax_data(9, seed=5)
    backend = SklearnMLP()
    backend.fit(SOFTMAX_NET.replace(optimizer="adam", reduction="sum", batch_size=4), X, Y)
    assert any("equal batches" in deviation for deviation in backend.deviations)


def test_float32_trains_in_float32() -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3)
    backend, reference = train_beside_reference(SklearnMLP(threads=1), spec, X, Y)
    assert backend.model.coefs_[0].dtype == np.float32
    assert_same_weights(backend, reference)


@pytest.mark.parametrize("change, kind, words", [
    (dict(hidden_activation="step"), "multiclass", "no step activation"),
    (dict(output_activation="tanh", loss="mse"), "multiclass", "output layer"),
    (dict(output_activation="sigmoid", layers=(4, 5, 1)), "regression", "real-valued"),
    (dict(layers=(4, 5, 2)), "binary", "two classes"),
])
def test_what_sklearn_cannot_express_is_skipped_with_a_reason(change: dict, kind: str, words: str) -> None:
    skip, reason = SklearnMLP().skip(SOFTMAX_NET.replace(**change), kind)
    assert skip and words in reason


def test_deterministic_under_a_seed() -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(batch_size=5, shuffle=True, epochs=4, momentum=0.9)
    first, second = SklearnMLP(), SklearnMLP()
    first.fit(spec, X, Y)
    second.fit(spec, X, Y)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_learns_xor_with_the_task_default_spec() -> None:
    from tasks.logic_gates import Xor

    spec = Xor().default_spec()
    backend = SklearnMLP(threads=1)
    backend.setup_threads()
    backend.fit(spec, XOR_X, XOR_Y, initial_weights=initial_weights(spec))
    assert metrics.score("binary", XOR_Y, backend.predict(XOR_X))["accuracy"] == 1.0
    assert backend.epochs_run == spec.epochs

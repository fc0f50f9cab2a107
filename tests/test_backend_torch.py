"""PyTorch adapter: same weights and same steps as the NumPy reference (float64, 1e-5)."""

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

torch = pytest.importorskip("torch")
from backends.torch_mlp import TorchMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_version() -> None:
    assert TorchMLP.available() == (True, "")
    assert "torch" in TorchMLP.packages and "gpu" in TorchMLP.devices


def test_gpu_request_without_a_gpu_is_refused_with_a_reason() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    ok, reason = TorchMLP.device_available("gpu")
    assert ok is False and "no CUDA GPU" in reason
    assert TorchMLP.resolve_device("auto") == "cpu"


def test_forward_pass_on_the_seed_xor_weights(seed_weights) -> None:  # type: ignore[no-untyped-def]
    reference, backend = NumpyMLP(), TorchMLP()
    reference.load(SEED_XOR, seed_weights)
    backend.load(SEED_XOR, seed_weights)
    np.testing.assert_allclose(backend.predict(XOR_X), reference.predict(XOR_X), atol=TOLERANCE)
    np.testing.assert_allclose(backend.predict(XOR_X).ravel(), SLIDES_XOR_PREDICTIONS, atol=1e-5)


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "step"])
def test_forward_pass_on_a_two_hidden_layer_softmax_network(hidden: str) -> None:
    spec = SOFTMAX_NET.replace(hidden_activation=hidden, init="uniform")
    weights = initial_weights(spec)
    weights = [(W, b + 0.1) for W, b in weights]  # non-zero biases take part too
    reference, backend = NumpyMLP(), TorchMLP()
    reference.load(spec, weights)
    backend.load(spec, weights)
    X, _ = softmax_data(9, seed=5)
    outputs = backend.predict(X)
    assert outputs.shape == (9, 3) and outputs.dtype == np.float64
    np.testing.assert_allclose(outputs, reference.predict(X), atol=TOLERANCE)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_sgd_step_on_the_seed_xor_network(reduction: str, seed_weights) -> None:  # type: ignore[no-untyped-def]
    backend, reference = train_beside_reference(TorchMLP(threads=1), SEED_XOR.replace(reduction=reduction),
                                                XOR_X, XOR_Y, seed_weights)
    assert_same_weights(backend, reference)
    assert backend.deviations == [] and backend.epochs_run == 1
    assert backend.final_loss == pytest.approx(reference.final_loss, abs=1e-12)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_one_full_batch_sgd_step_on_the_softmax_network(reduction: str) -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(reduction=reduction)
    backend, reference = train_beside_reference(TorchMLP(threads=1), spec, X, Y)
    assert_same_weights(backend, reference)
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)


@pytest.mark.parametrize("change", [
    dict(momentum=0.9, epochs=4),
    dict(momentum=0.5, batch_size=4, shuffle=True, epochs=3),
    dict(momentum=0.5, batch_size=4, shuffle=True, epochs=3, reduction="sum", bias=False),
    dict(batch_size=1, epochs=2, loss="mse", hidden_activation="relu"),
    dict(optimizer="adam", learning_rate=0.01, batch_size=3, epochs=5),
    dict(output_activation="linear", loss="mse", learning_rate=0.05, batch_size=2, epochs=3),
    dict(hidden_activation="step", init="uniform", epochs=2),
], ids=["momentum", "mini-batch", "sum-no-bias", "stochastic-mse", "adam", "regression", "step"])
def test_several_steps_match_numpy(change: dict) -> None:
    X, Y = softmax_data(9, seed=5)
    backend, reference = train_beside_reference(TorchMLP(threads=1), SOFTMAX_NET.replace(**change), X, Y)
    assert_same_weights(backend, reference)
    assert backend.final_loss == pytest.approx(reference.final_loss, rel=1e-9)


def test_float32_trains_in_float32() -> None:
    X, Y = softmax_data(9, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3)
    backend, reference = train_beside_reference(TorchMLP(threads=1), spec, X, Y)
    assert backend.predict(X).dtype == np.float32
    assert_same_weights(backend, reference, atol=1e-5)


def test_deterministic_under_a_seed() -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(batch_size=5, shuffle=True, epochs=4, momentum=0.9)
    first, second = TorchMLP(), TorchMLP()
    first.fit(spec, X, Y)
    second.fit(spec, X, Y)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_learns_xor_with_the_task_default_spec() -> None:
    from tasks.logic_gates import Xor

    spec = Xor().default_spec()
    backend = TorchMLP(threads=1)
    backend.setup_threads()
    backend.fit(spec, XOR_X, XOR_Y, initial_weights=initial_weights(spec))
    assert metrics.score("binary", XOR_Y, backend.predict(XOR_X))["accuracy"] == 1.0
    assert backend.epochs_run == spec.epochs and backend.final_loss < 0.05

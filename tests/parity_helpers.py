"""Shared scaffolding for the backend parity tests: the course's XOR net, a softmax net, its data,
training a backend beside the NumPy reference from the same initial weights, and comparing them."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from backends.numpy_mlp import NumpyMLP
from bench.core.backend import Backend, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.testing import multiclass_data as softmax_data  # noqa: F401 - the backend tests import it from here

TOLERANCE = 1e-5
# The course's 2-3-1 XOR network (seed 000): no biases, summed loss, one full-batch epoch.
SEED_XOR = NetworkSpec(layers=(2, 3, 1), learning_rate=0.3, reduction="sum", bias=False, batch_size=0,
                       epochs=1, shuffle=False, momentum=0.0)
SLIDES_XOR_PREDICTIONS = [0.40589, 0.43188, 0.43679, 0.45801]  # tests/test_golden_mlp.py

BackendT = TypeVar("BackendT", bound=Backend)


class PluginBackend(NumpyMLP):
    """The NumPy MLP under a third-party name (registered by tests/test_registry_and_devices.py)."""

    name = "my-backend"


def softmax_net(seed: int) -> NetworkSpec:
    """A 4-5-3-3 tanh network with a softmax output and cross-entropy, one full-batch epoch."""
    return NetworkSpec(layers=(4, 5, 3, 3), hidden_activation="tanh", output_activation="softmax",
                       loss="cross_entropy", learning_rate=0.5, batch_size=0, epochs=1, shuffle=False,
                       seed=seed)


def train_beside_reference(backend: BackendT, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                           weights: Weights | None = None) -> tuple[BackendT, NumpyMLP]:
    """Fit ``backend`` and a fresh NumPy reference from the same initial weights
    (``initial_weights(spec)`` unless given)."""
    weights = weights if weights is not None else initial_weights(spec)
    reference = NumpyMLP()
    reference.fit(spec, X, Y, initial_weights=weights)
    backend.fit(spec, X, Y, initial_weights=weights)
    return backend, reference


def assert_same_weights(backend: Backend, reference: Backend, atol: float = TOLERANCE) -> None:
    """Both backends hold the same weights (to ``atol``), and biases in the same layers."""
    for (W, b), (W_ref, b_ref) in zip(backend.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(W, W_ref, atol=atol)
        assert (b is None) == (b_ref is None)
        if b is not None:
            np.testing.assert_allclose(b, b_ref, atol=atol)


def epoch_losses(backend: Backend, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> list[float]:
    """The losses ``backend`` reports to ``on_epoch`` while fitting from ``initial_weights(spec)``."""
    losses: list[float] = []
    backend.fit(spec, X, Y, initial_weights(spec), on_epoch=lambda _, loss: losses.append(loss))
    return losses

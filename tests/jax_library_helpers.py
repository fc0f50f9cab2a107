"""Shared scaffolding of the flax and equinox adapter tests: XOR trained in the closed division beside the
NumPy reference, and an open model's initial weights."""

from __future__ import annotations

import numpy as np

from backends.numpy_mlp import NumpyMLP
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from tasks.logic_gates import Xor

#: XOR's default network (2-3-1 sigmoid, ½Σ(y − ŷ)² summed, momentum 0.9, full batch) for 300 epochs, float64.
XOR_SPEC = Xor().default_spec().replace(epochs=300, seed=3, dtype="float64")


def train_xor(backend: Backend, spec: NetworkSpec = XOR_SPEC) -> tuple[list[float], np.ndarray]:
    """Fit ``backend`` on XOR from ``initial_weights(spec)``: its epoch losses and predictions."""
    table = Xor().splits(0)[0]
    losses: list[float] = []
    backend.fit(spec, table.X_train, table.Y_train, initial_weights(spec),
                on_epoch=lambda epoch, loss: losses.append(loss))
    return losses, np.asarray(backend.predict(table.X_test))


def largest_xor_difference(backend: Backend, spec: NetworkSpec = XOR_SPEC) -> float:
    """The largest |difference| from the NumPy reference over weights, epoch losses and predictions."""
    losses, predictions = train_xor(backend, spec)
    reference = NumpyMLP()
    reference_losses, reference_predictions = train_xor(reference, spec)
    differences = [np.abs(np.subtract(losses, reference_losses)).max(),
                   np.abs(predictions - reference_predictions).max()]
    for (W, b), (W_ref, b_ref) in zip(backend.get_weights(), reference.get_weights()):
        differences.append(np.abs(W - W_ref).max())
        differences.append(0.0 if b is None and b_ref is None else np.abs(b - b_ref).max())
    return float(max(differences))


def open_initial_weights(backend: Backend, seed: int, dtype: str = "float32") -> list[np.ndarray]:
    """The weights ``build_open`` draws with ``seed`` (the library's own init), flattened per array."""
    spec = XOR_SPEC.replace(seed=seed, dtype=dtype, layers=(4, 5, 3))
    backend.build_open(spec)
    return [array for layer in backend.get_weights() for array in layer if array is not None]

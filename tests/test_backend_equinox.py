"""Equinox adapter: its layout and init, and its closed training against Flax's (what flax and equinox
share: tests/test_jax_libraries.py)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.weights import initial_weights
from tests.jax_library_helpers import open_initial_weights
from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

pytest.importorskip("equinox")
from backends.equinox_mlp import EquinoxMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_weights_are_the_shared_layout_transposed() -> None:
    """eqx.nn.Linear's weight is (out, in), the shared W transposed (values: tests/test_jax_libraries.py)."""
    spec = SOFTMAX_NET.replace(layers=(4, 6, 3))
    backend = EquinoxMLP()
    backend.load(spec, initial_weights(spec))
    assert backend.model.layers[0].weight.shape == (6, 4)


def test_open_division_draws_uniform_weights_and_biases() -> None:
    weights, biases = open_initial_weights(EquinoxMLP(), 1)[:2]
    bound = 1 / np.sqrt(4)  # eqx.nn.Linear draws weights and biases uniform in ±1/√in
    assert np.any(biases) and np.abs(weights).max() <= bound and np.abs(biases).max() <= bound


def test_flax_and_equinox_closed_training_is_the_same_numbers() -> None:
    """Same weights, same batches: NNX and Equinox hold the same weights after training (to float64
    rounding), so a time difference between them is the libraries' overhead."""
    pytest.importorskip("flax")
    from backends.flax_mlp import FlaxMLP

    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(epochs=5, batch_size=5, shuffle=True, optimizer="adam", learning_rate=0.01)
    flax, _ = train_beside_reference(FlaxMLP(threads=1), spec, X, Y)
    equinox, _ = train_beside_reference(EquinoxMLP(threads=1), spec, X, Y)
    assert_same_weights(flax, equinox, atol=1e-12)


def test_closed_optimizer_is_one_object_per_setting() -> None:
    """The closed step is compiled with the optimizer as a static argument: fits differing only in seed or
    epochs get the same object (no recompilation), another learning rate another one."""
    from backends.jax_common import closed_optimizer

    assert closed_optimizer(SOFTMAX_NET) is closed_optimizer(SOFTMAX_NET.replace(seed=9, epochs=7))
    assert closed_optimizer(SOFTMAX_NET) is not closed_optimizer(SOFTMAX_NET.replace(learning_rate=0.05))

"""Flax NNX adapter: its layout and init (what flax and equinox share: tests/test_jax_libraries.py)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.weights import initial_weights
from tests.jax_library_helpers import open_initial_weights
from tests.parity_helpers import softmax_net

pytest.importorskip("flax")
from backends.flax_mlp import FlaxMLP  # noqa: E402


def test_kernels_hold_the_shared_layout_as_is() -> None:
    """nnx.Linear's kernel is (in, out), the shared W (tests/test_jax_libraries.py: the values)."""
    spec = softmax_net(seed=4).replace(layers=(4, 6, 3))
    backend = FlaxMLP()
    backend.load(spec, initial_weights(spec))
    assert backend.model.layers[0].kernel[...].shape == (4, 6)


def test_open_division_biases_start_at_zero() -> None:
    assert not np.any(open_initial_weights(FlaxMLP(), 1)[1]), "nnx.Linear's biases start at zero"

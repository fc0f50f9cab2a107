"""Flax NNX adapter: what the conformance kit (tests/test_conformance.py, which runs every check on
``flax``) does not check."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.recipe import Recipe
from tests.jax_library_helpers import largest_xor_difference, open_initial_weights
from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

pytest.importorskip("flax")
from backends.flax_mlp import FlaxMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_versions() -> None:
    assert FlaxMLP.available() == (True, "")
    assert {"jax", "jaxlib", "optax", "flax"} <= set(FlaxMLP.packages) and "gpu" in FlaxMLP.devices
    assert FlaxMLP.extra == "flax"


def test_xor_closed_is_the_reference_to_1e9_in_float64() -> None:
    assert largest_xor_difference(FlaxMLP(threads=1)) <= 1e-9


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trains_in_the_spec_dtype(dtype: str) -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype=dtype, epochs=3, batch_size=5, shuffle=True, momentum=0.9)
    backend, reference = train_beside_reference(FlaxMLP(threads=1), spec, X, Y)
    assert backend.predict(X).dtype == np.dtype(dtype) and backend.parameter_dtype() == dtype
    assert_same_weights(backend, reference, atol=1e-12 if dtype == "float64" else 1e-5)


def test_kernels_hold_the_shared_layout_as_is() -> None:
    """nnx.Linear's kernel is (in, out), the shared W; the given weights come back exactly."""
    spec = SOFTMAX_NET.replace(layers=(4, 6, 3))
    from bench.core.weights import initial_weights

    weights = initial_weights(spec)
    backend = FlaxMLP()
    backend.load(spec, weights)
    assert backend.model.layers[0].kernel[...].shape == (4, 6)
    for (W, b), (W_given, b_given) in zip(backend.get_weights(), weights):
        assert np.array_equal(W, W_given) and np.array_equal(b, b_given)


def test_open_division_uses_nnx_init_seeded_in_the_spec_dtype() -> None:
    first, again, other = (open_initial_weights(FlaxMLP(), seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    assert not np.any(first[1]), "nnx.Linear's biases start at zero"
    backend = FlaxMLP()
    open_initial_weights(backend, 1, dtype="float64")
    assert backend.parameter_dtype() == "float64"


def test_open_division_records_an_nnx_recipe() -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3, batch_size=5, layers=(4, 5, 3), optimizer="adam",
                               learning_rate=0.01)
    backend = FlaxMLP(threads=1)
    backend.fit(spec, X, Y, division="open")
    recipe = backend.recipe
    assert isinstance(recipe, Recipe) and recipe.library == "flax" and recipe.dtype == "float32"
    assert recipe.loss.startswith("optax.losses.softmax_cross_entropy(logits") and recipe.momentum is None
    assert "nnx.Rngs(4)" in recipe.init and recipe.batch_size == 5 and recipe.seed == 4
    assert backend.predict(X).dtype == np.float32 and backend.epochs_run == 3


def test_gpu_is_refused_with_a_reason_without_a_jax_gpu() -> None:
    available, reason = FlaxMLP.device_available("gpu")
    if not available:
        assert "GPU" in reason
    assert FlaxMLP.resolve_device("auto") == ("gpu" if available else "cpu")


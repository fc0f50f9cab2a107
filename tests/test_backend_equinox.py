"""Equinox adapter: what the conformance kit (tests/test_conformance.py, which runs every check on
``equinox``) does not check."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.recipe import Recipe
from tests.jax_library_helpers import largest_xor_difference, open_initial_weights
from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

pytest.importorskip("equinox")
from backends.equinox_mlp import EquinoxMLP  # noqa: E402

SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_versions() -> None:
    assert EquinoxMLP.available() == (True, "")
    assert {"jax", "jaxlib", "optax", "equinox"} <= set(EquinoxMLP.packages) and "gpu" in EquinoxMLP.devices
    assert EquinoxMLP.extra == "equinox"


def test_xor_closed_is_the_reference_to_1e9_in_float64() -> None:
    assert largest_xor_difference(EquinoxMLP(threads=1)) <= 1e-9


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trains_in_the_spec_dtype(dtype: str) -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype=dtype, epochs=3, batch_size=5, shuffle=True, momentum=0.9)
    backend, reference = train_beside_reference(EquinoxMLP(threads=1), spec, X, Y)
    assert backend.predict(X).dtype == np.dtype(dtype) and backend.parameter_dtype() == dtype
    assert_same_weights(backend, reference, atol=1e-12 if dtype == "float64" else 1e-5)


def test_weights_are_the_shared_layout_transposed() -> None:
    """eqx.nn.Linear's weight is (out, in), the shared W transposed; the given weights come back exactly."""
    spec = SOFTMAX_NET.replace(layers=(4, 6, 3))
    from bench.core.weights import initial_weights

    weights = initial_weights(spec)
    backend = EquinoxMLP()
    backend.load(spec, weights)
    assert backend.model.layers[0].weight.shape == (6, 4)
    for (W, b), (W_given, b_given) in zip(backend.get_weights(), weights):
        assert np.array_equal(W, W_given) and np.array_equal(b, b_given)


def test_open_division_uses_equinox_init_seeded_in_the_spec_dtype() -> None:
    first, again, other = (open_initial_weights(EquinoxMLP(), seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    bound = 1 / np.sqrt(4)  # eqx.nn.Linear draws weights and biases uniform in ±1/√in
    assert np.any(first[1]) and np.abs(first[0]).max() <= bound and np.abs(first[1]).max() <= bound
    backend = EquinoxMLP()
    open_initial_weights(backend, 1, dtype="float64")
    assert backend.parameter_dtype() == "float64"


def test_open_division_records_an_equinox_recipe() -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3, batch_size=5, layers=(4, 5, 3), optimizer="adam",
                               learning_rate=0.01)
    backend = EquinoxMLP(threads=1)
    backend.fit(spec, X, Y, division="open")
    recipe = backend.recipe
    assert isinstance(recipe, Recipe) and recipe.library == "equinox" and recipe.dtype == "float32"
    assert recipe.loss.startswith("optax.losses.softmax_cross_entropy(logits") and recipe.momentum is None
    assert "jax.random.PRNGKey(4)" in recipe.init and recipe.batch_size == 5 and recipe.seed == 4
    assert backend.predict(X).dtype == np.float32 and backend.epochs_run == 3


def test_gpu_is_refused_with_a_reason_without_a_jax_gpu() -> None:
    available, reason = EquinoxMLP.device_available("gpu")
    if not available:
        assert "GPU" in reason
    assert EquinoxMLP.resolve_device("auto") == ("gpu" if available else "cpu")



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

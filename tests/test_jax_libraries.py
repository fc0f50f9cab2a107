"""The JAX neural-network libraries' adapters (flax, equinox), each checked the same way: what the
conformance kit (tests/test_conformance.py, which runs every check on both) does not check. Each library's
own layout and init are in tests/test_backend_flax.py and tests/test_backend_equinox.py."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from bench.core.backend import Backend
from bench.core.recipe import Recipe
from bench.core.weights import initial_weights
from tests.jax_library_helpers import largest_xor_difference, open_initial_weights
from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

SOFTMAX_NET = softmax_net(seed=4)
#: library -> (adapter class path, what its open recipe's init names for seed 4)
LIBRARIES = {"flax": ("backends.flax_mlp:FlaxMLP", "nnx.Rngs(4)"),
             "equinox": ("backends.equinox_mlp:EquinoxMLP", "jax.random.PRNGKey(4)")}


@pytest.fixture(params=sorted(LIBRARIES))
def library(request: pytest.FixtureRequest) -> str:
    pytest.importorskip(request.param)
    return request.param


def adapter(library: str) -> type[Backend]:
    module, name = LIBRARIES[library][0].split(":")
    return getattr(importlib.import_module(module), name)


def test_available_and_records_its_versions(library: str) -> None:
    cls = adapter(library)
    assert cls.available() == (True, "")
    assert {"jax", "jaxlib", "optax", library} <= set(cls.packages) and "gpu" in cls.devices
    assert cls.extra == library


def test_xor_closed_is_the_reference_to_1e9_in_float64(library: str) -> None:
    assert largest_xor_difference(adapter(library)(threads=1)) <= 1e-9


def test_load_holds_the_given_weights_exactly(library: str) -> None:
    spec = SOFTMAX_NET.replace(layers=(4, 6, 3))
    weights = initial_weights(spec)
    backend = adapter(library)()
    backend.load(spec, weights)
    for (W, b), (W_given, b_given) in zip(backend.get_weights(), weights):
        assert np.array_equal(W, W_given) and np.array_equal(b, b_given)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trains_in_the_spec_dtype(library: str, dtype: str) -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype=dtype, epochs=3, batch_size=5, shuffle=True, momentum=0.9)
    backend, reference = train_beside_reference(adapter(library)(threads=1), spec, X, Y)
    assert backend.predict(X).dtype == np.dtype(dtype) and backend.parameter_dtype() == dtype
    assert_same_weights(backend, reference, atol=1e-12 if dtype == "float64" else 1e-5)


def test_open_init_is_seeded_in_the_spec_dtype(library: str) -> None:
    cls = adapter(library)
    first, again, other = (open_initial_weights(cls(), seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    backend = cls()
    open_initial_weights(backend, 1, dtype="float64")
    assert backend.parameter_dtype() == "float64"


def test_open_division_records_the_library_recipe(library: str) -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3, batch_size=5, layers=(4, 5, 3), optimizer="adam",
                               learning_rate=0.01)
    backend = adapter(library)(threads=1)
    backend.fit(spec, X, Y, division="open")
    recipe = backend.recipe
    assert isinstance(recipe, Recipe) and recipe.library == library and recipe.dtype == "float32"
    assert recipe.loss.startswith("optax.losses.softmax_cross_entropy(logits") and recipe.momentum is None
    assert LIBRARIES[library][1] in recipe.init and recipe.batch_size == 5 and recipe.seed == 4
    assert recipe.arguments["optimizer"] == "optax.adam"
    assert backend.predict(X).dtype == np.float32 and backend.epochs_run == 3


def test_gpu_is_refused_with_a_reason_without_a_jax_gpu(library: str) -> None:
    cls = adapter(library)
    available, reason = cls.device_available("gpu")
    if not available:
        assert "GPU" in reason
    assert cls.resolve_device("auto") == ("gpu" if available else "cpu")

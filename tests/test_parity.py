"""Same weights, same numbers: every backend against the NumPy reference.

On identical float64 initial weights, the forward pass and one full-batch SGD
step must agree with ``backends.numpy_mlp.NumpyMLP`` to 1e-5, on the seed's
2-3-1 XOR network (no bias, reduction "sum": the slides' update) and on a
2-hidden-layer softmax network (bias, cross-entropy, reduction "mean"). A
backend that cannot express a setting must say so in ``deviations`` or
``skip`` — then the test checks that it said so instead of the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from tests.conftest import (
    OWN_PROCESS_BACKEND,
    SEED_HIDDEN_TO_OUTPUT,
    SEED_INPUT_TO_HIDDEN,
    XOR_X,
    XOR_Y,
    backend_class_or_skip,
)
from tests.parity_helpers import SEED_XOR, SLIDES_XOR_PREDICTIONS, TOLERANCE, softmax_data

# keras-jax and keras-torch run here in a process of their own (tests/test_keras_engines.py).
BACKENDS = [OWN_PROCESS_BACKEND] if OWN_PROCESS_BACKEND else ["sklearn", "pybrain", "keras", "torch", "jax"]

SOFTMAX_NET = NetworkSpec(layers=(4, 5, 4, 3), hidden_activation="tanh", output_activation="softmax",
                          loss="cross_entropy", learning_rate=0.5, reduction="mean", batch_size=0, epochs=1,
                          shuffle=False, seed=4)


CASES = {
    "seed-xor": (SEED_XOR, lambda: [(SEED_INPUT_TO_HIDDEN, None), (SEED_HIDDEN_TO_OUTPUT, None)],
                 lambda: (XOR_X, XOR_Y), "binary"),
    "softmax-2-hidden": (SOFTMAX_NET, lambda: initial_weights(SOFTMAX_NET), lambda: softmax_data(9, seed=5),
                         "multiclass"),
}


def _prepare(name: str, spec: NetworkSpec, kind: str):  # type: ignore[no-untyped-def]
    cls = backend_class_or_skip(name)
    available, reason = cls.available()
    if not available:
        pytest.skip(f"{name} unavailable: {reason}")
    backend = cls(device="cpu", threads=1)
    resolved = backend.resolve_spec(spec)
    skip, why = backend.skip(resolved, kind)
    return backend, resolved, skip, why


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", BACKENDS)
def test_forward_pass_matches_numpy(name: str, case: str) -> None:
    spec, weights, data, kind = CASES[case]
    backend, resolved, skip, why = _prepare(name, spec, kind)
    X, _ = data()
    if skip:
        assert why, f"{name} skipped {case} without a reason"
        return
    reference = NumpyMLP()
    reference.load(spec, weights())
    backend.load(resolved, weights())
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)
    if case == "seed-xor":  # the slides' worked example (tests/test_golden_mlp.py)
        np.testing.assert_allclose(backend.predict(X).ravel(), SLIDES_XOR_PREDICTIONS, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", BACKENDS)
def test_one_sgd_step_matches_numpy(name: str, case: str) -> None:
    spec, weights, data, kind = CASES[case]
    backend, resolved, skip, why = _prepare(name, spec, kind)
    X, Y = data()
    if skip:
        assert why, f"{name} skipped {case} without a reason"
        return
    reference = NumpyMLP()
    reference.fit(spec, X, Y, initial_weights=weights())
    backend.fit(resolved, X, Y, initial_weights=weights())
    if backend.deviations:  # an approximation the backend declared: numbers may differ
        assert all(isinstance(d, str) and d for d in backend.deviations)
        return
    for (W, b), (W_ref, b_ref) in zip(backend.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(W, W_ref, atol=TOLERANCE, err_msg=f"{name}: weights after one step")
        if b_ref is not None:
            np.testing.assert_allclose(b, b_ref, atol=TOLERANCE, err_msg=f"{name}: biases after one step")
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=TOLERANCE)

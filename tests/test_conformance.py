"""Every shipped backend passes the conformance kit (bench.testing.check_backend)."""

from __future__ import annotations

import pytest

from bench.core import registry
from bench.testing import CHECKS, check_backend
from tests.conftest import backend_class_or_skip

MLP_BACKENDS = [name for name in registry.BUILTIN_BACKENDS if name != "numpy-perceptron"]


@pytest.mark.parametrize("name", MLP_BACKENDS)
def test_shipped_backend_passes_the_kit(name: str) -> None:
    cls = backend_class_or_skip(name)
    ran = check_backend(cls)
    available, reason = cls.available()
    expected = len(CHECKS) if available else 3
    assert len(ran) == expected, f"{name}: ran {ran} ({reason})"


def test_perceptron_passes_the_checks_that_apply_to_it() -> None:
    """The single-layer perceptron is not an MLP: it cannot load hidden layers or learn XOR."""
    from backends.numpy_perceptron import NumpyPerceptron

    ran = check_backend(NumpyPerceptron, skip=("check_fit_predict_shapes", "check_loads_given_weights",
                                               "check_learns_xor"))
    assert "check_deterministic" in ran and "check_unsupported_specs_are_explained" in ran


def test_kit_catches_a_broken_backend() -> None:
    """The kit fails loudly on an adapter whose forward pass is wrong."""
    import numpy as np

    from backends.numpy_mlp import NumpyMLP

    class Broken(NumpyMLP):
        name = "broken"

        def predict(self, X: np.ndarray) -> np.ndarray:
            return super().predict(X) * 0.5

    with pytest.raises(AssertionError, match="forward pass differs"):
        check_backend(Broken)

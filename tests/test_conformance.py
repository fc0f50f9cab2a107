"""Every shipped backend passes the conformance kit (bench.testing), one test per backend × check,
and the kit catches adapters that break the contract in training."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from backends.scratch.activations import Activation, step_derivative
from bench.core import registry
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.testing import (
    CHECKS,
    check_backend,
    check_loads_given_weights,
    check_trains_like_the_reference,
    parametrize_with_checks,
)
from tests.conftest import OWN_PROCESS, OWN_PROCESS_BACKEND

SHIPPED = [registry.backend_class(name) for name in
           ([OWN_PROCESS_BACKEND] if OWN_PROCESS_BACKEND else
            [name for name in registry.BUILTIN_BACKENDS if name not in OWN_PROCESS])]


@parametrize_with_checks(SHIPPED)
def test_shipped_backend(backend: type[Backend], check) -> None:  # type: ignore[no-untyped-def]
    check(backend)


def test_skips_are_declared_by_the_class_with_reasons() -> None:
    """check_backend runs every check but the class's kit_skips (the perceptron is no MLP)."""
    from backends.numpy_perceptron import NumpyPerceptron

    ran = check_backend(NumpyPerceptron, skip=("check_missing_library_is_clean",))
    assert set(ran) == {c.__name__ for c in CHECKS} - set(NumpyPerceptron.kit_skips) - {
        "check_missing_library_is_clean"}
    assert "check_deterministic" in ran and "check_unsupported_specs_are_explained" in ran


def test_kit_catches_a_broken_forward_pass() -> None:
    class Broken(NumpyMLP):
        name = "broken"

        def predict(self, X: np.ndarray) -> np.ndarray:
            return super().predict(X) * 0.5

    with pytest.raises(AssertionError, match="forward pass differs"):
        check_backend(Broken)


class OtherRowOrder(NumpyMLP):
    """Shuffles with its own generator instead of the reference permutation."""

    name = "other-row-order"

    def train_epoch(self, X, Y, order, batch_size):  # type: ignore[no-untyped-def]
        if order is not None:
            order = np.random.default_rng(self.spec.seed + 1).permutation(len(X))
        return super().train_epoch(X, Y, order, batch_size)


class IgnoresGivenWeights(NumpyMLP):
    """Loads what it is given, but trains from its own draw."""

    name = "ignores-given-weights"

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray):  # type: ignore[no-untyped-def]
        self.load(spec, initial_weights(spec))
        return super().begin_training(spec, X, Y)


class StepAtZero(NumpyMLP):
    """A step activation firing at 0 instead of the slides' 1."""

    name = "step-at-zero"

    def load(self, spec: NetworkSpec, weights) -> None:  # type: ignore[no-untyped-def]
        super().load(spec, weights)
        at_zero = Activation("step", lambda x, out=None: np.greater_equal(x, 0, out=out).astype(x.dtype),
                             step_derivative)
        self.model.activations = [at_zero if a.name == "step" else a for a in self.model.activations]


@pytest.mark.parametrize("broken, setting", [
    (OtherRowOrder, "batch 1, shuffled"),
    (IgnoresGivenWeights, "full batch"),
    (StepAtZero, "step hidden"),
])
def test_kit_catches_training_that_departs_from_the_reference(broken: type[Backend], setting: str) -> None:
    with pytest.raises(AssertionError, match=f"setting '{setting}' trains differently"):
        check_trains_like_the_reference(broken)


def test_broken_training_adapters_pass_the_forward_pass_check_except_the_step() -> None:
    """Only training reveals the row order and the ignored weights (the kit used to miss them)."""
    check_loads_given_weights(OtherRowOrder)
    check_loads_given_weights(IgnoresGivenWeights)
    with pytest.raises(AssertionError, match="step hidden"):
        check_loads_given_weights(StepAtZero)


def test_a_recorded_deviation_is_what_lets_training_differ() -> None:
    class DeclaredOrder(OtherRowOrder):
        name = "declared-order"

        def begin_training(self, spec, X, Y):  # type: ignore[no-untyped-def]
            self._deviate("rows shuffled by the adapter's own generator")
            return super().begin_training(spec, X, Y)

    check_trains_like_the_reference(DeclaredOrder)

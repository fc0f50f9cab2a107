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
    DEVIATION_BOUNDS,
    TOLERANCE,
    KitSkipWarning,
    check_backend,
    check_declares_contract,
    check_loads_given_weights,
    check_trains_like_the_reference,
    parametrize_with_checks,
    training_comparisons,
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

    with pytest.warns(KitSkipWarning, match="check_open_seed_decides_the_initial_model skipped: "
                                            "numpy-perceptron declares open_seeded = False: seed unused"):
        ran = check_backend(NumpyPerceptron, skip=("check_missing_library_is_clean",))
    assert set(ran) == {c.__name__ for c in CHECKS} - set(NumpyPerceptron.kit_skips) - {
        "check_missing_library_is_clean", "check_open_seed_decides_the_initial_model"}
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


class DeclaredOrder(OtherRowOrder):
    """OtherRowOrder that says so in its deviations, as a kind of no bound."""

    name = "declared-order"

    def begin_training(self, spec, X, Y):  # type: ignore[no-untyped-def]
        self._deviate("rows shuffled by the adapter's own generator")
        return super().begin_training(spec, X, Y)


def test_a_recorded_deviation_of_no_kind_widens_nothing() -> None:
    """Recording a note used to let any difference pass; now it is compared at the dtype's tolerance."""
    with pytest.raises(AssertionError, match=r"setting 'batch 1, shuffled' trains differently.*tolerance "
                                             r"1e-09, no recorded deviation widens it.*own generator"):
        check_trains_like_the_reference(DeclaredOrder)


def test_a_deviation_widens_the_tolerance_only_to_its_kinds_bound() -> None:
    """A precision note lets the rows' order differ no more than float32's tolerance: wrong order fails."""

    class OrderAsPrecision(DeclaredOrder):
        name = "order-as-precision"
        kit_deviations = {"rows shuffled": "precision"}

    bound = DEVIATION_BOUNDS["precision"].short
    assert bound == TOLERANCE["float32"]
    with pytest.raises(AssertionError, match=rf"setting 'batch 1, shuffled' trains differently.*"
                                             rf"tolerance {bound:g}, widened by precision"):
        check_trains_like_the_reference(OrderAsPrecision)


class Float32Inside(NumpyMLP):
    """Trains a float64 spec in float32 (as keras-torch's products are), saying so."""

    name = "float32-inside"
    NOTE = "float64: computed in float32"

    def load(self, spec: NetworkSpec, weights) -> None:  # type: ignore[no-untyped-def]
        if spec.dtype == "float64":
            self._deviate(self.NOTE)
        super().load(spec.replace(dtype="float32"), [(W.astype("float32"), None if b is None else
                                                      b.astype("float32")) for W, b in weights])

    def begin_training(self, spec, X, Y):  # type: ignore[no-untyped-def]
        return super().begin_training(spec.replace(dtype="float32"), X, Y)


def test_a_precision_deviation_is_compared_at_float32s_tolerance() -> None:
    with pytest.raises(AssertionError, match=r"setting 'full batch' trains differently.*tolerance 1e-09"):
        check_trains_like_the_reference(Float32Inside)

    class Declared(Float32Inside):
        name = "float32-inside-declared"
        kit_deviations = {Float32Inside.NOTE: "precision"}

    check_trains_like_the_reference(Declared)
    found = {c.setting: c for c in training_comparisons(Declared)}
    assert found["full batch"].widened_by == ("precision",)
    assert found["full batch"].tolerance == TOLERANCE["float32"]
    assert 1e-9 < found["full batch"].difference <= TOLERANCE["float32"]
    assert found["float32"].widened_by == () and found["float32"].difference == 0.0


def test_a_setting_declared_not_comparable_is_skipped_visibly() -> None:
    """kit_skips["check_trains_like_the_reference[<setting>]"] skips that setting only, with a warning."""

    class DeclaredStep(StepAtZero):
        name = "declared-step"
        kit_skips = {"check_trains_like_the_reference[step hidden]": "fires at 0, not the slides' 1"}

    with pytest.warns(KitSkipWarning, match=r"declared-step: 1 training setting.*'step hidden' \(fires at 0"):
        check_trains_like_the_reference(DeclaredStep)
    (found,) = [c for c in training_comparisons(DeclaredStep) if c.setting == "step hidden"]
    assert found.skipped == "kit_skips: fires at 0, not the slides' 1"
    check_declares_contract(DeclaredStep)


@pytest.mark.parametrize("declaration, message", [
    (dict(kit_skips={"check_trains_like_the_reference[no such setting]": "why"}), "known \\[<setting>\\]"),
    (dict(kit_skips={"check_learns_xor[full batch]": "why"}), "only the training checks"),
    (dict(kit_deviations={"a note": "no-such-kind"}), "not a kind of"),
])
def test_the_contract_check_refuses_unknown_settings_and_kinds(declaration: dict, message: str) -> None:
    broken = type("Undeclared", (NumpyMLP,), {"name": "undeclared", **declaration})
    with pytest.raises(AssertionError, match=message):
        check_declares_contract(broken)


class ClosedOnly(NumpyMLP):
    """An adapter without the open division (no build_open)."""

    name = "closed-only"
    build_open = Backend.build_open
    train_open = Backend.train_open


OPEN_CHECKS = [check for check in CHECKS if check.__name__.startswith("check_open_")]


@pytest.mark.parametrize("check", OPEN_CHECKS)
def test_an_adapter_without_build_open_skips_the_open_checks_with_a_reason(check) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pytest.skip.Exception, match="closed-only has no build_open: the open division is "
                                                    "not implemented"):
        check(ClosedOnly)


def test_check_backend_reports_the_open_checks_it_could_not_run() -> None:
    with pytest.warns(KitSkipWarning) as caught:
        ran = check_backend(ClosedOnly, skip=("check_missing_library_is_clean",
                                              "check_trains_like_the_reference"))
    opened = {check.__name__ for check in OPEN_CHECKS}
    assert not opened & set(ran) and "check_learns_xor" in ran
    assert {str(w.message).split()[1] for w in caught if w.category is KitSkipWarning} == opened

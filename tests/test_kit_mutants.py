"""The kit rejects adapters that break a promise of the open division: each mutant below is the NumPy
adapter with one promise broken, and the kit's check for that promise fails naming it. The honest
variants (a declared deviation, a declared unseeded library) pass or skip visibly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from bench.core.backend import EpochCallback
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.testing import (
    check_open_division_trains,
    check_open_recipe_matches_what_ran,
    check_open_runs_in_the_spec_dtype,
    check_open_seed_decides_the_initial_model,
    check_skip_refuses_what_fit_cannot_train,
)


class Float64Inside(NumpyMLP):
    """Trains the open division in float64 whatever the spec says (the record would say float32)."""

    name = "float64-inside"

    def build_open(self, spec: NetworkSpec) -> None:
        super().build_open(spec.replace(dtype="float64"))


class Float64InsideDeclared(Float64Inside):
    """The same, saying so with a deviation of kind precision: allowed (as PyBrain's float64)."""

    name = "float64-inside-declared"
    kit_deviations = {"dtype float32: computed in float64": "precision"}

    def build_open(self, spec: NetworkSpec) -> None:
        if spec.dtype != "float64":
            self._deviate(f"dtype {spec.dtype}: computed in float64")
        super().build_open(spec)


class IgnoresSeed(NumpyMLP):
    """Always the same initial model, whatever seed it is given."""

    name = "ignores-seed"

    def build_open(self, spec: NetworkSpec) -> None:
        super().build_open(spec.replace(seed=0))


class UnseededInit(NumpyMLP):
    """Draws its initial model from an unseeded generator: the same seed gives different models."""

    name = "unseeded-init"

    def build_open(self, spec: NetworkSpec) -> None:
        super().build_open(spec.replace(seed=int(np.random.default_rng().integers(1 << 30))))


class UnseededSilently(IgnoresSeed):
    """Declares that the library takes no seed, but the record never says so."""

    name = "unseeded-silently"
    open_seeded = False


class UnseededDeclared(UnseededSilently):
    """Declares it and records it: the seed check is skipped with the recorded reason."""

    name = "unseeded-declared"

    def build_open(self, spec: NetworkSpec) -> None:
        self._deviate("seed unused: this library draws its own initial weights")
        super().build_open(spec)


def _lying(name: str, **lie: object) -> type[NumpyMLP]:
    """NumpyMLP whose recipe states ``lie`` (each value a function of the spec) instead of what ran."""

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,  # type: ignore[no-untyped-def]
                   on_epoch: EpochCallback | None) -> Recipe:
        recipe = NumpyMLP.train_open(self, spec, X, Y, on_epoch)
        return dataclasses.replace(recipe, **{field: value(spec) for field, value in lie.items()})

    return type(name, (NumpyMLP,), {"name": name, "train_open": train_open})


LiesAboutLearningRate = _lying("lies-about-lr", learning_rate=lambda spec: spec.learning_rate * 10)
LiesAboutBatch = _lying("lies-about-batch", batch_size=lambda spec: spec.batch_size)  # 0, not the rows
LiesAboutMomentum = _lying("lies-about-momentum", momentum=lambda spec: 0.9)
LiesAboutDtype = _lying("lies-about-dtype", dtype=lambda spec: "float16")


class StopsEarlySilently(NumpyMLP):
    """Trains one epoch fewer than its recipe (and the spec) says, without saying it stopped."""

    name = "stops-early"

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        recipe = super().train_open(spec.replace(epochs=spec.epochs - 1), X, Y, on_epoch)
        return dataclasses.replace(recipe, epochs=spec.epochs)


class DictRecipe(NumpyMLP):
    """Returns free-text prose instead of a Recipe."""

    name = "dict-recipe"

    def train_open(self, spec, X, Y, on_epoch):  # type: ignore[no-untyped-def]
        super().train_open(spec, X, Y, on_epoch)
        return {"train": "model.fit(X, y)"}


class LegacyFitOpen(NumpyMLP):
    """Overrides fit_open instead of build_open/train_open."""

    name = "legacy-fit-open"

    def fit_open(self, spec, X, Y, on_epoch):  # type: ignore[no-untyped-def]
        self.load(spec, initial_weights(spec))
        self.recipe = {"train": "closed loop"}


class RaisesOnRelu(NumpyMLP):
    """skip() accepts relu hidden layers, but the open fit raises on them."""

    name = "raises-on-relu"

    def train_open(self, spec, X, Y, on_epoch):  # type: ignore[no-untyped-def]
        if spec.hidden_activation == "relu":
            raise RuntimeError("relu is not wired in")
        return super().train_open(spec, X, Y, on_epoch)


@pytest.mark.parametrize("mutant, check, message", [
    (Float64Inside, check_open_runs_in_the_spec_dtype,
     r"promise 'runs in the spec's dtype' broken: a float32 spec trained float64 parameters"),
    (IgnoresSeed, check_open_seed_decides_the_initial_model,
     r"promise 'the seed decides the initial model' broken: seeds 0 and 1 built the same model"),
    (UnseededInit, check_open_seed_decides_the_initial_model,
     r"promise 'the seed decides the initial model' broken: seed 0 twice built different models"),
    (UnseededSilently, check_open_seed_decides_the_initial_model,
     r"open_seeded is False but the open fit records no deviation naming the seed"),
    (LiesAboutLearningRate, check_open_recipe_matches_what_ran,
     r"promise 'the recipe matches what ran' broken \(sgd\): learning_rate is 0.5, the spec's is 0.05"),
    (LiesAboutBatch, check_open_recipe_matches_what_ran,
     r"promise 'the recipe matches what ran' broken \(adam\): batch_size is 0, the spec's is 12"),
    (LiesAboutMomentum, check_open_recipe_matches_what_ran, r"momentum is 0.9, the spec's is 0.5"),
    (LiesAboutDtype, check_open_recipe_matches_what_ran,
     r"dtype is 'float16', the model's parameters are float32"),
    (StopsEarlySilently, check_open_recipe_matches_what_ran,
     r"epochs is 3, but 2 ran and the library did not say it stopped"),
    (DictRecipe, check_open_recipe_matches_what_ran, r"train_open returned dict, no Recipe"),
    (DictRecipe, check_open_division_trains, r"the open fit recorded no Recipe"),
    (LegacyFitOpen, check_open_recipe_matches_what_ran,
     r"must implement build_open, train_open and parameter_dtype"),
    (RaisesOnRelu, check_skip_refuses_what_fit_cannot_train,
     r"promise 'skip\(\) refuses what fit cannot train' broken: skip\(\) accepted 'relu hidden, adam, "
     r"float64' \(multiclass, open division\) and fit raised RuntimeError: relu is not wired in"),
])
def test_the_kit_rejects_a_broken_promise(mutant: type[NumpyMLP], check, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AssertionError, match=message):
        check(mutant)


def test_a_declared_precision_deviation_passes_the_dtype_check() -> None:
    """The explicit rule: parameters in another dtype than the spec's pass only with a recorded deviation
    of kind ``precision`` (PyBrain's float64)."""
    check_open_runs_in_the_spec_dtype(Float64InsideDeclared)
    check_open_recipe_matches_what_ran(Float64InsideDeclared)


def test_a_declared_unseeded_library_is_skipped_visibly_with_the_recorded_reason() -> None:
    with pytest.raises(pytest.skip.Exception,
                       match="unseeded-declared declares open_seeded = False: seed unused"):
        check_open_seed_decides_the_initial_model(UnseededDeclared)


def test_the_unmutated_adapter_keeps_every_promise() -> None:
    for check in (check_open_runs_in_the_spec_dtype, check_open_seed_decides_the_initial_model,
                  check_open_recipe_matches_what_ran, check_skip_refuses_what_fit_cannot_train,
                  check_open_division_trains):
        check(NumpyMLP)

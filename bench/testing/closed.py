"""The closed division's checks beside the training matrix: shapes and callbacks, forward passes on
given weights, determinism, prediction during training, XOR, regression, unusual specs."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.core import metrics
from bench.core.backend import Backend, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.testing.base import (
    SMALL_NET,
    XOR_SPEC,
    fit,
    given_weights,
    multiclass_data,
    needs_library,
    new_backend,
    reference,
    xor_data,
)


@needs_library
def check_fit_predict_shapes(cls: type[Backend]) -> None:
    """predict returns finite floats of shape (rows, outputs); on_epoch fires per epoch."""
    X, Y = multiclass_data()
    losses: list[float] = []
    backend = fit(cls, SMALL_NET, X, Y, on_epoch=lambda epoch, loss: losses.append(loss))
    outputs = np.asarray(backend.predict(X))
    assert outputs.shape == (len(X), 3), f"{cls.name}: predict shape {outputs.shape}, expected {(len(X), 3)}"
    assert np.issubdtype(outputs.dtype, np.floating), f"{cls.name}: predict returned {outputs.dtype}"
    assert np.all(np.isfinite(outputs)), f"{cls.name}: predict returned NaN/inf"
    assert len(losses) == SMALL_NET.epochs, f"{cls.name}: on_epoch called {len(losses)} times, not 3"
    assert all(np.isfinite(losses)), f"{cls.name}: non-finite epoch losses {losses}"
    assert backend.epochs_run == SMALL_NET.epochs, f"{cls.name}: epochs_run={backend.epochs_run}"
    assert backend.final_loss == losses[-1], f"{cls.name}: final_loss is not the last epoch's loss"
    assert isinstance(backend.deviations, list) and all(isinstance(d, str) for d in backend.deviations)


#: Networks whose forward pass on given weights must equal the reference's.
LOAD_CASES: dict[str, dict[str, Any]] = {
    **{f"{hidden} hidden": dict(hidden_activation=hidden) for hidden in ("tanh", "sigmoid", "relu", "linear",
                                                                          "step")},
    "no bias, sigmoid output": dict(bias=False, output_activation="sigmoid", loss="mse", layers=(4, 5, 1)),
    "two hidden layers": dict(layers=(4, 5, 4, 3)),
    "linear output": dict(output_activation="linear", loss="mse"),
}


@needs_library
def check_loads_given_weights(cls: type[Backend]) -> None:
    """load(spec, weights) + predict reproduces the NumPy forward pass (float64, 1e-5), and
    get_weights() returns the weights loaded, for every activation the adapter does not skip."""
    X, _ = multiclass_data()
    loaded = 0
    for label, change in LOAD_CASES.items():
        spec = SMALL_NET.replace(**change)
        backend = cls(device="cpu", threads=1)
        resolved = backend.resolve_spec(spec)
        kind = "regression" if spec.output_activation == "linear" else "multiclass"
        skip, reason = backend.skip(resolved, kind)
        if skip:
            assert reason, f"{cls.name}: skipped {label!r} without a reason"
            continue
        weights = given_weights(spec)
        expected = reference()
        expected.load(spec, weights)
        backend.load(resolved, weights)
        outputs = np.asarray(backend.predict(X))
        assert outputs.dtype == np.float64, f"{cls.name}: {label}: float64 network predicts {outputs.dtype}"
        np.testing.assert_allclose(outputs, expected.predict(X), atol=1e-5,
                                   err_msg=f"{cls.name}: {label}: forward pass differs from NumPy on "
                                           "identical weights")
        _assert_holds(cls, backend, weights, label)
        loaded += 1
    assert loaded, f"{cls.name}: skipped every network of the load check"


def _assert_holds(cls: type[Backend], backend: Backend, weights: Weights, label: str) -> None:
    try:
        held = backend.get_weights()
    except NotImplementedError:
        return  # optional: the training check then compares predictions
    assert len(held) == len(weights), f"{cls.name}: {label}: get_weights has {len(held)} layers"
    for (W, b), (W0, b0) in zip(held, weights):
        np.testing.assert_allclose(W, W0, atol=1e-12, err_msg=f"{cls.name}: {label}: get_weights after load")
        assert (b is None) == (b0 is None), f"{cls.name}: {label}: bias present in one layout only"
        if b is not None:
            np.testing.assert_allclose(b, b0, atol=1e-12, err_msg=f"{cls.name}: {label}: biases after load")


@needs_library
def check_deterministic(cls: type[Backend]) -> None:
    """Two fits with the same seed give the same predictions (mini-batches and single rows, shuffled)."""
    X, Y = multiclass_data()
    for batch_size in (4, 1):
        spec = SMALL_NET.replace(shuffle=True, batch_size=batch_size, momentum=0.5)
        first = fit(cls, spec, X, Y).predict(X)
        second = fit(cls, spec, X, Y).predict(X)
        np.testing.assert_allclose(first, second, rtol=1e-6, atol=1e-9,
                                   err_msg=f"{cls.name}: not deterministic under a fixed seed "
                                           f"(batch size {batch_size})")


@needs_library
def check_predicting_between_epochs_changes_nothing(cls: type[Backend]) -> None:
    """predict() inside the epoch callback (the harness's learning curves) leaves training untouched."""
    X, Y = multiclass_data()
    spec = SMALL_NET.replace(shuffle=True, momentum=0.9)
    quiet = fit(cls, spec, X, Y).predict(X)
    backend = new_backend(cls)
    seen: list[int] = []
    backend.fit(backend.resolve_spec(spec), X, Y,
                on_epoch=lambda epoch, loss: (seen.append(epoch), backend.predict(X[:2])))
    assert seen == list(range(1, spec.epochs + 1)) and backend.epochs_run == spec.epochs, \
        f"{cls.name}: epochs {seen} reported, {backend.epochs_run} run, {spec.epochs} asked"
    np.testing.assert_array_equal(quiet, backend.predict(X),
                                  err_msg=f"{cls.name}: predicting between epochs changed the training")


@needs_library
def check_learns_xor(cls: type[Backend]) -> None:
    """The slides' 2-3-1 network learns XOR to 100 % with the task's default spec, all epochs run."""
    spec, (X, Y) = XOR_SPEC, xor_data()
    backend = fit(cls, spec, X, Y, kind="binary", initial_weights=initial_weights(spec))
    accuracy = metrics.score("binary", Y, backend.predict(X))["accuracy"]
    assert accuracy == 1.0, f"{cls.name}: XOR accuracy {accuracy} after {spec.epochs} epochs"
    assert backend.epochs_run == spec.epochs, f"{cls.name}: {backend.epochs_run} of {spec.epochs} epochs run"


@needs_library
def check_regression(cls: type[Backend]) -> None:
    """A backend declaring regression fits a linear target (R² > 0.9)."""
    if not cls.supports_regression:
        skip, reason = cls().skip(SMALL_NET.replace(output_activation="linear", loss="mse"), "regression")
        assert skip and reason, f"{cls.name}: supports_regression is False but skip() accepts regression"
        return
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 3))
    Y = (X @ np.array([0.5, -1.0, 0.25]))[:, None]
    spec = NetworkSpec(layers=(3, 4, 1), hidden_activation="tanh", output_activation="linear", loss="mse",
                       learning_rate=0.05, momentum=0.9, batch_size=16, epochs=200, seed=0)
    backend = fit(cls, spec, X, Y, kind="regression")
    r2 = metrics.score("regression", Y, backend.predict(X))["r2"]
    assert r2 > 0.9, f"{cls.name}: regression R² {r2:.3f} ≤ 0.9"


UNUSUAL_SPECS = {
    "step hidden activation": dict(hidden_activation="step"),
    "adam": dict(optimizer="adam", learning_rate=0.01),
    "no bias": dict(bias=False),
    "float32": dict(dtype="float32"),
    "reduction sum": dict(reduction="sum"),
    "stochastic": dict(batch_size=1),
    "relu hidden, mse on softmax": dict(hidden_activation="relu", loss="mse"),
}


@needs_library
def check_unsupported_specs_are_explained(cls: type[Backend]) -> None:
    """Each unusual setting is trained, trained with a recorded deviation, or skipped with a reason."""
    X, Y = multiclass_data()
    for label, change in UNUSUAL_SPECS.items():
        backend = cls(device="cpu", threads=1)
        spec = backend.resolve_spec(SMALL_NET.replace(**change))
        skip, reason = backend.skip(spec, "multiclass")
        if skip:
            assert isinstance(reason, str) and reason, f"{cls.name}: skipped {label!r} without a reason"
            continue
        backend.fit(spec, X, Y)
        outputs = np.asarray(backend.predict(X))
        assert outputs.shape == Y.shape, f"{cls.name}: {label}: predict shape {outputs.shape}"


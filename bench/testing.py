"""Conformance kit for backend adapters, after scikit-learn's ``check_estimator``.

Any adapter, shipped or third-party, can run::

    from bench.testing import check_backend
    check_backend(MyBackend)          # raises AssertionError naming the failed check

Each check is a small function taking the backend class; ``check_backend``
runs them in order and returns the names of the checks that ran. A backend
whose library is missing only has to say so cleanly (``available()`` →
``(False, reason)``); the other checks are then skipped and listed as such.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import packages_distributions

import numpy as np

from backends.numpy_mlp import NumpyMLP
from bench.core import metrics
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights

Check = Callable[[type[Backend]], None]

SMALL_NET = NetworkSpec(layers=(4, 5, 3), hidden_activation="tanh", output_activation="softmax",
                        loss="cross_entropy", learning_rate=0.1, epochs=3, batch_size=4, seed=0)


def multiclass_data(rows: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normal (rows, 4) inputs and one-hot labels cycling through three classes."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 4)), np.eye(3)[np.arange(rows) % 3]


def _fit(cls: type[Backend], spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
         kind: str = "multiclass", **fit_kwargs) -> Backend:  # type: ignore[no-untyped-def]
    backend = cls(device="cpu", threads=1)
    backend.setup_threads()
    spec = backend.resolve_spec(spec)
    skip, reason = backend.skip(spec, kind)
    assert not skip, f"{cls.name} skipped a plain spec it must support: {reason}"
    backend.fit(spec, X, Y, **fit_kwargs)
    return backend


def check_declares_contract(cls: type[Backend]) -> None:
    """name, devices and available() have the documented types."""
    assert isinstance(cls.name, str) and cls.name, "Backend.name must be a non-empty string"
    assert "cpu" in cls.devices, f"{cls.name}: every backend must run on 'cpu' (devices={cls.devices})"
    ok, reason = cls.available()
    assert isinstance(ok, bool) and isinstance(reason, str), "available() must return (bool, str)"
    assert ok or reason, f"{cls.name}: available() said no without a reason"


def check_gpu_request_is_clean(cls: type[Backend]) -> None:
    """Asking for a GPU returns (bool, reason); a 'no' always says why."""
    ok, reason = cls.device_available("gpu")
    assert isinstance(ok, bool) and isinstance(reason, str)
    assert ok or reason, f"{cls.name}: device_available('gpu') said no without a reason"
    assert cls.resolve_device("auto") in cls.devices


def check_fit_predict_shapes(cls: type[Backend]) -> None:
    """predict returns finite floats of shape (rows, outputs); on_epoch fires per epoch."""
    X, Y = multiclass_data()
    losses: list[float] = []
    backend = _fit(cls, SMALL_NET, X, Y, on_epoch=lambda epoch, loss: losses.append(loss))
    outputs = np.asarray(backend.predict(X))
    assert outputs.shape == (len(X), 3), f"{cls.name}: predict shape {outputs.shape}, expected {(len(X), 3)}"
    assert np.all(np.isfinite(outputs)), f"{cls.name}: predict returned NaN/inf"
    assert len(losses) == SMALL_NET.epochs, f"{cls.name}: on_epoch called {len(losses)} times, not 3"
    assert all(np.isfinite(losses)), f"{cls.name}: non-finite epoch losses {losses}"
    assert backend.epochs_run == SMALL_NET.epochs, f"{cls.name}: epochs_run={backend.epochs_run}"
    assert isinstance(backend.deviations, list) and all(isinstance(d, str) for d in backend.deviations)


def check_loads_given_weights(cls: type[Backend]) -> None:
    """load(spec, weights) + predict reproduces the NumPy forward pass (float64, 1e-5)."""
    X, _ = multiclass_data()
    spec = SMALL_NET
    weights = initial_weights(spec)
    reference = NumpyMLP()
    reference.load(spec, weights)
    backend = cls(device="cpu", threads=1)
    backend.load(backend.resolve_spec(spec), weights)
    np.testing.assert_allclose(backend.predict(X), reference.predict(X), atol=1e-5,
                               err_msg=f"{cls.name}: forward pass differs from NumPy on identical weights")


def check_deterministic(cls: type[Backend]) -> None:
    """Two fits with the same seed give the same predictions."""
    X, Y = multiclass_data()
    spec = SMALL_NET.replace(shuffle=True)
    first = _fit(cls, spec, X, Y).predict(X)
    second = _fit(cls, spec, X, Y).predict(X)
    np.testing.assert_allclose(first, second, rtol=1e-6, atol=1e-9,
                               err_msg=f"{cls.name}: not deterministic under a fixed seed")


def check_predicting_between_epochs_changes_nothing(cls: type[Backend]) -> None:
    """predict() inside the epoch callback (the harness's learning curves) leaves training untouched."""
    X, Y = multiclass_data()
    spec = SMALL_NET.replace(shuffle=True, momentum=0.9)
    quiet = _fit(cls, spec, X, Y).predict(X)
    backend = cls(device="cpu", threads=1)
    backend.setup_threads()
    seen: list[int] = []
    backend.fit(backend.resolve_spec(spec), X, Y,
                on_epoch=lambda epoch, loss: (seen.append(epoch), backend.predict(X[:2])))
    assert seen == list(range(1, spec.epochs + 1)) and backend.epochs_run == spec.epochs, \
        f"{cls.name}: epochs {seen} reported, {backend.epochs_run} run, {spec.epochs} asked"
    np.testing.assert_array_equal(quiet, backend.predict(X),
                                  err_msg=f"{cls.name}: predicting between epochs changed the training")


def check_learns_xor(cls: type[Backend]) -> None:
    """The slides' 2-3-1 network learns XOR to 100 % with the task's default spec."""
    from tasks.logic_gates import Xor

    task = Xor()
    spec, table = task.default_spec(), task.splits(0)[0]
    backend = _fit(cls, spec, table.X_train, table.Y_train, kind="binary",
                   initial_weights=initial_weights(spec))
    accuracy = metrics.score("binary", table.Y_test, backend.predict(table.X_test))["accuracy"]
    assert accuracy == 1.0, f"{cls.name}: XOR accuracy {accuracy} after {spec.epochs} epochs"


def check_regression(cls: type[Backend]) -> None:
    """A backend declaring regression fits a linear target (R² > 0.9)."""
    if not cls.supports_regression:
        return
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 3))
    Y = (X @ np.array([0.5, -1.0, 0.25]))[:, None]
    spec = NetworkSpec(layers=(3, 4, 1), hidden_activation="tanh", output_activation="linear", loss="mse",
                       learning_rate=0.05, momentum=0.9, batch_size=16, epochs=200, seed=0)
    backend = _fit(cls, spec, X, Y, kind="regression")
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


def check_missing_library_is_clean(cls: type[Backend]) -> None:
    """With its library unimportable, the adapter module imports and available() says why."""
    distributions = {d for d in cls.packages if d != "numpy"}
    modules = sorted(m for m, dists in packages_distributions().items() if distributions & set(dists)
                     and not m.startswith("_"))
    if not modules:
        return
    code = (
        "import sys\n"
        f"for name in {modules!r}:\n    sys.modules[name] = None\n"
        f"from {cls.__module__} import {cls.__qualname__} as B\n"
        "ok, reason = B.available()\n"
        "assert ok is False and reason, (ok, reason)\n"
        "print(reason)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (
        f"{cls.name}: with {modules} missing, available() did not fail cleanly: {done.stderr.strip()[-300:]}"
    )


CHECKS: list[Check] = [
    check_declares_contract,
    check_gpu_request_is_clean,
    check_missing_library_is_clean,
    check_fit_predict_shapes,
    check_loads_given_weights,
    check_deterministic,
    check_predicting_between_epochs_changes_nothing,
    check_unsupported_specs_are_explained,
    check_regression,
    check_learns_xor,
]

#: Checks that need the library itself (skipped when available() says no).
NEEDS_LIBRARY = set(CHECKS[3:])


def check_backend(cls: type[Backend], skip: tuple[str, ...] = ()) -> list[str]:
    """Run every check on ``cls``; returns the names of the checks that ran."""
    ran = []
    available, _ = cls.available()
    for check in CHECKS:
        if check.__name__ in skip or (check in NEEDS_LIBRARY and not available):
            continue
        check(cls)
        ran.append(check.__name__)
    return ran

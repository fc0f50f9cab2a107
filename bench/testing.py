"""Conformance kit for backend adapters, after scikit-learn's ``check_estimator``.

Any adapter, shipped or third-party, can run::

    from bench.testing import check_backend
    check_backend(MyBackend)          # raises AssertionError naming the failed check

or get one pytest test per check (after ``parametrize_with_checks``)::

    from bench.testing import parametrize_with_checks

    @parametrize_with_checks([MyBackend])
    def test_my_backend(backend, check):   # ids like "my-backend-check_loads_given_weights"
        check(backend)

Each check is a small function taking the backend class. A check that does
not apply to a backend is named in the class's ``kit_skips`` ({check name:
reason}); a backend whose library is missing only has to say so cleanly
(``available()`` → ``(False, reason)``); the checks needing the library are
then skipped with that reason.

The training checks (:func:`check_trains_like_the_reference`) fit the adapter
and the NumPy reference from the same given initial weights on each setting of
:data:`TRAINING_SETTINGS` and compare the weights after training and every
epoch loss to :data:`TOLERANCE` (per dtype). A setting the adapter cannot train
must be refused by ``skip()`` with a reason. A setting it trains differently
must be recorded in ``deviations`` during that fit, and a recorded deviation
widens the tolerance only as far as its kind's stated bound
(:data:`DEVIATION_BOUNDS`; the adapter names the kind of each of its notes in
``kit_deviations``): the difference is still compared. A setting that cannot be
compared at all is declared in ``kit_skips`` as
``"check_trains_like_the_reference[<setting>]"`` with its reason, and reported
(:class:`KitSkipWarning`). The first setting that differs beyond its tolerance
fails the check, by name.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from typing import Any, NoReturn

import numpy as np

from backends.numpy_mlp import NumpyMLP
from bench.core import metrics
from bench.core.backend import Backend, Weights, install_command
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights

Check = Callable[[type[Backend]], None]

SMALL_NET = NetworkSpec(layers=(4, 5, 3), hidden_activation="tanh", output_activation="softmax",
                        loss="cross_entropy", learning_rate=0.1, epochs=3, batch_size=4, seed=0)

#: Largest |difference| of weights and epoch losses accepted as "the same training", per dtype.
#: Measured on the shipped adapters (``python -m bench.testing [--long]``): float64 agrees to
#: ≤ 5e-16 (3 epochs) and ≤ 5e-14 (25 epochs);
#: float32 to ≤ 3e-7 (3 epochs of 12 rows) and ≤ 4e-5 (25 epochs of 40 rows in single-row steps).
TOLERANCE = {"float64": 1e-9, "float32": 1e-5}
LONG_TOLERANCE = {"float64": 1e-9, "float32": 2e-4}

#: The network every training setting changes: 4-5-3 tanh → softmax, cross-entropy, 3 epochs,
#: mini-batches of 5 on 12 rows (a shorter last batch), shuffled.
TRAIN_NET = SMALL_NET.replace(batch_size=5, shuffle=True, learning_rate=0.2)

#: setting name → (spec changes, task kind); one dimension changed per setting where possible.
#: Summed settings use smaller learning rates: a step of lr × rows that makes training oscillate would
#: amplify any rounding difference exponentially (lr 0.2 summed over 40 rows did: float32-rounded products
#: ended 4.2 away from the reference after 25 epochs), and then compare nothing.
TRAINING_SETTINGS: dict[str, tuple[dict[str, Any], str]] = {
    "full batch": (dict(batch_size=0, shuffle=False), "multiclass"),
    "full batch, shuffled, sum": (dict(batch_size=0, reduction="sum", learning_rate=0.02), "multiclass"),
    "batch 1": (dict(batch_size=1, shuffle=False, reduction="sum"), "multiclass"),
    "batch 1, shuffled": (dict(batch_size=1), "multiclass"),
    "batch 5": (dict(shuffle=False), "multiclass"),
    "batch 5, shuffled, sum": (dict(reduction="sum", learning_rate=0.05), "multiclass"),
    "momentum": (dict(momentum=0.9), "multiclass"),
    "momentum, batch 1, sum": (dict(momentum=0.5, batch_size=1, shuffle=False, reduction="sum",
                                    learning_rate=0.05), "multiclass"),
    "adam": (dict(optimizer="adam", learning_rate=0.01, batch_size=4), "multiclass"),
    "adam, sum": (dict(optimizer="adam", learning_rate=0.01, batch_size=4, reduction="sum"), "multiclass"),
    "sigmoid hidden": (dict(hidden_activation="sigmoid"), "multiclass"),
    "relu hidden": (dict(hidden_activation="relu"), "multiclass"),
    "linear hidden": (dict(hidden_activation="linear"), "multiclass"),
    "step hidden": (dict(hidden_activation="step"), "multiclass"),
    "two hidden layers": (dict(layers=(4, 5, 4, 3)), "multiclass"),
    "sigmoid output, cross_entropy": (dict(output_activation="sigmoid"), "multiclass"),
    "sigmoid output, mse": (dict(output_activation="sigmoid", loss="mse"), "multiclass"),
    "softmax output, mse": (dict(loss="mse"), "multiclass"),
    "linear output, mse": (dict(output_activation="linear", loss="mse", learning_rate=0.05), "regression"),
    "no bias": (dict(bias=False, momentum=0.5, reduction="sum", learning_rate=0.05), "multiclass"),
    "float32": (dict(dtype="float32", momentum=0.9), "multiclass"),
    "float32, batch 1": (dict(dtype="float32", batch_size=1, shuffle=False), "multiclass"),
}


@dataclass(frozen=True)
class DeviationBound:
    """How far one kind of recorded deviation may move training from the reference: the tolerance the
    training checks then assert (3 epochs on 12 rows; 25 epochs on 40 rows)."""

    about: str
    short: float
    long: float


#: kind → bound. An adapter names the kind of each of its deviation notes in ``kit_deviations``
#: ({start of the note: kind}); a recorded note of no kind widens nothing. Measured on the shipped
#: adapters (``python -m bench.testing [--long]``): keras-torch's float32-rounded float64 products ≤ 8.3e-8
#: (3 epochs) and ≤ 5.2e-6 (25); Adam's ε placement (keras, keras-jax, keras-torch, sklearn) ≤ 3.7e-6 and
#: ≤ 1.1e-5. Several kinds recorded in one fit add their bounds.
DEVIATION_BOUNDS: dict[str, DeviationBound] = {
    "precision": DeviationBound("the library computes in another precision than the spec's dtype: "
                                "compared at float32's tolerance", TOLERANCE["float32"],
                                LONG_TOLERANCE["float32"]),
    "adam-epsilon": DeviationBound("Adam's ε added to √v instead of √v̂ (Kingma & Ba's efficient form): "
                                   "the steps differ where gradients are tiny", 5e-5, 1e-4),
}


class KitSkipWarning(UserWarning):
    """A check, or a setting of one, that did not run for a backend, with the reason."""


class KitSkip(Exception):
    """A check that does not apply to a backend (raised outside pytest; under pytest it is pytest's skip)."""


def skip_check(reason: str) -> NoReturn:
    """Skip the running check visibly: ``pytest.skip(reason)`` under pytest, else :class:`KitSkip`
    (:func:`check_backend` reports it as a :class:`KitSkipWarning`)."""
    if "pytest" in sys.modules:
        import pytest

        pytest.skip(reason)
    raise KitSkip(reason)


def _skip_exceptions() -> tuple[type[BaseException], ...]:
    if "pytest" in sys.modules:
        import pytest

        return KitSkip, pytest.skip.Exception
    return (KitSkip,)


_NEEDS_LIBRARY: set[str] = set()
_SLOW: set[str] = set()


def _needs_library(check: Check) -> Check:
    """Mark a check that trains or loads a network (skipped when ``available()`` says no)."""
    _NEEDS_LIBRARY.add(check.__name__)
    return check


def _slow(check: Check) -> Check:
    """Mark a heavy check (``@pytest.mark.slow`` under :func:`parametrize_with_checks`)."""
    _SLOW.add(check.__name__)
    return _needs_library(check)


def multiclass_data(rows: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normal (rows, 4) inputs and one-hot labels cycling through three classes."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 4)), np.eye(3)[np.arange(rows) % 3]


def given_weights(spec: NetworkSpec) -> Weights:
    """Initial weights no adapter would draw itself (another seed, ±0.5 uniform, non-zero biases):
    an adapter training from its own draw instead of the weights it is given is caught."""
    drawn = initial_weights(spec.replace(seed=spec.seed + 1, init="uniform", init_scale=0.5))
    return [(W, None if b is None else (b + 0.05).astype(b.dtype)) for W, b in drawn]


def _new(cls: type[Backend]) -> Backend:
    backend = cls(device="cpu", threads=1)
    backend.setup_threads()
    backend.precision_settings = backend.pin_precision()
    return backend


def _fit(cls: type[Backend], spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
         kind: str = "multiclass", **fit_kwargs) -> Backend:  # type: ignore[no-untyped-def]
    backend = _new(cls)
    spec = backend.resolve_spec(spec)
    skip, reason = backend.skip(spec, kind, fit_kwargs.get("division", "closed"))
    assert not skip, f"{cls.name} skipped a plain spec it must support: {reason}"
    backend.fit(spec, X, Y, **fit_kwargs)
    return backend


# contract -------------------------------------------------------------------
def check_declares_contract(cls: type[Backend]) -> None:
    """name, devices, kit_skips and available() have the documented types."""
    assert isinstance(cls.name, str) and cls.name, "Backend.name must be a non-empty string"
    assert "cpu" in cls.devices, f"{cls.name}: every backend must run on 'cpu' (devices={cls.devices})"
    ok, reason = cls.available()
    assert isinstance(ok, bool) and isinstance(reason, str), "available() must return (bool, str)"
    assert ok or reason, f"{cls.name}: available() said no without a reason"
    known = {check.__name__ for check in CHECKS}
    for name, why in cls.kit_skips.items():
        check, setting = _split_skip(name)
        assert check in known, f"{cls.name}: kit_skips names {name!r}, which is no check of the kit"
        assert not setting or (check in _TRAINING_CHECKS and setting in TRAINING_SETTINGS), \
            f"{cls.name}: kit_skips names {name!r}: only the training checks take a known [<setting>]"
        assert isinstance(why, str) and why, f"{cls.name}: kit_skips[{name!r}] needs a reason"
    for start, kind in cls.kit_deviations.items():
        assert isinstance(start, str) and start, f"{cls.name}: kit_deviations needs the start of a note"
        assert kind in DEVIATION_BOUNDS, \
            f"{cls.name}: kit_deviations[{start!r}] = {kind!r}, not a kind of {sorted(DEVIATION_BOUNDS)}"


def check_gpu_request_is_clean(cls: type[Backend]) -> None:
    """Asking for a GPU returns (bool, reason); a 'no' says why and 'auto' then means the CPU."""
    ok, reason = cls.device_available("gpu")
    assert isinstance(ok, bool) and isinstance(reason, str)
    assert cls.resolve_device("auto") in cls.devices
    if not ok:
        assert "gpu" in reason.lower(), f"{cls.name}: device_available('gpu') said no without saying why"
        assert cls.resolve_device("auto") == "cpu", f"{cls.name}: 'auto' must be the CPU without a GPU"


def check_missing_library_is_clean(cls: type[Backend]) -> None:
    """With its library unimportable, the adapter module imports and available() says why, naming
    the command that installs its extra (``Backend.unavailable``)."""
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
    command = install_command(cls.extra)
    assert command in done.stdout, (
        f"{cls.name}: with {modules} missing, the reason does not name {command!r} (return "
        f"cls.unavailable(reason)): {done.stdout.strip()}"
    )


# closed division --------------------------------------------------------------
@_needs_library
def check_fit_predict_shapes(cls: type[Backend]) -> None:
    """predict returns finite floats of shape (rows, outputs); on_epoch fires per epoch."""
    X, Y = multiclass_data()
    losses: list[float] = []
    backend = _fit(cls, SMALL_NET, X, Y, on_epoch=lambda epoch, loss: losses.append(loss))
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


@_needs_library
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
        reference = NumpyMLP()
        reference.load(spec, weights)
        backend.load(resolved, weights)
        outputs = np.asarray(backend.predict(X))
        assert outputs.dtype == np.float64, f"{cls.name}: {label}: float64 network predicts {outputs.dtype}"
        np.testing.assert_allclose(outputs, reference.predict(X), atol=1e-5,
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


@_needs_library
def check_deterministic(cls: type[Backend]) -> None:
    """Two fits with the same seed give the same predictions (mini-batches and single rows, shuffled)."""
    X, Y = multiclass_data()
    for batch_size in (4, 1):
        spec = SMALL_NET.replace(shuffle=True, batch_size=batch_size, momentum=0.5)
        first = _fit(cls, spec, X, Y).predict(X)
        second = _fit(cls, spec, X, Y).predict(X)
        np.testing.assert_allclose(first, second, rtol=1e-6, atol=1e-9,
                                   err_msg=f"{cls.name}: not deterministic under a fixed seed "
                                           f"(batch size {batch_size})")


@_needs_library
def check_predicting_between_epochs_changes_nothing(cls: type[Backend]) -> None:
    """predict() inside the epoch callback (the harness's learning curves) leaves training untouched."""
    X, Y = multiclass_data()
    spec = SMALL_NET.replace(shuffle=True, momentum=0.9)
    quiet = _fit(cls, spec, X, Y).predict(X)
    backend = _new(cls)
    seen: list[int] = []
    backend.fit(backend.resolve_spec(spec), X, Y,
                on_epoch=lambda epoch, loss: (seen.append(epoch), backend.predict(X[:2])))
    assert seen == list(range(1, spec.epochs + 1)) and backend.epochs_run == spec.epochs, \
        f"{cls.name}: epochs {seen} reported, {backend.epochs_run} run, {spec.epochs} asked"
    np.testing.assert_array_equal(quiet, backend.predict(X),
                                  err_msg=f"{cls.name}: predicting between epochs changed the training")


@dataclass(frozen=True)
class TrainingComparison:
    """One setting of :data:`TRAINING_SETTINGS` trained by a backend beside the reference."""

    setting: str
    dtype: str
    difference: float  # largest |difference| of weights and epoch losses (inf: not comparable)
    what: str  # where it is largest
    deviations: tuple[str, ...]  # what the backend recorded during this fit
    skipped: str = ""  # why the setting was not compared: skip()'s reason, or the class's kit_skips
    tolerance: float = 0.0  # what the difference must not exceed
    widened_by: tuple[str, ...] = ()  # the kinds of DEVIATION_BOUNDS that set the tolerance

    @property
    def agrees(self) -> bool:
        return bool(self.skipped) or self.difference <= self.tolerance


_TRAINING_CHECKS = ("check_trains_like_the_reference", "check_trains_like_the_reference_long")


def _split_skip(name: str) -> tuple[str, str]:
    """``"check[setting]"`` → (check, setting); a plain check name → (name, "")."""
    check, bracket, setting = name.partition("[")
    return (check, setting[:-1]) if bracket and setting.endswith("]") else (name, "")


def setting_skip(cls: type[Backend], setting: str) -> str:
    """The class's declared reason not to compare ``setting`` in the training checks ("" when compared):
    ``kit_skips["check_trains_like_the_reference[<setting>]"]``, which covers the long variant too."""
    return next((why for name, why in cls.kit_skips.items()
                 if _split_skip(name) in ((check, setting) for check in _TRAINING_CHECKS)), "")


def deviation_kinds(cls: type[Backend], deviations: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The kinds of :data:`DEVIATION_BOUNDS` that ``deviations`` belong to (``cls.kit_deviations``)."""
    return tuple(sorted({kind for note in deviations for start, kind in cls.kit_deviations.items()
                         if note.startswith(start)}))


def allowed_difference(cls: type[Backend], dtype: str, deviations: tuple[str, ...], long: bool = False
                       ) -> tuple[float, tuple[str, ...]]:
    """The tolerance of a fit in ``dtype`` that recorded ``deviations``, and the kinds that widened it:
    the dtype's, or the recorded kinds' bounds added up (effects that combine) — never unbounded."""
    tolerance = (LONG_TOLERANCE if long else TOLERANCE)[dtype]
    kinds = deviation_kinds(cls, deviations)
    bounds = {kind: DEVIATION_BOUNDS[kind].long if long else DEVIATION_BOUNDS[kind].short for kind in kinds}
    widened = tuple(bounds) if sum(bounds.values()) > tolerance else ()
    return max(tolerance, sum(bounds.values())), widened


def training_comparisons(cls: type[Backend], base: NetworkSpec | None = None,
                         rows: int = 12, long: bool = False) -> Iterator[TrainingComparison]:
    """Train ``cls`` and the NumPy reference from :func:`given_weights` on every training setting."""
    base = TRAIN_NET if base is None else base
    X, Y = multiclass_data(rows)
    for label, (change, kind) in TRAINING_SETTINGS.items():
        spec = base.replace(**change)
        declared = setting_skip(cls, label)
        if declared:
            yield TrainingComparison(label, spec.dtype, float("nan"), "", (), f"kit_skips: {declared}")
            continue
        backend = _new(cls)
        resolved = backend.resolve_spec(spec)
        skip, reason = backend.skip(resolved, kind)
        if skip:
            assert isinstance(reason, str) and reason, f"{cls.name}: skipped {label!r} without a reason"
            yield TrainingComparison(label, spec.dtype, float("nan"), "", tuple(backend.deviations), reason)
            continue
        reference, reference_losses = _train(NumpyMLP(), spec, X, Y)
        backend, losses = _train(backend, resolved, X, Y)
        where = f"{cls.name}: setting {label!r}"
        assert len(losses) == backend.epochs_run == spec.epochs, \
            f"{where}: {len(losses)} epoch losses, epochs_run={backend.epochs_run}, {spec.epochs} asked"
        assert np.all(np.isfinite(losses)), f"{where}: non-finite epoch losses {losses}"
        difference, what = _difference(backend, reference, X, losses, reference_losses)
        deviations = tuple(backend.deviations)
        tolerance, widened = allowed_difference(cls, spec.dtype, deviations, long)
        yield TrainingComparison(label, spec.dtype, difference, what, deviations, "", tolerance, widened)


def _train_matrix(cls: type[Backend], base: NetworkSpec, rows: int, long: bool = False) -> int:
    """Assert every compared setting agrees to its tolerance; returns how many were compared. The settings
    the class declares not comparable are reported as a :class:`KitSkipWarning`."""
    compared, declared = 0, {}
    for found in training_comparisons(cls, base, rows, long):
        if found.skipped:
            if found.skipped.startswith("kit_skips: "):
                declared.setdefault(found.skipped.removeprefix("kit_skips: "), []).append(repr(found.setting))
            continue
        if not found.agrees:
            recorded = "; ".join(found.deviations) or "none"
            widened = (f"widened by {', '.join(found.widened_by)}" if found.widened_by else
                       "no recorded deviation widens it (kit_deviations names a note's kind)")
            raise AssertionError(
                f"{cls.name}: setting {found.setting!r} trains differently from the NumPy reference: "
                f"{found.what} differ by {found.difference:.3g} (tolerance {found.tolerance:g}, {widened}; "
                f"deviations recorded: {recorded})")
        compared += 1
    if declared:
        settings = sum(len(names) for names in declared.values())
        listed = "; ".join(f"{', '.join(names)} ({why})" for why, names in declared.items())
        warnings.warn(KitSkipWarning(f"{cls.name}: {settings} training setting(s) not compared (kit_skips): "
                                     f"{listed}"), stacklevel=2)
    return compared


def _train(backend: Backend, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, list[float]]:
    losses: list[float] = []
    backend.fit(spec, X, Y, given_weights(spec), on_epoch=lambda _, loss: losses.append(loss))
    return backend, losses


def _difference(backend: Backend, reference: NumpyMLP, X: np.ndarray, losses: list[float],
                reference_losses: list[float]) -> tuple[float, str]:
    """The largest |difference| of the epoch losses and the weights (or, without get_weights, outputs)."""
    found = [(float(np.max(np.abs(np.subtract(losses, reference_losses)))), "epoch losses")]
    try:
        pairs = list(zip(backend.get_weights(), reference.get_weights()))
    except NotImplementedError:
        outputs = np.asarray(backend.predict(X), dtype=np.float64)
        found.append((float(np.max(np.abs(outputs - reference.predict(X)))), "predictions after training"))
    else:
        for layer, ((W, b), (W_ref, b_ref)) in enumerate(pairs):
            found.append((float(np.max(np.abs(np.asarray(W, np.float64) - W_ref))), f"layer {layer} weights"))
            if (b is None) != (b_ref is None):
                found.append((float("inf"), f"layer {layer} biases (present in one only)"))
            elif b is not None:
                bias_difference = float(np.max(np.abs(np.asarray(b, np.float64) - b_ref)))
                found.append((bias_difference, f"layer {layer} biases"))
    return max(found, key=lambda item: item[0])


@_needs_library
def check_trains_like_the_reference(cls: type[Backend]) -> None:
    """Every training setting (batch sizes, shuffling, reductions, momentum, Adam, activations, outputs and
    losses, bias, dtypes) gives the reference's weights and epoch losses — 3 epochs on 12 rows — to
    :data:`TOLERANCE`, or to the bound of a recorded deviation's kind (:data:`DEVIATION_BOUNDS`), or is
    refused by ``skip()`` or declared not comparable in ``kit_skips``, each with a reason."""
    assert _train_matrix(cls, TRAIN_NET, rows=12), f"{cls.name}: skipped every training setting"


@_slow
def check_trains_like_the_reference_long(cls: type[Backend]) -> None:
    """As :func:`check_trains_like_the_reference`, 25 epochs on 40 rows (errors that compound)."""
    compared = _train_matrix(cls, TRAIN_NET.replace(epochs=25), rows=40, long=True)
    assert compared, f"{cls.name}: skipped every training setting"


@_needs_library
def check_learns_xor(cls: type[Backend]) -> None:
    """The slides' 2-3-1 network learns XOR to 100 % with the task's default spec, all epochs run."""
    from tasks.logic_gates import Xor

    task = Xor()
    spec, table = task.default_spec(), task.splits(0)[0]
    backend = _fit(cls, spec, table.X_train, table.Y_train, kind="binary",
                   initial_weights=initial_weights(spec))
    accuracy = metrics.score("binary", table.Y_test, backend.predict(table.X_test))["accuracy"]
    assert accuracy == 1.0, f"{cls.name}: XOR accuracy {accuracy} after {spec.epochs} epochs"
    assert backend.epochs_run == spec.epochs, f"{cls.name}: {backend.epochs_run} of {spec.epochs} epochs run"


@_needs_library
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


@_needs_library
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


# open division ----------------------------------------------------------------
#: XOR specs for the open division, tried in order (the first the backend does not skip): each
#: library's own init learns XOR with them on every seed tried (0-3): Adam, 2-8-1 tanh → sigmoid,
#: cross-entropy, full batch, 40 epochs; for libraries without Adam, SGD with momentum on single rows.
OPEN_XOR_SPECS = (
    NetworkSpec(layers=(2, 8, 1), hidden_activation="tanh", output_activation="sigmoid", loss="cross_entropy",
                optimizer="adam", learning_rate=0.2, batch_size=0, epochs=40, seed=0, dtype="float32"),
    NetworkSpec(layers=(2, 8, 1), hidden_activation="tanh", output_activation="sigmoid", loss="cross_entropy",
                optimizer="sgd", learning_rate=0.2, momentum=0.9, batch_size=1, epochs=300, seed=0,
                dtype="float32"),
)
OPEN_NET = SMALL_NET.replace(dtype="float32")


def _require_open(cls: type[Backend]) -> None:
    """Skip the running open-division check, visibly, when ``cls`` has no ``fit_open``."""
    if not cls.has_open_division():
        skip_check(f"{cls.name} has no fit_open: the open division is not implemented")


def _fit_open(cls: type[Backend], spec: NetworkSpec, X: np.ndarray, Y: np.ndarray, kind: str = "multiclass",
              on_epoch: Callable[[int, float], None] | None = None,
              backend: Backend | None = None) -> Backend | None:
    """``fit(..., division="open")``, or None when the backend refuses ``spec`` there (with a reason)."""
    _require_open(cls)
    backend = backend if backend is not None else _new(cls)
    resolved = backend.resolve_spec(spec)
    skip, reason = backend.skip(resolved, kind, "open")
    if skip:
        assert isinstance(reason, str) and reason, f"{cls.name}: skipped the open division without a reason"
        return None
    backend.fit(resolved, X, Y, initial_weights(resolved), on_epoch=on_epoch, division="open")
    return backend


@_needs_library
def check_open_division_trains(cls: type[Backend]) -> None:
    """fit(division="open") trains with the library's own API: predict's shape, one on_epoch per epoch
    (predicting inside it), epochs_run and final_loss set, and a non-empty JSON-serialisable recipe."""
    import json

    X, Y = multiclass_data()
    losses: list[float] = []
    backend = _new(cls)
    if _fit_open(cls, OPEN_NET, X, Y, backend=backend,
                 on_epoch=lambda epoch, loss: (losses.append(loss), backend.predict(X[:2]))) is None:
        skip_check(f"{cls.name} refuses the open division's {OPEN_NET.layers} network: "
                   f"{backend.skip(backend.resolve_spec(OPEN_NET), 'multiclass', 'open')[1]}")
    outputs = np.asarray(backend.predict(X))
    assert outputs.shape == Y.shape, f"{cls.name}: open predict shape {outputs.shape}, expected {Y.shape}"
    assert np.all(np.isfinite(outputs)), f"{cls.name}: open predict returned NaN/inf"
    assert backend.division == "open", f"{cls.name}: division is {backend.division!r} after an open fit"
    assert len(losses) == backend.epochs_run == OPEN_NET.epochs or backend.converged, \
        f"{cls.name}: {len(losses)} epoch losses, epochs_run={backend.epochs_run}, {OPEN_NET.epochs} asked"
    assert all(np.isfinite(losses)) and backend.final_loss == losses[-1], f"{cls.name}: epoch losses {losses}"
    assert isinstance(backend.recipe, dict) and backend.recipe, f"{cls.name}: the open fit recorded no recipe"
    json.dumps(backend.recipe)  # stored with the record: plain JSON values only


@_needs_library
def check_open_learns_xor(cls: type[Backend]) -> None:
    """In the open division the library, from its own init, learns XOR to 100 % (:data:`OPEN_XOR_SPECS`)."""
    from tasks.logic_gates import Xor

    _require_open(cls)
    table = Xor().splits(0)[0]
    for spec in OPEN_XOR_SPECS:
        backend = _fit_open(cls, spec, table.X_train, table.Y_train, kind="binary")
        if backend is None:
            continue
        accuracy = metrics.score("binary", table.Y_test, backend.predict(table.X_test))["accuracy"]
        assert accuracy == 1.0, f"{cls.name}: open-division XOR accuracy {accuracy} ({backend.recipe})"
        return
    raise AssertionError(f"{cls.name}: skipped every open-division XOR spec")


@_needs_library
def check_open_deterministic(cls: type[Backend]) -> None:
    """Two open fits with the same seed give the same predictions (declare a kit_skips reason where the
    library cannot be seeded)."""
    X, Y = multiclass_data()
    spec = OPEN_NET.replace(momentum=0.5)
    first, second = _fit_open(cls, spec, X, Y), _fit_open(cls, spec, X, Y)
    if first is None or second is None:
        skip_check(f"{cls.name} refuses the open division's {spec.layers} network")
    np.testing.assert_allclose(first.predict(X), second.predict(X), rtol=1e-6, atol=1e-7,
                               err_msg=f"{cls.name}: the open division is not deterministic under a seed")


CHECKS: list[Check] = [
    check_declares_contract,
    check_gpu_request_is_clean,
    check_missing_library_is_clean,
    check_fit_predict_shapes,
    check_loads_given_weights,
    check_deterministic,
    check_predicting_between_epochs_changes_nothing,
    check_trains_like_the_reference,
    check_trains_like_the_reference_long,
    check_unsupported_specs_are_explained,
    check_regression,
    check_learns_xor,
    check_open_division_trains,
    check_open_learns_xor,
    check_open_deterministic,
]


def backend_checks(cls: type[Backend]) -> Iterator[tuple[Check, str]]:
    """Every check with why it is skipped for ``cls`` ("" when it runs): ``kit_skips``, or the
    library's absence for the checks that need it."""
    available, why_not = cls.available()
    for check in CHECKS:
        reason = cls.kit_skips.get(check.__name__, "")
        if not reason and check.__name__ in _NEEDS_LIBRARY and not available:
            reason = f"{cls.name} unavailable: {why_not}"
        yield check, reason


def parametrize_with_checks(classes: list[type[Backend]]) -> Any:
    """A ``pytest.mark.parametrize("backend, check", ...)`` over every class × check, one id per pair
    (``"<name>-<check>"``); skipped pairs carry their reason, heavy checks ``pytest.mark.slow``."""
    import pytest

    params = []
    for cls in classes:
        for check, reason in backend_checks(cls):
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            if check.__name__ in _SLOW:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(cls, check, id=f"{cls.name}-{check.__name__}", marks=marks))
    return pytest.mark.parametrize("backend, check", params)


def check_backend(cls: type[Backend], skip: tuple[str, ...] = ()) -> list[str]:
    """Run every check on ``cls`` but those skipped (``kit_skips``, ``skip``, a missing library);
    returns the names of the checks that ran. A check that skips itself while running (an open-division
    check on a backend without ``fit_open``) is not among them; it is reported as a KitSkipWarning."""
    ran = []
    for check, reason in backend_checks(cls):
        if reason or check.__name__ in skip:
            continue
        try:
            check(cls)
        except _skip_exceptions() as exc:
            warnings.warn(KitSkipWarning(f"{cls.name}: {check.__name__} skipped: {exc}"), stacklevel=2)
            continue
        ran.append(check.__name__)
    return ran


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.testing [--long] BACKEND...``: each training setting's largest difference from
    the NumPy reference (how :data:`TOLERANCE` was measured)."""
    import argparse

    from bench.core import registry

    parser = argparse.ArgumentParser(prog="python -m bench.testing", description=main.__doc__)
    parser.add_argument("backends", nargs="*", default=[n for n in registry.BUILTIN_BACKENDS
                                                        if n != "numpy-perceptron"])
    parser.add_argument("--long", action="store_true", help="25 epochs on 40 rows (the slow check)")
    options = parser.parse_args(argv)
    base, rows = (TRAIN_NET.replace(epochs=25), 40) if options.long else (TRAIN_NET, 12)
    for name in options.backends:
        cls = registry.backend_class(name)
        ok, why = cls.available()
        if not ok:
            print(f"{name}: unavailable: {why}")
            continue
        for found in training_comparisons(cls, base, rows, options.long):
            detail = f"skipped: {found.skipped}" if found.skipped else (
                f"{found.difference:9.2e} {'≤' if found.agrees else '>'} {found.tolerance:7.1e} "
                f"{'+'.join(found.widened_by) or '':<12} {found.what:<22} "
                f"{'; '.join(d[:50] for d in found.deviations)}")
            print(f"{name:<11} {found.setting:<30} {found.dtype:<8} {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

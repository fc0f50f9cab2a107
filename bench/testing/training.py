"""The closed division's training matrix: each setting trained by the adapter and by the reference
from the same given weights, weights and epoch losses compared to :mod:`bench.testing.tolerances`."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.testing.base import (
    SMALL_NET,
    KitSkipWarning,
    given_weights,
    multiclass_data,
    needs_library,
    new_backend,
    reference,
    slow,
)
from bench.testing.tolerances import allowed_difference

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


TRAINING_CHECKS = ("check_trains_like_the_reference", "check_trains_like_the_reference_long")


def split_skip(name: str) -> tuple[str, str]:
    """``"check[setting]"`` → (check, setting); a plain check name → (name, "")."""
    check, bracket, setting = name.partition("[")
    return (check, setting[:-1]) if bracket and setting.endswith("]") else (name, "")


def setting_skip(cls: type[Backend], setting: str) -> str:
    """The class's declared reason not to compare ``setting`` in the training checks ("" when compared):
    ``kit_skips["check_trains_like_the_reference[<setting>]"]``, which covers the long variant too."""
    return next((why for name, why in cls.kit_skips.items()
                 if split_skip(name) in ((check, setting) for check in TRAINING_CHECKS)), "")



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
        backend = new_backend(cls)
        resolved = backend.resolve_spec(spec)
        skip, reason = backend.skip(resolved, kind)
        if skip:
            assert isinstance(reason, str) and reason, f"{cls.name}: skipped {label!r} without a reason"
            yield TrainingComparison(label, spec.dtype, float("nan"), "", tuple(backend.deviations), reason)
            continue
        expected, reference_losses = _train(reference(), spec, X, Y)
        backend, losses = _train(backend, resolved, X, Y)
        where = f"{cls.name}: setting {label!r}"
        assert len(losses) == backend.epochs_run == spec.epochs, \
            f"{where}: {len(losses)} epoch losses, epochs_run={backend.epochs_run}, {spec.epochs} asked"
        assert np.all(np.isfinite(losses)), f"{where}: non-finite epoch losses {losses}"
        difference, what = _difference(backend, expected, X, losses, reference_losses)
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


def _difference(backend: Backend, reference: Backend, X: np.ndarray, losses: list[float],
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


@needs_library
def check_trains_like_the_reference(cls: type[Backend]) -> None:
    """Every training setting (batch sizes, shuffling, reductions, momentum, Adam, activations, outputs and
    losses, bias, dtypes) gives the reference's weights and epoch losses — 3 epochs on 12 rows — to
    :data:`TOLERANCE`, or to the bound of a recorded deviation's kind (:data:`DEVIATION_BOUNDS`), or is
    refused by ``skip()`` or declared not comparable in ``kit_skips``, each with a reason."""
    assert _train_matrix(cls, TRAIN_NET, rows=12), f"{cls.name}: skipped every training setting"


@slow
def check_trains_like_the_reference_long(cls: type[Backend]) -> None:
    """As :func:`check_trains_like_the_reference`, 25 epochs on 40 rows (errors that compound)."""
    compared = _train_matrix(cls, TRAIN_NET.replace(epochs=25), rows=40, long=True)
    assert compared, f"{cls.name}: skipped every training setting"


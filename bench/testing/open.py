"""The open division's checks: one per promise of the contract (docs/adding-a-backend.md).

An open fit (``fit(..., division="open")``) builds the spec's network with the library's own
initialiser (``build_open``) and trains it with the library's own loop (``train_open``). It promises:

- it trains: shapes, one ``on_epoch`` per epoch, XOR learnt, the same seed the same result;
- it runs in the spec's dtype (:func:`check_open_runs_in_the_spec_dtype`);
- the seed decides the initial model (:func:`check_open_seed_decides_the_initial_model`);
- its :class:`~bench.core.recipe.Recipe` states what ran (:func:`check_open_recipe_matches_what_ran`);
- ``skip()`` refuses what ``fit`` cannot train, in both divisions
  (:func:`check_skip_refuses_what_fit_cannot_train`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from bench.core import metrics
from bench.core.backend import Backend
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.testing.base import SMALL_NET, multiclass_data, needs_library, new_backend, skip_check, xor_data
from bench.testing.recipes import deviates_in, recipe_mismatches

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
#: The recipe check's specs: SGD with momentum on shuffled mini-batches (a shorter last one); Adam on
#: the full batch in order. A backend that refuses one is checked on the other.
RECIPE_SPECS = (OPEN_NET.replace(momentum=0.5, batch_size=5, shuffle=True, learning_rate=0.05),
                OPEN_NET.replace(optimizer="adam", learning_rate=0.01, batch_size=0, shuffle=False))


def require_open(cls: type[Backend]) -> None:
    """Skip the running open-division check, visibly, when ``cls`` has no open division."""
    if not cls.has_open_division():
        skip_check(f"{cls.name} has no build_open: the open division is not implemented")


def require_v3(cls: type[Backend]) -> None:
    """Fail an adapter that overrides ``fit_open`` instead of ``build_open``/``train_open``: the
    promises below are checked through those hooks."""
    require_open(cls)
    assert cls.build_open is not Backend.build_open and cls.fit_open is Backend.fit_open, (
        f"{cls.name}: the open division must implement build_open, train_open and parameter_dtype "
        "(and not override fit_open)")


def fit_open(cls: type[Backend], spec: NetworkSpec, X: np.ndarray, Y: np.ndarray, kind: str = "multiclass",
             on_epoch: Callable[[int, float], None] | None = None,
             backend: Backend | None = None) -> Backend | None:
    """``fit(..., division="open")``, or None when the backend refuses ``spec`` there (with a reason)."""
    require_open(cls)
    backend = backend if backend is not None else new_backend(cls)
    resolved = backend.resolve_spec(spec)
    skip, reason = backend.skip(resolved, kind, "open")
    if skip:
        assert isinstance(reason, str) and reason, f"{cls.name}: skipped the open division without a reason"
        return None
    backend.fit(resolved, X, Y, on_epoch=on_epoch, division="open")
    return backend


@needs_library
def check_open_division_trains(cls: type[Backend]) -> None:
    """fit(division="open") trains with the library's own API: predict's shape, one on_epoch per epoch
    (predicting inside it), epochs_run and final_loss set, and a JSON-serialisable :class:`Recipe`."""
    X, Y = multiclass_data()
    losses: list[float] = []
    backend = new_backend(cls)
    if fit_open(cls, OPEN_NET, X, Y, backend=backend,
                on_epoch=lambda epoch, loss: (losses.append(loss), backend.predict(X[:2]))) is None:
        skip_check(f"{cls.name} refuses the open division's {OPEN_NET.layers} network: "
                   f"{backend.skip(backend.resolve_spec(OPEN_NET), 'multiclass', 'open')[1]}")
    outputs = np.asarray(backend.predict(X))
    assert outputs.shape == Y.shape, f"{cls.name}: open predict shape {outputs.shape}, expected {Y.shape}"
    assert np.all(np.isfinite(outputs)), f"{cls.name}: open predict returned NaN/inf"
    assert len(losses) == backend.epochs_run == OPEN_NET.epochs or backend.converged, \
        f"{cls.name}: {len(losses)} epoch losses, epochs_run={backend.epochs_run}, {OPEN_NET.epochs} asked"
    assert all(np.isfinite(losses)) and backend.final_loss == losses[-1], f"{cls.name}: epoch losses {losses}"
    assert isinstance(backend.recipe, Recipe), \
        f"{cls.name}: the open fit recorded no Recipe (train_open returns one): {backend.recipe!r}"
    json.dumps(backend.recipe.to_dict())  # stored with the record: plain JSON values only


@needs_library
def check_open_learns_xor(cls: type[Backend]) -> None:
    """In the open division the library, from its own init, learns XOR to 100 % (:data:`OPEN_XOR_SPECS`)."""
    require_open(cls)
    X, Y = xor_data()
    for spec in OPEN_XOR_SPECS:
        backend = fit_open(cls, spec, X, Y, kind="binary")
        if backend is None:
            continue
        accuracy = metrics.score("binary", Y, backend.predict(X))["accuracy"]
        assert accuracy == 1.0, f"{cls.name}: open-division XOR accuracy {accuracy} ({backend.recipe})"
        return
    raise AssertionError(f"{cls.name}: skipped every open-division XOR spec")


@needs_library
def check_open_deterministic(cls: type[Backend]) -> None:
    """Two open fits with the same seed give the same predictions (declare a kit_skips reason where the
    library cannot be made deterministic)."""
    X, Y = multiclass_data()
    spec = OPEN_NET.replace(momentum=0.5)
    first, second = fit_open(cls, spec, X, Y), fit_open(cls, spec, X, Y)
    if first is None or second is None:
        skip_check(f"{cls.name} refuses the open division's {spec.layers} network")
    np.testing.assert_allclose(first.predict(X), second.predict(X), rtol=1e-6, atol=1e-7,
                               err_msg=f"{cls.name}: the open division is not deterministic under a seed")


@needs_library
def check_open_runs_in_the_spec_dtype(cls: type[Backend]) -> None:
    """After an open fit of a float32 spec and of a float64 spec, ``parameter_dtype()`` (the model's own
    parameters, not a cast output) is the spec's dtype — unless the fit recorded a deviation of kind
    ``precision`` (``kit_deviations``): the library cannot hold that dtype and the record says so."""
    require_v3(cls)
    X, Y = multiclass_data()
    for dtype in ("float32", "float64"):
        spec = OPEN_NET.replace(dtype=dtype)
        backend = fit_open(cls, spec, X, Y)
        if backend is None:
            continue
        held = backend.parameter_dtype()
        if held != dtype:
            assert deviates_in(cls, backend.deviations, "precision"), (
                f"{cls.name}: promise 'runs in the spec's dtype' broken: a {dtype} spec trained "
                f"{held} parameters, and no deviation of kind 'precision' was recorded "
                f"(deviations: {backend.deviations or 'none'})")


@needs_library
def check_open_seed_decides_the_initial_model(cls: type[Backend]) -> None:
    """``build_open`` with seed 0 twice gives the same ``get_weights()``, seeds 0 and 1 different ones —
    or the class says ``open_seeded = False``, an open fit records a deviation naming the seed, and the
    check is skipped with that reason."""
    require_v3(cls)
    backend = new_backend(cls)
    spec = backend.resolve_spec(OPEN_NET)
    if backend.skip(spec, "multiclass", "open")[0]:
        skip_check(f"{cls.name} refuses the open division's {OPEN_NET.layers} network")
    if not cls.open_seeded:
        X, Y = multiclass_data()
        fitted = fit_open(cls, OPEN_NET, X, Y)
        notes = [note for note in (fitted.deviations if fitted else []) if "seed" in note]
        assert notes, (f"{cls.name}: open_seeded is False but the open fit records no deviation naming the "
                       f"seed (deviations: {fitted.deviations if fitted else 'none'})")
        skip_check(f"{cls.name} declares open_seeded = False: {notes[0]}")
    drawn = []
    for seed in (0, 0, 1):
        fresh = new_backend(cls)
        fresh.build_open(fresh.resolve_spec(spec.replace(seed=seed)))
        drawn.append(np.concatenate([np.ravel(p) for layer in fresh.get_weights() for p in layer
                                     if p is not None]))
    assert np.array_equal(drawn[0], drawn[1]), \
        f"{cls.name}: promise 'the seed decides the initial model' broken: seed 0 twice built different " \
        "models"
    assert not np.array_equal(drawn[0], drawn[2]), (
        f"{cls.name}: promise 'the seed decides the initial model' broken: seeds 0 and 1 built the same "
        "model (the seed is ignored; set open_seeded = False and record why if the library takes none)")


@needs_library
def check_open_recipe_matches_what_ran(cls: type[Backend]) -> None:
    """The open fit's ``recipe`` is a :class:`Recipe` whose dtype is ``parameter_dtype()`` and whose seed,
    optimizer, learning rate, momentum, batch size (``spec.effective_batch_size(rows)``), epochs and
    shuffling are the spec's (:func:`~bench.testing.recipes.recipe_mismatches`); ``epochs_run`` is its
    epochs unless the library stopped by its own rule (``converged`` set); JSON-serialisable."""
    require_v3(cls)
    X, Y = multiclass_data()
    checked = 0
    for spec in RECIPE_SPECS:
        backend = fit_open(cls, spec, X, Y)
        if backend is None:
            continue
        recipe = backend.recipe
        assert isinstance(recipe, Recipe), \
            f"{cls.name}: train_open returned {type(recipe).__name__}, no Recipe"
        json.dumps(recipe.to_dict())
        mismatches = recipe_mismatches(cls, backend, backend.resolve_spec(spec), len(X))
        assert not mismatches, (f"{cls.name}: promise 'the recipe matches what ran' broken "
                                f"({spec.optimizer}): " + "; ".join(mismatches))
        checked += 1
    if not checked:
        skip_check(f"{cls.name} refuses every open-division spec of the recipe check")


#: (label, spec changes, task kind) of the skip check: each is refused by skip() or trained by fit.
SKIP_MATRIX: tuple[tuple[str, dict, str], ...] = (
    ("sigmoid output, mse, binary", dict(layers=(4, 5, 1), output_activation="sigmoid", loss="mse"),
     "binary"),
    ("sigmoid output, cross_entropy, binary", dict(layers=(4, 5, 1), output_activation="sigmoid"), "binary"),
    ("softmax output, 2 classes", dict(layers=(4, 5, 2)), "multiclass"),
    ("softmax output, mse", dict(loss="mse"), "multiclass"),
    ("sigmoid output, multi-label", dict(output_activation="sigmoid"), "multiclass"),
    ("sigmoid output, regression", dict(layers=(4, 5, 1), output_activation="sigmoid", loss="mse"),
     "regression"),
    ("linear output, regression", dict(layers=(4, 5, 1), output_activation="linear", loss="mse"),
     "regression"),
    ("step hidden", dict(hidden_activation="step"), "multiclass"),
    ("relu hidden, adam, float64", dict(hidden_activation="relu", optimizer="adam", learning_rate=0.01,
                                        dtype="float64"), "multiclass"),
    ("no bias, batch 1, sum", dict(bias=False, batch_size=1, reduction="sum"), "multiclass"),
)


def skip_matrix_data(kind: str, outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """12 rows of ``kind``'s targets: one-hot (multiclass), 0/1 (binary), real values (regression)."""
    X, Y = multiclass_data()
    if kind == "regression":
        return X, X[:, :outputs] @ np.ones((outputs, outputs)) * 0.5
    if kind == "binary":
        return X, (np.arange(len(X)) % 2).astype(float).reshape(-1, 1)
    return X, np.eye(outputs)[np.arange(len(X)) % outputs]


@needs_library
def check_skip_refuses_what_fit_cannot_train(cls: type[Backend]) -> None:
    """For each spec and task kind of :data:`SKIP_MATRIX`, in both divisions: ``skip()`` says
    ``(True, reason)``, or ``fit`` trains it without raising."""
    for label, change, kind in SKIP_MATRIX:
        spec = SMALL_NET.replace(epochs=2, **change)
        X, Y = skip_matrix_data(kind, spec.n_outputs)
        for division in ("closed", "open") if cls.has_open_division() else ("closed",):
            backend = new_backend(cls)
            resolved = backend.resolve_spec(spec)
            skip, reason = backend.skip(resolved, kind, division)
            if skip:
                assert isinstance(reason, str) and reason, f"{cls.name}: skipped {label!r} without a reason"
                continue
            try:
                backend.fit(resolved, X, Y, division=division)
                outputs = np.asarray(backend.predict(X))
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                raise AssertionError(
                    f"{cls.name}: promise 'skip() refuses what fit cannot train' broken: skip() accepted "
                    f"{label!r} ({kind}, {division} division) and fit raised {type(exc).__name__}: {exc}"
                ) from exc
            assert outputs.shape == Y.shape, \
                f"{cls.name}: {label!r} ({division}): predict shape {outputs.shape}"

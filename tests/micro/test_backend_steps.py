"""Micro-benchmarks (pytest-benchmark): one training step and one prediction per backend.

Run with ``make bench-micro``; excluded from ``make test`` by the ``micro``
marker. Every backend gets the same fixed batch (256 rows × 16 inputs, binary
targets) and the same initial weights. "One step" is ``fit`` with
``epochs=1`` and ``batch_size`` = the batch's rows: one forward pass, one
backward pass and one weight update (plus whatever the library does to build
its model, which is part of a step's cost). Prediction latency is ``predict``
on the same batch after that step.

Unlike ``python -m bench run``, all backends share this pytest process, and
pytest-benchmark repeats each call (calibrated rounds, min/median/IQR); use
the harness for the end-to-end comparison and these to spot regressions in
one step across commits (``pytest-benchmark compare``).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from bench.core import registry
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights

pytestmark = pytest.mark.micro

ROWS, INPUTS, HIDDEN = 256, 16, 32
SPEC = NetworkSpec(layers=(INPUTS, HIDDEN, 1), hidden_activation="sigmoid", output_activation="sigmoid",
                   loss="mse", reduction="mean", optimizer="sgd", learning_rate=0.1, batch_size=ROWS,
                   epochs=1, shuffle=False, seed=0)


def fixed_batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((ROWS, INPUTS))
    Y = (X[:, :1] + X[:, 1:2] > 0).astype(float)
    return X, Y


def ready_backend(name: str) -> tuple[Backend, NetworkSpec]:
    """The backend on CPU with one thread and its resolved spec, or a pytest skip saying why not."""
    target = {**registry.BUILTIN_BACKENDS}.get(name)
    if target is not None:
        module_name = target.partition(":")[0]
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                pytest.skip(f"adapter module {module_name} not written yet")
    try:
        cls = registry.backend_class(name)
    except ImportError as exc:
        pytest.skip(f"cannot import backend {name}: {exc}")
    ok, why = cls.available()
    if not ok:
        pytest.skip(why)
    backend = cls(device="cpu", threads=1)
    backend.setup_threads()
    spec = backend.resolve_spec(SPEC)
    skip, why = backend.skip(spec, "binary")
    if skip:
        pytest.skip(why)
    return backend, spec


@pytest.mark.parametrize("name", registry.backend_names())
@pytest.mark.benchmark(group="train-step")
def test_one_training_step(benchmark, name: str) -> None:  # type: ignore[no-untyped-def]
    backend, spec = ready_backend(name)
    X, Y = fixed_batch()
    weights = initial_weights(spec)
    backend.fit(spec, X, Y, weights)  # untimed warm-up: imports, first-call compilation
    benchmark.extra_info.update(backend=name, rows=ROWS, layers=list(spec.layers))
    benchmark(backend.fit, spec, X, Y, weights)
    assert backend.epochs_run == 1


@pytest.mark.parametrize("name", registry.backend_names())
@pytest.mark.benchmark(group="predict")
def test_predict_latency(benchmark, name: str) -> None:  # type: ignore[no-untyped-def]
    backend, spec = ready_backend(name)
    X, Y = fixed_batch()
    backend.fit(spec, X, Y, initial_weights(spec))
    backend.predict(X)  # untimed warm-up
    benchmark.extra_info.update(backend=name, rows=ROWS, layers=list(spec.layers))
    outputs = benchmark(backend.predict, X)
    assert np.asarray(outputs).reshape(ROWS, -1).shape == (ROWS, spec.n_outputs)

"""What every check shares: visible skips, the check markers, the data and networks it trains on, and
the reference (the ``numpy`` backend, found through the registry at run time)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from bench.core import registry
from bench.core.backend import Backend, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights

Check = Callable[[type[Backend]], None]

SMALL_NET = NetworkSpec(layers=(4, 5, 3), hidden_activation="tanh", output_activation="softmax",
                        loss="cross_entropy", learning_rate=0.1, epochs=3, batch_size=4, seed=0)
#: The slides' XOR task inline (the kit depends on bench.core only): its truth table and 2-3-1 network.
XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_TARGETS = np.array([[0], [1], [1], [0]], dtype=float)
XOR_SPEC = NetworkSpec(layers=(2, 3, 1), hidden_activation="sigmoid", output_activation="sigmoid", loss="mse",
                       reduction="sum", learning_rate=0.5, momentum=0.9, batch_size=0, epochs=500,
                       init="glorot_uniform", shuffle=False)


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


def skip_exceptions() -> tuple[type[BaseException], ...]:
    if "pytest" in sys.modules:
        import pytest

        return KitSkip, pytest.skip.Exception
    return (KitSkip,)


#: Names of every check of the kit (filled by bench.testing.suite, which lists them).
CHECK_NAMES: list[str] = []
#: Names of the checks that train or load a network, and of the heavy ones.
NEEDS_LIBRARY: set[str] = set()
SLOW: set[str] = set()


def needs_library(check: Check) -> Check:
    """Mark a check that trains or loads a network (skipped when ``available()`` says no)."""
    NEEDS_LIBRARY.add(check.__name__)
    return check


def slow(check: Check) -> Check:
    """Mark a heavy check (``@pytest.mark.slow`` under :func:`parametrize_with_checks`)."""
    SLOW.add(check.__name__)
    return needs_library(check)


def multiclass_data(rows: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normal (rows, 4) inputs and one-hot labels cycling through three classes."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 4)), np.eye(3)[np.arange(rows) % 3]


def given_weights(spec: NetworkSpec) -> Weights:
    """Initial weights no adapter would draw itself (another seed, ±0.5 uniform, non-zero biases):
    an adapter training from its own draw instead of the weights it is given is caught."""
    drawn = initial_weights(spec.replace(seed=spec.seed + 1, init="uniform", init_scale=0.5))
    return [(W, None if b is None else (b + 0.05).astype(b.dtype)) for W, b in drawn]


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """XOR's truth table: inputs and 0/1 targets (training and test rows are the same four)."""
    return XOR_INPUTS.copy(), XOR_TARGETS.copy()


def reference() -> Backend:
    """A new NumPy reference backend (``registry.backend_class("numpy")``: looked up when a check runs)."""
    return registry.backend_class("numpy")()


def new_backend(cls: type[Backend]) -> Backend:
    """``cls`` on the CPU with one thread, threads and precision set as the worker sets them."""
    backend = cls(device="cpu", threads=1)
    backend.setup_threads()
    backend.precision_settings = backend.pin_precision()
    return backend


def fit(cls: type[Backend], spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
        kind: str = "multiclass", **fit_kwargs: Any) -> Backend:
    """A new ``cls`` fitted on ``spec`` (resolved), which it must not skip."""
    backend = new_backend(cls)
    spec = backend.resolve_spec(spec)
    skip, reason = backend.skip(spec, kind, fit_kwargs.get("division", "closed"))
    assert not skip, f"{cls.name} skipped a plain spec it must support: {reason}"
    backend.fit(spec, X, Y, **fit_kwargs)
    return backend

"""Test-only backends for the tuned division: one that notes every row it sees, one whose Adam trials
crash, one that trains slowly (to interrupt a tuning). They train like the NumPy MLP otherwise.

Registered through ``NNBENCH_BACKENDS`` (:func:`register` / :func:`plugin_environment`), so the
isolated trial processes find them too.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
#: The file RowSpy appends "fit|predict <row digest>" lines to.
SPY_VARIABLE = "NNBENCH_TUNED_SPY"
#: Seconds each SlowTrial fit sleeps.
SLOW_VARIABLE = "NNBENCH_TUNED_SLOW"

BACKENDS = {"tuned-spy": "tuned_fakes:RowSpy", "tuned-crash-adam": "tuned_fakes:CrashOnAdam",
            "tuned-slow": "tuned_fakes:SlowTrial"}


def plugin_variables() -> dict[str, str]:
    return {"NNBENCH_BACKENDS": ",".join(f"{name}={target}" for name, target in BACKENDS.items()),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS_DIR)])}


def plugin_environment() -> dict[str, str]:
    return {**os.environ, **plugin_variables()}


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in plugin_variables().items():
        monkeypatch.setenv(name, value)


def row_digests(X: np.ndarray) -> list[str]:
    """One short digest per row (float32 first: the open division may hand the rows over as float32)."""
    rows = np.ascontiguousarray(np.asarray(X, dtype=np.float32))
    return [hashlib.sha1(row.tobytes()).hexdigest()[:16] for row in rows]


class RowSpy(NumpyMLP):
    name = "tuned-spy"

    def _note(self, kind: str, X: np.ndarray) -> None:
        path = os.environ.get(SPY_VARIABLE)
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write("".join(f"{kind} {digest}\n" for digest in row_digests(X)))

    def fit(self, spec, X, Y, initial_weights=None, on_epoch=None, division="closed"):  # type: ignore[no-untyped-def]
        self._note("fit", X)
        super().fit(spec, X, Y, initial_weights, on_epoch, division)

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._note("predict", X)
        return super().predict(X)


class CrashOnAdam(NumpyMLP):
    name = "tuned-crash-adam"

    def fit(self, spec, *args, **kwargs):  # type: ignore[no-untyped-def]
        if spec.optimizer == "adam":
            os.abort()
        super().fit(spec, *args, **kwargs)


class SlowTrial(NumpyMLP):
    name = "tuned-slow"

    def fit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(float(os.environ.get(SLOW_VARIABLE, "0")))
        super().fit(*args, **kwargs)

"""Shared fixtures: the seed's XOR table and its worked-example weights."""

from __future__ import annotations

import importlib
import os
import signal

import numpy as np
import pytest

from bench.core import registry

#: Backends whose library picks its engine once per process (Keras 3 reads KERAS_BACKEND at its first
#: import, and this process imports Keras on TensorFlow): their kit and parity tests run in a process of
#: their own (tests/test_keras_engines.py), which sets NNBENCH_TEST_BACKEND to the one backend it tests.
OWN_PROCESS = ("keras-jax", "keras-torch")
OWN_PROCESS_BACKEND = os.environ.get("NNBENCH_TEST_BACKEND")

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)
# Seed 000, "input layer to hidden layer": rows are x1 and x2.
SEED_INPUT_TO_HIDDEN = np.array([[-0.424, -0.740, -0.961], [0.358, -0.577, -0.469]])
# Seed 000, "hidden layer to output layer".
SEED_HIDDEN_TO_OUTPUT = np.array([[-0.017], [-0.893], [0.148]])


@pytest.fixture
def seed_weights() -> list[tuple[np.ndarray, None]]:
    return [(SEED_INPUT_TO_HIDDEN.copy(), None), (SEED_HIDDEN_TO_OUTPUT.copy(), None)]


def backend_class_or_skip(name: str) -> type:
    """The built-in backend class, or a pytest skip while its adapter does not exist."""
    module_name, _, attribute = registry.BUILTIN_BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            pytest.skip(f"adapter module {module_name} not written yet")
        raise
    return getattr(module, attribute)


@pytest.fixture(autouse=True)
def _data_dir_variable_restored():
    """``run --data-dir`` exports ``NNBENCH_DATA_DIR`` for its workers; a test that calls the CLI in this
    process must not hand its temporary folder to the tests after it."""
    before = os.environ.get("NNBENCH_DATA_DIR")
    yield
    if before is None:
        os.environ.pop("NNBENCH_DATA_DIR", None)
    else:
        os.environ["NNBENCH_DATA_DIR"] = before


# A pytest started in the background of a non-interactive shell inherits SIGINT ignored, and so would
# every process the tests start: the Ctrl-C tests would test nothing. Python's own handler again, so
# the children start with the default disposition.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

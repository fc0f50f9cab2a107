"""Keras 3 on JAX and on PyTorch: the conformance kit and the parity tests in a process of their own.

Keras reads ``KERAS_BACKEND`` once, at its first import; this pytest process imports it on
TensorFlow (the ``keras`` backend's tests), so ``keras-jax`` and ``keras-torch`` are tested by a
child pytest whose first Keras import is theirs (``NNBENCH_TEST_BACKEND``, tests/conftest.py), as
the harness runs each cell in a fresh process. Here: that a process already holding Keras on another
engine refuses to run them instead of silently training on the wrong one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from tests.conftest import OWN_PROCESS, OWN_PROCESS_BACKEND

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(OWN_PROCESS_BACKEND is not None, reason="the child process itself")


def _child_pytest(name: str, *arguments: str) -> str:
    env = {**os.environ, "NNBENCH_TEST_BACKEND": name, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W",
                           "ignore::DeprecationWarning", *arguments],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, f"{name}: {done.stdout[-3000:]}{done.stderr[-1500:]}"
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    return done.stdout


#: The quick share of the kit (``make test``; the whole kit is the slow test below: ~45 s for keras-jax).
QUICK_CHECKS = ("check_declares_contract or check_gpu_request_is_clean or check_loads_given_weights "
                "or check_open_division_trains or test_forward_pass or test_one_sgd_step")


@pytest.mark.parametrize("name", OWN_PROCESS)
def test_passes_the_parity_tests_and_quick_checks_in_its_own_process(name: str) -> None:
    output = _child_pytest(name, "-k", QUICK_CHECKS, "tests/test_conformance.py::test_shipped_backend",
                           "tests/test_parity.py")
    assert re.search(r"\b8 passed", output.splitlines()[-1]), output[-500:]  # 4 checks, 4 parity tests


@pytest.mark.slow
@pytest.mark.parametrize("name", OWN_PROCESS)
def test_passes_the_whole_kit_in_its_own_process(name: str) -> None:
    """Every check of the kit, the long training check included."""
    from bench.testing import CHECKS

    output = _child_pytest(name, "-m", "slow or not slow", "tests/test_conformance.py::test_shipped_backend")
    assert re.search(rf"\b{len(CHECKS)} passed", output.splitlines()[-1]), output[-500:]  # every check


@pytest.mark.parametrize("name", OWN_PROCESS)
def test_a_process_holding_keras_on_another_engine_refuses(name: str) -> None:
    from backends.keras_mlp import KerasMLP
    from backends.keras_runtime import WrongKerasBackend, loaded_keras_backend
    from bench.core import registry

    assert KerasMLP.available() == (True, "")  # Keras on TensorFlow, as this process has it
    assert loaded_keras_backend() == "tensorflow"
    cls = registry.backend_class(name)
    assert cls.available() == (True, ""), "the libraries are here: a cell in its own process can run"
    spec = NetworkSpec(layers=(2, 3, 1), hidden_activation="tanh", output_activation="sigmoid", loss="mse")
    skip, reason = cls().skip(spec, "binary")
    assert skip and f"KERAS_BACKEND={cls.keras_backend}" in reason and "tensorflow" in reason
    with pytest.raises(WrongKerasBackend, match="needs a process of its own"):
        cls().load(spec, initial_weights(spec))
    with pytest.raises(WrongKerasBackend):
        cls().fit(spec, np.zeros((4, 2)), np.zeros((4, 1)), division="open")


def test_the_engines_suite_runs_every_engine_in_both_divisions() -> None:
    from bench.core import registry
    from bench.run.suite import load_suite

    suite = load_suite(ROOT / "suites" / "engines.toml")
    assert {"jax", "keras-jax", "keras-torch", "keras", "torch", "numpy"} <= set(suite.backends)
    registry.check_backend_names(suite.backends)
    cells = suite.cells()
    assert {cell.division for cell in cells} == {"closed", "open"}
    assert len(cells) == len(suite.backends) * len(suite.tasks) * len(suite.seeds) * 2

"""JAX adapter: what the conformance kit (tests/test_conformance.py) does not check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.parity_helpers import assert_same_weights, softmax_data, softmax_net, train_beside_reference

pytest.importorskip("jax")
pytest.importorskip("optax")
from backends import jax_runtime  # noqa: E402
from backends.jax_mlp import JaxMLP  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX_NET = softmax_net(seed=4)


def test_available_and_records_its_versions() -> None:
    assert JaxMLP.available() == (True, "")
    assert {"jax", "jaxlib", "optax"} <= set(JaxMLP.packages) and "gpu" in JaxMLP.devices


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trains_in_the_spec_dtype_with_x64(dtype: str) -> None:
    X, Y = softmax_data(9, seed=5)
    backend, reference = train_beside_reference(JaxMLP(threads=1), SOFTMAX_NET.replace(dtype=dtype, epochs=3),
                                                X, Y)
    assert backend.predict(X).dtype == np.dtype(dtype)
    assert all(array.dtype == np.dtype(dtype) for layer in backend.params for array in layer)
    assert_same_weights(backend, reference, atol=1e-12 if dtype == "float64" else 1e-5)


def test_one_compiled_epoch_per_fit_and_the_padded_rows_change_nothing() -> None:
    """12 rows in batches of 5: the last batch is padded to 5 with masked rows; the epoch compiles once
    and the weights after 4 epochs are the reference's (the padding adds nothing to loss or gradient)."""
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(batch_size=5, shuffle=True, epochs=4, momentum=0.9, layers=(4, 6, 3))
    backend, reference = train_beside_reference(JaxMLP(threads=1), spec, X, Y)
    assert_same_weights(backend, reference, atol=1e-12)
    assert backend._epoch._cache_size() == 1  # one shape: the compilation happens in the first epoch only


def test_open_division_records_a_plain_jax_recipe() -> None:
    X, Y = softmax_data(12, seed=5)
    spec = SOFTMAX_NET.replace(dtype="float32", epochs=3, batch_size=5, layers=(4, 5, 3))
    backend = JaxMLP(threads=1)
    backend.fit(spec, X, Y, division="open")
    assert backend.recipe.arguments["optimizer"] == "optax.sgd" and "lecun_normal" in backend.recipe.init
    assert backend.recipe.loss.startswith("optax.losses.softmax_cross_entropy(logits")
    assert backend.predict(X).dtype == np.float32 and backend.epochs_run == 3


def test_a_second_thread_count_in_one_process_is_recorded() -> None:
    jax_runtime.limit_cpu_threads(1)  # creates the client here if nothing did (one thread)
    created = jax_runtime._client_threads[0]
    other = created + 1
    assert jax_runtime.limit_cpu_threads(created) == ""
    assert "not applied" in jax_runtime.limit_cpu_threads(other)


THREADS_PROBE = """
import os, time
from backends.jax_runtime import _jax, limit_cpu_threads
before = os.sched_getaffinity(0)
assert limit_cpu_threads(1) == ""
assert os.sched_getaffinity(0) == before, "the affinity is restored"
jnp = _jax().numpy
x = jnp.ones((1500, 1500), dtype=jnp.float32)
f = _jax().jit(lambda a: (a @ a).sum())
f(x).block_until_ready()
wall, cpu = time.perf_counter(), time.process_time()
for _ in range(8):
    f(x).block_until_ready()
print((time.process_time() - cpu) / (time.perf_counter() - wall))
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one CPU: nothing to limit")
def test_threads_one_keeps_xla_on_one_core() -> None:
    """XLA_FLAGS' thread options are ignored by this jaxlib; the affinity at client creation is not."""
    done = subprocess.run([sys.executable, "-c", THREADS_PROBE], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    assert float(done.stdout.split()[-1]) < 1.3, "CPU time over wall time: more than one core was busy"

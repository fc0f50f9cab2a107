"""Minimal idiomatic training scripts, one per library, on the ``bench perf`` workload.

Each module is what a new user writes after the library's getting-started
page: a plain ``train(X, Y, hidden, activation, epochs, batch_size,
learning_rate, momentum, seed)`` that builds the network with the library's
own API and defaults, trains it, and returns the seconds of every epoch
(``time.perf_counter``; the first epoch is reported apart by the caller).
``X`` is float32 rows, ``Y`` one-hot float32 targets of a softmax +
cross-entropy classifier. Each runs on its own too::

    python -m bench.perf.idiomatic.torch [--rows N] [--epochs N] [--threads N]
    KERAS_BACKEND=jax python -m bench.perf.idiomatic.keras   # keras-jax (torch: keras-torch)

``bench perf`` runs each beside its library's open adapter
(:mod:`bench.perf.harness.side_by_side`). ``keras-jax`` and ``keras-torch`` run the
keras script on Keras' JAX and PyTorch backends: Keras reads
``KERAS_BACKEND`` once, at its first import, so :func:`load` sets it before
importing the script and refuses when Keras already runs on another backend
in this process (the side-by-side runs one process per library).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from bench.perf.workload import Workload

LIBRARIES = ("torch", "keras", "sklearn", "pybrain", "numpy", "jax", "keras-jax", "keras-torch", "flax",
             "equinox")

#: The script of each library whose module is not named after it.
SCRIPTS = {"keras-jax": "keras", "keras-torch": "keras"}

#: The Keras backend (``KERAS_BACKEND``) each Keras library's script runs on (its adapter's keras_backend).
KERAS_ENGINES = {"keras": "tensorflow", "keras-jax": "jax", "keras-torch": "torch"}

#: Rows a library's side-by-side measurement trains on when fewer than the workload's:
#: PyBrain activates and backpropagates one row at a time in Python (about 2 ms a row on
#: 784-256-128-10 here), so 10,000 rows would take 20 s an epoch and minutes per run.
SMALLER_ROWS = {"pybrain": 500}

#: One-line description of each script (printed beside its figures).
DESCRIPTIONS = {
    "torch": "nn.Sequential, batches sliced by torch.randperm, nn.CrossEntropyLoss, optim.SGD(momentum)",
    "keras": "keras.Sequential, compile + one fit(shuffle=True, verbose=0), epochs timed by a Callback",
    "sklearn": "MLPClassifier(solver='sgd'), one partial_fit per epoch",
    "pybrain": "buildNetwork + BackpropTrainer, one train() per epoch (per-row updates: PyBrain's default)",
    "numpy": "backends/scratch/mlp.py used directly, Glorot-uniform weights drawn by the script",
    "jax": "plain JAX + optax: lecun_normal init, optax.sgd(momentum), a jitted train step on NumPy batches "
           "of a per-epoch permutation",
    "keras-jax": "the keras script under KERAS_BACKEND=jax (keras.Sequential, compile + one fit)",
    "keras-torch": "the keras script under KERAS_BACKEND=torch (keras.Sequential, compile + one fit)",
    "flax": "Flax NNX: nnx.Linear layers from nnx.Rngs(seed), nnx.Optimizer(optax.sgd(momentum)), an nnx.jit "
            "train step on NumPy batches of a per-epoch permutation",
    "equinox": "Equinox: eqx.nn.Linear layers through jax.vmap, optax.sgd(momentum), an eqx.filter_jit step "
               "on NumPy batches of a per-epoch permutation",
}

TrainFunction = Callable[..., list[float]]


def module_name(library: str) -> str:
    return f"{__name__}.{SCRIPTS.get(library, library)}"


def script_path(library: str) -> str:
    """``library``'s script, relative to the repository root."""
    return f"bench/perf/idiomatic/{SCRIPTS.get(library, library)}.py"


def keras_library(engine: str) -> str:
    """The library name of the keras script running on Keras backend ``engine``."""
    return {backend: library for library, backend in KERAS_ENGINES.items()}[engine]


def load(library: str) -> TrainFunction:
    """The ``train`` function of ``library``'s script (imports the library; Keras on its backend)."""
    if library not in LIBRARIES:
        raise KeyError(f"no idiomatic script for {library!r}; known: {', '.join(LIBRARIES)}")
    if library in KERAS_ENGINES:
        _select_keras_backend(library, KERAS_ENGINES[library])
    return importlib.import_module(module_name(library)).train


def _select_keras_backend(library: str, engine: str) -> None:
    """Keras on ``engine``: ``KERAS_BACKEND`` set before its first import, else a RuntimeError."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = engine
    import keras

    if keras.backend.backend() != engine:
        raise RuntimeError(f"the {library} script needs Keras on {engine}, but Keras runs on "
                           f"{keras.backend.backend()} in this process (it reads KERAS_BACKEND once, at "
                           "its first import): run it in a process of its own")


def workload_for(library: str, workload: Workload) -> Workload:
    """The workload ``library`` is measured on (fewer rows for the slow pure-Python ones)."""
    rows = SMALLER_ROWS.get(library)
    return dataclasses.replace(workload, rows=rows) if rows is not None and rows < workload.rows else workload


def script_arguments(workload: Workload) -> dict[str, Any]:
    """Keyword arguments of every script's ``train`` for ``workload`` (warm-up epochs included)."""
    return {
        "hidden": tuple(workload.layers[1:-1]),
        "activation": workload.hidden_activation,
        "epochs": workload.warmup_epochs + workload.epochs,
        "batch_size": workload.batch_size,
        "learning_rate": workload.learning_rate,
        "momentum": workload.momentum,
        "seed": workload.seed,
    }


def apply_thread_budget(library: str, threads: int) -> None:
    """The switches the library's adapter applies for ``--threads`` (plus BLAS via threadpoolctl).

    The process itself is started with :func:`bench.run.threads.backend_environment`,
    as every adapter's is.
    """
    from threadpoolctl import threadpool_limits

    from bench.core import registry

    registry.backend_class(library)(threads=threads).setup_threads()
    threadpool_limits(limits=threads)

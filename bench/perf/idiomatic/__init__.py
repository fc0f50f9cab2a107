"""Minimal idiomatic training scripts, one per library, on the ``bench perf`` workload.

Each module is what a new user writes after the library's getting-started
page: a plain ``train(X, Y, hidden, activation, epochs, batch_size,
learning_rate, momentum, seed)`` that builds the network with the library's
own API and defaults, trains it, and returns the seconds of every epoch
(``time.perf_counter``; the first epoch is reported apart by the caller).
``X`` is float32 rows, ``Y`` one-hot float32 targets of a softmax +
cross-entropy classifier. Each runs on its own too::

    python -m bench.perf.idiomatic.torch [--rows N] [--epochs N] [--threads N]

``bench perf`` runs each beside its library's open adapter
(:mod:`bench.perf.side_by_side`).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from bench.perf.workload import Workload

LIBRARIES = ("torch", "keras", "sklearn", "pybrain", "numpy")

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
}

TrainFunction = Callable[..., list[float]]


def module_name(library: str) -> str:
    return f"{__name__}.{library}"


def load(library: str) -> TrainFunction:
    """The ``train`` function of ``library``'s script (imports the library)."""
    if library not in LIBRARIES:
        raise KeyError(f"no idiomatic script for {library!r}; known: {', '.join(LIBRARIES)}")
    return importlib.import_module(module_name(library)).train


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

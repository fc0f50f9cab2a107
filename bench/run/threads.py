"""One thread budget for every backend, applied before any library loads."""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def thread_environment(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default: this process's) with every BLAS/TF limit set."""
    env = dict(os.environ if base is None else base)
    for variable in THREAD_VARIABLES:
        env[variable] = str(threads)
    return env


def backend_environment(threads: int, device: str = "cpu") -> dict[str, str]:
    """:func:`thread_environment` for a backend's process: TensorFlow quiet, CUDA hidden unless ``gpu``."""
    env = thread_environment(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if device != "gpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def pinned_by_environment(threads: int) -> bool:
    """Whether every BLAS/OpenMP limit was ``threads`` when this process started (the harness's workers).

    Those libraries read the variables when they load, so a runtime limit
    (``threadpoolctl``, ~15 ms to find the loaded libraries) would change nothing.
    """
    return all(os.environ.get(variable) == str(threads) for variable in THREAD_VARIABLES[:6])

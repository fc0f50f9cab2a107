"""One thread policy for every backend, applied before any library loads.

:func:`backend_environment` puts :meth:`ThreadPolicy.environment` (thread counts, passive OpenMP
waits, inter-op pools where the policy sizes them) and the policy itself in a backend process's
environment; the worker records the policy and ``setup_threads`` applies the runtime-only parts.
docs/methods.md ("Thread policy") and docs/measurements.md give the measurements behind the choice.
"""

from __future__ import annotations

import os
import time

from bench.core.threads import POLICY_VARIABLE, THREAD_VARIABLES, ThreadPolicy

__all__ = ["THREAD_VARIABLES", "ThreadPolicy", "backend_environment", "default_policy", "default_threads",
           "idle_cores", "pinned_by_environment", "thread_environment"]


def default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None where it does not exist."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def idle_cores(sample_seconds: float = 0.25) -> float:
    """How many of this machine's CPUs were idle over a short /proc/stat sample (load average where
    /proc/stat is missing), at most the CPUs this process may use."""
    cores = default_threads()
    first = _cpu_times()
    if first is not None:
        time.sleep(sample_seconds)
        second = _cpu_times()
        if second is not None and second[1] > first[1]:
            busy = (second[0] - first[0]) / (second[1] - first[1]) * (os.cpu_count() or cores)
            return max(0.0, min(float(cores), (os.cpu_count() or cores) - busy))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(0.0, min(float(cores), cores - load))


def default_policy(threads: int, source: str = "budget") -> ThreadPolicy:
    """The policy every backend runs under with ``threads`` threads: passive OpenMP waits."""
    reason = {"budget": "the run's thread budget (--threads, the suite's threads, else every core)",
              "idle cores": "the cores idle when the run started"}.get(source, "")
    return ThreadPolicy(threads=threads, source=source, reason=reason)


def thread_environment(policy: ThreadPolicy | int, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default: this process's) with the policy's variables and the policy itself."""
    policy = default_policy(policy) if isinstance(policy, int) else policy
    env = dict(os.environ if base is None else base)
    env.update(policy.environment())
    env[POLICY_VARIABLE] = policy.to_json()
    return env


def backend_environment(threads: int, device: str = "cpu",
                        policy: ThreadPolicy | None = None) -> dict[str, str]:
    """:func:`thread_environment` for a backend's process: TensorFlow quiet, CUDA hidden unless ``gpu``."""
    env = thread_environment(policy or default_policy(threads))
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

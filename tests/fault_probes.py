"""Test-only backends whose availability probe misbehaves (fault injection for bench.run.availability).

Each ``available()`` breaks the process that asks it: it kills it with a signal, hangs, raises
something other than ImportError, or reports a missing library of an extra. They reach child
processes through ``NNBENCH_BACKENDS`` (:func:`probe_environment`).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from backends.numpy_mlp import NumpyMLP

TESTS_DIR = Path(__file__).resolve().parent

PROBE_FAULTS = {
    "probe-segfault": "fault_probes:ProbeSegfault",
    "probe-abort": "fault_probes:ProbeAbort",
    "probe-hang": "fault_probes:ProbeHang",
    "probe-raises": "fault_probes:ProbeRaises",
    "probe-noisy-missing": "fault_probes:NoisyMissingExtra",
}


def probe_environment(names: tuple[str, ...] = tuple(PROBE_FAULTS)) -> dict[str, str]:
    """This process's environment with the probe faults ``names`` registered."""
    plugins = ",".join(f"{name}={PROBE_FAULTS[name]}" for name in names)
    path = os.pathsep.join([str(TESTS_DIR.parent), str(TESTS_DIR)])
    return {**os.environ, "NNBENCH_BACKENDS": plugins, "PYTHONPATH": path}


class ProbeSegfault(NumpyMLP):
    name = "probe-segfault"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        os.kill(os.getpid(), signal.SIGSEGV)  # as a native library crashing on import
        return True, ""


class ProbeAbort(NumpyMLP):
    name = "probe-abort"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        os.abort()


class ProbeHang(NumpyMLP):
    name = "probe-hang"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        time.sleep(3600)
        return True, ""


class ProbeRaises(NumpyMLP):
    name = "probe-raises"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        raise RuntimeError("the library's initialisation failed")


class NoisyMissingExtra(NumpyMLP):
    """Prints on stdout while importing (as some libraries do), then finds its library missing."""

    name = "probe-noisy-missing"
    extra = "torch"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        print("{not the answer", flush=True)
        return cls.unavailable("cannot import nnbench_library_that_is_not_installed")

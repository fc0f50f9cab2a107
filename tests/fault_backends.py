"""Test-only backends that misbehave on purpose (fault injection), and a task needing a data dir.

Each backend trains like the NumPy MLP but breaks in one way. They reach the worker
subprocess through the ``NNBENCH_BACKENDS`` plugin variable; use
:func:`plugin_environment` (a subprocess's env) or :func:`register` (this
process, with pytest's ``monkeypatch``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backends.numpy_mlp import NumpyMLP
from bench.core.task import TaskInfo
from tasks.logic_gates import Xor

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
#: Where the hanging/leaking backends write the pids of the processes they spawn.
PIDFILE_VARIABLE = "NNBENCH_FAULT_PIDFILE"
SLOW_SECONDS_VARIABLE = "NNBENCH_FAULT_SLOW_SECONDS"

FAULT_BACKENDS = {
    "fault-abort": "fault_backends:Abort",
    "fault-segfault": "fault_backends:Segfault",
    "fault-hang": "fault_backends:Hang",
    "fault-nan": "fault_backends:NotANumber",
    "fault-memory": "fault_backends:MemoryHog",
    "fault-oom-kill": "fault_backends:KilledLikeByOomKiller",
    "fault-corrupt-result": "fault_backends:CorruptResult",
    "fault-exit": "fault_backends:ExitsWithoutResult",
    "fault-leaks-child": "fault_backends:LeaksChild",
    "fault-missing-library": "fault_missing_library:NeedsMissingLibrary",
    "fault-import-raises": "fault_import_raises:RaisesAtImport",
    "fault-slow": "fault_backends:Slow",
    "fault-capped-import": "fault_backends:CappedImport",
}


FAULT_TASKS = {"needs-data-dir": "fault_backends:NeedsDataDir"}


def plugin_variables() -> dict[str, str]:
    return {
        "NNBENCH_BACKENDS": ",".join(f"{name}={target}" for name, target in FAULT_BACKENDS.items()),
        "NNBENCH_TASKS": ",".join(f"{name}={target}" for name, target in FAULT_TASKS.items()),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS_DIR)]),
    }


def plugin_environment() -> dict[str, str]:
    """This process's environment plus the fault backends (for ``python -m bench``)."""
    return {**os.environ, **plugin_variables()}


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fault backends known here and in every worker this process starts."""
    for name, value in plugin_variables().items():
        monkeypatch.setenv(name, value)


def _spawn_sleeper(new_session: bool = False) -> int:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                             start_new_session=new_session)
    pidfile = os.environ.get(PIDFILE_VARIABLE)
    if pidfile:
        with open(pidfile, "a", encoding="utf-8") as handle:
            handle.write(f"{child.pid}\n")
    return child.pid


class Abort(NumpyMLP):
    """Crashes the interpreter with SIGABRT in the middle of training."""

    name = "fault-abort"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        os.abort()


class Segfault(NumpyMLP):
    """Dereferences a null pointer: SIGSEGV."""

    name = "fault-segfault"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        import ctypes

        ctypes.string_at(0)


class Hang(NumpyMLP):
    """Starts two sleeping children (one in its own session) and sleeps past any limit."""

    name = "fault-hang"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        _spawn_sleeper()
        _spawn_sleeper(new_session=True)
        time.sleep(120)


class NotANumber(NumpyMLP):
    """Trains, then predicts NaN (a diverged network)."""

    name = "fault-nan"

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full((len(X), 1), np.nan)


class MemoryHog(NumpyMLP):
    """Allocates 4 GiB at once, beyond any test memory cap."""

    name = "fault-memory"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.hog = np.ones(4 * 1024**3 // 8)


class KilledLikeByOomKiller(NumpyMLP):
    """Receives SIGKILL from nobody the harness knows, as from the kernel's OOM killer."""

    name = "fault-oom-kill"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signal.SIGKILL)


class CorruptResult(NumpyMLP):
    """Writes half a record to the result file, then exits 'successfully'."""

    name = "fault-corrupt-result"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        Path(sys.argv[-1]).write_text('{"status": "ok", "metr', encoding="utf-8")
        os._exit(0)


class ExitsWithoutResult(NumpyMLP):
    """Calls os._exit(3) mid-training after a last word on stderr."""

    name = "fault-exit"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        print("fault-exit: giving up", file=sys.stderr, flush=True)
        os._exit(3)


class LeaksChild(NumpyMLP):
    """Trains normally but leaves a sleeping child process behind."""

    name = "fault-leaks-child"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        _spawn_sleeper()
        super().fit(*args, **kwargs)


class CappedImport(NumpyMLP):
    """Its library's import hits the address-space cap, as torch's does under a low --memory-limit-mb.

    ``available`` uses up the cap (anonymous maps, all but 4 MB freed again) and then imports
    ``scipy.linalg``, whose shared objects no longer fit: a genuine
    ``ImportError: … failed to map segment from shared object``. Run it under a memory cap.
    """

    name = "fault-capped-import"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        import mmap

        hog, size = [], 64 << 20
        while size >= 4096:
            try:
                hog.append(mmap.mmap(-1, size))
            except (OSError, MemoryError):
                size //= 2
        freed = 0
        while freed < 4 << 20 and hog:
            block = hog.pop()
            freed += len(block)
            block.close()
        try:
            import scipy.linalg  # noqa: F401
        except ImportError as exc:
            return False, f"cannot import scipy.linalg: {exc}"
        finally:
            for block in hog:
                block.close()
        return True, ""


class Slow(NumpyMLP):
    """Trains normally, then sleeps (``NNBENCH_FAULT_SLOW_SECONDS``, default 0.5 s)."""

    name = "fault-slow"

    def fit(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().fit(*args, **kwargs)
        time.sleep(float(os.environ.get(SLOW_SECONDS_VARIABLE, "0.5")))


class NeedsDataDir(Xor):
    """XOR, read from ``$NNBENCH_DATA_DIR/xor.txt`` (only checked: the rows are built in)."""

    name = "needs-data-dir"

    def check_data(self) -> None:
        from bench.core.task import TaskDataError

        folder = Path(os.environ.get("NNBENCH_DATA_DIR", "data"))
        try:
            (folder / "xor.txt").read_bytes()
        except OSError as exc:
            raise TaskDataError(f"cannot read {folder / 'xor.txt'} ({exc.strerror})") from None

    def info(self) -> TaskInfo:
        """As the built-in task, plus the folder it read (``data_dir``: what the record states)."""
        from dataclasses import replace

        folder = Path(os.environ.get("NNBENCH_DATA_DIR", "data")).resolve()
        return replace(super().info(), data={"data_dir": str(folder), "files": ["xor.txt"]})

"""Fault injection: every broken cell yields exactly one failed/skipped record; the rest still run."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fault_backends
import psutil
import pytest

from bench.core.record import CellConfig
from bench.core.results import read_records
from bench.run.harness import run_suite
from bench.run.isolation import crash_reason, run_isolated
from bench.run.suite import Suite

TIMEOUT_SECONDS = 3
#: How late a kill may land on a loaded 2-core CI machine; a hang left running would never end.
KILL_SLACK_SECONDS = 10
MEMORY_LIMIT_MB = 400

#: backend → (status, text its reason must contain)
EXPECTED = {
    "fault-abort": ("failed",
                    "killed by signal SIGABRT): Fatal Python error: Aborted in fit at fault_backends.py"),
    "fault-segfault": ("failed", "killed by signal SIGSEGV): Fatal Python error: Segmentation fault"),
    "fault-hang": ("failed", f"timed out after {TIMEOUT_SECONDS} s (process group killed)"),
    "fault-nan": ("failed", "FloatingPointError: network outputs contain NaN or infinity"),
    "fault-memory": ("failed", f"out of memory (memory limit {MEMORY_LIMIT_MB} MB): "),
    "fault-oom-kill": ("failed", "worker killed by SIGKILL, most likely out of memory"),
    "fault-corrupt-result": ("failed", "worker wrote a corrupt result file"),
    "fault-exit": ("failed", "worker crashed (exit code 3): fault-exit: giving up"),
    "fault-missing-library": (
        "skipped", "cannot import backend: No module named 'nnbench_library_that_is_not_installed'"),
    "fault-import-raises": ("failed", "RuntimeError: fault injected: this backend's module is broken"),
    # an import cut short by the memory cap is out of memory (failed: --retry-failed reruns it), not skipped
    "fault-capped-import": ("failed", f"out of memory (memory limit {MEMORY_LIMIT_MB} MB): cannot import "
                            "scipy.linalg: "),
    "fault-leaks-child": ("ok", ""),
    "numpy": ("ok", ""),
}


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict[str, Any]], Path]]:
    """One suite with every fault backend and the real NumPy one, run through the harness."""
    scratch = tmp_path_factory.mktemp("faults")
    pidfile = scratch / "spawned.pids"
    suite = Suite(name="faults", backends=list(EXPECTED), tasks=["xor"], seeds=[0], threads=1,
                  timeout=TIMEOUT_SECONDS, memory_limit_mb=MEMORY_LIMIT_MB, overrides={"epochs": 20})
    with pytest.MonkeyPatch.context() as patch:
        fault_backends.register(patch)
        patch.setenv(fault_backends.PIDFILE_VARIABLE, str(pidfile))
        run_suite(suite, scratch / "results.jsonl", progress=None)
    yield read_records(scratch / "results.jsonl"), pidfile


def test_one_record_per_cell_in_the_results_file(matrix: tuple[list[dict[str, Any]], Path]) -> None:
    records, _ = matrix
    assert sorted(r["backend"] for r in records) == sorted(EXPECTED)


@pytest.mark.parametrize("backend", list(EXPECTED))
def test_fault_gives_clear_record(matrix: tuple[list[dict[str, Any]], Path], backend: str) -> None:
    records, _ = matrix
    (record,) = [r for r in records if r["backend"] == backend]
    status, reason = EXPECTED[backend]
    assert record["status"] == status, record["reason"]
    assert reason in record["reason"]
    assert "\n" not in record["reason"]
    assert record["executor"] == "serial" and record["cell"]["backend"] == backend
    if status == "ok":
        assert record["metrics"]["accuracy"] >= 0


def test_hung_and_leaked_processes_are_killed(matrix: tuple[list[dict[str, Any]], Path]) -> None:
    _, pidfile = matrix
    pids = [int(line) for line in pidfile.read_text().split()]
    assert len(pids) == 3  # two from fault-hang (one in its own session), one from fault-leaks-child
    assert not [pid for pid in pids if _alive(pid)]


def test_hang_is_cut_at_the_time_limit(matrix: tuple[list[dict[str, Any]], Path]) -> None:
    records, _ = matrix
    (hang,) = [r for r in records if r["backend"] == "fault-hang"]
    assert TIMEOUT_SECONDS <= hang["wall_seconds"] < TIMEOUT_SECONDS + KILL_SLACK_SECONDS


def test_real_divergence_of_the_numpy_backend_is_a_failed_record() -> None:
    config = CellConfig(backend="numpy", task="xor", threads=1, timeout=20, overrides={
        "epochs": 200, "learning_rate": 1e6, "hidden_activation": "linear", "output_activation": "linear"})
    record = run_isolated(config)
    assert record["status"] == "failed"
    assert "network outputs contain NaN or infinity" in record["reason"]


@pytest.mark.parametrize(
    ("code", "stderr", "expected"),
    [
        (-signal.SIGABRT, "terminate called after throwing an instance of 'std::bad_alloc'\n",
         "out of memory (memory limit 100 MB): worker crashed (killed by signal SIGABRT): terminate called"),
        (1, "Traceback ...\nMemoryError\n",
         "out of memory (memory limit 100 MB): worker crashed (exit code 1)"),
        (-signal.SIGKILL, "", "worker killed by SIGKILL, most likely out of memory"),
        (2, "", "worker crashed (exit code 2): no output"),
        (-signal.SIGSEGV,
         'Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n'
         '  File "/x/backends/lib.py", line 7 in fit\n'
         '  File "/x/bench/run/worker.py", line 131 in run_cell\n',
         "worker crashed (killed by signal SIGSEGV): Fatal Python error: Segmentation fault "
         "in fit at lib.py:7"),
    ],
)
def test_crash_reason(code: int, stderr: str, expected: str) -> None:
    assert crash_reason(code, stderr, 100).startswith(expected)


def test_results_file_holds_only_complete_lines(matrix: tuple[list[dict[str, Any]], Path]) -> None:
    _, pidfile = matrix
    text = (pidfile.parent / "results.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert [json.loads(line)["backend"] for line in text.splitlines()] == list(EXPECTED)

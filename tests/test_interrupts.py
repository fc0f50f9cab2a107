"""The harness itself stopped mid-cell (kill -9, Ctrl-C, SIGTERM): nothing it started survives,
what finished is kept and summarised, and the run can be resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fault_backends
import psutil
import pytest


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _pids(pidfile: Path) -> list[int]:
    return [int(line) for line in pidfile.read_text().split()] if pidfile.exists() else []


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM],
                         ids=["SIGKILL", "SIGINT", "SIGTERM"])
def test_stopping_the_harness_mid_cell_kills_every_process_the_cell_started(
        tmp_path: Path, signum: signal.Signals) -> None:
    """fault-hang starts a sleeper and a setsid'd sleeper; none may outlive the harness."""
    pidfile, results, temp = tmp_path / "spawned.pids", tmp_path / "r.jsonl", tmp_path / "temp"
    temp.mkdir()
    env = {**fault_backends.plugin_environment(), fault_backends.PIDFILE_VARIABLE: str(pidfile),
           "TMPDIR": str(temp)}
    harness = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", "--backend", "numpy", "--backend", "fault-hang",
         "--task", "xor", "--seeds", "1", "--threads", "1", "--timeout", "60", "--set", "epochs=20",
         "--output", str(results)],
        cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    try:
        assert _wait_for(lambda: len(_pids(pidfile)) == 2, 60), "fault-hang never started its sleepers"
        sleepers = _pids(pidfile)
        assert all(_alive(pid) for pid in sleepers)
        os.kill(harness.pid, signum)
        _, stderr = harness.communicate(timeout=30)
    finally:
        if harness.poll() is None:
            harness.kill()
    assert _wait_for(lambda: not any(_alive(pid) for pid in sleepers), 10), \
        f"left behind: {[pid for pid in sleepers if _alive(pid)]}"
    assert _wait_for(lambda: not list(temp.glob("nnbench-*")), 10), f"scratch left: {list(temp.iterdir())}"
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["backend"] for r in records] == ["numpy"]  # the finished cell is kept, intact
    if signum == signal.SIGKILL:
        assert harness.returncode == -signal.SIGKILL
        return
    assert harness.returncode == 128 + signum
    assert "Traceback" not in stderr
    assert (f"interrupted ({signal.Signals(signum).name}): 1 of 2 cells finished (1 ok); "
            f"{results} holds 1 complete records, intact; "
            f"finish the run with: python -m bench run --resume {results}") in stderr

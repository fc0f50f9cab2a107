"""Warm start: cells forked from a template keep every isolation guarantee of a cold cell."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fault_backends
import psutil
import pytest
from test_faults import EXPECTED, KILL_SLACK_SECONDS, TIMEOUT_SECONDS

from bench.core.record import CellConfig
from bench.core.results import read_records
from bench.run.harness import run_suite
from bench.run.isolation import run_isolated
from bench.run.suite import Suite
from bench.run.templates import TemplatePool

#: The faults that need a memory cap (a capped cell starts cold) stay in test_faults.
WARM_FAULTS = {name: expected for name, expected in EXPECTED.items()
               if name not in ("fault-memory", "fault-capped-import")}
#: Run by ``make test`` (a template each): the faults that test the process mechanics; the rest is slow.
WARM_FAST = ("fault-segfault", "fault-hang", "fault-leaks-child", "fault-corrupt-result", "numpy")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _run_warm(scratch: Path, backends: list[str]) -> tuple[list[dict[str, Any]], Path]:
    """The fault backends without a memory cap, through the harness's default (warm) runner."""
    pidfile = scratch / "spawned.pids"
    suite = Suite(name="warm-faults", backends=backends, tasks=["xor"], seeds=[0], threads=1,
                  timeout=TIMEOUT_SECONDS, overrides={"epochs": 20})
    with pytest.MonkeyPatch.context() as patch:
        fault_backends.register(patch)
        patch.setenv(fault_backends.PIDFILE_VARIABLE, str(pidfile))
        run_suite(suite, scratch / "results.jsonl", progress=None)
    return read_records(scratch / "results.jsonl"), pidfile


@pytest.fixture(scope="module")
def warm_matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict[str, Any]], Path]]:
    yield _run_warm(tmp_path_factory.mktemp("warm-faults"), list(WARM_FAST))


def _check_warm_record(records: list[dict[str, Any]], backend: str) -> None:
    (record,) = [r for r in records if r["backend"] == backend]
    status, reason = WARM_FAULTS[backend]
    assert record["status"] == status, record["reason"]
    assert reason in record["reason"]
    assert record["start"]["mode"] == "warm"
    assert record["start"]["template"].startswith(f"{backend}/")


@pytest.mark.parametrize("backend", WARM_FAST)
def test_a_warm_fault_gives_the_same_record_as_a_cold_one(
        warm_matrix: tuple[list[dict[str, Any]], Path], backend: str) -> None:
    _check_warm_record(warm_matrix[0], backend)


@pytest.mark.slow
def test_every_fault_warm_gives_the_same_record_as_cold(tmp_path: Path) -> None:
    records, _ = _run_warm(tmp_path, list(WARM_FAULTS))
    for backend in WARM_FAULTS:
        _check_warm_record(records, backend)


def test_warm_cells_kill_hung_and_leaked_processes_at_the_limit(
        warm_matrix: tuple[list[dict[str, Any]], Path]) -> None:
    records, pidfile = warm_matrix
    pids = [int(line) for line in pidfile.read_text().split()]
    assert len(pids) == 3 and not [pid for pid in pids if _alive(pid)]
    (hang,) = [r for r in records if r["backend"] == "fault-hang"]
    assert TIMEOUT_SECONDS <= hang["wall_seconds"] < TIMEOUT_SECONDS + KILL_SLACK_SECONDS
    assert sorted(r["backend"] for r in records) == sorted(WARM_FAST)


def _numpy_cell(seed: int = 0, **fields: Any) -> CellConfig:
    return CellConfig(backend="numpy", task="xor", seed=seed, threads=1, timeout=60,
                      overrides={"epochs": 50}, **fields)


def test_a_warm_cell_carries_no_state_and_matches_a_cold_one() -> None:
    """Same metrics and loss cold, warm, and warm again after other cells (the template never trains)."""
    with TemplatePool() as pool:
        first = pool(_numpy_cell())
        pool(_numpy_cell(seed=1))
        again = pool(_numpy_cell())
    cold = run_isolated(_numpy_cell())
    assert first["start"]["mode"] == again["start"]["mode"] == "warm"
    assert first["start"]["template"] == again["start"]["template"]
    assert "numpy" in first["start"]["imports_preloaded"]
    assert cold["start"] == {"mode": "cold", "template": None, "imports_preloaded": []}
    for record in (again, cold):
        assert record["metrics"] == first["metrics"]
        assert record["final_loss"] == first["final_loss"]


def test_a_capped_cell_starts_cold_and_says_why() -> None:
    with TemplatePool() as pool:
        record = pool(_numpy_cell(memory_limit_mb=2000))
    assert record["status"] == "ok"
    assert record["start"]["mode"] == "cold" and "memory cap" in record["start"]["reason"]


def test_a_dead_template_sends_the_next_cells_cold() -> None:
    with TemplatePool() as pool:
        assert pool(_numpy_cell())["start"]["mode"] == "warm"
        (template,) = pool.templates.values()
        os.kill(template.process.pid, signal.SIGKILL)
        template.process.wait()
        after = [pool(_numpy_cell(seed)) for seed in (0, 1)]
    assert [r["status"] for r in after] == ["ok", "ok"]
    assert all(r["start"]["mode"] == "cold" and "died" in r["start"]["reason"] for r in after)


def test_a_template_dying_mid_cell_reruns_that_cell_cold(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """One record, from a cold rerun; the warm attempt's processes are gone."""
    pidfile = tmp_path / "spawned.pids"
    fault_backends.register(monkeypatch)
    monkeypatch.setenv(fault_backends.PIDFILE_VARIABLE, str(pidfile))
    config = CellConfig(backend="fault-leaks-child", task="xor", threads=1, timeout=60,
                        overrides={"epochs": 20})
    with TemplatePool() as pool:
        template = pool.templates.get(("fault-leaks-child", "cpu", 1)) or pool._start(config)
        real_run = template.run

        def kill_then_run(cell: CellConfig) -> dict[str, Any]:
            os.kill(template.process.pid, signal.SIGKILL)
            return real_run(cell)

        monkeypatch.setattr(template, "run", kill_then_run)
        record = pool(config)
    assert record["status"] == "ok"
    assert record["start"]["mode"] == "cold" and "died" in record["start"]["reason"]
    deadline = time.monotonic() + 10
    while any(map(_alive, map(int, pidfile.read_text().split()))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in map(int, pidfile.read_text().split()) if _alive(pid)]


#: Run in a fresh interpreter: the pytest process may hold threads (JAX's), and a fork of a threaded
#: process can deadlock in the child. The probe forks twice and writes every page of a 32 MiB block.
COW_PROBE = """
import json, os, resource
from bench.run import cow

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

def fork_and_write(block, ranges):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        if ranges is not None:
            cow.populate(ranges)
        rss = rss_kib()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for offset in range(0, len(block), cow.PAGE):
            block[offset] = 1
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        os.write(write, f"{faults} {rss}".encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    faults, rss = map(int, os.read(read, 100).split())
    os.close(read)
    return faults, rss

block = bytearray(os.urandom(32 * 1024 * 1024))  # resident, private, writable
ranges = cow.present_ranges()
bare_faults, _ = fork_and_write(block, None)
populated_faults, child_rss = fork_and_write(block, ranges)
print(json.dumps({"pages": len(block) // cow.PAGE, "block": len(block),
                  "present": sum(length for _, length, _ in ranges), "bare_faults": bare_faults,
                  "populated_faults": populated_faults, "child_rss": child_rss, "parent_rss": rss_kib()}))
"""


def test_populate_gives_a_fork_private_copies_of_its_parents_resident_pages() -> None:
    """Without it a fork pays a copy-on-write fault per first write; with it none, as a cold process."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", COW_PROBE], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe["present"] >= probe["block"]
    assert probe["bare_faults"] >= 0.9 * probe["pages"]
    assert probe["populated_faults"] <= 0.1 * probe["pages"]
    assert probe["child_rss"] >= 0.9 * probe["parent_rss"]


def test_a_template_that_cannot_start_sends_its_cells_cold_and_leaves_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.run import templates

    monkeypatch.setattr(templates, "START_TIMEOUT_SECONDS", 0.001)
    before = set(psutil.Process().children())
    with TemplatePool() as pool:
        record = pool(_numpy_cell())
        assert not pool.templates
    assert record["status"] == "ok"
    assert record["start"]["mode"] == "cold" and "could not start" in record["start"]["reason"]
    assert not [p for p in set(psutil.Process().children()) - before if p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE]

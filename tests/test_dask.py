"""The Dask executor: cells as tasks on a LocalCluster, streamed into the same results file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.core.record import CellConfig, cell_key
from bench.core.results import read_records
from bench.run import executors
from bench.run.executors import DaskExecutor, ExecutorError, make_executor, resources_for
from bench.run.harness import run_suite
from bench.run.resume import plan_resume
from bench.run.suite import Suite

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def executor() -> Iterator[DaskExecutor]:
    """Two in-process workers, each advertising one GPU so gpu cells reserve it."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None, resources={"GPU": 1})
    executor = DaskExecutor(distributed.Client(cluster), cluster)
    yield executor
    executor.close()


def test_numpy_matrix_on_two_workers(executor: DaskExecutor, tmp_path: Path) -> None:
    suite = Suite(name="dask", backends=["numpy", "numpy-perceptron"], tasks=["and", "xor"], seeds=[0, 1],
                  threads=1, timeout=60, overrides={"epochs": 30})
    output = tmp_path / "dask.jsonl"
    seen: list[int] = []
    run_suite(suite, output, progress=lambda done, total, cell, record: seen.append(done), executor=executor)
    records = read_records(output)
    assert seen == list(range(1, 9))  # each record was appended as it finished
    keys = Counter(cell_key(r) for r in records)  # backend, task, seed, device asked for, division
    assert keys == Counter({cell.key(): 1 for cell in suite.cells()})
    assert all(r["status"] == "ok" and r["executor"] == "dask" for r in records)
    assert all(r["start"]["mode"] == "cold" for r in records)  # Dask task threads start cells cold
    assert all(r["metrics"]["accuracy"] == 1.0 for r in records if r["task"] == "and"
               and r["backend"] == "numpy-perceptron")
    assert plan_resume(output).missing == []


def test_gpu_cells_reserve_the_gpu_resource(executor: DaskExecutor, tmp_path: Path) -> None:
    assert executor.gpu_offered()
    suite = Suite(name="gpu", backends=["numpy"], tasks=["xor"], seeds=[0, 1], device="gpu", threads=1,
                  timeout=60, overrides={"epochs": 5})
    run_suite(suite, tmp_path / "gpu.jsonl", progress=None, executor=executor)
    records = read_records(tmp_path / "gpu.jsonl")
    # The NumPy backend has no GPU: the reserved cells still finish, as honest skips.
    assert [r["status"] for r in records] == ["skipped", "skipped"]
    assert all("no gpu support" in r["reason"] for r in records)


def test_resources_only_for_gpu_cells_when_offered() -> None:
    gpu, cpu = CellConfig(backend="torch", task="xor", device="gpu"), CellConfig(backend="torch", task="xor")
    assert resources_for(gpu, gpu_offered=True) == {"GPU": 1}
    assert resources_for(gpu, gpu_offered=False) is None
    assert resources_for(cpu, gpu_offered=True) is None


def test_unreachable_scheduler_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # a closed port is refused at once; the deadline only bounds a load spike
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_SECONDS", 10)
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        make_executor("dask", scheduler="tcp://127.0.0.1:9")


def test_executor_choice() -> None:
    assert make_executor().name == "serial"
    with pytest.raises(ExecutorError, match="unknown executor 'spark'"):
        make_executor("spark")
    with pytest.raises(ExecutorError, match="--scheduler needs --executor dask"):
        make_executor("serial", scheduler="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_command_line_on_a_local_cluster_of_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = [sys.executable, "-m", "bench", "run", "--executor", "dask", "--workers", "2", "--backend", "numpy",
           "--task", "xor", "--seeds", "3", "--threads", "1", "--set", "epochs=20", "--output", "r.jsonl"]
    done = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records = read_records(tmp_path / "r.jsonl")
    assert sorted(r["seed"] for r in records) == [0, 1, 2]
    assert {r["executor"] for r in records} == {"dask"}
    resume = [sys.executable, "-m", "bench", "run", "--resume", "r.jsonl", "--executor", "dask"]
    again = subprocess.run(resume, cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0 and "nothing to run" in again.stderr
    assert read_records(tmp_path / "r.jsonl") == records

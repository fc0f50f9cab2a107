"""The CLI with the data tasks: `tasks` lists them without data files; missing files exit 2; --data-dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.images import FashionMnist
from tests.test_tasks_images import write_idx_folder

ROOT = Path(__file__).resolve().parents[1]
NEW_TASKS = ["credit-risk", "credit-default", "diabetes", "fair", "friedman1", "digits", "mnist-subset",
             "fashion-mnist", "mnist-idx"]


def bench(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env})


def test_tasks_lists_every_task_without_data_files(tmp_path: Path) -> None:
    done = bench("tasks", "--wide", cwd=tmp_path, NNBENCH_DATA_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert set(NEW_TASKS) <= set(lines)
    assert "CC BY 4.0" in lines["credit-default"] and "784-397-10" in lines["fashion-mnist"]
    assert "leave-one-out" in lines["credit-risk"] and "4-4-3" in lines["credit-risk"]


@pytest.mark.skipif(FashionMnist.system_folder is not None and FashionMnist.system_folder.is_dir(),
                    reason="Fashion-MNIST is installed on this machine")
def test_missing_fashion_mnist_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    done = bench("run", "--backend", "numpy", "--task", "fashion-mnist", "--data-dir", str(tmp_path),
                 cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: fashion-mnist: missing data file train-images-idx3-ubyte")
    assert done.stderr.strip().count("\n") == 0
    assert not (tmp_path / "results").exists()


def test_data_dir_reaches_the_worker(tmp_path: Path) -> None:
    write_idx_folder(tmp_path / "data" / "mnist", n_train=40, n_test=20)
    output = tmp_path / "out.jsonl"
    done = bench("run", "--backend", "numpy", "--task", "mnist-idx", "--seed", "0", "--set", "epochs=2",
                 "--data-dir", str(tmp_path / "data"), "--output", str(output), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in output.read_text().splitlines()]
    assert record["status"] == "ok", record["reason"]
    assert record["evaluation"]["scheme"].startswith("published")
    assert len(record["metrics"]["confusion_matrix"]) == 10

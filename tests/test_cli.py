"""The command line: bad input gives one line and exit 2; a run writes its files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.core.record import RESULT_FIELDS

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--backend", "nope"], "unknown backend 'nope'; known: numpy"),
        (["run", "--task", "nope"], "unknown task 'nope'"),
        (["run", "--set", "epochs=-1"], "epochs must be >= 1"),
        (["run", "--set", "layers=2,0,1"], "every layer needs at least one neuron"),
        (["run", "--set", "colour=red"], "unknown spec field 'colour'"),
        (["run", "--suite", "missing.toml"], "no suite file at missing.toml"),
        (["report", "missing.jsonl"], "no results file at missing.jsonl"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path: Path, args: list[str], message: str) -> None:
    done = bench(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert not (tmp_path / "results").exists()


def test_malformed_suite(tmp_path: Path) -> None:
    suite = tmp_path / "bad.toml"
    suite.write_text("backends = [numpy\n")
    done = bench("run", "--suite", str(suite), cwd=tmp_path)
    assert done.returncode == 2 and "malformed TOML" in done.stderr


def test_run_writes_jsonl_markdown_csv(tmp_path: Path) -> None:
    done = bench("run", "--backend", "numpy", "--backend", "numpy-perceptron", "--task", "xor",
                 "--seeds", "2", "--set", "epochs=200", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "results").iterdir())
    assert [f.suffix for f in files] == ["", ".csv", ".html", ".jsonl", ".md"]  # "": <stamp>-plots/
    assert files[0].is_dir() and files[0].name == f"{files[3].stem}-plots"
    assert all(f"{label}:" in done.stdout for label in ("markdown", "csv", "plots", "html"))
    records = [json.loads(line) for line in files[3].read_text().splitlines()]
    assert len(records) == 4
    for record in records:
        assert set(RESULT_FIELDS) <= set(record)
        assert record["status"] == "ok" and record["fit_seconds"] > 0
        assert record["env"]["packages"]["numpy"]
    perceptron = [r for r in records if r["backend"] == "numpy-perceptron"]
    assert all(r["converged"] is False for r in perceptron)
    assert "xor" in done.stdout and "not converged" in done.stdout


def test_tasks_and_backends_listing(tmp_path: Path) -> None:
    tasks = bench("tasks", cwd=tmp_path)
    assert tasks.returncode == 0 and "xor" in tasks.stdout and "2-3-1" in tasks.stdout
    backends = bench("backends", cwd=tmp_path)
    assert backends.returncode == 0 and "numpy" in backends.stdout


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """``python -m bench tasks | head -1``: a closed pipe ends the command quietly, status 141."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has already left: every write to stdout fails with EPIPE
    try:
        done = subprocess.run([sys.executable, "-m", "bench", "tasks"], cwd=tmp_path, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr

"""kill -9 loses at most the run in flight; --resume finishes exactly the missing cells."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import fault_backends
import pytest

from bench.core.record import empty_record
from bench.core.results import ResultsFileError, ResultsWriter
from bench.run.resume import cut_torn_tail, latest_per_cell, plan_resume
from bench.run.suite import Suite


def bench(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def complete_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_kill_9_mid_matrix_then_resume_completes_exactly_the_matrix(tmp_path: Path) -> None:
    results = tmp_path / "run.jsonl"
    env = {**fault_backends.plugin_environment(), fault_backends.SLOW_SECONDS_VARIABLE: "0.4"}
    seeds = 4
    harness = bench("run", "--backend", "fault-slow", "--task", "xor", "--seeds", str(seeds),
                    "--threads", "1", "--set", "epochs=20", "--output", str(results), cwd=tmp_path, env=env)
    deadline = time.monotonic() + 60
    while not complete_lines(results) and time.monotonic() < deadline and harness.poll() is None:
        time.sleep(0.05)
    os.kill(harness.pid, signal.SIGKILL)
    harness.communicate()
    assert harness.returncode == -signal.SIGKILL

    text = results.read_text(encoding="utf-8")
    assert text.endswith("\n")  # only complete lines
    before = [json.loads(line) for line in text.splitlines()]
    assert 1 <= len(before) < seeds

    resumed = bench("run", "--resume", str(results), cwd=tmp_path, env=env)
    _, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert f"{len(before)} cells done, {seeds - len(before)} to run" in stderr

    after = [json.loads(line) for line in complete_lines(results)]
    assert after[: len(before)] == before  # appended, never rewritten
    keys = Counter((r["backend"], r["task"], r["seed"], r["cell"]["device"]) for r in after)
    assert keys == Counter({("fault-slow", "xor", seed, "cpu"): 1 for seed in range(seeds)})
    assert all(r["status"] == "ok" and r["suite_config"]["seeds"] == list(range(seeds)) for r in after)


def _write(path: Path, suite: Suite, statuses: dict[int, str]) -> None:
    writer = ResultsWriter(path)
    cells = {cell.seed: cell for cell in suite.cells()}
    for seed, status in statuses.items():
        record = empty_record(cells[seed])
        record.status, record.cell, record.suite_config = status, cells[seed].to_dict(), suite.to_dict()
        writer.append(record)


SUITE = Suite(name="resume", backends=["numpy"], tasks=["xor"], seeds=[0, 1, 2, 3], threads=1)


def test_any_status_counts_as_done(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, SUITE, {0: "ok", 1: "failed", 2: "skipped"})
    plan = plan_resume(path)
    assert plan.suite == SUITE
    assert [cell.seed for cell in plan.missing] == [3] and plan.done == 3


def test_retry_failed_reruns_failed_cells_only(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, SUITE, {0: "ok", 1: "failed", 2: "skipped"})
    assert [cell.seed for cell in plan_resume(path, retry_failed=True).missing] == [1, 3]
    _write(path, SUITE, {1: "ok"})  # the retry succeeded
    assert [cell.seed for cell in plan_resume(path, retry_failed=True).missing] == [3]


def test_latest_per_cell_keeps_the_retry() -> None:
    first, retry = {"backend": "b", "task": "t", "seed": 0, "device": "cpu", "status": "failed"}, {
        "backend": "b", "task": "t", "seed": 0, "device": "cpu", "status": "ok"}
    other = {"backend": "b", "task": "t", "seed": 1, "device": "cpu", "status": "ok"}
    assert latest_per_cell([first, other, retry]) == [other, retry]


def test_a_torn_last_line_is_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, SUITE, {0: "ok"})
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"backend": "numpy", "ta')
    assert [cell.seed for cell in plan_resume(path).missing] == [1, 2, 3]
    assert cut_torn_tail(path) and path.read_bytes() == whole
    assert not cut_torn_tail(path)


def test_a_whole_last_record_without_newline_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, SUITE, {0: "ok", 1: "ok"})
    whole = path.read_bytes()
    path.write_bytes(whole[:-1])
    assert cut_torn_tail(path) and path.read_bytes() == whole


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no results file at"),
        ("", "holds no complete record"),
        ("a,b,c\n1,2,3\n4,5,6\n", ":1: not a JSON record"),
        ("[1, 2]\n[3]\n", "record 1 is not an nnbench result"),
        ('{"backend": "numpy", "task": "xor", "seed": 0, "device": "cpu", "status": "ok"}\n',
         "records lack suite_config"),
    ],
)
def test_unusable_results_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "r.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ResultsFileError, match=message):
        plan_resume(path)


def test_mixed_suites_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, SUITE, {0: "ok"})
    other = Suite(name="other", backends=["numpy"], tasks=["xor"], seeds=[0, 1, 2, 3], threads=1)
    _write(path, other, {1: "ok"})
    with pytest.raises(ResultsFileError, match="mixes runs of different suites"):
        plan_resume(path)

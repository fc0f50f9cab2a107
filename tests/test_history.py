"""``python -m bench history``: the long table, the median/MAD verdict, the gate, environments, the cache."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest
from synthetic_results import ENV, record, write

from bench.cli import main
from bench.report.history import history, metric_verdict, robust_band, time_verdict

BACKENDS = (("numpy", 0.01), ("torch", 0.05), ("sklearn", 0.1))


def env_of(backend: str, torch_version: str = "2.13.0") -> dict:
    """As a worker records it: numpy and the backend's own packages."""
    own = {"torch": {"torch": torch_version}, "sklearn": {"scikit-learn": "1.6.1"}}.get(backend, {})
    return {**ENV, "packages": {**ENV["packages"], **own}}


def write_runs(folder: Path, runs: int = 6, slow: tuple[str, str] | None = None, factor: float = 2.0,
               env_of_last: dict | None = None, torch_of_last: str = "2.13.0") -> list[Path]:
    """``runs`` synthetic runs a day apart; in the newest, ``slow`` (backend, task) is ``factor``× slower
    and torch's version is ``torch_of_last``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    paths = []
    for run in range(runs):
        records = []
        newest = run == runs - 1
        for task in ("xor", "and"):
            for backend, base in BACKENDS:
                for seed in range(3):
                    fit = base * (1 + 0.05 * rng.random())
                    if newest and slow == (backend, task):
                        fit *= factor
                    env = env_of(backend, torch_of_last if newest else "2.13.0")
                    records.append(record(backend, task, seed, fit=fit,
                                          env=env_of_last if newest and env_of_last else env,
                                          started_at=f"2026-11-{10 + run:02d}T03:00:0{seed}+00:00"))
        paths.append(write(folder / f"202611{10 + run:02d}-030000.jsonl", records))
    return paths


def test_robust_rule():
    assert robust_band([1.0, 1.0, 1.1, 5.0]) == (1.05, pytest.approx(3 * 1.4826 * 0.05))
    assert time_verdict([1.0, 1.02, 0.98, 1.01], 1.5)[0] == "slower"
    assert time_verdict([1.0, 1.02, 0.98, 1.01], 1.05)[0] == "unchanged"  # beyond the MAD band, under 10 %
    assert time_verdict([1.0, 1.0, 1.0], 1.09)[0] == "unchanged"  # MAD 0: the 10 % floor decides
    assert time_verdict([1.0, 1.02, 0.98, 1.01], 0.5)[0] == "faster"
    assert time_verdict([1.0, 1.0, 9.0, 1.0], 1.02)[0] == "unchanged"  # one outlying past run is ignored
    assert metric_verdict([1.0, 1.0, 1.0], 0.75, lower_better=False, name="accuracy")[0] == "worse"
    assert metric_verdict([0.2, 0.2, 0.2], 0.1, lower_better=True, name="rmse")[0] == "better"
    assert metric_verdict([1.0, 1.0, 1.0], 1.0, lower_better=False, name="accuracy")[0] == "unchanged"


def test_slowed_cell_caught_and_unchanged_cells_pass(tmp_path, capsys):
    write_runs(tmp_path / "results", slow=("torch", "xor"))
    out = tmp_path / "out"
    assert main(["history", str(tmp_path / "results"), "-o", str(out), "--fail-on-regression"]) == 1
    captured = capsys.readouterr()
    assert "regression: torch × xor (closed): slower" in captured.err
    assert "1 slower, 5 unchanged" in captured.out
    result = history([tmp_path / "results"])
    verdicts = {(v.key.backend, v.key.task): v.verdict for v in result.verdicts}
    assert verdicts.pop(("torch", "xor")) == "slower"
    assert set(verdicts.values()) == {"unchanged"}
    with (out / "history.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 6 * 6
    assert {"run_time", "environment", "division", "metric", "fit_median_s"} <= set(rows[0])
    figures = sorted(p.name for p in out.glob("history-*.png"))
    assert figures == ["history-and-closed.png", "history-xor-closed.png"]


def test_unchanged_history_passes_the_gate(tmp_path, capsys):
    write_runs(tmp_path / "results")
    assert main(["history", str(tmp_path / "results"), "--fail-on-regression", "--no-plots"]) == 0
    assert "6 unchanged" in capsys.readouterr().out
    assert (tmp_path / "results" / "history" / "history.csv").is_file()  # default: inside the folder


def test_other_environment_is_kept_apart(tmp_path):
    other = {**ENV, "cpu": "Another CPU"}
    write_runs(tmp_path / "results", slow=("torch", "xor"), factor=3.0, env_of_last=other)
    apart = history([tmp_path / "results"])
    assert len(apart.newest) == 2
    # the other machine's one run has no history: nothing judged, nothing flagged there
    theirs = [v for v in apart.verdicts if v.environment != next(iter(apart.newest))]
    assert {v.verdict for v in theirs} == {"too little history"}
    together = history([tmp_path / "results"], all_environments=True)
    slower = {(v.key.backend, v.key.task) for v in together.verdicts if v.verdict == "slower"}
    assert slower == {("torch", "xor")}


def test_a_runs_backends_share_one_environment_though_their_packages_differ(tmp_path):
    """Every backend of a run is judged and drawn together: the machine is the environment."""
    write_runs(tmp_path / "results")
    result = history([tmp_path / "results"])
    assert len(result.newest) == 1 and len({r.packages for r in result.rows}) == 3
    assert {v.verdict for v in result.verdicts} == {"unchanged"}


def test_a_library_upgrade_restarts_that_backends_history_only(tmp_path):
    write_runs(tmp_path / "results", slow=("torch", "xor"), torch_of_last="2.14.0")
    verdicts = {(v.key.backend, v.key.task): v for v in history([tmp_path / "results"]).verdicts}
    upgraded = [verdicts.pop(("torch", task)) for task in ("xor", "and")]
    assert {v.verdict for v in upgraded} == {"too little history"}
    assert all("5 earlier run(s) with other library versions left out" in v.reasons for v in upgraded)
    assert {v.verdict for v in verdicts.values()} == {"unchanged"}


def test_a_newest_run_of_one_backend_judges_that_backend_only(tmp_path, capsys):
    write_runs(tmp_path / "results")
    newest = [record("torch", t, s, fit=0.05, env=env_of("torch"), started_at=f"2026-11-20T03:00:0{s}+00:00")
              for t in ("xor", "and") for s in range(3)]
    write(tmp_path / "results" / "20261120-030000.jsonl", newest)
    result = history([tmp_path / "results"])
    assert {v.key.backend for v in result.verdicts} == {"torch"} and not result.missing
    newest = [r for r in newest if r["task"] == "xor"]  # torch ran, but not on and
    write(tmp_path / "results" / "20261121-030000.jsonl",
          [{**r, "started_at": r["started_at"].replace("-20T", "-21T")} for r in newest])
    assert [key.task for _, key in history([tmp_path / "results"]).missing] == ["and"]


def test_bad_input_is_one_error_line(tmp_path, capsys):
    assert main(["history", str(tmp_path / "nowhere")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["history", str(tmp_path / "empty")]) == 2
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"name": "not ours"}\n')
    assert main(["history", str(foreign), "-o", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert not (tmp_path / "out").exists()  # nothing written


def test_cache_is_used_and_rebuilt_when_a_file_changes(tmp_path):
    paths = write_runs(tmp_path / "results", runs=4)
    cache = tmp_path / "cache.parquet"
    first = history([tmp_path / "results"], cache=cache)
    assert cache.is_file()
    stamp = cache.stat().st_mtime_ns
    again = history([tmp_path / "results"], cache=cache)
    assert [r.row() for r in again.rows] == [r.row() for r in first.rows]
    assert cache.stat().st_mtime_ns == stamp  # nothing changed: the cache is not rewritten
    # the newest run is re-run slower: its file changes, its rows are read again
    newest = paths[-1]
    records = [record(b, t, s, fit=base * 3, env=env_of(b), started_at=f"2026-11-13T03:00:0{s}+00:00")
               for t in ("xor", "and") for b, base in BACKENDS for s in range(3)]
    write(newest, records)
    os.utime(newest, ns=(stamp + 10**9, stamp + 10**9))
    changed = history([tmp_path / "results"], cache=cache)
    assert {v.verdict for v in changed.verdicts} == {"slower"}
    cache.write_bytes(b"not parquet")  # a broken cache is ignored and rewritten
    assert len(history([tmp_path / "results"], cache=cache).rows) == len(changed.rows)


@pytest.mark.parametrize("entry", ["folder", "dangling link", "link to a folder", "unreadable"])
def test_an_entry_that_is_not_a_readable_results_file_is_one_error_line_exit_2(tmp_path, capsys, entry):
    folder = tmp_path / "results"
    write_runs(folder, runs=2)
    odd = folder / "odd.jsonl"
    if entry == "folder":
        odd.mkdir()
    elif entry == "dangling link":
        odd.symlink_to(tmp_path / "nowhere.jsonl")
    elif entry == "link to a folder":
        (tmp_path / "dir").mkdir()
        odd.symlink_to(tmp_path / "dir")
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads unreadable files")
        odd.write_text("{}\n")
        odd.chmod(0)
    assert main(["history", str(folder), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "odd.jsonl" in err
    assert not (tmp_path / "out").exists()

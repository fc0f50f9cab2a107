"""The tuned division: one search space for every backend, untouched test rows, failing trials, resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tuned_fakes

from bench.core import registry
from bench.core.record import CellConfig
from bench.core.tuning import TrialResult, TrialValues, TuningError, TuningSpace, best_trial, validation_rows
from bench.run.entry import run_unit_safely
from bench.run.harness import run_suite
from bench.run.suite import Suite, SuiteError
from bench.run.tuning import journal_path, new_study

pytest.importorskip("optuna")


def tuned_cell(backend: str, seed: int = 0, **space: Any) -> CellConfig:
    return CellConfig(backend=backend, task="diabetes", seed=seed, division="tuned",
                      tuning={"space": TuningSpace(**space).to_dict()})


def in_process(config: CellConfig) -> dict[str, Any]:
    """A runner without a subprocess (the fakes here neither crash nor hang)."""
    return run_unit_safely(config).to_dict()


def trial_values(cell: CellConfig) -> list[TrialValues]:
    return [values for _, values in new_study(cell).asked]


def test_every_backend_gets_the_same_trial_values_for_a_seed() -> None:
    backends = ["numpy", "sklearn", "torch", "keras"]
    sequences = [trial_values(tuned_cell(name, trials=8)) for name in backends]
    assert all(sequence == sequences[0] for sequence in sequences)
    assert len(sequences[0]) == 8
    space = TuningSpace()
    for values in sequences[0]:
        assert space.learning_rate[0] <= values.learning_rate <= space.learning_rate[1]
        assert values.batch_size in space.batch_size and values.optimizer in space.optimizers
    assert trial_values(tuned_cell("numpy", seed=1, trials=8)) != sequences[0]  # the seed draws them


def test_validation_rows_depend_on_the_seed_only_and_never_overlap() -> None:
    fit, held = validation_rows(100, 3, 0.2)
    again_fit, again_held = validation_rows(100, 3, 0.2)
    assert np.array_equal(fit, again_fit) and np.array_equal(held, again_held)
    assert len(held) == 20 and not set(fit) & set(held) and sorted({*fit, *held}) == list(range(100))
    assert not np.array_equal(validation_rows(100, 4, 0.2)[1], held)
    with pytest.raises(TuningError):
        validation_rows(1, 0, 0.2)


def test_best_trial_takes_the_direction_and_the_earlier_of_equals() -> None:
    values = TrialValues(0.1, 16, "sgd")
    trials = [TrialResult(0, values, "ok", validation_score=0.5, best_epoch=1),
              TrialResult(1, values, "failed"),
              TrialResult(2, values, "ok", validation_score=0.9, best_epoch=2),
              TrialResult(3, values, "ok", validation_score=0.9, best_epoch=3)]
    assert best_trial(trials, "max").number == 2  # type: ignore[union-attr]
    assert best_trial(trials, "min").number == 0  # type: ignore[union-attr]
    assert best_trial([trials[1]], "max") is None


@pytest.mark.parametrize("table, message", [
    ({"trials": 0}, "tuning.trials"),
    ({"learning_rate": [0.1, 0.01]}, "0 < low < high"),
    ({"learning_rate": [0.1]}, "[low, high]"),
    ({"optimizers": ["rmsprop"]}, "tuning.optimizers"),
    ({"batch_size": []}, "no batch size"),
    ({"batch_size": [16, 16]}, "more than once"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"momentum": True}, "momentum"),
    ({"sampler": "tpe"}, "sampler"),
    ({"epoch": 3}, "unknown tuning key"),
    ({"trials": "many"}, "tuning.trials"),
])
def test_a_bad_tuning_table_is_refused(table: dict[str, Any], message: str) -> None:
    suite = Suite(backends=["numpy"], tasks=["xor"], seeds=[0], divisions=["tuned"], tuning=table)
    with pytest.raises(SuiteError, match=message.replace("[", r"\[").replace("]", r"\]")):
        suite.validate()


def test_a_bad_tuning_table_is_one_error_line_and_writes_nothing(tmp_path: Path) -> None:
    suite = tmp_path / "bad.toml"
    suite.write_text('backends = ["numpy"]\ntasks = ["xor"]\ndivisions = ["tuned"]\n'
                     '[tuning]\nlearning_rate = [1.0, 0.1]\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = subprocess.run([sys.executable, "-m", "bench", "run", "--suite", str(suite), "--output", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env=tuned_fakes.plugin_environment())
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error: ")
    assert "learning_rate" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def tuned_suite(backends: list[str], trials: int = 3, **space: Any) -> Suite:
    return Suite(backends=backends, tasks=["diabetes"], seeds=[0], divisions=["tuned"], threads=1,
                 overrides={"epochs": 3}, curve_points=3, tuning={"trials": trials, **space})


def digests(lines: list[str], kind: str) -> set[str]:
    return {line.split()[1] for line in lines if line.startswith(kind + " ")}


def test_trials_never_see_the_test_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tuned_fakes.register(monkeypatch)
    spy = tmp_path / "spy.txt"
    seen: dict[str, list[str]] = {"trial": [], "final": []}

    def spying(config: CellConfig) -> dict[str, Any]:
        monkeypatch.setenv(tuned_fakes.SPY_VARIABLE, str(spy))
        record = in_process(config)
        seen[(config.tuning or {})["role"]] += spy.read_text(encoding="utf-8").splitlines()
        spy.unlink()
        return record

    records = run_suite(tuned_suite(["tuned-spy"]), tmp_path / "out.jsonl", runner=spying, progress=None)
    task = registry.task("diabetes")
    task.read_data()
    split = task.splits(0)[0]
    test_rows = set(tuned_fakes.row_digests(split.X_test))
    fit, held = validation_rows(len(split.X_train), 0, TuningSpace().validation_fraction)
    held_rows = set(tuned_fakes.row_digests(split.X_train[held]))
    assert digests(seen["trial"], "fit") == set(tuned_fakes.row_digests(split.X_train[fit]))
    assert not digests(seen["trial"], "fit") & held_rows  # validation rows are never trained on
    assert not (digests(seen["trial"], "fit") | digests(seen["trial"], "predict")) & test_rows
    assert digests(seen["trial"], "predict") == held_rows
    assert digests(seen["final"], "fit") == set(tuned_fakes.row_digests(split.X_train[fit]))  # as trials
    [final] = records
    assert final["status"] == "ok" and final["division"] == "tuned"
    assert len(final["tuning"]["trials"]) == 3 and final["tuning"]["chosen"] is not None
    assert final["spec"]["epochs"] == final["tuning"]["chosen_epochs"]
    journal = [json.loads(line) for line in journal_path(tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["trial"]["number"] for r in journal] == [0, 1, 2]


def test_a_crashing_trial_costs_one_trial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tuned_fakes.register(monkeypatch)
    suite = tuned_suite(["tuned-crash-adam"], trials=5)
    asked = trial_values(suite.cells()[0])
    assert {"sgd", "adam"} <= {values.optimizer for values in asked}
    [final] = run_suite(suite, tmp_path / "out.jsonl", progress=None)
    trials = final["tuning"]["trials"]
    assert len(trials) == 5
    for trial, values in zip(trials, asked):
        assert trial["values"] == values.to_dict()
        assert (trial["status"] == "failed") == (values.optimizer == "adam")
        if values.optimizer == "adam":
            assert "worker crashed" in trial["reason"]
    assert final["status"] == "ok" and final["tuning"]["chosen_values"]["optimizer"] == "sgd"


def test_resume_in_the_middle_of_a_tuning_equals_an_uninterrupted_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.run.resume import plan_resume

    suite = tuned_suite(["numpy"], trials=5)
    whole = run_suite(suite, tmp_path / "whole.jsonl", runner=in_process, progress=None)

    ran: list[int] = []

    def interrupted(config: CellConfig) -> dict[str, Any]:
        if len(ran) == 2:
            raise KeyboardInterrupt
        ran.append((config.tuning or {})["number"])
        return in_process(config)

    cut = tmp_path / "cut.jsonl"
    cut.touch()  # as `run` claims it
    with pytest.raises(KeyboardInterrupt):
        run_suite(tuned_suite(["numpy"], trials=5), cut, runner=interrupted, progress=None)
    assert not cut.read_text()  # no cell finished: only the journal holds trials
    assert len(journal_path(cut).read_text().splitlines()) == 2

    plan = plan_resume(cut)
    assert plan.done == 0 and len(plan.missing) == 1
    resumed_trials: list[int] = []

    def counting(config: CellConfig) -> dict[str, Any]:
        if (config.tuning or {})["role"] == "trial":
            resumed_trials.append(config.tuning["number"])  # type: ignore[index]
        return in_process(config)

    [final] = run_suite(plan.suite, cut, runner=counting, progress=None, cells=plan.missing)
    assert resumed_trials == [2, 3, 4]
    strip = ("fit_seconds", "wall_seconds")
    assert [{k: v for k, v in t.items() if k not in strip} for t in final["tuning"]["trials"]] == [
        {k: v for k, v in t.items() if k not in strip} for t in whole[0]["tuning"]["trials"]]
    assert final["tuning"]["chosen"] == whole[0]["tuning"]["chosen"]
    assert final["metrics"] == whole[0]["metrics"]


def test_tuned_cells_are_their_own_division_and_key() -> None:
    suite = Suite(backends=["numpy"], tasks=["xor"], seeds=[0], divisions=["open", "tuned"])
    suite.validate()
    open_cell, tuned = suite.cells()
    assert open_cell.tuning is None and tuned.tuning == {"space": TuningSpace().to_dict()}
    assert open_cell.key() != tuned.key() and tuned.key().division == "tuned"


def test_division_all_and_trials_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from bench.commands import run as run_command

    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    args = parser.parse_args(["--backend", "numpy", "--task", "xor", "--division", "all", "--trials", "4"])
    suite = run_command.build_suite(args)
    assert suite.divisions == ["closed", "open", "tuned"] and suite.tuning == {"trials": 4}
    both = run_command.build_suite(parser.parse_args(["--backend", "numpy", "--task", "xor",
                                                      "--division", "both"]))
    assert both.divisions == ["closed", "open"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--trials", "0"])


def test_a_taken_journal_name_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.cli import main

    monkeypatch.chdir(tmp_path)
    journal = journal_path(tmp_path / "out.jsonl")
    journal.write_text("someone else's\n", encoding="utf-8")
    assert main(["run", "--backend", "numpy", "--task", "xor", "--division", "tuned", "--output", "out.jsonl"]
                ) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "trials.jsonl" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [journal.name]
    assert journal.read_text(encoding="utf-8") == "someone else's\n"


@pytest.mark.slow
def test_trials_spread_over_dask_workers_equal_a_serial_tuning(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from bench.run.executors import DaskExecutor

    suite = Suite(backends=["numpy"], tasks=["diabetes"], seeds=[0, 1], divisions=["tuned"], threads=1,
                  overrides={"epochs": 3}, curve_points=3, tuning={"trials": 3})
    serial = run_suite(suite, tmp_path / "serial.jsonl", progress=None)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    executor = DaskExecutor(distributed.Client(cluster), cluster)
    try:
        spread = run_suite(suite, tmp_path / "dask.jsonl", progress=None, executor=executor)
    finally:
        executor.close()

    def choices(records: list[dict[str, Any]]) -> dict[int, Any]:
        return {r["seed"]: ([(t["values"], t["validation_score"]) for t in r["tuning"]["trials"]],
                            r["tuning"]["chosen"], r["metrics"]) for r in records}

    assert choices(spread) == choices(serial)
    assert all(r["executor"] == "dask" for r in spread)
    journal = [json.loads(line) for line in journal_path(tmp_path / "dask.jsonl").read_text().splitlines()]
    assert len(journal) == 6 and {r["start"]["mode"] for r in journal} == {"cold"}


@pytest.mark.slow
def test_kill_9_mid_tuning_then_resume_runs_only_the_missing_trials(tmp_path: Path) -> None:
    import os
    import signal
    import time

    results = tmp_path / "run.jsonl"
    journal = journal_path(results)
    env = {**tuned_fakes.plugin_environment(), tuned_fakes.SLOW_VARIABLE: "0.5"}
    command = [sys.executable, "-m", "bench", "run", "--backend", "tuned-slow", "--task", "diabetes",
               "--seed", "0", "--division", "tuned", "--trials", "4", "--set", "epochs=2", "--threads", "1",
               "--output", str(results)]
    harness = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while harness.poll() is None and time.monotonic() < deadline and not (
            journal.exists() and journal.read_text().count("\n") >= 1):
        time.sleep(0.05)
    os.kill(harness.pid, signal.SIGKILL)
    harness.wait()
    before = journal.read_text().splitlines()
    assert 1 <= len(before) < 4 and not results.read_text()

    resumed = subprocess.run([sys.executable, "-m", "bench", "run", "--resume", str(results)], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} replayed from the journal, {4 - len(before)} to run" in resumed.stderr
    after = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["trial"]["number"] for r in after] == [0, 1, 2, 3]
    [final] = [json.loads(line) for line in results.read_text().splitlines()]
    assert final["status"] == "ok" and len(final["tuning"]["trials"]) == 4


def test_a_backend_that_cannot_train_the_task_is_skipped_not_failed(tmp_path: Path) -> None:
    suite = tuned_suite(["numpy-perceptron"], trials=2)  # no regression: every trial is skipped
    suite.validate()
    [final] = run_suite(suite, tmp_path / "out.jsonl", runner=in_process, progress=None)
    assert final["status"] == "skipped" and "regression" in final["reason"]
    assert [t["status"] for t in final["tuning"]["trials"]] == ["skipped", "skipped"]


def test_the_tuned_suite_file_plans_the_same_budget_for_every_backend() -> None:
    from bench.run.suite import load_suite

    suite = load_suite(Path(__file__).resolve().parents[1] / "suites" / "tuned.toml")
    suite.validate()
    tuned = [cell for cell in suite.cells() if cell.division == "tuned"]
    assert len(tuned) == len(suite.backends) * len(suite.tasks) * len(suite.seeds)
    assert all(cell.tuning == tuned[0].tuning for cell in tuned)
    assert {cell.division for cell in suite.cells()} == {"open", "tuned"}


def test_an_interrupted_tuning_says_to_resume_when_only_the_journal_holds_trials(tmp_path: Path) -> None:
    from collections import Counter

    from bench.commands.run import _stopped_summary
    from bench.core.record import empty_record
    from bench.core.results import ResultsWriter

    output = tmp_path / "out.jsonl"
    output.touch()
    assert "start the run again" in _stopped_summary(Counter(), 1, output)
    record = empty_record(tuned_cell("numpy"))
    record.trial = TrialResult(0, TrialValues(0.1, 16, "sgd")).to_dict()
    ResultsWriter(journal_path(output)).append(record)
    message = _stopped_summary(Counter(), 1, output)
    assert "1 trials" in message and "--resume" in message

"""One cell in-process: learning-curve sampling, early stops and the wall-time breakdown."""

from __future__ import annotations

import pytest

from bench.core.record import MAX_CURVE_POINTS, CellConfig
from bench.run.curves import AFTER_TARGET_EVERY
from bench.run.worker import run_cell


def test_an_early_stop_between_curve_samples_still_gets_its_last_point() -> None:
    # The perceptron stops on OR after 3 of 500 allowed epochs; samples fall every 5 epochs.
    record = run_cell(CellConfig(backend="numpy-perceptron", task="or", seed=0)).to_dict()
    assert record["status"] == "ok" and record["epochs"] < 5
    assert record["curve"][-1]["epoch"] == record["epochs"]
    assert record["curve"][-1]["accuracy"] == record["metrics"]["accuracy"] == 1.0
    assert record["epochs_to_target"] is not None and record["epochs_to_target"] <= record["epochs"]


def test_phase_seconds_split_the_wall_time() -> None:
    record = run_cell(CellConfig(backend="numpy", task="xor", seed=0)).to_dict()
    phases = record["phase_seconds"]
    assert set(phases) == {"imports", "setup", "data", "fit", "curve", "predict", "scoring"}
    assert all(seconds >= 0 for seconds in phases.values())
    assert phases["fit"] == record["fit_seconds"]
    assert record["evaluation"]["train_rows"] == 4  # the truth table: with the spec, an epoch's arithmetic
    # 1 untimed + 3 timed calls: the two slowest timed calls alone take at least twice their median.
    assert phases["predict"] >= 2 * record["predict_seconds"]
    # The phases cover the wall time but for the few statements between them (generous: a loaded machine).
    assert sum(phases.values()) <= record["wall_seconds"] == pytest.approx(sum(phases.values()), abs=0.5)


def test_curves_are_sampled_and_kept_for_the_first_split_only() -> None:
    record = run_cell(CellConfig(backend="numpy", task="credit-risk", seed=0)).to_dict()
    assert record["evaluation"]["folds"] == 14 and 0 < record["evaluation"]["train_rows"]
    epochs = [point["epoch"] for point in record["curve"]]
    assert epochs == sorted(set(epochs)) and len(epochs) <= MAX_CURVE_POINTS + 2
    assert epochs[0] == 1 and epochs[-1] == record["epochs"]


def test_after_the_target_the_metric_is_sampled_sparser_and_the_loss_throughout() -> None:
    record = run_cell(CellConfig(backend="numpy", task="xor", seed=0)).to_dict()
    curve, name, reached = record["curve"], "accuracy", record["epochs_to_target"]
    assert reached is not None and all("loss" in point for point in curve)
    assert all(name in point for point in curve if point["epoch"] <= reached)
    after = [point for point in curve if point["epoch"] > reached]
    scored = [point for point in after if name in point]
    assert after and 0 < len(scored) <= len(after) // AFTER_TARGET_EVERY + 1
    assert curve[-1]["epoch"] == record["epochs"] and name in curve[-1]


def test_curve_points_bound_the_held_out_evaluations_and_zero_switches_them_off() -> None:
    few = run_cell(CellConfig(backend="numpy", task="xor", seed=0, curve_points=10)).to_dict()
    assert len(few["curve"]) <= 10 + 2 and few["epochs_to_target"] is not None
    off = run_cell(CellConfig(backend="numpy", task="xor", seed=0, curve_points=0)).to_dict()
    assert off["status"] == "ok" and off["curve"] == [] and off["phase_seconds"]["curve"] == 0
    assert off["epochs_to_target"] is None and off["time_to_target_seconds"] is None
    assert off["metrics"] == few["metrics"]  # evaluating along the way changes no training step


def test_a_run_without_curves_says_why_it_has_no_time_to_target() -> None:
    from bench.report.summary import summarise
    from bench.report.tables import target_rows

    record = run_cell(CellConfig(backend="numpy", task="xor", seed=0, curve_points=0)).to_dict()
    record["cell"] = CellConfig(backend="numpy", task="xor", curve_points=0).to_dict()
    rows = target_rows(summarise([record]))
    assert rows[0]["verdict"] == "n/a: learning curves off (--curve-points 0)"


def test_a_cell_of_the_open_division_trains_open_and_records_its_recipe() -> None:
    closed = run_cell(CellConfig(backend="numpy", task="xor", seed=0)).to_dict()
    opened = run_cell(CellConfig(backend="numpy", task="xor", seed=0, division="open")).to_dict()
    assert closed["division"] == "closed" and closed["recipe"] is None
    assert closed["spec"]["dtype"] == "float64"
    assert opened["status"] == "ok" and opened["division"] == "open"
    assert opened["spec"]["dtype"] == "float32"  # the open division's default dtype
    assert opened["recipe"]["library"] == "backends.scratch" and opened["recipe"]["dtype"] == "float32"
    asked = run_cell(CellConfig(backend="numpy", task="xor", seed=0, division="open",
                                overrides={"dtype": "float64"})).to_dict()
    assert asked["spec"]["dtype"] == "float64"  # unless the spec says otherwise

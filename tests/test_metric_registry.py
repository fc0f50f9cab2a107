"""The metric registry: each metric declared once, with its direction and the task kinds it applies to."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_results import record

from bench.core import metrics
from bench.core.record import as_records
from bench.core.task import Task
from bench.report.compare import compare_records
from bench.report.summary import lower_is_better, main_metric, summarise


def test_directions_come_from_the_registry() -> None:
    assert {name: m.direction for name, m in metrics.METRICS.items()} == {
        "accuracy": "max", "r2": "max", "rmse": "min", "mse": "min", "mae": "min",
        "confusion_matrix": None, "loss": "min", "log_loss": "min"}
    assert [lower_is_better(name) for name in ("accuracy", "r2", "rmse", "mse", "mae", "loss")] == [
        False, False, True, True, True, True]
    assert metrics.direction("something_new") == "max"  # unregistered: higher is better, as before


def test_the_tasks_target_direction_wins() -> None:
    records = as_records([record(target={"metric": "accuracy", "value": 0.1, "direction": "min"})])
    assert lower_is_better("accuracy", records) and not lower_is_better("accuracy")


def test_kinds_and_defaults() -> None:
    assert metrics.default_metrics("binary") == ("accuracy", "mse", "confusion_matrix")
    assert metrics.default_metrics("multiclass") == ("accuracy", "mse", "confusion_matrix")
    assert metrics.default_metrics("regression") == ("rmse", "mae", "r2")
    Y, out = np.array([[0.0], [1.0], [1.0]]), np.array([[0.2], [0.9], [0.3]])
    assert list(metrics.score("binary", Y, out)) == ["accuracy", "mse", "confusion_matrix"]
    assert metrics.score("binary", Y, out)["accuracy"] == pytest.approx(2 / 3)
    assert list(metrics.score("regression", Y, out, target_scale=2.0)) == ["rmse", "mae", "r2"]
    with pytest.raises(ValueError, match="does not apply to binary tasks"):
        metrics.score("binary", Y, out, names=["r2"])


def test_a_task_declares_its_metrics() -> None:
    class Declared(Task):
        name, kind, metrics = "declared", "binary", ("accuracy",)

        def splits(self, seed):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def default_spec(self):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def info(self):  # type: ignore[no-untyped-def]
            raise NotImplementedError

    class Default(Declared):
        metrics = ()
        kind = "regression"

    assert metrics.task_metrics(Declared()) == ("accuracy",)
    assert metrics.task_metrics(Default()) == ("rmse", "mae", "r2")
    scored = metrics.score("binary", np.ones((2, 1)), np.ones((2, 1)), names=metrics.task_metrics(Declared()))
    assert scored == {"accuracy": 1.0}


def test_the_main_metric_is_the_registrys_preferred_one_without_a_target() -> None:
    records = as_records([record(target=None, metrics={"mae": 2.0, "rmse": 3.0, "r2": 0.5})])
    assert main_metric(records) == "r2"
    records = as_records([record(target=None, metrics={"mae": 2.0, "rmse": 3.0})])
    assert main_metric(records) == "rmse"


def test_summary_and_compare_read_directions_from_the_registry() -> None:
    noisy = [0.30, 0.34, 0.28, 0.33, 0.31]
    old = [record(seed=s, target=None, metrics={"rmse": v}) for s, v in enumerate(noisy)]
    new = [record(seed=s, target=None, metrics={"rmse": v + 0.2}) for s, v in enumerate(noisy)]
    (summary,) = summarise(old)
    assert summary.metric == "rmse"
    (cell,) = compare_records(old, new).cells
    assert cell.verdict == "worse"  # rmse went up: lower is better
    (cell,) = compare_records(new, old).cells
    assert cell.verdict == "better"

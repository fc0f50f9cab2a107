"""One rule: a record is "ok" only if its metrics are finite; extreme data standardises without overflow."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.core import metrics
from bench.core.record import CellConfig
from bench.core.task import TaskDataError
from bench.run.worker import run_cell_safely
from tasks.preprocessing import Standardiser
from tasks.table_file import FileTaskDefinition, TableFileTask


@pytest.mark.parametrize("magnitude", [1.0, 1e-300, 1e150, 1e200, 1e300, 1.7e308])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_standardising_extreme_columns_neither_overflows_nor_zeroes(magnitude, sign):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(50, 3)) * magnitude * sign
    z = Standardiser(X).transform(X)
    assert np.all(np.isfinite(z))
    assert np.allclose(z.mean(axis=0), 0, atol=1e-9) and np.allclose(z.std(axis=0), 1, atol=1e-9)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_value_is_refused_naming_its_column(bad):
    X = np.ones((5, 3))
    X[2, 1] = bad
    with pytest.raises(ValueError, match="column 1"):
        Standardiser(X)


@pytest.mark.parametrize(("correct", "prediction", "expected"), [
    ([[1e300], [-1e300]], [[1e300], [-1e300]], {"rmse": 0.0, "mae": 0.0, "r2": 1.0}),
    ([[1e200], [-1e200]], [[0.0], [0.0]], {"rmse": 1e200, "mae": 1e200, "r2": 0.0}),
])
def test_regression_metrics_of_huge_values_are_exact_not_overflowed(correct, prediction, expected):
    for name, value in expected.items():
        got = metrics.score("regression", np.array(correct), np.array(prediction), only=name)[name]
        assert got == pytest.approx(value)


@pytest.mark.parametrize(("correct", "outputs", "reason"), [
    ([[3.0]], [[2.9]], "r2 is undefined on 1 test row"),
    ([[3.0], [3.0], [3.0]], [[2.9], [3.0], [3.1]], "targets are all equal"),
    ([[1.5e308], [-1.5e308]], [[-1.5e308], [1.5e308]], "overflows float64"),  # rmse 3e308
    ([[1.5e308], [1.0]], [[-1.5e308], [1.0]], "overflows float64"),
])
def test_a_metric_that_is_not_finite_raises_with_its_reason(correct, outputs, reason):
    with pytest.raises(metrics.UndefinedMetricError, match=reason):
        metrics.score("regression", np.array(correct), np.array(outputs))


def table_task(tmp_path: Path, frame: pd.DataFrame, target: str, **options: object) -> TableFileTask:
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    return TableFileTask("t", FileTaskDefinition(file=str(path), target=target, **options))  # type: ignore[arg-type]


def cell(task: TableFileTask, epochs: int = 60) -> dict:
    config = CellConfig(backend="numpy", task=task.name, seed=0, task_file=task.pinned_definition(),
                        overrides={"epochs": epochs})
    return run_cell_safely(config).to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("magnitude", [1e200, -1e200, 1e300])
def test_separable_data_of_extreme_magnitude_learns_as_unscaled_data_does(tmp_path, magnitude):
    rng = np.random.default_rng(1)
    label = np.arange(80) % 2
    a, b = label * 2 - 1 + rng.normal(0, 0.1, 80), rng.normal(size=80)
    (tmp_path / "plain").mkdir()
    plain = cell(table_task(tmp_path / "plain", pd.DataFrame({"a": a, "b": b, "y": label}), "y"), 300)
    huge = cell(table_task(tmp_path, pd.DataFrame({"a": a * magnitude, "b": b, "y": label}), "y"), 300)
    assert huge["status"] == plain["status"] == "ok"
    accuracy = huge["metrics"]["accuracy"]
    assert accuracy == pytest.approx(plain["metrics"]["accuracy"]) and accuracy >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize(("scale", "status"), [(1e300, "ok"), (-1e300, "ok"), (1e307, None), (1.2e308, None)])
def test_a_target_near_the_float64_limit_is_scored_exactly_or_failed_never_ok_with_nan(tmp_path, scale,
                                                                                      status):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=40)
    frame = pd.DataFrame({"x": x, "y": np.clip(x + rng.normal(0, 0.3, 40), -1, 1) * scale})
    record = cell(table_task(tmp_path, frame, "y"))
    assert record["status"] == (status or record["status"]), record["reason"]
    if record["status"] == "ok":  # ok: every metric finite, and right
        assert all(math.isfinite(record["metrics"][name]) for name in ("rmse", "mae", "r2"))
        assert record["metrics"]["r2"] > 0.3
    else:  # near the limit, predictions may leave float64: failed, saying so
        assert record["status"] == "failed" and "overflow" in record["reason"], record["reason"]


@pytest.mark.parametrize(("rows", "test_size"), [(20, 0.01), (20, 0.05), (3, 0.5), (20, 0.99)])
def test_a_regression_split_too_small_to_score_is_refused_up_front(tmp_path, rows, test_size):
    frame = pd.DataFrame({"x": np.arange(rows, dtype=float), "y": np.arange(rows) * 1.5})
    with pytest.raises(TaskDataError, match="r2 is undefined on one test row"):
        table_task(tmp_path, frame, "y", test_size=test_size, kind="regression").check_data()


@pytest.mark.parametrize("field", ["fit_seconds", "predict_seconds", "metric"])
@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_the_worker_never_writes_ok_with_a_value_that_is_not_finite(field, value):
    from bench.core.record import Record
    from bench.run.worker import not_finite

    def record(**values: object) -> Record:
        return Record(backend="numpy", task="xor", seed=0, status="ok", fit_seconds=1.0, predict_seconds=0.1,
                      **values)  # type: ignore[arg-type]

    broken = record(metrics={"accuracy": 0.9, "confusion_matrix": [[1, 0], [0, 1]]})
    if field == "metric":
        broken.metrics["accuracy"] = value
    else:
        setattr(broken, field, value)
    assert not_finite(broken) == ["accuracy" if field == "metric" else field]
    assert not_finite(record(metrics={"accuracy": 0.9})) == []

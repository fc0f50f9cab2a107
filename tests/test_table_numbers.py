"""Numbers stored as something else (float16, decimal, integers beyond 64 bits, decimal commas) and column
names: one rule for CSV and Parquet."""

from __future__ import annotations

import decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.core.task import TaskDataError
from tasks.table_file import FileTaskDefinition, TableFileTask

N = 40
X = np.linspace(0, 1, N)
LABEL = (X > 0.5).astype(int)


def task(path: Path, target: str) -> TableFileTask:
    return TableFileTask("t", FileTaskDefinition(file=str(path), target=target))


def parquet(tmp_path: Path, columns: dict) -> Path:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def decimals(values: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.array([decimal.Decimal(f"{v:.3f}") for v in values], kind)


@pytest.mark.parametrize(("columns", "target", "kind"), [
    ({"x": X, "y": pa.array((X * 3).astype(np.float16))}, "y", "regression"),
    ({"x": pa.array(X.astype(np.float16)), "y": LABEL}, "y", "binary"),
    ({"x": decimals(X, pa.decimal128(10, 3)), "y": LABEL}, "y", "binary"),
    ({"x": decimals(X, pa.decimal128(38, 3)), "y": LABEL}, "y", "binary"),
    ({"x": decimals(X, pa.decimal256(50, 3)), "y": LABEL}, "y", "binary"),
    ({"x": X, "y": decimals(X * 7, pa.decimal128(12, 3))}, "y", "regression"),
])
def test_parquet_float16_and_decimal_columns_are_numbers(tmp_path, columns, target, kind):
    t = task(parquet(tmp_path, columns), target)
    prepared = t.prepared
    assert prepared.kind == kind
    assert [c.type for c in prepared.columns] == ["numeric"]
    split = t.splits(0)[0]
    assert np.all(np.isfinite(split.X_train)) and np.all(np.isfinite(split.Y_train))


@pytest.mark.parametrize("offset", [2**64, 2**70, -(2**70), 10**30])
def test_csv_integers_beyond_64_bits_are_numbers(tmp_path, offset):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{offset + i * 10**(len(str(abs(offset))) - 3)},{v}\n"
                                      for i, v in enumerate(LABEL)))
    prepared = task(path, "y").prepared
    assert [c.type for c in prepared.columns] == ["numeric"]


def test_an_integer_beyond_float64_is_an_error_naming_the_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{10**400 + i},{v}\n" for i, v in enumerate(LABEL)))
    with pytest.raises(TaskDataError, match="column 'x' holds numbers beyond float64"):
        task(path, "y").check_data()


@pytest.mark.parametrize("write", [lambda v: f"{v:.2f}".replace(".", ","),
                                   lambda v: f"-{v:.3f}".replace(".", ","),
                                   lambda v: f"+{v * 100:.1f}".replace(".", ","),
                                   lambda v: f"1.{int(v * 333) % 1000:03d},5"])  # thousands points too
@pytest.mark.parametrize("column", ["x", "y"])
def test_decimal_commas_are_an_error_naming_the_column(tmp_path, write, column):
    path = tmp_path / "t.csv"
    rows = [(write(x), str(y)) if column == "x" else (str(x), write(x * 3)) for x, y in zip(X, LABEL)]
    path.write_text("x;y\n" + "".join(f"{a};{b}\n" for a, b in rows))
    with pytest.raises(TaskDataError, match=f"column '{column}' holds numbers with a decimal comma"):
        task(path, "y").check_data()


@pytest.mark.parametrize(("names", "message"), [
    (["x", ""], "unnamed"),
    (["x", "  "], "unnamed"),
    (["x", "3"], "no header"),
    (["x", "2.5"], "no header"),
    (["y", "y"], "repeats column name"),
])
def test_parquet_refuses_the_column_names_csv_refuses(tmp_path, names, message):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(X), pa.array(LABEL)], names=names), path)
    with pytest.raises(TaskDataError, match=message):
        task(path, names[0]).check_data()
    csv = tmp_path / "t.csv"
    csv.write_text(",".join(names) + "\n" + "".join(f"{a},{b}\n" for a, b in zip(X, LABEL)))
    with pytest.raises(TaskDataError, match=message):
        task(csv, names[0]).check_data()

"""Numbers a table stores as something else: one rule for CSV and Parquet.

* **Numbers held as objects** — Parquet ``decimal`` columns (read as Python
  ``Decimal``), integers beyond 64 bits (a CSV column of ``2**70``; pandas
  keeps them as Python ints) — are numbers: converted to float64 (a value
  beyond float64's ±1.8e308 is an error naming the column). Parquet
  ``float16`` columns are widened to float64 as they are read.
* **Decimal commas** (``3,14``, ``-0,5`` in a ``;``-separated file) are an
  error naming the column and a value: ``1,000`` may be a thousand or one,
  so nnbench does not guess; save the file with decimal points (or list the
  column as categorical).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bench.core.task import TaskDataError

#: ``3,14``, ``-0,5`` and with thousands points ``1.234,56``
DECIMAL_COMMA = re.compile(r"^\s*[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+\s*$")


def numbers_from_objects(frame: pd.DataFrame, skip: list[str], where: str) -> pd.DataFrame:
    """``frame`` with every object column whose values are all numbers converted to float64."""
    converted = {}
    for name in frame.columns:
        series = frame[name]
        if name in skip or pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        present = series.dropna()
        if present.empty:
            continue
        if all(isinstance(v, str) for v in present):
            _refuse_decimal_commas(present, name, where)
            continue
        if not all(_is_number_object(v) for v in present):
            continue
        try:
            with np.errstate(over="ignore"):
                values = np.array([float(v) if v is not None else np.nan for v in series], dtype=float)
        except OverflowError:
            values = np.array([np.inf])
        if np.isinf(values).any():
            raise TaskDataError(f"{where}: column {name!r} holds numbers beyond float64's range (±1.8e308)")
        converted[name] = values
    return frame.assign(**converted) if converted else frame


def _is_number_object(value: object) -> bool:
    from decimal import Decimal

    return (isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)) or value is None


def _refuse_decimal_commas(values: pd.Series, name: str, where: str) -> None:
    commas = values.map(lambda v: bool(DECIMAL_COMMA.match(v)))
    if commas.sum() * 2 > len(values):
        first = values[commas].iloc[0]
        raise TaskDataError(f"{where}: column {name!r} holds numbers with a decimal comma ({first!r}); "
                            "save the file with decimal points (3.14), or list the column as categorical")


def widen_parquet(table: object) -> object:
    """A pyarrow table with float16 and decimal columns cast to float64."""
    import pyarrow as pa

    fields = table.schema  # type: ignore[attr-defined]
    for index, f in enumerate(fields):
        if pa.types.is_float16(f.type) or pa.types.is_decimal(f.type):
            column = table.column(index).cast(pa.float64(), safe=False)  # type: ignore[attr-defined]
            table = table.set_column(index, f.name, column)  # type: ignore[attr-defined]
    return table

"""From a user's table to the arrays a task hands every backend: column types, target kind, encoding.

Rules (docs/your-own-data.md):

* **Columns**: numbers are used as they are (standardised later on the
  training rows); strings and booleans are categorical, as is any column
  listed in ``categorical``. A categorical column becomes one 0/1 column per
  value found in the file (so every seed trains the same network); per split
  only the values present in the training rows are encoded, and a test row
  whose value the training rows lack encodes as all zeros and is counted
  (:func:`mask_unseen`). A column of text that is mostly numbers (more than
  half of its values parse as numbers) is an error, not a category; so are
  missing values (unless ``dropna``: rows with one are dropped and counted),
  infinite numbers and a string column with a distinct value in nearly every
  row (an identifier: more than max(20, half the rows) values). Numbers a
  file stores as objects (Parquet decimals, integers beyond 64 bits) are
  numbers; decimal commas are an error (:mod:`tasks.table_numbers`).
* **Target kind** unless given: strings or booleans → classification; numbers
  that are all integers with at most :data:`MAX_INTEGER_CLASSES` distinct
  values → classification; any other numbers → regression. Classification
  with two classes is ``binary`` (one sigmoid output, class 1 = the second in
  sorted order), with more ``multiclass`` (softmax). A target with one value is
  an error, and so is a class too small for a stratified holdout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench.core import suggest
from bench.core.task import TaskDataError
from tasks.preprocessing import one_hot_columns
from tasks.table_numbers import numbers_from_objects
from tasks.table_reading import TableFile, megabytes

KINDS = ("auto", "binary", "multiclass", "regression")
#: An integer target with at most this many distinct values is read as class labels.
MAX_INTEGER_CLASSES = 10
#: A string column with more distinct values than max(this, rows / 2) looks like an identifier.
MIN_IDENTIFIER_VALUES = 20


@dataclass
class Column:
    """One feature column as inferred: its type and the input columns it becomes."""

    name: str
    type: str  # "numeric" or "categorical"
    inputs: slice
    categories: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.inputs.stop - self.inputs.start


@dataclass
class PreparedTable:
    """The encoded inputs, the target and what was inferred about them."""

    X: np.ndarray
    target: np.ndarray  # class indices (int) or real values (float)
    kind: str
    classes: list[str]
    columns: list[Column]
    rows_dropped: int
    kind_rule: str = ""  # why the target has this kind
    target_range: tuple[float, float] | None = None

    @property
    def numeric_inputs(self) -> np.ndarray:
        return np.array([i for c in self.columns if c.type == "numeric" for i in range(c.inputs.start,
                                                                                         c.inputs.stop)],
                        dtype=int)

    @property
    def n_outputs(self) -> int:
        return 1 if self.kind in ("binary", "regression") else len(self.classes)


def prepare(table: TableFile, target: str, kind: str = "auto", drop: list[str] | None = None,
            categorical: list[str] | None = None, dropna: bool = False, test_size: float = 0.2,
            memory_available: int | None = None) -> PreparedTable:
    """Infer column types and the target kind, check every rule, encode the inputs."""
    frame, where = table.frame, table.path.name
    drop, categorical = list(drop or []), list(categorical or [])
    if kind not in KINDS:
        raise TaskDataError(f"{where}: {suggest.unknown('kind', kind, KINDS)}")
    known = [str(c) for c in frame.columns]
    frame.columns = known
    for label, names in (("target", [target]), ("drop", drop), ("categorical", categorical)):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise TaskDataError(f"{where}: {unknown_columns(label, unknown, known)}")
    if target in drop or target in categorical:
        raise TaskDataError(f"{where}: the target {target!r} cannot also be dropped or a feature")
    features = [name for name in known if name != target and name not in drop]
    if not features:
        raise TaskDataError(f"{where}: no feature column left besides the target {target!r}")
    frame = numbers_from_objects(frame[[*features, target]], categorical, where)
    frame, dropped = _missing_values(frame, where, dropna)
    kind, classes, labels, rule = _target(frame[target], kind, where)
    if kind != "regression":
        _check_stratifiable(labels, classes, target, test_size, where)
    else:
        _check_scorable(len(frame), test_size, where)
    columns, blocks = _encode(frame[features], categorical, where, memory_available)
    X = np.hstack(blocks) if blocks else np.zeros((len(frame), 0))
    values = labels if kind != "regression" else frame[target].to_numpy(dtype=float)
    span = (float(values.min()), float(values.max())) if kind == "regression" else None
    return PreparedTable(X=X, target=values, kind=kind, classes=classes, columns=columns,
                         rows_dropped=dropped, kind_rule=rule, target_range=span)


def unknown_columns(label: str, unknown: list[str], known: list[str]) -> str:
    """``unknown target column 'Label'; did you mean 'label'? columns: label, id, … (31 in all)``: the
    columns closest to the names given come first, so a long list never hides them."""
    plural = "s" if len(unknown) > 1 else ""
    best = list(dict.fromkeys(m for name in unknown for m in suggest.close_matches(name, known, most=1)))
    hint = f"did you mean {', '.join(map(repr, best))}? " if best else ""
    return (f"unknown {label} column{plural} {', '.join(map(repr, unknown))}; {hint}"
            f"columns: {suggest.listed(known, unknown)}")


def _missing_values(frame: pd.DataFrame, where: str, dropna: bool) -> tuple[pd.DataFrame, int]:
    counts = frame.isna().sum()
    counts = counts[counts > 0]
    if counts.empty:
        return frame, 0
    if not dropna:
        listed = ", ".join(f"{name} ({count})" for name, count in counts.items())
        raise TaskDataError(f"{where}: missing values in {listed}; drop those rows with --dropna "
                            "(dropna = true in a suite) or fill them in the file — nothing is imputed")
    kept = frame.dropna()
    if kept.empty:
        raise TaskDataError(f"{where}: every row has a missing value; nothing is left after --dropna")
    return kept.reset_index(drop=True), len(frame) - len(kept)


def _is_text(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _target(series: pd.Series, kind: str, where: str) -> tuple[str, list[str], np.ndarray, str]:
    """(kind, class names, class index per row, the rule); for regression no classes and no labels."""
    name = series.name
    text = _is_text(series)
    distinct = series.nunique()
    rule = "given"
    if text:
        _check_not_numeric_text(series, where)
    else:
        _check_finite(series, where)
    if kind == "regression":
        if text:
            raise TaskDataError(f"{where}: target {name!r} holds text or booleans; it cannot be a "
                                "regression target (use --kind auto, binary or multiclass)")
        if distinct < 2:
            raise TaskDataError(f"{where}: target {name!r} has one value only; nothing to learn")
        return kind, [], np.empty(0, dtype=int), rule
    if kind == "auto":
        integral = not text and bool(np.all(np.mod(series.to_numpy(dtype=float), 1) == 0))
        if text:
            rule = "inferred: the target holds text or booleans"
        elif integral and distinct <= MAX_INTEGER_CLASSES:
            rule = f"inferred: {distinct} distinct integers (at most {MAX_INTEGER_CLASSES} are classes)"
        else:
            if distinct < 2:
                raise TaskDataError(f"{where}: target {name!r} has one value only; nothing to learn")
            many = "distinct integers" if integral else "distinct numbers, not all integers"
            return "regression", [], np.empty(0, dtype=int), f"inferred: {distinct} {many}"
    values = sorted(series.unique().tolist(), key=str if text else None)
    classes = [_class_name(value) for value in values]
    if len(classes) < 2:
        raise TaskDataError(f"{where}: target {name!r} has one class only ({classes[0]}); "
                            "classification needs at least two")
    if kind == "binary" and len(classes) != 2:
        raise TaskDataError(f"{where}: --kind binary needs two classes, target {name!r} has "
                            f"{len(classes)}: {suggest.listed(classes, most=6)}")
    labels = series.map({value: i for i, value in enumerate(values)}).to_numpy(dtype=int)
    if kind == "auto":
        kind = "binary" if len(classes) == 2 else "multiclass"
    return kind, classes, labels, rule


def _class_name(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_stratifiable(labels: np.ndarray, classes: list[str], target: str, test_size: float,
                        where: str) -> None:
    counts = np.bincount(labels, minlength=len(classes))
    rare = [f"{classes[i]} ({counts[i]})" for i in np.flatnonzero(counts < 2)]
    if rare:
        raise TaskDataError(f"{where}: class(es) {', '.join(rare)} of target {target!r} have fewer than "
                            "2 rows; a stratified holdout needs at least 2 rows per class")
    n_test = math.ceil(test_size * len(labels))
    if n_test < len(classes) or len(labels) - n_test < len(classes):
        raise TaskDataError(f"{where}: {len(labels)} rows split {len(labels) - n_test}/{n_test} leave too "
                            f"few for {len(classes)} classes on each side; change --test-size or add rows")


#: the fewest test rows a regression holdout may have: r2 is undefined on one row
MIN_REGRESSION_TEST_ROWS = 2


def _check_scorable(rows: int, test_size: float, where: str) -> None:
    """A regression holdout with too few test rows to score (r2 needs two) is refused before the run."""
    n_test = math.ceil(test_size * rows)
    if n_test < MIN_REGRESSION_TEST_ROWS or rows - n_test < MIN_REGRESSION_TEST_ROWS:
        raise TaskDataError(f"{where}: {rows} rows split {rows - n_test}/{n_test} leave fewer than "
                            f"{MIN_REGRESSION_TEST_ROWS} rows on a side (r2 is undefined on one test row); "
                            "change --test-size or add rows")


def _check_finite(series: pd.Series, where: str) -> None:
    values = series.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise TaskDataError(f"{where}: column {series.name!r} holds {bad.size} infinite value(s), "
                            f"first in data row {bad[0] + 1}")


def _encode(frame: pd.DataFrame, categorical: list[str], where: str,
            memory_available: int | None) -> tuple[list[Column], list[np.ndarray]]:
    """Numeric columns first (in file order), then the one-hot blocks of the categorical ones."""
    numeric, categories = [], {}
    for name in frame.columns:
        series = frame[name]
        if name in categorical:
            categories[name] = series.astype(str)
        elif pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            text = series.astype(str)
            _check_not_numeric_text(series, where)
            distinct = text.nunique()
            if distinct > max(MIN_IDENTIFIER_VALUES, len(text) / 2):
                raise TaskDataError(
                    f"{where}: column {name!r} has {distinct} distinct values in {len(text)} rows, like an "
                    f"identifier; drop it (--drop {name}) or list it as categorical to one-hot it anyway")
            categories[name] = text
        else:
            _check_finite(series, where)
            numeric.append(name)
    width = len(numeric) + sum(values.nunique() for values in categories.values())
    needed = len(frame) * width * 8 * 4  # the matrix, its standardised train/test copies, the backend's
    if memory_available is not None and needed > memory_available:
        raise TaskDataError(f"{where}: {len(frame)} rows × {width} inputs after one-hot encoding need about "
                            f"{megabytes(needed)}, more than the {megabytes(memory_available)} available")
    columns = [Column(name, "numeric", slice(i, i + 1)) for i, name in enumerate(numeric)]
    blocks = [frame[numeric].to_numpy(dtype=float)] if numeric else []
    start = len(numeric)
    for name, values in categories.items():
        names = sorted(values.unique().tolist())
        columns.append(Column(name, "categorical", slice(start, start + len(names)), names))
        blocks.append(one_hot_columns(values.tolist(), names))
        start += len(names)
    return columns, blocks


def _check_not_numeric_text(series: pd.Series, where: str) -> None:
    """A text column whose values are mostly numbers has a typo, not categories."""
    if pd.api.types.is_bool_dtype(series):
        return
    parsed = pd.to_numeric(series, errors="coerce")
    numbers = int(parsed.notna().sum())
    if numbers * 2 <= len(series) or numbers == len(series):
        return
    bad = np.flatnonzero(parsed.isna().to_numpy())
    shown = ", ".join(repr(series.iloc[i]) for i in bad[:3])
    raise TaskDataError(
        f"{where}: column {series.name!r} is numeric but {bad.size} value(s) are text ({shown}; first in "
        f"data row {bad[0] + 1}); fix the file, or list the column as categorical (--categorical "
        f"{series.name})")


def mask_unseen(X: np.ndarray, columns: list[Column], train: np.ndarray,
                test: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Zero the test rows' one-hot entries of categories absent from the training rows.

    Returns the masked copy of ``X`` and, per categorical column with any, the
    number of test rows whose value the training rows lack (encoded as all zeros).
    """
    X = X.copy()
    unseen: dict[str, int] = {}
    for column in columns:
        if column.type != "categorical":
            continue
        block = np.arange(column.inputs.start, column.inputs.stop)
        absent = block[~X[train][:, block].any(axis=0)]
        if absent.size == 0:
            continue
        rows = test[X[np.ix_(test, absent)].any(axis=1)]
        X[np.ix_(rows, absent)] = 0.0
        if rows.size:
            unseen[column.name] = int(rows.size)
    return X, unseen

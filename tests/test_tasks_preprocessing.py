"""tasks/preprocessing.py: seeded stratified splits, train-only standardisation, class encoding."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.preprocessing import (
    Standardiser,
    classification_split,
    encode_classes,
    hidden_neurons,
    holdout_indices,
    leave_one_out_indices,
    one_hot_columns,
    regression_split,
    standardise,
)

LABELS = np.array([0] * 60 + [1] * 30 + [2] * 10)


def test_holdout_is_deterministic_per_seed_and_differs_across_seeds() -> None:
    train, test = holdout_indices(100, seed=3, stratify=LABELS)
    again_train, again_test = holdout_indices(100, seed=3, stratify=LABELS)
    other_train, other_test = holdout_indices(100, seed=4, stratify=LABELS)
    assert np.array_equal(train, again_train) and np.array_equal(test, again_test)
    assert not np.array_equal(test, other_test)


def test_holdout_rows_are_disjoint_and_cover_the_table() -> None:
    train, test = holdout_indices(100, seed=0, stratify=LABELS)
    assert len(test) == 20 and len(train) == 80
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(100))
    assert len(set(train)) == len(train) and len(set(test)) == len(test)


def test_holdout_is_stratified() -> None:
    for seed in range(5):
        _, test = holdout_indices(100, seed=seed, stratify=LABELS)
        assert np.bincount(LABELS[test], minlength=3).tolist() == [12, 6, 2]


def test_leave_one_out_leaves_each_row_out_once() -> None:
    folds = leave_one_out_indices(5)
    assert [test.tolist() for _, test in folds] == [[0], [1], [2], [3], [4]]
    for train, test in folds:
        assert len(train) == 4 and test[0] not in train


def test_standardiser_uses_training_statistics_only() -> None:
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(5, 2, size=(50, 3)), rng.normal(5, 2, size=(20, 3))
    Z_train, Z_test = standardise(X_train, X_test)
    assert np.allclose(Z_train.mean(axis=0), 0) and np.allclose(Z_train.std(axis=0), 1)
    assert np.allclose(Z_test, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0))
    assert not np.allclose(Z_test.mean(axis=0), 0)


def test_constant_training_column_becomes_zero_not_nan() -> None:
    scaler = Standardiser(np.array([[1.0, 2.0], [1.0, 4.0]]))
    assert scaler.transform(np.array([[1.0, 3.0]])).tolist() == [[0.0, 0.0]]


def test_encode_classes_binary_column_and_one_hot() -> None:
    assert encode_classes(np.array([0, 1, 1]), 2).tolist() == [[0.0], [1.0], [1.0]]
    assert encode_classes(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match="0..2"):
        encode_classes(np.array([3]), 3)


def test_one_hot_columns_in_given_order_unknown_is_all_zero() -> None:
    encoded = one_hot_columns(["b", "a", "z"], ["a", "b"])
    assert encoded.tolist() == [[0, 1], [1, 0], [0, 0]]


def test_classification_split_scales_only_chosen_columns() -> None:
    X = np.column_stack([np.arange(100.0), np.tile([0.0, 1.0], 50)])
    train, test = holdout_indices(100, seed=1, stratify=LABELS)
    split = classification_split(X, LABELS, 3, train, test, standardise_columns=np.array([0]))
    assert np.isclose(split.X_train[:, 0].mean(), 0)
    assert set(np.unique(split.X_train[:, 1])) <= {0.0, 1.0}
    assert split.Y_train.shape == (80, 3) and split.Y_test.shape == (20, 3)


def test_regression_split_standardises_target_and_records_its_scale() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)), rng.normal(100, 10, size=50)
    train, test = holdout_indices(50, seed=0)
    split = regression_split(X, y, train, test)
    assert np.isclose(split.Y_train.mean(), 0) and np.isclose(split.Y_train.std(), 1)
    assert np.allclose(split.Y_test.reshape(-1) * split.target_scale + split.target_offset, y[test])
    assert np.isclose(split.target_offset, y[train].mean())


def test_hidden_neurons_rule_matches_the_slide_examples() -> None:
    # Seed 000, "hidden layers": (2+1)/2 = 1.5, (7+1)/2 = 4, (8+2)/2 = 5, (4+3)/2 = 3.5; halves round up.
    examples = [(2, 1), (7, 1), (8, 2), (4, 3)]
    assert [hidden_neurons(inputs, outputs) for inputs, outputs in examples] == [2, 4, 5, 4]

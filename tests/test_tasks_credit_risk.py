"""credit-risk: the seed table encoded cell by cell as on the slide, leave-one-out folds."""

from __future__ import annotations

import numpy as np

from tasks.credit_risk import RISKS, CreditRisk, table

# Seed 000, slide "output layer with categorical data", copied as printed there.
SLIDE_CODES = """\
3	1	1	1	100
2	1	1	2	100
2	2	1	2	010
2	2	1	3	100
2	2	1	3	001
2	2	2	3	001
3	2	1	1	100
3	2	2	3	010
1	2	1	3	001
1	1	2	3	001
1	1	1	1	100
1	1	1	2	010
1	1	1	3	001
3	1	1	2	100"""

# Seed 000, slide "hidden layers": the same rows in words (the slide's "35.0000" typo kept).
SLIDE_WORDS = """\
Bad	High	No	< 15.000	High
Unknown	High	No	>= 15.000 a <= 35.000	High
Unknown	Low	No	>= 15.000 a <= 35.000	Moderate
Unknown	Low	No	> 35.000	High
Unknown	Low	No	> 35.000	Low
Unknown	Low	Yes	> 35.000	Low
Bad	Low	No	< 15.000	High
Bad	Low	Yes	> 35.000	Moderate
Good	Low	No	> 35.000	Low
Good	High	Yes	> 35.000	Low
Good	High	No	< 15.000	High
Good	High	No	>= 15.000 a <= 35.000	Moderate
Good	High	No	> 35.0000	Low
Bad	High	No	>= 15.000 a <= 35.000	High"""

HISTORY = {"Good": 1, "Unknown": 2, "Bad": 3}
DEBTS = {"High": 1, "Low": 2}
PROPERTIES = {"No": 1, "Yes": 2}
INCOME = {"< 15.000": 1, ">= 15.000 a <= 35.000": 2, "> 35.000": 3, "> 35.0000": 3}
RISK = {"High": "100", "Moderate": "010", "Low": "001"}


def slide_rows() -> list[list[str]]:
    return [line.split("\t") for line in SLIDE_CODES.splitlines()]


def test_codes_and_one_hot_risk_cell_by_cell() -> None:
    codes, risk = table()
    rows = slide_rows()
    assert codes.shape == (14, 4) and risk.shape == (14, 3) and len(rows) == 14
    for i, row in enumerate(rows):
        for j in range(4):
            assert codes[i, j] == int(row[j]), f"row {i + 1}, column {j + 1}"
        assert risk[i].tolist() == [float(bit) for bit in row[4]], f"row {i + 1}, risk"


def test_codes_follow_the_worded_table() -> None:
    codes, risk = table()
    for i, line in enumerate(SLIDE_WORDS.splitlines()):
        history, debts, properties, income, level = line.split("\t")
        expected = [HISTORY[history], DEBTS[debts], PROPERTIES[properties], INCOME[income]]
        assert codes[i].tolist() == expected, f"row {i + 1}"
        assert "".join(str(int(b)) for b in risk[i]) == RISK[level], f"row {i + 1}"
    assert RISKS == ("high", "moderate", "low")


def test_leave_one_out_folds() -> None:
    splits = CreditRisk().splits(seed=0)
    codes, risk = table()
    assert len(splits) == 14
    for i, split in enumerate(splits):
        assert split.X_train.shape == (13, 4) and split.X_test.shape == (1, 4)
        assert split.Y_train.shape == (13, 3) and np.array_equal(split.Y_test[0], risk[i])
        train_codes = np.delete(codes, i, axis=0)
        assert np.allclose(split.X_train.mean(axis=0), 0)
        expected = (codes[i] - train_codes.mean(axis=0)) / train_codes.std(axis=0)
        assert np.allclose(split.X_test[0], expected)


def test_folds_do_not_depend_on_the_seed() -> None:
    first, second = CreditRisk().splits(0), CreditRisk().splits(7)
    assert all(np.array_equal(a.X_test, b.X_test) for a, b in zip(first, second))


def test_default_network_follows_the_slides() -> None:
    spec = CreditRisk().default_spec()
    assert spec.layers == (4, 4, 3)  # (4 + 3) / 2 = 3.5, rounded up
    assert (spec.output_activation, spec.loss, spec.reduction) == ("softmax", "cross_entropy", "mean")
    assert CreditRisk().info().evaluation.startswith("leave-one-out")

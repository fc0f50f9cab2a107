"""Credit risk: the 14-row table of the seed 000 slides, encoded as on the slide.

The slide "hidden layers" gives the table in words (credit history, debts,
properties, annual income → risk); the slide "output layer with categorical
data" gives the same 14 rows as numbers, which is what the network sees:

* credit history: 1 = good, 2 = unknown, 3 = bad
* debts: 1 = high, 2 = low
* properties: 1 = no, 2 = yes
* annual income: 1 = < 15.000, 2 = 15.000 to 35.000, 3 = > 35.000
* risk, one-hot in the slide's column order: 100 = high, 010 = moderate, 001 = low

Rows 4 and 5 have the same inputs (unknown, low, no, > 35.000) and different
risks (high, low), as on the slide: no model classifies both correctly.

Evaluation: 14 rows are too few for a holdout, so the task is scored by
leave-one-out — 14 folds, each trained on 13 rows and tested on the one left
out, the 14 predictions pooled. The codes are standardised with the mean and
standard deviation of the 13 training rows of each fold. The seed varies the
initial weights and the row order of training, not the folds.
"""

from __future__ import annotations

import numpy as np

from bench.core.spec import NetworkSpec
from bench.core.task import Split, Task, TaskInfo
from tasks.preprocessing import classification_split, hidden_neurons, leave_one_out_indices

FEATURES = ("credit history", "debts", "properties", "annual income")
RISKS = ("high", "moderate", "low")  # the slide's one-hot column order

#: Seed 000, slide "output layer with categorical data": 4 codes, then the risk as on the slide.
SLIDE_TABLE: tuple[tuple[int, int, int, int, str], ...] = (
    (3, 1, 1, 1, "100"),
    (2, 1, 1, 2, "100"),
    (2, 2, 1, 2, "010"),
    (2, 2, 1, 3, "100"),
    (2, 2, 1, 3, "001"),
    (2, 2, 2, 3, "001"),
    (3, 2, 1, 1, "100"),
    (3, 2, 2, 3, "010"),
    (1, 2, 1, 3, "001"),
    (1, 1, 2, 3, "001"),
    (1, 1, 1, 1, "100"),
    (1, 1, 1, 2, "010"),
    (1, 1, 1, 3, "001"),
    (3, 1, 1, 2, "100"),
)


def table() -> tuple[np.ndarray, np.ndarray]:
    """(codes, one-hot risk): 14 × 4 and 14 × 3 float arrays, rows in slide order."""
    codes = np.array([row[:4] for row in SLIDE_TABLE], dtype=float)
    risk = np.array([[float(bit) for bit in row[4]] for row in SLIDE_TABLE])
    return codes, risk


class CreditRisk(Task):
    """Predict the risk (high/moderate/low) from four coded answers; leave-one-out accuracy."""

    name = "credit-risk"
    kind = "multiclass"
    #: Scored on (names from bench.core.metrics.METRICS): the classification set.
    metrics = ("accuracy", "mse", "confusion_matrix")
    #: Reachable by the NumPy backend with the default network (see docs/tasks.md).
    target = ("accuracy", 0.5, "max")

    def splits(self, seed: int) -> list[Split]:
        codes, risk = table()
        labels = risk.argmax(axis=1)
        return [classification_split(codes, labels, len(RISKS), train, test,
                                     name=f"leave-out-row-{test[0] + 1}")
                for train, test in leave_one_out_indices(len(codes))]

    def default_spec(self) -> NetworkSpec:
        """4-4-3: hidden width (4 + 3) / 2 = 3.5 from the slide "hidden layers", rounded up to 4.

        Softmax output with cross-entropy for the one-hot risk; batch gradient
        descent (all 13 training rows per update, slide "stochastic gradient
        descent") with momentum.
        """
        return NetworkSpec(
            layers=(len(FEATURES), hidden_neurons(len(FEATURES), len(RISKS)), len(RISKS)),
            hidden_activation="sigmoid", output_activation="softmax", loss="cross_entropy",
            reduction="mean", learning_rate=0.5, momentum=0.9, batch_size=0, epochs=100,
        )

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="seed 000 slides (embedded table)", licence="n/a",
            rows=len(SLIDE_TABLE), features=len(FEATURES), classes=list(RISKS),
            evaluation="leave-one-out: 14 folds, predictions pooled",
            notes="codes 1..3 standardised on each fold's 13 training rows; rows 4 and 5 conflict",
        )

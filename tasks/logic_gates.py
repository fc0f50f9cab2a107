"""AND, OR and XOR: the truth tables of the course slides (seed 000).

Four rows are the whole problem, so training and test rows are the same
table: the question is whether the network can represent it. AND and OR are
linearly separable (a perceptron learns them); XOR is not, and needs the
hidden layer of the slides' 2-3-1 network.
"""

from __future__ import annotations

import numpy as np

from bench.core.spec import NetworkSpec
from bench.core.task import Split, Task, TaskInfo

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


class LogicGate(Task):
    kind = "binary"
    target = ("accuracy", 1.0, "max")
    #: Scored on (names from bench.core.metrics.METRICS): the classification set.
    metrics = ("accuracy", "mse", "confusion_matrix")
    classes: tuple[int, int, int, int] = (0, 0, 0, 0)

    def splits(self, seed: int) -> list[Split]:
        Y = np.array(self.classes, dtype=float).reshape(-1, 1)
        return [Split(INPUTS.copy(), Y, INPUTS.copy(), Y.copy(), name="truth-table")]

    def default_spec(self) -> NetworkSpec:
        """The slides' 2-3-1 sigmoid network, with bias and momentum to train quickly."""
        return NetworkSpec(
            layers=(2, 3, 1), hidden_activation="sigmoid", output_activation="sigmoid",
            loss="mse", reduction="sum", learning_rate=0.5, momentum=0.9, batch_size=0,
            epochs=500, init="glorot_uniform", shuffle=False,
        )

    def info(self) -> TaskInfo:
        return TaskInfo(
            source="seed 000 slides (truth table)", licence="n/a", rows=4, features=2,
            classes=["0", "1"], evaluation="train = test: the 4-row truth table",
        )


class And(LogicGate):
    name = "and"
    classes = (0, 0, 0, 1)


class Or(LogicGate):
    name = "or"
    classes = (0, 1, 1, 1)


class Xor(LogicGate):
    name = "xor"
    classes = (0, 1, 1, 0)

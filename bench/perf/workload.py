"""The work every performance measurement times: one network, one data set, one batch size."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.core.spec import NetworkSpec


@dataclass(frozen=True)
class Workload:
    """A classification network trained by mini-batch SGD with momentum on synthetic data.

    The default is the reference case: 784-256-128-10, ReLU hidden,
    softmax + cross-entropy, 10,000 × 784 float32 inputs, batches of 128.
    """

    rows: int = 10_000
    layers: tuple[int, ...] = (784, 256, 128, 10)
    batch_size: int = 128
    hidden_activation: str = "relu"
    dtype: str = "float32"
    learning_rate: float = 0.01
    momentum: float = 0.9
    epochs: int = 10  # timed epochs
    warmup_epochs: int = 1  # untimed, before them
    seed: int = 0

    def spec(self) -> NetworkSpec:
        return NetworkSpec(
            layers=self.layers, hidden_activation=self.hidden_activation, output_activation="softmax",
            loss="cross_entropy", reduction="mean", optimizer="sgd", learning_rate=self.learning_rate,
            momentum=self.momentum, batch_size=self.batch_size, epochs=self.warmup_epochs + self.epochs,
            shuffle=True, seed=self.seed, dtype=self.dtype,
        )

    def describe(self) -> str:
        net = "-".join(map(str, self.layers))
        return (f"{net} {self.hidden_activation}/softmax cross-entropy, {self.rows:,} × {self.layers[0]} "
                f"{self.dtype}, batch {self.batch_size}, SGD lr {self.learning_rate} momentum "
                f"{self.momentum}; {self.warmup_epochs} warm-up + {self.epochs} timed epochs")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["layers"] = list(self.layers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        if "layers" in data:
            data = {**data, "layers": tuple(data["layers"])}
        return cls(**data)


def make_data(workload: Workload) -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [0, 1) (like pixel intensities) and one-hot labels of a random linear teacher."""
    rng = np.random.default_rng(workload.seed)
    n_inputs, n_classes = workload.layers[0], workload.layers[-1]
    X = rng.random((workload.rows, n_inputs), dtype=np.float32).astype(workload.dtype, copy=False)
    teacher = rng.normal(size=(n_inputs, n_classes))
    labels = np.argmax((X - 0.5) @ teacher, axis=1)
    Y = np.eye(n_classes, dtype=workload.dtype)[labels]
    return X, Y

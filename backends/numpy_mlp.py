"""NumPy backend: the course's multi-layer perceptron, written from scratch."""

from __future__ import annotations

import numpy as np

from backends.scratch.mlp import MultiLayerPerceptron
from bench.core.backend import Backend, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


class NumpyMLP(Backend):
    """Backpropagation exactly as on the slides (seed 000, part 2)."""

    name = "numpy"

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        self.model = MultiLayerPerceptron(
            weights,
            hidden_activation=spec.hidden_activation,
            output_activation=spec.output_activation,
            loss=spec.loss,
            learning_rate=spec.learning_rate,
            momentum=spec.momentum,
            reduction=spec.reduction,
            optimizer=spec.optimizer,
            dtype=spec.dtype,
        )

    def train_epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray | None, batch_size: int) -> float:
        return self.model.train_epoch(X, Y, batch_size, order=order)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return self.model.get_weights()

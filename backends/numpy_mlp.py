"""NumPy backend: the course's multi-layer perceptron, written from scratch."""

from __future__ import annotations

import numpy as np

from backends.scratch.mlp import MultiLayerPerceptron
from bench.core.backend import Backend, EpochCallback, Weights
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

    def fit(
        self,
        spec: NetworkSpec,
        X: np.ndarray,
        Y: np.ndarray,
        initial_weights: Weights | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> None:
        self._load_initial(spec, initial_weights)
        X = np.asarray(X, dtype=spec.dtype)
        Y = np.asarray(Y, dtype=spec.dtype)
        rng = np.random.default_rng(spec.seed) if spec.shuffle else None
        batch_size = spec.effective_batch_size(len(X))
        for epoch in range(1, spec.epochs + 1):
            self.final_loss = self.model.train_epoch(X, Y, batch_size, rng)
            self.epochs_run = epoch
            if on_epoch is not None:
                on_epoch(epoch, self.final_loss)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return self.model.get_weights()

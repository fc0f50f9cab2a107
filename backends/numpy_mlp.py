"""NumPy backend: the course's multi-layer perceptron, written from scratch."""

from __future__ import annotations

import numpy as np

from backends.scratch.mlp import MultiLayerPerceptron
from bench.core.backend import Backend, EpochCallback, Weights, reference_orders
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes, initial_weights


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

    # open division: the course MLP trained as it trains itself (the closed path *is* this library's
    # own loop: its train_epoch, its seeded NumPy shuffle), from weights it draws itself.
    def build_open(self, spec: NetworkSpec) -> None:
        """The spec's ``init`` family drawn by ``initial_weights`` (``default_rng(spec.seed)``), in
        ``spec.dtype``."""
        self.load(spec, initial_weights(spec))

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        X, Y = self.begin_training(spec, X, Y)
        batch_size = spec.effective_batch_size(len(X))
        orders = reference_orders(spec, len(X))
        for epoch in range(1, spec.epochs + 1):
            self.end_epoch(epoch, self.train_epoch(X, Y, next(orders), batch_size), on_epoch)
        return Recipe(
            library="backends.scratch",
            model=f"MultiLayerPerceptron(initial_weights(spec), ...) for {spec.layers}",
            init=f"bench.core.weights.initial_weights: {spec.init} (scale {spec.init_scale}), biases 0",
            seed=spec.seed, loss=spec.loss, optimizer=spec.optimizer, learning_rate=spec.learning_rate,
            momentum=spec.momentum if spec.optimizer == "sgd" else None, batch_size=batch_size,
            epochs=spec.epochs, shuffle=spec.shuffle, dtype=self.parameter_dtype(), device="cpu",
            loop="model.train_epoch(X, Y, batch_size, order=default_rng(seed).permutation) per epoch",
            arguments=dict(hidden_activation=spec.hidden_activation, output_activation=spec.output_activation,
                           reduction=spec.reduction, bias=spec.bias, layers=list(spec.layers)))

    def parameter_dtype(self) -> str:
        return self.model.parameters.dtype.name

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return self.model.get_weights()


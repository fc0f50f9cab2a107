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

    def train_epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray | None, batch_size: int) -> float:
        return self.model.train_epoch(X, Y, batch_size, order=order)

    def fit_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                 on_epoch: EpochCallback | None) -> None:
        """The course MLP trained as it trains itself: the closed path *is* this library's own
        (its ``train_epoch``, its seeded NumPy shuffle), from weights it draws itself (the spec's
        ``init`` family, ``bench.core.weights.initial_weights``), in ``spec.dtype``."""
        self.recipe = _recipe(spec)
        self.fit(spec, X, Y, None, on_epoch, division="closed")
        self.division = "open"

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return self.model.get_weights()


def _recipe(spec: NetworkSpec) -> dict[str, object]:
    """Every argument of the open division's training, to rerun it outside nnbench."""
    return {
        "class": "backends.scratch.mlp.MultiLayerPerceptron",
        "kwargs": dict(hidden_activation=spec.hidden_activation, output_activation=spec.output_activation,
                       loss=spec.loss, learning_rate=spec.learning_rate, momentum=spec.momentum,
                       reduction=spec.reduction, optimizer=spec.optimizer, dtype=spec.dtype),
        "layers": list(spec.layers), "bias": spec.bias,
        "init": f"bench.core.weights.initial_weights: {spec.init} (scale {spec.init_scale}), "
                f"numpy.random.default_rng({spec.seed}), biases 0",
        "train": f"train_epoch(X, Y, batch_size={spec.batch_size or 'all rows'}, rng) × {spec.epochs} epochs",
        "shuffle": f"numpy.random.default_rng({spec.seed}).permutation per epoch" if spec.shuffle else False,
        "batch_size": spec.batch_size, "epochs": spec.epochs, "dtype": spec.dtype,
    }

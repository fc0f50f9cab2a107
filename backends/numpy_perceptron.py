"""NumPy backend: the course's single-layer perceptron (seed 000, part 1)."""

from __future__ import annotations

import numpy as np

from backends.scratch.perceptron import Perceptron
from bench.core.backend import Arrays, Backend, EpochCallback, Weights
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec

_NOT_BACKPROPAGATION = ("the perceptron rule (weight += rate × input × error, no derivative) is not the "
                        "reference's backpropagation; tests/test_golden_perceptron.py pins its training")


_NO_XOR = "a single-layer perceptron cannot learn XOR (the slides' point)"


class NumpyPerceptron(Backend):
    """Step neurons, no hidden layer, trained until every row is right.

    The perceptron *is* a different network from a task's multi-layer spec:
    ``resolve_spec`` records what it really trains (no hidden layer, step
    output, zero initial weights, no bias, stochastic updates) and the
    harness stores that resolved spec and the deviations with the result.
    """

    name = "numpy-perceptron"
    supports_regression = False
    kit_skips = {
        "check_fit_predict_shapes": "it stops at its own criterion (no wrong row): fewer epochs may run",
        "check_loads_given_weights": "no hidden layer: it cannot hold the reference MLP's weights",
        "check_trains_like_the_reference": _NOT_BACKPROPAGATION,
        "check_trains_like_the_reference_long": _NOT_BACKPROPAGATION,
        "check_learns_xor": _NO_XOR,
        "check_open_learns_xor": _NO_XOR,
    }

    def resolve_spec(self, spec: NetworkSpec) -> NetworkSpec:
        resolved = spec.replace(
            layers=(spec.n_inputs, spec.n_outputs), hidden_activation="step",
            output_activation="step", loss="mse", reduction="sum", optimizer="sgd",
            momentum=0.0, batch_size=1, init="zeros", bias=False, shuffle=False,
        )
        if spec.hidden_layers:
            self.deviations.append(f"hidden layers {list(spec.hidden_layers)} dropped: a perceptron has none")
        if spec.output_activation != "step":
            self.deviations.append("step output instead of " + spec.output_activation)
        return resolved

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        if len(weights) != 1:
            raise ValueError(f"a perceptron has one weight layer, got {len(weights)} (use resolve_spec)")
        self.model = Perceptron(spec.n_inputs, spec.n_outputs, spec.learning_rate, spec.dtype)
        self.model.weights[:] = weights[0][0]

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> Arrays:
        self.converged = False
        return super().begin_training(spec, X, Y)

    def train_epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray | None, batch_size: int) -> float:
        """The slides' epoch (row by row, in order: its resolved spec never shuffles); share of wrong rows."""
        if order is not None:
            X, Y = X[order], Y[order]
        return self.model.train_epoch(X, Y) / len(X)

    def stop_after_epoch(self, loss: float | None) -> bool:
        """While error ≠ 0: stop after an epoch with no wrong row."""
        self.converged = loss == 0
        return self.converged

    # open division: as closed, nothing differs (zero weights, the slides' row-by-row rule, "while
    # error ≠ 0"); zero weights take no seed.
    open_seeded = False
    NO_SEED = "seed unused: the perceptron starts from zero weights (its library takes no seed)"

    def build_open(self, spec: NetworkSpec) -> None:
        self._deviate(self.NO_SEED)
        self.load(spec, [(np.zeros((spec.n_inputs, spec.n_outputs), spec.dtype), None)])

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        X, Y = self.begin_training(spec, X, Y)
        for epoch in range(1, spec.epochs + 1):
            self.end_epoch(epoch, self.train_epoch(X, Y, None, 1), on_epoch)
            if self.stop_after_epoch(self.final_loss):
                break
        return Recipe(library="backends.scratch", model=f"Perceptron({spec.n_inputs}, {spec.n_outputs})",
                      init="zeros", seed=None, loss="perceptron rule (error = correct − prediction)",
                      optimizer=spec.optimizer, learning_rate=spec.learning_rate, momentum=spec.momentum,
                      batch_size=1, epochs=spec.epochs, shuffle=False, dtype=self.parameter_dtype(),
                      device="cpu",
                      loop=f"model.train_epoch(X, Y) until no row is wrong, at most {spec.epochs} times",
                      arguments=dict(n_inputs=spec.n_inputs, n_outputs=spec.n_outputs,
                                     learning_rate=spec.learning_rate, dtype=spec.dtype))

    def parameter_dtype(self) -> str:
        return self.model.weights.dtype.name

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return [(self.model.weights.copy(), None)]

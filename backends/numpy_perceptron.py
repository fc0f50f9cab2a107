"""NumPy backend: the course's single-layer perceptron (seed 000, part 1)."""

from __future__ import annotations

import numpy as np

from backends.scratch.perceptron import Perceptron
from bench.core.backend import Backend, EpochCallback, Weights
from bench.core.spec import NetworkSpec


class NumpyPerceptron(Backend):
    """Step neurons, no hidden layer, trained until every row is right.

    The perceptron *is* a different network from a task's multi-layer spec:
    ``resolve_spec`` records what it really trains (no hidden layer, step
    output, zero initial weights, no bias, stochastic updates) and the
    harness stores that resolved spec and the deviations with the result.
    """

    name = "numpy-perceptron"
    supports_regression = False

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
        self.model = Perceptron(spec.n_inputs, spec.n_outputs, spec.learning_rate, spec.dtype)
        self.model.weights[:] = weights[0][0]

    def fit(
        self,
        spec: NetworkSpec,
        X: np.ndarray,
        Y: np.ndarray,
        initial_weights: Weights | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> None:
        self.model = Perceptron(spec.n_inputs, spec.n_outputs, spec.learning_rate, spec.dtype)
        if initial_weights is not None:
            self.load(spec, initial_weights)
        X = np.asarray(X, dtype=spec.dtype)
        Y = np.asarray(Y, dtype=spec.dtype)
        self.converged = False
        for epoch in range(1, spec.epochs + 1):
            wrong = self.model.train_epoch(X, Y)
            self.epochs_run = epoch
            self.final_loss = wrong / len(X)  # the slides' share of wrong rows
            if on_epoch is not None:
                on_epoch(epoch, self.final_loss)
            if wrong == 0:  # while error ≠ 0
                self.converged = True
                break

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def get_weights(self) -> Weights:
        return [(self.model.weights.copy(), None)]

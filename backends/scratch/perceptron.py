"""Single-layer perceptron from scratch (seed 000, part 1).

Slides "perceptron", "step function" and "AND operator":

* ``sum = Σ x_i * w_i``; step: greater or equal to 1 → 1, otherwise 0;
* ``error = correct - prediction``;
* ``weight(n+1) = weight(n) + learning_rate * input * error``;
* while error ≠ 0: for each row, calculate output, error, update the weights.

Without a bias (as on the slides) the threshold stays at 1.
"""

from __future__ import annotations

import numpy as np

from backends.scratch.activations import step


class Perceptron:
    """Step-activation neurons trained row by row until no row is wrong."""

    def __init__(self, n_inputs: int, n_outputs: int = 1, learning_rate: float = 0.1,
                 dtype: str = "float64") -> None:
        self.weights = np.zeros((n_inputs, n_outputs), dtype=dtype)
        self.learning_rate = learning_rate
        self.history: list[np.ndarray] = []  # weights after each epoch

    def predict(self, X: np.ndarray) -> np.ndarray:
        return step(np.asarray(X, dtype=self.weights.dtype) @ self.weights)

    def train_epoch(self, X: np.ndarray, Y: np.ndarray) -> int:
        """One pass, row by row; returns how many rows were wrong."""
        wrong = 0
        for inputs, correct in zip(X, Y):
            prediction = step(inputs @ self.weights)
            error = correct - prediction
            if np.any(error != 0):
                wrong += 1
                self.weights += self.learning_rate * np.outer(inputs, error)
        self.history.append(self.weights.copy())
        return wrong

    def train(self, X: np.ndarray, Y: np.ndarray, max_epochs: int) -> tuple[int, bool]:
        """While error ≠ 0 (at most ``max_epochs``): returns (epochs, converged)."""
        for epoch in range(1, max_epochs + 1):
            if self.train_epoch(X, Y) == 0:
                return epoch, True
        return max_epochs, False

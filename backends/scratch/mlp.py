"""Multi-layer perceptron from scratch (seed 000, part 2).

Every step is named as on the slides:

1. forward pass: ``sum = Σ input * weight + bias``; ``activation = f(sum)``
   ("input layer to hidden layer", "hidden layer to output layer", "bias");
2. error: ``error = correct - prediction``;
3. delta: ``delta_output = error * derivative`` and
   ``delta_hidden = derivative * weight * delta_output``;
4. weight update: ``weight(n+1) = weight(n) + input * delta * learning_rate``,
   the products ``input * delta`` added over the rows of a batch (divided by
   the number of rows with ``reduction="mean"``); with momentum the change
   keeps a fraction of the previous one. Adam (Kingma & Ba, 2015) is offered
   for specs that ask for it.

Batch, stochastic and mini-batch gradient descent differ only in how many
rows go through steps 1–4 before the weights change (the slides'
"stochastic gradient descent").
"""

from __future__ import annotations

import numpy as np

from backends.scratch.activations import ACTIVATIONS
from backends.scratch.losses import output_delta, row_losses
from bench.backend import Weights


class MultiLayerPerceptron:
    """A fully connected network trained by backpropagation."""

    def __init__(
        self,
        weights: Weights,
        hidden_activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        loss: str = "mse",
        learning_rate: float = 0.3,
        momentum: float = 0.0,
        reduction: str = "mean",
        optimizer: str = "sgd",
        dtype: str = "float64",
    ) -> None:
        self.weights = [W.astype(dtype, copy=True) for W, _ in weights]
        self.biases = [None if b is None else b.astype(dtype, copy=True) for _, b in weights]
        n_layers = len(self.weights)
        self.activations = [ACTIVATIONS[hidden_activation]] * (n_layers - 1) + [
            ACTIVATIONS[output_activation]
        ]
        self.loss = loss
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.reduction = reduction
        self.optimizer = optimizer
        self.dtype = np.dtype(dtype)
        # Previous weight changes (momentum) or Adam's moment estimates.
        self._velocity = [np.zeros_like(p) for p in self._parameters()]
        self._second_moment = [np.zeros_like(p) for p in self._parameters()]
        self._steps = 0

    # 1. forward pass -------------------------------------------------------
    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer, the inputs first and the prediction last."""
        layer_outputs = [np.asarray(X, dtype=self.dtype)]
        for W, b, activation in zip(self.weights, self.biases, self.activations):
            weighted_sum = layer_outputs[-1] @ W
            if b is not None:
                weighted_sum += b
            layer_outputs.append(activation.function(weighted_sum))
        return layer_outputs

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)[-1]

    # 2. error and 3. deltas ------------------------------------------------
    def deltas(self, layer_outputs: list[np.ndarray], correct: np.ndarray) -> list[np.ndarray]:
        """One delta per weight layer, the output layer's last."""
        prediction = layer_outputs[-1]
        delta = output_delta(self.loss, self.activations[-1], correct, prediction)
        deltas = [delta]
        for layer in range(len(self.weights) - 1, 0, -1):
            hidden = layer_outputs[layer]
            # delta_hidden = derivative * weight * delta_output
            error_reaching_hidden = delta @ self.weights[layer].T
            delta = self.activations[layer - 1].backward(hidden, error_reaching_hidden)
            deltas.insert(0, delta)
        return deltas

    # 4. weight update ------------------------------------------------------
    def adjustments(
        self, layer_outputs: list[np.ndarray], deltas: list[np.ndarray]
    ) -> list[np.ndarray]:
        """The slides' "input x delta", added over the batch rows, per parameter."""
        rows = layer_outputs[0].shape[0]
        scale = 1.0 / rows if self.reduction == "mean" else 1.0
        changes = []
        for inputs, delta, b in zip(layer_outputs[:-1], deltas, self.biases):
            changes.append(inputs.T @ delta * scale)
            if b is not None:
                changes.append(delta.sum(axis=0) * scale)  # the bias input is 1
        return changes

    def update(self, adjustments: list[np.ndarray]) -> None:
        """weight(n+1) = weight(n) + input * delta * learning_rate (+ momentum)."""
        self._steps += 1
        for index, (parameter, change) in enumerate(zip(self._parameters(), adjustments)):
            if self.optimizer == "adam":
                parameter += self._adam_step(index, change)
                continue
            velocity = self._velocity[index]
            velocity *= self.momentum
            velocity += self.learning_rate * change
            parameter += velocity

    def _adam_step(self, index: int, change: np.ndarray, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8) -> np.ndarray:
        """Adam on the ascent direction ``change`` (= minus the gradient)."""
        m, v = self._velocity[index], self._second_moment[index]
        m *= beta1
        m += (1 - beta1) * change
        v *= beta2
        v += (1 - beta2) * change * change
        m_hat = m / (1 - beta1**self._steps)
        v_hat = v / (1 - beta2**self._steps)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + eps)

    def _parameters(self) -> list[np.ndarray]:
        params: list[np.ndarray] = []
        for W, b in zip(self.weights, self.biases):
            params.append(W)
            if b is not None:
                params.append(b)
        return params

    # training loop ---------------------------------------------------------
    def train_step(self, X: np.ndarray, correct: np.ndarray) -> float:
        """Forward, error, deltas, update on one batch; returns its mean row loss."""
        layer_outputs = self.forward(X)
        deltas = self.deltas(layer_outputs, correct)
        self.update(self.adjustments(layer_outputs, deltas))
        return float(row_losses(self.loss, correct, layer_outputs[-1]).mean())

    def train_epoch(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int, rng: np.random.Generator | None
    ) -> float:
        """One pass over the rows (shuffled when ``rng`` is given); mean row loss."""
        order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            total += self.train_step(X[rows], Y[rows]) * len(rows)
        return total / len(X)

    def get_weights(self) -> Weights:
        return [(W.copy(), None if b is None else b.copy()) for W, b in zip(self.weights, self.biases)]

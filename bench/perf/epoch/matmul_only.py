"""The matrix products of one training epoch and nothing else: the epoch's floor.

For L weight layers a batch of rows ``x`` needs 3L − 1 GEMMs, all counted
here (8 for 784-256-128-10):

* forward, L: ``h1 = x @ W1``, ``h2 = h1 @ W2``, …, ``out = h_{L-1} @ W_L``;
* backward deltas, L − 1: ``e_{L-1} = d_L @ W_L.T``, …, ``e_1 = d_2 @ W_2.T``;
* weight gradients, L: ``x.T @ d_1``, ``h1.T @ d_2``, …, ``h_{L-1}.T @ d_L``.

They run on buffers allocated once, in the workload's dtype, on contiguous
slices of ``X`` (no shuffling or gathering), with the same batch sizes as
training (the last batch partial). Not counted: bias additions and bias
sums, activations and their derivatives, the loss, the weight update, the
batch gathering — everything the MLP does besides these GEMMs is what the
ratio ``numpy epoch / matmul-only`` measures.
"""

from __future__ import annotations

import numpy as np


class MatmulOnlyEpoch:
    """Runs the 3L − 1 GEMMs of every batch of an epoch on preallocated buffers."""

    def __init__(self, layers: tuple[int, ...], batch_size: int, dtype: str, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.batch_size = batch_size
        shapes = zip(layers[:-1], layers[1:])
        self.weights = [rng.uniform(-0.1, 0.1, size=shape).astype(dtype) for shape in shapes]
        self.outputs = [np.empty((batch_size, n), dtype) for n in layers[1:]]
        self.errors = [np.empty((batch_size, n), dtype) for n in layers[1:-1]]
        self.gradients = [np.empty_like(W) for W in self.weights]

    def gemms_per_batch(self) -> int:
        return 3 * len(self.weights) - 1

    def flops(self, rows: int) -> float:
        """Floating-point operations of one epoch over ``rows`` rows (2 per multiply-add)."""
        per_row = sum(W.size for W in self.weights)
        backward_per_row = sum(W.size for W in self.weights[1:])
        return 2.0 * rows * (2 * per_row + backward_per_row)

    def epoch(self, X: np.ndarray) -> None:
        for start in range(0, len(X), self.batch_size):
            x = X[start : start + self.batch_size]
            rows = len(x)
            outputs = [out[:rows] for out in self.outputs]
            errors = [err[:rows] for err in self.errors]
            layer_inputs = [x, *outputs[:-1]]
            for inputs, W, out in zip(layer_inputs, self.weights, outputs):
                np.matmul(inputs, W, out=out)  # forward
            # The outputs stand in for the deltas: the products cost the same whatever the values.
            deltas = [*errors, outputs[-1]]
            for layer in range(len(self.weights) - 1, 0, -1):
                np.matmul(deltas[layer], self.weights[layer].T, out=errors[layer - 1])  # backward
            for inputs, delta, gradient in zip(layer_inputs, deltas, self.gradients):
                np.matmul(inputs.T, delta, out=gradient)  # weight gradients

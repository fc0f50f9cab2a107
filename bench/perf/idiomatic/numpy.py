"""The course's MLP (``backends/scratch/mlp.py``, seed 000 part 2) used directly, as a student would.

The script draws its own weights — Glorot & Bengio (2010) uniform,
``±sqrt(6 / (fan_in + fan_out))``, zero biases, from NumPy's generator —
builds ``MultiLayerPerceptron`` with the workload's settings and calls
``train_epoch`` once per epoch (shuffled mini-batches, the same generator).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from backends.scratch.mlp import MultiLayerPerceptron


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    weights = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        weights.append((rng.uniform(-limit, limit, (n_in, n_out)).astype(X.dtype), np.zeros(n_out, X.dtype)))
    mlp = MultiLayerPerceptron(weights, hidden_activation=activation, output_activation="softmax",
                               loss="cross_entropy", learning_rate=learning_rate, momentum=momentum,
                               dtype=str(X.dtype))
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        mlp.train_epoch(X, Y, batch_size, rng)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("numpy", train))

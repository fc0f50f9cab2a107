"""scikit-learn's ``MLPClassifier`` as its user guide shows it (section 1.17, "Neural network models").

``MLPClassifier(hidden_layer_sizes, activation, solver="sgd", batch_size,
learning_rate_init, momentum)`` on the class labels; everything else is
scikit-learn's default, as a user writes it: its own init and shuffling,
Nesterov momentum, ``alpha=1e-4``. One ``partial_fit`` per epoch: the
documented way to train one epoch at a time ("a single iteration over the
given data"); ``fit`` with ``max_iter=1, warm_start=True`` does the same
epoch in the same time but warns ``ConvergenceWarning`` every call and
runs its stopping checks, and a single ``fit(max_iter=epochs)`` gives no
per-epoch times.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.neural_network import MLPClassifier

ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    labels = Y.argmax(axis=1)
    classes = np.arange(Y.shape[1])
    model = MLPClassifier(hidden_layer_sizes=hidden, activation=ACTIVATIONS[activation], solver="sgd",
                          batch_size=batch_size, learning_rate_init=learning_rate, momentum=momentum,
                          random_state=seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(X, labels, classes=classes)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("sklearn", train))

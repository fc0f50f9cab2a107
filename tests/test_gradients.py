"""Finite-difference checks: the slides' deltas are the true gradients.

For every hidden activation × output activation/loss pair, the weight change
``-(input * delta)`` summed over rows must equal the numerical gradient of
the summed per-row objective (``½ Σ (y - ŷ)²`` or cross-entropy).
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.scratch.losses import row_losses
from backends.scratch.mlp import MultiLayerPerceptron

HIDDEN = ["sigmoid", "tanh", "relu", "linear", "step"]
# (output activation, loss, output columns); sigmoid + cross-entropy is binary per
# column, checked on one column and on three independent (multi-label) columns.
OUTPUT_LOSS = [("sigmoid", "mse", 3), ("tanh", "mse", 3), ("linear", "mse", 3), ("relu", "mse", 3),
               ("softmax", "mse", 3), ("softmax", "cross_entropy", 3), ("sigmoid", "cross_entropy", 1),
               ("sigmoid", "cross_entropy", 3)]


def _network(hidden: str, output: str, loss: str, n_out: int) -> MultiLayerPerceptron:
    rng = np.random.default_rng(3)
    sizes = [4, 5, 3, n_out]
    weights = [(rng.normal(size=(a, b)), rng.normal(size=b) * 0.1) for a, b in zip(sizes[:-1], sizes[1:])]
    return MultiLayerPerceptron(weights, hidden, output, loss, reduction="sum")


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss", "n_out"), OUTPUT_LOSS)
def test_backprop_matches_finite_differences(hidden: str, output: str, loss: str, n_out: int) -> None:
    rng = np.random.default_rng(7)
    net = _network(hidden, output, loss, n_out)
    X = rng.normal(size=(6, 4)) * 0.5  # unsaturated: log(1 - p) loses digits as p nears 1
    if output == "softmax" and loss == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, 6)]
    elif loss == "cross_entropy":
        Y = rng.integers(0, 2, size=(6, n_out)).astype(float)
    else:
        Y = rng.uniform(size=(6, n_out))

    def objective() -> float:
        return float(row_losses(loss, Y, net.predict(X), output).sum())

    layer_outputs = net.forward(X)
    analytic = [-change for change in net.adjustments(layer_outputs, net.deltas(layer_outputs, Y))]
    step = 1e-6
    for parameter, gradient in zip(net._parameters(), analytic):
        numeric = np.zeros_like(parameter)
        for index in np.ndindex(parameter.shape):
            original = parameter[index]
            parameter[index] = original + step
            up = objective()
            parameter[index] = original - step
            down = objective()
            parameter[index] = original
            numeric[index] = (up - down) / (2 * step)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-6)


def test_mean_reduction_divides_by_rows(seed_weights) -> None:
    from tests.conftest import XOR_X, XOR_Y

    summed = MultiLayerPerceptron(seed_weights, reduction="sum")
    averaged = MultiLayerPerceptron(seed_weights, reduction="mean")
    outputs = summed.forward(XOR_X)
    a = summed.adjustments(outputs, summed.deltas(outputs, XOR_Y))
    b = averaged.adjustments(outputs, averaged.deltas(outputs, XOR_Y))
    for x, y in zip(a, b):
        np.testing.assert_allclose(x / 4, y)

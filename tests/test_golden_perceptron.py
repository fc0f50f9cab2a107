"""Golden tests: the seed's perceptron on AND, OR and XOR (lr 0.1, zero weights)."""

from __future__ import annotations

import numpy as np

from backends.scratch.perceptron import Perceptron
from tests.conftest import XOR_X


def train(classes: list[int], max_epochs: int = 100) -> tuple[Perceptron, int, bool]:
    perceptron = Perceptron(n_inputs=2, learning_rate=0.1)
    epochs, converged = perceptron.train(XOR_X, np.array(classes, float)[:, None], max_epochs)
    return perceptron, epochs, converged


def test_slides_weighted_sums():
    # "sum = (35 * 0.8) + (25 * 0.1) = 30.5" → 1; "(35 * -0.8) + (25 * 0.1) = -25.5" → 0
    perceptron = Perceptron(n_inputs=2)
    perceptron.weights[:, 0] = [0.8, 0.1]
    assert perceptron.predict(np.array([[35.0, 25.0]]))[0, 0] == 1
    perceptron.weights[:, 0] = [-0.8, 0.1]
    assert perceptron.predict(np.array([[35.0, 25.0]]))[0, 0] == 0


def test_and_converges_in_six_epochs_through_the_slides_weights():
    perceptron, epochs, converged = train([0, 0, 0, 1])
    assert converged and epochs == 6
    np.testing.assert_allclose(perceptron.weights.ravel(), [0.5, 0.5])
    trail = np.array([h.ravel() for h in perceptron.history])
    # "weight(n+1) = 0 + 0.1*1*1 = 0.1", then "0.1 + 0.1*1*1 = 0.2", ...
    expected = [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3], [0.4, 0.4], [0.5, 0.5], [0.5, 0.5]]
    np.testing.assert_allclose(trail, expected)
    assert (perceptron.predict(XOR_X).ravel() == [0, 0, 0, 1]).all()  # 100 %


def test_or_converges_to_1_1():
    perceptron, epochs, converged = train([0, 1, 1, 1])
    assert converged and epochs == 10
    np.testing.assert_allclose(perceptron.weights.ravel(), [1.1, 1.1])
    assert (perceptron.predict(XOR_X).ravel() == [0, 1, 1, 1]).all()


def test_xor_never_converges():
    perceptron, epochs, converged = train([0, 1, 1, 0], max_epochs=200)
    assert not converged and epochs == 200
    assert (perceptron.predict(XOR_X).ravel() != [0, 1, 1, 0]).any()

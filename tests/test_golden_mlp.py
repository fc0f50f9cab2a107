"""Golden tests: the seed's worked 2-3-1 XOR example, one full-batch epoch at 0.3.

Each figure is checked twice: within 0.005 of the slides (which truncate to
three decimals) and within 1e-4 of the full-precision float64 value.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.scratch.mlp import MultiLayerPerceptron
from bench.core import metrics
from tests.conftest import XOR_X, XOR_Y

SLIDES, EXACT = 0.005, 1e-4


@pytest.fixture
def network(seed_weights):
    return MultiLayerPerceptron(seed_weights, "sigmoid", "sigmoid", "mse", learning_rate=0.3,
                                reduction="sum")


def test_hidden_activations(network):
    hidden = network.forward(XOR_X)[1]
    exact = [[0.5, 0.5, 0.5], [0.58856, 0.35962, 0.38485], [0.39556, 0.32300, 0.27668],
             [0.48351, 0.21132, 0.19310]]
    slides_row2 = [0.589, 0.360, 0.385]  # "0.589 * (-0.017) + 0.360 * (-0.893) + 0.385 * 0.148"
    np.testing.assert_allclose(hidden, exact, atol=EXACT)
    np.testing.assert_allclose(hidden[1], slides_row2, atol=SLIDES)


def test_predictions_and_errors(network):
    prediction = network.predict(XOR_X).ravel()
    np.testing.assert_allclose(prediction, [0.40589, 0.43188, 0.43679, 0.45801], atol=EXACT)
    np.testing.assert_allclose(prediction, [0.405, 0.431, 0.436, 0.458], atol=SLIDES)
    mse = metrics.mean_squared_error(XOR_Y, prediction[:, None])
    assert mse == pytest.approx(0.25362, abs=EXACT) and mse == pytest.approx(0.252, abs=SLIDES)
    rmse = metrics.root_mean_squared_error(XOR_Y, prediction[:, None])
    assert rmse == pytest.approx(0.50361, abs=EXACT) and rmse == pytest.approx(0.501, abs=SLIDES)
    mae = metrics.mean_absolute_error(XOR_Y, prediction[:, None])
    assert mae == pytest.approx(0.49881, abs=EXACT) and mae == pytest.approx(0.499, abs=SLIDES)


def test_output_deltas(network):
    deltas = network.deltas(network.forward(XOR_X), XOR_Y)
    output = deltas[-1].ravel()
    np.testing.assert_allclose(output, [-0.09788, 0.13939, 0.13855, -0.11370], atol=EXACT)
    np.testing.assert_allclose(output, [-0.097, 0.139, 0.138, -0.113], atol=SLIDES)


def test_hidden_deltas_first_row(network):
    # Slide "hidden layer – delta": 0.25 * weight * (-0.097) = 0.000, 0.021, -0.003
    hidden = network.deltas(network.forward(XOR_X), XOR_Y)[0]
    np.testing.assert_allclose(hidden[0], [0.000, 0.021, -0.003], atol=SLIDES)


def test_weights_after_one_epoch(network):
    layer_outputs = network.forward(XOR_X)
    network.update(network.adjustments(layer_outputs, network.deltas(layer_outputs, XOR_Y)))
    hidden_to_output = network.weights[1].ravel()
    np.testing.assert_allclose(hidden_to_output, [-0.00712, -0.88642, 0.15433], atol=EXACT)
    np.testing.assert_allclose(hidden_to_output, [-0.007, -0.886, 0.154], atol=SLIDES)
    input_to_hidden = network.weights[0]
    exact = [[-0.42402, -0.74304, -0.96056], [0.35797, -0.58052, -0.46832]]
    slides = [[-0.424, -0.743, -0.960], [0.358, -0.580, -0.468]]
    np.testing.assert_allclose(input_to_hidden, exact, atol=EXACT)
    np.testing.assert_allclose(input_to_hidden, slides, atol=SLIDES)


def test_input_times_delta_for_output_layer(network):
    # Slide: "0.5 * (-0.097) + 0.588 * 0.139 + 0.395 * 0.138 + 0.483 * (-0.113) = 0.033" ...
    layer_outputs = network.forward(XOR_X)
    change = network.adjustments(layer_outputs, network.deltas(layer_outputs, XOR_Y))[1]
    np.testing.assert_allclose(change.ravel(), [0.033, 0.022, 0.021], atol=SLIDES)

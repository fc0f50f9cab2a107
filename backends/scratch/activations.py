"""Activation functions and their derivatives (seed 000, "activation functions").

Each derivative is written in terms of the activation's *output* ``y``, as on
the slide "gradient descent (derivative)": for the sigmoid, ``d = y * (1 - y)``.
``backward(y, error)`` turns the error reaching a layer into its delta:
``delta = error * derivative`` for element-wise functions, and the
Jacobian-vector product for softmax.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def step(x: np.ndarray) -> np.ndarray:
    """Step function: greater or equal to 1 → 1, otherwise 0 (the perceptron slides)."""
    return (x >= 1).astype(x.dtype)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """y = 1 / (1 + e^-x)."""
    return 1.0 / (1.0 + np.exp(-x))


def tanh(x: np.ndarray) -> np.ndarray:
    """Y = (e^x - e^-x) / (e^x + e^-x)."""
    return np.tanh(x)


def relu(x: np.ndarray) -> np.ndarray:
    """Y = max(0, x)."""
    return np.maximum(x, 0)


def linear(x: np.ndarray) -> np.ndarray:
    """Y = x (regression outputs)."""
    return x


def softmax(x: np.ndarray) -> np.ndarray:
    """Y = e^x / Σ e^x, per row (shifted by the row max for stability)."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def step_derivative(y: np.ndarray) -> np.ndarray:
    return np.zeros_like(y)


def sigmoid_derivative(y: np.ndarray) -> np.ndarray:
    """d = y * (1 - y)."""
    return y * (1 - y)


def tanh_derivative(y: np.ndarray) -> np.ndarray:
    """d = 1 - y²."""
    return 1 - y * y


def relu_derivative(y: np.ndarray) -> np.ndarray:
    return (y > 0).astype(y.dtype)


def linear_derivative(y: np.ndarray) -> np.ndarray:
    return np.ones_like(y)


@dataclass(frozen=True)
class Activation:
    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray] | None

    def backward(self, y: np.ndarray, error: np.ndarray) -> np.ndarray:
        """delta = error * derivative (softmax: its Jacobian applied to error)."""
        if self.derivative is None:  # softmax
            return y * (error - (error * y).sum(axis=1, keepdims=True))
        return error * self.derivative(y)


ACTIVATIONS: dict[str, Activation] = {
    "step": Activation("step", step, step_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "linear": Activation("linear", linear, linear_derivative),
    "softmax": Activation("softmax", softmax, None),
}

"""Activation functions and their derivatives (seed 000, "activation functions").

Each derivative is written in terms of the activation's *output* ``y``, as on
the slide "gradient descent (derivative)": for the sigmoid, ``d = y * (1 - y)``.
``backward(y, error)`` turns the error reaching a layer into its delta:
``delta = error * derivative`` for element-wise functions, and the
Jacobian-vector product for softmax.

Every function takes an optional ``out`` array, as NumPy's ufuncs do: with it
the result is written there (``out`` may be the input itself, for an
in-place activation) and nothing is allocated; training uses this to reuse
preallocated buffers batch after batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Array = np.ndarray
#: Largest zeros array :func:`relu` keeps (4 MiB of float32); beyond it, one row of zeros.
ZEROS_CACHED = 1 << 20


def step(x: Array, out: Array | None = None) -> Array:
    """Step function: greater or equal to 1 → 1, otherwise 0 (the perceptron slides)."""
    if out is None:
        return (x >= 1).astype(x.dtype)
    return np.greater_equal(x, 1, out=out)


def sigmoid(x: Array, out: Array | None = None) -> Array:
    """y = 1 / (1 + e^-x)."""
    y = np.negative(x, out=out)
    np.exp(y, out=y)
    y += 1
    return np.divide(1, y, out=y)


def tanh(x: Array, out: Array | None = None) -> Array:
    """Y = (e^x - e^-x) / (e^x + e^-x)."""
    return np.tanh(x, out=out)


def relu(x: Array, out: Array | None = None) -> Array:
    """Y = max(0, x)."""
    # max against an array of zeros is vectorised by NumPy, against the scalar 0 it is ~4× slower
    return np.maximum(x, _zeros(x.shape if x.size <= ZEROS_CACHED else x.shape[-1:], x.dtype), out=out)


@lru_cache(maxsize=8)
def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """A read-only array of zeros, kept: training asks for the same few shapes batch after batch."""
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False
    return zeros


def linear(x: Array, out: Array | None = None) -> Array:
    """Y = x (regression outputs)."""
    if out is None or out is x:
        return x
    np.copyto(out, x)
    return out


def softmax(x: Array, out: Array | None = None) -> Array:
    """Y = e^x / Σ e^x, per row (shifted by the row max for stability)."""
    e = np.subtract(x, x.max(axis=1, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= e.sum(axis=1, keepdims=True)
    return e


def step_derivative(y: Array, out: Array | None = None) -> Array:
    if out is None:
        return np.zeros_like(y)
    out.fill(0)
    return out


def sigmoid_derivative(y: Array, out: Array | None = None) -> Array:
    """d = y * (1 - y)."""
    d = np.subtract(1, y, out=out)
    d *= y
    return d


def tanh_derivative(y: Array, out: Array | None = None) -> Array:
    """d = 1 - y²."""
    d = np.multiply(y, y, out=out)
    return np.subtract(1, d, out=d)


def relu_derivative(y: Array, out: Array | None = None) -> Array:
    if out is None:
        return (y > 0).astype(y.dtype)
    return np.greater(y, 0, out=out)


def linear_derivative(y: Array, out: Array | None = None) -> Array:
    if out is None:
        return np.ones_like(y)
    out.fill(1)
    return out


@dataclass(frozen=True)
class Activation:
    name: str
    function: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray] | None

    def backward(self, y: np.ndarray, error: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """delta = error * derivative (softmax: its Jacobian applied to error).

        ``out``, when given, receives the delta and must not overlap ``y`` or ``error``.
        """
        if self.derivative is None:  # softmax
            return np.multiply(y, error - (error * y).sum(axis=1, keepdims=True), out=out)
        if out is None:
            return error * self.derivative(y)
        delta = self.derivative(y, out=out)
        delta *= error
        return delta


ACTIVATIONS: dict[str, Activation] = {
    "step": Activation("step", step, step_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "linear": Activation("linear", linear, linear_derivative),
    "softmax": Activation("softmax", softmax, None),
}

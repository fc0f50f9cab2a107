"""Initial weights drawn once, in NumPy, and handed to every backend.

Handing all backends the *same* starting weights (instead of each library's
own random draw of the same family) removes one source of disagreement from
the comparison. The families are Glorot & Bengio (2010) uniform
(``±sqrt(6 / (fan_in + fan_out))``), He et al. (2015) uniform
(``±sqrt(6 / fan_in)``), a plain uniform ``±init_scale`` and zeros (the
perceptron slides start from zero weights). Biases start at zero.
"""

from __future__ import annotations

import numpy as np
from numpy.random import default_rng  # imported with the worker, not inside a timed cell

from bench.core.spec import NetworkSpec

#: One ``(W, b)`` per layer, ``W`` of shape (n_inputs, n_outputs), ``b`` (n_outputs,) or None.
Weights = list[tuple[np.ndarray, np.ndarray | None]]


def initial_weights(spec: NetworkSpec) -> Weights:
    """One ``(W, b)`` per layer in the slides' orientation (rows = inputs)."""
    rng = default_rng(spec.seed)
    weights: Weights = []
    for fan_in, fan_out in zip(spec.layers[:-1], spec.layers[1:]):
        if spec.init == "zeros":
            W = np.zeros((fan_in, fan_out))
        else:
            limit = {
                "glorot_uniform": np.sqrt(6.0 / (fan_in + fan_out)),
                "he_uniform": np.sqrt(6.0 / fan_in),
                "uniform": spec.init_scale,
            }[spec.init]
            W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        b = np.zeros(fan_out) if spec.bias else None
        weights.append((W.astype(spec.dtype), None if b is None else b.astype(spec.dtype)))
    return weights


def check_shapes(spec: NetworkSpec, weights: Weights) -> None:
    """Raise ValueError when ``weights`` do not fit ``spec``."""
    expected = list(zip(spec.layers[:-1], spec.layers[1:]))
    if len(weights) != len(expected):
        raise ValueError(f"expected {len(expected)} weight layers, got {len(weights)}")
    for (W, b), shape in zip(weights, expected):
        if W.shape != shape:
            raise ValueError(f"weight matrix shape {W.shape} does not match layers {shape}")
        if spec.bias and (b is None or b.shape != (shape[1],)):
            raise ValueError(f"bias of layer {shape} missing or of the wrong shape")

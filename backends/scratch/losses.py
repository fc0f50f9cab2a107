"""Error (loss) functions (seed 000, "error (loss function)", "MSE and RMSE").

``error = correct - prediction`` is the slides' starting point. The training
objective per row is ``½ Σ (correct - prediction)²`` for ``mse`` (so that
``delta_output = error * derivative``, as on the slide "output layer – delta")
and for ``cross_entropy`` ``-Σ correct · log(prediction)`` after a softmax, or
the binary ``-Σ [correct · log p + (1 - correct) · log(1 - p)]`` per column after
a sigmoid; through either natural output the delta is simply ``error``.
"""

from __future__ import annotations

import numpy as np

from backends.scratch.activations import Activation

EPSILON = 1e-12


def row_losses(
    loss: str, correct: np.ndarray, prediction: np.ndarray, output_activation: str = "softmax"
) -> np.ndarray:
    """The objective of each row, shape (n,).

    Cross-entropy is binary per column for a sigmoid output (each column its own
    yes/no, as Keras' and PyTorch's binary cross-entropy), categorical otherwise.
    """
    if loss == "mse":
        return 0.5 * ((correct - prediction) ** 2).sum(axis=1)
    p = np.clip(prediction, EPSILON, 1 - EPSILON)
    if output_activation == "sigmoid":
        return -(correct * np.log(p) + (1 - correct) * np.log(1 - p)).sum(axis=1)
    return -(correct * np.log(p)).sum(axis=1)


def output_delta(
    loss: str, activation: Activation, correct: np.ndarray, prediction: np.ndarray
) -> np.ndarray:
    """delta_output = error * activation derivative (cross-entropy: error alone)."""
    error = correct - prediction
    if loss == "cross_entropy":
        return error
    return activation.backward(prediction, error)

"""Shared fixtures: the seed's XOR table and its worked-example weights."""

from __future__ import annotations

import numpy as np
import pytest

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)
# Seed 000, "input layer to hidden layer": rows are x1 and x2.
SEED_INPUT_TO_HIDDEN = np.array([[-0.424, -0.740, -0.961], [0.358, -0.577, -0.469]])
# Seed 000, "hidden layer to output layer".
SEED_HIDDEN_TO_OUTPUT = np.array([[-0.017], [-0.893], [0.148]])


@pytest.fixture
def seed_weights() -> list[tuple[np.ndarray, None]]:
    return [(SEED_INPUT_TO_HIDDEN.copy(), None), (SEED_HIDDEN_TO_OUTPUT.copy(), None)]

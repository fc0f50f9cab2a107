"""Flax NNX as its "MNIST tutorial" teaches it: an ``nnx.Module`` of ``nnx.Linear`` layers, ``nnx.Optimizer``,
an ``nnx.jit`` train step, NumPy batches.

The model is built with ``nnx.Rngs(seed)`` (``nnx.Linear``'s defaults: ``lecun_normal`` kernels, zero
biases) in float32; ``nnx.Optimizer(model, optax.sgd(learning_rate, momentum), wrt=nnx.Param)``;
``optax.softmax_cross_entropy`` on the logits averaged over the batch; one ``@nnx.jit``
``train_step(model, optimizer, x, y)`` (``nnx.value_and_grad``, ``optimizer.update``) per batch of a
NumPy permutation per epoch (https://flax.readthedocs.io/en/latest/mnist_tutorial.html). The shorter
last batch traces a second shape once, in the first epoch. Each epoch ends with
``jax.block_until_ready`` so that its time is the work, not its queueing.
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

ACTIVATIONS = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh}


class MLP(nnx.Module):
    def __init__(self, sizes: list[int], activation: str, rngs: nnx.Rngs) -> None:
        self.layers = nnx.List([nnx.Linear(n_in, n_out, rngs=rngs) for n_in, n_out in zip(sizes, sizes[1:])])
        self.activation = activation

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for layer in self.layers[:-1]:
            x = act(layer(x))
        return self.layers[-1](x)


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    model = MLP([X.shape[1], *hidden, Y.shape[1]], activation, nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.sgd(learning_rate, momentum=momentum), wrt=nnx.Param)

    def loss_fn(model, x, y):
        return optax.softmax_cross_entropy(model(x), y).mean()

    @nnx.jit
    def train_step(model, optimizer, x, y):
        loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
        optimizer.update(model, grads)
        return loss

    rng = np.random.default_rng(seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            rows = order[first : first + batch_size]
            train_step(model, optimizer, X[rows], Y[rows])
        jax.block_until_ready(nnx.state(model))
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("flax", train))

"""Equinox as its "Train a CNN on MNIST" example teaches it: an ``eqx.Module`` of ``eqx.nn.Linear`` layers
applied per row through ``jax.vmap``, optax, an ``eqx.filter_jit`` ``make_step``, NumPy batches.

The layers take keys split off ``jax.random.PRNGKey(seed)`` (``eqx.nn.Linear``'s defaults: weights and
biases uniform in ±1/√in) in float32, asked for explicitly (``dtype=None`` is JAX's default float:
float64 once x64 is on, as in the side-by-side process); ``optax.sgd(learning_rate, momentum)``
initialised on ``eqx.filter(model, eqx.is_array)``; ``optax.softmax_cross_entropy`` on the logits
averaged over the batch; one ``eqx.filter_jit`` step (``eqx.filter_value_and_grad``, ``optim.update``,
``eqx.apply_updates``) per batch of a NumPy permutation per epoch
(https://docs.kidger.site/equinox/examples/mnist/). The shorter last batch traces a second shape once,
in the first epoch. Each epoch ends with ``jax.block_until_ready``.
"""

from __future__ import annotations

import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

ACTIVATIONS = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh}


class MLP(eqx.Module):
    layers: list
    activation: str = eqx.field(static=True)

    def __init__(self, sizes: list[int], activation: str, key: jax.Array) -> None:
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = [eqx.nn.Linear(n_in, n_out, dtype=jnp.float32, key=k)
                       for n_in, n_out, k in zip(sizes, sizes[1:], keys)]
        self.activation = activation

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for layer in self.layers[:-1]:
            x = act(layer(x))
        return self.layers[-1](x)


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    model = MLP([X.shape[1], *hidden, Y.shape[1]], activation, jax.random.PRNGKey(seed))
    optim = optax.sgd(learning_rate, momentum=momentum)
    opt_state = optim.init(eqx.filter(model, eqx.is_array))

    def loss_fn(model, x, y):
        return optax.softmax_cross_entropy(jax.vmap(model)(x), y).mean()

    @eqx.filter_jit
    def make_step(model, opt_state, x, y):
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
        updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    rng = np.random.default_rng(seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            rows = order[first : first + batch_size]
            model, opt_state, loss = make_step(model, opt_state, X[rows], Y[rows])
        jax.block_until_ready(model)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("equinox", train))

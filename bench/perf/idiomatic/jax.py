"""Plain JAX + optax as their examples teach it: a pytree of parameters, a jitted train step, NumPy batches.

Parameters are a list of ``(W, b)`` drawn with ``jax.random`` — Flax
``Dense``'s defaults, ``jax.nn.initializers.lecun_normal()`` kernels and zero
biases, the init of the jax adapter's open division — in float32.
``optax.sgd(learning_rate, momentum)``, ``optax.softmax_cross_entropy`` on
the logits averaged over the batch, one ``jax.jit`` train step
(``value_and_grad``, ``tx.update``, ``optax.apply_updates``), and the loop of
JAX's ``examples/mnist_classifier.py`` and optax's getting-started page
(https://optax.readthedocs.io/en/latest/getting_started.html): a NumPy
permutation per epoch and NumPy batches sliced from it, handed to the
jitted step. The shorter last batch traces a second shape once, in the
first epoch. JAX dispatches asynchronously: each epoch ends with
``jax.block_until_ready`` so that its time is the work, not its queueing.
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

ACTIVATIONS = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh}


def init_params(key: jax.Array, sizes: list[int]) -> list[tuple[jax.Array, jax.Array]]:
    kernel_init = jax.nn.initializers.lecun_normal()
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        key, layer_key = jax.random.split(key)
        params.append((kernel_init(layer_key, (n_in, n_out), jnp.float32), jnp.zeros(n_out, jnp.float32)))
    return params


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    act = ACTIVATIONS[activation]

    def logits(params, x):
        for W, b in params[:-1]:
            x = act(x @ W + b)
        W, b = params[-1]
        return x @ W + b

    def loss_fn(params, x, y):
        return optax.softmax_cross_entropy(logits(params, x), y).mean()

    optimizer = optax.sgd(learning_rate, momentum=momentum)

    @jax.jit
    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    params = init_params(jax.random.key(seed), [X.shape[1], *hidden, Y.shape[1]])
    opt_state = optimizer.init(params)
    rng = np.random.default_rng(seed)

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            rows = order[first : first + batch_size]
            params, opt_state, loss = train_step(params, opt_state, X[rows], Y[rows])
        jax.block_until_ready(params)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("jax", train))

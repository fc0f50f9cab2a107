"""JAX backend: parameters as a pytree of ``(W, b)`` (or ``(W,)``), optax's optimizers, and one jitted epoch
per division: a ``lax.scan`` of the train step over the epoch's full batches, then the shorter last batch
(one compilation per fit, inside the first epoch; no host round trip per batch).

Closed: the reference's per-row objective (``backends/scratch/losses.py``), cross-entropy from the logits;
``optax.sgd``'s ``t = μt + g; w −= lr·t`` is the reference's classical momentum at a constant learning
rate, ``optax.adam`` divides by ``√v̂ + ε`` as the reference does; the step's derivative is zero. Open:
plain JAX + optax as their tutorials train: Flax ``Dense``'s default initialisers (``lecun_normal``
kernels, zero biases) on ``jax.random.key(seed)``, optax's losses reduced over the batch, a
``jax.random.permutation`` per epoch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from backends.jax_runtime import JaxRuntime, _jax, optax_epoch, optax_loss, optax_objective, optax_optimizer
from bench.core.backend import Backend, EpochCallback, Weights, dtype_name
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


def _activation(name: str) -> Callable[[Any], Any]:
    """The slides' activation ``name`` on an array of weighted sums (step: 1 where x ≥ 1, derivative 0)."""
    jax, jnp = _jax(), _jax().numpy
    if name == "step":
        return lambda x: jnp.where(x >= 1, 1, 0).astype(x.dtype)
    return {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda x: x,
            "softmax": lambda x: jax.nn.softmax(x, axis=1)}[name]


def _forward(params: Any, X: Any, hidden: str, output: str) -> tuple[Any, Any]:
    """The output layer's weighted sums and its activations."""
    for index, layer in enumerate(params):
        logits = X @ layer[0] + layer[1] if len(layer) > 1 else X @ layer[0]
        X = _activation(hidden if index < len(params) - 1 else output)(logits)
    return logits, X


@functools.lru_cache(maxsize=64)
def _epoch(division: str, spec: NetworkSpec, rows: int) -> tuple[Any, Any]:
    """optax's optimizer and the jitted epoch (:func:`optax_epoch`) of ``spec`` in ``division`` (a spec
    whose seed and epochs are zeroed: one compilation serves fits that differ in those)."""
    jax = _jax()
    batch, hidden, output = spec.effective_batch_size(rows), spec.hidden_activation, spec.output_activation
    tx = optax_optimizer(spec)[0]

    def forward(params: Any, x: Any) -> tuple[Any, Any]:
        return _forward(params, x, hidden, output)

    def objective(params: Any, x: Any, y: Any) -> tuple[Any, Any]:
        """The reference's loss (differentiated) and the batch's summed row loss."""
        logits, outputs = forward(params, x)
        if spec.loss == "mse":  # the spec's objective per row (backends/scratch/losses.py)
            row = 0.5 * ((y - outputs) ** 2).sum(axis=1)
        elif output == "softmax":
            row = -(y * jax.nn.log_softmax(logits, axis=1)).sum(axis=1)
        else:
            row = -(y * jax.nn.log_sigmoid(logits) + (1 - y) * jax.nn.log_sigmoid(-logits)).sum(axis=1)
        return (row.sum() if spec.reduction == "sum" else row.mean()), row.sum()

    objective = optax_objective(spec, forward) if division == "open" else objective
    return tx, optax_epoch(objective, tx, rows, batch)


class JaxMLP(JaxRuntime, Backend):
    """The spec as a pytree of ``(W, b)`` arrays (``self.params``) trained with optax."""

    name = "jax"
    extra = "jax"
    packages = ("numpy", "jax", "jaxlib", "optax")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            _jax()
            import optax  # noqa: F401
        except ImportError as exc:
            return cls.unavailable(f"cannot import jax/optax: {exc}")
        return True, ""

    def _use(self, spec: NetworkSpec, params: Any) -> None:
        """Make ``params`` the current model (either division's)."""
        self.spec, self.dtype, self.params = spec, spec.dtype, _jax().device_put(params, self.jax_device())
        self._predict = _predict_function(spec.hidden_activation, spec.output_activation)

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        self._use(spec, [(np.asarray(W, spec.dtype),) if b is None or not spec.bias
                         else (np.asarray(W, spec.dtype), np.asarray(b, spec.dtype)) for W, b in weights])

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        self._begin("closed", spec, len(X))
        return self.put(X, spec.dtype), self.put(Y, spec.dtype)

    def _begin(self, division: str, spec: NetworkSpec, rows: int) -> None:
        self.tx, self._epoch = _epoch(division, spec.replace(seed=0, epochs=1), rows)
        self.opt_state = self.tx.init(self.params)

    def train_epoch(self, X: Any, Y: Any, order: Any, batch_size: int) -> float:
        order = np.arange(X.shape[0]) if order is None else order
        self.params, self.opt_state, loss = self._epoch(self.params, self.opt_state, X, Y, order)
        return float(loss)

    # open division -----------------------------------------------------------
    def build_open(self, spec: NetworkSpec) -> None:
        jax = _jax()
        key, params = jax.random.key(spec.seed), []
        for n_in, n_out in zip(spec.layers[:-1], spec.layers[1:]):
            key, layer_key = jax.random.split(key)
            kernel = jax.nn.initializers.lecun_normal()(layer_key, (n_in, n_out), spec.dtype)
            params.append((kernel, jax.nn.initializers.zeros(layer_key, (n_out,), spec.dtype))
                          if spec.bias else (kernel,))
        self._use(spec, params)

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        jax, rows = _jax(), len(X)
        self._begin("open", spec, rows)
        key, X, Y = jax.random.key(spec.seed), self.put(X, spec.dtype), self.put(Y, spec.dtype)
        for epoch in range(1, spec.epochs + 1):  # the permutation jitted: 4.6 ms per epoch op by op
            key, order = _permutation(rows)(key) if spec.shuffle else (key, jax.numpy.arange(rows))
            self.params, self.opt_state, loss = self._epoch(self.params, self.opt_state, X, Y, order)
            self.end_epoch(epoch, loss, on_epoch)  # one device sync per epoch
        return self.open_recipe(
            spec, rows, library="jax", device=str(self.jax_device()),
            model=f"plain JAX: a list of (W, b) per layer, {spec.layers}, {spec.hidden_activation} hidden, "
                  f"{spec.output_activation} output",
            init=f"jax.nn.initializers.lecun_normal() kernels, zeros biases (Flax Dense's defaults), "
                 f"keys split from jax.random.key({spec.seed})",
            loss=optax_loss(spec)[1],
            loop="per epoch: jax.random.permutation(k, n) (k split off jax.random.key(seed); shuffled), jit "
                 "lax.scan of value_and_grad, tx.update, apply_updates over the full batches, then the last",
            arguments={"optimizer": f"optax.{spec.optimizer}", "optimizer_kwargs": optax_optimizer(spec)[1]})

    def parameter_dtype(self) -> str:
        return dtype_name(self.params[0][0].dtype)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self._predict(self.params, self.put(X, self.dtype)))

    def get_weights(self) -> Weights:
        return [(np.asarray(layer[0], dtype=np.float64).copy(),
                 np.asarray(layer[1], dtype=np.float64).copy() if len(layer) > 1 else None)
                for layer in self.params]


@functools.lru_cache(maxsize=32)
def _permutation(rows: int) -> Any:
    """Jitted ``key -> (next key, jax.random.permutation(epoch key, rows))`` (the key split in two)."""
    jax = _jax()
    return jax.jit(lambda key: (lambda keys: (keys[0], jax.random.permutation(keys[1], rows)))(
        jax.random.split(key)))


@functools.lru_cache(maxsize=32)
def _predict_function(hidden: str, output: str) -> Any:
    """The jitted forward pass returning the output layer's activations."""
    return _jax().jit(lambda params, X: _forward(params, X, hidden, output)[1])

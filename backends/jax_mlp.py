"""JAX backend: parameters as a pytree of ``(W, b)`` (or ``(W,)``), optax's optimizers, and one jitted epoch
per division: a ``lax.scan`` of the train step over the epoch's full batches, then the shorter last batch
(one compilation per fit, inside the first epoch; no host round trip per batch).

Closed: the reference's per-row objective from the logits, momentum and Adam forms of
:mod:`backends.jax_common`; the step's derivative is zero. Open: plain JAX + optax as their tutorials
train: Flax ``Dense``'s default initialisers (``lecun_normal`` kernels, zero biases) on
``jax.random.key(seed)``, optax's losses reduced over the batch, a NumPy permutation per epoch (JAX's
``examples/mnist_classifier.py``; ``jax.random.permutation`` costs ~4 ms of CPU per epoch of 10,000 rows).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from backends.jax_common import Net, activation, closed_loss, open_objective, open_orders
from backends.jax_runtime import JaxRuntime, _jax, optax_epoch, optax_optimizer
from bench.core.backend import Backend, EpochCallback, Weights, dtype_name
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


def _logits(params: Any, X: Any, hidden: str) -> Any:
    """The output layer's weighted sums."""
    for index, layer in enumerate(params):
        X = activation(hidden)(X) if index else X
        X = X @ layer[0] + layer[1] if len(layer) > 1 else X @ layer[0]
    return X


@functools.lru_cache(maxsize=64)
def _epoch(division: str, spec: NetworkSpec, rows: int) -> tuple[Any, Any]:
    """optax's optimizer and the jitted epoch (:func:`optax_epoch`) of ``spec`` in ``division`` (a spec
    whose seed and epochs are zeroed: one compilation serves fits that differ in those)."""
    net, tx = Net.of(spec), optax_optimizer(spec)[0]

    def logits(params: Any, x: Any) -> Any:
        return _logits(params, x, spec.hidden_activation)

    def closed(params: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return closed_loss(net, logits(params, x), y)

    objective = open_objective(spec, logits)[1] if division == "open" else closed
    return tx, optax_epoch(objective, tx, rows, spec.effective_batch_size(rows))


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
        rows, orders = len(X), open_orders(spec, len(X))
        self._begin("open", spec, rows)
        X, Y = self.put(X, spec.dtype), self.put(Y, spec.dtype)
        for epoch in range(1, spec.epochs + 1):
            self.params, self.opt_state, loss = self._epoch(self.params, self.opt_state, X, Y, next(orders))
            self.end_epoch(epoch, loss, on_epoch)  # one device sync per epoch
        return self.open_recipe(
            spec, rows, library="jax", device=str(self.jax_device()),
            model=f"plain JAX: a list of (W, b) per layer, {spec.layers}, {spec.hidden_activation} hidden, "
                  f"{spec.output_activation} output",
            init=f"jax.nn.initializers.lecun_normal() kernels, zeros biases (Flax Dense's defaults), "
                 f"keys split from jax.random.key({spec.seed})",
            loss=open_objective(spec, _logits)[0],
            loop="per epoch: np.random.default_rng(seed).permutation(n) (shuffled), jit lax.scan of "
                 "value_and_grad, tx.update, apply_updates over its full batches, then the last",
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
def _predict_function(hidden: str, output: str) -> Any:
    """The jitted forward pass returning the output layer's activations."""
    return _jax().jit(lambda params, X: activation(output)(_logits(params, X, hidden)))

"""Equinox backend: an ``eqx.Module`` of ``eqx.nn.Linear`` layers (a pytree) mapping one row, batches
through ``jax.vmap``, optax, ``eqx.filter_jit`` and ``eqx.filter_value_and_grad`` steps (Equinox's
"Train a CNN on MNIST" example).

Closed division: the given weights put in with ``eqx.tree_at`` (``weight`` is ``(out, in)``: the shared
``W`` transposed); one ``eqx.filter_jit`` step per batch, the rows gathered inside it, with the
objective, momentum and Adam forms of :mod:`backends.jax_common` (float64 through JAX's x64 mode).
Open division: ``eqx.nn.Linear``'s own init (uniform in ±1/√in) from ``jax.random.PRNGKey(seed)`` in
``spec.dtype``; optax's loss and optimizer; the example's ``make_step`` per batch of a permutation.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np

from backends.jax_common import JaxLibraryBackend, Net, activation, closed_loss, jax_module
from bench.core.backend import Rows, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


@functools.cache
def _equinox() -> SimpleNamespace:
    """``equinox`` (JAX with x64 first), the network class and the closed division's jitted step."""
    jax = jax_module()
    import equinox as eqx

    class MLP(eqx.Module):
        """``layers`` as ``eqx.nn.Linear`` layers; maps one row to the output layer's logits."""

        layers: list
        hidden: str = eqx.field(static=True)

        def __init__(self, layers: tuple[int, ...], hidden: str, bias: bool, dtype: str, key: Any) -> None:
            keys = jax.random.split(key, len(layers) - 1)
            self.layers = [eqx.nn.Linear(n_in, n_out, use_bias=bias, dtype=dtype, key=layer_key)
                           for n_in, n_out, layer_key in zip(layers[:-1], layers[1:], keys)]
            self.hidden = hidden

        def __call__(self, x: Any) -> Any:
            act = activation(self.hidden)
            for layer in self.layers[:-1]:
                x = act(layer(x))
            return self.layers[-1](x)

    @eqx.filter_jit
    def closed_step(net: Net, tx: Any, model: Any, state: Any, X: Any, Y: Any, rows: Any) -> Any:
        def objective(model: Any) -> tuple[Any, Any]:
            return closed_loss(net, jax.vmap(model)(X[rows]), Y[rows])

        (_, total), grads = eqx.filter_value_and_grad(objective, has_aux=True)(model)
        updates, state = tx.update(grads, state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), state, total

    return SimpleNamespace(eqx=eqx, MLP=MLP, closed_step=closed_step)


@functools.lru_cache(maxsize=16)
def _predict(output: str) -> Any:
    jax, eqx = jax_module(), _equinox().eqx
    return eqx.filter_jit(lambda model, X: activation(output)(jax.vmap(model)(X)))


class EquinoxMLP(JaxLibraryBackend):
    """The spec as an Equinox ``Module`` (a pytree) trained with optax and ``eqx.filter_jit`` steps."""

    name = "equinox"
    library = "equinox"
    forward = staticmethod(_predict)

    def build(self, spec: NetworkSpec, seed: int) -> Any:
        self.spec = spec
        with self.on_device():
            return _equinox().MLP(spec.layers, spec.hidden_activation, spec.bias, spec.dtype,
                                  jax_module().random.PRNGKey(seed))

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        eqx, model = _equinox().eqx, self.build(spec, spec.seed)
        layers = [eqx.tree_at(lambda layer: layer.weight, layer, self.put(np.transpose(W), spec.dtype))
                  for layer, (W, _) in zip(model.layers, weights)]
        if spec.bias:
            layers = [eqx.tree_at(lambda layer: layer.bias, layer, self.put(b, spec.dtype))
                      for layer, (_, b) in zip(layers, weights)]
        self.model = eqx.tree_at(lambda model: model.layers, model, layers)

    def start_optimizer(self) -> None:
        self.state = self.tx.init(_equinox().eqx.filter(self.model, _equinox().eqx.is_array))

    def train_batch(self, X: Any, Y: Any, rows: Rows) -> Any:
        self.model, self.state, total = _equinox().closed_step(
            Net.of(self.spec), self.tx, self.model, self.state, X, Y, self.batch_rows(X, rows))
        return total

    # open division (build_open: the library's own init, JaxLibraryBackend.build; its train_open) --------
    @staticmethod
    def logits(model: Any, x: Any) -> Any:
        return jax_module().vmap(model)(x)

    def open_step(self, objective: Any, optim: Any) -> Any:
        eqx = _equinox().eqx

        @eqx.filter_jit
        def make_step(model: Any, opt_state: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
            grad = eqx.filter_value_and_grad(lambda model: objective(model, x, y), has_aux=True)
            (loss, _), grads = grad(model)
            updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
            return eqx.apply_updates(model, updates), opt_state, loss

        opt_state = optim.init(eqx.filter(self.model, eqx.is_array))

        def step(x: Any, y: Any) -> Any:
            nonlocal opt_state
            self.model, opt_state, loss = make_step(self.model, opt_state, x, y)
            return loss

        return step

    def open_description(self, spec: NetworkSpec) -> dict[str, Any]:
        return dict(
            model=f"eqx.Module of [eqx.nn.Linear(n_in, n_out, use_bias={spec.bias}, dtype={spec.dtype!r}, "
                  f"key=k)] for {spec.layers}, {spec.hidden_activation} hidden, {spec.output_activation} "
                  "output, batches through jax.vmap(model)",
            init=f"eqx.nn.Linear's defaults (weights and biases uniform in ±1/√in) from keys "
                 f"jax.random.split(jax.random.PRNGKey({spec.seed}))",
            loop="per batch of np.random.default_rng(seed).permutation per epoch: model, opt_state, loss = "
                 "eqx.filter_jit(make_step)(...) (eqx.filter_value_and_grad, optim.update, apply_updates)")

    def arrays(self) -> list[Any]:
        return jax_module().tree.leaves(_equinox().eqx.filter(self.model, _equinox().eqx.is_array))

    def get_weights(self) -> Weights:
        return [(np.asarray(layer.weight, dtype=np.float64).T.copy(),
                 None if layer.bias is None else np.asarray(layer.bias, dtype=np.float64).copy())
                for layer in self.model.layers]

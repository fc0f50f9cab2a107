"""Flax NNX backend: the spec as an ``nnx.Module`` of ``nnx.Linear`` layers, ``nnx.Optimizer`` over
optax, an ``nnx.jit`` train step (the pattern of Flax's NNX "MNIST tutorial").

Closed division: ``load`` builds the layers and sets each ``kernel`` (``(in, out)``: the shared
layout's ``W`` as is) and ``bias`` to the given weights in ``spec.dtype`` (``param_dtype``; float64
through JAX's x64 mode, switched on before any array exists). Each batch is one ``nnx.jit`` step
(``nnx.value_and_grad`` of the spec's objective from the logits, ``optimizer.update``) on the rows
gathered inside it: the objective, momentum and Adam forms of :mod:`backends.jax_common`.

Open division: ``nnx.Linear``'s own init (``lecun_normal`` kernels, zero biases) drawn from
``nnx.Rngs(seed)`` with ``param_dtype=spec.dtype``; optax's loss on the logits (``squared_error`` on
the activated output), ``nnx.Optimizer(model, optax.sgd(lr, momentum) | optax.adam(lr), wrt=nnx.Param)``
and the tutorial's ``@nnx.jit`` ``train_step(model, optimizer, x, y)`` per batch of a NumPy
permutation per epoch.
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
def _flax() -> SimpleNamespace:
    """``flax.nnx`` (JAX with x64 first), the network class and the closed division's jitted step."""
    jax_module()
    from flax import nnx

    class MLP(nnx.Module):
        """``layers`` as ``nnx.Linear`` layers; returns the output layer's logits."""

        def __init__(self, layers: tuple[int, ...], hidden: str, bias: bool, dtype: str, rngs: Any) -> None:
            self.layers = nnx.List([nnx.Linear(n_in, n_out, use_bias=bias, param_dtype=dtype, rngs=rngs)
                                    for n_in, n_out in zip(layers[:-1], layers[1:])])
            self.hidden = hidden

        def __call__(self, x: Any) -> Any:
            act = activation(self.hidden)
            for index in range(len(self.layers) - 1):
                x = act(self.layers[index](x))
            return self.layers[len(self.layers) - 1](x)

    @functools.partial(nnx.jit, static_argnums=0)
    def closed_step(net: Net, model: Any, optimizer: Any, X: Any, Y: Any, rows: Any) -> Any:
        def objective(model: Any) -> tuple[Any, Any]:
            return closed_loss(net, model(X[rows]), Y[rows])

        (_, total), grads = nnx.value_and_grad(objective, has_aux=True)(model)
        optimizer.update(model, grads)
        return total

    return SimpleNamespace(nnx=nnx, MLP=MLP, closed_step=closed_step)


@functools.lru_cache(maxsize=16)
def _predict(output: str) -> Any:
    nnx = _flax().nnx
    return nnx.jit(lambda model, X: activation(output)(model(X)))


class FlaxMLP(JaxLibraryBackend):
    """The spec as a Flax NNX ``Module`` trained with ``nnx.Optimizer`` and ``nnx.jit`` steps."""

    name = "flax"
    library = "flax"
    forward = staticmethod(_predict)

    def build(self, spec: NetworkSpec, seed: int) -> Any:
        flax = _flax()
        self.spec = spec
        with self.on_device():
            return flax.MLP(spec.layers, spec.hidden_activation, spec.bias, spec.dtype, flax.nnx.Rngs(seed))

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        self.model = self.build(spec, spec.seed)
        for layer, (W, b) in zip(self.model.layers, weights):
            layer.kernel[...] = self.put(W, spec.dtype)
            if layer.bias is not None:
                layer.bias[...] = self.put(b, spec.dtype)

    def start_optimizer(self) -> None:
        nnx = _flax().nnx
        self.optimizer = nnx.Optimizer(self.model, self.tx, wrt=nnx.Param)

    def train_batch(self, X: Any, Y: Any, rows: Rows) -> Any:
        return _flax().closed_step(Net.of(self.spec), self.model, self.optimizer, X, Y,
                                   self.batch_rows(X, rows))

    # open division (build_open: the library's own init, JaxLibraryBackend.build; its train_open) --------
    @staticmethod
    def logits(model: Any, x: Any) -> Any:
        return model(x)

    def open_step(self, objective: Any, tx: Any) -> Any:
        nnx = _flax().nnx
        optimizer = nnx.Optimizer(self.model, tx, wrt=nnx.Param)

        @nnx.jit
        def train_step(model: Any, optimizer: Any, x: Any, y: Any) -> Any:
            (loss, _), grads = nnx.value_and_grad(lambda model: objective(model, x, y), has_aux=True)(model)
            optimizer.update(model, grads)
            return loss

        return lambda x, y: train_step(self.model, optimizer, x, y)

    def open_description(self, spec: NetworkSpec) -> dict[str, Any]:
        return dict(
            model=f"nnx.Module of nnx.List([nnx.Linear(n_in, n_out, use_bias={spec.bias}, "
                  f"param_dtype={spec.dtype!r}, rngs=rngs)]) for {spec.layers}, {spec.hidden_activation} "
                  f"hidden, {spec.output_activation} output",
            init=f"nnx.Linear's defaults (lecun_normal kernels, zero biases) from nnx.Rngs({spec.seed})",
            loop="for each batch of np.random.default_rng(seed).permutation per epoch: loss = "
                 "nnx.jit(train_step)(model, optimizer, x, y) (nnx.value_and_grad, optimizer.update)",
            arguments={"nnx.Optimizer": "wrt=nnx.Param"})

    def arrays(self) -> list[Any]:
        nnx = _flax().nnx
        return jax_module().tree.leaves(nnx.state(self.model, nnx.Param))

    def get_weights(self) -> Weights:
        return [(np.asarray(layer.kernel[...], dtype=np.float64).copy(),
                 None if layer.bias is None else np.asarray(layer.bias[...], dtype=np.float64).copy())
                for layer in self.model.layers]

"""Keras 3 backends: ``Sequential`` Dense layers; ``keras`` on TensorFlow, ``keras-jax``, ``keras-torch``
(the engine, dtype policy, closed loss and device hooks: ``backends/keras_runtime.py``).

Closed: the spec's per-row objective and reduction over rows, ``SGD(momentum)`` (classical momentum),
``train_on_batch`` per batch of the reference's order (``model.fit`` costs ~60 ms per epoch on 4 rows,
which would swamp the comparison). Open: Keras' default init, loss classes and ``model.fit``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from backends.keras_runtime import (
    ADAM_NOTE,
    TORCH_FLOAT64_NOTE,
    KerasJaxRuntime,
    KerasRuntime,
    KerasTorchRuntime,
    batch_of,
    closed_compile,
    epoch_end_callback,
    open_choices,
)
from bench.core.backend import Backend, EpochCallback, Weights, dtype_name
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


def _activations(spec: NetworkSpec) -> list[str]:
    return [spec.hidden_activation] * (len(spec.layers) - 2) + [spec.output_activation]


class KerasMLP(KerasRuntime, Backend):
    """The slides' network as Keras Dense layers, trained by Keras' optimizers."""

    name = "keras"
    extra = "keras"
    packages = ("numpy", "tensorflow", "tensorflow-cpu", "keras")
    kit_deviations = {ADAM_NOTE: "adam-epsilon"}
    #: Closed division: train cross-entropy from logits explicitly (a linear last layer) where Keras cannot
    #: find the softmax's logits (``_keras_logits``) and would take clipped probabilities instead.
    loss_from_logits: ClassVar[bool] = False

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if "step" in (spec.hidden_activation, spec.output_activation):
            return True, "Keras has no step activation and backpropagation needs a derivative"
        return super().skip(spec, task_kind, division)

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        keras = self.start(spec)
        # Cross-entropy from the output layer's logits: a linear last layer, the activation applied by
        # the loss and by predict (where Keras cannot attach the logits to the softmax's output).
        logits = self.loss_from_logits and spec.loss == "cross_entropy" and spec.output_activation in (
            "softmax", "sigmoid")
        activations = [*_activations(spec)[:-1], "linear" if logits else spec.output_activation]
        with self._placement():
            self.dense = [keras.layers.Dense(size, use_bias=spec.bias, dtype=spec.dtype,
                                             activation=self._activation(activation, spec.dtype))
                          for size, activation in zip(spec.layers[1:], activations)]
            self.model = keras.Sequential([keras.Input((spec.n_inputs,), dtype=spec.dtype), *self.dense])
            for layer, (W, b) in zip(self.dense, weights):
                layer.set_weights([W] if not spec.bias else [W, b])  # kernel (n_in, n_out): the shared layout
            self._deviate(ADAM_NOTE if spec.optimizer == "adam" else "")
            self.model.compile(*closed_compile(keras, self.keras_backend, spec, logits))
        self.head = logits and spec.output_activation

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        with self._placement():
            convert = self.keras().ops.convert_to_tensor
            return convert(np.asarray(X, dtype=spec.dtype)), convert(np.asarray(Y, dtype=spec.dtype))

    def train_batch(self, X: Any, Y: Any, rows: Any) -> float:
        with self._placement():
            X_batch, Y_batch = batch_of(self.keras().ops, X, Y, rows)
            loss = float(self.model.train_on_batch(X_batch, Y_batch, return_dict=True)["loss"])
        return loss if self.spec.reduction == "sum" else loss * int(X_batch.shape[0])

    # open division -----------------------------------------------------------
    def build_open(self, spec: NetworkSpec) -> None:
        keras, self.head = self.start(spec), None
        with self._placement():
            self.dense = [keras.layers.Dense(size, activation=activation, use_bias=spec.bias)
                          for size, activation in zip(spec.layers[1:], _activations(spec))]
            self.model = keras.Sequential([keras.Input((spec.n_inputs,)), *self.dense])

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        keras = self.keras()
        loss_class, reduction, optimizer_class, options = open_choices(spec)
        fit_kwargs = dict(batch_size=spec.effective_batch_size(len(X)), epochs=spec.epochs,
                          shuffle=spec.shuffle, verbose=0)
        callback = epoch_end_callback(keras, lambda epoch, loss: self.end_epoch(epoch, loss, on_epoch))
        with self._placement():
            self.model.compile(optimizer=getattr(keras.optimizers, optimizer_class)(**options),
                               loss=getattr(keras.losses, loss_class)(reduction=reduction))
            self.model.fit(np.asarray(X, dtype=spec.dtype), np.asarray(Y, dtype=spec.dtype),
                           callbacks=[callback], **fit_kwargs)
        return self.open_recipe(
            spec, len(X), library="keras", loss=f"keras.losses.{loss_class}(reduction={reduction!r})",
            model=f"keras.Sequential([keras.Input(({spec.n_inputs},)), " + ", ".join(
                f"Dense({size}, activation={activation!r}, use_bias={spec.bias})"
                for size, activation in zip(spec.layers[1:], _activations(spec))) + "])",
            init=f"Keras defaults (glorot_uniform kernels, zero biases) after "
                 f"keras.utils.set_random_seed({spec.seed})",
            loop=f"model.fit(X, Y, callbacks=[on_epoch_end], **{fit_kwargs})",
            arguments={"optimizer": f"keras.optimizers.{optimizer_class}", "optimizer_kwargs": options,
                       "floatx": spec.dtype, "keras_backend": self.keras_backend, "fit": fit_kwargs})

    def parameter_dtype(self) -> str:
        return dtype_name(self.model.weights[0].dtype)

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self._placement():
            outputs = self.model.predict_on_batch(np.asarray(X, dtype=self.dtype))
            if self.head:  # a closed network trained from its logits
                ops = self.keras().ops
                outputs = ops.softmax(outputs, axis=-1) if self.head == "softmax" else ops.sigmoid(outputs)
            return np.asarray(outputs, dtype=np.float64)

    def get_weights(self) -> Weights:
        return [(np.asarray(values[0], np.float64), np.asarray(values[1], np.float64) if len(values) > 1
                 else None) for values in (layer.get_weights() for layer in self.dense)]


class KerasJaxMLP(KerasJaxRuntime, KerasMLP):
    """Keras 3 on JAX (``KERAS_BACKEND=jax``). A JAX array takes no ``_keras_logits`` attribute, so Keras
    would take cross-entropy from clipped probabilities: the closed network's last layer is linear and the
    loss and ``predict`` apply the output activation (``from_logits=True``, ``self.head``)."""

    name = "keras-jax"
    extra = "keras,jax"
    packages = ("numpy", "keras", "jax", "jaxlib")
    keras_backend = "jax"
    loss_from_logits = True


class KerasTorchMLP(KerasTorchRuntime, KerasMLP):
    """Keras 3 on PyTorch (``KERAS_BACKEND=torch``): float64 products are float32 (recorded)."""

    name = "keras-torch"
    extra = "keras,torch"
    packages = ("numpy", "keras", "torch")
    keras_backend = "torch"
    kit_deviations = {**KerasMLP.kit_deviations, TORCH_FLOAT64_NOTE: "precision"}
    float64_note = TORCH_FLOAT64_NOTE

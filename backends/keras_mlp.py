"""Keras 3 (TensorFlow) backend: ``Sequential`` Dense layers (seed 000, part 3, "TensorFlow").

The objective is written as a Keras loss with the spec's per-row value —
``½ Σ (y − ŷ)²`` for mse (Keras' ``MeanSquaredError`` would average over the
outputs instead), categorical or binary cross-entropy, which Keras computes
from the output layer's logits — and the spec's reduction over rows
(``"sum"``, or ``"sum_over_batch_size"`` = mean). ``SGD(momentum)`` is the
slides' classical momentum. Training calls ``train_on_batch`` per batch
(Keras' compiled train step, traced in the first epoch); the batches are
drawn with NumPy from the spec's seed. ``model.fit`` costs ~60 ms of
per-epoch overhead on 4-row data, which would swamp the comparison.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

import numpy as np

from bench.core.backend import Backend, EpochCallback, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes

ADAM_NOTE = ("adam: Keras adds ε to √v, not √v̂ (Kingma & Ba's 'efficient' form): the reference's "
             "m̂ / (√v̂ + ε) with ε/√(1 − β2^t) instead of ε = 1e-8, which shows where gradients are tiny")


@cache
def _keras():  # type: ignore[no-untyped-def]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the harness sets it; quiet direct use too
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # e.g. retracing notices when predict sees a new input shape
    return keras


@cache
def _row_loss_class() -> type:
    keras = _keras()

    class RowLoss(keras.losses.Loss):
        """The spec's per-row objective; ``reduction`` adds or averages the rows."""

        def __init__(self, loss: str, output_activation: str, reduction: str, dtype: str) -> None:
            super().__init__(name=f"row_{loss}", reduction=reduction, dtype=dtype)
            self.loss, self.output_activation = loss, output_activation

        def call(self, y_true, y_pred):  # type: ignore[no-untyped-def]
            ops = keras.ops
            if self.loss == "mse":
                return 0.5 * ops.sum(ops.square(y_true - y_pred), axis=-1)
            if self.output_activation == "softmax":  # from the softmax's logits (Keras' _keras_logits)
                return ops.categorical_crossentropy(y_true, y_pred)
            return ops.sum(ops.binary_crossentropy(y_true, y_pred), axis=-1)

    return RowLoss


class KerasMLP(Backend):
    """The slides' network as Keras Dense layers, trained by Keras' optimizers."""

    name = "keras"
    packages = ("numpy", "tensorflow", "tensorflow-cpu", "keras")
    devices = ("cpu", "gpu")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            _keras()
        except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
            return False, f"cannot import keras/tensorflow: {exc}"
        return True, ""

    @classmethod
    def device_available(cls, device: str) -> tuple[bool, str]:
        if device != "gpu":
            return super().device_available(device)
        try:
            import tensorflow as tf
        except Exception as exc:  # noqa: BLE001
            return False, f"cannot import tensorflow: {exc}"
        if not tf.config.list_physical_devices("GPU"):
            return False, "TensorFlow sees no GPU here (tensorflow-cpu build, or no CUDA device)"
        return True, ""

    def setup_threads(self) -> None:
        if not self.threads:
            return
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(self.threads)
            tf.config.threading.set_inter_op_parallelism_threads(self.threads)
        except RuntimeError:  # TensorFlow already initialised: TF_NUM_*_THREADS from the harness apply
            pass

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if "step" in (spec.hidden_activation, spec.output_activation):
            return True, "Keras has no step activation and backpropagation needs a derivative"
        return super().skip(spec, task_kind, division)

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        import tensorflow as tf

        with tf.device("/GPU:0" if self.device == "gpu" else "/CPU:0"):
            yield

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        keras = _keras()
        keras.config.set_floatx(spec.dtype)  # the optimizer's learning-rate variable follows floatx
        keras.utils.set_random_seed(spec.seed)
        self.dtype = spec.dtype
        with self._placement():
            dense = [keras.layers.Dense(size, use_bias=spec.bias, dtype=spec.dtype,
                                        activation=spec.hidden_activation if index < len(weights) - 1
                                        else spec.output_activation)
                     for index, size in enumerate(spec.layers[1:])]
            self.model = keras.Sequential([keras.Input((spec.n_inputs,), dtype=spec.dtype), *dense])
            for layer, (W, b) in zip(dense, weights):
                layer.set_weights([W] if not spec.bias else [W, b])  # kernel (n_in, n_out): the shared layout
            if spec.optimizer == "adam":
                self._deviate(ADAM_NOTE)
                optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=np.float64(0.9),
                                                  beta_2=np.float64(0.999), epsilon=np.float64(1e-8))
            else:  # NumPy floats: Keras casts Python floats through float32 before float64
                optimizer = keras.optimizers.SGD(spec.learning_rate, momentum=np.float64(spec.momentum),
                                                 nesterov=False)
            reduction = "sum" if spec.reduction == "sum" else "sum_over_batch_size"  # = mean over rows
            loss = _row_loss_class()(spec.loss, spec.output_activation, reduction, spec.dtype)
            self.model.compile(optimizer=optimizer, loss=loss)
        self.dense = dense

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        ops = _keras().ops
        with self._placement():
            return (ops.convert_to_tensor(np.asarray(X, dtype=spec.dtype)),
                    ops.convert_to_tensor(np.asarray(Y, dtype=spec.dtype)))

    def train_batch(self, X: Any, Y: Any, rows: Any) -> float:
        ops, n = _keras().ops, int(X.shape[0])
        with self._placement():
            if (rows.start == 0 and rows.stop >= n) if isinstance(rows, slice) else len(rows) == n:
                X_batch, Y_batch = X, Y  # the full batch (shuffled or not: the same sum of rows), no copy
            elif isinstance(rows, slice):
                X_batch, Y_batch = X[rows], Y[rows]
            else:
                X_batch, Y_batch = ops.take(X, rows, axis=0), ops.take(Y, rows, axis=0)
            loss = float(self.model.train_on_batch(X_batch, Y_batch, return_dict=True)["loss"])
        return loss if self.spec.reduction == "sum" else loss * int(X_batch.shape[0])

    # open division -----------------------------------------------------------
    def fit_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                 on_epoch: EpochCallback | None) -> None:
        """``Sequential`` of ``Dense`` layers with Keras' default initialisers, ``compile`` with Keras'
        loss classes and optimizer defaults, ``model.fit(X, Y, batch_size, epochs, shuffle, verbose=0)``;
        ``on_epoch`` from a ``keras.callbacks.Callback.on_epoch_end`` (Keras' ``logs["loss"]``)."""
        keras = _keras()
        keras.config.set_floatx(spec.dtype)
        keras.utils.set_random_seed(spec.seed)
        self.dtype = spec.dtype
        loss_class = ("MeanSquaredError" if spec.loss == "mse" else "CategoricalCrossentropy"
                      if spec.output_activation == "softmax" else "BinaryCrossentropy")
        reduction = "sum" if spec.reduction == "sum" else "sum_over_batch_size"
        if spec.optimizer == "adam":
            optimizer_class, options = "Adam", dict(learning_rate=spec.learning_rate)
        else:
            optimizer_class, options = "SGD", dict(learning_rate=spec.learning_rate, momentum=spec.momentum)
        batch_size = spec.effective_batch_size(len(X))
        activations = [spec.hidden_activation] * (len(spec.layers) - 2) + [spec.output_activation]
        with self._placement():
            self.model = keras.Sequential(
                [keras.Input((spec.n_inputs,)),
                 *(keras.layers.Dense(size, activation=activation, use_bias=spec.bias)
                   for size, activation in zip(spec.layers[1:], activations))])
            self.model.compile(optimizer=getattr(keras.optimizers, optimizer_class)(**options),
                               loss=getattr(keras.losses, loss_class)(reduction=reduction))
            backend = self

            class EpochEnd(keras.callbacks.Callback):
                def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
                    backend.end_epoch(epoch + 1, (logs or {})["loss"], on_epoch)

            fit_kwargs = dict(batch_size=batch_size, epochs=spec.epochs, shuffle=spec.shuffle, verbose=0)
            self.recipe = {
                "model": f"keras.Sequential([keras.Input(({spec.n_inputs},)), "
                         + ", ".join(f"Dense({size}, activation={a!r}, use_bias={spec.bias})"
                                     for size, a in zip(spec.layers[1:], activations)) + "])",
                "init": f"Keras defaults (glorot_uniform kernels, zero biases) after "
                        f"keras.utils.set_random_seed({spec.seed})",
                "dtype": f"keras.config.set_floatx({spec.dtype!r})",
                "loss": f"keras.losses.{loss_class}(reduction={reduction!r})",
                "optimizer": f"keras.optimizers.{optimizer_class}", "optimizer_kwargs": options,
                "fit": fit_kwargs, "device": self.device,
            }
            self.model.fit(np.asarray(X, dtype=spec.dtype), np.asarray(Y, dtype=spec.dtype),
                           callbacks=[EpochEnd()], **fit_kwargs)
        self.dense = [layer for layer in self.model.layers if isinstance(layer, keras.layers.Dense)]

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self._placement():
            return np.asarray(self.model.predict_on_batch(np.asarray(X, dtype=self.dtype)), dtype=np.float64)

    def get_weights(self) -> Weights:
        weights: Weights = []
        for layer in self.dense:
            values = [np.asarray(v, dtype=np.float64) for v in layer.get_weights()]
            weights.append((values[0], values[1] if len(values) > 1 else None))
        return weights

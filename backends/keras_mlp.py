"""Keras 3 backends: ``Sequential`` Dense layers; ``keras`` on TensorFlow, ``keras-jax``, ``keras-torch``.

One adapter, ``KERAS_BACKEND`` set to the class's ``keras_backend`` before this process first imports Keras
(:func:`_keras`). Keras picks its backend once per process: a process that imported Keras with another one
cannot run this one (``skip()`` says so, ``load``/``fit`` refuse; the harness runs each cell in a fresh
process). ``keras-jax`` switches JAX's x64 mode on first (float64 networks stay float64).
Closed: a Keras loss with the spec's per-row objective (``½ Σ (y − ŷ)²``, where Keras' ``MeanSquaredError``
averages over outputs; cross-entropy from the logits) and reduction over rows, ``SGD(momentum)`` (classical
momentum), ``train_on_batch`` per batch of the reference's order (``model.fit`` costs ~60 ms per epoch on
4 rows, which would swamp the comparison). Open: Keras' default init, loss classes and ``model.fit``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any, ClassVar

import numpy as np

from backends.jax_runtime import JaxRuntime
from backends.torch_runtime import TorchRuntime
from bench.core.backend import Backend, EpochCallback, Weights, dtype_name
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes

ADAM_NOTE = ("adam: Keras adds ε to √v, not √v̂ (Kingma & Ba's 'efficient' form): the reference's "
             "m̂ / (√v̂ + ε) with ε/√(1 − β2^t) instead of ε = 1e-8, which shows where gradients are tiny")


TORCH_FLOAT64_NOTE = ("float64: Keras on PyTorch computes Dense's matrix products in float32 (its torch "
                      "matmul casts through keras' dtype rules, which map float64 to float32 off "
                      "TensorFlow): weights and activations are float64, each product float32-rounded "
                      "(≤ 1e-7 from the reference after 3 epochs, ≤ 6e-6 after 25)")


class WrongKerasBackend(RuntimeError):
    """Keras was imported in this process with another backend than the adapter's."""


def loaded_keras_backend() -> str | None:
    """The backend Keras runs in this process, or None before Keras is imported."""
    keras = sys.modules.get("keras")
    return None if keras is None else keras.backend.backend()


@cache
def _load_keras(engine: str) -> Any:
    if engine == "jax":
        from backends.jax_runtime import _jax

        _jax()  # x64 before Keras makes its first array
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the harness sets it; quiet direct use too
    if loaded_keras_backend() is None:
        os.environ["KERAS_BACKEND"] = engine  # read by Keras at its first import only
    import keras

    if engine == "tensorflow" and keras.backend.backend() == engine:
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")  # e.g. retracing notices when predict sees a new input shape
    return keras


def _keras(engine: str = "tensorflow"):  # type: ignore[no-untyped-def]
    """``keras`` running on ``engine``; :class:`WrongKerasBackend` when it already runs on another."""
    keras = _load_keras(engine)
    if keras.backend.backend() != engine:
        raise WrongKerasBackend(wrong_backend_reason(engine))
    return keras


def wrong_backend_reason(engine: str) -> str:
    return (f"keras runs on {loaded_keras_backend()} in this process and picks its backend once per "
            f"process: Keras on {engine} needs a process of its own (KERAS_BACKEND={engine} before Keras "
            "is imported)")


@cache
def _row_loss_class(engine: str) -> type:
    keras = _keras(engine)

    class RowLoss(keras.losses.Loss):
        """The spec's per-row objective; ``reduction`` adds or averages the rows."""

        def __init__(self, loss: str, output_activation: str, reduction: str, dtype: str,
                     from_logits: bool = False) -> None:
            super().__init__(name=f"row_{loss}", reduction=reduction, dtype=dtype)
            self.loss, self.output_activation, self.from_logits = loss, output_activation, from_logits

        def call(self, y_true, y_pred):  # type: ignore[no-untyped-def]
            ops, logits = keras.ops, self.from_logits
            if self.loss == "mse":
                return 0.5 * ops.sum(ops.square(y_true - y_pred), axis=-1)
            if self.output_activation == "softmax":  # from the softmax's logits (Keras' _keras_logits)
                return ops.categorical_crossentropy(y_true, y_pred, from_logits=logits)
            return ops.sum(ops.binary_crossentropy(y_true, y_pred, from_logits=logits), axis=-1)

    return RowLoss


def _activations(spec: NetworkSpec) -> list[str]:
    return [spec.hidden_activation] * (len(spec.layers) - 2) + [spec.output_activation]


class KerasMLP(Backend):
    """The slides' network as Keras Dense layers, trained by Keras' optimizers."""

    name = "keras"
    extra = "keras"
    packages = ("numpy", "tensorflow", "tensorflow-cpu", "keras")
    devices = ("cpu", "gpu")
    kit_deviations = {ADAM_NOTE: "adam-epsilon"}
    #: The Keras backend (``KERAS_BACKEND``) this adapter runs Keras on.
    keras_backend: ClassVar[str] = "tensorflow"
    #: Closed division: train cross-entropy from logits explicitly (a linear last layer) where Keras cannot
    #: find the softmax's logits (``_keras_logits``) and would take clipped probabilities instead.
    loss_from_logits: ClassVar[bool] = False
    #: The deviation a float64 network records ("": none).
    float64_note: ClassVar[str] = ""

    @classmethod
    def available(cls) -> tuple[bool, str]:
        engine = cls.keras_backend
        try:
            if loaded_keras_backend() not in (None, engine):
                # Keras runs another engine here; a cell of this backend runs in a process of its own.
                __import__(engine)
                if importlib.util.find_spec("keras") is None:
                    raise ImportError("no module named 'keras'")
            else:
                _keras(engine)
                if engine != "tensorflow":  # loaded here, not in the timed first epoch:
                    if importlib.util.find_spec("tensorflow") is not None:
                        import tensorflow  # noqa: F401 - keras.utils.set_random_seed imports it when installed
                    if engine == "torch":
                        import torch._dynamo  # noqa: F401 - torch.optim's lazy import (as TorchMLP.available)
        except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
            return cls.unavailable(f"cannot import keras/{engine}: {exc}")
        return True, ""

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
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
            tf.config.threading.set_inter_op_parallelism_threads(self.interop_threads or self.threads)
        except RuntimeError:  # TensorFlow already initialised: TF_NUM_*_THREADS from the harness apply
            pass

    synchronizes_with = "the last weight read back (TensorFlow on a GPU)"

    def pin_precision(self) -> dict[str, str]:
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(False)
        return {"tf.config.experimental.tensor_float_32_execution_enabled()":
                str(tf.config.experimental.tensor_float_32_execution_enabled())}

    def _weights(self) -> list[Any]:
        model = getattr(self, "model", None)
        return [weight.value for weight in model.weights] if model is not None else []

    def synchronize(self) -> None:
        weights = self._weights()
        if self.device == "gpu" and weights:
            np.asarray(weights[-1])  # TensorFlow's GPU stream runs in order: the last update is done

    def peak_device_memory(self) -> int | None:
        if self.device != "gpu":
            return None
        import tensorflow as tf

        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if loaded_keras_backend() not in (None, self.keras_backend):
            return True, wrong_backend_reason(self.keras_backend)
        if "step" in (spec.hidden_activation, spec.output_activation):
            return True, "Keras has no step activation and backpropagation needs a derivative"
        return super().skip(spec, task_kind, division)

    def _activation(self, name: str, dtype: str) -> Any:
        """The Dense layer's activation in the closed division: Keras' own, by name."""
        return name

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        import tensorflow as tf

        with tf.device("/GPU:0" if self.device == "gpu" else "/CPU:0"):
            yield

    def _start(self, spec: NetworkSpec) -> Any:
        """Keras set up for a new model of ``spec`` (either division): floatx and the global dtype policy
        (cached by Keras at the first layer: floatx alone would not change it), the seed; returns keras."""
        keras = _keras(self.keras_backend)
        keras.config.set_floatx(spec.dtype)  # the optimizer's learning-rate variable follows floatx
        keras.config.set_dtype_policy(spec.dtype)
        keras.utils.set_random_seed(spec.seed)
        self.spec, self.dtype = spec, spec.dtype
        if spec.dtype == "float64":
            self._deviate(self.float64_note)
        return keras

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        keras = self._start(spec)
        # Cross-entropy from the output layer's logits: a linear last layer, the activation applied by
        # the loss and by predict (where Keras cannot attach the logits to the softmax's output).
        self._logits = (self.loss_from_logits and spec.loss == "cross_entropy"
                        and spec.output_activation in ("softmax", "sigmoid"))
        with self._placement():
            dense = [keras.layers.Dense(size, use_bias=spec.bias, dtype=spec.dtype,
                                        activation=self._activation(
                                            spec.hidden_activation if index < len(weights) - 1
                                            else "linear" if self._logits else spec.output_activation,
                                            spec.dtype))
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
            loss = _row_loss_class(self.keras_backend)(spec.loss, spec.output_activation, reduction,
                                                       spec.dtype, self._logits)
            self.model.compile(optimizer=optimizer, loss=loss)
        self.dense, self.head = dense, self._logits and spec.output_activation

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        ops = _keras(self.keras_backend).ops
        with self._placement():
            return (ops.convert_to_tensor(np.asarray(X, dtype=spec.dtype)),
                    ops.convert_to_tensor(np.asarray(Y, dtype=spec.dtype)))

    def train_batch(self, X: Any, Y: Any, rows: Any) -> float:
        ops, n = _keras(self.keras_backend).ops, int(X.shape[0])
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
    def build_open(self, spec: NetworkSpec) -> None:
        keras, self.head = self._start(spec), None
        with self._placement():
            self.dense = [keras.layers.Dense(size, activation=activation, use_bias=spec.bias)
                          for size, activation in zip(spec.layers[1:], _activations(spec))]
            self.model = keras.Sequential([keras.Input((spec.n_inputs,)), *self.dense])

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        keras, backend = _keras(self.keras_backend), self
        loss_class = ("MeanSquaredError" if spec.loss == "mse" else "CategoricalCrossentropy"
                      if spec.output_activation == "softmax" else "BinaryCrossentropy")
        reduction = "sum" if spec.reduction == "sum" else "sum_over_batch_size"
        optimizer_class = "Adam" if spec.optimizer == "adam" else "SGD"
        options = dict(learning_rate=spec.learning_rate, **({} if spec.optimizer == "adam"
                                                            else dict(momentum=spec.momentum)))
        fit_kwargs = dict(batch_size=spec.effective_batch_size(len(X)), epochs=spec.epochs,
                          shuffle=spec.shuffle, verbose=0)

        class EpochEnd(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
                backend.end_epoch(epoch + 1, (logs or {})["loss"], on_epoch)

        with self._placement():
            self.model.compile(optimizer=getattr(keras.optimizers, optimizer_class)(**options),
                               loss=getattr(keras.losses, loss_class)(reduction=reduction))
            self.model.fit(np.asarray(X, dtype=spec.dtype), np.asarray(Y, dtype=spec.dtype),
                           callbacks=[EpochEnd()], **fit_kwargs)
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
                ops = _keras(self.keras_backend).ops
                outputs = ops.softmax(outputs, axis=-1) if self.head == "softmax" else ops.sigmoid(outputs)
            return np.asarray(outputs, dtype=np.float64)

    def get_weights(self) -> Weights:
        return [(np.asarray(values[0], np.float64), np.asarray(values[1], np.float64) if len(values) > 1
                 else None) for values in (layer.get_weights() for layer in self.dense)]


class KerasJaxMLP(JaxRuntime, KerasMLP):
    """Keras 3 on JAX (``KERAS_BACKEND=jax``; JAX's runtime hooks, backends/jax_runtime.py).

    Keras' ``ops.tanh`` rounds float64 to float32 on JAX (``BIT64_TO_BIT32_DTYPE``): a float64 closed
    network's tanh is ``jax.numpy.tanh``. A JAX array takes no ``_keras_logits`` attribute, so Keras would
    take cross-entropy from clipped probabilities: the closed network's last layer is linear and the loss
    and ``predict`` apply the output activation (``from_logits=True``, ``self.head``)."""

    name = "keras-jax"
    extra = "keras,jax"
    packages = ("numpy", "keras", "jax", "jaxlib")
    keras_backend = "jax"
    loss_from_logits = True  # a JAX array takes no _keras_logits attribute

    def _activation(self, name: str, dtype: str) -> Any:
        if name == "tanh" and dtype == "float64":
            import jax.numpy as jnp

            return jnp.tanh
        return name

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        with _keras(self.keras_backend).device("gpu:0" if self.device == "gpu" else "cpu:0"):
            yield

    synchronizes_with = "jax.block_until_ready(weights)"

    def device_tree(self) -> Any:
        return self._weights() or None


class KerasTorchMLP(TorchRuntime, KerasMLP):
    """Keras 3 on PyTorch (``KERAS_BACKEND=torch``): float64 products are float32 (:data:`TORCH_FLOAT64_NOTE`,
    recorded). Keras places tensors on CUDA whenever torch sees one (the harness hides CUDA from a ``cpu``
    cell); ``keras.device("cpu:0")`` around ``train_on_batch`` loses the gradients (Keras 3.15), so no
    placement scope is used."""

    name = "keras-torch"
    extra = "keras,torch"
    packages = ("numpy", "keras", "torch")
    keras_backend = "torch"
    kit_deviations = {**KerasMLP.kit_deviations, TORCH_FLOAT64_NOTE: "precision"}
    float64_note = TORCH_FLOAT64_NOTE

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        yield

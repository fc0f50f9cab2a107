"""Keras 3's runtime, shared by the adapters that run Keras (keras, keras-jax, keras-torch): picking the
engine, Keras' dtype policy and seed, the closed division's loss and optimizers, and each engine's device
hooks (:class:`KerasRuntime` on TensorFlow, :class:`KerasJaxRuntime`, :class:`KerasTorchRuntime`).

Keras picks its backend once per process, from ``KERAS_BACKEND`` at its first import (:func:`keras_on`): a
process that imported Keras with another engine cannot run an adapter on this one
(:class:`WrongKerasBackend`; the harness runs each cell in a fresh process). Keras on JAX switches JAX's
x64 mode on first (float64 networks stay float64).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, ClassVar

import numpy as np

from backends.jax_runtime import JaxRuntime
from backends.torch_runtime import TorchRuntime
from bench.core.spec import NetworkSpec

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


def keras_on(engine: str = "tensorflow") -> Any:
    """``keras`` running on ``engine``; :class:`WrongKerasBackend` when it already runs on another."""
    keras = _load_keras(engine)
    if keras.backend.backend() != engine:
        raise WrongKerasBackend(wrong_backend_reason(engine))
    return keras


def wrong_backend_reason(engine: str) -> str:
    return (f"keras runs on {loaded_keras_backend()} in this process and picks its backend once per "
            f"process: Keras on {engine} needs a process of its own (KERAS_BACKEND={engine} before Keras "
            "is imported)")


def import_engine(engine: str) -> None:
    """Import Keras on ``engine`` and what its first fit would import (not in the timed first epoch); where
    Keras already runs another engine here, only check that the libraries import (ImportError if not)."""
    if loaded_keras_backend() not in (None, engine):
        __import__(engine)
        if importlib.util.find_spec("keras") is None:
            raise ImportError("no module named 'keras'")
        return
    keras_on(engine)
    if engine != "tensorflow":
        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow  # noqa: F401 - keras.utils.set_random_seed imports it when installed
        if engine == "torch":
            import torch._dynamo  # noqa: F401 - torch.optim's lazy import (as TorchMLP.available)


@cache
def _row_loss_class(engine: str) -> type:
    keras = keras_on(engine)

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


def closed_compile(keras: Any, engine: str, spec: NetworkSpec, from_logits: bool) -> tuple[Any, Any]:
    """The closed division's optimizer (NumPy floats: Keras casts Python floats through float32 before
    float64) and loss: the spec's per-row objective (``½ Σ (y − ŷ)²``, where Keras' ``MeanSquaredError``
    averages over outputs; cross-entropy from the logits), added or averaged over the rows."""
    if spec.optimizer == "adam":
        optimizer = keras.optimizers.Adam(spec.learning_rate, beta_1=np.float64(0.9),
                                          beta_2=np.float64(0.999), epsilon=np.float64(1e-8))
    else:
        optimizer = keras.optimizers.SGD(spec.learning_rate, momentum=np.float64(spec.momentum),
                                         nesterov=False)
    reduction = "sum" if spec.reduction == "sum" else "sum_over_batch_size"  # = mean over rows
    return optimizer, _row_loss_class(engine)(spec.loss, spec.output_activation, reduction, spec.dtype,
                                              from_logits)


def batch_of(ops: Any, X: Any, Y: Any, rows: Any) -> tuple[Any, Any]:
    """The rows ``rows`` (a slice or an index array) of device tensors ``X``, ``Y``: the full batch
    (shuffled or not: the same sum of rows) without a copy."""
    n = int(X.shape[0])
    if (rows.start == 0 and rows.stop >= n) if isinstance(rows, slice) else len(rows) == n:
        return X, Y
    if isinstance(rows, slice):
        return X[rows], Y[rows]
    return ops.take(X, rows, axis=0), ops.take(Y, rows, axis=0)


def open_choices(spec: NetworkSpec) -> tuple[str, str, str, dict[str, Any]]:
    """The open division's Keras loss class, its reduction, the optimizer class and its arguments."""
    loss_class = ("MeanSquaredError" if spec.loss == "mse" else "CategoricalCrossentropy"
                  if spec.output_activation == "softmax" else "BinaryCrossentropy")
    reduction = "sum" if spec.reduction == "sum" else "sum_over_batch_size"
    optimizer_class = "Adam" if spec.optimizer == "adam" else "SGD"
    options = dict(learning_rate=spec.learning_rate, **({} if spec.optimizer == "adam"
                                                        else dict(momentum=spec.momentum)))
    return loss_class, reduction, optimizer_class, options


def epoch_end_callback(keras: Any, end_epoch: Callable[[int, Any], None]) -> Any:
    """A Keras callback calling ``end_epoch(epoch from 1, the epoch's logged loss)``."""

    class EpochEnd(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            end_epoch(epoch + 1, (logs or {})["loss"])

    return EpochEnd()


class KerasRuntime:
    """A Keras adapter's engine (mix in first): Keras on :attr:`keras_backend` (``available``, ``skip``
    in a process holding another engine), a new model's dtype policy and seed (:meth:`start`), and
    TensorFlow's device hooks: threads, TF32 off, placement, waits."""

    devices = ("cpu", "gpu")
    synchronizes_with = "the last weight read back (TensorFlow on a GPU)"
    #: The Keras backend (``KERAS_BACKEND``) this adapter runs Keras on.
    keras_backend: ClassVar[str] = "tensorflow"
    #: The deviation a float64 network records ("": none).
    float64_note: ClassVar[str] = ""
    device: str
    threads: int | None
    interop_threads: int | None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            import_engine(cls.keras_backend)
        except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
            return cls.unavailable(f"cannot import keras/{cls.keras_backend}: {exc}")  # type: ignore[attr-defined]
        return True, ""

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if loaded_keras_backend() not in (None, self.keras_backend):
            return True, wrong_backend_reason(self.keras_backend)
        return super().skip(spec, task_kind, division)  # type: ignore[misc]

    def keras(self) -> Any:
        """``keras`` on this adapter's engine (:func:`keras_on`)."""
        return keras_on(self.keras_backend)

    def start(self, spec: NetworkSpec) -> Any:
        """Keras set up for a new model of ``spec`` (either division); returns keras. floatx (the
        optimizer's learning-rate variable follows it), the global dtype policy (cached by Keras at the
        first layer: floatx alone would not change it), the seed; a float64 network's deviation."""
        keras = self.keras()
        keras.config.set_floatx(spec.dtype)
        keras.config.set_dtype_policy(spec.dtype)
        keras.utils.set_random_seed(spec.seed)
        self.spec, self.dtype = spec, spec.dtype
        if spec.dtype == "float64":
            self._deviate(self.float64_note)  # type: ignore[attr-defined]
        return keras

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

    def _activation(self, name: str, dtype: str) -> Any:
        """The Dense layer's activation in the closed division: Keras' own, by name."""
        return name

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        import tensorflow as tf

        with tf.device("/GPU:0" if self.device == "gpu" else "/CPU:0"):
            yield


class KerasJaxRuntime(JaxRuntime):
    """Keras on JAX (JAX's runtime hooks): Keras' ``ops.tanh`` rounds float64 to float32 on JAX
    (``BIT64_TO_BIT32_DTYPE``), so a float64 closed network's tanh is ``jax.numpy.tanh``."""

    synchronizes_with = "jax.block_until_ready(weights)"
    keras_backend: str

    def _activation(self, name: str, dtype: str) -> Any:
        if name == "tanh" and dtype == "float64":
            import jax.numpy as jnp

            return jnp.tanh
        return name

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        with keras_on(self.keras_backend).device("gpu:0" if self.device == "gpu" else "cpu:0"):
            yield

    def device_tree(self) -> Any:
        return self._weights() or None  # type: ignore[attr-defined]


class KerasTorchRuntime(TorchRuntime):
    """Keras on PyTorch (torch's runtime hooks). Keras places tensors on CUDA whenever torch sees one (the
    harness hides CUDA from a ``cpu`` cell); ``keras.device("cpu:0")`` around ``train_on_batch`` loses the
    gradients (Keras 3.15), so no placement scope is used."""

    @contextlib.contextmanager
    def _placement(self) -> Iterator[None]:
        yield

"""JAX backend: parameters as a pytree, a ``jax.jit``-compiled epoch, optax's optimizers.

Closed division: the weights are a list of ``(W, b)`` (or ``(W,)`` without
bias) in the shared layout; one epoch is one compiled function, a
``lax.scan`` over the epoch's batches. Every batch has ``batch_size`` rows:
the last, shorter one is padded with row 0 and a mask of zeros, so its rows
contribute nothing to the loss or the gradient and the mean divides by the
real rows only (the reference's update). One epoch shape means one
compilation per fit, which happens inside the first epoch (it shows as
first-epoch time), never per batch. The objective is the reference's per row
(``backends/scratch/losses.py``): ``½ Σ (y − ŷ)²``, cross-entropy from the
output layer's logits (``log_softmax``, ``log_sigmoid``), summed or averaged
per ``reduction``. ``optax.sgd(lr, momentum)`` keeps ``t = μt + g`` and steps
``w −= lr·t``: the reference's ``v = μv − lr·g`` with ``v = −lr·t`` while the
learning rate is constant; ``optax.adam`` divides by ``√v̂ + ε`` (``eps_root=0``)
as the reference does (Kingma & Ba, 2015, Algorithm 1). The step function's
derivative is zero, as in the reference. float64 needs JAX's x64 mode: it is
switched on when this module first imports JAX, before any array is made
(float32 arrays stay float32 under it).

Open division: plain JAX + optax, the pattern of JAX's and optax's own
tutorials: Flax ``Dense``'s default initialisers (``lecun_normal`` kernels, zero
biases, from ``jax.nn.initializers``) on ``jax.random.key(seed)``, optax's loss
functions averaged (or summed) over the batch, a ``jax.jit`` train step (the
batch gathered inside it) called per batch of a ``jax.random.permutation`` per
epoch (the shorter last batch compiles a second shape once).

``--threads``: XLA's CPU client ignores ``--xla_cpu_multi_thread_eigen`` and
``intra_op_parallelism_threads`` (measured with jaxlib 0.10.2: a 2000² matmul
keeps using every core); it sizes its thread pool from the CPUs the process may
run on when the client is created. :func:`limit_cpu_threads` narrows the
process's CPU affinity to ``threads`` CPUs while the client is created, then
restores it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.core.backend import Backend, EpochCallback, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes

#: jax-cuda / jax-rocm plugins; without one, this jaxlib has no GPU.
GPU_PLUGINS = ("jax_cuda12_plugin", "jax_cuda13_plugin", "jax_rocm60_plugin", "jax_rocm7_plugin")


@functools.cache
def _jax() -> Any:
    """``jax`` with x64 enabled (before any array exists, so float64 networks stay float64)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def cpu_client_created() -> bool:
    """Whether this process has created XLA's clients (whose CPU thread pool is then fixed)."""
    from jax._src import xla_bridge

    return xla_bridge.backends_are_initialized()


#: The thread count XLA's CPU client was created with in this process (None: not created by us yet).
_client_threads: list[int] = []


def _affinity() -> set[int]:
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))


def limit_cpu_threads(threads: int | None) -> str:
    """Create XLA's CPU client with ``threads`` threads (see the module docstring); returns a note when
    the client already exists with another thread count (it cannot change), else ""."""
    jax = _jax()
    allowed = _affinity()
    if cpu_client_created():
        if not _client_threads:  # created elsewhere in this process: sized from the affinity then
            _client_threads.append(len(allowed))
        if threads and threads != min(_client_threads[0], len(allowed)):
            return (f"--threads {threads} not applied: XLA's CPU client was created earlier in this "
                    f"process with {_client_threads[0]} threads and keeps them")
        return ""
    if not threads or threads >= len(allowed):
        jax.devices()
        _client_threads.append(len(allowed))
        return ""
    os.sched_setaffinity(0, set(sorted(allowed)[:threads]))
    try:
        jax.devices()  # creates the clients: XLA's CPU thread pool is sized from the affinity now
    finally:
        os.sched_setaffinity(0, allowed)
    _client_threads.append(threads)
    return ""


def pin_jax_precision() -> dict[str, str]:
    """``jax_default_matmul_precision = "highest"`` (full float32 products on GPUs/TPUs too); as read back."""
    jax = _jax()
    jax.config.update("jax_default_matmul_precision", "highest")
    return {"jax_default_matmul_precision": str(jax.config.jax_default_matmul_precision)}


def jax_synchronize(tree: Any) -> None:
    """Wait for every array of ``tree`` (JAX dispatches asynchronously, on the CPU too)."""
    if tree is not None:
        _jax().block_until_ready(tree)


def jax_peak_memory(device: Any) -> int | None:
    """``device.memory_stats()["peak_bytes_in_use"]`` where the device reports it (not XLA's CPU)."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    peak = (stats or {}).get("peak_bytes_in_use")
    return int(peak) if peak is not None else None


def gpu_available() -> tuple[bool, str]:
    """``(True, "")`` when JAX lists a GPU device, without creating clients on a CPU-only install."""
    if not any(importlib.util.find_spec(plugin) for plugin in GPU_PLUGINS):
        return False, "JAX lists no GPU device: no jax CUDA/ROCm plugin is installed (CPU build)"
    try:
        devices = _jax().devices("gpu")
    except RuntimeError as exc:
        return False, f"JAX lists no GPU device: {exc}"
    return (True, "") if devices else (False, "JAX lists no GPU device")


def _activation(name: str) -> Callable[[Any], Any]:
    """The slides' activation ``name`` on an array of weighted sums (step: 1 where x ≥ 1, derivative 0)."""
    jax = _jax()
    jnp = jax.numpy
    if name == "step":
        return lambda x: jnp.where(x >= 1, 1, 0).astype(x.dtype)
    return {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda x: x,
            "softmax": lambda x: jax.nn.softmax(x, axis=1)}[name]


def _forward(params: Any, X: Any, hidden: str, output: str) -> tuple[Any, Any]:
    """The output layer's weighted sums and its activations."""
    act = _activation(hidden)
    for layer in params[:-1]:
        X = act(X @ layer[0] + layer[1] if len(layer) > 1 else X @ layer[0])
    last = params[-1]
    logits = X @ last[0] + last[1] if len(last) > 1 else X @ last[0]
    return logits, _activation(output)(logits)


def _row_losses(params: Any, X: Any, Y: Any, hidden: str, output: str, loss: str) -> Any:
    """The spec's objective per row (backends/scratch/losses.py), from the logits for cross-entropy."""
    jax = _jax()
    logits, outputs = _forward(params, X, hidden, output)
    if loss == "mse":
        return 0.5 * ((Y - outputs) ** 2).sum(axis=1)
    if output == "softmax":
        return -(Y * jax.nn.log_softmax(logits, axis=1)).sum(axis=1)
    return -(Y * jax.nn.log_sigmoid(logits) + (1 - Y) * jax.nn.log_sigmoid(-logits)).sum(axis=1)


def _optimizer(spec: NetworkSpec) -> tuple[Any, str, dict[str, Any]]:
    """The optax optimizer of ``spec``, its name and keyword arguments (for the recipe)."""
    import optax

    if spec.optimizer == "adam":
        options: dict[str, Any] = dict(learning_rate=spec.learning_rate, b1=0.9, b2=0.999, eps=1e-8)
        return optax.adam(**options), "adam", options
    options = dict(learning_rate=spec.learning_rate, momentum=spec.momentum or None)
    return optax.sgd(**options), "sgd", options


@functools.lru_cache(maxsize=64)
def _closed_epoch(hidden: str, output: str, loss: str, reduction: str, optimizer_key: tuple) -> Any:
    """The jitted closed-division epoch for one network configuration (reused across fits)."""
    jax = _jax()
    name, learning_rate, momentum = optimizer_key
    import optax

    tx = (optax.adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8) if name == "adam"
          else optax.sgd(learning_rate, momentum=momentum or None))

    def batch_loss(params: Any, X: Any, Y: Any, mask: Any) -> tuple[Any, Any]:
        rows = _row_losses(params, X, Y, hidden, output, loss) * mask
        total = rows.sum()
        return (total if reduction == "sum" else total / mask.sum()), total

    grad = jax.value_and_grad(batch_loss, has_aux=True)

    @jax.jit
    def epoch(params: Any, state: Any, X: Any, Y: Any, picked: Any, mask: Any) -> tuple[Any, Any, Any]:
        def step(carry: Any, batch: Any) -> tuple[Any, Any]:
            params, state = carry
            rows, row_mask = batch
            (_, total), grads = grad(params, X[rows], Y[rows], row_mask)
            updates, state = tx.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), total

        (params, state), totals = jax.lax.scan(step, (params, state), (picked, mask))
        return params, state, totals.sum()

    return tx, epoch


class JaxMLP(Backend):
    """The spec as a pytree of ``(W, b)`` arrays trained by a jitted ``lax.scan`` epoch and optax."""

    name = "jax"
    extra = "jax"
    packages = ("numpy", "jax", "jaxlib", "optax")
    devices = ("cpu", "gpu")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            _jax()
            import optax  # noqa: F401
        except ImportError as exc:
            return cls.unavailable(f"cannot import jax/optax: {exc}")
        return True, ""

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
        return gpu_available()

    def setup_threads(self) -> None:
        self._deviate(limit_cpu_threads(self.threads))

    synchronizes_with = "jax.block_until_ready(params)"

    def pin_precision(self) -> dict[str, str]:
        return pin_jax_precision()

    def synchronize(self) -> None:
        jax_synchronize(getattr(self, "params", None))

    def peak_device_memory(self) -> int | None:
        return jax_peak_memory(self._device())

    def _device(self) -> Any:
        jax = _jax()
        return jax.devices("gpu" if self.device == "gpu" else "cpu")[0]

    def _array(self, array: Any, dtype: str) -> Any:
        jax = _jax()
        return jax.device_put(np.asarray(array, dtype=dtype), self._device())

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        self.spec, self.dtype = spec, spec.dtype
        self.params = [(self._array(W, spec.dtype),) if b is None or not spec.bias
                       else (self._array(W, spec.dtype), self._array(b, spec.dtype)) for W, b in weights]
        self._predict = _predict_function(spec.hidden_activation, spec.output_activation)

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        momentum = float(spec.momentum) if spec.optimizer != "adam" else 0.0
        self.tx, self._epoch = _closed_epoch(spec.hidden_activation, spec.output_activation, spec.loss,
                                             spec.reduction, (spec.optimizer, float(spec.learning_rate),
                                                              momentum))
        self.opt_state = self.tx.init(self.params)
        return self._array(X, spec.dtype), self._array(Y, spec.dtype)

    def train_epoch(self, X: Any, Y: Any, order: np.ndarray | None, batch_size: int) -> float:
        rows = int(X.shape[0])
        count = -(-rows // batch_size)
        picked = np.zeros(count * batch_size, dtype=np.int64)
        picked[:rows] = np.arange(rows) if order is None else order
        mask = np.zeros(count * batch_size, dtype=self.dtype)
        mask[:rows] = 1
        self.params, self.opt_state, total = self._epoch(
            self.params, self.opt_state, X, Y, self._array(picked.reshape(count, batch_size), "int64"),
            self._array(mask.reshape(count, batch_size), self.dtype))
        return float(total) / rows

    # open division -----------------------------------------------------------
    def fit_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                 on_epoch: EpochCallback | None) -> None:
        """Plain JAX + optax as its tutorials train (see the module docstring); ``on_epoch`` gets the
        epoch's mean row loss of optax's loss function."""
        jax = _jax()
        jnp = jax.numpy
        import optax

        self.spec, self.dtype = spec, spec.dtype
        key = jax.random.key(spec.seed)
        kernel_init, bias_init = jax.nn.initializers.lecun_normal(), jax.nn.initializers.zeros
        params = []
        for n_in, n_out in zip(spec.layers[:-1], spec.layers[1:]):
            key, layer_key = jax.random.split(key)
            kernel = kernel_init(layer_key, (n_in, n_out), spec.dtype)
            params.append((kernel, bias_init(layer_key, (n_out,), spec.dtype)) if spec.bias else (kernel,))
        self.params = jax.device_put(params, self._device())
        self._predict = _predict_function(spec.hidden_activation, spec.output_activation)
        loss_name = ("squared_error" if spec.loss == "mse" else "softmax_cross_entropy"
                     if spec.output_activation == "softmax" else "sigmoid_binary_cross_entropy")
        loss_function = getattr(optax.losses, loss_name)
        reduce = jnp.sum if spec.reduction == "sum" else jnp.mean
        hidden, output = spec.hidden_activation, spec.output_activation

        def objective(params: Any, x: Any, y: Any) -> Any:
            logits, outputs = _forward(params, x, hidden, output)
            return reduce(loss_function(outputs if spec.loss == "mse" else logits, y))

        tx, optimizer_name, options = _optimizer(spec)

        @jax.jit
        def train_step(params: Any, state: Any, X: Any, Y: Any, rows: Any) -> tuple[Any, Any, Any]:
            loss, grads = jax.value_and_grad(objective)(params, X[rows], Y[rows])
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state, loss

        state = tx.init(self.params)
        inputs, targets = self._array(X, spec.dtype), self._array(Y, spec.dtype)
        rows, batch = len(X), spec.effective_batch_size(len(X))
        self.recipe = {
            "model": "plain JAX: a list of (W, b) per layer, " + " → ".join(map(str, spec.layers))
                     + f", {hidden} hidden, {output} output",
            "init": f"jax.nn.initializers.lecun_normal() kernels, zeros biases (Flax Dense's defaults), "
                    f"keys split from jax.random.key({spec.seed})",
            "dtype": spec.dtype,
            "loss": f"optax.losses.{loss_name}(" + ("outputs" if spec.loss == "mse" else "logits")
                    + f", targets).{'sum' if spec.reduction == 'sum' else 'mean'}()",
            "optimizer": f"optax.{optimizer_name}", "optimizer_kwargs": options,
            "batch_size": batch, "epochs": spec.epochs,
            "shuffle": f"jax.random.permutation(k, n) per epoch, k split from jax.random.key({spec.seed})"
                       if spec.shuffle else False,
            "loop": "for each batch of the epoch's order: params, state, loss = jax.jit(train_step)(params, "
                    "state, X, Y, rows) (X[rows], value_and_grad, tx.update, optax.apply_updates)",
            "device": str(self._device()),
        }
        shuffle_key = jax.random.key(spec.seed)
        for epoch in range(1, spec.epochs + 1):
            order = np.arange(rows)
            if spec.shuffle:
                shuffle_key, epoch_key = jax.random.split(shuffle_key)
                order = np.asarray(jax.random.permutation(epoch_key, rows))
            losses, sizes = [], []
            for start in range(0, rows, batch):
                picked = order[start:start + batch]
                self.params, state, loss = train_step(self.params, state, inputs, targets, picked)
                losses.append(loss)
                sizes.append(1 if spec.reduction == "sum" else len(picked))
            total = float(np.dot(np.asarray(jax.device_get(losses), dtype=np.float64), sizes))
            self.end_epoch(epoch, total / rows, on_epoch)  # one device sync per epoch

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self._predict(self.params, self._array(X, self.dtype)))

    def get_weights(self) -> Weights:
        return [(np.asarray(layer[0], dtype=np.float64).copy(),
                 np.asarray(layer[1], dtype=np.float64).copy() if len(layer) > 1 else None)
                for layer in self.params]


@functools.lru_cache(maxsize=32)
def _predict_function(hidden: str, output: str) -> Any:
    """The jitted forward pass returning the output layer's activations."""
    jax = _jax()
    return jax.jit(lambda params, X: _forward(params, X, hidden, output)[1])

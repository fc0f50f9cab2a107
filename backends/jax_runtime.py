"""JAX's runtime, shared by the adapters that run on JAX (jax, keras-jax, flax, equinox).

:func:`_jax` imports JAX with x64 mode on (before any array exists, so float64
networks stay float64; float32 arrays stay float32 under it). :class:`JaxRuntime`
gives an adapter the harness's device hooks: thread policy, precision pinning,
synchronisation on the model's arrays (:meth:`JaxRuntime.device_tree`), peak memory.

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
from typing import Any

#: jax-cuda / jax-rocm plugins; without one, this jaxlib has no GPU.
GPU_PLUGINS = ("jax_cuda12_plugin", "jax_cuda13_plugin", "jax_rocm60_plugin", "jax_rocm7_plugin")


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


@functools.cache
def _jax() -> Any:
    """``jax`` with x64 enabled (before any array exists, so float64 networks stay float64)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def optax_optimizer(spec: Any) -> tuple[Any, dict[str, Any]]:
    """``optax.adam`` (the reference's β, ε) or ``optax.sgd(momentum)`` of a NetworkSpec; its arguments."""
    import optax

    if spec.optimizer == "adam":
        options: dict[str, Any] = dict(learning_rate=spec.learning_rate, b1=0.9, b2=0.999, eps=1e-8)
        return optax.adam(**options), options
    options = dict(learning_rate=spec.learning_rate, momentum=spec.momentum or None)
    return optax.sgd(**options), options


def optax_loss(spec: Any) -> tuple[str, str]:
    """The name of optax's loss function for a NetworkSpec's loss and output, and its call as code."""
    name = ("squared_error" if spec.loss == "mse" else "softmax_cross_entropy"
            if spec.output_activation == "softmax" else "sigmoid_binary_cross_entropy")
    inputs = "outputs" if spec.loss == "mse" else "logits"
    return name, f"optax.losses.{name}({inputs}, targets).{'sum' if spec.reduction == 'sum' else 'mean'}()"


def optax_objective(spec: Any, forward: Any) -> Any:
    """The open division's objective for :func:`optax_epoch`: optax's loss (:func:`optax_loss`) of
    ``forward(params, x) -> (logits, outputs)``, reduced per the spec, and the batch's summed row loss."""
    import optax

    function = getattr(optax.losses, optax_loss(spec)[0])

    def objective(params: Any, x: Any, y: Any) -> tuple[Any, Any]:
        logits, outputs = forward(params, x)
        value = function(outputs if spec.loss == "mse" else logits, y)
        value = value.sum() if spec.reduction == "sum" else value.mean()
        return value, value * (1 if spec.reduction == "sum" else len(x))

    return objective


def optax_epoch(objective: Any, tx: Any, rows: int, batch: int) -> Any:
    """The jitted epoch ``(params, state, X, Y, order) -> (params, state, mean row loss)`` of a library
    trained by hand with optax: a ``lax.scan`` of one step (``value_and_grad``, ``tx.update``,
    ``optax.apply_updates``) over the full batches of ``order``, then the shorter last batch (static
    shapes: one compilation). ``objective(params, x, y)`` returns the loss to differentiate and the
    batch's summed row loss."""
    jax = _jax()
    import optax

    grad = jax.value_and_grad(objective, has_aux=True)

    @jax.jit
    def epoch(params: Any, state: Any, X: Any, Y: Any, order: Any) -> tuple[Any, Any, Any]:
        def step(carry: Any, picked: Any) -> tuple[Any, Any]:
            (_, total), grads = grad(carry[0], X[picked], Y[picked])
            updates, state = tx.update(grads, carry[1], carry[0])
            return (optax.apply_updates(carry[0], updates), state), total

        full = rows - rows % batch
        carry, totals = jax.lax.scan(step, (params, state), order[:full].reshape(-1, batch))
        total = totals.sum()
        if full < rows:
            carry, last = step(carry, order[full:])
            total = total + last
        return carry[0], carry[1], total / rows

    return epoch


class JaxRuntime:
    """Device hooks of a :class:`bench.core.backend.Backend` whose library runs on JAX (mix in first)."""

    devices = ("cpu", "gpu")
    synchronizes_with = "jax.block_until_ready(params)"
    device: str
    threads: int | None

    def device_tree(self) -> Any:
        """The current model's arrays (None before a model exists): what :meth:`synchronize` waits for."""
        return getattr(self, "params", None)

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
        return gpu_available()

    def setup_threads(self) -> None:
        self._deviate(limit_cpu_threads(self.threads))  # type: ignore[attr-defined]

    def pin_precision(self) -> dict[str, str]:
        return pin_jax_precision()

    def synchronize(self) -> None:
        jax_synchronize(self.device_tree())

    def jax_device(self) -> Any:
        """The JAX device of this adapter's ``device``."""
        return _jax().devices("gpu" if self.device == "gpu" else "cpu")[0]

    def peak_device_memory(self) -> int | None:
        return jax_peak_memory(self.jax_device())

    def put(self, array: Any, dtype: str) -> Any:
        """``array`` as a JAX array of ``dtype`` on this adapter's device."""
        import numpy as np

        return _jax().device_put(np.asarray(array, dtype=dtype), self.jax_device())

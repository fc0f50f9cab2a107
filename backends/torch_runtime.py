"""PyTorch's runtime, shared by the adapters that run on torch (torch, keras-torch): the thread policy,
full-precision float32 products, CUDA synchronisation and peak memory as :class:`TorchRuntime`'s hooks;
torch.nn's activation modules and the reference's per-row objective."""

from __future__ import annotations

from typing import Any


def set_torch_threads(threads: int | None, interop: int | None) -> str:
    """``torch.set_num_threads(threads)`` and, when given, ``set_num_interop_threads(interop)``; returns a
    note when the inter-op pool had already started with another size (it cannot change), else ""."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    if interop and torch.get_num_interop_threads() != interop:
        try:
            torch.set_num_interop_threads(interop)
        except RuntimeError:
            return (f"torch inter-op threads not set to {interop}: the pool had started with "
                    f"{torch.get_num_interop_threads()}")
    return ""


def pin_torch_precision() -> dict[str, str]:
    """Full-precision float32 matmuls on every device (no TF32, no bf16 oneDNN passes); the settings as
    read back. torch ≥ 2.9 has ``torch.backends.fp32_precision``; mixing it with the legacy
    ``allow_tf32`` flags raises, so the legacy flags are used only where it is missing."""
    import torch

    torch.set_float32_matmul_precision("highest")
    settings = {"torch.get_float32_matmul_precision()": torch.get_float32_matmul_precision()}
    if hasattr(torch.backends, "fp32_precision"):
        torch.backends.fp32_precision = "ieee"
        settings.update({
            "torch.backends.cuda.matmul.fp32_precision": torch.backends.cuda.matmul.fp32_precision,
            "torch.backends.cudnn.conv.fp32_precision": torch.backends.cudnn.conv.fp32_precision})
    else:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        settings.update({"torch.backends.cuda.matmul.allow_tf32": "False",
                         "torch.backends.cudnn.allow_tf32": "False"})
    return settings


def cuda_in_use() -> bool:
    """Whether this process has initialised CUDA (so there may be queued work and device memory)."""
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_initialized())


def torch_synchronize() -> None:
    """Wait for every queued CUDA kernel (nothing to wait for on the CPU)."""
    import torch

    if cuda_in_use():
        torch.cuda.synchronize()


def torch_peak_memory() -> int | None:
    """Peak CUDA memory allocated by this process's tensors in bytes (None without CUDA)."""
    import torch

    return int(torch.cuda.max_memory_allocated()) if cuda_in_use() else None


def torch_activation(name: str) -> Any:
    """The torch.nn module of an activation (step: 1 where x ≥ 1, a graph whose gradient is zero)."""
    from torch import nn

    if name == "step":
        class Step(nn.Module):
            def forward(self, x: Any) -> Any:
                return (x >= 1).to(x.dtype) + 0 * x
        return Step()
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "linear": nn.Identity,
            "softmax": lambda: nn.Softmax(dim=1)}[name]()


def row_losses(spec: Any, logits: Any, head: Any, y: Any) -> Any:
    """The spec's objective per row (``backends/scratch/losses.py``) of the output layer's ``logits``:
    ``½ Σ (y − head(logits))²``, or cross-entropy from the logits (``log_softmax``, ``logsigmoid``), whose
    gradient is the reference's ``ŷ − y``."""
    import torch.nn.functional as F

    if spec.loss == "mse":
        return 0.5 * ((y - head(logits)) ** 2).sum(dim=1)
    if spec.output_activation == "softmax":
        return -(y * F.log_softmax(logits, dim=1)).sum(dim=1)
    return -(y * F.logsigmoid(logits) + (1 - y) * F.logsigmoid(-logits)).sum(dim=1)


def linear_weights(layers: list[Any]) -> list[tuple[Any, Any]]:
    """``nn.Linear`` layers' weights in the shared layout (``W`` transposed to (inputs, outputs)), float64."""
    return [(layer.weight.detach().cpu().double().numpy().T.copy(),
             layer.bias.detach().cpu().double().numpy().copy() if layer.bias is not None else None)
            for layer in layers]


class TorchRuntime:
    """Device hooks of a :class:`bench.core.backend.Backend` whose library runs on torch (mix in first)."""

    devices = ("cpu", "gpu")
    synchronizes_with = "torch.cuda.synchronize() when CUDA is in use"
    threads: int | None

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
        try:
            import torch
        except ImportError as exc:
            return False, f"cannot import torch: {exc}"
        if not torch.cuda.is_available():
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            return False, f"torch {torch.__version__} ({build}) sees no CUDA GPU"
        return True, ""

    def setup_threads(self) -> None:
        self._deviate(set_torch_threads(self.threads, self.interop_threads))  # type: ignore[attr-defined]

    def pin_precision(self) -> dict[str, str]:
        return pin_torch_precision()

    def synchronize(self) -> None:
        torch_synchronize()

    def peak_device_memory(self) -> int | None:
        return torch_peak_memory()

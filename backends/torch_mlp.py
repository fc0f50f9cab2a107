"""PyTorch backend: ``nn.Linear`` layers trained with ``torch.optim`` (seed 000, part 3).

The objective is written out per row as in ``backends/scratch/losses.py``:
``½ Σ_k (y − ŷ)²`` for mse, and cross-entropy from the output's logits
(``log_softmax``, or ``logsigmoid`` for the binary form) so that its gradient is
exactly the reference's ``ŷ − y``; rows are summed or averaged per
``reduction``. ``torch.optim.SGD`` keeps ``b = μb + g`` and steps ``w −= lr·b``,
the classical momentum ``v = μv − lr·g`` of the reference with ``v = −lr·b``
while the learning rate is constant. ``torch.optim.Adam`` divides by
``√v̂ + ε`` as the reference does (Kingma & Ba, 2015, Algorithm 1).

The step function's derivative is taken as zero, as in the reference, so no
gradient passes below a step layer. Rows are shuffled with the reference's
NumPy generator, so batches hold the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.core.backend import Backend, EpochCallback, Weights
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


def _activation(name: str) -> Callable[[Any], Any]:
    """The slides' activation function ``name`` acting on a tensor of weighted sums."""
    import torch

    if name == "step":  # 1 where x >= 1; `0 * x` keeps a graph whose gradient is zero
        return lambda x: (x >= 1).to(x.dtype) + 0 * x
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "linear": lambda x: x, "softmax": lambda x: torch.softmax(x, dim=1)}[name]


def _open_activation(name: str) -> Any:
    """The torch.nn module of an activation (open division)."""
    from torch import nn

    return nn.Softmax(dim=1) if name == "softmax" else {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                                                         "relu": nn.ReLU}[name]()


def _open_loss(spec: NetworkSpec) -> tuple[str, bool]:
    """The torch.nn loss class of the spec and whether it takes the output layer's logits."""
    if spec.loss == "mse":
        return "MSELoss", False
    return ("CrossEntropyLoss" if spec.output_activation == "softmax" else "BCEWithLogitsLoss"), True




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


class TorchMLP(Backend):
    """The spec as a stack of ``nn.Linear`` layers holding the shared weights."""

    name = "torch"
    extra = "torch"
    packages = ("numpy", "torch")
    devices = ("cpu", "gpu")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        # torch.optim imports torch._dynamo (~2 s) when it builds its first optimizer: loading the
        # library, like `import torch` itself, happens here rather than being timed as the first epoch.
        try:
            import torch._dynamo  # noqa: F401
        except ImportError as exc:
            return cls.unavailable(f"cannot import torch: {exc}")
        return True, ""

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
        ok, reason = cls.available()
        if not ok:
            return False, reason
        import torch

        if not torch.cuda.is_available():
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            return False, f"torch {torch.__version__} ({build}) sees no CUDA GPU"
        return True, ""

    def setup_threads(self) -> None:
        self._deviate(set_torch_threads(self.threads, self.interop_threads))

    synchronizes_with = "torch.cuda.synchronize() when CUDA is in use"

    def pin_precision(self) -> dict[str, str]:
        return pin_torch_precision()

    def synchronize(self) -> None:
        torch_synchronize()

    def peak_device_memory(self) -> int | None:
        return torch_peak_memory()

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        import torch

        check_shapes(spec, weights)
        self.spec = spec
        self.torch_device = torch.device("cuda" if self.resolve_device(self.device) == "gpu" else "cpu")
        self.dtype = torch.float64 if spec.dtype == "float64" else torch.float32
        self.hidden_activation = _activation(spec.hidden_activation)
        self.output_activation = _activation(spec.output_activation)
        self.layers = torch.nn.ModuleList()
        for W, b in weights:
            layer = torch.nn.Linear(W.shape[0], W.shape[1], bias=spec.bias, dtype=self.dtype,
                                    device=self.torch_device)
            with torch.no_grad():  # nn.Linear keeps W transposed: (outputs, inputs)
                layer.weight.copy_(torch.as_tensor(np.asarray(W).T))
                if spec.bias:
                    layer.bias.copy_(torch.as_tensor(np.asarray(b)))
            self.layers.append(layer)

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        import torch

        parameters = self.layers.parameters()
        if spec.optimizer == "adam":
            self.optimizer = torch.optim.Adam(parameters, lr=spec.learning_rate, betas=(0.9, 0.999), eps=1e-8)
        else:
            self.optimizer = torch.optim.SGD(parameters, lr=spec.learning_rate, momentum=spec.momentum,
                                             dampening=0.0, nesterov=False)
        return self._tensor(X), self._tensor(Y)

    def epoch_order(self, order: np.ndarray) -> Any:
        import torch

        return torch.as_tensor(order, device=self.torch_device)  # one copy per epoch, sliced per batch

    def train_batch(self, X: Any, Y: Any, rows: Any) -> Any:
        row_losses = self._row_losses(X[rows], Y[rows])
        loss = row_losses.sum() if self.spec.reduction == "sum" else row_losses.mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return row_losses.detach().sum()  # a tensor: the epoch's total syncs with the device once

    # open division -----------------------------------------------------------
    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if division == "open" and "step" in (spec.hidden_activation, spec.output_activation):
            return True, "torch.nn has no step activation (and backpropagation needs a derivative)"
        return super().skip(spec, task_kind, division)

    def fit_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                 on_epoch: EpochCallback | None) -> None:
        """``nn.Sequential`` of ``nn.Linear`` (default init after ``torch.manual_seed``), the official
        tutorials' loop over ``torch.randperm`` slices, ``nn.CrossEntropyLoss`` / ``BCEWithLogitsLoss``
        on logits or ``nn.MSELoss``, ``torch.optim.SGD(momentum)`` / ``Adam`` with their defaults.

        The loop slices tensors by a ``randperm`` rather than a ``DataLoader`` over a
        ``TensorDataset``: the data is in memory, and slicing skips the per-row fetch and collation.
        """
        import torch
        from torch import nn

        self.torch_device = torch.device("cuda" if self.resolve_device(self.device) == "gpu" else "cpu")
        self.dtype = torch.float64 if spec.dtype == "float64" else torch.float32
        torch.manual_seed(spec.seed)
        modules: list[Any] = []
        for index, (fan_in, fan_out) in enumerate(zip(spec.layers[:-1], spec.layers[1:])):
            modules.append(nn.Linear(fan_in, fan_out, bias=spec.bias))
            if index < len(spec.layers) - 2 and spec.hidden_activation != "linear":
                modules.append(_open_activation(spec.hidden_activation))
        loss_class, logits = _open_loss(spec)
        if not logits and spec.output_activation != "linear":  # mse on an activated output
            modules.append(_open_activation(spec.output_activation))
        self.open_model = nn.Sequential(*modules).to(device=self.torch_device, dtype=self.dtype)
        self.open_output = _activation(spec.output_activation) if logits else None  # logits → outputs
        reduction = "sum" if spec.reduction == "sum" else "mean"
        loss_fn = getattr(nn, loss_class)(reduction=reduction)
        if spec.optimizer == "adam":
            optimizer_class, options = "Adam", dict(lr=spec.learning_rate)
        else:
            optimizer_class, options = "SGD", dict(lr=spec.learning_rate, momentum=spec.momentum)
        optimizer = getattr(torch.optim, optimizer_class)(self.open_model.parameters(), **options)
        rows, batch = len(X), spec.effective_batch_size(len(X))
        inputs = self._tensor(X)
        targets = torch.as_tensor(np.asarray(Y).argmax(axis=1), device=self.torch_device) \
            if loss_class == "CrossEntropyLoss" else self._tensor(Y)
        self.recipe = {
            "model": "torch.nn.Sequential(" + ", ".join(repr(m) for m in modules) + ")",
            "init": f"nn.Linear defaults after torch.manual_seed({spec.seed})", "dtype": str(self.dtype),
            "loss": f"torch.nn.{loss_class}(reduction={reduction!r})"
                    + (" on class indices" if loss_class == "CrossEntropyLoss" else ""),
            "optimizer": f"torch.optim.{optimizer_class}", "optimizer_kwargs": options,
            "batch_size": batch, "epochs": spec.epochs,
            "shuffle": f"torch.randperm(n, generator=torch.Generator().manual_seed({spec.seed})) per epoch"
                       if spec.shuffle else False,
            "loop": "for each batch: loss_fn(model(x), y); zero_grad(); backward(); step()",
            "device": str(self.torch_device),
        }
        generator = torch.Generator().manual_seed(spec.seed)
        self.open_model.train()
        for epoch in range(1, spec.epochs + 1):
            order = torch.randperm(rows, generator=generator).to(self.torch_device) if spec.shuffle else None
            total = torch.zeros((), dtype=self.dtype, device=self.torch_device)
            for start in range(0, rows, batch):
                picked = slice(start, start + batch) if order is None else order[start:start + batch]
                x, y = inputs[picked], targets[picked]
                loss = loss_fn(self.open_model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.detach() * (len(x) if reduction == "mean" else 1)
            self.end_epoch(epoch, float(total) / rows, on_epoch)  # the epoch's mean row loss

    def predict(self, X: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            if self.division == "open":
                outputs = self.open_model(self._tensor(X))
                return (outputs if self.open_output is None else self.open_output(outputs)).cpu().numpy()
            return self._forward(self._tensor(X))[1].cpu().numpy()

    def get_weights(self) -> Weights:
        return [(layer.weight.detach().cpu().double().numpy().T.copy(),
                 layer.bias.detach().cpu().double().numpy().copy() if layer.bias is not None else None)
                for layer in self.layers]

    def _tensor(self, array: np.ndarray) -> Any:
        import torch

        return torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.torch_device)

    def _forward(self, X: Any) -> tuple[Any, Any]:
        """The output layer's weighted sums and its activations."""
        hidden = X
        for layer in self.layers[:-1]:
            hidden = self.hidden_activation(layer(hidden))
        logits = self.layers[-1](hidden)
        return logits, self.output_activation(logits)

    def _row_losses(self, X: Any, Y: Any) -> Any:
        """The spec's objective for each row (backends/scratch/losses.py)."""
        import torch.nn.functional as F

        logits, outputs = self._forward(X)
        if self.spec.loss == "mse":
            return 0.5 * ((Y - outputs) ** 2).sum(dim=1)
        if self.spec.output_activation == "softmax":
            return -(Y * F.log_softmax(logits, dim=1)).sum(dim=1)
        return -(Y * F.logsigmoid(logits) + (1 - Y) * F.logsigmoid(-logits)).sum(dim=1)

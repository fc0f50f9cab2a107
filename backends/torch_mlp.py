"""PyTorch backend: an ``nn.Sequential`` of ``nn.Linear`` layers (``self.model``, ending in the logits;
``self.head`` the output activation ``predict`` applies), one per division, trained with ``torch.optim``.

Closed: the per-row objective of ``backends/scratch/losses.py`` (cross-entropy from the logits, so its
gradient is the reference's ``ŷ − y``); SGD's ``b = μb + g; w −= lr·b`` is the reference's classical
momentum at a constant learning rate. Open: torch's default init after ``torch.manual_seed``, ``nn``'s loss
classes, the tutorials' loop over ``torch.randperm`` slices (in memory: no ``DataLoader`` collation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends.torch_runtime import TorchRuntime, linear_weights, row_losses, torch_activation
from bench.core.backend import Backend, EpochCallback, Weights, dtype_name
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


class TorchMLP(TorchRuntime, Backend):
    """The spec as an ``nn.Sequential`` of ``nn.Linear`` layers."""

    name = "torch"
    extra = "torch"
    packages = ("numpy", "torch")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:  # torch.optim imports torch._dynamo (~2 s) for its first optimizer: here, not in epoch 1
            import torch._dynamo  # noqa: F401
        except ImportError as exc:
            return cls.unavailable(f"cannot import torch: {exc}")
        return True, ""

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if division == "open" and "step" in (spec.hidden_activation, spec.output_activation):
            return True, "torch.nn has no step activation (and backpropagation needs a derivative)"
        return super().skip(spec, task_kind, division)

    def _build(self, spec: NetworkSpec, activated_output: bool = False) -> None:
        """``self.model`` ending in the logits (or, ``activated_output``, the outputs) and ``self.head``."""
        import torch
        from torch import nn
        self.spec = spec
        self.torch_device = torch.device("cuda" if self.resolve_device(self.device) == "gpu" else "cpu")
        self.dtype = torch.float64 if spec.dtype == "float64" else torch.float32
        modules: list[Any] = []
        for index, (fan_in, fan_out) in enumerate(zip(spec.layers[:-1], spec.layers[1:])):
            modules.append(nn.Linear(fan_in, fan_out, bias=spec.bias))
            if index < len(spec.layers) - 2 and spec.hidden_activation != "linear":
                modules.append(torch_activation(spec.hidden_activation))
        last = torch_activation(spec.output_activation)
        self.model = nn.Sequential(*modules, *([last] if activated_output else []))
        self.model.to(device=self.torch_device, dtype=self.dtype)
        self.head = nn.Identity() if activated_output else last
        self.linear = [module for module in modules if isinstance(module, nn.Linear)]

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        import torch
        check_shapes(spec, weights)
        self._build(spec)
        with torch.no_grad():  # nn.Linear keeps W transposed: (outputs, inputs)
            for layer, (W, b) in zip(self.linear, weights):
                layer.weight.copy_(torch.as_tensor(np.asarray(W).T))
                if spec.bias:
                    layer.bias.copy_(torch.as_tensor(np.asarray(b)))

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        self.optimizer = self._optimizer(spec)[2]
        return self._tensor(X), self._tensor(Y)

    def _optimizer(self, spec: NetworkSpec) -> tuple[str, dict[str, Any], Any]:
        """``torch.optim.Adam(lr)`` or ``SGD(lr, momentum)`` (torch's defaults: the reference's β, ε, no
        dampening or Nesterov) over the current model: its class name, arguments and itself."""
        import torch
        name, options = ("Adam", dict(lr=spec.learning_rate)) if spec.optimizer == "adam" \
            else ("SGD", dict(lr=spec.learning_rate, momentum=spec.momentum))
        return name, options, getattr(torch.optim, name)(self.model.parameters(), **options)

    def epoch_order(self, order: np.ndarray) -> Any:
        import torch
        return torch.as_tensor(order, device=self.torch_device)  # one copy per epoch, sliced per batch

    def train_batch(self, X: Any, Y: Any, rows: Any) -> Any:
        rows_loss = row_losses(self.spec, self.model(X[rows]), self.head, Y[rows])
        loss = rows_loss.sum() if self.spec.reduction == "sum" else rows_loss.mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return rows_loss.detach().sum()  # a tensor: the epoch's total syncs with the device once

    # open division -----------------------------------------------------------
    def build_open(self, spec: NetworkSpec) -> None:
        import torch
        torch.manual_seed(spec.seed)
        self._build(spec, activated_output=spec.loss == "mse")

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        import torch
        loss_class = "MSELoss" if spec.loss == "mse" else (
            "CrossEntropyLoss" if spec.output_activation == "softmax" else "BCEWithLogitsLoss")
        reduction = "sum" if spec.reduction == "sum" else "mean"
        loss_fn = getattr(torch.nn, loss_class)(reduction=reduction)
        optimizer_class, options, optimizer = self._optimizer(spec)
        inputs, generator = self._tensor(X), torch.Generator().manual_seed(spec.seed)
        targets = torch.as_tensor(np.asarray(Y).argmax(axis=1), device=self.torch_device) \
            if loss_class == "CrossEntropyLoss" else self._tensor(Y)

        def step(rows: Any) -> Any:
            loss = loss_fn(self.model(inputs[rows]), targets[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.detach()

        self.model.train()
        self.train_batches(spec, len(X), on_epoch,
                           lambda: torch.randperm(len(X), generator=generator).to(self.torch_device), step)
        return self.open_recipe(
            spec, len(X), library="torch", model=" ".join(repr(self.model).split()),
            device=str(self.torch_device),
            init=f"nn.Linear defaults after torch.manual_seed({spec.seed})",
            loss=f"torch.nn.{loss_class}(reduction={reduction!r})"
                 + (" on class indices" if loss_class == "CrossEntropyLoss" else ""),
            loop="per batch of torch.randperm(n, generator=torch.Generator().manual_seed(seed)) (shuffled): "
                 "loss_fn(model(x), y); zero_grad(); backward(); step()",
            arguments={"optimizer": f"torch.optim.{optimizer_class}", "optimizer_kwargs": options})

    def parameter_dtype(self) -> str:
        return dtype_name(next(self.model.parameters()).dtype)

    def predict(self, X: np.ndarray) -> np.ndarray:
        import torch
        with torch.no_grad():
            return self.head(self.model(self._tensor(X))).cpu().numpy()

    def get_weights(self) -> Weights:
        return linear_weights(self.linear)

    def _tensor(self, array: np.ndarray) -> Any:
        import torch
        return torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.torch_device)

"""The `Backend` contract every adapter implements (one small class per file).

After benchopt's solvers: parameters are data, ``skip()`` returns
``(skip?, reason)``. After automlbenchmark: a backend only trains and predicts;
the harness times it and scores its predictions centrally.

Weights cross backends in one layout, the slides' orientation: a list of
``(W, b)`` per layer, ``W`` of shape ``(n_inputs, n_outputs)`` (row i holds the
weights leaving input i) and ``b`` of shape ``(n_outputs,)`` or ``None``
without bias.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from bench.core.spec import NetworkSpec
from bench.core.weights import Weights, initial_weights

#: Called after each epoch with (epoch number from 1, training loss).
EpochCallback = Callable[[int, float], None]


class Backend(ABC):
    """Trains one network described by a :class:`NetworkSpec`."""

    name: ClassVar[str] = ""
    #: Distributions whose versions are recorded with each result.
    packages: ClassVar[tuple[str, ...]] = ("numpy",)
    #: Devices this backend can run on: "cpu", "gpu".
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    #: Whether the backend can train regression networks (linear output).
    supports_regression: ClassVar[bool] = True

    def __init__(self, device: str = "cpu", threads: int | None = None) -> None:
        self.device = device
        self.threads = threads
        #: Settings the library could not express exactly (recorded per run).
        self.deviations: list[str] = []
        #: False when training stopped without meeting its own criterion.
        self.converged: bool | None = None
        self.epochs_run: int = 0
        self.final_loss: float | None = None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """``(True, "")`` when the library imports, else ``(False, reason)``."""
        return True, ""

    @classmethod
    def device_available(cls, device: str) -> tuple[bool, str]:
        """Whether ``device`` ("cpu" or "gpu") can be used on this machine."""
        if device == "cpu":
            return True, ""
        return False, f"{cls.name} has no {device} support"

    def skip(self, spec: NetworkSpec, task_kind: str) -> tuple[bool, str]:
        """``(True, reason)`` when this backend cannot train ``spec`` at all."""
        if task_kind == "regression" and not self.supports_regression:
            return True, f"{self.name} does not train regression networks"
        return False, ""

    def resolve_spec(self, spec: NetworkSpec) -> NetworkSpec:
        """The spec this backend will actually train (default: unchanged)."""
        return spec

    @abstractmethod
    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        """Build the network of ``spec`` holding exactly ``weights``, untrained.

        ``fit`` starts from here; parity tests call it alone to compare forward
        passes across backends on identical weights.
        """

    def _load_initial(self, spec: NetworkSpec, given: Weights | None) -> None:
        """``load`` ``given``, or when None the weights :func:`bench.core.weights.initial_weights` draws."""
        self.load(spec, given if given is not None else initial_weights(spec))

    @abstractmethod
    def fit(
        self,
        spec: NetworkSpec,
        X: np.ndarray,
        Y: np.ndarray,
        initial_weights: Weights | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> None:
        """Train on ``X`` (n, inputs) against targets ``Y`` (n, outputs).

        Starts from ``initial_weights`` when given (else the backend draws its
        own with :func:`bench.core.weights.initial_weights`), runs ``spec.epochs``
        epochs (or fewer if the backend has its own stopping rule, then sets
        ``converged``), and calls ``on_epoch(epoch, mean row loss)`` after each.
        """

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Raw network outputs, shape (n, outputs). Callable during ``fit``."""

    def get_weights(self) -> Weights:
        """Current weights in the shared layout (for parity tests)."""
        raise NotImplementedError(f"{self.name} cannot export its weights")

    @classmethod
    def resolve_device(cls, device: str) -> str:
        """Turn "auto" into "gpu" when this backend can use one here, else "cpu"."""
        if device != "auto":
            return device
        return "gpu" if "gpu" in cls.devices and cls.device_available("gpu")[0] else "cpu"

    def setup_threads(self) -> None:
        """Apply ``self.threads`` to the library (BLAS env is set by the harness)."""
        return None

    def _deviate(self, note: str) -> None:
        """Record ``note`` in ``deviations`` once (an empty note records nothing)."""
        if note and note not in self.deviations:
            self.deviations.append(note)

"""The `Backend` contract every adapter implements (one small class per file).

After benchopt's solvers: parameters are data, ``skip()`` returns
``(skip?, reason)``. After automlbenchmark: a backend only trains and predicts;
the harness times it and scores its predictions centrally.

Weights cross backends in one layout, the slides' orientation: a list of
``(W, b)`` per layer, ``W`` of shape ``(n_inputs, n_outputs)`` (row i holds the
weights leaving input i) and ``b`` of shape ``(n_outputs,)`` or ``None``
without bias.

Two divisions (after MLPerf's): ``"closed"`` trains every library in lockstep
with the NumPy reference and this class owns its loop (:meth:`Backend.fit`);
an adapter supplies one training step (:meth:`Backend.train_batch`) or, where
its library must own the epoch, one epoch (:meth:`Backend.train_epoch`).
``"open"`` trains the same network through the library's own high-level API
(:meth:`Backend.fit_open`), recording every argument in ``recipe``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np

from bench.core.device import DeviceConditions
from bench.core.recipe import Recipe
from bench.core.record import DIVISIONS
from bench.core.spec import NetworkSpec
from bench.core.threads import ThreadPolicy
from bench.core.weights import Weights, initial_weights

#: Called after each epoch with (epoch number from 1, training loss).
EpochCallback = Callable[[int, float], None]
#: The dtype the open division trains in unless the user asks for another (deep-learning libraries'
#: default; the harness applies it with ``spec.replace(dtype=OPEN_DTYPE)``).
OPEN_DTYPE = "float32"
#: Rows of one batch: a slice of the data (no shuffling) or indices into it (a slice of the permutation).
Rows = slice | np.ndarray
#: An epoch's permutation of the rows, or None for the rows as given.
Order = np.ndarray | None
#: Training inputs and targets as NumPy arrays.
Arrays = tuple[np.ndarray, np.ndarray]


def install_command(extra: str) -> str:
    """The pip command installing nnbench's ``extra`` (comma separated), or "" for none."""
    names = ",".join(part.strip() for part in extra.split(",") if part.strip())
    return f"pip install 'nnbench[{names}]'" if names else ""


def reference_orders(spec: NetworkSpec, rows: int) -> Iterator[np.ndarray | None]:
    """The closed division's row order per epoch: ``None`` (as given) without shuffling, else one
    ``np.random.default_rng(spec.seed).permutation(rows)`` per epoch from a single generator (the
    NumPy reference's ``MultiLayerPerceptron.train_epoch``)."""
    rng = np.random.default_rng(spec.seed) if spec.shuffle else None
    while True:
        yield None if rng is None else rng.permutation(rows)


def batches(order: Any, rows: int, batch_size: int) -> Iterator[Any]:
    """Consecutive batches of ``batch_size`` rows (the last one shorter): slices without an order,
    else slices of ``order``."""
    for start in range(0, rows, batch_size):
        yield slice(start, start + batch_size) if order is None else order[start:start + batch_size]


class Backend(ABC):
    """Trains one network described by a :class:`NetworkSpec`."""

    name: ClassVar[str] = ""
    #: Distributions whose versions are recorded with each result.
    packages: ClassVar[tuple[str, ...]] = ("numpy",)
    #: The extra of the nnbench distribution that installs this backend's library ("torch", or
    #: "keras,jax" for two); "" where the core install has it. :meth:`unavailable` names the command.
    extra: ClassVar[str] = ""
    #: Devices this backend can run on: "cpu", "gpu".
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    #: Whether the backend can train regression networks (linear output).
    supports_regression: ClassVar[bool] = True
    #: Conformance-kit checks that do not apply to this backend: {check name: why} (bench.testing); a
    #: training setting the kit cannot compare: {"check_trains_like_the_reference[<setting>]": why}.
    kit_skips: ClassVar[dict[str, str]] = {}
    #: Whether the library's own initialiser takes a seed (the open division); where it cannot, the kit
    #: skips its seed check with that reason and the adapter records a deviation.
    open_seeded: ClassVar[bool] = True
    #: What this backend's deviation notes are about, for the kit's training checks: {start of a note:
    #: a kind of bench.testing.DEVIATION_BOUNDS}; such a recorded note widens the tolerance to its bound.
    kit_deviations: ClassVar[dict[str, str]] = {}
    #: The library's own stopping rule, which its open division follows when the spec's ``stopping`` is
    #: "library" ("": it has none, and such cells are skipped).
    library_stopping: ClassVar[str] = ""
    #: How :meth:`synchronize` waits for the device, for the record ("": nothing to wait for).
    synchronizes_with: ClassVar[str] = ""

    def __init__(self, device: str = "cpu", threads: int | None = None) -> None:
        self.device = device
        self.threads = threads
        #: Settings the library could not express exactly (recorded per run).
        self.deviations: list[str] = []
        #: False when training stopped without meeting its own criterion.
        self.converged: bool | None = None
        self.epochs_run: int = 0
        self.final_loss: float | None = None
        #: Open division: what was handed to the library (:class:`Recipe`; a dict from adapters
        #: written before it), to rerun the cell outside nnbench.
        self.recipe: Recipe | dict[str, Any] = {}
        #: The division of the last ``fit`` ("closed" or "open").
        self.division = "closed"
        #: What :meth:`pin_precision` set, as read back: {setting: value}.
        self.precision_settings: dict[str, str] = {}
        #: The harness's thread policy (set by the worker before :meth:`setup_threads`; None elsewhere).
        self.thread_policy: ThreadPolicy | None = None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """``(True, "")`` when the library imports, else ``(False, reason)``."""
        return True, ""

    @classmethod
    def unavailable(cls, reason: str) -> tuple[bool, str]:
        """``(False, reason)`` for :meth:`available` when the library cannot be imported, the reason
        ending with the command that installs it (:func:`install_command` of :attr:`extra`)."""
        command = install_command(cls.extra)
        return False, f"{reason}; install it with: {command}" if command else reason

    @classmethod
    def device_available(cls, device: str) -> tuple[bool, str]:
        """Whether ``device`` ("cpu" or "gpu") can be used on this machine."""
        if device == "cpu":
            return True, ""
        if device == "gpu" and "gpu" in cls.devices:
            return cls.gpu_available()
        return False, f"{cls.name} has no {device} support"

    @classmethod
    def gpu_available(cls) -> tuple[bool, str]:
        """For a backend listing "gpu" in ``devices``: whether its library sees one here (and why not)."""
        return False, f"{cls.name} has no gpu support"

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        """``(True, reason)`` when this backend cannot train ``spec`` at all in ``division``."""
        if division not in DIVISIONS:
            return True, f"unknown division {division!r} (known: {', '.join(DIVISIONS)})"
        if task_kind == "regression" and not self.supports_regression:
            return True, f"{self.name} does not train regression networks"
        if division in ("open", "tuned") and not type(self).has_open_division():
            return True, f"{self.name} has no open-division recipe"
        if spec.stopping == "library" and division != "open":
            return True, ("stopping 'library' is the open division's: the closed division runs every epoch "
                          "in lockstep with the reference")
        if spec.stopping == "library" and not self.library_stopping:
            return True, f"{self.name}'s library has no stopping rule of its own (stopping 'library')"
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

    def fit(
        self,
        spec: NetworkSpec,
        X: np.ndarray,
        Y: np.ndarray,
        initial_weights: Weights | None = None,
        on_epoch: EpochCallback | None = None,
        division: str = "closed",
    ) -> None:
        """Train on ``X`` (n, inputs) against targets ``Y`` (n, outputs) in ``division``.

        Closed: :meth:`load` ``initial_weights`` (when None, the weights
        :func:`bench.core.weights.initial_weights` draws), :meth:`begin_training`,
        then ``spec.epochs`` times :meth:`train_epoch` on the rows in
        :func:`reference_orders`'s order, stopping early when
        :meth:`stop_after_epoch` says so. After each epoch ``epochs_run`` and
        ``final_loss`` are set and ``on_epoch(epoch, loss)`` is called; ``loss``
        is the mean over the epoch's rows of each row's objective, computed in
        the forward pass of the batch holding that row, before that batch's
        update (a running loss; the objective of ``bench/core/spec.py``).

        Open (and tuned, which trains the open recipe with tuned values): :meth:`fit_open`
        (``initial_weights`` ignored: the library's own init).
        """
        if division not in DIVISIONS:
            raise ValueError(f"unknown division {division!r} (known: {', '.join(DIVISIONS)})")
        self.spec, self.division = spec, division
        if division in ("open", "tuned"):
            self.recipe = {}
            self.fit_open(spec, X, Y, on_epoch)
            return
        self.load(spec, initial_weights if initial_weights is not None else _draw(spec))
        X, Y = self.begin_training(spec, X, Y)
        rows, batch_size = len(X), spec.effective_batch_size(len(X))
        orders = reference_orders(spec, rows)
        for epoch in range(1, spec.epochs + 1):
            loss = self.train_epoch(X, Y, next(orders), batch_size)
            self.end_epoch(epoch, loss, on_epoch)
            if self.stop_after_epoch(self.final_loss):
                break

    def end_epoch(self, epoch: int, loss: Any, on_epoch: EpochCallback | None) -> None:
        """Record epoch ``epoch``'s ``loss`` (``epochs_run``, ``final_loss``) and call ``on_epoch``.

        The open division's adapters call it from their library's own epoch hook.
        """
        self.final_loss, self.epochs_run = float(loss), epoch
        if on_epoch is not None:
            on_epoch(epoch, self.final_loss)

    # closed-division hooks -------------------------------------------------
    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        """After :meth:`load`, before the first epoch: build what training needs (an optimizer)
        and return the data as :meth:`train_epoch` indexes it (default: NumPy arrays of ``spec.dtype``)."""
        return np.asarray(X, dtype=spec.dtype), np.asarray(Y, dtype=spec.dtype)

    def train_epoch(self, X: Any, Y: Any, order: np.ndarray | None, batch_size: int) -> Any:
        """One epoch; returns the mean row loss (see :meth:`fit`).

        ``order`` is the epoch's permutation of the rows, or None for the rows
        as given. The default hands :meth:`train_batch` consecutive batches of
        ``batch_size`` rows of ``order`` (:func:`batches`); override it only where the
        library must own the epoch, and then train the rows in exactly this order.
        """
        rows = len(X)
        order = None if order is None else self.epoch_order(order)
        total: Any = 0.0
        for picked in batches(order, rows, batch_size):
            total += self.train_batch(X, Y, picked)
        return float(total) / rows

    def epoch_order(self, order: np.ndarray) -> Any:
        """The epoch's permutation as the library indexes rows (default: the NumPy array)."""
        return order

    def train_batch(self, X: Any, Y: Any, rows: Rows) -> Any:
        """One training step on the rows ``rows`` of ``X``, ``Y``: forward pass, the spec's loss with
        its reduction, backward pass, update. Returns the batch's *summed* row loss (a float, or a
        0-d tensor the library adds up without a device sync)."""
        raise NotImplementedError(f"{self.name} implements neither train_batch nor train_epoch")

    def stop_after_epoch(self, loss: float | None) -> bool:
        """Whether training stops after this epoch (a library's own stopping rule; then set ``converged``)."""
        return False

    # open division -----------------------------------------------------------
    def fit_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                 on_epoch: EpochCallback | None) -> None:
        """Train ``spec``'s network with the library's own high-level API and init (the open
        division): :meth:`build_open`, then :meth:`train_open`, whose :class:`Recipe` becomes
        ``self.recipe``. Adapters implement those two, not this.

        The same layers, activations, loss, optimizer family, learning rate, momentum, batch size
        and epochs; everything else (initialisation, shuffling, the loss class's scale) is the
        library's. The dtype is ``spec.dtype``: the harness chooses it (the open division hands
        float32, :data:`OPEN_DTYPE`, unless the user set one). ``on_epoch``'s loss is the library's
        own reported training loss for the epoch (its loss class, so scales differ across libraries).
        """
        if type(self).build_open is Backend.build_open:
            raise NotImplementedError(f"{self.name} has no open-division recipe")
        self.build_open(spec)
        self.recipe = self.train_open(spec, X, Y, on_epoch)

    @classmethod
    def has_open_division(cls) -> bool:
        """Whether this adapter trains the open division (implements :meth:`build_open`, or, as
        adapters written before :class:`Recipe`, overrides :meth:`fit_open`)."""
        return cls.build_open is not Backend.build_open or cls.fit_open is not Backend.fit_open

    def build_open(self, spec: NetworkSpec) -> None:
        """Build ``spec``'s network with the library's own initialiser seeded with ``spec.seed``,
        parameters in ``spec.dtype``, on this adapter's device; it becomes the current model (what
        :meth:`predict`, :meth:`get_weights` and :meth:`parameter_dtype` read). No training."""
        raise NotImplementedError(f"{self.name} has no open-division recipe")

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        """Train the model :meth:`build_open` made through the library's own loop, calling
        :meth:`end_epoch` after each epoch; return the :class:`Recipe` of what it handed the library."""
        raise NotImplementedError(f"{self.name} has no open-division recipe")

    # shared open-division work -------------------------------------------------
    def open_recipe(self, spec: NetworkSpec, rows: int, *, library: str, model: str, init: str, loss: str,
                    loop: str, arguments: dict[str, Any], device: str | None = None,
                    seeded: bool = True) -> Recipe:
        """The :class:`Recipe` of an open fit on ``rows`` rows: the adapter names what is its library's
        (model, init, loss, loop, arguments); the shared choices (seed, optimizer, learning rate,
        momentum, batch size, epochs, shuffling) come from ``spec`` and the dtype from
        :meth:`parameter_dtype` (the model's own parameters), so that they cannot disagree with it."""
        return Recipe(library=library, model=model, init=init, seed=spec.seed if seeded else None, loss=loss,
                      optimizer=spec.optimizer, learning_rate=float(spec.learning_rate),
                      momentum=None if spec.optimizer == "adam" else float(spec.momentum or 0.0),
                      batch_size=spec.effective_batch_size(rows), epochs=spec.epochs, shuffle=spec.shuffle,
                      dtype=self.parameter_dtype(), device=device or self.device, loop=loop,
                      arguments=arguments)

    def train_batches(self, spec: NetworkSpec, rows: int, on_epoch: EpochCallback | None,
                      order: Callable[[], Any], step: Callable[[Rows], Any]) -> None:
        """The open loop of a library trained by hand: per epoch, ``order()`` (the permutation the library
        drew; not called without shuffling), then ``step(picked)`` per batch of :func:`batches`, returning
        the batch's loss as the spec reduces it (a 0-d tensor is added up without a device sync); then
        :meth:`end_epoch` with the epoch's mean row loss (one sync per epoch)."""
        batch_size = spec.effective_batch_size(rows)
        for epoch in range(1, spec.epochs + 1):
            total: Any = 0.0
            for start, picked in enumerate(batches(order() if spec.shuffle else None, rows, batch_size)):
                loss = step(picked)
                size = min(batch_size, rows - start * batch_size)
                total = total + (loss if spec.reduction == "sum" else loss * size)
            self.end_epoch(epoch, float(total) / rows, on_epoch)

    def parameter_dtype(self) -> str:
        """The dtype of the current model's own parameters as the library holds them ("float32",
        "float64"; not a cast output): the kit checks it against the spec's."""
        raise NotImplementedError(f"{self.name} does not report its parameters' dtype")

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

    @property
    def interop_threads(self) -> int | None:
        """Threads of the library's inter-op pool under the thread policy (None: the library's default)."""
        return self.thread_policy.interop_threads if self.thread_policy is not None else None

    # device timing hygiene -------------------------------------------------
    def pin_precision(self) -> dict[str, str]:
        """Pin float32 matrix products to full precision (no TF32/bf16 passes) on every device the
        library may use; return each setting as read back. Default: nothing to pin (a CPU BLAS
        computes float32 products in float32)."""
        return {}

    def synchronize(self) -> None:
        """Wait until queued device work is done, so that a clock read next times it (default: nothing
        queued, the CPU library runs synchronously)."""
        return None

    def peak_device_memory(self) -> int | None:
        """Peak device memory of this process in bytes (None: the CPU, or not reported)."""
        return None

    def device_conditions(self) -> DeviceConditions:
        """The device facts the worker records: precision pinned, how clocks wait, peak memory."""
        return DeviceConditions(device=self.device, precision_settings=dict(self.precision_settings),
                                synchronize=self.synchronizes_with,
                                peak_memory_bytes=self.peak_device_memory())

    def _deviate(self, note: str) -> None:
        """Record ``note`` in ``deviations`` once (an empty note records nothing)."""
        if note and note not in self.deviations:
            self.deviations.append(note)


def dtype_name(dtype: Any) -> str:
    """A library's dtype object as "float32" / "float64" (``torch.float32``, ``np.dtype``, Keras' strings)."""
    return str(getattr(dtype, "name", dtype)).removeprefix("torch.")


def _draw(spec: NetworkSpec) -> Weights:
    return initial_weights(spec)

"""What the JAX adapters share: the spec's objective from the output layer's logits (``jax``, ``flax``,
``equinox``); for the JAX neural-network libraries' adapters (``flax``, ``equinox``) JAX's runtime and
device hooks (:class:`backends.jax_runtime.JaxRuntime`), the optax optimizers and losses of
:mod:`backends.jax_runtime`, and the open division's training (:meth:`JaxLibraryBackend.train_open`).

The closed division's objective per row is the reference's (``backends/scratch/losses.py``):
``½ Σ (y − ŷ)²`` on the activated outputs, cross-entropy from the logits (``log_softmax``,
``log_sigmoid``), summed or averaged over the batch per ``reduction``. ``optax.sgd(lr, momentum)``
keeps ``t = μt + g`` and steps ``w −= lr·t``, the reference's ``v = μv − lr·g`` with ``v = −lr·t``;
``optax.adam(lr, 0.9, 0.999, 1e-8)`` divides by ``√v̂ + ε`` as the reference does. The step
activation's derivative is zero, as in the reference. Each batch is one jitted step on the rows
gathered inside it (a shorter last batch traces a second shape once, in the first epoch).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, NamedTuple

import numpy as np

from backends.jax_runtime import JaxRuntime, _jax, optax_loss, optax_objective, optax_optimizer
from bench.core.backend import Backend, EpochCallback, Rows
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec

jax_module = _jax


class Net(NamedTuple):
    """The parts of a spec a compiled step depends on (hashable: a static argument of ``jit``)."""

    hidden: str
    output: str
    loss: str
    reduction: str

    @classmethod
    def of(cls, spec: NetworkSpec) -> Net:
        return cls(spec.hidden_activation, spec.output_activation, spec.loss, spec.reduction)


def activation(name: str) -> Callable[[Any], Any]:
    """The slides' activation ``name`` on an array of weighted sums (step: 1 where x ≥ 1, derivative 0)."""
    jax = _jax()
    jnp = jax.numpy
    if name == "step":
        return lambda x: jnp.where(x >= 1, 1, 0).astype(x.dtype)
    return {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda x: x,
            "softmax": lambda x: jax.nn.softmax(x, axis=-1)}[name]


def closed_loss(net: Net, logits: Any, Y: Any) -> tuple[Any, Any]:
    """The spec's objective on one batch (reduced per ``net.reduction``) and its summed row loss."""
    jax = _jax()
    if net.loss == "mse":
        rows = 0.5 * ((Y - activation(net.output)(logits)) ** 2).sum(axis=1)
    elif net.output == "softmax":
        rows = -(Y * jax.nn.log_softmax(logits, axis=1)).sum(axis=1)
    else:
        rows = -(Y * jax.nn.log_sigmoid(logits) + (1 - Y) * jax.nn.log_sigmoid(-logits)).sum(axis=1)
    total = rows.sum()
    return (total if net.reduction == "sum" else total / rows.shape[0]), total


def open_objective(spec: NetworkSpec, logits: Callable[[Any, Any], Any]) -> tuple[str, Callable[..., Any]]:
    """optax's loss for the open division as code, and :func:`~backends.jax_runtime.optax_objective` of
    ``(model, x) -> logits`` (the output activation applied for ``squared_error``)."""
    output = activation(spec.output_activation)

    def forward(model: Any, x: Any) -> tuple[Any, Any]:
        values = logits(model, x)
        return values, output(values)

    return optax_loss(spec)[1], optax_objective(spec, forward)


@functools.lru_cache(maxsize=64)
def _closed_optimizer(spec: NetworkSpec) -> Any:
    return optax_optimizer(spec)[0]


def closed_optimizer(spec: NetworkSpec) -> Any:
    """:func:`~backends.jax_runtime.optax_optimizer` of ``spec``, one object per setting (the spec with
    its seed and epochs zeroed), so that compiled steps taking it are reused across fits."""
    return _closed_optimizer(spec.replace(seed=0, epochs=1))


def rows_index(rows: Rows, count: int) -> np.ndarray:
    """A batch's rows as an index array (a slice of the data as its range)."""
    return np.arange(count)[rows] if isinstance(rows, slice) else np.asarray(rows)


def open_orders(spec: NetworkSpec, rows: int) -> Iterator[np.ndarray]:
    """Each epoch's row order in the open loop: ``np.random.default_rng(seed).permutation`` per epoch
    when shuffling (the libraries' examples draw batches with NumPy), else the rows as given."""
    rng = np.random.default_rng(spec.seed)
    while True:
        yield rng.permutation(rows) if spec.shuffle else np.arange(rows)


class JaxLibraryBackend(JaxRuntime, Backend):
    """A JAX library's adapter: JAX's device hooks (:class:`JaxRuntime` on :meth:`arrays`), its open loop."""

    packages: ClassVar[tuple[str, ...]] = ("numpy", "jax", "jaxlib", "optax")
    synchronizes_with = "jax.block_until_ready(the model's arrays)"
    #: The library's import name (``available`` imports it), its distribution (in ``packages``) and the
    #: nnbench extra that installs it (``extra``, unless the subclass names another).
    library: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.library and cls.library not in cls.packages:
            cls.packages = (*cls.packages, cls.library)
            cls.extra = cls.extra or cls.library

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            _jax()
            import optax  # noqa: F401

            __import__(cls.library)
        except ImportError as exc:
            return cls.unavailable(f"cannot import jax/optax/{cls.library}: {exc}")
        return True, ""

    def device_tree(self) -> Any:
        return self.arrays() if hasattr(self, "model") else None

    def on_device(self) -> Any:
        """A context where new arrays and uncommitted computations go to this adapter's device."""
        return _jax().default_device(self.jax_device())

    def arrays(self) -> list[Any]:
        """The current model's parameter arrays (the adapter's library says how to find them)."""
        raise NotImplementedError

    def build(self, spec: NetworkSpec, seed: int) -> Any:
        """A new model of ``spec`` from the library's own init seeded with ``seed`` (sets ``self.spec``)."""
        raise NotImplementedError

    @staticmethod
    def forward(output: str) -> Callable[[Any, Any], Any]:
        """The library's jitted ``(model, X) -> outputs`` with the ``output`` activation."""
        raise NotImplementedError

    @staticmethod
    def logits(model: Any, x: Any) -> Any:
        """The output layer's weighted sums of the rows ``x`` (traced inside the library's jitted step)."""
        raise NotImplementedError

    def open_step(self, objective: Callable[..., Any], tx: Any) -> Callable[[Any, Any], Any]:
        """The library's open train step as its tutorial writes it: ``step(x, y) -> loss`` updating
        ``self.model`` with optax's ``tx`` on ``objective(model, x, y) -> (loss, summed row loss)``."""
        raise NotImplementedError

    def open_description(self, spec: NetworkSpec) -> dict[str, Any]:
        """The library's part of the open :class:`Recipe`: ``model``, ``init``, ``loop`` and (optionally)
        ``arguments`` beyond the optimizer's."""
        raise NotImplementedError

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        loss_code, objective = open_objective(spec, self.logits)
        tx, options = optax_optimizer(spec)
        self.run_epochs(spec, X, Y, on_epoch, self.open_step(objective, tx))
        described = self.open_description(spec)
        arguments = {"optimizer": f"optax.{spec.optimizer}", "optimizer_kwargs": options,
                     **described.pop("arguments", {})}
        return self.open_recipe(spec, len(X), library=self.library, device=str(self.jax_device()),
                                loss=loss_code, arguments=arguments, **described)

    def batch_rows(self, X: Any, rows: Rows) -> np.ndarray:
        """A closed batch's rows of ``X`` as the index array the library's jitted step gathers."""
        return rows_index(rows, int(X.shape[0]))

    def build_open(self, spec: NetworkSpec) -> None:
        self.model = self.build(spec, spec.seed)

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self.on_device():
            return np.asarray(self.forward(self.spec.output_activation)(self.model,
                                                                        self.put(X, self.spec.dtype)))

    def parameter_dtype(self) -> str:
        dtypes = {str(array.dtype) for array in self.arrays()}
        if len(dtypes) != 1:
            raise AssertionError(f"{self.name}: parameters of several dtypes {sorted(dtypes)}")
        return dtypes.pop()

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
        self.tx = closed_optimizer(spec)
        self.start_optimizer()
        return self.put(X, spec.dtype), self.put(Y, spec.dtype)

    def start_optimizer(self) -> None:
        """Make the optimizer's state for the current model (closed division)."""
        raise NotImplementedError

    def run_epochs(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray, on_epoch: EpochCallback | None,
                   step: Callable[[Any, Any], Any]) -> None:
        """The open loop: per epoch, batches of :func:`open_orders` sliced on the host and handed to the
        library's jitted ``step(x, y) -> loss``; the epoch's mean row loss fetched once per epoch."""
        inputs, targets = np.asarray(X, dtype=spec.dtype), np.asarray(Y, dtype=spec.dtype)
        rows, batch = len(X), spec.effective_batch_size(len(X))
        orders = open_orders(spec, rows)
        for epoch in range(1, spec.epochs + 1):
            order, losses, sizes = next(orders), [], []
            with self.on_device():
                for start in range(0, rows, batch):
                    picked = order[start:start + batch]
                    losses.append(step(inputs[picked], targets[picked]))
                    sizes.append(1 if spec.reduction == "sum" else len(picked))
            total = float(np.dot(np.asarray(_jax().device_get(losses), dtype=np.float64), sizes))
            self.end_epoch(epoch, total / rows, on_epoch)

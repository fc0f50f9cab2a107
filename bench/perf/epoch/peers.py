"""One epoch, or a run of epochs, of each contender on the same :class:`Workload`.

* NumPy MLP: the ``numpy`` backend's own epoch (``train_epoch`` of the model
  its adapter loads), one call per epoch.
* scikit-learn: ``MLPClassifier`` used directly — ``solver="sgd"``, the same
  momentum with ``nesterovs_momentum=False``, ``alpha=0``, the same batch size
  and activation, constant learning rate — one ``partial_fit`` call per epoch
  inside ``config_context(assume_finite=True)`` (the finiteness check of
  every call skipped: the NumPy MLP does none either).
* PyTorch, Keras: their adapters in ``backends/`` (``fit`` with an epoch
  callback); an adapter that cannot run makes the probe fail with its reason,
  printed as "not measured".
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bench.core import registry
from bench.core.backend import Backend
from bench.core.spec import NetworkSpec
from bench.core.weights import initial_weights
from bench.perf.timing import epoch_durations
from bench.perf.workload import Workload

SKLEARN_ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh", "linear": "identity"}


def numpy_epoch(workload: Workload, X: np.ndarray, Y: np.ndarray) -> Callable[[], float]:
    """A function that trains the NumPy MLP for one more epoch (returns its loss)."""
    spec = workload.spec()
    backend = registry.backend_class("numpy")()
    backend.load(spec, initial_weights(spec))
    model = backend.model  # the adapter's fit calls model.train_epoch once per epoch, as here
    rng = np.random.default_rng(spec.seed)
    return lambda: model.train_epoch(X, Y, spec.batch_size, rng)


def sklearn_epoch(workload: Workload, X: np.ndarray, Y: np.ndarray) -> Callable[[], object]:
    """A function that trains scikit-learn's MLPClassifier for one more epoch."""
    from sklearn import config_context
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=workload.layers[1:-1], activation=SKLEARN_ACTIVATIONS[workload.hidden_activation],
        solver="sgd", alpha=0.0, batch_size=workload.batch_size, learning_rate="constant",
        learning_rate_init=workload.learning_rate, momentum=workload.momentum, nesterovs_momentum=False,
        shuffle=True, random_state=workload.seed, early_stopping=False,
    )
    labels = Y.argmax(axis=1)
    classes = np.arange(workload.layers[-1])

    def epoch() -> object:
        with config_context(assume_finite=True):
            return model.partial_fit(X, labels, classes=classes)

    return epoch


def adapter_epochs(backend: Backend, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> list[float]:
    """Seconds of every epoch of ``backend.fit`` (threads set up first), from its epoch callback."""
    backend.setup_threads()
    ends: list[float] = []
    start = time.perf_counter()
    backend.fit(spec, X, Y, initial_weights(spec),
                on_epoch=lambda epoch, loss: ends.append(time.perf_counter()))
    return epoch_durations(ends, start)


def framework_epochs(
    name: str, workload: Workload, X: np.ndarray, Y: np.ndarray, device: str, threads: int
) -> tuple[list[float], str]:
    """Seconds of each timed epoch of ``name`` (torch or keras) through its adapter, and a label."""
    backend_cls = registry.backend_class(name)
    ok, why = backend_cls.available()
    if not ok:
        raise ImportError(why)
    times = adapter_epochs(backend_cls(device=device, threads=threads), workload.spec(), X, Y)
    return times[workload.warmup_epochs :], f"{name} adapter (backends/)"

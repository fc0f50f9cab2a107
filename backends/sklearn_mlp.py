"""scikit-learn backend: ``MLPClassifier`` / ``MLPRegressor`` trained epoch by epoch (seed 000, part 3).

scikit-learn fixes the output layer and the loss per estimator: ``MLPRegressor``
has an identity output and squared error, ``MLPClassifier`` a logistic (binary,
multi-label) or softmax (multiclass) output with log-loss. In both its gradient
is the batch mean of ``(ŷ − y) · input`` — the spec's ``reduction="mean"`` of
``½ Σ (y − ŷ)²`` or of cross-entropy. ``reduction="sum"`` is the same step with
the learning rate times the batch's row count, exact because every
``partial_fit`` call below holds batches of a single size.

Epochs are driven here with ``partial_fit`` on rows permuted by the same NumPy
generator as the reference, so every batch holds the same rows in the same
order; sklearn's own shuffling, early stopping and tolerance never act, and
its L2 penalty ``alpha`` is 0. Each ``partial_fit`` call still encodes its
labels (about 1 ms), which dominates an epoch on the 4-row logic gates.

Private hooks, pinned by tests/test_backend_sklearn.py: ``_initialize``
allocates the network without a training step, and ``_optimizer``'s
``learning_rate`` / ``epsilon`` set each call's step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.core.backend import Arrays, Backend, EpochCallback, Weights
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes
from bench.run.threads import pinned_by_environment

HIDDEN_ACTIVATIONS = {"linear": "identity", "sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}
ADAM_EPSILON = 1e-8


def _observed(estimator: str, on_epoch: Callable[[int, float], None]) -> type:
    """``estimator`` whose ``fit`` calls ``on_epoch(epoch, loss_)`` after every epoch, its training untouched.

    The hook is scikit-learn's private ``_update_no_improvement_count``, which ``_fit_stochastic``
    calls once per epoch right after appending ``loss_`` to ``loss_curve_`` (pinned by
    tests/test_backend_sklearn.py: same weights as the plain estimator).
    """
    from sklearn import neural_network

    base = getattr(neural_network, estimator)

    class Observed(base):  # type: ignore[misc, valid-type]
        def _update_no_improvement_count(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super()._update_no_improvement_count(*args, **kwargs)
            on_epoch(self.n_iter_, self.loss_)

    Observed.__name__ = Observed.__qualname__ = base.__name__
    return Observed


_LOG_LOSS_ONLY = ("MLPClassifier trains log-loss only: mse on a sigmoid or softmax output is another "
                  "objective (recorded as a deviation), so nothing of its training can be compared "
                  "(measured: weights and epoch losses 0.79-1.7 from the reference's after 3 epochs)")


class SklearnMLP(Backend):
    """The spec as an sklearn estimator holding the shared weights."""

    name = "sklearn"
    packages = ("numpy", "scikit-learn")
    kit_deviations = {"adam adds ε to √v": "adam-epsilon",
                      "adam with reduction 'sum' divides ε": "adam-epsilon"}
    library_stopping = ("the training loss has not improved by tol for n_iter_no_change consecutive epochs; "
                        "early_stopping=False")
    kit_skips = {f"check_trains_like_the_reference[{output} output, mse]": _LOG_LOSS_ONLY
                 for output in ("sigmoid", "softmax")}

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            import sklearn.neural_network  # noqa: F401
        except ImportError as exc:
            return False, f"cannot import scikit-learn: {exc}"
        return True, ""

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        hidden, out = spec.hidden_activation, spec.output_activation
        if spec.hidden_layers and hidden not in HIDDEN_ACTIVATIONS:
            return True, f"scikit-learn's MLP has no {hidden} activation (identity, logistic, tanh, relu)"
        if out not in ("linear", "sigmoid", "softmax"):
            return True, f"scikit-learn's output layer is identity, logistic or softmax, not {out}"
        if out != "linear" and task_kind == "regression":
            return True, f"a {out} output needs MLPClassifier, which cannot fit real-valued targets"
        if out == "softmax" and spec.n_outputs < 3:
            return True, "MLPClassifier turns two classes into one logistic unit: no softmax over 1-2 outputs"
        if division == "open" and not spec.bias:
            return True, "scikit-learn's MLP always learns intercepts: it has no network without bias"
        return super().skip(spec, task_kind, division)

    def setup_threads(self) -> None:
        if self.threads and not pinned_by_environment(self.threads):
            from threadpoolctl import threadpool_limits

            self._thread_limits = threadpool_limits(limits=self.threads)

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        self.spec, self.dtype = spec, np.dtype(spec.dtype)
        self.deviations = self._deviations(spec)
        self.model = self._estimator(spec)
        self.model.coefs_ = [np.array(W, dtype=self.dtype) for W, _ in weights]
        self.model.intercepts_ = [np.zeros(W.shape[1], self.dtype) if b is None or not spec.bias
                                  else np.array(b, dtype=self.dtype) for W, b in weights]

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> Arrays:
        X = np.asarray(X, dtype=self.dtype)
        targets = self._targets(np.asarray(Y, dtype=self.dtype))
        batch = spec.effective_batch_size(len(X))
        if spec.optimizer == "adam" and spec.reduction == "sum" and len(X) % batch:
            self.deviations.append(f"adam with reduction 'sum' divides ε by the batch size: exact only for "
                                   f"equal batches, here {len(X)} rows in batches of {batch}")
        if not (np.isfinite(X).all() and np.isfinite(targets).all()):
            raise ValueError("training data contains NaN or infinity")
        return X, targets

    def train_epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray | None, batch_size: int) -> float:
        """One epoch of ``partial_fit`` calls on the reference's batches (see :meth:`_chunks`)."""
        from sklearn import config_context

        order = np.arange(len(X)) if order is None else order
        # Inputs and parameters were checked once in begin_training, not again in every partial_fit call.
        with config_context(assume_finite=True, skip_parameter_validation=True):
            total = sum(self._train_on(X[rows], Y[rows], size)
                        for rows, size in self._chunks(order, batch_size))
        return total / len(X)

    # open division -----------------------------------------------------------
    def build_open(self, spec: NetworkSpec) -> None:
        """``MLPClassifier`` / ``MLPRegressor`` with scikit-learn's own init, shuffling, output layer, loss
        and defaults (``alpha``, Nesterov momentum), ``max_iter=epochs``, ``early_stopping=False`` and
        ``n_iter_no_change=epochs`` (so every epoch runs, as elsewhere); with the spec's ``stopping`` =
        "library", its own ``tol`` and ``n_iter_no_change`` stop it (:attr:`library_stopping`).

        scikit-learn draws its weights inside ``fit``, from ``check_random_state(random_state)`` just
        before ``_initialize``; this builds them the same way (``_initialize`` on a fresh
        ``RandomState(seed)``), so ``get_weights()`` here are exactly the weights ``fit`` then redraws
        and starts from (pinned by tests/test_backend_sklearn.py)."""
        self.spec, self.dtype = spec, np.dtype(spec.dtype)
        self._is_regressor = spec.output_activation == "linear"
        if spec.reduction == "sum":
            self._deviate("reduction sum: scikit-learn's MLP averages the gradient over the batch (mean)")
        if spec.loss == "mse" and not self._is_regressor:
            self._deviate(f"mse on a {spec.output_activation} output is trained as log-loss "
                          "(MLPClassifier's only loss)")
        self._open_options = dict(
            hidden_layer_sizes=spec.hidden_layers, activation=HIDDEN_ACTIVATIONS.get(spec.hidden_activation,
                                                                                     "identity"),
            solver=spec.optimizer, learning_rate_init=spec.learning_rate, max_iter=spec.epochs,
            shuffle=spec.shuffle, random_state=spec.seed, early_stopping=False)
        if spec.stopping == "epochs":  # "library": its own tol and n_iter_no_change (among the defaults)
            self._open_options["n_iter_no_change"] = spec.epochs
        if spec.optimizer == "sgd":
            self._open_options["momentum"] = spec.momentum
        estimator = "MLPRegressor" if self._is_regressor else "MLPClassifier"
        observed = _observed(estimator, lambda epoch, loss: self.end_epoch(epoch, loss, self._on_epoch))
        self.model = self._allocate(observed(**self._open_options), spec)

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        """``fit(X, y)``: ``fit`` has no callback; :func:`_observed` subclasses the estimator to call
        ``on_epoch`` with the epoch's ``loss_`` right after scikit-learn appends it to ``loss_curve_``, and
        changes nothing else (``partial_fit`` once per epoch would not be the same training: it differs
        from ``fit`` by 0.69 in the weights after 20 epochs on 50 rows, measured)."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        X = np.asarray(X, dtype=self.dtype)
        targets = self._targets(np.asarray(Y, dtype=self.dtype))
        self._on_epoch, batch_size = on_epoch, spec.effective_batch_size(len(X))
        self.model.set_params(batch_size=batch_size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: the epochs asked
            self.model.fit(X, targets)
        # Its own rule stopped it (True), or max_iter did first (False); None: every epoch was asked for.
        self.converged = self.model.n_iter_ < spec.epochs if spec.stopping == "library" else None
        options = {**self._open_options, "batch_size": batch_size}
        y = ("values" if self._is_regressor else "class labels" if spec.output_activation == "softmax"
             else "0/1 labels (indicator columns for several outputs)")
        return Recipe(
            library="sklearn", model=f"sklearn.neural_network.{type(self.model).__name__}(**arguments)",
            init="scikit-learn's Glorot uniform (_init_coef)", seed=spec.seed,
            loss="squared error" if self._is_regressor else "log-loss", optimizer=spec.optimizer,
            learning_rate=spec.learning_rate, momentum=spec.momentum if spec.optimizer == "sgd" else None,
            batch_size=batch_size, epochs=spec.epochs, shuffle=spec.shuffle, dtype=self.parameter_dtype(),
            device="cpu", loop=f"estimator.fit(X.astype({spec.dtype!r}), y) with y as {y}"
            + (f"; its own stopping rule ({self.library_stopping}) within max_iter={spec.epochs}: "
               f"{self.model.n_iter_} epochs run" if spec.stopping == "library" else ""),
            arguments={**options, "defaults": {k: v for k, v in self.model.get_params().items()
                                               if k not in options}})

    def parameter_dtype(self) -> str:
        return self.model.coefs_[0].dtype.name

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        if self._is_regressor:
            return self.model.predict(X).reshape(len(X), -1)
        probabilities = self.model.predict_proba(X)
        return probabilities[:, 1:] if self.model.n_outputs_ == 1 else probabilities

    def get_weights(self) -> Weights:
        return [(W.astype(np.float64), b.astype(np.float64) if self.spec.bias else None)
                for W, b in zip(self.model.coefs_, self.model.intercepts_)]

    # mapping ---------------------------------------------------------------
    @staticmethod
    def _deviations(spec: NetworkSpec) -> list[str]:
        found = []
        if spec.loss == "mse" and spec.output_activation != "linear":
            found.append(f"mse on a {spec.output_activation} output is trained as log-loss (MLPClassifier's "
                         "only loss): the output delta lacks the activation derivative; "
                         "epoch losses are log-loss")
        if spec.optimizer == "adam":
            found.append("adam adds ε to √v, not to √v̂ (Kingma & Ba's efficient form): the reference's ε "
                         "times √(1−β₂ᵗ)")
        return found

    def _estimator(self, spec: NetworkSpec) -> Any:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        self._is_regressor = spec.output_activation == "linear"
        options = dict(
            hidden_layer_sizes=spec.hidden_layers, activation=HIDDEN_ACTIVATIONS.get(spec.hidden_activation,
                                                                                     "identity"),
            solver=spec.optimizer, alpha=0.0, learning_rate="constant", learning_rate_init=spec.learning_rate,
            momentum=spec.momentum, nesterovs_momentum=False, beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON,
            shuffle=False, early_stopping=False, max_iter=1, random_state=spec.seed,
        )
        model = MLPRegressor(**options) if self._is_regressor else MLPClassifier(**options)
        return self._allocate(model, spec)

    def _allocate(self, model: Any, spec: NetworkSpec) -> Any:
        """``model`` with coefs_/intercepts_ drawn as ``fit`` draws them, without a training step."""
        from sklearn.preprocessing import LabelBinarizer

        if not self._is_regressor:  # what partial_fit(classes=...) would set up, without a training step
            n = spec.n_outputs
            labels = np.arange(n) if spec.output_activation == "softmax" else [0, 1] if n == 1 else np.eye(n)
            model._label_binarizer = LabelBinarizer().fit(labels)
            model.classes_ = model._label_binarizer.classes_
        # Allocates coefs_/intercepts_ and the output activation (load() then replaces the weights).
        model._random_state = np.random.RandomState(spec.seed)
        model._initialize(np.zeros((1, spec.n_outputs)), list(spec.layers), self.dtype)
        model.n_features_in_ = spec.n_inputs
        return model

    def _targets(self, Y: np.ndarray) -> np.ndarray:
        """Y as the estimator takes it: values, 0/1 labels, class indices or a label indicator."""
        if self._is_regressor:
            return Y.ravel() if Y.shape[1] == 1 else Y
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("MLPClassifier needs 0/1 (one-hot or indicator) targets for a "
                             f"{self.spec.output_activation} output")
        if self.spec.output_activation == "softmax":
            return Y.argmax(axis=1)
        return (Y[:, 0] if Y.shape[1] == 1 else Y).astype(int)

    def _chunks(self, order: np.ndarray, batch: int) -> list[tuple[np.ndarray, int]]:
        """Rows per partial_fit call, with their batch size: all equal batches, then the shorter last.

        Without bias every batch gets its own call, after which the intercepts return to zero.
        """
        if not self.spec.bias:
            return [(order[start:start + batch], len(order[start:start + batch]))
                    for start in range(0, len(order), batch)]
        whole = len(order) - len(order) % batch
        chunks = [(order[:whole], batch), (order[whole:], len(order) - whole)]
        return [(rows, size) for rows, size in chunks if len(rows)]

    def _train_on(self, X: np.ndarray, targets: np.ndarray, batch: int) -> float:
        """One partial_fit epoch over ``X`` in batches of ``batch`` rows; returns the summed row loss."""
        model, spec = self.model, self.spec
        scale = batch if spec.reduction == "sum" else 1
        model.batch_size = batch
        optimizer = getattr(model, "_optimizer", None)
        if spec.optimizer == "sgd":
            model.learning_rate_init = spec.learning_rate * scale
            if optimizer is not None:
                optimizer.learning_rate = model.learning_rate_init
        else:  # Adam's step is scale-free but for ε: a gradient c times larger is ε / c
            model.epsilon = ADAM_EPSILON / scale
            if optimizer is not None:
                optimizer.epsilon = model.epsilon
        model.partial_fit(X, targets)
        if not spec.bias:
            for intercept in model.intercepts_:
                intercept[...] = 0
        # MLPRegressor's loss is ½·mean over rows and outputs; the spec's sums the outputs.
        return model.loss_ * len(X) * (model.n_outputs_ if self._is_regressor else 1)

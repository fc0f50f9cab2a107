"""PyBrain backend: ``FeedForwardNetwork`` + ``BackpropTrainer`` (seed 000, part 3, "Pybrain").

PyBrain's trainer adds ``input × (target − output)`` backpropagated over the
rows it is given and steps ``v = momentum·v + learningrate·Σ; params += v`` —
the slides' update with ``reduction="sum"``; ``"mean"`` divides the learning
rate by the rows of each batch, which is exact. Full batch is one
``train()`` with ``batchlearning=True``; every other batching hands the trainer
one batch of the reference's order at a time (``setData`` + ``train()``; a
shuffled per-row epoch too: PyBrain's own would shuffle with Python's
``random``, another order than the reference's).
``pybrain3`` needs :mod:`backends.pybrain_compat` to import on modern SciPy.
"""

from __future__ import annotations

import random
from functools import cache
from types import SimpleNamespace

import numpy as np

from backends.scratch.losses import row_losses
from bench.core.backend import Arrays, Backend, EpochCallback, Order, Weights, batches
from bench.core.recipe import Recipe
from bench.core.spec import NetworkSpec
from bench.core.weights import check_shapes


@cache
def _pybrain() -> SimpleNamespace:
    """Import pybrain3 (after the SciPy shim) and define the layers it lacks."""
    from backends import pybrain_compat

    pybrain_compat.apply()
    import pybrain3.datasets as datasets
    import pybrain3.structure as structure
    import pybrain3.supervised.trainers as trainers
    from pybrain3.structure.modules.neuronlayer import NeuronLayer

    class ReluLayer(NeuronLayer):
        """Y = max(0, x); derivative 1 where y > 0 (PyBrain has no ReLU layer)."""

        def _forwardImplementation(self, inbuf, outbuf):  # noqa: N802 - PyBrain's names
            outbuf[:] = np.maximum(inbuf, 0)

        def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):  # noqa: N802
            inerr[:] = (outbuf > 0) * outerr

    class SigmoidCrossEntropyLayer(structure.SigmoidLayer):
        """Sigmoid whose backward pass is y − ŷ, the cross-entropy delta (as SoftmaxLayer's)."""

        def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):  # noqa: N802
            inerr[:] = outerr

    class SoftmaxSquaredErrorLayer(structure.SoftmaxLayer):
        """Softmax whose backward pass is its Jacobian applied to y − ŷ (the mse delta)."""

        def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):  # noqa: N802
            inerr[:] = outbuf * (outerr - np.dot(outerr, outbuf))

    return SimpleNamespace(
        SupervisedDataSet=datasets.SupervisedDataSet, BackpropTrainer=trainers.BackpropTrainer,
        FeedForwardNetwork=structure.FeedForwardNetwork, FullConnection=structure.FullConnection,
        BiasUnit=structure.BiasUnit, LinearLayer=structure.LinearLayer, SigmoidLayer=structure.SigmoidLayer,
        TanhLayer=structure.TanhLayer, SoftmaxLayer=structure.SoftmaxLayer, ReluLayer=ReluLayer,
        SigmoidCrossEntropyLayer=SigmoidCrossEntropyLayer, SoftmaxSquaredErrorLayer=SoftmaxSquaredErrorLayer,
    )


#: Settings stock PyBrain lacks, trained exactly with a small layer subclass defined above.
ADAPTER_LAYER_NOTES = {
    "relu": "relu: PyBrain has no ReLU layer; the adapter defines one (max(0, x))",
    ("sigmoid", "cross_entropy"): "cross_entropy on a sigmoid output: PyBrain's SigmoidLayer backpropagates "
                                  "the mse delta; the adapter's subclass passes y − ŷ",
    ("softmax", "mse"): "mse on a softmax output: PyBrain's SoftmaxLayer backpropagates the cross-entropy "
                        "delta; the adapter's subclass applies the softmax Jacobian",
}


def _layer_class(activation: str, loss: str, output: bool) -> tuple[type, str]:
    """The PyBrain layer for an activation, and a note when it is adapter-defined."""
    pb = _pybrain()
    if activation == "relu":
        return pb.ReluLayer, ADAPTER_LAYER_NOTES["relu"]
    if output and (activation, loss) == ("sigmoid", "cross_entropy"):
        return pb.SigmoidCrossEntropyLayer, ADAPTER_LAYER_NOTES[activation, loss]
    if output and (activation, loss) == ("softmax", "mse"):
        return pb.SoftmaxSquaredErrorLayer, ADAPTER_LAYER_NOTES[activation, loss]
    return {"sigmoid": pb.SigmoidLayer, "tanh": pb.TanhLayer, "linear": pb.LinearLayer,
            "softmax": pb.SoftmaxLayer}[activation], ""


class PyBrainMLP(Backend):
    """The slides' network trained by PyBrain's backpropagation (CPU, float64)."""

    name = "pybrain"
    extra = "pybrain"
    packages = ("numpy", "scipy", "pybrain3")
    kit_deviations = {"dtype float32: PyBrain computes in float64 only": "precision"}

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            _pybrain()
        except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
            return cls.unavailable(f"cannot import pybrain3: {exc}")
        return True, ""

    def skip(self, spec: NetworkSpec, task_kind: str, division: str = "closed") -> tuple[bool, str]:
        if "step" in (spec.hidden_activation, spec.output_activation):
            return True, "PyBrain has no step layer and backpropagation needs a derivative"
        if spec.optimizer != "sgd":
            return True, f"PyBrain's BackpropTrainer has no {spec.optimizer} optimizer"
        return super().skip(spec, task_kind, division)

    def resolve_spec(self, spec: NetworkSpec) -> NetworkSpec:
        if spec.dtype != "float64":
            self._deviate(f"dtype {spec.dtype}: PyBrain computes in float64 only; trained in float64")
            return spec.replace(dtype="float64")
        return spec

    def load(self, spec: NetworkSpec, weights: Weights) -> None:
        check_shapes(spec, weights)
        pb = _pybrain()
        self.network = pb.FeedForwardNetwork()
        layers = [pb.LinearLayer(spec.n_inputs, name="in")]
        for index, size in enumerate(spec.layers[1:], start=1):
            output = index == len(spec.layers) - 1
            layer_class, note = _layer_class(spec.output_activation if output else spec.hidden_activation,
                                             spec.loss, output)
            self._deviate(note)
            layers.append(layer_class(size, name="out" if output else f"hidden{index - 1}"))
        self.network.addInputModule(layers[0])
        for layer in layers[1:-1]:
            self.network.addModule(layer)
        self.network.addOutputModule(layers[-1])
        bias = pb.BiasUnit(name="bias") if spec.bias else None
        if bias is not None:
            self.network.addModule(bias)
        self.connections = []
        for source, target in zip(layers[:-1], layers[1:]):
            weight = pb.FullConnection(source, target)
            self.network.addConnection(weight)
            bias_weight = pb.FullConnection(bias, target) if bias is not None else None
            if bias_weight is not None:
                self.network.addConnection(bias_weight)
            self.connections.append((weight, bias_weight))
        self.network.sortModules()  # gathers every connection's params into one array (views)
        for (weight, bias_weight), (W, b) in zip(self.connections, weights):
            # FullConnection keeps its matrix as (out, in), row-major: the transpose of the shared layout.
            weight.params[:] = np.asarray(W, dtype=np.float64).T.ravel()
            if bias_weight is not None:
                bias_weight.params[:] = np.asarray(b, dtype=np.float64)

    def begin_training(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray) -> Arrays:
        self.resolve_spec(spec)  # records the float64 deviation when called without the harness
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        batch_size = spec.effective_batch_size(len(X))
        self.native_epoch = batch_size == len(X)  # the order of a full batch's rows changes only rounding
        divisor = len(X) if spec.reduction == "mean" and batch_size == len(X) else 1
        pb = _pybrain()
        self.trainer = pb.BackpropTrainer(self.network, pb.SupervisedDataSet(X, Y),
                                          learningrate=spec.learning_rate / divisor, momentum=spec.momentum,
                                          batchlearning=batch_size > 1, lrdecay=1.0, weightdecay=0.0,
                                          verbose=False)
        random.seed(spec.seed)  # BackpropTrainer.train() shuffles a full batch's rows with Python's random
        return X, Y

    def train_epoch(self, X: np.ndarray, Y: np.ndarray, order: Order, batch_size: int) -> float:
        """PyBrain's own epoch for a full batch, else one ``train()`` per batch of the reference's order.

        ``BackpropTrainer`` reports only ½Σ(y − ŷ)²; for cross-entropy the loss of a batch is a forward
        pass of its rows just before its ``train()`` (the same running loss as the reference's, the
        extra pass inside the fit time).
        """
        if self.native_epoch:
            entropy = self._entropy(X, Y)
            loss = self.trainer.train() * self.spec.n_outputs  # PyBrain divides by rows × outputs
            return float(loss) if entropy is None else entropy / len(X)
        total = 0.0
        for rows in batches(order, len(X), batch_size):
            total += self._train_batch(X[rows], Y[rows])
        return total / len(X)

    def _entropy(self, X: np.ndarray, Y: np.ndarray) -> float | None:
        """The summed cross-entropy of the rows on the current weights (None for mse)."""
        if self.spec.loss != "cross_entropy":
            return None
        return float(row_losses("cross_entropy", Y, self.predict(X), self.spec.output_activation).sum())

    def _train_batch(self, X: np.ndarray, Y: np.ndarray) -> float:
        """One ``train()`` on one batch (``setData``); its summed row loss."""
        spec, trainer = self.spec, self.trainer
        entropy = self._entropy(X, Y)
        trainer.setData(_pybrain().SupervisedDataSet(X, Y))
        trainer.descent.alpha = spec.learning_rate / (len(X) if spec.reduction == "mean" else 1)
        error = trainer.train() * len(X) * spec.n_outputs
        return error if entropy is None else entropy

    # open division -----------------------------------------------------------
    # PyBrain's tutorial: buildNetwork(...) (its own random init), a SupervisedDataSet,
    # BackpropTrainer(net, ds, learningrate, momentum) and one train() per epoch.
    def build_open(self, spec: NetworkSpec) -> None:
        """``buildNetwork(*layers, hiddenclass, outclass, bias)``: each connection draws its weights from
        NumPy's global generator as it is created (``numpy.random.seed(spec.seed)`` first); float64 only."""
        pb = _pybrain()  # the SciPy shim first
        from pybrain3.tools.shortcuts import buildNetwork

        self.resolve_spec(spec)  # float64 only: recorded
        hidden, _ = _layer_class(spec.hidden_activation, spec.loss, output=False)
        out_class = {"sigmoid": pb.SigmoidLayer, "softmax": pb.SoftmaxLayer, "linear": pb.LinearLayer,
                     "tanh": pb.TanhLayer, "relu": pb.ReluLayer}[spec.output_activation]
        np.random.seed(spec.seed)
        self.network = buildNetwork(*spec.layers, hiddenclass=hidden, outclass=out_class, bias=spec.bias)
        self.connections = _built_connections(self.network, len(spec.layers))
        self._built = (f"pybrain3.tools.shortcuts.buildNetwork(*{list(spec.layers)}, hiddenclass="
                       f"{hidden.__name__}, outclass={out_class.__name__}, bias={spec.bias})")

    def train_open(self, spec: NetworkSpec, X: np.ndarray, Y: np.ndarray,
                   on_epoch: EpochCallback | None) -> Recipe:
        """``trainEpochs(n)`` is exactly n ``train()`` calls, so ``on_epoch`` follows each one
        (``train()``'s return value: PyBrain's mean ½Σ(y − ŷ)² per output)."""
        pb = _pybrain()
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        batch_learning = self._open_deviations(spec, len(X))
        dataset = pb.SupervisedDataSet(spec.n_inputs, spec.n_outputs)
        dataset.setField("input", X)
        dataset.setField("target", Y)
        options = dict(learningrate=spec.learning_rate, momentum=spec.momentum, batchlearning=batch_learning)
        trainer = pb.BackpropTrainer(self.network, dataset, **options)
        random.seed(spec.seed)  # train() shuffles the rows with Python's random
        for epoch in range(1, spec.epochs + 1):
            self.end_epoch(epoch, trainer.train(), on_epoch)
        return Recipe(
            library="pybrain3", model=self._built, init="buildNetwork's randn draws after numpy.random.seed",
            seed=spec.seed, loss="½Σ(y − ŷ)² (BackpropTrainer; the output layer's backward pass)",
            optimizer="sgd", learning_rate=spec.learning_rate, momentum=spec.momentum,
            batch_size=len(X) if batch_learning else 1, epochs=spec.epochs, shuffle=True,
            dtype=self.parameter_dtype(), device="cpu",
            loop=f"trainer.train() × {spec.epochs} (= trainEpochs({spec.epochs})), rows shuffled by "
                 f"random.shuffle after random.seed({spec.seed})",
            arguments={"BackpropTrainer": options, "dataset": "SupervisedDataSet(inputs, outputs) with "
                       "setField('input', X), setField('target', Y)"})

    def _open_deviations(self, spec: NetworkSpec, rows: int) -> bool:
        """Record what BackpropTrainer cannot express; whether it learns on the whole set (batchlearning)."""
        batch_size = spec.effective_batch_size(rows)
        if 1 < batch_size < rows:
            self._deviate(f"batch size {batch_size}: BackpropTrainer trains per row or on the whole set "
                          "(batchlearning); trained per row")
        batch_learning = batch_size == rows and rows > 1
        if batch_learning and spec.reduction == "mean":
            self._deviate("reduction mean: BackpropTrainer adds the rows' gradients over the set (sum)")
        if not spec.shuffle:
            self._deviate("shuffle off: BackpropTrainer.train() always shuffles the rows")
        if "relu" in (spec.hidden_activation, spec.output_activation):
            self._deviate(ADAPTER_LAYER_NOTES["relu"])
        if (spec.output_activation, spec.loss) == ("sigmoid", "cross_entropy"):
            self._deviate("cross_entropy on a sigmoid output: PyBrain's SigmoidLayer trains the mse delta")
        if (spec.output_activation, spec.loss) == ("softmax", "mse"):
            self._deviate("mse on a softmax output: PyBrain's SoftmaxLayer trains the cross-entropy delta")
        return batch_learning

    def parameter_dtype(self) -> str:
        return self.network.params.dtype.name

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.array([self.network.activate(row) for row in np.asarray(X, dtype=np.float64)])

    def get_weights(self) -> Weights:
        weights: Weights = []
        for weight, bias_weight in self.connections:
            W = weight.params.reshape(weight.outdim, weight.indim).T.copy()
            weights.append((W, None if bias_weight is None else bias_weight.params.copy()))
        return weights


def _built_connections(network: object, depth: int) -> list[tuple[object, object | None]]:
    """(weights, bias weights or None) into each layer of a ``buildNetwork`` network, input side first
    (its modules are named "in", "hidden0", …, "out" and "bias")."""
    names = ["in", *(f"hidden{i}" for i in range(depth - 2)), "out"]
    every = [c for outgoing in network.connections.values() for c in outgoing]  # type: ignore[attr-defined]

    def between(source: str, target: str) -> object | None:
        return next((c for c in every if c.inmod.name == source and c.outmod.name == target), None)

    return [(between(source, target), between("bias", target)) for source, target in zip(names, names[1:])]

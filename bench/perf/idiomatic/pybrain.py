"""PyBrain as its tutorial ("Building a Network", "Training your Network on your Dataset") teaches it.

``buildNetwork(784, 256, 128, 10, hiddenclass=…, outclass=SoftmaxLayer)``
(its own random init, a bias unit), a ``SupervisedDataSet`` filled with
``addSample``, ``BackpropTrainer(net, ds, learningrate, momentum)`` and one
``trainer.train()`` per epoch. PyBrain's trainer updates after every row
(its default, ``batchlearning=False``) or once per epoch: it has no
mini-batches, so the batch size is not used — one deviation from the
workload. It has no ReLU layer either: the script defines one, as a user
would. It computes in float64. ``pybrain3`` imports names modern SciPy no
longer has: :mod:`backends.pybrain_compat` puts them back first.
"""

from __future__ import annotations

import random
import sys
import time

import numpy as np

from backends import pybrain_compat

pybrain_compat.apply()

from pybrain3.datasets import SupervisedDataSet  # noqa: E402
from pybrain3.structure import SigmoidLayer, SoftmaxLayer, TanhLayer  # noqa: E402
from pybrain3.structure.modules.neuronlayer import NeuronLayer  # noqa: E402
from pybrain3.supervised.trainers import BackpropTrainer  # noqa: E402
from pybrain3.tools.shortcuts import buildNetwork  # noqa: E402


class ReluLayer(NeuronLayer):
    """max(0, x); PyBrain has no ReLU layer."""

    def _forwardImplementation(self, inbuf, outbuf):  # noqa: N802 - PyBrain's names
        outbuf[:] = np.maximum(inbuf, 0)

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):  # noqa: N802
        inerr[:] = (outbuf > 0) * outerr


LAYERS = {"relu": ReluLayer, "sigmoid": SigmoidLayer, "tanh": TanhLayer}


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    random.seed(seed)  # the trainer shuffles the rows with Python's random
    np.random.seed(seed)  # buildNetwork draws the weights with NumPy's
    net = buildNetwork(X.shape[1], *hidden, Y.shape[1], hiddenclass=LAYERS[activation], outclass=SoftmaxLayer)
    dataset = SupervisedDataSet(X.shape[1], Y.shape[1])
    for inputs, target in zip(X, Y):
        dataset.addSample(inputs, target)
    trainer = BackpropTrainer(net, dataset, learningrate=learning_rate, momentum=momentum)

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        trainer.train()
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    from bench.perf.idiomatic.standalone import main

    sys.exit(main("pybrain", train))

"""Minimal PyTorch and Keras training loops, used only when their adapters cannot be.

Each trains the workload's network (same initial weights, softmax +
cross-entropy, SGD with momentum, shuffled mini-batches) and returns the
seconds of each timed epoch. They are labelled "direct loop" wherever their
figures are printed.
"""

from __future__ import annotations

import time

import numpy as np

from bench.perf.timing import epoch_durations
from bench.perf.workload import Workload
from bench.weights import initial_weights


def torch_epochs(workload: Workload, X: np.ndarray, Y: np.ndarray, device: str, threads: int) -> list[float]:
    import torch

    torch.set_num_threads(threads)
    where = torch.device("cuda" if device == "gpu" else "cpu")
    dtype = torch.float32 if workload.dtype == "float32" else torch.float64
    activation = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}[
        workload.hidden_activation]
    modules: list[torch.nn.Module] = []
    for W, b in initial_weights(workload.spec()):
        layer = torch.nn.Linear(*W.shape, dtype=dtype, device=where)
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(W.T))
            layer.bias.copy_(torch.as_tensor(b))
        modules += [layer, activation()]
    model = torch.nn.Sequential(*modules[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=workload.learning_rate, momentum=workload.momentum)
    inputs = torch.as_tensor(X, dtype=dtype, device=where)
    labels = torch.as_tensor(Y.argmax(axis=1), device=where)
    rng = np.random.default_rng(workload.seed)
    ends, start = [], time.perf_counter()
    for _ in range(workload.warmup_epochs + workload.epochs):
        order = torch.as_tensor(rng.permutation(len(X)), device=where)
        for first in range(0, len(X), workload.batch_size):
            rows = order[first : first + workload.batch_size]
            loss = torch.nn.functional.cross_entropy(model(inputs[rows]), labels[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        float(loss)  # waits for the device
        ends.append(time.perf_counter())
    return epoch_durations(ends, start)[workload.warmup_epochs :]


def keras_epochs(workload: Workload, X: np.ndarray, Y: np.ndarray, device: str, threads: int) -> list[float]:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    layers = [keras.Input((workload.layers[0],))]
    for width in workload.layers[1:-1]:
        layers.append(keras.layers.Dense(width, activation=workload.hidden_activation))
    layers.append(keras.layers.Dense(workload.layers[-1], activation="softmax"))
    model = keras.Sequential(layers)
    model.set_weights([array for W, b in initial_weights(workload.spec()) for array in (W, b)])
    model.compile(optimizer=keras.optimizers.SGD(workload.learning_rate, momentum=workload.momentum),
                  loss="categorical_crossentropy")
    ends: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            ends.append(time.perf_counter())

    start = time.perf_counter()
    model.fit(X, Y, batch_size=workload.batch_size, epochs=workload.warmup_epochs + workload.epochs,
              shuffle=True, verbose=0, callbacks=[Clock()])
    return epoch_durations(ends, start)[workload.warmup_epochs :]

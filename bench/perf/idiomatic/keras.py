"""Keras 3 as its getting-started guide teaches it.

``keras.Sequential`` of ``Dense`` layers (Keras' default Glorot-uniform
kernels, zero biases), ``compile`` with ``SGD(momentum=…)`` and
``"categorical_crossentropy"``, then one ``fit(X, Y, batch_size, epochs,
shuffle=True)`` — https://keras.io/getting_started/intro_to_keras_for_engineers/.
Epochs are timed by a ``Callback`` (the end of each epoch, from the start
of ``fit``): a loop of ``fit(epochs=1)`` would rebuild the data pipeline
every epoch, and users call ``fit`` once. ``verbose=0``: the progress bar
is the user's choice, not the library's work. The same script is the
``keras-jax`` and ``keras-torch`` one: Keras runs on the backend that
``KERAS_BACKEND`` names when it is first imported
(``KERAS_BACKEND=jax python -m bench.perf.idiomatic.keras``).
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    """The ``perf_counter`` at the end of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []

    def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.ends.append(time.perf_counter())


def train(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...] = (256, 128), activation: str = "relu",
          epochs: int = 10, batch_size: int = 128, learning_rate: float = 0.01, momentum: float = 0.9,
          seed: int = 0) -> list[float]:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(X.shape[1],)),
                              *(keras.layers.Dense(n, activation=activation) for n in hidden),
                              keras.layers.Dense(Y.shape[1], activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum),
                  loss="categorical_crossentropy")

    timer = EpochTimer()
    start = time.perf_counter()
    model.fit(X, Y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
    return [end - begin for begin, end in zip([start, *timer.ends], timer.ends)]


if __name__ == "__main__":
    from bench.perf.idiomatic import keras_library
    from bench.perf.idiomatic.standalone import main

    sys.exit(main(keras_library(keras.backend.backend()), train))

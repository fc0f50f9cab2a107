"""``python -m idiomatic_engine_child LIBRARY``: one engine's script and side-by-side in a fresh interpreter.

Used by tests/test_perf_idiomatic.py for jax, keras-jax and keras-torch
(Keras picks its backend once per process, and the pytest process may run
Keras on TensorFlow already). Prints one JSON object (``{"unavailable": why}``
where the adapter's library is not installed): the script's epoch
times and per-epoch losses (read without changing its training: the values
its jitted step returns, or Keras' ``History``), the Keras backend it ran
on, why loading another Keras library's script was refused, and
:func:`bench.perf.harness.side_by_side.measure` on the same tiny workload.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from bench.perf import idiomatic
from bench.perf.harness import side_by_side
from bench.perf.workload import Workload, make_data

TINY = Workload(rows=64, layers=(8, 6, 5, 4), batch_size=16, epochs=1, warmup_epochs=1)
EPOCHS = 30


def _jax_losses(train: idiomatic.TrainFunction,
                arguments: dict[str, Any]) -> tuple[list[float], list[float]]:
    """The script's times and each epoch's mean batch loss (the third value its jitted step returns)."""
    import jax

    batch_losses: list[float] = []
    real_jit = jax.jit

    def recording_jit(function: Any, *args: Any, **kwargs: Any) -> Any:
        jitted = real_jit(function, *args, **kwargs)

        def call(*call_args: Any) -> Any:
            out = jitted(*call_args)
            batch_losses.append(float(out[2]))
            return out
        return call

    jax.jit = recording_jit
    try:
        times = train(*make_data(TINY), **arguments)
    finally:
        jax.jit = real_jit
    per_epoch = len(batch_losses) // len(times)
    return times, [float(np.mean(batch_losses[first:first + per_epoch]))
                   for first in range(0, len(batch_losses), per_epoch)]


def _keras_losses(train: idiomatic.TrainFunction,
                  arguments: dict[str, Any]) -> tuple[list[float], list[float]]:
    """The script's times and the losses of the ``History`` its ``fit`` returns."""
    import keras

    histories: list[Any] = []
    real_fit = keras.Model.fit

    def recording_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        histories.append(real_fit(self, *args, **kwargs))
        return histories[-1]

    own = "fit" in vars(keras.Model)
    keras.Model.fit = recording_fit
    try:
        times = train(*make_data(TINY), **arguments)
    finally:
        if own:
            keras.Model.fit = real_fit
        else:
            del keras.Model.fit  # inherited from the backend's trainer again
    return times, [float(loss) for loss in histories[0].history["loss"]]


def main(library: str) -> dict[str, Any]:
    from bench.core import registry

    ok, why = registry.backend_class(library).available()
    if not ok:
        return {"unavailable": why}
    train = idiomatic.load(library)
    idiomatic.apply_thread_budget(library, 1)  # as side_by_side does before every run
    arguments = {**idiomatic.script_arguments(TINY), "epochs": EPOCHS, "learning_rate": 0.1}
    result: dict[str, Any] = {"engine": None, "refused": ""}
    if library == "jax":
        times, losses = _jax_losses(train, arguments)
    else:
        import keras

        result["engine"] = keras.backend.backend()
        times, losses = _keras_losses(train, arguments)
        try:
            idiomatic.load("keras")
        except RuntimeError as exc:
            result["refused"] = str(exc)
    result.update(times=times, losses=losses, side_by_side=side_by_side.measure(library, TINY, 1, 2))
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), default=str))

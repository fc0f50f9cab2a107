"""The open division's recipe as data: what an adapter handed its library, checked by the kit.

An open-division fit trains the spec's network with the library's own API
(MLPerf's open division): its initialiser, loss classes, optimizer and loop.
:class:`Recipe` states, in fields a check can compare with the spec and with
what ran, the choices every library shares (dtype, seed, optimizer, learning
rate, batches, epochs, shuffling) and, in ``arguments``, every argument handed
to the library verbatim, so that a cell can be rerun outside nnbench.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

#: JSON values only: the recipe is stored with the record.
JsonValue = Any


@dataclass(frozen=True)
class Recipe:
    """One open-division fit, as handed to the library."""

    library: str                 # the import name of the library that trained: "torch", "keras", "sklearn"
    model: str                   # how the network was built, as code ("torch.nn.Sequential(...)")
    init: str                    # the library's own initialiser, as its docs name it
    seed: int | None             # the seed handed to the library's generator(s); None: it takes none
    loss: str                    # the library's loss, as code
    optimizer: str               # "sgd" or "adam" (the spec's names), the library's class in ``arguments``
    learning_rate: float
    momentum: float | None       # SGD's momentum; None for Adam
    batch_size: int              # rows per step (the spec's effective batch size)
    epochs: int
    shuffle: bool
    dtype: str                   # the dtype of the model's own parameters: "float32" or "float64"
    device: str                  # "cpu", "cuda:0", ...
    loop: str                    # the training loop, as code ("model.fit(...)", "for each batch: ...")
    arguments: dict[str, JsonValue] = field(default_factory=dict)  # every argument handed to the library

    def to_dict(self) -> dict[str, JsonValue]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, JsonValue]) -> Recipe:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def text(self) -> str:
        """One line for reports: the shared choices, then the library's arguments."""
        shared = (f"{self.library}: {self.model}; init {self.init}"
                  + (f" (seed {self.seed})" if self.seed is not None else " (unseeded)")
                  + f"; loss {self.loss}; {self.optimizer} lr={self.learning_rate:g}"
                  + (f" momentum={self.momentum:g}" if self.momentum is not None else "")
                  + f"; batch {self.batch_size}, {self.epochs} epochs"
                  + (", shuffled" if self.shuffle else "")
                  + f"; {self.dtype} on {self.device}; {self.loop}")
        if not self.arguments:
            return shared
        return shared + "; " + json.dumps(self.arguments, sort_keys=True, default=str)

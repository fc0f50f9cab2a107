"""The network every backend trains: one typed, validated description.

The vocabulary follows the course slides (seed 000): layer sizes, activation
functions (step, sigmoid, tanh, ReLU, linear, softmax), the error (loss)
function, learning rate, momentum, and the three flavours of gradient descent
on the "stochastic gradient descent" slides: batch (all rows), stochastic
(one row) and mini-batch (k rows).

Training objective, the same for every backend (what "exact" means in the
README's deviation table):

* ``loss="mse"``: per row ``½ Σ_k (y_k − ŷ_k)²``. Its gradient through the
  output activation is the slides' ``delta_output = error * derivative``.
* ``loss="cross_entropy"``: per row ``−Σ_k y_k log ŷ_k`` (softmax output) or
  the binary form (sigmoid output); its output delta is ``y − ŷ``.
* ``reduction``: ``"sum"`` adds the rows of a batch (the slides' weight update
  ``weight + learning_rate × Σ input × delta``); ``"mean"`` averages them, which
  keeps the learning rate independent of the batch size.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

from bench.core import suggest, values

ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "linear", "softmax")
LOSSES = ("mse", "cross_entropy")
REDUCTIONS = ("mean", "sum")
OPTIMIZERS = ("sgd", "adam")
INITIALIZERS = ("glorot_uniform", "he_uniform", "uniform", "zeros")
DTYPES = ("float32", "float64")
#: ``input_scaling``: "none" (the task's inputs as it gives them) or "standard" (each input column
#: centred and divided by its standard deviation on the training rows, as scikit-learn's
#: ``StandardScaler``; the test rows with the training rows' statistics).
INPUT_SCALINGS = ("none", "standard")
#: ``stopping``: "epochs" (every epoch runs) or "library" (the open division's library stops by its
#: own rule, ``epochs`` its maximum; backends without one skip the cell).
STOPPINGS = ("epochs", "library")
#: Protocol fields a record's spec holds only when they differ from these defaults, so that specs
#: without them keep their ids (:func:`bench.core.record.spec_key`) and earlier records still match.
PROTOCOL_DEFAULTS = {"input_scaling": "none", "stopping": "epochs"}


class SpecError(ValueError):
    """A network spec that cannot be trained as written."""


@dataclass(frozen=True)
class NetworkSpec:
    """Architecture and training recipe of one fully connected network."""

    layers: tuple[int, ...]
    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "mse"
    reduction: str = "mean"
    optimizer: str = "sgd"
    learning_rate: float = 0.3
    momentum: float = 0.0
    batch_size: int = 0  # 0 = the whole training set (batch gradient descent)
    epochs: int = 1000
    init: str = "glorot_uniform"
    init_scale: float = 1.0  # half-width for init="uniform"
    bias: bool = True
    shuffle: bool = True
    seed: int = 0
    dtype: str = "float64"
    input_scaling: str = "none"
    stopping: str = "epochs"

    def __post_init__(self) -> None:
        if not isinstance(self.layers, (list, tuple)):
            raise SpecError(f"layers must be a list of layer sizes, got {self.layers!r}")
        object.__setattr__(self, "layers", tuple(self.layers))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`SpecError` naming the first impossible setting."""
        _check_types(self)
        if len(self.layers) < 2:
            raise SpecError(f"layers needs at least an input and an output size, got {list(self.layers)}")
        if any(n < 1 for n in self.layers):
            raise SpecError(f"every layer needs at least one neuron, got {list(self.layers)}")
        _choice("hidden_activation", self.hidden_activation, ACTIVATIONS)
        _choice("output_activation", self.output_activation, ACTIVATIONS)
        _choice("loss", self.loss, LOSSES)
        _choice("reduction", self.reduction, REDUCTIONS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("init", self.init, INITIALIZERS)
        _choice("dtype", self.dtype, DTYPES)
        _choice("input_scaling", self.input_scaling, INPUT_SCALINGS)
        _choice("stopping", self.stopping, STOPPINGS)
        if self.hidden_activation == "softmax":
            raise SpecError("softmax is an output activation; pick another hidden_activation")
        if self.loss == "cross_entropy" and self.output_activation not in ("softmax", "sigmoid"):
            raise SpecError("cross_entropy needs a softmax or sigmoid output_activation")
        if not self.learning_rate > 0:
            raise SpecError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0 <= self.momentum < 1:
            raise SpecError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.batch_size < 0:
            raise SpecError(f"batch_size must be >= 0 (0 = full batch), got {self.batch_size}")
        if self.epochs < 1:
            raise SpecError(f"epochs must be >= 1, got {self.epochs}")
        if not self.init_scale > 0:
            raise SpecError(f"init_scale must be > 0, got {self.init_scale}")
        if self.seed < 0:
            raise SpecError(f"seed must be >= 0, got {self.seed}")

    @property
    def n_inputs(self) -> int:
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1]

    @property
    def hidden_layers(self) -> tuple[int, ...]:
        return self.layers[1:-1]

    def effective_batch_size(self, n_rows: int) -> int:
        return n_rows if self.batch_size == 0 or self.batch_size > n_rows else self.batch_size

    def replace(self, **changes: Any) -> NetworkSpec:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["layers"] = list(self.layers)
        for name, default in PROTOCOL_DEFAULTS.items():  # written only when set (see PROTOCOL_DEFAULTS)
            if data[name] == default:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"unknown spec field(s) {unknown}; known: {sorted(known)}")
        try:
            return cls(**data)
        except TypeError as exc:  # wrong value types, e.g. layers=3
            raise SpecError(str(exc)) from exc


#: What each field's annotation accepts, exactly: bool is not an int, an int is a float.
#: (numbers.Integral / Real, so NumPy scalars from a task's array shapes count; they become int/float.)
_FIELD_KINDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "int": ("an integer", (numbers.Integral,)),
    "float": ("a number", (numbers.Real,)),
    "bool": ("true or false", (bool,)),
    "str": ("a name", (str,)),
}
_PLAIN = {"int": int, "float": float}


def _is_kind(value: object, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _check_types(spec: NetworkSpec) -> None:
    """Every field exactly its type; floats finite (no silent ``int()``, no NaN reaching a backend).

    Values of the right kind but another class (``numpy.int64``, an int for a float field) are
    stored as the plain Python type.
    """
    for layer in spec.layers:
        if not _is_kind(layer, (numbers.Integral,)) or layer > values.MAX_SPEC_INT:
            raise SpecError(f"layers must be whole layer sizes, got {list(spec.layers)!r} "
                            f"(each at most {values.MAX_SPEC_INT})")
    object.__setattr__(spec, "layers", tuple(int(n) for n in spec.layers))
    for item in dataclasses.fields(spec):
        if item.name == "layers":
            continue
        kind = str(item.type)
        label, kinds = _FIELD_KINDS[kind]
        value = getattr(spec, item.name)
        if not _is_kind(value, kinds):
            raise SpecError(f"{item.name} must be {label}, got {value!r}")
        if kind == "float" and not math.isfinite(value):
            raise SpecError(f"{item.name} must be a finite number, got {value!r}")
        if kind == "int" and abs(value) > values.MAX_SPEC_INT:
            raise SpecError(f"{item.name} must be at most {values.MAX_SPEC_INT}, got {value!r}")
        if kind in _PLAIN and type(value) is not _PLAIN[kind]:
            object.__setattr__(spec, item.name, _PLAIN[kind](value))


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"{name} must be one of {list(allowed)}, got {value!r}")


#: ``--set layers=2,3,1`` or ``2-3-1``: positive sizes, one separator between each.
_LAYERS_TEXT = re.compile(r"\s*[0-9]+(\s*[,-]\s*[0-9]+)*\s*", re.ASCII)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _parse_bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text not in _TRUE + _FALSE:
        raise ValueError(raw)
    return text in _TRUE


def coerce_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Turn CLI strings (``epochs=10``) into typed spec field values; refuse what does not parse.

    Values that are not strings (from TOML) pass through unchanged; the spec
    then checks they are exactly of the field's type.
    """
    types = {f.name: f.type for f in dataclasses.fields(NetworkSpec)}
    out: dict[str, Any] = {}
    for name, raw in overrides.items():
        if name not in types:
            raise SpecError(suggest.unknown("spec field", name, sorted(types), most=len(types)))
        if not isinstance(raw, str):
            out[name] = raw
            continue
        kind = str(types[name])
        try:
            if name == "layers":
                if not _LAYERS_TEXT.fullmatch(raw):
                    raise ValueError(raw)
                out[name] = tuple(int(v) for v in re.split(r"[,-]", raw))
            elif kind == "int":
                out[name] = values.parse_int(raw, name)
            elif kind == "float":
                out[name] = values.parse_number(raw, name)
            elif kind == "bool":
                out[name] = _parse_bool(raw)
            else:
                out[name] = raw
        except values.ValueRangeError as exc:
            raise SpecError(f"bad value for {name}: {exc}") from None
        except ValueError as exc:
            expected = ("layer sizes such as 2,3,1" if name == "layers"
                        else _FIELD_KINDS.get(kind, ("a value", ()))[0])
            raise SpecError(f"bad value for {name}: {raw!r} (expected {expected})") from exc
    return out


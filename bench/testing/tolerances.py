"""The kit's tolerances: how far a backend's training may be from the NumPy reference's, per dtype,
and how far each kind of recorded deviation may widen that (:data:`DEVIATION_BOUNDS`)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.core.backend import Backend

#: Largest |difference| of weights and epoch losses accepted as "the same training", per dtype.
#: Measured on the shipped adapters with ``python -m bench.testing [--long]``; docs/adding-a-backend.md's
#: bounds table states them (tests/test_readme_example.py checks it).
TOLERANCE = {"float64": 1e-9, "float32": 1e-5}
LONG_TOLERANCE = {"float64": 1e-9, "float32": 2e-4}


@dataclass(frozen=True)
class DeviationBound:
    """How far one kind of recorded deviation may move training from the reference: the tolerance the
    training checks then assert (3 epochs on 12 rows; 25 epochs on 40 rows)."""

    about: str
    short: float
    long: float


#: kind → bound. An adapter names the kind of each of its deviation notes in ``kit_deviations``
#: ({start of a note: kind}); a recorded note of no kind widens nothing. Several kinds recorded in one
#: fit add their bounds. The open division's dtype check accepts parameters in another dtype than the
#: spec's only with a recorded note of kind ``precision``.
DEVIATION_BOUNDS: dict[str, DeviationBound] = {
    "precision": DeviationBound("the library computes in another precision than the spec's dtype: "
                                "compared at float32's tolerance", TOLERANCE["float32"],
                                LONG_TOLERANCE["float32"]),
    "adam-epsilon": DeviationBound("Adam's ε added to √v instead of √v̂ (Kingma & Ba's efficient form): "
                                   "the steps differ where gradients are tiny", 5e-5, 1e-4),
}



def deviation_kinds(cls: type[Backend], deviations: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The kinds of :data:`DEVIATION_BOUNDS` that ``deviations`` belong to (``cls.kit_deviations``)."""
    return tuple(sorted({kind for note in deviations for start, kind in cls.kit_deviations.items()
                         if note.startswith(start)}))


def allowed_difference(cls: type[Backend], dtype: str, deviations: tuple[str, ...], long: bool = False
                       ) -> tuple[float, tuple[str, ...]]:
    """The tolerance of a fit in ``dtype`` that recorded ``deviations``, and the kinds that widened it:
    the dtype's, or the recorded kinds' bounds added up (effects that combine) — never unbounded."""
    tolerance = (LONG_TOLERANCE if long else TOLERANCE)[dtype]
    kinds = deviation_kinds(cls, deviations)
    bounds = {kind: DEVIATION_BOUNDS[kind].long if long else DEVIATION_BOUNDS[kind].short for kind in kinds}
    widened = tuple(bounds) if sum(bounds.values()) > tolerance else ()
    return max(tolerance, sum(bounds.values())), widened


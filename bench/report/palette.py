"""One colour and one position per library, the same in every figure, table and page.

The built-in backends have fixed colours (:data:`KNOWN`, in the order they are
listed everywhere: the reference first, then the other libraries, then the
JAX family). Any other backend, a third-party plugin included, gets a colour
from :data:`EXTRA` picked by a hash of its name, so it keeps its colour from
one page to the next whatever else ran; it is placed after the built-ins, in
alphabetical order. Two unknown names may share a colour (ten to pick from);
the legend names each line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

#: The built-in backends, in their fixed order, with their fixed colours.
KNOWN: dict[str, str] = {
    "numpy": "#1f77b4",             # blue: the reference
    "numpy-perceptron": "#17becf",  # cyan
    "sklearn": "#ff7f0e",           # orange
    "pybrain": "#8c564b",           # brown
    "keras": "#d62728",             # red
    "torch": "#9467bd",             # purple
    "jax": "#2ca02c",               # green
    "keras-jax": "#bcbd22",         # olive
    "keras-torch": "#7f7f7f",       # grey
    "flax": "#e377c2",              # pink
    "equinox": "#393b79",           # indigo
}
#: Colours for any other backend (none of them one of :data:`KNOWN`'s).
EXTRA = ("#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
         "#636363", "#ad494a")


def colour(backend: str) -> str:
    """The backend's colour: fixed for a built-in, from a hash of its name for any other."""
    if backend in KNOWN:
        return KNOWN[backend]
    digest = hashlib.sha256(backend.encode("utf-8", "surrogatepass")).digest()
    return EXTRA[int.from_bytes(digest[:4], "big") % len(EXTRA)]


def colours(backends: Iterable[str]) -> dict[str, str]:
    """``{backend: colour}`` for every name given."""
    return {name: colour(name) for name in backends}


def position(backend: str) -> tuple[int, str]:
    """A sort key: built-ins in :data:`KNOWN`'s order, then every other name alphabetically."""
    known = list(KNOWN)
    return (known.index(backend), "") if backend in known else (len(known), backend)


def ordered(backends: Iterable[str]) -> list[str]:
    """The distinct names in the fixed order (:func:`position`)."""
    return sorted(set(backends), key=position)


def label_backend(label: str) -> str:
    """The backend of a label such as ``torch@gpu [a1b2]`` (the answer's labels)."""
    return label.split("@")[0].split(" [")[0]

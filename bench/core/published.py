"""Published results a suite reruns: the value a paper reports for one cell, its spread and its source.

A suite lists them as ``[[published]]`` tables (:mod:`bench.run.suite`)::

    [[published]]
    task = "fashion-mnist"
    backend = "sklearn"
    division = "open"
    metric = "accuracy"
    value = 0.871           # the published figure
    spread = 0.0005         # its stated half-width (± around value), >= 0
    spread_source = "..."   # where the spread comes from (or why it is the rounding)
    source = "..."          # paper, table, row

Each record keeps them in its ``suite_config``, so the report compares the rerun against them
(:mod:`bench.report.reproduction`) without the suite file.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any

#: Keys of a ``[[published]]`` table, all required.
PUBLISHED_KEYS = ("task", "backend", "division", "metric", "value", "spread", "spread_source", "source")


class PublishedError(ValueError):
    """A ``[[published]]`` entry that cannot be compared against."""


@dataclass(frozen=True)
class Published:
    """One published figure: a cell's metric (mean over the paper's repeats) ± its stated spread."""

    task: str
    backend: str
    division: str
    metric: str
    value: float
    spread: float
    spread_source: str
    source: str

    @property
    def low(self) -> float:
        return self.value - self.spread

    @property
    def high(self) -> float:
        return self.value + self.spread

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def published_from_mapping(data: Any, where: str) -> Published:
    """A :class:`Published` from a TOML table or a stored ``suite_config`` entry; one-line errors."""
    if not isinstance(data, dict):
        raise PublishedError(f"{where} must be a table of {', '.join(PUBLISHED_KEYS)}")
    unknown = sorted(set(data) - set(PUBLISHED_KEYS))
    if unknown:
        raise PublishedError(f"{where}: unknown key(s) {unknown}; known: {list(PUBLISHED_KEYS)}")
    missing = [key for key in PUBLISHED_KEYS if key not in data]
    if missing:
        raise PublishedError(f"{where}: missing key(s) {missing}")
    for key in ("task", "backend", "division", "metric", "spread_source", "source"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise PublishedError(f"{where}: {key} must be a non-empty string, got {data[key]!r}")
    for key in ("value", "spread"):
        value = data[key]
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
            raise PublishedError(f"{where}: {key} must be a finite number, got {value!r}")
    if data["spread"] < 0:
        raise PublishedError(f"{where}: spread must be >= 0 (a half-width), got {data['spread']!r}")
    return Published(**{key: (float(data[key]) if key in ("value", "spread") else data[key])
                        for key in PUBLISHED_KEYS})


def published_list(entries: Any, where: str = "published") -> list[Published]:
    """Every entry of a suite's ``published`` list, in order; two for the same cell and metric are refused."""
    if not isinstance(entries, list):
        raise PublishedError(f"{where} must be a list of tables ([[published]])")
    found = [published_from_mapping(entry, f"{where}[{index}]") for index, entry in enumerate(entries)]
    keys = [(p.task, p.backend, p.division, p.metric) for p in found]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise PublishedError(f"{where}: {'/'.join(repeated[0])} is listed more than once")
    return found

"""Reproduced against published: each ``[[published]]`` entry of the run's suite beside what the rerun gave.

The rerun's spread is the one the Fashion-MNIST benchmark's runner reports for its repeats
(``benchmark/runner.py``: twice the standard deviation over the repeats, ``numpy.std``, ddof 0).
A figure is *within* when the two intervals overlap, i.e. when
``|mean − published| ≤ published spread + 2·sd``; *above* or *below* otherwise. One seed has no
spread of its own, so it is within only inside the published spread.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.core.published import Published, PublishedError, published_list
from bench.core.record import Record

REPRODUCTION_HEADING = "Reproduced vs published"
REPRODUCTION_NOTE = (
    "Reproduced: mean ± 2·sd over the seeds that ran (sd with ddof 0, the Fashion-MNIST benchmark "
    "runner's spread). Published: the paper's figure ± the spread the suite states with its source. "
    "within: the two intervals overlap; above / below: they do not."
)


@dataclass(frozen=True)
class Reproduction:
    """One published figure and the rerun's values of the same cell and metric."""

    published: Published
    values: tuple[float, ...]

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.values)) if self.values else None

    @property
    def spread(self) -> float:
        """Twice the standard deviation over the rerun's seeds (0 for one seed)."""
        return float(2 * np.std(self.values)) if self.values else 0.0

    @property
    def verdict(self) -> str:
        """``within``, ``above``, ``below``, or ``not run`` (no finished run of the cell)."""
        mean = self.mean
        if mean is None:
            return "not run"
        if abs(mean - self.published.value) <= self.published.spread + self.spread + 1e-12:
            return "within"
        return "above" if mean > self.published.value else "below"


def _field(record: Record | Mapping[str, Any], name: str) -> Any:
    """A record's field, typed or as the worker's dict."""
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


def _values(records: Sequence[Record | Mapping[str, Any]], entry: Published) -> tuple[float, ...]:
    values = []
    for record in records:
        key = tuple(_field(record, name) for name in ("status", "task", "backend", "division"))
        if key != ("ok", entry.task, entry.backend, entry.division):
            continue
        value = (_field(record, "metrics") or {}).get(entry.metric)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            values.append(float(value))
    return tuple(values)


def published_entries(records: Sequence[Record | Mapping[str, Any]]) -> list[Published]:
    """The published entries of the records' suites, each once (an unreadable list is left out)."""
    seen: dict[tuple[str, str, str, str], Published] = {}
    for record in records:
        entries: Any = (_field(record, "suite_config") or {}).get("published") or []
        try:
            found = published_list(entries)
        except PublishedError:
            continue
        for entry in found:
            seen.setdefault((entry.task, entry.backend, entry.division, entry.metric), entry)
    return list(seen.values())


def reproductions(records: Sequence[Record | Mapping[str, Any]]) -> list[Reproduction]:
    """Each published entry with the rerun's values of its cell."""
    return [Reproduction(entry, _values(records, entry)) for entry in published_entries(records)]


def reproduction_rows(records: Sequence[Record | Mapping[str, Any]]) -> list[dict[str, str]]:
    """Display rows of :func:`reproductions` (empty when the suite lists nothing published)."""
    rows = []
    for item in reproductions(records):
        entry, mean = item.published, item.mean
        rows.append({
            "task": entry.task, "backend": entry.backend, "division": entry.division, "metric": entry.metric,
            "reproduced": "—" if mean is None else f"{mean:.4f} ± {item.spread:.4f}",
            "seeds": str(len(item.values)),
            "published": f"{entry.value:g} ± {entry.spread:g}",
            "difference": "—" if mean is None else f"{mean - entry.value:+.4f}",
            "verdict": item.verdict,
            "source": f"{entry.source} (spread: {entry.spread_source})",
        })
    return rows

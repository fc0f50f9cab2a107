"""Numbers as the report's tables show them: significant figures, a metric's mean ± its
confidence half-width, a time's median [interquartile range], a dash for a missing value.

The lowest module of :mod:`bench.report` apart from the statistics: the tables, the answer and
``compare`` all print through it.
"""

from __future__ import annotations

import math
from typing import Any

DASH = "–"


def fmt(value: float | None, digits: int = 3, scale: float = 1.0) -> str:
    """A number to ``digits`` significant figures, or a dash when missing."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return DASH
    return f"{value * scale:.{digits}g}"


def fmt_metric(mean: float, ci: float) -> str:
    if not math.isfinite(mean):
        return DASH
    body = f"{mean:.4f}" if abs(mean) < 1000 else f"{mean:.4g}"
    return f"{body} ± {ci:.4f}" if math.isfinite(ci) else f"{body} (1 seed)"


def fmt_time(stats: Any, scale: float = 1.0) -> str:
    """``median [q1–q3]`` of a :class:`~bench.report.summary.TimeStats`."""
    if not stats.n:
        return DASH
    if stats.n == 1:
        return fmt(stats.median, scale=scale)
    return f"{fmt(stats.median, scale=scale)} [{fmt(stats.q1, scale=scale)}–{fmt(stats.q3, scale=scale)}]"

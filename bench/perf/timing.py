"""Timing helpers: round-robin repeats, medians and the coefficient of variation."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(
    runs: dict[str, Callable[[], object]], rounds: int, warmup_rounds: int = 1
) -> dict[str, list[float]]:
    """Seconds per call of each function, called once per round in turn.

    Interleaving puts every measurement under the same load drift, so ratios
    of their medians are fair even on a busy machine. Warm-up rounds are
    run and dropped.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_index in range(warmup_rounds + rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if round_index >= warmup_rounds:
                times[name].append(elapsed)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def coefficient_of_variation(values: list[float]) -> float:
    """Sample standard deviation over mean (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean else float("nan")


def epoch_durations(ends: list[float], start: float) -> list[float]:
    """Durations of consecutive epochs from their end times."""
    return [b - a for a, b in zip([start, *ends[:-1]], ends)]

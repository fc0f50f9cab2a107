"""Statistics on plain numbers: confidence intervals, robust times, and Welch's test between seeds.

The rules every report shares (summary rows, ``compare``, the answer table):
metrics as mean ± the half-width of a Student t interval, times as median and
interquartile range (and the olympic mean from 5 runs), and a change counted
only beyond the seed noise (Welch's t).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

#: Seeds needed before the olympic mean (drop fastest and slowest) is reported.
OLYMPIC_MIN_RUNS = 5
CONFIDENCE = 0.95
#: Significance level of the Welch test against the reference backend (and ``compare``'s default).
ALPHA = 0.05


def finite(values: Iterable[Any]) -> list[float]:
    """The finite numbers among ``values`` (None, NaN and non-numbers dropped)."""
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if math.isfinite(value):
            out.append(float(value))
    return out


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """``(mean, half_width)`` of the Student t confidence interval of the mean.

    The half-width is ``t_{(1+c)/2, n-1} · s / √n`` with ``s`` the sample
    standard deviation; it is NaN for one value (no spread to estimate).
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan
    mean = float(data.mean())
    if data.size < 2:
        return mean, math.nan
    sem = float(data.std(ddof=1)) / math.sqrt(data.size)
    from scipy import stats  # imported here: scipy.stats costs about a second at CLI start-up

    return mean, float(stats.t.ppf((1 + confidence) / 2, data.size - 1)) * sem


def median_iqr(values: Sequence[float]) -> tuple[float, float, float]:
    """``(median, first quartile, third quartile)``, linear interpolation (NumPy's default)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    q1, median, q3 = np.percentile(data, [25, 50, 75])
    return float(median), float(q1), float(q3)


def olympic_mean(values: Sequence[float], minimum: int = OLYMPIC_MIN_RUNS) -> float:
    """Mean without the single lowest and highest value (MLPerf scoring); NaN below ``minimum`` runs."""
    data = sorted(values)
    if len(data) < minimum:
        return math.nan
    return float(np.mean(data[1:-1]))


def welch_p_value(old: list[float], new: list[float]) -> float:
    """Two-sided p-value of Welch's t-test; NaN when a side has < 2 values or both lack spread."""
    if len(old) < 2 or len(new) < 2:
        return math.nan
    if np.std(old) == 0 and np.std(new) == 0:
        return math.nan
    from scipy import stats  # imported here: scipy.stats costs seconds at CLI start-up

    with warnings.catch_warnings():  # nearly identical samples: scipy warns of precision loss, p stays usable
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(new, old, equal_var=False).pvalue)


def metric_change(old: list[float], new: list[float], alpha: float = ALPHA) -> tuple[int, str]:
    """(+1 increase / −1 decrease / 0 no change beyond noise, note) of ``new`` against ``old``."""
    if not old or not new:
        return 0, "no metric on one side"
    delta = float(np.mean(new) - np.mean(old))
    if len(old) < 2 or len(new) < 2:
        return 0, "too few seeds to measure noise"
    if np.std(old) == 0 and np.std(new) == 0:
        return (0, "") if abs(delta) <= 1e-12 else (int(np.sign(delta)), "deterministic")
    p = welch_p_value(old, new)
    if p < alpha:
        return int(np.sign(delta)), f"Welch p={p:.3g}"
    return 0, f"within noise (p={p:.2g})"

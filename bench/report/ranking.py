"""The rules of the answer, as pure functions: ties, shared ranks, the quality gate, toy sizes.

* **Equal up to rounding**: two means are equal when they differ by at most
  :data:`ROUNDING_RTOL` (10⁻⁹) of the larger magnitude, or by at most
  :data:`ROUNDING_ATOL` (10⁻¹²) near zero. Float64 arithmetic in another order
  (another library's kernels) moves a result in its 15th–17th digit; a
  real difference in a benchmark metric is many orders of magnitude larger.
* **Tie**: equal up to rounding, or not separable by Welch's t over seeds at
  α = 0.05 (:func:`bench.report.stats.metric_change`, the rule ``compare``
  applies). With fewer than two seeds on a side the noise is unknown: values
  that are not equal up to rounding are *not* called a tie, and the answer
  says the difference is untested.
* **Shared ranks**: entries sorted best first fall into groups; an entry joins
  the current group when it ties with the group's first entry, else opens a
  new group; every member of a group gets the mean of the group's positions
  (fractional ranking: a tie of three for first place is rank 2 each).
* **Quality gate**: a backend's time is ranked only when its mean metric
  reaches the task's target (≥ the value for ``max``, ≤ for ``min``) or ties
  with the best backend; the others are listed as "did not reach …".
* **Overhead-bound** (toy size): an epoch costs about ``6 × rows × weights``
  floating-point operations (forward 2, backward 4 per weight and row). A
  task is overhead-bound when even its most efficient backend does that
  arithmetic at under :data:`OVERHEAD_FLOPS` (5 GFLOP/s) over a steady epoch:
  one core with AVX2 FMA does about 50 GFLOP/s in a large float64 matrix
  product (16 FLOP a cycle at 3 GHz), so such an epoch spends about 90 % of
  its time on per-call overhead, not on the network's arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.report.stats import ALPHA, metric_change

#: Relative tolerance of "equal up to floating-point rounding".
ROUNDING_RTOL = 1e-9
#: Absolute tolerance of "equal up to rounding" for values at or near zero.
ROUNDING_ATOL = 1e-12
#: Below this arithmetic rate (FLOP/s) on its most efficient backend, a task's epochs measure overhead.
OVERHEAD_FLOPS = 5e9
#: Forward (2) and backward (4) floating-point operations per weight and training row.
FLOPS_PER_WEIGHT_ROW = 6


def equal_up_to_rounding(a: float, b: float, rtol: float = ROUNDING_RTOL,
                         atol: float = ROUNDING_ATOL) -> bool:
    """Whether ``a`` and ``b`` differ by no more than floating-point rounding (see the module)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return abs(a - b) <= max(rtol * max(abs(a), abs(b)), atol)


@dataclass(frozen=True)
class TieVerdict:
    """How an entry compares with a reference (the leader): ``kind`` is "equal", "noise", "" or "untested"."""

    kind: str
    note: str = ""

    @property
    def tie(self) -> bool:
        return self.kind in ("equal", "noise")


def metric_tie(best: Sequence[float], values: Sequence[float], alpha: float = ALPHA) -> TieVerdict:
    """Whether ``values`` (one mean per seed) tie with ``best``'s: rounding first, then Welch's t."""
    if not best or not values:
        return TieVerdict("", "no metric")
    mean_best, mean = sum(best) / len(best), sum(values) / len(values)
    if equal_up_to_rounding(mean_best, mean):
        return TieVerdict("equal", "equal up to rounding")
    if len(best) < 2 or len(values) < 2:
        return TieVerdict("untested", "one seed: noise unknown")
    sign, note = metric_change(list(best), list(values), alpha)
    return TieVerdict("noise", note) if sign == 0 else TieVerdict("", note)


def shared_ranks(count: int, ties_with: Callable[[int, int], bool]) -> list[float]:
    """Fractional ranks (1 = best) of ``count`` entries sorted best first.

    ``ties_with(head, i)`` says whether entry ``i`` ties with entry ``head``,
    the first of the current group; a group's members share the mean of its positions.
    """
    ranks: list[float] = []
    head = 0
    for i in range(count + 1):
        if i == count or (i > head and not ties_with(head, i)):
            ranks += [(head + 1 + i) / 2] * (i - head)
            head = i
    return ranks


@dataclass(frozen=True)
class Target:
    """A task's quality target: ``metric`` ≥ ``value`` (direction max) or ≤ (min)."""

    metric: str
    value: float
    direction: str = "max"

    @classmethod
    def of(cls, target: dict[str, Any] | None) -> Target | None:
        """From a record's ``target`` field; None when it names no metric or no finite value."""
        if not target or not target.get("metric"):
            return None
        value = target.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return None
        return cls(str(target["metric"]), float(value), "min" if target.get("direction") == "min" else "max")

    def reached(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value <= self.value if self.direction == "min" else value >= self.value

    @property
    def text(self) -> str:
        return f"{self.metric} {'≤' if self.direction == 'min' else '≥'} {self.value:g}"


def weights_of(layers: Sequence[int], bias: bool = True) -> int:
    """Trainable weights of a fully connected network with these layer widths."""
    sizes = [int(n) for n in layers]
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes, sizes[1:]))


def epoch_flops(spec: dict[str, Any] | None, train_rows: int | None) -> float:
    """Floating-point operations of one training epoch (``6 × rows × weights``); NaN when unknown."""
    if not spec or not spec.get("layers") or not train_rows:
        return math.nan
    return float(FLOPS_PER_WEIGHT_ROW * train_rows * weights_of(spec["layers"], bool(spec.get("bias", True))))


@dataclass(frozen=True)
class Size:
    """How much arithmetic a task's epoch holds against how long its fastest steady epoch took."""

    flops: float
    epoch_seconds: float

    @property
    def rate(self) -> float:
        """FLOP/s of the epoch; NaN when either number is unknown."""
        if not (math.isfinite(self.flops) and math.isfinite(self.epoch_seconds)) or self.epoch_seconds <= 0:
            return math.nan
        return self.flops / self.epoch_seconds

    @property
    def overhead_bound(self) -> bool:
        return math.isfinite(self.rate) and self.rate < OVERHEAD_FLOPS

    @property
    def text(self) -> str:
        if not math.isfinite(self.rate):
            return "size unknown"
        verdict = "toy size: overhead-bound" if self.overhead_bound else "compute-bound"
        return f"{verdict} ({self.rate / 1e9:.2g} GFLOP/s)"


def most_efficient(sizes: Sequence[Size]) -> Size | None:
    """The size with the highest arithmetic rate (the backend whose epoch is closest to compute-bound)."""
    known = [s for s in sizes if math.isfinite(s.rate)]
    return max(known, key=lambda s: s.rate) if known else None

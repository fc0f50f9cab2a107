"""The timing conditions of one cell, and the verdicts on them: pure functions of measured numbers.

A record's ``conditions`` field (written by :mod:`bench.run.contention` in the
worker) says whether other processes competed for the cell's CPUs while its
timed phases ran (**contended** or **quiet**) and whether its steady epochs
took steady times (**unstable** or **stable**). The rules and thresholds are
here, in one place, so the worker, ``run --quiet-machine``, ``bench perf``,
``bench doctor`` and every report apply the same ones (docs/methods.md, "Timing
conditions and contention").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

#: Other processes may use this many cores on average, beyond the cores the cell did not ask for.
OTHERS_CORES_LIMIT = 0.25
#: Largest share of the CPUs' time the hypervisor may steal (``/proc/stat`` steal) on a quiet machine.
STEAL_LIMIT = 0.05
#: Shortest window the worker measures contention over (it keeps sampling after a shorter cell).
MIN_WINDOW_SECONDS = 0.25
#: A cell is unstable when the robust spread of its steady epochs (IQR / median) exceeds this.
UNSTABLE_SPREAD = 0.5
#: Steady epochs (after the first) needed to judge stability.
MIN_STEADY_EPOCHS = 8
#: Steady epochs shorter than this are not judged: timer and scheduler jitter alone dominate them.
MIN_EPOCH_SECONDS = 0.001

#: ``run --quiet-machine`` (suite key ``quiet_machine``): what a run does on a contended machine.
QUIET_MODES = ("warn", "wait", "refuse")
#: The longest ``wait`` pauses before one cell by default (``--quiet-wait-limit``; suite
#: ``quiet_wait_limit``).
WAIT_LIMIT_SECONDS = 300.0

QUIET, CONTENDED, UNKNOWN = "quiet", "contended", "unknown"
STABLE, UNSTABLE, NOT_JUDGED = "stable", "unstable", "not judged"


def contention_verdict(others_cores: float, cpus: int, threads: int, resolution_cores: float = 0.0,
                       steal_share: float | None = None) -> tuple[str, list[str]]:
    """``(quiet | contended, reasons)`` from what other processes took over the window.

    Contended when the other processes' average CPU use, less the cores the
    cell left free (``cpus − threads``) and less the measurement's
    resolution, exceeds :data:`OTHERS_CORES_LIMIT`; or when the steal share,
    less the resolution's share of the CPUs, exceeds :data:`STEAL_LIMIT`.
    """
    reasons = []
    spare = max(0, cpus - max(threads, 1))
    excess = others_cores - spare - resolution_cores
    if excess > OTHERS_CORES_LIMIT:
        spare_text = f", {spare} left free by the cell" if spare else ""
        reasons.append(f"other processes used {others_cores:.2f} of {cpus} cores{spare_text} "
                       f"(limit {OTHERS_CORES_LIMIT:g} beyond the free cores)")
    if steal_share is not None and steal_share - resolution_cores / max(cpus, 1) > STEAL_LIMIT:
        reasons.append(f"the hypervisor stole {steal_share:.0%} of the CPU time (limit {STEAL_LIMIT:.0%})")
    return (CONTENDED if reasons else QUIET), reasons


def robust_spread(times: Sequence[float]) -> float:
    """IQR / median of ``times`` (NaN when the median is not positive)."""
    ordered = sorted(times)
    if not ordered:
        return math.nan
    q1, median, q3 = (_quantile(ordered, q) for q in (0.25, 0.5, 0.75))
    return (q3 - q1) / median if median > 0 else math.nan


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (NumPy's default)."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Stability:
    """How steady a cell's epochs after the first were."""

    verdict: str
    steady_epochs: int
    #: IQR / median of the steady epoch times (None when not judged)
    spread: float | None = None
    limit: float = UNSTABLE_SPREAD
    reason: str = ""

    @classmethod
    def of(cls, epoch_seconds: Sequence[float]) -> Stability:
        """The verdict on a cell's epoch times (the first epoch, with its warm-up, is left out)."""
        steady = [float(t) for t in list(epoch_seconds)[1:]]
        if len(steady) < MIN_STEADY_EPOCHS:
            return cls(NOT_JUDGED, len(steady),
                       reason=f"{len(steady)} steady epochs, {MIN_STEADY_EPOCHS} needed")
        median = _quantile(sorted(steady), 0.5)
        if median < MIN_EPOCH_SECONDS:
            return cls(NOT_JUDGED, len(steady),
                       reason=f"median epoch {median * 1e3:.2g} ms, under {MIN_EPOCH_SECONDS * 1e3:g} ms")
        spread = robust_spread(steady)
        if spread > UNSTABLE_SPREAD:
            reason = f"steady epochs spread {spread:.0%} (IQR / median; limit {UNSTABLE_SPREAD:.0%})"
            return cls(UNSTABLE, len(steady), spread, reason=reason)
        return cls(STABLE, len(steady), spread)


@dataclass
class QuietMachine:
    """What ``run --quiet-machine`` did before the cell: its mode, how long it waited, whether it gave up."""

    mode: str
    waited_seconds: float = 0.0
    gave_up: bool = False


@dataclass
class Conditions:
    """A record's ``conditions``: contention over the timed phases, the epochs' stability, the wait."""

    verdict: str
    reasons: list[str] = field(default_factory=list)
    #: seconds the figures were measured over (the timed phases, widened to MIN_WINDOW_SECONDS)
    window_seconds: float = 0.0
    #: seconds of the timed phases themselves (fit and predict)
    timed_seconds: float = 0.0
    #: CPUs the cell could run on (its affinity) and its thread budget
    cpus: int = 1
    threads: int = 1
    #: average cores used over the window by other processes, by the cell's own process tree
    others_cores: float = 0.0
    own_cores: float = 0.0
    #: how far off the figures may be: CPU-time counters tick at 1/CLK_TCK s
    resolution_cores: float = 0.0
    #: share of the CPUs' time stolen by a hypervisor (None: not reported)
    steal_share: float | None = None
    load1_start: float | None = None
    load1_end: float | None = None
    #: min/max/current MHz, governor, turbo, where /sys exposes them
    frequency: dict[str, Any] | None = None
    stability: Stability | None = None
    quiet_machine: QuietMachine | None = None

    @property
    def contended(self) -> bool:
        return self.verdict == CONTENDED

    @property
    def unstable(self) -> bool:
        return self.stability is not None and self.stability.verdict == UNSTABLE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conditions:
        """The typed conditions of a record's field; unknown keys are ignored."""
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("stability"), Mapping):
            values["stability"] = Stability(**_known(Stability, values["stability"]))
        if isinstance(values.get("quiet_machine"), Mapping):
            values["quiet_machine"] = QuietMachine(**_known(QuietMachine, values["quiet_machine"]))
        values.setdefault("verdict", UNKNOWN)
        return cls(**values)


def _known(kind: type, data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in kind.__dataclass_fields__}


def record_conditions(record: Any) -> Conditions | None:
    """The typed conditions of a record (typed or a dict); None for records without them (schema < 3)."""
    data = record.get("conditions") if isinstance(record, Mapping) else getattr(record, "conditions", None)
    if not isinstance(data, Mapping):
        return None
    try:
        return Conditions.from_dict(data)
    except TypeError:
        return None


def contention_marks(record: Any) -> list[str]:
    """``["contended"]``, ``["unstable"]``, both or none: what a report marks a record with."""
    conditions = record_conditions(record)
    if conditions is None:
        return []
    return [name for name, flagged in ((CONTENDED, conditions.contended), (UNSTABLE, conditions.unstable))
            if flagged]


def contention_mark(record: Any) -> str:
    """The marks of :func:`contention_marks` as one text (empty when the record's timing is trusted)."""
    return ", ".join(contention_marks(record))


def untrusted(records: Sequence[Any]) -> dict[str, int]:
    """How many of ``records`` were contended and how many unstable (only the marks that occur)."""
    counts: dict[str, int] = {}
    for record in records:
        for mark in contention_marks(record):
            counts[mark] = counts.get(mark, 0) + 1
    return counts


def untrusted_text(records: Sequence[Any]) -> str:
    """``2/3 contended, 1/3 unstable`` over ``records``, or an empty text."""
    counts = untrusted(records)
    return ", ".join(f"{n}/{len(records)} {mark}" for mark, n in counts.items())

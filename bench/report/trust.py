"""Whether a run's timings can be trusted: the banner every report opens (and the terminal closes) with.

The per-record verdicts are :mod:`bench.core.conditions`' (measured by the
worker); a run any of whose ok records was contended or unstable gets a
banner saying how many and how busy the machine was, and each affected row
of every table a mark (``contended``, ``unstable``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.core.conditions import contention_marks, record_conditions
from bench.core.record import Record


def conditions_banner(records: Sequence[Record]) -> str:
    """One paragraph warning about the run's contended / unstable records; empty when there are none."""
    measured = [r for r in records if r.ok and record_conditions(r) is not None]
    contended = [r for r in measured if "contended" in contention_marks(r)]
    unstable = [r for r in measured if "unstable" in contention_marks(r)]
    if not contended and not unstable:
        return ""
    parts = []
    if contended:
        worst = max(contended, key=lambda r: record_conditions(r).others_cores)  # type: ignore[union-attr]
        conditions = record_conditions(worst)
        assert conditions is not None
        parts.append(f"{len(contended)} of {len(measured)} timed runs were measured while other processes "
                     f"competed for the CPUs (contended; up to {conditions.others_cores:.2f} of "
                     f"{conditions.cpus} cores taken by others)")
    if unstable:
        parts.append(f"{len(unstable)} of {len(measured)} had unstable epoch times")
    return ("Timing conditions: " + "; ".join(parts) + ". Their times are marked and are not a fair "
            "measure of the libraries; rerun on a quiet machine (`python -m bench doctor` says whether "
            "it is, `run --quiet-machine wait` waits for it).")

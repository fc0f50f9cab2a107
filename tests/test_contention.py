"""Contention and stability per cell: verdicts from made-up numbers, the meter driven by fake /proc
sources, the record field of a real tiny cell, and old records without it (no real load anywhere)."""

from __future__ import annotations

import math

import pytest

from bench.core.conditions import (
    CONTENDED,
    MIN_STEADY_EPOCHS,
    NOT_JUDGED,
    QUIET,
    STABLE,
    UNSTABLE,
    Conditions,
    Stability,
    contention_mark,
    contention_verdict,
    record_conditions,
    robust_spread,
)
from bench.core.record import SCHEMA_VERSION, CellConfig, Record
from bench.run.contention import ContentionMeter, Sources, parse_proc_stat, sample_machine

TICK = 0.01


# --- verdicts on hand-made numbers ----------------------------------------------------------------

@pytest.mark.parametrize(("others", "cpus", "threads", "resolution", "steal", "expected"), [
    (0.05, 2, 2, 0.0, 0.0, QUIET),           # a quiet machine: daemons only
    (1.30, 2, 2, 0.0, 0.0, CONTENDED),       # two hogs beside a 2-thread cell
    (0.30, 2, 2, 0.0, None, CONTENDED),      # just over a quarter of a core
    (0.30, 2, 2, 0.10, None, QUIET),         # ... but within the counters' resolution
    (1.30, 4, 2, 0.0, 0.0, QUIET),           # the hogs use cores the cell left free
    (2.40, 4, 2, 0.0, 0.0, CONTENDED),       # ... and more than those
    (0.00, 2, 2, 0.0, 0.12, CONTENDED),      # a hypervisor stealing 12 %
    (0.00, 2, 2, 0.08, 0.06, QUIET),         # 6 % stolen, within a short window's resolution
])
def test_contention_verdict(others: float, cpus: int, threads: int, resolution: float,
                            steal: float | None, expected: str) -> None:
    verdict, reasons = contention_verdict(others, cpus, threads, resolution, steal)
    assert verdict == expected
    assert bool(reasons) == (expected == CONTENDED)


def test_contended_reason_names_the_numbers() -> None:
    _, reasons = contention_verdict(1.3, 2, 2)
    assert reasons == ["other processes used 1.30 of 2 cores (limit 0.25 beyond the free cores)"]


def test_stability_verdicts() -> None:
    steady = [0.010] * MIN_STEADY_EPOCHS
    assert Stability.of([0.5, *steady]).verdict == STABLE  # the first epoch (warm-up) is left out
    assert Stability.of([0.5, *steady]).spread == 0.0
    too_few = Stability.of([0.5, *steady[:-1]])
    assert too_few.verdict == NOT_JUDGED and "needed" in too_few.reason
    too_short = Stability.of([0.5] + [0.0001] * 20)
    assert too_short.verdict == NOT_JUDGED and "ms" in too_short.reason
    jumpy = Stability.of([0.5] + [0.010, 0.030] * 6)
    assert jumpy.verdict == UNSTABLE and jumpy.spread == pytest.approx(1.0)


def test_robust_spread_is_iqr_over_median() -> None:
    assert robust_spread([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx((4.0 - 2.0) / 3.0)
    assert math.isnan(robust_spread([]))


# --- the meter on fake /proc numbers --------------------------------------------------------------

def proc_stat(per_cpu: list[tuple[int, int, int]]) -> str:
    """/proc/stat text with ``(busy user ticks, idle ticks, steal ticks)`` per CPU."""
    lines = ["cpu  0 0 0 0 0 0 0 0 0 0"]
    lines += [f"cpu{i} {busy} 0 0 {idle} 0 0 0 {steal} 0 0" for i, (busy, idle, steal) in enumerate(per_cpu)]
    return "\n".join(lines + ["intr 1 2 3", "ctxt 5"]) + "\n"


def test_parse_proc_stat_sums_the_usable_cpus() -> None:
    text = proc_stat([(100, 900, 0), (300, 600, 100), (50, 50, 0)])
    everything = parse_proc_stat(text, None, TICK)
    assert everything.busy == pytest.approx(4.5) and everything.steal == pytest.approx(1.0)
    assert everything.total == pytest.approx(21.0)
    assert parse_proc_stat(text, {0}, TICK).busy == pytest.approx(1.0)


class FakeMachine:
    """A 2-CPU machine whose counters advance with a fake clock: others use ``others`` cores, we ``own``."""

    def __init__(self, others: float, own: float, steal: float = 0.0) -> None:
        self.now, self.others, self.own, self.steal = 100.0, others, own, steal
        self.slept: list[float] = []

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sources(self) -> Sources:
        def stat() -> str:
            busy = round((self.others + self.own) * self.now / TICK / 2)
            steal = round(self.steal * self.now / TICK)
            return proc_stat([(busy, 10_000, steal), (busy, 10_000, steal)])

        def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.advance(seconds)

        return Sources(clock=lambda: self.now, sleep=sleep, proc_stat=stat,
                       own_seconds=lambda: self.own * self.now, load=lambda: (3.0, 2.0, 1.0),
                       cpus=lambda: {0, 1}, frequency=lambda: None,
                       tick=lambda: TICK)


def test_meter_measures_other_processes_over_the_window() -> None:
    machine = FakeMachine(others=1.2, own=0.8)
    meter = ContentionMeter(threads=2, sources=machine.sources())
    meter.start()
    machine.advance(2.0)
    conditions = meter.stop(timed_seconds=1.9)
    assert machine.slept == []  # a long enough window is not widened
    assert conditions.window_seconds == pytest.approx(2.0) and conditions.timed_seconds == 1.9
    assert conditions.others_cores == pytest.approx(1.2, abs=0.02)
    assert conditions.own_cores == pytest.approx(0.8)
    assert conditions.resolution_cores == pytest.approx(4 * TICK / 2.0)
    assert conditions.verdict == CONTENDED and conditions.load1_start == 3.0
    assert conditions.cpus == 2 and conditions.threads == 2


def test_meter_widens_a_short_window_and_sees_a_quiet_machine() -> None:
    machine = FakeMachine(others=0.02, own=1.0)
    meter = ContentionMeter(threads=2, sources=machine.sources(), min_window=0.25)
    meter.start()
    machine.advance(0.05)
    conditions = meter.stop()
    assert machine.slept == [pytest.approx(0.20)]
    assert conditions.window_seconds == pytest.approx(0.25)
    assert conditions.timed_seconds == pytest.approx(0.05)
    assert conditions.verdict == QUIET


def test_steal_and_unreadable_proc_stat() -> None:
    machine = FakeMachine(others=0.0, own=0.5, steal=0.4)
    assert sample_machine(1.0, 2, machine.sources()).verdict == CONTENDED
    sources = FakeMachine(0.0, 0.0).sources()
    sources.proc_stat = lambda: None
    blind = sample_machine(0.5, 2, sources)
    assert blind.verdict == "unknown" and not blind.contended


def test_own_tree_finds_a_live_child() -> None:
    import os
    import subprocess
    import sys

    from bench.run.contention import child_pids, own_tree_seconds

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in child_pids(os.getpid())
        times = os.times()
        assert own_tree_seconds() >= times.user + times.system
    finally:
        child.kill()
        child.wait()
    assert child.pid not in child_pids(os.getpid())


# --- the record field -----------------------------------------------------------------------------

def test_a_real_tiny_cell_records_typed_conditions() -> None:
    from bench.run.worker import run_cell

    record = run_cell(CellConfig(backend="numpy", task="xor", threads=1)).to_dict()
    assert record["status"] == "ok" and record["schema_version"] == SCHEMA_VERSION == 4
    data = record["conditions"]
    assert data["verdict"] in (QUIET, CONTENDED) and isinstance(data["reasons"], list)
    for name in ("window_seconds", "timed_seconds", "others_cores", "own_cores", "resolution_cores"):
        assert isinstance(data[name], float) and data[name] >= 0, name
    assert data["window_seconds"] >= 0.25 > 0 < data["timed_seconds"] <= data["window_seconds"]
    assert data["cpus"] >= 1 and data["threads"] == 1
    assert data["stability"]["verdict"] in (STABLE, UNSTABLE, NOT_JUDGED)
    typed = record_conditions(Record.from_dict(record))
    assert isinstance(typed, Conditions) and isinstance(typed.stability, Stability)
    state = record["env"]["machine_state"]
    assert state["usable_cpus"] and "OMP_NUM_THREADS" in state["thread_variables"]
    assert isinstance(state["thread_pools"], list) and "devices" in state["gpu"]


@pytest.mark.parametrize("version", [None, 1, 2])
def test_old_records_without_conditions_still_read(version: int | None) -> None:
    data = {"backend": "numpy", "task": "xor", "seed": 0, "status": "ok", "fit_seconds": 1.0}
    if version is not None:
        data["schema_version"] = version
    record = Record.from_dict(data)
    assert record.conditions is None and record.schema_version == (version or 1)
    assert record_conditions(record) is None and contention_mark(record) == ""


def test_marks_of_a_contended_unstable_record() -> None:
    conditions = Conditions(CONTENDED, stability=Stability(UNSTABLE, 20, 0.9))
    record = {"backend": "numpy", "task": "xor", "seed": 0, "status": "ok",
              "conditions": conditions.to_dict()}
    assert contention_mark(record) == "contended, unstable"
    assert contention_mark(Record.from_dict(record)) == "contended, unstable"
    quiet = {**record, "conditions": Conditions(QUIET, stability=Stability(STABLE, 20, 0.1)).to_dict()}
    assert contention_mark(quiet) == ""

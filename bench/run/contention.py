"""Measure contention: the CPU time other processes take beside this process tree (Linux ``/proc``).

Other processes' CPU = the busy time of the CPUs this process may run on
(``/proc/stat``, per CPU, summed over its affinity) minus this process
tree's own CPU time (``psutil``: every thread, live children and reaped
ones), as an average number of cores over the window. Steal comes from the
same ``/proc/stat`` columns, the load average from ``os.getloadavg``, the
frequency from ``/sys/devices/system/cpu``. Every source is a field of
:class:`Sources`, so tests drive the meter with made-up numbers; the
verdicts are :mod:`bench.core.conditions`'.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.core.conditions import MIN_WINDOW_SECONDS, UNKNOWN, Conditions, contention_verdict

CPU_ROOT = Path("/sys/devices/system/cpu")
#: /proc/stat columns after the CPU name: user nice system idle iowait irq softirq steal guest guest_nice
_BUSY_COLUMNS = (0, 1, 2, 5, 6)
_STEAL_COLUMN = 7


@dataclass(frozen=True)
class CpuTimes:
    """Seconds since boot, summed over some CPUs: busy (not idle, not waiting, not stolen), stolen, all."""

    busy: float
    steal: float
    total: float


def parse_proc_stat(text: str, cpus: set[int] | None, tick: float) -> CpuTimes:
    """The per-CPU lines of ``/proc/stat`` for ``cpus`` (None: every CPU), in seconds."""
    busy = steal = total = 0.0
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        if cpus is not None and int(name[3:]) not in cpus:
            continue
        values = [float(v) for v in rest.split()][:8]
        values += [0.0] * (8 - len(values))
        busy += sum(values[i] for i in _BUSY_COLUMNS)
        steal += values[_STEAL_COLUMN]
        total += sum(values)
    return CpuTimes(busy * tick, steal * tick, total * tick)


def read_proc_stat() -> str | None:
    try:
        return Path("/proc/stat").read_text(encoding="ascii")
    except OSError:
        return None


def tick_seconds() -> float:
    try:
        return 1.0 / os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 0.01


def usable_cpus() -> set[int]:
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def child_pids(pid: int) -> list[int]:
    """The live children of ``pid``, from every one of its threads' ``/proc/PID/task/TID/children``."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found = []
    for tid in tasks:
        try:
            found += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text("ascii").split()]
        except (OSError, ValueError):
            continue
    return found


def own_tree_seconds() -> float:
    """CPU seconds of this process (all threads), the children it reaped and its live descendants.

    ``os.times`` for this process (microseconds), ``/proc`` for the descendants: well under a
    millisecond, where psutil's recursive ``children()`` scans every process (~8 ms here).
    """
    times = os.times()
    seconds = times.user + times.system + times.children_user + times.children_system
    pending, seen = child_pids(os.getpid()), set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            child = psutil.Process(pid).cpu_times()
        except psutil.Error:  # ended meanwhile: its time is in children_* once reaped
            continue
        seconds += child.user + child.system
        pending += child_pids(pid)
    return seconds


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def read_frequency(root: Path = CPU_ROOT) -> dict[str, Any] | None:
    """CPU 0's min/max/current MHz and governor, and whether turbo/boost is on; None where /sys lacks them."""
    freq = root / "cpu0" / "cpufreq"

    def read(path: Path) -> str | None:
        try:
            return path.read_text(encoding="ascii").strip()
        except OSError:
            return None

    found: dict[str, Any] = {}
    for key, name in (("min_mhz", "scaling_min_freq"), ("max_mhz", "scaling_max_freq"),
                      ("current_mhz", "scaling_cur_freq")):
        text = read(freq / name)
        if text and text.isdigit():
            found[key] = int(text) / 1000
    governor = read(freq / "scaling_governor")
    if governor:
        found["governor"] = governor
    no_turbo, boost = read(root / "intel_pstate" / "no_turbo"), read(root / "cpufreq" / "boost")
    if no_turbo in ("0", "1"):
        found["turbo"] = no_turbo == "0"
    elif boost in ("0", "1"):
        found["turbo"] = boost == "1"
    return found or None


@dataclass
class Sources:
    """Where the meter reads its numbers; tests replace any of them."""

    clock: Callable[[], float] = time.perf_counter
    sleep: Callable[[float], None] = time.sleep
    proc_stat: Callable[[], str | None] = read_proc_stat
    own_seconds: Callable[[], float] = own_tree_seconds
    load: Callable[[], tuple[float, float, float] | None] = load_average
    cpus: Callable[[], set[int]] = usable_cpus
    frequency: Callable[[], dict[str, Any] | None] = read_frequency
    tick: Callable[[], float] = tick_seconds


@dataclass
class Snapshot:
    when: float
    cpu: CpuTimes | None
    own: float
    load1: float | None


@dataclass
class ContentionMeter:
    """Brackets a stretch of work: :meth:`start` before, :meth:`stop` after, for its :class:`Conditions`."""

    threads: int
    sources: Sources = field(default_factory=Sources)
    min_window: float = MIN_WINDOW_SECONDS
    started: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        src = self.sources
        text = src.proc_stat()
        cpu = parse_proc_stat(text, src.cpus(), src.tick()) if text else None
        load = src.load()
        return Snapshot(src.clock(), cpu, src.own_seconds(), load[0] if load else None)

    def start(self) -> None:
        self.started = self.snapshot()

    def stop(self, timed_seconds: float | None = None) -> Conditions:
        """The conditions since :meth:`start`; a window under ``min_window`` is widened by sleeping."""
        if self.started is None:
            raise RuntimeError("ContentionMeter.stop() before start()")
        begin = self.started
        elapsed = self.sources.clock() - begin.when
        if elapsed < self.min_window:
            self.sources.sleep(self.min_window - elapsed)
        end = self.snapshot()
        timed = elapsed if timed_seconds is None else timed_seconds
        return conditions_between(begin, end, self.threads, len(self.sources.cpus()), self.sources.tick(),
                                  timed, self.sources.frequency())


def conditions_between(begin: Snapshot, end: Snapshot, threads: int, cpus: int, tick: float,
                       timed_seconds: float, frequency: dict[str, Any] | None = None) -> Conditions:
    """:class:`Conditions` from two snapshots (pure: the verdict is :func:`contention_verdict`'s)."""
    window = max(end.when - begin.when, 1e-9)
    own = max(end.own - begin.own, 0.0) / window
    conditions = Conditions(verdict="quiet", window_seconds=window, timed_seconds=timed_seconds, cpus=cpus,
                            threads=threads, own_cores=own, load1_start=begin.load1, load1_end=end.load1,
                            frequency=frequency)
    if begin.cpu is None or end.cpu is None:
        conditions.verdict, conditions.reasons = UNKNOWN, ["/proc/stat could not be read"]
        return conditions
    busy = (end.cpu.busy - begin.cpu.busy) / window
    total = end.cpu.total - begin.cpu.total
    conditions.others_cores = max(busy - own, 0.0)
    # each CPU's counter and the own user/system counters are whole ticks: the sum is off by < that many
    conditions.resolution_cores = (cpus + 2) * tick / window
    conditions.steal_share = (end.cpu.steal - begin.cpu.steal) / total if total > 0 else None
    conditions.verdict, conditions.reasons = contention_verdict(
        conditions.others_cores, cpus, threads, conditions.resolution_cores, conditions.steal_share)
    return conditions


def sample_machine(seconds: float, threads: int, sources: Sources | None = None) -> Conditions:
    """The machine's conditions over ``seconds`` from here (this process idle): is it quiet now?"""
    meter = ContentionMeter(threads, sources or Sources(), min_window=seconds)
    meter.start()
    return meter.stop(timed_seconds=0.0)

"""Fit time beside CPU hogs: how a cell's timing degrades when other processes compete.

For each backend × candidate thread policy, a real cell (closed division, one seed, no learning
curve) runs in a fresh worker (``python -m bench.run.isolation``, the cold path of the harness, with
the candidate's environment) quiet and beside ``hogs`` CPU-bound processes (pure Python busy loops,
started before the cell, bounded in time and always killed after it), the two interleaved and their
order alternating from repeat to repeat. The record's ``fit_seconds`` is read back; the ratio of the
medians hogged / quiet is printed against :data:`TARGET`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench.core.record import CellConfig
from bench.core.threads import ThreadPolicy
from bench.perf.report import Ratio
from bench.perf.timing import median
from bench.run import isolation
from bench.run.threads import default_policy, idle_cores

#: hogged fit time / quiet fit time, at most (about the fair share of 2 cores among 2 hogs and a cell)
TARGET = 2.0
BACKENDS = ("torch", "numpy")
#: The candidate settings ``bench perf`` compares by default: the former default and the policy.
DEFAULT_CANDIDATES = ("spin", "policy")
HOG_SOURCE = ("import sys, time\nend = time.monotonic() + float(sys.argv[1])\n"
              "while time.monotonic() < end: pass\n")


@dataclass(frozen=True)
class Candidate:
    """A thread setting to measure: a :class:`ThreadPolicy` built from the run's budget."""

    name: str
    note: str
    wait: str = "passive"
    interop: int | None = None
    threads: int | None = None  # None: the budget
    idle: bool = False  # threads = the idle cores when the cell starts (rounded, at least 1)
    extra: tuple[tuple[str, str], ...] = ()

    def policy(self, budget: int) -> ThreadPolicy:
        if self.idle:
            threads = max(1, min(budget, round(idle_cores())))
            base = default_policy(threads, "idle cores")
        else:
            base = default_policy(self.threads or budget)
        return ThreadPolicy(threads=base.threads, source=base.source, wait=self.wait,
                            interop_threads=self.interop, reason=base.reason, extra=dict(self.extra))


_SPIN = {"wait": "library"}
CANDIDATES = {c.name: c for c in (
    Candidate("spin", "every pool at the budget, libraries' own waits (spinning OpenMP)", **_SPIN),
    Candidate("policy", "the thread policy: every pool at the budget, passive OpenMP waits"),
    Candidate("omp-passive", "OMP_WAIT_POLICY=PASSIVE only", **_SPIN,
              extra=(("OMP_WAIT_POLICY", "PASSIVE"),)),
    Candidate("gomp-spin0", "GOMP_SPINCOUNT=0 only", **_SPIN, extra=(("GOMP_SPINCOUNT", "0"),)),
    Candidate("gomp-spin10k", "GOMP_SPINCOUNT=10000 (about 10 µs of spinning) only", **_SPIN,
              extra=(("GOMP_SPINCOUNT", "10000"),)),
    Candidate("gomp-spin100k", "GOMP_SPINCOUNT=100000 only", **_SPIN, extra=(("GOMP_SPINCOUNT", "100000"),)),
    Candidate("kmp-block0", "KMP_BLOCKTIME=0 only", **_SPIN, extra=(("KMP_BLOCKTIME", "0"),)),
    Candidate("interop1", "inter-op pools of 1 (torch, TF), waits spinning", wait="library", interop=1),
    Candidate("openblas1", "OPENBLAS_NUM_THREADS=1, the rest at the budget", **_SPIN,
              extra=(("OPENBLAS_NUM_THREADS", "1"),)),
    Candidate("xla-1", "XLA_FLAGS single-threaded Eigen, intra-op 1", **_SPIN,
              extra=(("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"),)),
    Candidate("threads1", "1 thread everywhere, libraries' own waits", **_SPIN, threads=1),
    Candidate("idle", "threads = idle cores at the cell's start, libraries' own waits", **_SPIN, idle=True),
    Candidate("policy-idle", "the policy with threads = idle cores at the cell's start", idle=True),
    Candidate("policy-interop1", "the policy with inter-op pools of 1 (torch, TF)", interop=1),
)}


@dataclass
class Series:
    """The fit times of one backend × candidate, quiet and hogged (None: the cell failed or timed out)."""

    backend: str
    candidate: str
    quiet: list[float | None] = field(default_factory=list)
    hogged: list[float | None] = field(default_factory=list)
    threads: dict[str, list[int]] = field(default_factory=lambda: {"quiet": [], "hogged": []})

    #: seconds a cell was given: a hogged cell that did not finish counts as this long (a lower bound)
    timeout: float = float("inf")

    def ratio(self) -> float:
        quiet = _finite(self.quiet)
        hogged = [self.timeout if value is None else value for value in self.hogged]
        if not quiet or not hogged or len(quiet) < len(self.quiet) or math.isinf(median(hogged)):
            return float("nan")
        return median(hogged) / median(quiet)

    def note(self) -> str:
        failed = self.quiet.count(None) + self.hogged.count(None)
        if self.quiet.count(None):
            return f"{failed} cell(s) did not finish, a quiet one among them: no ratio"
        if failed:
            return f"{failed} hogged cell(s) did not finish, counted as {self.timeout:g} s: a lower bound"
        return ""

    def verdict(self) -> str:
        ratio = self.ratio()
        if math.isnan(ratio):
            return "n/a"
        return "PASS" if ratio <= TARGET else "MISS"


def _finite(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None]


@contextlib.contextmanager
def hogs(count: int, seconds: float) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` busy-loop processes, each ending by itself after ``seconds``, killed on exit."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            processes.append(subprocess.Popen([sys.executable, "-c", HOG_SOURCE, str(seconds)],
                                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
        time.sleep(0.3)  # running before the cell starts (and before an idle-core sample)
        yield processes
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait()


def run_cell(backend: str, task: str, policy: ThreadPolicy, timeout: float) -> tuple[float | None, str]:
    """One cold cell under ``policy``: its fit seconds (None if it did not finish) and a status note."""
    config = CellConfig(backend=backend, task=task, threads=policy.threads, timeout=timeout, curve_points=0,
                        suite="perf-contention")
    with tempfile.TemporaryDirectory(prefix="nnbench-contention-") as scratch:
        config_path, result_path, stderr_path = isolation.cell_files(scratch, config)
        command = [sys.executable, "-m", "bench.run.isolation", "0", str(os.getpid()), str(config_path),
                   str(result_path)]
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                       env=isolation.worker_environment(config, policy),
                                       start_new_session=True)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                isolation._kill_group(process.pid)
                process.wait()
                return None, f"timed out after {timeout:g} s"
        try:
            record = json.loads(result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, "no record"
    if record.get("status") != "ok":
        return None, f"{record.get('status')}: {record.get('reason', '')}"[:120]
    return float(record["fit_seconds"]), "ok"


@dataclass
class ContentionOptions:
    backends: tuple[str, ...] = BACKENDS
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    task: str = "digits"
    threads: int = 2
    repeats: int = 3
    hogs: int = 2
    timeout: float = 120.0


def measure_contention(options: ContentionOptions, echo: Callable[[str], None] = print) -> list[Series]:
    """Every backend × candidate quiet and hogged, interleaved; prints each sample and the table."""
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    echo(f"contention: {options.task} (closed, 1 seed) quiet and beside {options.hogs} CPU hogs, "
         f"{options.repeats} repeats interleaved, budget {options.threads} threads; load average {load}")
    series = {(b, c): Series(b, c, timeout=options.timeout)
              for b in options.backends for c in options.candidates}
    for repeat in range(options.repeats):
        for (_, name), found in series.items():
            for hogged in ((False, True) if repeat % 2 == 0 else (True, False)):
                _sample(found, CANDIDATES[name], hogged, options, echo)
    for line in table_lines(list(series.values()), options):
        echo(line)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    echo(f"  (quiet: without the hogs; whatever else runs on the machine runs in both; "
         f"load average now {load})")
    return list(series.values())


def _sample(found: Series, candidate: Candidate, hogged: bool, options: ContentionOptions,
            echo: Callable[[str], None]) -> None:
    label = "hogged" if hogged else "quiet"
    with hogs(options.hogs if hogged else 0, options.timeout + 30):
        policy = candidate.policy(options.threads)
        seconds, status = run_cell(found.backend, options.task, policy, options.timeout)
    (found.hogged if hogged else found.quiet).append(seconds)
    found.threads[label].append(policy.threads)
    shown = f"{seconds:.3f} s" if seconds is not None else status
    echo(f"  {found.backend:<8} {candidate.name:<12} {label:<6} threads {policy.threads}  fit {shown}")


def ratios(series: list[Series]) -> list[Ratio]:
    """hogged / quiet per backend × setting, with the target for the thread policy (``policy``) only:
    the other settings are findings."""
    best = best_quiet(series)
    return [Ratio(f"{s.backend} × digits fit, hogged / quiet ({s.candidate})", s.ratio(),
                  TARGET if s.candidate == "policy" else None,
                  note="; ".join(filter(None, (f"÷best {_against(s, best):.2f}", s.note()))))
            for s in series]


def _against(found: Series, best: dict[str, float]) -> float:
    """The hogged median (a cell that did not finish counted at the timeout) over the backend's fastest
    quiet median; nan without both."""
    hogged = [found.timeout if value is None else value for value in found.hogged]
    if not hogged or found.backend not in best or math.isinf(median(hogged)):
        return math.nan
    return median(hogged) / best[found.backend]


def ratio_lines(series: list[Series]) -> list[str]:
    return ["", "ratios:", *(f"  {ratio.line()}" for ratio in ratios(series))]


def _spread(values: list[float | None]) -> str:
    finite = _finite(values)
    if not finite:
        return "n/a"
    missing = f", {len(values) - len(finite)} failed" if len(finite) < len(values) else ""
    return f"{median(finite):.3f} ({min(finite):.3f}–{max(finite):.3f}{missing})"


def best_quiet(series: list[Series]) -> dict[str, float]:
    """Per backend, the fastest quiet median of any setting: what a setting's own quiet time is worth
    when the machine is never quiet (a spinning setting collapses without the hogs too)."""
    best: dict[str, float] = {}
    for found in series:
        quiet = _finite(found.quiet)
        if quiet:
            best[found.backend] = min(best.get(found.backend, math.inf), median(quiet))
    return best


def table_lines(series: list[Series], options: ContentionOptions) -> list[str]:
    """The table: per backend × candidate, median (min–max) quiet and hogged fit seconds, the ratio, and
    the hogged median against the backend's best quiet median of any setting."""
    best = best_quiet(series)
    lines = [f"fit seconds, median (min–max) of {options.repeats}; ratio = hogged / quiet (target ≤ "
             f"{TARGET:g}); ÷best = hogged / the fastest quiet median of any setting of that backend:",
             f"  {'backend':<8} {'setting':<12} {'quiet':>24} {'hogged':>24} {'ratio':>7} {'÷best':>7}"
             "  verdict"]
    for found in series:
        ratio, against = found.ratio(), _against(found, best)
        slow = " (÷best over the target: slow without the hogs too)" if against > TARGET else ""
        lines.append(f"  {found.backend:<8} {found.candidate:<12} {_spread(found.quiet):>24} "
                     f"{_spread(found.hogged):>24} {ratio:7.2f} {against:7.2f}  {found.verdict()}{slow}"
                     + (f"  [{found.note()}]" if found.note() else ""))
    lines += [f"  {name}: {CANDIDATES[name].note}" for name in dict.fromkeys(s.candidate for s in series)]
    return lines

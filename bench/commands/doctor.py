"""``python -m bench doctor``: is this machine fit to benchmark right now?

Prints the cores (and this process's affinity), the load averages, what
other processes take of the CPUs and the steal share over a short sample
(``--seconds``, default 1), the busiest other processes over that sample,
the CPU frequency and governor where ``/sys`` exposes them, the thread-limit
variables as set and the BLAS / OpenMP libraries NumPy loads with their
thread counts, and whether an NVIDIA GPU is visible. Ends with one verdict
line: fit, or not fit and why (the contention rule of ``run``'s records,
README "Timing conditions and contention"). Exit status 0; with
``--strict``, 1 when the machine is not fit.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.core.conditions import CONTENDED, Conditions
from bench.report.layout import print_wrapped
from bench.run.threads import default_threads

NAME = "doctor"
HELP = "is this machine fit to benchmark now? cores, load, contention, threads, GPU"
DESCRIPTION = """\
Prints the cores (and those this process may use), the load averages, how much of the CPUs other
processes take over a short sample (--seconds) and the busiest of them, the CPU frequency and
governor where the system exposes them, the thread-limit variables and the BLAS / OpenMP libraries
NumPy loads with their thread counts, and whether an NVIDIA GPU is visible.

Ends with one verdict: fit to benchmark, or not fit and why (the rule nnbench run uses to mark a
cell timed under contention). Exit status 0; with --strict, 1 when the machine is not fit.
"""
EXAMPLES = """\
examples:
  # before a run whose times you will report
  nnbench doctor
  # in a script: wait until the machine is quiet
  until nnbench doctor --strict --seconds 3 >/dev/null; do sleep 30; done
"""
#: Exit status of ``--strict`` on a machine that is not fit (2 stays for bad input).
NOT_FIT_STATUS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=1.0, metavar="SECONDS",
                        help="how long to watch the other processes (default: %(default)g)")
    parser.add_argument("--threads", type=int, default=default_threads(), metavar="N",
                        help="the thread budget a run would use; cores it leaves free may be busy "
                             "(default: the usable cores, %(default)s)")
    parser.add_argument("--strict", action="store_true",
                        help=f"exit with status {NOT_FIT_STATUS} when the machine is not fit")


def sample(seconds: float, threads: int) -> tuple[Conditions, list[Any]]:
    """The machine's conditions and its busiest other processes, over the same ``seconds``."""
    from bench.run.contention import ContentionMeter
    from bench.run.machine import busiest_processes

    meter = ContentionMeter(threads, min_window=0.0)
    meter.start()
    busiest = busiest_processes(seconds)
    return meter.stop(timed_seconds=0.0), busiest


def _fmt(value: Any, unit: str = "") -> str:
    return "not exposed" if value is None else f"{value:g}{unit}" if isinstance(value, float) else str(value)


def _machine_lines(conditions: Conditions, facts: dict[str, Any]) -> list[str]:
    load = facts.get("load_average")
    usable = facts.get("usable_cpus") or []
    steal = "n/a" if conditions.steal_share is None else f"{conditions.steal_share:.1%}"
    return ["Cores", f"  {facts.get('cores')} logical CPUs, {len(usable)} usable by this process "
            f"(affinity {usable}); a run's threads: {conditions.threads}",
            "Load", f"  load average 1/5/15 min: {' / '.join(f'{x:.2f}' for x in load) if load else 'n/a'}",
            "Contention now", f"  over {conditions.window_seconds:.2f} s, other processes used "
            f"{conditions.others_cores:.2f} of {conditions.cpus} cores "
            f"(± {conditions.resolution_cores:.2f}); steal {steal}"]


def _thread_lines(facts: dict[str, Any]) -> list[str]:
    variables = {k: v for k, v in facts["thread_variables"].items() if v is not None}
    lines = ["Threads"] + [f"  {name}={value}" for name, value in variables.items()]
    if not variables:
        lines.append("  no thread-limit variable set (each library picks its own count)")
    return lines + [f"  {p.get('internal_api')} {p.get('version')} ({p.get('user_api')}, "
                    f"{p.get('threading_layer', '-')}): {p.get('num_threads')} threads, {p.get('prefix')}"
                    for p in facts.get("thread_pools") or []]


def report_lines(conditions: Conditions, busiest: list[Any], facts: dict[str, Any]) -> list[str]:
    """The doctor's report, section by section (pure: easy to test)."""
    lines = _machine_lines(conditions, facts) + ["Busiest other processes"]
    lines += [f"  {p.cores:5.2f} cores  pid {p.pid}  {p.command.replace(chr(10), ' ')}" for p in busiest] \
        or ["  none used any CPU"]
    frequency = facts.get("frequency") or {}
    lines += ["CPU frequency",
              ("  " + ", ".join(f"{k} {_fmt(v)}" for k, v in frequency.items())) if frequency
              else "  not exposed (a VM or container hides cpufreq)"]
    gpu = facts.get("gpu") or {}
    return lines + _thread_lines(facts) + [
        "GPU", f"  nvidia-smi: {gpu.get('nvidia_smi') or 'not on PATH'}; devices: "
               f"{', '.join(gpu.get('devices') or []) or 'none'}"]


def verdict_line(conditions: Conditions) -> tuple[bool, str]:
    if conditions.verdict == CONTENDED:
        return False, f"verdict: NOT fit to benchmark now: {'; '.join(conditions.reasons)}"
    if conditions.verdict != "quiet":
        return False, f"verdict: cannot tell: {'; '.join(conditions.reasons)}"
    return True, "verdict: fit to benchmark (quiet: no other process competes for the CPUs)"


def handle(args: argparse.Namespace) -> int:
    from bench.core.spec import SpecError

    if not args.seconds > 0:
        raise SpecError(f"--seconds must be > 0, got {args.seconds}")
    if args.threads < 1:
        raise SpecError(f"--threads must be >= 1, got {args.threads}")
    import numpy  # noqa: F401 - loads its BLAS, so threadpoolctl can report it

    from bench.run.machine import machine_facts

    conditions, busiest = sample(args.seconds, args.threads)
    for line in report_lines(conditions, busiest, machine_facts().to_dict()):
        print_wrapped(line)
    fit, line = verdict_line(conditions)
    print_wrapped(line)
    return NOT_FIT_STATUS if args.strict and not fit else 0

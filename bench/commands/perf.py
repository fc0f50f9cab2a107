"""``python -m bench perf``: the performance report (``make bench-perf``).

Measures, side by side in one run, the NumPy MLP's epoch against the bare
matrix products of the same epoch, against scikit-learn, PyTorch and Keras on
the same work, each open adapter against a minimal idiomatic script of its
library (bench/perf/idiomatic/) and against its closed path, the time the
harness adds around each cell of a suite, and a cell's fit time quiet and beside
CPU hogs (bench/perf/contention.py; ``--only contention`` runs that alone);
prints each ratio with its target and PASS or MISS, plus absolute times, the
thread count, CPU model and NumPy's BLAS. Exit status 0 whatever the
verdicts (they are findings, not errors). Before measuring it watches the
machine for a second: when other processes compete for the CPUs it warns at
the top and the bottom of the report (``--refuse-busy``: stops instead, exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.core import registry
from bench.core.registry import UnknownNameError
from bench.core.values import argument
from bench.perf import contention, idiomatic
from bench.perf.measure import FRAMEWORKS, HARNESS_BACKENDS, PerfOptions, measure
from bench.perf.workload import Workload
from bench.report.layout import print_wrapped
from bench.run.threads import default_threads

NAME = "perf"
HELP = "performance report: ratios against matmul-only, peers, idiomatic scripts and harness overhead"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Workload()
    parser.add_argument("--rows", type=int, default=defaults.rows, help="training rows (default %(default)s)")
    parser.add_argument("--layers", default="-".join(map(str, defaults.layers)),
                        help="layer sizes, e.g. 784-256-128-10 (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--activation", choices=("relu", "sigmoid", "tanh"),
                        default=defaults.hidden_activation,
                        help="hidden activation of the main case (the other of relu/sigmoid is measured too)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default=defaults.dtype)
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="timed epochs per contender")
    parser.add_argument("--threads", type=argument("threads"), default=default_threads(),
                        help="thread count for every library (default: this machine's cores, %(default)s)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="device for torch and keras; gpu falls back to cpu, with a message, "
                             "when none is found")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        help="comma-separated frameworks to compare (torch,keras; empty for none)")
    parser.add_argument("--idiomatic", default=",".join(idiomatic.LIBRARIES),
                        help="libraries whose open adapter runs beside its idiomatic script and closed "
                             "adapter (default %(default)s; empty for none)")
    parser.add_argument("--idiomatic-runs", type=_positive, default=3,
                        help="interleaved runs of each of them (default %(default)s)")
    parser.add_argument("--idiomatic-epochs", type=_positive, default=5,
                        help="timed epochs per run, after the warm-up epoch (default %(default)s)")
    parser.add_argument("--suite", type=Path, default=Path("suites/default.toml"),
                        help="suite whose cells measure the harness overhead")
    parser.add_argument("--harness-repeats", type=int, default=3, help="repeats of each suite cell (0: skip)")
    parser.add_argument("--harness-backends", default=",".join(HARNESS_BACKENDS),
                        help="the suite's backends whose cells are run (default %(default)s; 'all': every "
                             "one, slow)")
    parser.add_argument("--harness-results", type=Path,
                        help="read the harness timings from this results file (e.g. of `make bench`) "
                             "instead of running cells")
    parser.add_argument("--harness-seeds", type=int, default=1, help="how many of the suite's seeds")
    parser.add_argument("--refuse-busy", action="store_true",
                        help="stop (exit 2) instead of measuring when other processes compete for the CPUs")
    parser.add_argument("--only", choices=("contention",),
                        help="run only this measurement (contention: fit time quiet and beside CPU hogs)")
    parser.add_argument("--contention-backends", default=",".join(contention.BACKENDS),
                        help="backends whose digits cell runs quiet and beside the hogs (default "
                             "%(default)s; empty for none)")
    parser.add_argument("--contention-settings", default=",".join(contention.DEFAULT_CANDIDATES),
                        help="thread settings compared (default %(default)s; known: "
                             f"{', '.join(contention.CANDIDATES)})")
    parser.add_argument("--contention-repeats", type=_positive, default=3,
                        help="quiet/hogged pairs per backend and setting (default %(default)s)")
    parser.add_argument("--contention-hogs", type=_positive, default=2,
                        help="CPU-bound busy-loop processes beside the cell (default %(default)s)")
    parser.add_argument("--contention-timeout", type=_positive, default=120,
                        help="seconds a cell may take, imports included, before it is killed and counted "
                             "as a miss (default %(default)s)")


def busy_warning(threads: int, refuse: bool) -> str:
    """A loud warning when the machine is contended now ("" when quiet); with ``refuse``, an error instead."""
    from bench.run.contention import sample_machine
    from bench.run.quiet import REFUSE_SAMPLE_SECONDS, MachineBusyError

    conditions = sample_machine(REFUSE_SAMPLE_SECONDS, threads)
    if not conditions.contended:
        return ""
    why = "; ".join(conditions.reasons)
    if refuse:
        raise MachineBusyError(f"the machine is not quiet: {why}; nothing was measured (--refuse-busy)")
    return (f"WARNING: THE MACHINE IS NOT QUIET: {why} (load average {conditions.load1_start}). "
            "The ratios below are not a fair measure; see `python -m bench doctor`.")


def contention_options(args: argparse.Namespace) -> contention.ContentionOptions:
    """The contention measurement's options; an unknown setting or backend raises UnknownNameError."""
    settings = tuple(name for name in args.contention_settings.split(",") if name)
    for name in settings:
        if name not in contention.CANDIDATES:
            known = ", ".join(contention.CANDIDATES)
            raise UnknownNameError(f"unknown thread setting {name!r}; known: {known}")
    backends = tuple(name for name in args.contention_backends.split(",") if name)
    registry.check_backend_names(list(backends))
    return contention.ContentionOptions(backends=backends, candidates=settings, threads=args.threads,
                                        repeats=args.contention_repeats, hogs=args.contention_hogs,
                                        timeout=float(args.contention_timeout))


def handle(args: argparse.Namespace) -> int:
    contended = contention_options(args)
    if args.only == "contention":
        series = contention.measure_contention(contended, echo=print_wrapped)
        for line in contention.ratio_lines(series):
            print_wrapped(line)
        return 0
    layers = tuple(int(n) for n in args.layers.replace(",", "-").split("-") if n)
    workload = Workload(rows=args.rows, layers=layers, batch_size=args.batch_size,
                        hidden_activation=args.activation, dtype=args.dtype, epochs=args.epochs)
    workload.spec()  # validates
    frameworks = tuple(name for name in args.frameworks.split(",") if name)
    for name in frameworks:
        if name not in FRAMEWORKS:
            raise UnknownNameError(f"unknown framework {name!r}; known: {', '.join(FRAMEWORKS)}")
    libraries = tuple(name for name in args.idiomatic.split(",") if name)
    for name in libraries:
        if name not in idiomatic.LIBRARIES:
            known = ", ".join(idiomatic.LIBRARIES)
            raise UnknownNameError(f"no idiomatic script for {name!r}; known: {known}")
    options = PerfOptions(workload=workload, threads=args.threads, device=args.device, frameworks=frameworks,
                          suite=args.suite, harness_repeats=args.harness_repeats,
                          harness_backends=None if args.harness_backends == "all"
                          else tuple(filter(None, args.harness_backends.split(","))),
                          harness_seeds=args.harness_seeds, harness_results=args.harness_results,
                          idiomatic=libraries, idiomatic_runs=args.idiomatic_runs,
                          idiomatic_epochs=args.idiomatic_epochs, contention=contended)
    warning = busy_warning(args.threads, args.refuse_busy)
    if warning:
        print_wrapped(warning)
    measure(options, echo=print_wrapped)
    if warning:
        print_wrapped(warning)
    return 0

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

from bench.core import registry, suggest
from bench.core.cli_parser import NameList, Names
from bench.core.registry import UnknownNameError
from bench.core.values import argument
from bench.perf import contention, idiomatic
from bench.perf.measure import FRAMEWORKS, HARNESS_BACKENDS, PerfOptions, measure
from bench.perf.workload import Workload
from bench.report.layout import print_wrapped
from bench.run.threads import default_threads

NAME = "perf"
HELP = "performance report: speed against bare matrix products, peers and plain scripts"
DESCRIPTION = """\
Measures, side by side in one run: the NumPy network's epoch against the bare matrix products of the
same epoch, and against scikit-learn, PyTorch and Keras on the same work; each library's open-division
adapter against a minimal script written as its documentation teaches and against its closed-division
path; the time the harness adds around each cell of a suite; and a cell's fit time on a quiet machine
and beside CPU hogs. Prints each ratio with its target and PASS or MISS, then the absolute times, the
thread count, the CPU and NumPy's BLAS.

The exit status is 0 whatever the verdicts (they are findings, not errors). It first watches the
machine for a second: when other processes compete for the CPUs it warns at the top and the bottom
of the report (--refuse-busy: stops instead, exit status 2). List flags take comma-separated names;
an empty value ("") measures none.
"""
EXAMPLES = """\
examples:
  # the whole report (make bench-perf)
  nnbench perf
  # a quicker one: no peers, two idiomatic scripts, no harness cells
  nnbench perf --frameworks "" --idiomatic torch,sklearn --harness-repeats 0
  # only the contention measurement
  nnbench perf --only contention --contention-backends numpy
"""


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
    parser.add_argument("--rows", type=int, default=defaults.rows, metavar="N", help="training rows")
    parser.add_argument("--layers", default="-".join(map(str, defaults.layers)), metavar="SIZES",
                        help="layer sizes, e.g. 784-256-128-10")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, metavar="N",
                        help="rows per mini-batch")
    parser.add_argument("--activation", choices=("relu", "sigmoid", "tanh"),
                        default=defaults.hidden_activation,
                        help="hidden activation of the main case (the other of relu/sigmoid is measured too)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default=defaults.dtype,
                        help="floating-point type of the data and weights")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, metavar="N",
                        help="timed epochs per contender")
    parser.add_argument("--threads", type=argument("threads"), default=default_threads(), metavar="N",
                        help="thread count for every library (default: this machine's usable cores, "
                             "%(default)s)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="device for torch and keras; gpu falls back to cpu, with a message, "
                             "when none is found")
    parser.add_argument("--frameworks", action=NameList, default=Names(FRAMEWORKS), metavar="NAMES",
                        help=f"frameworks compared with the NumPy epoch; known: {', '.join(FRAMEWORKS)}")
    parser.add_argument("--idiomatic", action=NameList, default=Names(idiomatic.LIBRARIES), metavar="NAMES",
                        help="libraries whose open adapter runs beside its idiomatic script and closed "
                             "adapter")
    parser.add_argument("--idiomatic-runs", type=_positive, default=3, metavar="N",
                        help="interleaved runs of each of them")
    parser.add_argument("--idiomatic-epochs", type=_positive, default=5, metavar="N",
                        help="timed epochs per run, after the warm-up epoch")
    parser.add_argument("--suite", type=Path, default=Path("suites/default.toml"), metavar="FILE",
                        help="suite whose cells measure the harness overhead")
    parser.add_argument("--harness-repeats", type=int, default=3, metavar="N",
                        help="repeats of each suite cell; 0: skip the harness measurement")
    parser.add_argument("--harness-backends", action=NameList, default=Names(HARNESS_BACKENDS),
                        metavar="NAMES",
                        help="the suite's backends whose cells are run; all: every one, slow")
    parser.add_argument("--harness-results", type=Path, metavar="RESULTS",
                        help="read the harness timings from this results file (e.g. of make bench) "
                             "instead of running cells (default: run them)")
    parser.add_argument("--harness-seeds", type=int, default=1, metavar="N",
                        help="how many of the suite's seeds")
    parser.add_argument("--refuse-busy", action="store_true",
                        help="stop (exit 2) instead of measuring when other processes compete for the CPUs")
    parser.add_argument("--only", choices=("contention",),
                        help="run only this measurement: contention, the fit time quiet and beside CPU hogs "
                             "(default: every measurement)")
    parser.add_argument("--contention-backends", action=NameList, default=Names(contention.BACKENDS),
                        metavar="NAMES", help="backends whose digits cell runs quiet and beside the hogs")
    parser.add_argument("--contention-settings", action=NameList, metavar="NAMES",
                        default=Names(contention.DEFAULT_CANDIDATES),
                        help=f"thread settings compared; known: {', '.join(contention.CANDIDATES)}")
    parser.add_argument("--contention-repeats", type=_positive, default=3, metavar="N",
                        help="quiet/hogged pairs per backend and setting")
    parser.add_argument("--contention-hogs", type=_positive, default=2, metavar="N",
                        help="CPU-bound busy-loop processes beside the cell")
    parser.add_argument("--contention-timeout", type=_positive, default=120, metavar="SECONDS",
                        help="seconds a cell may take, imports included, before it is killed and counted "
                             "as a miss")


def check_names(what: str, names: list[str] | tuple[str, ...], known: list[str] | tuple[str, ...]) -> None:
    """:class:`UnknownNameError` for the first of ``names`` not in ``known``, with the closest known."""
    for name in names:
        if name not in known:
            raise UnknownNameError(suggest.unknown(what, name, known, most=len(known)))


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
    settings = tuple(args.contention_settings)
    check_names("thread setting", settings, tuple(contention.CANDIDATES))
    backends = tuple(args.contention_backends)
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
    frameworks = tuple(args.frameworks)
    check_names("framework", frameworks, FRAMEWORKS)
    libraries = tuple(args.idiomatic)
    check_names("idiomatic script", libraries, idiomatic.LIBRARIES)
    options = PerfOptions(workload=workload, threads=args.threads, device=args.device, frameworks=frameworks,
                          suite=args.suite, harness_repeats=args.harness_repeats,
                          harness_backends=None if list(args.harness_backends) == ["all"]
                          else tuple(args.harness_backends),
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

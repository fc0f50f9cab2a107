"""``python -m bench.perf.idiomatic.LIBRARY``: run one script on the workload and print its epoch times."""

from __future__ import annotations

import argparse
import os
import sys

from bench.perf import idiomatic
from bench.perf.timing import coefficient_of_variation, median
from bench.perf.workload import Workload, make_data
from bench.run.threads import backend_environment, default_threads, pinned_by_environment


def main(library: str, train: idiomatic.TrainFunction, argv: list[str] | None = None) -> int:
    """Parse ``--rows/--epochs/--threads``, train once with ``train``, print every epoch's seconds."""
    argv = sys.argv[1:] if argv is None else argv
    defaults = idiomatic.workload_for(library, Workload())
    parser = argparse.ArgumentParser(prog=f"python -m {idiomatic.module_name(library)}",
                                     description=f"{library}: {idiomatic.DESCRIPTIONS[library]}")
    parser.add_argument("--rows", type=int, default=defaults.rows)
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="timed epochs after the first")
    parser.add_argument("--threads", type=int, default=default_threads())
    args = parser.parse_args(argv)
    if args.rows < 1 or args.epochs < 0 or args.threads < 1:
        parser.error("--rows and --threads must be positive, --epochs not negative")
    if not pinned_by_environment(args.threads):
        # BLAS/OpenMP read their limits when they load: start again under the adapters' budget.
        os.execve(sys.executable, [sys.executable, "-m", idiomatic.module_name(library), *argv],
                  backend_environment(args.threads))
    idiomatic.apply_thread_budget(library, args.threads)
    workload = Workload(rows=args.rows, epochs=args.epochs)
    X, Y = make_data(workload)
    times = train(X, Y, **idiomatic.script_arguments(workload))
    print(f"{library}: {idiomatic.DESCRIPTIONS[library]}")
    print(f"workload: {workload.describe()}; threads: {args.threads}")
    for epoch, seconds in enumerate(times, start=1):
        print(f"  epoch {epoch:>3}: {seconds:.4f} s")
    steady = times[workload.warmup_epochs :]
    if steady:
        print(f"  after the first: median {median(steady):.4f} s/epoch, "
              f"CV {coefficient_of_variation(steady) * 100:.1f} %")
    return 0

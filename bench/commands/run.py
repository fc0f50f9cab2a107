"""``python -m bench run``: run a benchmark matrix and summarise it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.results import new_results_path
from bench.spec import SpecError
from bench.suite import DEVICES, Suite, load_suite

NAME = "run"
HELP = "run a benchmark matrix"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", type=Path, help="TOML suite file (see suites/)")
    parser.add_argument("--backend", action="append", help="backend name (repeatable)")
    parser.add_argument("--task", action="append", help="task name (repeatable)")
    parser.add_argument("--seeds", type=int, help="use seeds 0..N-1")
    parser.add_argument("--seed", type=int, action="append", help="one seed (repeatable)")
    parser.add_argument("--device", choices=DEVICES)
    parser.add_argument("--threads", type=int, help="thread budget for every backend")
    parser.add_argument("--timeout", type=float, help="hard limit per cell, seconds")
    parser.add_argument("--set", action="append", metavar="FIELD=VALUE",
                        help="override a spec field for every task, e.g. --set epochs=50")
    parser.add_argument("--output", help="results file (default results/<timestamp>.jsonl)")


def parse_set(values: list[str]) -> dict[str, str]:
    overrides = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SpecError(f"--set expects FIELD=VALUE, got {item!r}")
        overrides[name.strip()] = value.strip()
    return overrides


def build_suite(args: argparse.Namespace) -> Suite:
    suite = load_suite(args.suite) if args.suite else Suite()
    if args.backend:
        suite.backends = args.backend
    if args.task:
        suite.tasks = args.task
    if args.seeds is not None:
        suite.seeds = list(range(args.seeds))
    if args.seed:
        suite.seeds = args.seed
    if args.device:
        suite.device = args.device
    if args.threads is not None:
        suite.threads = args.threads
    if args.timeout is not None:
        suite.timeout = args.timeout
    if args.set:
        suite.overrides = {**suite.overrides, **parse_set(args.set)}
    suite.validate()
    return suite


def handle(args: argparse.Namespace) -> int:
    from bench.commands.report import print_report
    from bench.harness import run_suite
    from bench.progress import MatrixProgress

    suite = build_suite(args)
    output = Path(args.output) if args.output else new_results_path()
    print(f"running {len(suite.cells())} cells ({suite.name}) → {output}", file=sys.stderr)
    with MatrixProgress(suite.cells()) as progress:
        run_suite(suite, output, progress=progress)
    return print_report(output)

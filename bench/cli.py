"""Command line: ``python -m bench run|report|tasks|backends``.

Bad input (unknown names, malformed suite, invalid spec) prints one line,
``error: ...``, and exits with status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import registry
from bench.results import ResultsFileError, new_results_path
from bench.spec import SpecError
from bench.suite import DEVICES, Suite, SuiteError, load_suite

USAGE_ERRORS = (registry.UnknownNameError, SuiteError, SpecError, ResultsFileError)


def _parse_set(values: list[str]) -> dict[str, str]:
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
        suite.overrides = {**suite.overrides, **_parse_set(args.set)}
    suite.validate()
    return suite


def command_run(args: argparse.Namespace) -> int:
    from bench.harness import run_suite
    from bench.report import write_reports

    suite = build_suite(args)
    output = Path(args.output) if args.output else new_results_path()
    print(f"running {len(suite.cells())} cells ({suite.name}) → {output}", file=sys.stderr)
    run_suite(suite, output)
    return _report(output, write_reports)


def _report(output: Path, write_reports) -> int:  # type: ignore[no-untyped-def]
    table, paths = write_reports(output)
    print(table.to_string(index=False))
    print(f"\nresults: {output}")
    for path in paths:
        print(f"report:  {path}")
    return 0


def command_report(args: argparse.Namespace) -> int:
    from bench.report import write_reports

    return _report(Path(args.results), write_reports)


def command_tasks(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = [registry.task(name).describe() for name in registry.task_names()]
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def command_backends(args: argparse.Namespace) -> int:
    for name in registry.backend_names():
        try:
            cls = registry.backend_class(name)
            ok, reason = cls.available()
            devices = ",".join(cls.devices)
        except ImportError as exc:
            ok, reason, devices = False, f"cannot import adapter: {exc}", "-"
        state = "available" if ok else f"unavailable: {reason}"
        print(f"{name:18} devices={devices:8} {state}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a benchmark matrix")
    run.add_argument("--suite", type=Path, help="TOML suite file (see suites/)")
    run.add_argument("--backend", action="append", help="backend name (repeatable)")
    run.add_argument("--task", action="append", help="task name (repeatable)")
    run.add_argument("--seeds", type=int, help="use seeds 0..N-1")
    run.add_argument("--seed", type=int, action="append", help="one seed (repeatable)")
    run.add_argument("--device", choices=DEVICES)
    run.add_argument("--threads", type=int, help="thread budget for every backend")
    run.add_argument("--timeout", type=float, help="hard limit per cell, seconds")
    run.add_argument("--set", action="append", metavar="FIELD=VALUE",
                     help="override a spec field for every task, e.g. --set epochs=50")
    run.add_argument("--output", help="results file (default results/<timestamp>.jsonl)")
    run.set_defaults(handler=command_run)

    report = commands.add_parser("report", help="summarise a results file")
    report.add_argument("results", help="a results .jsonl file")
    report.set_defaults(handler=command_report)

    commands.add_parser("tasks", help="list tasks").set_defaults(handler=command_tasks)
    commands.add_parser("backends", help="list backends").set_defaults(handler=command_backends)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except USAGE_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

"""``python -m bench report RESULTS``: summarise a results file."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "report"
HELP = "summarise a results file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="a results .jsonl file")


def print_report(results: Path) -> int:
    from bench.report import write_reports

    table, paths = write_reports(results)
    print(table.to_string(index=False))
    print(f"\nresults: {results}")
    for path in paths:
        print(f"report:  {path}")
    return 0


def handle(args: argparse.Namespace) -> int:
    return print_report(args.results)

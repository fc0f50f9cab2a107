"""``python -m bench compare OLD NEW``: what changed between two results files.

Per cell (backend, task, spec, device): the metric delta, the fit-time ratio
NEW/OLD and a verdict better / worse / unchanged that flags only changes
beyond the noise measured across seeds (rules in :mod:`bench.report.compare`).
Environment differences (CPU, Python, package versions) are warned about,
one line each, on stderr. ``--fail-on-regression`` exits 1 when any cell is
worse, when cells of OLD are missing from NEW, or when NEW holds no complete
record, for CI. A fit time measured under contention (or with unstable
epochs) on either side gets no slower/faster verdict unless ``--trust-contended``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.core.values import argument
from bench.report.compare import ALPHA, NOT_JUDGED, TIME_TOLERANCE
from bench.report.layout import print_wrapped

NAME = "compare"
HELP = "what changed between two results files: metric deltas, time ratios, verdicts"
DESCRIPTION = """\
For each cell found in both files (task, backend, device, division, network): the change of its metric, the
fit-time ratio NEW/OLD and a verdict, better, worse or unchanged. Only a change beyond the noise
measured across seeds counts (Welch's t-test at --alpha; fit times also need a change beyond
--time-tolerance). A fit time measured while other processes competed for the CPUs gets no
slower/faster verdict unless --trust-contended.

Differences between the two environments (CPU, Python, library versions) are warned about on
stderr. With --fail-on-regression the exit status is 1 when a cell is worse, a cell of OLD is
missing from NEW, or NEW holds no complete record (for CI).
"""
EXAMPLES = """\
examples:
  # what changed between two runs
  nnbench compare results/A.jsonl results/B.jsonl
  # a CI gate: exit status 1 on any regression
  nnbench compare baseline.jsonl results/new.jsonl --fail-on-regression
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", type=Path, metavar="OLD", help="the baseline results .jsonl")
    parser.add_argument("new", type=Path, metavar="NEW", help="the results .jsonl to judge")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit with status 1 when any cell is worse, a cell of OLD is missing "
                             "from NEW, or NEW holds no complete record")
    parser.add_argument("--alpha", type=argument("alpha", integer=False), default=ALPHA,
                        metavar="P", help="significance level of Welch's t-test")
    parser.add_argument("--time-tolerance", type=argument("time_tolerance", integer=False),
                        default=TIME_TOLERANCE, metavar="FRACTION",
                        help="smallest fit-time change flagged, as a fraction of OLD's")
    parser.add_argument("--trust-contended", action="store_true",
                        help="judge fit times measured while other processes competed for the CPUs "
                             "(or with unstable epochs); by default they get no slower/faster verdict")


def handle(args: argparse.Namespace) -> int:
    from bench.report.compare import compare_files, comparison_rows, describe_key

    if not 0 < args.alpha < 1:
        print(f"error: --alpha must be between 0 and 1, got {args.alpha}", file=sys.stderr)
        return 2
    comparison = compare_files(args.old, args.new, args.alpha, args.time_tolerance, args.trust_contended)
    for warning in comparison.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    rows = comparison_rows(comparison)
    if rows:
        print_rows(rows)
    else:
        print("no cell appears in both files")
    for label, keys in (("only in old", comparison.only_old), ("only in new", comparison.only_new)):
        for key in keys:
            print(f"{label}: {describe_key(key)}")
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("better", "worse", "unchanged", NOT_JUDGED)}
    withheld = f", {counts[NOT_JUDGED]} not judged (timed on a busy machine)" if counts[NOT_JUDGED] else ""
    print()
    print_wrapped(f"{counts['better']} better, {counts['worse']} worse, {counts['unchanged']} unchanged"
                  f"{withheld} (old {args.old}, new {args.new})")
    failures = comparison.gate_failures()
    if args.fail_on_regression and failures:
        print(f"regression: {'; '.join(failures)}", file=sys.stderr)
        return 1
    return 0


VERDICT_COLOURS = {"better": "green", "worse": "red", NOT_JUDGED: "yellow"}


def print_rows(rows: list[dict[str, str]]) -> None:
    """The comparison table through the report's terminal writer, rows coloured by verdict."""
    from bench.report.writers import WRITERS, Report

    report = Report(title="NEW against OLD", sections=[("NEW against OLD", rows, "")],
                    row_style=lambda row: VERDICT_COLOURS.get(row.get("verdict", "")))
    WRITERS["terminal"](report, sys.stdout)

"""``python -m bench history results/ [FILES…]``: many runs as one series, the newest one judged.

Reads every ``*.jsonl`` of the folders given and the files given (each file
one run), writes the long table of every run's cells (run time, machine
fingerprint, library versions, division, cell, metric, fit time) as ``history.csv`` and a
figure per task and division of metric and fit time over the runs, into
``-o DIR`` (default: ``history/`` inside the first folder, or beside the
first file). Prints, for the newest run of each environment, a verdict per
cell against its earlier runs with the same library versions and the same
adapter code (median and MAD rule, see :mod:`bench.report.history`); an edited
adapter starts a new series ("adapter changed" in the table, a break in the
figures). Runs from different machines (CPU,
cores, Python) are kept apart unless ``--all-environments``.
Fit times measured on a busy machine (contended or unstable) are left out of
the history and get no slower/faster verdict unless ``--trust-contended``.
``--fail-on-regression`` exits 1 when a cell is slower, worse, failing or
broken (an ok run without a valid metric), or missing from the newest run, for CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report.history import History

NAME = "history"
HELP = "many runs as one series: a table, figures, the newest run judged against the others"
DESCRIPTION = """\
Read every results file (*.jsonl) of the folders given, and the files given (each file is one run).
Write history.csv, the long table of every run's cells (run time, machine, library versions,
division, cell, metric, fit time), and a figure per task and division of metric and fit time over
the runs. Then print, for the newest run, a verdict per cell against its earlier runs with the same
library versions (median and MAD rule): faster, slower, better, worse, failing, broken (ok but
without a valid metric) or unchanged.

Runs from different machines (CPU, cores, Python) are kept apart unless --all-environments. Fit
times measured on a busy machine are left out unless --trust-contended. With --fail-on-regression
the exit status is 1 when a cell of the newest run is slower, worse, failing, broken or missing
(for CI).
"""
EXAMPLES = """\
examples:
  # every run under results/, the newest one judged
  nnbench history results/
  # a CI gate, the files written elsewhere
  nnbench history results/ -o /tmp/history --fail-on-regression
  # two runs only, no figures
  nnbench history results/A.jsonl results/B.jsonl --no-plots
"""
CSV_HEADER = "run,run_time,environment,"
CACHE_NAME = "cache.parquet"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="folders of results .jsonl files, or results files")
    parser.add_argument("-o", "--output", type=Path, metavar="DIR",
                        help="folder for history.csv and the figures (default: FIRST/history, FIRST being "
                             "the first folder given, or the folder of the first file)")
    parser.add_argument("--all-environments", action="store_true",
                        help="judge runs from different machines (CPU, Python) and library versions together")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit with status 1 when a cell of the newest run is slower, worse or failing, "
                             "or missing")
    parser.add_argument("--trust-contended", action="store_true",
                        help="judge fit times measured while other processes competed for the CPUs (or "
                             "with unstable epochs); by default they are left out and get no slower/faster "
                             "verdict")
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figures")
    parser.add_argument("--no-cache", action="store_true",
                        help=f"read every results file again (no DIR/{CACHE_NAME}; it is only a cache)")


def default_output(paths: list[Path]) -> Path:
    first = paths[0]
    return (first if first.is_dir() else first.parent) / "history"


def check_output(directory: Path) -> str | None:
    """Why ``directory`` cannot take the history files (None: it can)."""
    from bench.core.owned import OwnedFileError, check_folder, check_writable, is_ours

    if directory.exists() and not directory.is_dir():
        return f"cannot write the history to {directory}: it is a file"
    table = directory / "history.csv"
    if table.is_file() and not table.is_symlink() and not is_ours(table):
        return f"{table} exists and was not written by nnbench history; choose another -o"
    try:  # the one rule for outputs (bench.core.owned): only nnbench's files, never through a link
        check_folder(directory, "the history folder")
        check_writable(table, "the history table")
    except OwnedFileError as exc:
        return str(exc)
    return None


def handle(args: argparse.Namespace) -> int:
    import pandas as pd

    from bench.report.history import history
    from bench.report.render import csv_safe_frame

    output = args.output or default_output(args.paths)
    problem = check_output(output)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    cache = None if args.no_cache else output / CACHE_NAME
    # bad input (no folder, no results files, a foreign file): error, exit 2, nothing written
    result = history(args.paths, all_environments=args.all_environments, cache=cache,
                     trust_contended=args.trust_contended)
    from bench.core import owned

    owned.make_folder(output, "the history folder")
    table = owned.write_text(output / "history.csv",
                             csv_safe_frame(pd.DataFrame([r.row() for r in result.rows])).to_csv(index=False),
                             "the history table")
    plots: list[Path] = []
    if not args.no_plots:
        from bench.report.plots import write_history_plots

        plots = write_history_plots(result.rows, output)
    print_verdicts(result)
    runs = len({r.run for r in result.rows})
    print(f"\n{runs} runs, {len(result.rows)} cell rows: {table}")
    if plots:
        print(f"figures: {output}/ ({len(plots)} files)")
    failures = result.gate_failures()
    if args.fail_on_regression and failures:
        print(f"regression: {'; '.join(failures)}", file=sys.stderr)
        return 1
    return 0


VERDICT_COLOURS = {"not judged": "yellow", "slower": "red", "worse": "red", "failing": "red", "broken": "red",
                   "faster": "green", "better": "green"}


def print_verdicts(result: History) -> None:
    from bench.report.layout import print_wrapped
    from bench.report.writers import WRITERS, Report

    show_environment = len(result.newest) > 1
    sections = []
    for environment, run in result.newest.items():
        rows = [v.row(show_environment) for v in result.verdicts if v.environment == environment]
        sections.append((f"Newest run {run} (environment {environment}) against its history", rows, ""))
    report = Report(title="history", sections=sections,
                    row_style=lambda row: VERDICT_COLOURS.get(row.get("verdict", "")))
    WRITERS["terminal"](report, sys.stdout)
    for environment, key in result.missing:
        print_wrapped(f"missing from the newest run ({environment}): {key.backend} × {key.task} "
                      f"({key.division})")
    counts: dict[str, int] = {}
    for verdict in result.verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    print("\n" + ", ".join(f"{n} {name}" for name, n in sorted(counts.items())))

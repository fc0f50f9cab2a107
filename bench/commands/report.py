"""``python -m bench report RESULTS``: summarise a results file.

Prints the summary tables and writes, beside ``RESULTS``: ``<stem>.md``,
``<stem>.csv``, the figures in ``<stem>-plots/`` (PNG and SVG) and the
self-contained page ``<stem>.html``. ``-o PAGE`` writes the HTML page there
instead; ``--no-plots`` / ``--no-html`` skip those files. Every path is
checked first (:mod:`bench.run.outputs`): none may be the input or another
output, and ``-o`` replaces only an earlier nnbench page.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

NAME = "report"
HELP = "summarise a results file again: tables, Markdown, CSV, figures, HTML page"
DESCRIPTION = """\
Print the summary tables of a results file (what nnbench run wrote) and write, beside it: STEM.md,
STEM.csv, the figures in STEM-plots/ (PNG and SVG) and the self-contained page STEM.html.

Every path is checked first: none may be the results file or another output, and a file is replaced
only when nnbench wrote it.
"""
EXAMPLES = """\
examples:
  # the report of a run, again
  nnbench report results/20261124-101500.jsonl
  # the HTML page somewhere else
  nnbench report results/20261124-101500.jsonl -o ~/public/report.html
  # the tables, Markdown and CSV only
  nnbench report results/20261124-101500.jsonl --no-plots --no-html
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, metavar="RESULTS", help="a results .jsonl file")
    parser.add_argument("-o", "--output", type=Path, metavar="PAGE",
                        help="write the HTML page here (default: beside the results, STEM.html)")
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figures")
    parser.add_argument("--no-html", action="store_true", help="do not write the HTML page")


def print_report(results: Path, plots: bool = True, html: bool = True, html_path: Path | None = None) -> int:
    """Write the report files, print the tables, then the paths written (stdout)."""
    from bench.core.owned import FileWriteError
    from bench.report.writers import WRITERS, write_reports
    from bench.run.outputs import check_report_paths, report_paths

    check_report_paths(results, report_paths(results, plots, html, html_path), own_page=html_path is None)
    try:
        output = write_reports(results, plots=plots, html=html, html_path=html_path)
    except FileWriteError as exc:  # a full disk: the records are untouched, the report can be written again
        print(f"error: {exc.strerror}; {results} is intact: write the report again with: "
              f"python -m bench report {shlex.quote(str(results))}", file=sys.stderr)
        return 1
    if not output.summaries:
        print(f"no finished runs in {results}")
    assert output.report is not None
    WRITERS["terminal"](output.report, sys.stdout)
    print(f"\nresults:  {results}")
    print(f"markdown: {output.markdown}")
    print(f"csv:      {output.csv}")
    if output.plots_dir is not None:
        print(f"plots:    {output.plots_dir}/ ({len(output.plots)} files)")
    if output.html is not None:
        print(f"html:     {output.html}")
    sys.stdout.flush()
    return 0


def handle(args: argparse.Namespace) -> int:
    if args.no_html and args.output:
        print("error: -o writes the HTML page; it cannot be combined with --no-html", file=sys.stderr)
        return 2
    return print_report(args.results, plots=not args.no_plots, html=not args.no_html, html_path=args.output)

"""The report writers, one per format, in one map (:data:`WRITERS`), and the files of a report.

A :class:`Report` is what every writer renders: a title, the tables as
sections of display rows, and for the file formats the numbers behind them
(records, summaries, the CSV frame). ``python -m bench report`` writes all
of them beside the results file; ``python -m bench compare`` renders its
table through the same terminal writer. Each writer is
``write(report, target) -> paths written`` where ``target`` is a path (a
directory for the plots) or, for the terminal, a text stream.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from bench.core import owned
from bench.core.record import Record, latest_per_cell
from bench.core.results import read_typed
from bench.core.text import visible
from bench.report import html as html_page
from bench.report.crossover import newest_scaling_files
from bench.report.layout import terminal_width, wrap
from bench.report.render import Row, Section, csv_safe_frame, flag_style, print_sections, to_markdown
from bench.report.summary import GroupSummary, summarise
from bench.report.tables import TERMINAL_SECTIONS, ReportTables, build_tables, summary_frame
from bench.report.trust import conditions_banner


@dataclass
class Report:
    """Everything a writer may render; only ``title`` and ``sections`` are needed by the text ones."""

    title: str
    sections: list[Section]
    #: headings the terminal shows (None: every section)
    terminal_sections: tuple[str, ...] | None = None
    row_style: Callable[[Row], str | None] = flag_style
    #: one numeric row per group, for the CSV (default: the sections' first table)
    frame: pd.DataFrame | None = None
    results_path: Path | None = None
    records: list[Record] = field(default_factory=list)
    summaries: list[GroupSummary] = field(default_factory=list)
    tables: ReportTables | None = None
    #: figures already written (the HTML page embeds them)
    plots: list[Path] = field(default_factory=list)
    #: the warning that opens (and on a terminal also closes) the report: timings measured under contention
    banner: str = ""

    @classmethod
    def of_results(cls, results_path: Path, records: list[Record]) -> Report:
        """The report of a results file's records (give it the latest record of each cell)."""
        summaries = summarise(records)
        tables = build_tables(summaries, records, scaling=newest_scaling_files(Path(results_path).parent))
        return cls(title=f"nnbench results: {Path(results_path).name}", sections=tables.sections(),
                   terminal_sections=TERMINAL_SECTIONS, frame=summary_frame(summaries),
                   results_path=Path(results_path), records=records, summaries=summaries, tables=tables,
                   banner=conditions_banner(records))


Writer = Callable[[Report, Any], list[Path]]


def write_terminal(report: Report, stream: IO[str] | None = None, rich: bool | None = None) -> list[Path]:
    """Rich tables on a TTY, plain text otherwise; writes no file."""
    stream = stream or sys.stdout
    shown = [s for s in report.sections
             if report.terminal_sections is None or s[0] in report.terminal_sections]
    width = terminal_width(stream)
    banner = "\n".join(wrap(f"WARNING: {report.banner}", width)) if report.banner else ""
    if banner:
        print(banner, file=stream)
    if report.tables and report.tables.verdict:
        brief = "The answer in brief\n" + "\n".join(report.tables.verdict)
        print("\n".join(wrap(visible(brief), width)), file=stream)
    print_sections(shown, stream, rich, report.row_style)
    if banner:
        print(f"\n{banner}", file=stream)
    return []


def write_markdown(report: Report, path: Path) -> list[Path]:
    text = to_markdown(report.sections, report.title, report.banner,
                       lead=report.tables.verdict if report.tables else ())
    return [owned.write_text(Path(path), text, "the Markdown summary")]


def write_csv(report: Report, path: Path) -> list[Path]:
    """The numeric rows, text fields neutralised against spreadsheet formulas."""
    frame = report.frame
    if frame is None:
        frame = pd.DataFrame(report.sections[0][1] if report.sections else [])
    return [owned.write_text(Path(path), csv_safe_frame(frame).to_csv(index=False), "the CSV summary")]


def write_plots(report: Report, directory: Path) -> list[Path]:
    """PNG and SVG figures (matplotlib is imported only here: it costs a second at start-up)."""
    from bench.report.plots import write_plots as draw

    report.plots = draw(report.records, report.summaries, Path(directory))
    return report.plots


def write_html(report: Report, path: Path) -> list[Path]:
    """One self-contained page; embeds the figures :func:`write_plots` drew, if it ran first."""
    if report.tables is None or report.results_path is None:
        raise ValueError("the HTML page needs the report of a results file")
    return [html_page.write_html(Path(path), report.results_path, report.records, report.summaries,
                                 report.tables, report.plots)]


#: Every format, by name; ``report`` and ``compare`` both render through this map.
WRITERS: dict[str, Writer] = {
    "terminal": write_terminal,
    "markdown": write_markdown,
    "csv": write_csv,
    "plots": write_plots,
    "html": write_html,
}


# --- the files beside a results file ---------------------------------------------------------------

@dataclass
class ReportOutput:
    """What :func:`write_reports` computed and wrote."""

    summaries: list[GroupSummary]
    tables: ReportTables
    markdown: Path
    csv: Path
    plots: list[Path] = field(default_factory=list)
    html: Path | None = None
    report: Report | None = None

    @property
    def plots_dir(self) -> Path | None:
        return self.plots[0].parent if self.plots else None


def plots_dir_for(results_path: Path) -> Path:
    return results_path.with_name(f"{results_path.stem}-plots")


def write_reports(results_path: Path, plots: bool = True, html: bool = True,
                  html_path: Path | None = None) -> ReportOutput:
    """Write ``<results>.md`` and ``.csv``, and unless told not to the plots and the HTML page."""
    results_path = Path(results_path)
    records = latest_per_cell(read_typed(results_path))  # a --retry-failed re-run replaces its cell
    report = Report.of_results(results_path, records)
    assert report.tables is not None
    markdown, csv = results_path.with_suffix(".md"), results_path.with_suffix(".csv")
    WRITERS["markdown"](report, markdown)
    WRITERS["csv"](report, csv)
    output = ReportOutput(report.summaries, report.tables, markdown, csv, report=report)
    if plots:
        output.plots = WRITERS["plots"](report, plots_dir_for(results_path))
    if html or html_path is not None:
        (output.html,) = WRITERS["html"](report, html_path or results_path.with_suffix(".html"))
    return output

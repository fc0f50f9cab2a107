"""Every path a command writes, decided and checked before anything is written.

A run writes its results file (``.jsonl``, the only kind ``--output`` takes)
and then, beside it, the report: ``<stem>.md``, ``<stem>.csv``, the figures
in ``<stem>-plots/`` and ``<stem>.html`` (``report -o PAGE``: the page goes
there instead). None of these may be the same path as another, or as the
input. A new run claims paths nobody has: its results file and report files
must not exist yet (an empty results file, left by a run killed before its
first record, may be taken over). ``report`` and ``run --resume`` rewrite the
report files named after their results file when nnbench wrote them
(:mod:`bench.core.owned`: never through a link, never a file without
nnbench's mark); ``-o PAGE`` overwrites only an earlier nnbench page.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.core.owned import check_folder, check_writable, is_ours, probe_folder
from bench.core.results import ResultsFileError, ResultsLock

RESULTS_SUFFIX = ".jsonl"
PAGE_SUFFIXES = (".html", ".htm")


class OutputError(ResultsFileError):
    """An output path that would overwrite something (one ``error:`` line, exit 2)."""


@dataclass(frozen=True)
class ReportPaths:
    """What ``report`` writes for one results file (as ``bench.report.writers.write_reports`` names them)."""

    markdown: Path
    csv: Path
    plots_dir: Path | None
    html: Path | None

    def files(self) -> list[Path]:
        return [p for p in (self.markdown, self.csv, self.html) if p is not None]


def report_paths(results: Path, plots: bool = True, html: bool = True,
                 html_path: Path | None = None) -> ReportPaths:
    results = Path(results)
    page = Path(html_path) if html_path is not None else results.with_suffix(".html") if html else None
    return ReportPaths(markdown=results.with_suffix(".md"), csv=results.with_suffix(".csv"),
                       plots_dir=results.with_name(f"{results.stem}-plots") if plots else None, html=page)


def _real(path: Path) -> Path:
    """The path with its links resolved (a link loop stays as it is: ``Path.resolve`` raises on one)."""
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    return _real(a) == _real(b)


def _inside(path: Path, folder: Path) -> bool:
    return _real(path).is_relative_to(_real(folder))


def check_report_paths(results: Path, paths: ReportPaths, own_page: bool = True) -> None:
    """The report's paths: distinct, none the input, each of the right kind where it exists.

    ``own_page``: the HTML page is the one named after ``results`` (else ``-o``
    named it, and it may only replace an earlier nnbench page).
    """
    named = [("the Markdown summary", paths.markdown), ("the CSV summary", paths.csv)]
    if paths.html is not None:
        named.append(("the HTML page", paths.html))
        if not own_page and paths.html.suffix.lower() not in PAGE_SUFFIXES:
            raise OutputError(f"-o names the HTML page; give it a .html name, got {paths.html}")
    for label, path in named:
        if _same(path, results):
            raise OutputError(f"{label} would overwrite its own input {results}; "
                              f"give the results file a {RESULTS_SUFFIX} name")
        if paths.plots_dir is not None and _inside(path, paths.plots_dir):
            raise OutputError(f"{label} {path} would go inside the figures folder {paths.plots_dir}")
    for index, (label, path) in enumerate(named):
        for other_label, other in named[index + 1:]:
            if _same(path, other):
                raise OutputError(f"{label} and {other_label} would both be {path}")
    if paths.plots_dir is not None:
        if _inside(results, paths.plots_dir):
            raise OutputError(f"the figures folder {paths.plots_dir} would hold its own input {results}")
        if paths.plots_dir.exists() and not paths.plots_dir.is_dir():
            raise OutputError(f"the figures folder {paths.plots_dir} is a file; move it away first")
    html = paths.html
    if not own_page and html is not None and html.is_file() and not html.is_symlink() and not is_ours(html):
        raise OutputError(f"{html} exists and is not an nnbench page; choose another -o or remove it")
    for label, path in named:  # the one rule: only nnbench's own files, never through a link
        check_writable(path, label)
    if paths.plots_dir is not None:
        check_folder(paths.plots_dir, "the figures folder")


def _all_paths(results: Path) -> list[Path]:
    paths = report_paths(results)
    return [results, *paths.files(), *([paths.plots_dir] if paths.plots_dir else [])]


def check_results_name(path: Path) -> None:
    if path.suffix != RESULTS_SUFFIX:
        raise OutputError(f"--output names the results file, a JSON Lines {RESULTS_SUFFIX} file (the report "
                          f"goes beside it: .md, .csv, .html, -plots/); got {path}")


def check_not_link(path: Path) -> None:
    """A results file is appended to by name: never through a symbolic link."""
    if Path(path).is_symlink():
        raise OutputError(f"{path} is a symbolic link; nnbench does not write through links "
                          "(give the file it points to)")


def check_not_inputs(results: Path, inputs: Iterable[Path]) -> None:
    """No path the run writes (results, report, figures) may be one of its inputs (suite, data files)."""
    outputs = _all_paths(results)
    plots_dir = outputs[-1]
    for given in inputs:
        for output in outputs:
            if _same(output, Path(given)) or _inside(Path(given), plots_dir):
                raise OutputError(f"the run would write {output} over its input {given}; "
                                  "choose another --output")


def claim_new_output(path: Path, inputs: Iterable[Path] = ()) -> ResultsLock:
    """Check every path a new run writes, then lock its (created, empty) results file.

    ``inputs``: the files the run reads (suite, data files), none of which it may write.
    Raises :class:`OutputError` / ``ResultsFileError`` before anything is
    written; returns the held lock.
    """
    path = Path(path)
    check_results_name(path)
    check_not_link(path)
    check_not_inputs(path, inputs)
    probe_folder(path.parent, "results to", path)
    taken = [p for p in _all_paths(path)[1:] if os.path.lexists(p)]
    if taken:
        raise OutputError(f"{taken[0]} already exists and is not this run's report; choose another --output")
    check_report_paths(path, report_paths(path))
    if path.exists() and not path.is_file():
        raise OutputError(f"{path} is not a file; choose another --output")
    if path.is_file() and path.stat().st_size:
        ResultsLock(path).acquire().release()  # raises if a run is writing it now
        raise OutputError(already_exists(path))
    lock = ResultsLock(path).acquire(create=True)
    if path.stat().st_size:  # another run wrote its first record between the checks and the lock
        lock.release()
        raise OutputError(already_exists(path))
    return lock


def claim_resumed_output(path: Path) -> ResultsLock:
    """Lock an existing results file for ``--resume`` (and check its report paths)."""
    path = Path(path)
    check_not_link(path)
    if not path.is_file():
        raise ResultsFileError(f"no results file at {path}")
    check_report_paths(path, report_paths(path))
    return ResultsLock(path).acquire()


def suite_inputs(suite_file: Path | None, task_files: dict[str, dict[str, object]]) -> list[Path]:
    """The files a suite reads: its TOML file and its file tasks' data files."""
    data = [Path(str(table["file"])) for table in task_files.values() if isinstance(table.get("file"), str)]
    return [*([Path(suite_file)] if suite_file is not None else []), *data]


def fresh_results_path(directory: Path) -> Path:
    """``results/<timestamp>.jsonl`` whose results and report files are all free."""
    from bench.core.results import new_results_path

    path = new_results_path(directory)
    counter = 1
    while any(p.exists() for p in _all_paths(path)):
        counter += 1
        path = path.with_name(f"{path.stem}-{counter}{RESULTS_SUFFIX}")
    return path


def already_exists(path: Path) -> str:
    """Why a new run refuses an existing results file, with the (shell-quoted) way to finish it."""
    return (f"{path} already exists; finish it with --resume {shlex.quote(str(path))} "
            "or choose another --output")

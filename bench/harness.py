"""Plan the matrix and run it, one isolated cell at a time, appending results."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench.cell import CellConfig
from bench.isolation import run_isolated
from bench.results import ResultsWriter
from bench.suite import Suite

Runner = Callable[[CellConfig], dict[str, Any]]
Progress = Callable[[int, int, CellConfig, dict[str, Any]], None]


def summary_line(record: dict[str, Any]) -> str:
    """A short human line for one finished record."""
    head = f"{record['backend']} × {record['task']} seed {record['seed']}: {record['status']}"
    if record["status"] != "ok":
        return f"{head} ({record.get('reason', '')})"
    metrics = record.get("metrics") or {}
    shown = ", ".join(f"{k}={v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float)))
    converged = "" if record.get("converged") is not False else ", not converged"
    return f"{head} {shown}, fit {record['fit_seconds']:.3g} s, {record['epochs']} epochs{converged}"


def print_progress(done: int, total: int, config: CellConfig, record: dict[str, Any]) -> None:
    print(f"[{done}/{total}] {summary_line(record)}", file=sys.stderr, flush=True)


def run_cells(
    cells: Iterable[CellConfig],
    writer: ResultsWriter,
    runner: Runner = run_isolated,
    progress: Progress | None = print_progress,
) -> list[dict[str, Any]]:
    """Run each cell serially (timings do not interfere) and append its record."""
    cells = list(cells)
    records = []
    for index, config in enumerate(cells, 1):
        record = runner(config)
        writer.append(record)
        records.append(record)
        if progress is not None:
            progress(index, len(cells), config, record)
    return records


def run_suite(suite: Suite, output: Path, runner: Runner = run_isolated,
              progress: Progress | None = print_progress) -> list[dict[str, Any]]:
    suite.validate()
    return run_cells(suite.cells(), ResultsWriter(output), runner, progress)

"""Progress over the benchmark matrix: a rich bar on a terminal, one plain line per cell otherwise.

``MatrixProgress`` is the harness's ``progress`` callable
(``progress(done, total, config, record)``) and a context manager::

    with MatrixProgress(suite.cells()) as progress:
        run_suite(suite, output, progress=progress)

On a terminal it shows the cell now running, cells done / total, elapsed
time and an ETA, and prints each finished cell's line above the bar. When
stderr is not a terminal (CI logs, pipes) it prints exactly what the harness
printed before: ``[done/total] <summary line>``, one line per finished cell.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any

from bench.core.conditions import contention_mark
from bench.core.record import DEFAULT_DIVISION, CellConfig, Record
from bench.core.text import unfiltered, visible


def summary_line(record: Record | dict[str, Any]) -> str:
    """A short human line for one finished record (a worker's dict or a typed record)."""
    r = record if isinstance(record, Record) else Record.from_dict(record)
    division = "" if r.division == DEFAULT_DIVISION else f" ({r.division})"
    head = f"{r.backend} × {r.task}{division} seed {r.seed}: {r.status}"
    if not r.ok:
        return f"{head} ({r.reason})"
    shown = ", ".join(f"{k}={v:.4g}" for k, v in r.metrics.items() if isinstance(v, (int, float)))
    converged = "" if r.converged is not False else ", not converged"
    marks = contention_mark(r)
    return f"{head} {shown}, fit {r.fit_seconds:.3g} s, {r.epochs} epochs{converged}" + (
        f" [{marks}]" if marks else "")


def cell_label(config: CellConfig) -> str:
    return f"{config.backend} × {config.task} seed {config.seed}"


class MatrixProgress:
    """Shows progress through the cells of one run; see the module docstring."""

    def __init__(self, cells: Sequence[CellConfig] | None = None, stream: IO[str] | None = None,
                 live: bool | None = None) -> None:
        self.cells = list(cells or [])
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._progress: Any = None
        self._task_id: Any = None

    # --- context manager -------------------------------------------------------------------------
    def start(self) -> MatrixProgress:
        if self.live and self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=unfiltered(self.stream)), transient=False,
            )
            self._progress.start()
            first = cell_label(self.cells[0]) if self.cells else "starting"
            self._task_id = self._progress.add_task(f"running {first}", total=len(self.cells) or None)
        return self

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> MatrixProgress:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # --- the harness callback ----------------------------------------------------------------------
    def __call__(self, done: int, total: int, config: CellConfig, record: dict[str, Any]) -> None:
        line = visible(f"[{done}/{total}] {summary_line(record)}", newlines=False)
        if self._progress is None:
            print(line, file=self.stream, flush=True)
            return
        # The planned cells name the next one only when the harness runs that same list.
        known = len(self.cells) == total and done < total
        upcoming = cell_label(self.cells[done]) if known else f"cell {done + 1} of {total}"
        style = "" if record.get("status") == "ok" else "[yellow]"
        self._progress.console.print(f"{style}{_escape(line)}", highlight=False)
        self._progress.update(self._task_id, completed=done, total=total,
                              description=f"running {upcoming}" if done < total else "done")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

"""Plan the matrix and run it, one isolated cell per executor slot, appending results."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from bench.core.record import CellConfig
from bench.core.results import ResultsWriter
from bench.run.executors import Executor, Runner, SerialExecutor
from bench.run.isolation import run_isolated
from bench.run.progress import summary_line
from bench.run.suite import Suite

Progress = Callable[[int, int, CellConfig, dict[str, Any]], None]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so the same clean-up runs (the cell's tree is killed)."""


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread."""
    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated()

    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def print_progress(done: int, total: int, config: CellConfig, record: dict[str, Any]) -> None:
    print(f"[{done}/{total}] {summary_line(record)}", file=sys.stderr, flush=True)


def run_cells(
    cells: Iterable[CellConfig],
    writer: ResultsWriter,
    runner: Runner = run_isolated,
    progress: Progress | None = print_progress,
    executor: Executor | None = None,
    stamp: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run the cells (serially unless told otherwise) and append each record as it finishes.

    Every record is stamped with the executor's name, its ``cell`` config and
    ``stamp`` (e.g. the suite), so a results file alone says how to resume it.
    """
    cells = list(cells)
    executor = executor or SerialExecutor()
    records = []
    for index, (config, record) in enumerate(executor.run(cells, runner), 1):
        record.update(executor=executor.name, cell=config.to_dict(), **(stamp or {}))
        writer.append(record)
        records.append(record)
        if progress is not None:
            progress(index, len(cells), config, record)
    return records


def run_suite(
    suite: Suite,
    output: Path,
    runner: Runner = run_isolated,
    progress: Progress | None = print_progress,
    executor: Executor | None = None,
    cells: list[CellConfig] | None = None,
) -> list[dict[str, Any]]:
    """Run ``cells`` of ``suite`` (default: its whole matrix), appending to ``output``."""
    suite.validate()
    planned = suite.cells() if cells is None else cells
    return run_cells(planned, ResultsWriter(output), runner, progress, executor,
                     stamp={"suite_config": suite.to_dict()})

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
from bench.core.results import Identity, ResultsWriter
from bench.run.executors import Executor, Runner, SerialExecutor
from bench.run.isolation import run_isolated
from bench.run.progress import summary_line
from bench.run.quiet import QuietPolicy, quiet_runner
from bench.run.suite import Suite
from bench.run.templates import TemplatePool

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


def default_runner(executor: Executor, start: str = "warm") -> tuple[Runner, Callable[[], None]]:
    """The runner for ``executor`` and how to close it: warm templates for the serial executor (unless
    ``start`` is ``cold``), a cold process per cell on Dask (each task thread would need its own templates).
    """
    if start == "warm" and executor.name == "serial":
        pool = TemplatePool()
        return pool, pool.close
    return run_isolated, lambda: None


def run_cells(
    cells: Iterable[CellConfig],
    writer: ResultsWriter,
    runner: Runner | None = None,
    progress: Progress | None = print_progress,
    executor: Executor | None = None,
    stamp: dict[str, Any] | None = None,
    start: str = "warm",
    quiet: QuietPolicy | None = None,
) -> list[dict[str, Any]]:
    """Run the cells (serially unless told otherwise) and append each record as it finishes.

    Without a ``runner``, cells start warm from templates on the serial executor (``start="cold"``:
    a fresh interpreter each, as on Dask); see :mod:`bench.run.templates`. Every record is
    stamped with the executor's name, its ``cell`` config and ``stamp`` (e.g. the suite), so a
    results file alone says how to resume it. ``quiet``: what to do when the machine is busy
    (:mod:`bench.run.quiet`; default: warn).
    """
    cells = list(cells)
    executor = executor or SerialExecutor()
    close: Callable[[], None] = lambda: None  # noqa: E731
    if runner is None:
        runner, close = default_runner(executor, start)
    runner = quiet_runner(runner, quiet or QuietPolicy())
    records = []
    try:
        for index, (config, record) in enumerate(executor.run(cells, runner), 1):
            record.update(executor=executor.name, cell=config.to_dict(), **(stamp or {}))
            writer.append(record)
            records.append(record)
            if progress is not None:
                progress(index, len(cells), config, record)
    finally:
        close()
    return records


def run_suite(
    suite: Suite,
    output: Path,
    runner: Runner | None = None,
    progress: Progress | None = print_progress,
    executor: Executor | None = None,
    cells: list[CellConfig] | None = None,
    start: str = "warm",
    quiet: QuietPolicy | None = None,
    identity: Identity | None = None,
) -> list[dict[str, Any]]:
    """Run ``cells`` of ``suite`` (default: its whole matrix), appending to ``output``
    (``identity``: the locked file's, see :class:`~bench.core.results.ResultsWriter`)."""
    suite.validate()
    planned = suite.cells() if cells is None else cells
    quiet = quiet or QuietPolicy(suite.quiet_machine, suite.threads, suite.quiet_wait_limit)
    writer, stamp = ResultsWriter(output, identity), {"suite_config": suite.to_dict()}
    tuned = [cell for cell in planned if cell.division == "tuned"]
    others = [cell for cell in planned if cell.division != "tuned"]
    records = run_cells(others, writer, runner, _counted(progress, 0, len(planned)), executor, stamp=stamp,
                        start=start, quiet=quiet)
    if tuned:  # after the other divisions' cells, numbered on from them
        records += run_tuned_cells(tuned, writer, runner, _counted(progress, len(others), len(planned)),
                                   executor, stamp, start, quiet)
    return records


def _counted(progress: Progress | None, offset: int, total: int) -> Progress | None:
    """``progress`` told the position in the whole matrix (``offset`` cells before these, of ``total``)."""
    if progress is None:
        return None
    return lambda done, _, config, record: progress(offset + done, total, config, record)


def run_tuned_cells(cells: list[CellConfig], writer: ResultsWriter, runner: Runner | None,
                    progress: Progress | None, executor: Executor | None, stamp: dict[str, Any],
                    start: str = "warm", quiet: QuietPolicy | None = None) -> list[dict[str, Any]]:
    """The tuned division's cells (:mod:`bench.run.tuning`): every trial a unit of work like a cell."""
    from bench.run.tuning import run_tuned

    executor = executor or SerialExecutor()
    close: Callable[[], None] = lambda: None  # noqa: E731
    if runner is None:
        runner, close = default_runner(executor, start)
    try:
        return run_tuned(cells, writer, quiet_runner(runner, quiet or QuietPolicy()), executor, stamp,
                         progress)
    finally:
        close()

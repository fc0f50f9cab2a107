"""The worker process's entry: one cell (:func:`bench.run.worker.run_cell`) or, in the tuned division,
one trial (:func:`bench.run.tuning_worker.run_trial`); either way one record in the result file."""

from __future__ import annotations

from bench.core.record import CellConfig, Record
from bench.run.tuning_worker import run_trial
from bench.run.worker import main as worker_main
from bench.run.worker import run_cell, run_cell_safely


def run_unit(config: CellConfig) -> Record:
    """Run the unit of work ``config`` names: a trial when its ``tuning`` job says so, else the cell."""
    if (config.tuning or {}).get("role") == "trial":
        return run_trial(config)
    return run_cell(config)


def run_unit_safely(config: CellConfig) -> Record:
    """:func:`run_unit`, any exception turned into a failed record."""
    return run_cell_safely(config, run_unit)


def main(argv: list[str]) -> int:
    """``CONFIG RESULT``: read the config, write the record (:func:`bench.run.worker.main`)."""
    return worker_main(argv, run_unit)

"""A run stopped early (Ctrl-C, a full disk) cancels its Dask cells not yet recorded."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bench.core.record import CellConfig, skipped_record
from bench.run.executors import DaskExecutor

distributed = pytest.importorskip("distributed")

STARTED: list[int] = []
LOCK = threading.Lock()


def slow_runner(cell: CellConfig) -> dict[str, Any]:
    """Runs in this process (in-process workers): note the start, take half a second."""
    with LOCK:
        STARTED.append(cell.seed)
    time.sleep(0.5)
    return skipped_record(cell, "test runner").to_dict()


def test_stopping_the_stream_cancels_the_cells_not_yet_recorded() -> None:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    executor = DaskExecutor(distributed.Client(cluster), cluster)
    try:
        cells = [CellConfig(backend="numpy", task="xor", seed=seed) for seed in range(12)]
        stream = executor.run(cells, slow_runner)
        first_cell, record = next(stream)
        assert record["status"] == "skipped"
        stream.close()  # what a KeyboardInterrupt in the harness's loop does to the generator
        started = len(STARTED)
        time.sleep(2.0)  # without cancelling, the other cells go on starting two at a time
        assert len(STARTED) <= started + 2 < len(cells), STARTED  # (+2: handed to a worker as it closed)
    finally:
        executor.close()

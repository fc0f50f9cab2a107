"""The progress display: plain lines off a terminal, a rich bar on one."""

from __future__ import annotations

import io

from synthetic_results import record

from bench.core.record import CellConfig
from bench.run.progress import MatrixProgress


def cells() -> list[CellConfig]:
    return [CellConfig("numpy", "xor", seed) for seed in range(2)]


def test_plain_one_line_per_finished_cell_off_a_terminal() -> None:
    stream = io.StringIO()
    with MatrixProgress(cells(), stream=stream) as progress:
        progress(1, 2, cells()[0], record(seed=0))
        progress(2, 2, cells()[1], record(seed=1, status="failed", reason="boom"))
    lines = stream.getvalue().splitlines()
    assert lines == ["[1/2] numpy × xor seed 0: ok accuracy=1, mse=0, fit 1 s, 100 epochs",
                     "[2/2] numpy × xor seed 1: failed (boom)"]


def test_live_bar_names_the_next_cell_and_logs_finished_ones() -> None:
    stream = io.StringIO()
    progress = MatrixProgress(cells(), stream=stream, live=True)
    with progress:
        progress(1, 2, cells()[0], record(seed=0))
        description = progress._progress.tasks[0].description
        assert description == "running numpy × xor seed 1"
        progress(2, 2, cells()[1], record(seed=1))
    text = stream.getvalue()
    assert "[1/2] numpy × xor seed 0: ok" in text and "2/2" in text
    assert progress._progress is None  # stopped

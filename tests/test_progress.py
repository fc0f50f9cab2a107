"""The progress display: plain lines off a terminal, a rich bar on one."""

from __future__ import annotations

import io

from synthetic_results import record

from bench.core.record import CellConfig, Record
from bench.run.progress import MatrixProgress, summary_line


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


def test_the_summary_line_reads_typed_records_and_names_the_open_division() -> None:
    closed = record(seed=2, accuracy=0.5, fit=0.25)
    assert summary_line(closed).startswith("numpy × xor seed 2: ok accuracy=0.5")
    assert summary_line(Record.from_dict(closed)) == summary_line(closed)
    assert summary_line({**closed, "division": "open"}).startswith("numpy × xor (open) seed 2: ok")
    failed = record(seed=1, status="failed", reason="boom")
    assert summary_line(failed) == "numpy × xor seed 1: failed (boom)"

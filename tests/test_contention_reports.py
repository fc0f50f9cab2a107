"""Contended and unstable records are said everywhere the numbers go: terminal, answer, Markdown, CSV,
HTML, compare and history (hand-made records: no real load)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from synthetic_results import record, write

from bench.core.conditions import CONTENDED, QUIET, STABLE, UNSTABLE, Conditions, Stability
from bench.core.record import Record
from bench.report.compare import NOT_JUDGED, compare_records
from bench.report.history import history
from bench.report.trust import conditions_banner
from bench.report.writers import WRITERS, Report, write_reports

QUIET_CONDITIONS = Conditions(QUIET, others_cores=0.02, cpus=2, threads=2,
                              stability=Stability(STABLE, 99, 0.05)).to_dict()
BUSY_CONDITIONS = Conditions(CONTENDED, ["other processes used 1.70 of 2 cores"], others_cores=1.7, cpus=2,
                             threads=2, stability=Stability(UNSTABLE, 99, 0.9)).to_dict()


def runs(backend: str, fit: float, conditions: dict | None, accuracy: float = 1.0,
         **extra: object) -> list[dict]:
    return [record(backend, fit=fit * (1 + seed / 100), seed=seed, accuracy=accuracy, conditions=conditions,
                   **extra) for seed in range(3)]


def mixed() -> list[dict]:
    return runs("numpy", 1.0, QUIET_CONDITIONS) + runs("torch", 3.0, BUSY_CONDITIONS)


def test_banner_only_when_a_record_is_untrusted() -> None:
    banner = conditions_banner([Record.from_dict(r) for r in mixed()])
    assert "3 of 6 timed runs were measured while other processes competed" in banner
    assert "1.70 of 2 cores" in banner and "3 of 6 had unstable epoch times" in banner
    assert conditions_banner([Record.from_dict(r) for r in runs("numpy", 1.0, QUIET_CONDITIONS)]) == ""
    assert conditions_banner([Record.from_dict(r) for r in runs("numpy", 1.0, None)]) == ""  # schema < 3


def test_terminal_says_it_at_the_top_and_bottom_and_marks_the_rows(tmp_path: Path) -> None:
    records = [Record.from_dict(r) for r in mixed()]
    stream = io.StringIO()
    WRITERS["terminal"](Report.of_results(tmp_path / "r.jsonl", records), stream, rich=False)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert lines[0].startswith("WARNING: Timing conditions") and lines[-1] == lines[0]
    torch_rows = [line for line in lines if line.startswith("xor") and "torch" in line]
    assert any("3/3 contended; 3/3 unstable" in line for line in torch_rows)  # the summary's notes
    answer = next(line for line in lines if line.startswith("xor") and "by time" not in line)
    assert "torch 3.00× [contended, unstable]" in answer and "numpy 1.00×" in answer


def test_files_carry_the_banner_marks_and_a_column(tmp_path: Path) -> None:
    results = write(tmp_path / "r.jsonl", mixed())
    write_reports(results, plots=False)
    page = results.with_suffix(".html").read_text()
    assert '<div class="banner" id="conditions">' in page
    assert page.index('class="banner"') < page.index('<h2')  # at the top
    assert page.count("<tr class=contended>") >= 2  # the answer row and torch's summary row
    assert page.count('<td class="heat marked"') == 1  # the heatmap marks torch's cell, as the tables do
    assert '<span class="mark">⚠ contended, unstable</span>' in page
    assert "**Warning.** Timing conditions" in results.with_suffix(".md").read_text()
    frame = pd.read_csv(results.with_suffix(".csv")).set_index("backend")
    assert frame.loc["torch", "contended_runs"] == 3 and frame.loc["numpy", "contended_runs"] == 0
    assert frame.loc["torch", "unstable_runs"] == 3


def test_a_quiet_run_has_no_banner_and_no_mark(tmp_path: Path) -> None:
    results = write(tmp_path / "q.jsonl", runs("numpy", 1.0, QUIET_CONDITIONS) + runs("torch", 3.0, None))
    write_reports(results, plots=False)
    page = results.with_suffix(".html").read_text()
    assert 'class="banner"' not in page and "class=contended" not in page
    assert "Warning" not in results.with_suffix(".md").read_text()


def test_compare_gives_no_time_verdict_on_a_contended_side() -> None:
    old = runs("numpy", 1.0, QUIET_CONDITIONS)
    new = runs("numpy", 2.0, BUSY_CONDITIONS)
    (cell,) = compare_records(old, new).cells
    assert cell.verdict == NOT_JUDGED
    assert "not judged: timed on a busy machine (NEW 3/3 contended, 3/3 unstable" in "; ".join(cell.reasons)
    assert "--trust-contended" in "; ".join(cell.reasons)
    (trusted,) = compare_records(old, new, trust_contended=True).cells
    assert trusted.verdict == "worse" and "fit time ×2.00" in trusted.reasons[0]
    (worse,) = compare_records(old, runs("numpy", 2.0, BUSY_CONDITIONS, accuracy=0.5)).cells
    assert worse.verdict == "worse"  # the metric does not depend on the machine's load: still judged


def write_history(folder: Path, fits: list[float], conditions: list[dict]) -> None:
    folder.mkdir()
    for run, (fit, cond) in enumerate(zip(fits, conditions)):
        started = f"2026-11-{10 + run:02d}T03:00:00+00:00"
        write(folder / f"run{run}.jsonl", runs("numpy", fit, cond, started_at=started))


@pytest.mark.parametrize(("trust", "expected"), [(False, "not judged"), (True, "slower")])
def test_history_does_not_call_a_contended_newest_run_slower(tmp_path: Path, trust: bool,
                                                             expected: str) -> None:
    write_history(tmp_path / "h", [1.0, 1.01, 0.99, 2.0], [QUIET_CONDITIONS] * 3 + [BUSY_CONDITIONS])
    (verdict,) = history([tmp_path / "h"], trust_contended=trust).verdicts
    assert verdict.verdict == expected
    if not trust:
        assert "timed on a busy machine (3/3 contended, 3/3 unstable" in verdict.reasons[0]


def test_history_leaves_contended_earlier_runs_out(tmp_path: Path) -> None:
    write_history(tmp_path / "h", [1.0, 1.01, 5.0, 0.99, 1.0], [QUIET_CONDITIONS] * 2 + [BUSY_CONDITIONS]
                  + [QUIET_CONDITIONS] * 2)
    (verdict,) = history([tmp_path / "h"]).verdicts
    assert verdict.verdict == "unchanged" and verdict.history_runs == 4
    assert "1 earlier run(s) timed on a busy machine left out" in verdict.reasons[0]

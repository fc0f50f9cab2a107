"""Reports never mix the two divisions; the summary says which backends differ from numpy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from synthetic_results import record, write

from bench.report.compare import compare_records, comparison_rows
from bench.report.plots import write_plots
from bench.report.summary import summarise
from bench.report.tables import build_tables
from bench.report.writers import write_reports

ACCURACY = {"closed": [0.90, 0.90, 0.90], "open": [0.70, 0.74, 0.72]}


def mixed() -> list[dict]:
    """numpy and torch, 3 seeds each, in both divisions; the open division's metrics differ."""
    return [record(backend, seed=s, accuracy=ACCURACY[division][s] + (0.2 if backend == "torch" else 0)
                   * (division == "open"), division=division)
            for division in ("closed", "open") for backend in ("numpy", "torch") for s in range(3)]


def test_a_mixed_division_file_never_mixes_rows() -> None:
    summaries = summarise(mixed())
    assert [(s.backend, s.division, s.runs) for s in summaries] == [
        ("numpy", "closed", 3), ("torch", "closed", 3), ("numpy", "open", 3), ("torch", "open", 3)]
    by = {(s.backend, s.division): s for s in summaries}
    assert by[("numpy", "closed")].metric_mean == 0.9
    assert abs(by[("numpy", "open")].metric_mean - 0.72) < 1e-12
    rows = build_tables(summaries, mixed()).summary
    assert [row["division"] for row in rows] == ["closed", "closed", "open", "open"]


def test_one_division_shows_no_division_column() -> None:
    rows = build_tables(summarise(mixed()[:6]), mixed()[:6]).summary
    assert "division" not in rows[0]


def test_csv_and_markdown_keep_divisions_apart(tmp_path: Path) -> None:
    output = write_reports(write(tmp_path / "run.jsonl", mixed()), plots=False, html=True)
    frame = pd.read_csv(output.csv)
    assert list(zip(frame.backend, frame.division)) == [("numpy", "closed"), ("torch", "closed"),
                                                       ("numpy", "open"), ("torch", "open")]
    assert "| xor | torch | open |" in output.markdown.read_text()
    assert output.html is not None and "division closed, open" in output.html.read_text()


def test_compare_matches_cells_within_a_division() -> None:
    comparison = compare_records(mixed(), mixed())
    assert sorted((c.backend, c.division) for c in comparison.cells) == [
        ("numpy", "closed"), ("numpy", "open"), ("torch", "closed"), ("torch", "open")]
    assert all(c.verdict == "unchanged" for c in comparison.cells)
    assert "division" in comparison_rows(comparison)[0]
    only_closed = [r for r in mixed() if r["division"] == "closed"]
    assert {key.division for key in compare_records(mixed(), only_closed).only_old} == {"open"}


def test_plots_get_a_panel_per_division(tmp_path: Path) -> None:
    records = mixed()
    paths = write_plots(records, summarise(records), tmp_path)
    svg = (tmp_path / "metric-vs-fit-time.svg").read_text()
    assert paths and "xor (closed)" in svg and "xor (open)" in svg


def test_backends_differing_from_numpy_are_marked_per_division() -> None:
    by = {(s.backend, s.division): s for s in summarise(mixed())}
    assert by[("torch", "closed")].versus_reference == "same"  # identical by construction
    assert by[("torch", "open")].versus_reference == "higher"
    assert "Welch p=" in by[("torch", "open")].versus_reference_note
    assert by[("numpy", "open")].versus_reference == ""  # the reference itself
    row = next(r for r in build_tables(list(by.values()), mixed()).summary
               if r["backend"] == "torch" and r["division"] == "open")
    assert row["vs numpy"].startswith("higher (Welch p=")


def test_noise_is_not_a_difference() -> None:
    numpy = [record("numpy", seed=s, accuracy=a) for s, a in enumerate([0.80, 0.84, 0.78, 0.83])]
    torch = [record("torch", seed=s, accuracy=a) for s, a in enumerate([0.82, 0.79, 0.83, 0.80])]
    by = {s.backend: s for s in summarise(numpy + torch)}
    assert by["torch"].versus_reference == "same" and "within noise" in by["torch"].versus_reference_note

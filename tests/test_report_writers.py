"""The writers map, the text outputs' neutralising of hostile record fields, and the CI gate."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_results import ENV, record, write

from bench.report import writers
from bench.report.render import csv_safe, markdown_text
from bench.report.writers import WRITERS, Report, write_reports

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = {
    "formula": "=HYPERLINK(\"http://evil\",\"x\")",
    "plus": "+1+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_one_writer_per_format_in_one_map() -> None:
    assert set(WRITERS) == {"terminal", "markdown", "csv", "html", "plots"}
    assert all(callable(writer) for writer in WRITERS.values())


def test_report_and_compare_render_through_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setitem(WRITERS, "terminal", lambda report, stream=None: seen.append(report.title) or [])
    from bench.commands import compare, report

    results = write(tmp_path / "run.jsonl", [record(seed=s) for s in range(2)])
    report.print_report(results, plots=False, html=False)
    compare.print_rows([{"backend": "numpy", "verdict": "worse"}])
    assert seen == ["nnbench results: run.jsonl", "NEW against OLD"]


def test_the_terminal_writer_plain_and_rich() -> None:
    report = Report(title="t", sections=[("Table one", [{"backend": "numpy", "verdict": "worse"}], "")])
    stream = io.StringIO()
    WRITERS["terminal"](report, stream)
    assert "Table one" in stream.getvalue() and "numpy" in stream.getvalue()
    rich = io.StringIO()
    writers.write_terminal(report, rich, rich=True)
    assert "Table one" in rich.getvalue()


def test_csv_fields_that_start_a_formula_are_quoted_numbers_stay() -> None:
    for text in HOSTILE.values():
        assert csv_safe(text) == "'" + text.replace("\r", " ")
    assert csv_safe("ok\r=1+1") == "ok =1+1"  # a bare CR cannot start a row either
    assert csv_safe("numpy") == "numpy" and csv_safe(-1.5) == -1.5 and csv_safe(0) == 0


def test_the_csv_summary_neutralises_hostile_fields(tmp_path: Path) -> None:
    records = [record(backend=name, seed=0, status="failed", reason=text) for name, text in HOSTILE.items()]
    records += [record(backend="=cmd()", seed=s, accuracy=-0.5 - s / 5, fit=1.0, deviations=[HOSTILE["at"]])
                for s in range(2)]
    output = write_reports(write(tmp_path / "run.jsonl", records), plots=False, html=False)
    rows = list(csv.DictReader(output.csv.open(newline="")))
    assert {row["backend"] for row in rows} == set(HOSTILE) | {"'=cmd()"}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):
                float(value)  # only a number may start with a minus sign
    hostile_backend = next(row for row in rows if row["backend"] == "'=cmd()")
    assert hostile_backend["deviations"] == "'" + HOSTILE["at"]
    assert float(hostile_backend["metric_mean"]) == pytest.approx(-0.6)  # a negative number stays a number


def test_markdown_escapes_raw_html_and_defuses_script_links(tmp_path: Path) -> None:
    hostile = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
               "[click](javascript:alert(1))", "<javascript:alert(1)>", "a & b | c\nd"]
    records = [record(backend=f"b{i}", seed=0, status="failed", reason=text)
               for i, text in enumerate(hostile)]
    output = write_reports(write(tmp_path / "run.jsonl", records), plots=False, html=False)
    text = output.markdown.read_text()
    assert "<script" not in text and "<img" not in text and "<javascript" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "](javascript:" not in text and "javascript:" not in text
    assert "\\[click\\]" in text and "a &amp; b \\| c d" in text
    assert markdown_text("plain text 0.95 ± 0.01") == "plain text 0.95 ± 0.01"


def test_gate_fails_on_an_empty_new_file(tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", [record(seed=s) for s in range(3)])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    plain = bench("compare", str(good), str(empty), cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    strict = bench("compare", str(good), str(empty), "--fail-on-regression", cwd=tmp_path)
    assert strict.returncode == 1
    assert strict.stderr == "regression: NEW holds no complete record: nothing to judge\n"


def test_gate_fails_when_cells_of_old_are_missing_from_new(tmp_path: Path) -> None:
    old = write(tmp_path / "old.jsonl",
                [record(b, seed=s, env=ENV) for b in ("numpy", "torch") for s in range(3)])
    new = write(tmp_path / "new.jsonl", [record("numpy", seed=s, env=ENV) for s in range(3)])
    strict = bench("compare", str(old), str(new), "--fail-on-regression", cwd=tmp_path)
    assert strict.returncode == 1, strict.stdout
    assert strict.stderr.splitlines() == ["regression: 1 cell(s) of OLD missing from NEW"]
    assert "only in old: torch × xor (cpu, closed, spec" in strict.stdout
    extra = bench("compare", str(new), str(old), "--fail-on-regression", cwd=tmp_path)
    assert extra.returncode == 0, extra.stderr  # a cell only in NEW is no regression

"""Terminal tables fit the terminal's width: text wraps at spaces, columns are left out with a note,
a number or a name is never split."""

from __future__ import annotations

import io
import os
import re

import pytest
from synthetic_results import record, write

from bench.report.layout import UNLIMITED, fit, print_wrapped, terminal_width, wrap
from bench.report.render import TEXT_COLUMNS, print_sections
from bench.report.writers import write_reports

WIDTHS = (60, 80, 100, 160)
BOX = re.compile(r"[│┃┏┓┗┛┡┩└┘┌┐├┤┬┴┼━─═╇╈╋┳┻╸╺┯┷┿]")


def report_sections(tmp_path):
    """A report's tables with long notes, a long backend name, and many numeric columns."""
    records = [record(seed=s, fit=1 + s / 10) for s in range(5)]
    records += [record("numpy-perceptron", seed=s, converged=False, fit=0.123456,
                       deviations=["the step output instead of the sigmoid, as the perceptron's own rule"])
                for s in range(3)]
    records += [record("torch", task="digits", seed=s, fit=12.5 + s, accuracy=0.97) for s in range(3)]
    results = write(tmp_path / "run.jsonl", records)
    output = write_reports(results, plots=False, html=False)
    return output.report.sections


def shown_tokens(text: str) -> set[str]:
    """Every word the output shows, box lines taken away."""
    return set(BOX.sub(" ", text).split())


def rendered(sections, width: int, rich: bool) -> str:
    stream = io.StringIO()
    print_sections(sections, stream, rich=rich, width=width)
    return stream.getvalue()


@pytest.mark.parametrize("rich", [False, True], ids=["plain", "rich"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_longer_than_the_width_and_no_word_is_split(tmp_path, width, rich):
    for section in report_sections(tmp_path):
        text = rendered([section], width, rich)
        assert max(len(line) for line in text.splitlines()) <= width, text
        seen = shown_tokens(text)
        rows = section[1]
        columns = list(dict.fromkeys(c for r in rows for c in r))
        left_out = fit(rows, columns, width, TEXT_COLUMNS, rich).dropped
        if left_out:
            assert f"Not shown at {width} columns: {', '.join(left_out)}" in " ".join(text.split())
        for row in rows:
            for column, cell in row.items():
                if column not in left_out:  # a column left out shows no cell
                    missing = [word for word in cell.split() if word not in seen]
                    assert not missing, f"{column}: {missing} split at {width} columns:\n{text}"


def test_a_wide_terminal_shows_every_column_and_a_narrow_one_names_those_it_leaves_out(tmp_path):
    sections = report_sections(tmp_path)
    assert "Not shown" not in rendered(sections, 160, rich=False)  # headers wrap, every column shows
    assert "first epoch ms" in rendered(sections, 300, rich=False)  # room for every header on one line
    narrow = " ".join(rendered([s for s in sections if s[0] == "Summary"], 60, rich=False).split())
    assert ("Not shown at 60 columns: runs, metric, fit s, fit s olympic, predict ms, epoch ms, "
            "first epoch ms") in narrow
    for kept in ("task", "backend"):
        assert kept in narrow


def test_layout_leaves_out_low_priority_columns_first_and_never_the_names():
    rows = [{"task": "digits", "backend": "numpy-perceptron", "fit s": "12.345 [12.1–12.9]",
             "predict ms": "0.123", "first epoch ms": "45.678",
             "notes": "1/3 contended; suspicious convergence"}]
    layout = fit(rows, list(rows[0]), 60, TEXT_COLUMNS)
    assert layout.dropped == ["predict ms", "first epoch ms"]  # in the table's order
    assert layout.columns == ["task", "backend", "fit s", "notes"]
    assert {"task", "backend"} <= set(layout.columns)
    assert sum(layout.widths.values()) + 2 * (len(layout.columns) - 1) <= 60
    assert layout.widths["backend"] == len("numpy-perceptron")


def test_wrap_breaks_at_spaces_only():
    assert wrap("0.3664 ± 0.0001 numpy-perceptron", 8) == ["0.3664 ±", "0.0001", "numpy-perceptron"]


def test_the_width_is_columns_else_unlimited_for_a_pipe_or_a_file(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert terminal_width(io.StringIO()) == 100
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width(io.StringIO()) == 80
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO()) == UNLIMITED  # a pipe keeps one row a line (logs, grep)


def test_prose_lines_wrap_at_spaces_with_a_hanging_indent(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    stream = io.StringIO()
    line = "  numpy epoch / matmul-only (relu) = 4.17 (target ≤ 1.30) MISS  [fastest epochs: 4.13]"
    print_wrapped(line, stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) > 1 and all(len(x) <= 40 for x in lines)
    assert lines[0].startswith("  numpy") and all(x.startswith("      ") for x in lines[1:])
    assert " ".join(stream.getvalue().split()) == " ".join(line.split())  # every word whole, in order
    monkeypatch.delenv("COLUMNS")
    stream = io.StringIO()
    print_wrapped(line, stream)
    assert stream.getvalue() == line + "\n"


@pytest.mark.parametrize("width", [100, 80])
def test_bench_tasks_fits_the_terminal(monkeypatch, capsys, width):
    from bench.cli import main

    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= width
    assert {"xor", "digits", "credit-risk"} <= {line.split()[0] for line in out.splitlines() if line.strip()}
    assert "licence" not in out  # the default columns; --wide shows every one


def test_bench_tasks_columns_and_wide(monkeypatch, capsys):
    from bench.cli import main

    monkeypatch.setenv("COLUMNS", "100")
    assert main(["tasks", "--columns", "task,licence"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["task", "licence"] and "CC BY 4.0" in out
    assert main(["tasks", "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert all(name in wide[0] for name in ("evaluation", "source", "licence"))
    assert len(wide) == 2 + len([line for line in wide[2:] if line.strip()])  # one line a task, no wrapping
    assert main(["tasks", "--columns", "task,colour"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --columns: unknown column 'colour'") and err.count("\n") == 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1


@pytest.mark.parametrize(("columns", "expected"), [(100, 100), (0, UNLIMITED)])
def test_a_terminal_gives_its_width_and_a_size_less_one_is_unlimited(monkeypatch, columns, expected):
    from bench.report import layout

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(layout.os, "get_terminal_size", lambda fd: os.terminal_size((columns, 24)))
    assert terminal_width(FakeTerminal()) == expected

"""Control characters and escape sequences from data and records never reach a terminal or a text file raw."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from synthetic_results import record, write

from bench.cli import main
from bench.core.text import VisibleStream, visible
from bench.report.render import print_sections

HOSTILE = [
    "\x1b[2J\x1b[H",            # clear the screen
    "\x1b]0;owned\x07",         # set the window title
    "\x1b]8;;http://x\x1b\\a\x1b]8;;\x1b\\",  # a hyperlink
    "\x9b2J",                   # the 8-bit CSI (C1)
    "spoof\rreal",              # a carriage return over the line
    "nul\x00del\x7f",
    "bell\x07back\x08",
    "\u202eevil\u202c",         # right-to-left override
    "line\u2028sep",
]
#: raw control characters (C0 but tab and new line, DEL, C1) and the Unicode ones visible() escapes
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@pytest.mark.parametrize("text", HOSTILE)
def test_visible_leaves_no_control_character_and_keeps_the_rest(text):
    shown = visible(text)
    assert not RAW.search(shown) and shown != text
    assert visible("tab\tand\nnew line, ünïcode ✓") == "tab\tand\nnew line, ünïcode ✓"
    assert "\n" not in visible("a\nb", newlines=False)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_and_rich_tables_show_escapes(text):
    for rich in (False, True):
        stream = io.StringIO()
        print_sections([(f"head{text}", [{"backend": text, "reason": text}], f"note{text}")],
                       VisibleStream(stream), rich=rich)
        assert not RAW.search(stream.getvalue())


def hostile_results(tmp_path: Path, text: str, name: str = "r.jsonl") -> Path:
    return write(tmp_path / name, [
        record(f"numpy{text}", task=f"xor{text}", seed=0),
        record(f"numpy{text}", task=f"xor{text}", seed=1),
        record("torch", task=f"xor{text}", seed=0, status="failed", reason=f"boom{text}"),
    ])


def no_raw_output(capsys) -> str:
    out, err = capsys.readouterr()
    assert not RAW.search(out) and not RAW.search(err), (out, err)
    return out + err


@pytest.mark.parametrize("text", HOSTILE)
def test_report_prints_and_writes_no_raw_control_character(tmp_path, capsys, text):
    results = hostile_results(tmp_path, text)
    assert main(["report", str(results), "--no-plots"]) == 0
    no_raw_output(capsys)
    for suffix in (".md", ".csv", ".html"):
        written = results.with_suffix(suffix).read_text(encoding="utf-8")
        assert not RAW.search(written), suffix


@pytest.mark.parametrize("text", HOSTILE[:4])
def test_figures_hold_no_raw_control_character(tmp_path, capsys, text):
    results = hostile_results(tmp_path, text)
    assert main(["report", str(results), "--no-html"]) == 0
    no_raw_output(capsys)  # not even matplotlib's "missing glyph" warning
    svgs = list((tmp_path / "r-plots").glob("*.svg"))
    assert svgs and not [p.name for p in svgs if RAW.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("text", HOSTILE[:4])
def test_compare_and_history_print_no_raw_control_character(tmp_path, capsys, text):
    old = hostile_results(tmp_path, text, "old.jsonl")
    new = write(tmp_path / "new.jsonl", [record("torch", task=f"xor{text}", seed=0)])
    main(["compare", str(old), str(new), "--fail-on-regression"])
    no_raw_output(capsys)
    main(["history", str(old), str(new), "--no-plots", "--fail-on-regression", "-o", str(tmp_path / "h")])
    no_raw_output(capsys)
    assert not RAW.search((tmp_path / "h" / "history.csv").read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", HOSTILE)
def test_file_column_and_class_names_reach_the_terminal_escaped(tmp_path, capsys, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i},{'a' if i % 2 else 'b' + text}\n" for i in range(30))
    (tmp_path / "data.csv").write_text(f"x{text},label\n{rows}", encoding="utf-8")
    main(["tasks", "--data", "data.csv", "--target", "label"])
    no_raw_output(capsys)
    assert main(["tasks", "--data", f"absent{text}\n.csv", "--target", "label"]) == 2
    err = no_raw_output(capsys)
    assert err.startswith("error: ") and err.count("\n") == 1

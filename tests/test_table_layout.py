"""Lines whose field count differs from the header's are named; scikit-learn's metadata line is explained."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from bench import cli
from bench.core.task import TaskDataError
from tasks.table_reading import read_table

SKLEARN_DATA = Path(__import__("sklearn").__file__).parent / "datasets" / "data"


def error_of(path: Path) -> str:
    with pytest.raises(TaskDataError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "\n" not in message and "no column delimiter found" not in message
    return message


@pytest.mark.parametrize(("content", "expected"), [
    ("a,b,c\n1,2,3\n1,2,3,4\n4,5,6\n", "line 3 has 4"),
    ("a,b,c\n1,2,3\n4,5\n", "line 3 has 2"),
    ("a,b,c\n1,2,3\n\n1,2\n7,8,9\n", "line 4 has 2"),  # blank lines keep their numbers
    ("a,b,c\n1,2\n3,4,5,6\n7\n8,9,10,11,12\n1,2\n", "line 1 (the header) has 3 fields but 5 lines below "
                                                   "it do not: line 2 has 2, line 3 has 4, line 4 has 1 "
                                                   "(2 more)"),
    ("a,b,c\n1,2,3\n1,2\n", "line 1 (the header) has 3 fields but 1 line below it does not: line 3 has 2"),
    ("a;b;c\n1;2;3\n1;2;3;4\n4;5;6\n", "line 3 has 4"),
    ("a\tb\tc\n1\t2\t3\n1\t2\n4\t5\t6\n", "line 3 has 2"),
    ('a,b,c\n1,"x\ny",3\n1,2\n', "line 4 has 2"),  # a quoted value over two lines
    ("a,b\n1,2,3\n4,5,6\n", "line 1 (the header) has 2 fields but lines 2–3 have 3"),
    ("a,b,c,d\n1,2\n3,4\n", "line 1 (the header) has 4 fields but lines 2–3 have 2"),
    ("a,b,c,d\n1,2\n", "line 1 (the header) has 4 fields but line 2 has 2"),
    ("\na,b\n1,2,3\n\n4,5,6\n", "line 2 (the header) has 2 fields but lines 3–5 have 3"),
    # a header with no delimiter at all above delimited rows: the same disagreement, not "no delimiter"
    ("label\n1,2\n3,4\n", "line 1 (the header) has 1 field but lines 2–3 have 2"),
])
@pytest.mark.parametrize("compress", [False, True])
def test_ragged_lines_are_named_with_their_field_counts(tmp_path, content, expected, compress):
    path = tmp_path / ("t.csv.gz" if compress else "t.csv")
    path.write_bytes(gzip.compress(content.encode()) if compress else content.encode())
    assert expected in error_of(path)


@pytest.mark.parametrize(("name", "rows", "features", "classes"), [
    ("breast_cancer.csv", 569, 30, "malignant, benign"),
    ("wine_data.csv", 178, 13, "class_0, class_1, class_2"),
    ("iris.csv", 150, 4, "setosa, versicolor, virginica"),
])
def test_scikit_learns_bundled_csvs_are_explained_and_the_advice_works(tmp_path, name, rows, features,
                                                                        classes):
    path = SKLEARN_DATA / name
    if not path.is_file():
        pytest.skip(f"scikit-learn ships no {name} here")
    message = error_of(path)
    assert "metadata in scikit-learn's layout" in message
    if name != "iris.csv":  # its first line happens to have as many fields as the rows
        assert message.startswith(f"{path}: line 1 (the header) has {2 + classes.count(',') + 1} fields but "
                                  f"lines 2–{rows + 1} have {features + 1}: its first line")
    assert f"{rows} rows of {features} features" in message and classes in message
    assert f"header naming the {features + 1} columns" in message
    command = message.split("e.g. ", 1)[1].split(", then")[0]
    subprocess.run(command, shell=True, cwd=tmp_path, check=True)
    table = read_table(tmp_path / "with-header.csv")
    assert table.frame.shape == (rows, features + 1) and list(table.frame.columns)[-1] == "target"


@pytest.mark.parametrize("content", ["1,2,0\n3,4,1\n", "5,2,a\n1,2\n", "2,1,x\n1,0\n2,1\n3,1\n"])
def test_numbers_in_a_first_line_are_not_taken_for_metadata_unless_it_fits(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_text(content)
    assert "scikit-learn" not in error_of(path)


def test_cli_says_it_in_one_line_exit_2_nothing_written(tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.csv").write_text("x,label\n1,a\n2,b,c\n3,a\n4,b\n")
    monkeypatch.chdir(tmp_path)
    for command in (["run", "--backend", "numpy"], ["tasks"]):
        assert cli.main([*command, "--data", "bad.csv", "--target", "label"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "line 3 has 3" in err
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(("content", "line"), [("a,b\n1,x\ry\n2,3\n", 2), ("a,b\r1,2\r3,4\r", 1),
                                              ("x\ry,label\n0,a\n1,b\n", 1)])
def test_a_stray_carriage_return_is_named_not_a_traceback(tmp_path, content, line):
    path = tmp_path / "t.csv"
    path.write_text(content, newline="")
    assert f"t.csv: line {line}: a carriage return (\\r) outside a quoted value" in error_of_any(path)


@pytest.mark.parametrize("content", ["a b c\n1 2 3\n4 5 6\n",
                                     "Weight Waist Pulse\n191  36  50\n189  37  52\n"])
def test_a_space_separated_file_is_named_as_such(tmp_path, content):
    path = tmp_path / "t.txt"
    path.write_text(content)
    assert "separated by spaces" in error_of_any(path)


def error_of_any(path: Path) -> str:
    with pytest.raises(TaskDataError) as caught:
        read_table(path)
    return str(caught.value)

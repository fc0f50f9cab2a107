"""--data-dir is used or the task fails (the record says what was read); figure names never collide;
task names are never blank; serial and dask runs pooled in one row are noted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synthetic_results import record

from bench.cli import main
from bench.core.results import read_records
from bench.report.compare import compare_records
from bench.report.plots import safe_name
from bench.report.summary import summarise
from bench.report.tables import build_tables
from tasks.images import FashionMnist, MnistIdx
from tests.test_tasks_images import write_idx_folder


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)


@pytest.mark.parametrize("task", [FashionMnist, MnistIdx])
@pytest.mark.parametrize("layout", ["empty", "other task's folder", "files one level too deep"])
def test_a_data_dir_without_the_files_fails_and_is_never_replaced_by_the_system_folder(
        tmp_path, monkeypatch, task, layout):
    given = tmp_path / "given"
    given.mkdir()
    if layout == "other task's folder":
        write_idx_folder(given / ("mnist" if task is FashionMnist else "fashion-mnist"))
    elif layout == "files one level too deep":
        write_idx_folder(given / "x" / task.folder)
    system = tmp_path / "system"
    write_idx_folder(system)
    monkeypatch.setattr(task, "system_folder", system)
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(given))
    with pytest.raises(Exception, match=f"looked in {given / task.folder}, {given}") as caught:
        task().check_data()
    assert str(system) not in str(caught.value).split("looked in")[1].split(";")[0]
    assert task().info().data == {}
    monkeypatch.delenv("NNBENCH_DATA_DIR")
    assert task().info().data["data_dir"] == str(system.resolve())  # no --data-dir: the system folder


@pytest.mark.parametrize("sub", [True, False])
def test_the_record_says_the_folder_the_files_were_read_from(tmp_path, capsys, sub):
    data = tmp_path / "data"
    write_idx_folder(data / "mnist" if sub else data, n_train=40, n_test=20)
    assert main(["run", "--backend", "numpy", "--task", "mnist-idx", "--seeds", "1", "--set", "epochs=1",
                 "--data-dir", "data", "--output", "r.jsonl", "--threads", "1"]) == 0
    (rec,) = read_records(Path("r.jsonl"))
    folder = (data / "mnist" if sub else data).resolve()
    assert rec["evaluation"]["data_dir"] == str(folder)
    assert rec["evaluation"]["data"]["files"][0].startswith("train-images-idx3-ubyte")


def test_a_task_that_reads_no_file_records_no_data_dir(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["run", "--backend", "numpy", "--task", "xor", "--seeds", "1", "--set", "epochs=2",
                 "--data-dir", "empty", "--output", "r.jsonl", "--threads", "1"]) == 0
    (rec,) = read_records(Path("r.jsonl"))
    assert rec["evaluation"]["data_dir"] is None


NAMES = ["a b", "a-b", "a_b", "a/b", "a\\b", "a.b", "a  b", "A b", "-a b", ".a b", "a b ", "ä b", "a~b",
         "a\x1bb", "", "a" * 300, "a:b", "a*b", "CON", "a-b~00000000"]


def test_figure_names_are_collision_free_and_safe():
    names = [safe_name(name) for name in NAMES]
    assert len(set(names)) == len(NAMES)
    for name in names:
        assert name and not name.startswith((".", "-")) and all(c.isascii() and (c.isalnum() or c in "_.-~")
                                                               for c in name)
    assert safe_name("xor-closed") == "xor-closed"  # a name that is already safe stays readable


def test_history_draws_one_figure_per_task_even_when_names_differ_only_in_punctuation(tmp_path, capsys):
    from synthetic_results import write

    for run in range(2):
        write(tmp_path / f"run{run}.jsonl", [record(task=task, seed=s, started_at=f"2026-11-1{run}T00:00:00")
                                             for task in ("a b", "a-b", "a_b") for s in range(2)])
    assert main(["history", str(tmp_path), "-o", str(tmp_path / "h")]) == 0
    assert len(list((tmp_path / "h").glob("history-*.png"))) == 3


@pytest.mark.parametrize("name", ["", " ", "  \t", " lead", "trail ", "a\x1bb", "new\nline"])
def test_a_blank_or_unprintable_task_name_is_refused(tmp_path, capsys, name):
    (tmp_path / "t.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    suite = tmp_path / "s.toml"
    key = json.dumps(name)  # a TOML basic string is a JSON string here
    suite.write_text(f'backends = ["numpy"]\nseeds = [0]\n[tasks.{key}]\nfile = "t.csv"\ntarget = "y"\n')
    assert main(["run", "--suite", str(suite), "--output", "r.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "task" in err
    assert not Path("r.jsonl").exists()


@pytest.mark.parametrize("executors", [("serial", "dask"), ("dask", "serial"), (None, "dask")])
def test_serial_and_dask_runs_in_one_row_are_noted_and_compare_warns(executors):
    records = [record(seed=0, executor=executors[0]), record(seed=1, executor=executors[1]),
               record(seed=2, executor=executors[1])]
    (summary,) = summarise(records)
    assert len(summary.executors) == 2
    (row,) = build_tables([summary], records).summary
    assert "mixed executors" in row["notes"] and "fit times not comparable" in row["notes"]
    old = [record(seed=s, executor=executors[0]) for s in range(3)]
    new = [record(seed=s, executor=executors[1]) for s in range(3)]
    assert any("executors differ" in w for w in compare_records(old, new).warnings)
    assert not any("executors differ" in w for w in compare_records(old, old).warnings)

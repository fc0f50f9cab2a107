"""A table file as a task on the command line: run --data, [tasks.NAME], tasks --data, resume, compare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_results import record
from test_tasks_file import mixed_frame, write

from bench import cli
from bench.core.task import TaskDataError
from bench.report.compare import compare_records
from tasks import table_reading

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    return write(mixed_frame(), tmp_path / "colours.csv")


def run_in_process(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    status = cli.main(args)
    return status, capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "absent.csv", "--target", "y"], "no data file at"),
    (["--data", "colours.csv", "--target", "price"], "unknown target column 'price'"),
    (["--data", "colours.csv", "--target", "label", "--kind", "binary"], "--kind binary needs two classes"),
    (["--data", "colours.csv", "--target", "label", "--test-size", "2"], "test_size must be a fraction"),
    (["--data", "colours.csv", "--target", "label", "--drop", "nope"], "unknown drop column 'nope'"),
    (["--data", "colours.csv"], "--data needs --target COLUMN"),
    (["--target", "label"], "--target only goes with --data FILE"),
    (["--dropna"], "--dropna only goes with --data FILE"),
    (["--data", "xor.csv", "--target", "label"], "file task 'xor' has the name of a registered task"),
    (["--data", "colours.csv", "--target", "label", "--task", "colours"], "makes a task named 'colours'"),
    (["--resume", "r.jsonl", "--data", "colours.csv", "--target", "label"], "--data --target"),
])
def test_bad_flags_are_one_line_exit_2_nothing_written(
        csv_file: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(mixed_frame(), csv_file.parent / "xor.csv")
    (csv_file.parent / "r.jsonl").write_text(json.dumps(record()) + "\n")
    status, err = run_in_process(["run", "--backend", "numpy", *args], csv_file.parent, capsys, monkeypatch)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (csv_file.parent / "results").exists()


@pytest.mark.parametrize(("content", "message"), [
    ("", "is empty"),
    ("1,2,0\n3,4,1\n", "no header"),
    ("x,label\n1,a\n2,a\n3,a\n", "one class only"),
    ("x,label\n1,a\n,b\n3,a\n4,b\n", "missing values in x (1)"),
    ("x,label\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\nabc,a\n", "column 'x' is numeric but 1 value(s) are text"),
])
def test_bad_files_are_one_line_exit_2_nothing_written(
        tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.csv").write_text(content)
    for command in (["run", "--backend", "numpy"], ["tasks"]):
        status, err = run_in_process([*command, "--data", "bad.csv", "--target", "label"], tmp_path, capsys,
                                     monkeypatch)
        assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        assert message in err
    assert not (tmp_path / "results").exists()


def test_too_large_for_memory_exits_2(csv_file: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_reading, "available_memory_bytes", lambda: 10_000)
    status, err = run_in_process(["run", "--data", "colours.csv", "--target", "label"], csv_file.parent,
                                 capsys, monkeypatch)
    assert status == 2 and "too large to load" in err and "0.0 MB available" in err
    assert not (csv_file.parent / "results").exists()


def test_tasks_data_prints_what_was_inferred(csv_file: Path) -> None:
    done = bench("tasks", "--data", str(csv_file), "--target", "label", cwd=csv_file.parent)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "kind      multiclass (inferred: the target holds text or booleans)" in out
    assert "rows      60 (0 dropped for missing values)" in out
    assert "4 columns → 7 inputs: 2 numeric" in out and "2 categorical (5 one-hot inputs)" in out
    assert "classes   label: high, low, mid" in out
    assert "network   7-5-3 sigmoid/softmax cross_entropy, batch 32, 30 epochs, learning rate 0.01" in out
    assert "colour" in out and "blue, green, red" in out


def test_tasks_lists_batch_epochs_and_learning_rate(tmp_path: Path) -> None:
    done = bench("tasks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split()[-3:] == ["batch", "epochs", "lr"]
    xor = next(row for row in rows if row.split()[0] == "xor")
    batch, epochs, lr = xor.split()[-3:]
    assert (batch, epochs, float(lr)) == ("all", "500", 0.5)  # full batch, 500 epochs, learning rate 0.5


def test_suite_runs_a_csv_and_a_parquet_task_beside_a_registered_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(mixed_frame(), data / "t.csv")
    write(mixed_frame(), data / "t.parquet")
    (tmp_path / "mine.toml").write_text(
        'backends = ["numpy"]\nseeds = [0]\n[overrides]\nepochs = 2\n[tasks.xor]\n'
        '[tasks.from-csv]\nfile = "data/t.csv"\ntarget = "label"\n'
        '[tasks.from-parquet]\nfile = "data/t.parquet"\ntarget = "flag"\ndrop = ["colour"]\n')
    output = tmp_path / "out.jsonl"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = bench("run", "--suite", str(tmp_path / "mine.toml"), "--output", str(output), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    by_task = {r["task"]: r for r in records(output)}
    assert set(by_task) == {"xor", "from-csv", "from-parquet"}
    assert all(r["status"] == "ok" for r in by_task.values()), [r["reason"] for r in by_task.values()]
    csv_data = by_task["from-csv"]["evaluation"]["data"]
    parquet_data = by_task["from-parquet"]["evaluation"]["data"]
    assert (csv_data["file"], csv_data["format"]) == ("t.csv", "csv")
    assert (parquet_data["file"], parquet_data["format"]) == ("t.parquet", "parquet")
    assert by_task["from-parquet"]["spec"]["layers"] == [5, 3, 1]  # x1, x2, label ×3 → (5 + 1) / 2 = 3
    assert by_task["from-csv"]["cell"]["task_file"]["sha256"] == csv_data["sha256"]
    assert "data" not in by_task["xor"]["evaluation"]
    stored = by_task["xor"]["suite_config"]
    assert stored["tasks"] == ["xor", "from-csv", "from-parquet"]
    assert stored["task_files"]["from-csv"]["file"] == str((data / "t.csv").resolve())


def test_run_data_then_resume_and_a_changed_file_stops_resume(csv_file: Path) -> None:
    output = csv_file.parent / "run.jsonl"
    done = bench("run", "--backend", "numpy", "--data", str(csv_file), "--target", "label", "--seeds", "2",
                 "--set", "epochs=2", "--output", str(output), cwd=csv_file.parent)
    assert done.returncode == 0, done.stderr
    first, second = records(output)
    assert first["task"] == second["task"] == "colours" and first["status"] == "ok", first["reason"]
    assert first["metrics"]["accuracy"] >= 0 and first["spec"]["epochs"] == 2
    output.write_text(json.dumps(first) + "\n")  # as if interrupted after one cell

    resumed = bench("run", "--resume", str(output), cwd=csv_file.parent / "..")
    assert resumed.returncode == 0, resumed.stderr
    assert "1 cells done, 1 to run" in resumed.stderr
    again = records(output)
    assert [r["seed"] for r in again] == [0, 1] and again[1]["status"] == "ok", again[1]["reason"]
    assert again[1]["evaluation"]["data"]["sha256"] == first["evaluation"]["data"]["sha256"]

    output.write_text(json.dumps(first) + "\n")
    write(mixed_frame(61), csv_file)
    changed = bench("run", "--resume", str(output), cwd=csv_file.parent)
    assert changed.returncode == 2 and changed.stderr.count("\n") == 1
    assert "changed since this run was planned" in changed.stderr
    assert records(output) == [first]  # nothing appended


def test_compare_warns_when_data_differ() -> None:
    def on(digest: str) -> list[dict]:
        data = {"file": "t.csv", "sha256": digest}
        return [record(seed=s, task="mine", evaluation={"scheme": "holdout", "data": data}) for s in range(3)]

    assert compare_records(on("a" * 64), on("a" * 64)).warnings == []
    (warning,) = compare_records(on("a" * 64), on("b" * 64)).warnings
    assert warning.startswith("data differ: task mine was run on t.csv sha256 aaaaaaaaaaaa…")
    assert "bbbbbbbbbbbb… (new)" in warning


PAGE = ROOT / "docs" / "your-own-data.md"


def readme_section() -> str:
    """The "Your own data" page of the docs."""
    return PAGE.read_text(encoding="utf-8")


def test_readme_worked_example_matches_what_tasks_data_prints() -> None:
    from bench.commands.tasks import describe_file_task
    from tasks.credit_default import germancredit_path

    try:
        path = germancredit_path()
    except TaskDataError as exc:
        pytest.skip(str(exc))
    printed = describe_file_task("germancredit", {"file": str(path), "target": "creditability"})
    shown = readme_section().split("--target creditability\n", 1)[1]
    for line in printed.splitlines()[2:9]:  # kind … threshold: no machine-specific path
        assert line in shown, line


def test_readme_suite_example_parses_into_a_file_task(tmp_path: Path) -> None:
    import tomllib

    from bench.run.suite import suite_from_mapping

    toml = readme_section().split("```toml\n", 1)[1].split("```", 1)[0]
    suite = suite_from_mapping(tomllib.loads(toml), "docs", base=tmp_path)
    assert suite.tasks == ["xor", "credit"] and list(suite.task_files) == ["credit"]
    assert suite.task_files["credit"]["file"] == str(tmp_path / "data" / "germancredit.csv")
    assert suite.task_files["credit"]["drop"] == ["telephone"]

"""Every path a command writes is checked before anything is written; one writer per results file;
a write that fails (a full disk) stops the run with one line and the records so far intact."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fault_backends
import pytest

from bench.cli import main
from bench.core import results as results_module
from bench.core.results import ResultsLock, lock_holder, read_records

QUICK = ["--backend", "numpy", "--task", "xor", "--set", "epochs=5", "--threads", "1"]


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    fault_backends.register(monkeypatch)
    return tmp_path


def one_line_error(args: list[str], capsys: pytest.CaptureFixture[str], status: int = 2) -> str:
    code = main(args)
    stderr = capsys.readouterr().err
    assert code == status, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    return stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file of one finished run, with its report beside it."""
    folder = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        assert main(["run", *QUICK, "--seeds", "1", "--output", "r.jsonl"]) == 0
    return folder / "r.jsonl"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "o.csv"], "--output names the results file, a JSON Lines .jsonl file"),
        (["--output", "o.md"], "--output names the results file"),
        (["--output", "o-plots/r.jsonl"], None),  # fine: only its own report's names are taken
    ],
)
def test_run_output_must_be_a_jsonl_file(args: list[str], message: str | None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The reproduction: --output o.csv wrote the records there, then the CSV summary over them."""
    if message is None:
        assert main(["run", *QUICK, "--seeds", "1", *args]) == 0
        assert len(read_records(Path(args[1]))) == 1
        return
    assert message in one_line_error(["run", *QUICK, "--seeds", "1", *args], capsys)
    assert list(Path().iterdir()) == []


@pytest.mark.parametrize("taken", ["r.md", "r.csv", "r.html", "r-plots/fit.png"])
def test_new_run_does_not_overwrite_a_file_its_report_would_write(
        taken: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path(taken).parent.mkdir(exist_ok=True)
    Path(taken).write_text("someone else's\n")
    assert f"{taken.split('/')[0]} already exists and is not this run's report" in one_line_error(
        ["run", *QUICK, "--seeds", "1", "--output", "r.jsonl"], capsys)
    assert snapshot(Path()) == {taken: b"someone else's\n"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "r.jsonl"], "-o names the HTML page; give it a .html name, got r.jsonl"),
        (["-o", "r.md"], "-o names the HTML page; give it a .html name"),
        (["-o", "r-plots/page.html"], "the HTML page r-plots/page.html would go inside the figures folder"),
        (["-o", "notes.html"], "notes.html exists and is not an nnbench page"),
        (["-o", "folder.html"], "the HTML page folder.html is a folder"),
    ],
)
def test_report_outputs_never_overwrite_the_input_or_foreign_files(
        finished: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = finished.parent
    monkeypatch.chdir(folder)
    Path("notes.html").write_text("<p>mine</p>\n")
    Path("folder.html").mkdir(exist_ok=True)
    before = snapshot(folder)
    assert message in one_line_error(["report", "r.jsonl", *extra], capsys)
    assert snapshot(folder) == before


def test_report_of_a_results_file_named_like_its_own_outputs(
        finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = Path("r.csv")
    copy.write_bytes(finished.read_bytes())
    stderr = one_line_error(["report", "r.csv"], capsys)
    assert "the CSV summary would overwrite its own input r.csv" in stderr
    assert copy.read_bytes() == finished.read_bytes()


def test_report_rewrites_its_own_files_and_an_earlier_page(finished: Path) -> None:
    page = finished.parent / "page.html"
    assert main(["report", str(finished), "--no-plots", "-o", str(page)]) == 0
    assert main(["report", str(finished), "--no-plots", "-o", str(page)]) == 0  # its own page: replaced
    assert main(["report", str(finished), "--no-plots"]) == 0  # r.md, r.csv, r.html: its own
    assert len(read_records(finished)) == 1


@pytest.mark.parametrize("where", ["a-file/r.jsonl", "/proc/nnbench-results.jsonl", "read-only/r.jsonl"])
def test_unwritable_output_is_one_line_before_any_cell_runs(
        where: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("a-file").write_text("")
    Path("read-only").mkdir(mode=0o500)
    if where.startswith("read-only") and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    stderr = one_line_error(["run", *QUICK, "--seeds", "1", "--output", where], capsys)
    assert f"cannot write results to {where}" in stderr
    assert "[1/1]" not in stderr  # no cell ran


def test_full_disk_stops_the_run_with_one_line_and_the_records_intact(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC on the second append, after half the line went out: the first record stays, whole."""
    real = results_module._write_line
    calls = []

    def fill_the_disk(fd: int, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            return real(fd, data)
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results_module, "_write_line", fill_the_disk)
    assert main(["run", *QUICK, "--seeds", "3", "--output", "r.jsonl"]) == 1
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr and "[1/3]" in stderr and "[2/3]" not in stderr
    assert stderr.splitlines(keepends=True)[-1] == (
        "error: cannot append to r.jsonl (No space left on device); 1 of 3 cells written (1 ok); "
                      "r.jsonl holds 1 complete records, intact; "
                      "finish the run with: python -m bench run --resume r.jsonl\n")
    text = Path("r.jsonl").read_text()
    assert text.endswith("\n") and len(text.splitlines()) == 1
    assert json.loads(text)["seed"] == 0
    assert not Path("r.md").exists()  # no report over a run cut short


def _start_slow_run(folder: Path, output: str, seeds: int = 2, seconds: float = 1) -> subprocess.Popen[str]:
    env = {**fault_backends.plugin_environment(), fault_backends.SLOW_SECONDS_VARIABLE: str(seconds)}
    command = [sys.executable, "-m", "bench", "run", "--backend", "fault-slow", "--task", "xor",
               "--seeds", str(seeds), "--threads", "1", "--set", "epochs=5", "--output", output]
    return subprocess.Popen(command, cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_lock(path: Path, pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and lock_holder(path) == pid:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never locked by {pid}")


def test_one_writer_per_results_file(in_scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second run, or a --resume, of a file a run is writing is refused, naming the writer."""
    first = _start_slow_run(in_scratch, "r.jsonl", seconds=3)  # the lock outlives the two refusals below
    try:
        _wait_for_lock(in_scratch / "r.jsonl", first.pid)  # taken before the first cell: the file exists
        busy = f"error: r.jsonl is being written by another nnbench run (pid {first.pid})\n"
        assert one_line_error(["run", *QUICK, "--seeds", "1", "--output", "r.jsonl"], capsys) == busy
        assert one_line_error(["run", "--resume", "r.jsonl"], capsys) == busy
        _, stderr = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    assert sorted(r["seed"] for r in read_records(in_scratch / "r.jsonl")) == [0, 1]  # no interleaving


def test_kill_9_leaves_no_stale_lock(in_scratch: Path) -> None:
    results = in_scratch / "r.jsonl"
    first = _start_slow_run(in_scratch, "r.jsonl", seeds=3)
    _wait_for_lock(results, first.pid)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    assert lock_holder(results) is None
    ResultsLock(results).acquire().release()  # the kernel dropped the lock with its holder


def test_an_empty_results_file_left_by_a_killed_run_is_taken_over(capsys: pytest.CaptureFixture[str]) -> None:
    Path("r.jsonl").write_text("")
    assert main(["run", *QUICK, "--seeds", "1", "--output", "r.jsonl"]) == 0
    assert len(read_records(Path("r.jsonl"))) == 1


def test_a_run_never_writes_over_its_own_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    """The suite file or a data file named like the run's report (s.md, d.csv) is an input: refused."""
    Path("s.md").write_text('tasks = ["xor"]\nbackends = ["numpy"]\nseeds = [0]\n')
    assert "the run would write s.md over its input s.md" in one_line_error(
        ["run", "--suite", "s.md", "--output", "s.jsonl"], capsys)
    rows = "".join(f"{a},{b},{(a + b) % 2}\n" for a in range(4) for b in range(4))
    Path("d.csv").write_text("a,b,y\n" + rows)
    stderr = one_line_error(["run", "--data", "d.csv", "--target", "y", "--output", "d.jsonl"], capsys)
    assert "the run would write d.csv over its input" in stderr
    assert sorted(p.name for p in Path().iterdir()) == ["d.csv", "s.md"]
    assert Path("d.csv").read_text() == "a,b,y\n" + rows

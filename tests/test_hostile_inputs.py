"""Inputs that used to end in a traceback: deep nesting, record fields of the wrong type, task plugins
that are not tasks, Ctrl-C outside the cells, a TCP service that is not a Dask scheduler. Each is one
``error:`` (or ``interrupted``) line, the documented exit status, and nothing written."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.run import executors
from bench.run.executors import ExecutorError, probe_scheduler


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _one_line(args: list[str], capsys: pytest.CaptureFixture[str], folder: Path, status: int = 2,
              prefix: str = "error: ") -> str:
    before = _listing(folder)
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    stderr = capsys.readouterr().err
    assert code == status, stderr
    assert stderr.strip().startswith(prefix) and stderr.strip().count("\n") == 0, stderr
    assert "Traceback" not in stderr
    assert _listing(folder) == before
    return stderr


# --- deep nesting ----------------------------------------------------------------------------------

DEPTHS = [2_000, 100_000]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", ["array", "table"])
def test_a_deeply_nested_suite_is_one_line(depth: int, shape: str, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    body = ("x = " + "[" * depth + "]" * depth) if shape == "array" else \
        ("x = " + "{a = " * depth + "1" + "}" * depth)
    (tmp_path / "s.toml").write_text(body + "\n")
    _one_line(["run", "--suite", "s.toml", "--output", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("command", ["report", "compare", "resume", "history"])
def test_deeply_nested_json_in_a_results_file_is_one_line(
        depth: int, where: str, command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = json.dumps(synthetic_results.record())
    deep = '{"backend": ' + "[" * depth + "]" * depth + "}"
    lines = [deep, good] if where == "first" else [good, deep]
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r.jsonl").write_text("\n".join(lines) + "\n")
    args = {"report": ["report", "runs/r.jsonl"], "compare": ["compare", "runs/r.jsonl", "runs/r.jsonl"],
            "resume": ["run", "--resume", "runs/r.jsonl"], "history": ["history", "runs", "--no-plots"]}
    _one_line(args[command], capsys, tmp_path)


# --- record fields of the wrong type ---------------------------------------------------------------

WRONG_TYPES = [
    {"seed": [0]}, {"seed": "0"}, {"seed": 1.5}, {"seed": True}, {"spec": "2-3-1"}, {"spec": [2, 3, 1]},
    {"status": 1}, {"device": ["cpu"]}, {"fit_seconds": "fast"}, {"fit_seconds": [1.0]},
    {"metrics": {"accuracy": "high"}}, {"metrics": {"accuracy": {"v": 1}}}, {"deviations": "none"},
    {"deviations": [1, 2]}, {"curve": [1.0, 2.0]}, {"curve": "flat"}, {"env": "linux"}, {"division": 3},
    {"cell": []}, {"suite_config": "x"}, {"target": 1.0}, {"epochs": "100"}, {"threads": 1.5},
]


@pytest.mark.parametrize("change", WRONG_TYPES, ids=[json.dumps(c) for c in WRONG_TYPES])
@pytest.mark.parametrize("command", ["report", "compare", "history"])
def test_a_record_field_of_the_wrong_type_is_one_line(
        change: dict, command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    synthetic_results.write(tmp_path / "runs" / "r.jsonl",
                            [synthetic_results.record(seed=1), {**synthetic_results.record(), **change}])
    args = {"report": ["report", "runs/r.jsonl"], "compare": ["compare", "runs/r.jsonl", "runs/r.jsonl"],
            "history": ["history", "runs", "--no-plots"]}
    assert "runs/r.jsonl:2" in _one_line(args[command], capsys, tmp_path)


# --- task plugins ----------------------------------------------------------------------------------

PLUGINS = {
    "a-function": "def Mine():\n    return 3\n",
    "a-number": "Mine = 3\n",
    "not-a-task-class": "class Mine:\n    pass\n",
    "raises-at-import": "raise RuntimeError('broken plugin')\nclass Mine: pass\n",
    "exits-0-at-import": "raise SystemExit(0)\n",
    "exits-1-at-import": "import sys\nsys.exit(1)\n",
    "raises-when-created": "from bench.task import Task\nclass Mine(Task):\n"
                           "    def __init__(self):\n        raise ValueError('no')\n",
    "exits-when-created": "from bench.task import Task\nclass Mine(Task):\n"
                          "    def __init__(self):\n        raise SystemExit(0)\n",
    "syntax-error": "class Mine(:\n",
}


@pytest.mark.parametrize("kind", PLUGINS)
def test_a_task_plugin_that_is_not_a_working_task_is_one_line(
        kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    module = f"nnbench_plugin_{kind.replace('-', '_')}"
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / f"{module}.py").write_text(PLUGINS[kind])
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.setenv("NNBENCH_TASKS", f"mine={module}:Mine")
    args = ["run", "--backend", "numpy", "--task", "mine", "--output", "r.jsonl"]
    stderr = _one_line(args, capsys, tmp_path)
    assert "task 'mine'" in stderr


# --- Ctrl-C and SIGTERM outside the cells ------------------------------------------------------------

@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("during", ["markdown", "csv", "plots", "html"])
def test_an_interrupted_report_is_one_line_and_leaves_no_torn_file(
        signal_name: str, during: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.report import writers
    from bench.run.harness import Terminated

    synthetic_results.write(tmp_path / "r.jsonl", [synthetic_results.record(seed=s) for s in (0, 1)])
    original = writers.WRITERS[during]

    def interrupted(report, target):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt if signal_name == "SIGINT" else Terminated()

    monkeypatch.setitem(writers.WRITERS, during, interrupted)
    assert original is not interrupted
    code = main(["report", "r.jsonl"])
    stderr = capsys.readouterr().err
    assert code == (130 if signal_name == "SIGINT" else 143)
    assert stderr.strip() .startswith(f"interrupted ({signal_name})") and "Traceback" not in stderr
    assert stderr.strip().count("\n") == 0
    assert not list(tmp_path.rglob(".*.tmp"))


def test_an_interrupted_figure_leaves_no_temporary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    synthetic_results.write(tmp_path / "r.jsonl", [synthetic_results.record(seed=s) for s in (0, 1)])

    def savefig(self, target, **kwargs):  # type: ignore[no-untyped-def]
        Path(target).write_bytes(b"half a figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", savefig)
    assert main(["report", "r.jsonl"]) == 130
    assert "interrupted (SIGINT)" in capsys.readouterr().err
    assert not list(tmp_path.rglob(".*.tmp"))
    assert not [p for p in tmp_path.rglob("*.png")]  # no torn figure under a real name


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interrupted_history_is_one_line(signal_name: str, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.report import history
    from bench.run.harness import Terminated

    (tmp_path / "runs").mkdir()
    synthetic_results.write(tmp_path / "runs" / "a.jsonl", [synthetic_results.record()])

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt if signal_name == "SIGINT" else Terminated()

    monkeypatch.setattr(history, "history", interrupted)
    _one_line(["history", "runs"], capsys, tmp_path, status=130 if signal_name == "SIGINT" else 143,
              prefix=f"interrupted ({signal_name})")


def test_ctrl_c_in_a_runs_report_phase_says_the_records_are_intact(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.commands import report

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "print_report", interrupted)
    code = main(["run", "--backend", "numpy", "--task", "xor", "--seeds", "1", "--set", "epochs=5",
                 "--threads", "1", "--start", "cold", "--output", "r.jsonl"])
    stderr = capsys.readouterr().err
    assert code == 130 and "Traceback" not in stderr
    assert "interrupted (SIGINT) while writing the report: r.jsonl holds every record, intact" in stderr
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1


# --- --scheduler at a service that is not Dask ----------------------------------------------------------

@pytest.fixture(params=["silent", "http", "garbage", "closes"])
def not_dask(request: pytest.FixtureRequest) -> Iterator[str]:
    """A TCP service that accepts connections and is not a Dask scheduler."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    answers = {"http": b"HTTP/1.1 400 Bad Request\r\n\r\n", "garbage": b"\xff" * 64}

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if request.param in answers:
                conn.sendall(answers[request.param])
            if request.param == "closes":
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def test_a_scheduler_that_is_not_dask_is_refused_within_the_deadline(
        not_dask: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_SECONDS", 1)
    with pytest.raises(ExecutorError) as caught:
        probe_scheduler(not_dask)
    assert not_dask in str(caught.value) and "\n" not in str(caught.value)


def test_run_with_a_scheduler_that_is_not_dask_is_one_line(
        not_dask: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_SECONDS", 1)
    _one_line(["run", "--scheduler", not_dask, "--backend", "numpy", "--task", "xor", "--output", "r.jsonl"],
              capsys, tmp_path)

"""Bad input: one line ``error: ...`` on stderr, exit 2, and no results file written or changed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fault_backends
import pytest

from bench.cli import main
from bench.core.results import read_records


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    fault_backends.register(monkeypatch)
    monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)
    return tmp_path


def usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI here; assert the one-line error contract; return the line."""
    try:
        code = main(args)
    except SystemExit as exc:  # argparse
        code = exc.code
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert not Path("results").exists()
    return stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "nope"], "unknown backend 'nope'"),
        (["--task", "nope"], "unknown task 'nope'"),
        (["--device", "tpu"], "unknown device 'tpu'; known: cpu, gpu, auto"),
        (["--set", "epochs=-5"], "epochs must be >= 1, got -5"),
        (["--set", "layers=2,0,1"], "every layer needs at least one neuron"),
        (["--task", "xor", "--set", "layers=3,4,1"],
         "layers 3-4-1 do not fit task 'xor': it takes 2 input(s) and gives 1 output(s), "
         "the spec has 3 and 1"),
        (["--task", "and", "--set", "layers=2,4,2"], "layers 2-4-2 do not fit task 'and'"),
        (["--seed", "-1"], "seed must be an integer >= 0 and <= 4294967295, got -1"),
        (["--backend", "numpy", "--backend", "numpy"], "backend numpy listed more than once"),
        (["--threads", "0"], "threads must be an integer >= 1 and <= 1024, got 0"),
        (["--timeout", "0"], "timeout must be a finite number > 0"),
        (["--memory-limit-mb", "0"], "memory_limit_mb must be an integer >= 1"),
        (["--memory-limit-mb", "99999999999999"],
         "memory_limit_mb must be an integer >= 1 and <= 8796093022207"),
        (["--curve-points", "-1"], "curve_points must be an integer >= 0 and <= 1000000, got -1"),
        (["--seeds", "many"],
         "argument --seeds: seeds must be an integer written in decimal digits, got 'many'"),
        (["--executor", "spark"], "unknown executor 'spark'; known: serial, dask"),
        (["--executor", "dask", "--workers", "0"], "workers must be an integer >= 1"),
        (["--scheduler", "tcp://127.0.0.1:9", "--executor", "serial"], "--scheduler needs --executor dask"),
        (["--retry-failed"], "--retry-failed only goes with --resume RESULTS"),
        (["--resume", "missing.jsonl"], "no results file at missing.jsonl"),
        (["--task", "needs-data-dir", "--data-dir", "nowhere"], "--data-dir nowhere: no such folder"),
        (["--task", "needs-data-dir", "--data-dir", "suite.toml"],
         "--data-dir suite.toml is a file; give the folder that holds the data files"),
        (["--task", "needs-data-dir", "--data-dir", "."], "cannot read"),
        # values that are not exactly what the field takes are refused, never coerced
        (["--set", "bias=maybe"], "bad value for bias: 'maybe' (expected true or false)"),
        (["--set", "seed=3"], "the spec's seed is each cell's seed; set the seeds with seeds / --seed /"),
        (["--set", "layers=2,-3,1"], "bad value for layers: '2,-3,1'"),
        (["--set", "layers=2,,1"], "bad value for layers: '2,,1'"),
        (["--set", "epochs=2.5"],
         "bad value for epochs: epochs must be an integer written in decimal digits, got '2.5'"),
        (["--set", "init_scale=nan"], "init_scale must be a finite number, got nan"),
        (["--set", "init_scale=inf"], "init_scale must be a finite number, got inf"),
        (["--set", "learning_rate=-inf"], "learning_rate must be a finite number"),
        (["--output", "out/o.csv"], "--output names the results file, a JSON Lines .jsonl file"),
        (["--output", "o"], "--output names the results file"),
    ],
)
def test_bad_flags(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("suite.toml").write_text("")
    assert message in usage_error(["run", *args], capsys)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("backends = [numpy\n", "malformed TOML"),
        ('backends = "numpy"\n', "backends must be a list of names"),
        ('colour = "red"\n', "unknown key(s) ['colour']"),
        ('backends = ["nope"]\n', "unknown backend 'nope'"),
        ('device = "tpu"\n', "unknown device 'tpu'"),
        ("[overrides]\nepochs = -1\n", "epochs must be >= 1"),
        ('tasks = ["xor"]\n[overrides]\nlayers = [5, 3, 1]\n', "layers 5-3-1 do not fit task 'xor'"),
        ('seeds = [0, "one"]\n', "seeds must be a list of integers"),
        ('timeout = "long"\n', "timeout has the wrong type"),
        ("curve_points = 2.5\n", "curve_points has the wrong type"),
        ('[tasks_overrides]\nxor = 3\n', "tasks_overrides must map task names"),
        # exact types: no traceback, no silent int(), no NaN reaching a backend
        ("[overrides]\nlayers = 3\n", "layers must be a list of layer sizes, got 3"),
        ('[overrides]\nlayers = [2, "3", 1]\n', "layers must be whole layer sizes, got [2, '3', 1]"),
        ("[overrides]\nlayers = [2, 3.7, 1]\n", "layers must be whole layer sizes, got [2, 3.7, 1]"),
        ("[overrides]\nlayers = [2, true, 1]\n", "layers must be whole layer sizes"),
        ("[overrides]\nepochs = 2.5\n", "epochs must be an integer, got 2.5"),
        ("[overrides]\nepochs = true\n", "epochs must be an integer, got True"),
        ("[overrides]\nbias = 1\n", "bias must be true or false, got 1"),
        ('[overrides]\nbias = "maybe"\n', "bad value for bias: 'maybe'"),
        ("[overrides]\ninit_scale = nan\n", "init_scale must be a finite number, got nan"),
        ("[overrides]\nmomentum = inf\n", "momentum must be a finite number, got inf"),
        ("[overrides]\nhidden_activation = 3\n", "hidden_activation must be a name, got 3"),
        # an override for a task the suite does not run is checked all the same
        ('tasks = ["xor"]\n[tasks_overrides.and]\nepochs = -1\n', "epochs must be >= 1"),
        ('tasks = ["xor"]\n[tasks_overrides.and]\ncolour = "red"\n', "unknown spec field 'colour'"),
        ('tasks = ["xor"]\n[tasks_overrides.and]\nlayers = [3, 1]\n', "layers 3-1 do not fit task 'and'"),
    ],
)
def test_bad_suite_files(toml: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("suite.toml").write_text(toml)
    assert message in usage_error(["run", "--suite", "suite.toml"], capsys)


RECORD = {"backend": "numpy", "task": "xor", "seed": 0, "device": "cpu", "status": "ok"}


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"a,b\n1,2\n3,4\n", [], "r.jsonl:1: not a JSON record"),
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe\n", [], "not a JSON Lines results file (not UTF-8 text)"),
        (json.dumps(RECORD).encode() + b"\n", [], "records lack suite_config"),
        (json.dumps(RECORD).encode() + b"\n", ["--backend", "numpy", "--seeds", "2"],
         "--resume takes the suite from the results file; drop --backend --seeds"),
    ],
)
def test_bad_resume_files_are_left_alone(content: bytes, extra: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    Path("r.jsonl").write_bytes(content)
    assert message in usage_error(["run", "--resume", "r.jsonl", *extra], capsys)
    assert Path("r.jsonl").read_bytes() == content


def test_existing_output_is_not_appended_to(capsys: pytest.CaptureFixture[str]) -> None:
    Path("old.jsonl").write_text("{}\n")
    assert "old.jsonl already exists; finish it with --resume old.jsonl" in usage_error(
        ["run", "--output", "old.jsonl"], capsys)
    assert Path("old.jsonl").read_text() == "{}\n"


def test_malformed_plugin_variable(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NNBENCH_BACKENDS", "broken")
    assert "NNBENCH_BACKENDS: 'broken' is not name=module:Class" in usage_error(["run"], capsys)


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ("mine=nnbench_no_such_module:Task", "task 'mine' (nnbench_no_such_module:Task) cannot be imported: "
                                             "No module named 'nnbench_no_such_module'"),
        ("mine=fault_backends:NoSuchTask", "task 'mine' (fault_backends:NoSuchTask): module fault_backends "
                                           "has no 'NoSuchTask'"),
    ],
)
def test_task_plugin_that_cannot_be_loaded(plugins: str, message: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NNBENCH_TASKS", plugins)
    assert message in usage_error(["run", "--task", "mine"], capsys)


def test_exit_status_and_stderr_of_the_real_process(in_scratch: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "run", "--device", "tpu"], cwd=in_scratch,
                          capture_output=True, text=True, env=fault_backends.plugin_environment())
    assert done.returncode == 2
    assert done.stderr == "error: unknown device 'tpu'; known: cpu, gpu, auto\n"
    assert list(in_scratch.iterdir()) == []


def test_the_record_says_which_data_folder_was_used(in_scratch: Path) -> None:
    (in_scratch / "data").mkdir()
    (in_scratch / "data" / "xor.txt").write_text("built in\n")
    assert main(["run", "--backend", "numpy", "--task", "needs-data-dir", "--seeds", "1", "--set", "epochs=5",
                 "--data-dir", "data", "--output", "r.jsonl"]) == 0
    (record,) = read_records(in_scratch / "r.jsonl")
    assert record["status"] == "ok"
    assert record["evaluation"]["data_dir"] == str((in_scratch / "data").resolve())


def test_a_results_file_with_a_byte_order_mark_reads(in_scratch: Path) -> None:
    """Saved by an editor as "UTF-8 with BOM": still the same records (report, compare, resume)."""
    line = json.dumps({**RECORD, "suite_config": {"backends": ["numpy"], "tasks": ["xor"], "seeds": [0]}})
    path = in_scratch / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    assert read_records(path) == [json.loads(line)]

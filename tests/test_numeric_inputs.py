"""The one validation of every numeric input (bench.core.values): flags, suite keys, --set overrides
and a resumed file's suite_config; malformed, non-finite or out-of-range numbers are one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.core.values import RANGES, ValueRangeError, check, parse_int, parse_number


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _refused(args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    before = sorted(p.name for p in tmp_path.rglob("*"))
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own error: one line too (bench.core.cli_parser.Parser)
        code = exc.code  # type: ignore[assignment]
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    return stderr


RUN = ["run", "--backend", "numpy", "--task", "xor", "--output", "r.jsonl"]
BAD_FLAGS = [
    ["--timeout", "1e10"], ["--timeout", "inf"], ["--timeout", "nan"], ["--timeout", "-0"],
    ["--timeout", "1e309"],
    ["--timeout", "0x10"], ["--threads", "99999999999"], ["--threads", "1_0"], ["--threads", "１０"],
    ["--threads", "0"], ["--threads", "-1"], ["--seeds", "1000000000000"], ["--seeds", "1_000"],
    ["--seed", "4294967296"], ["--seed", "٣"], ["--curve-points", "1e3"], ["--memory-limit-mb", "10.5"],
    ["--workers", "99999999999", "--executor", "dask"],
    ["--set", "epochs=10_0"], ["--set", "epochs=１０"], ["--set", "epochs=99999999999"],
    ["--set", "epochs=0x10"], ["--set", "learning_rate=1_0.5"], ["--set", "learning_rate=nan"],
    ["--set", "learning_rate=-inf"], ["--set", "learning_rate=１"], ["--set", "layers=2,３,1"],
    ["--set", "layers=2,99999999999,1"], ["--set", "batch_size=+-1"],
]


@pytest.mark.parametrize("flags", BAD_FLAGS, ids=[" ".join(f) for f in BAD_FLAGS])
def test_a_bad_number_on_the_command_line_is_one_line(
        flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _refused([*RUN, *flags], capsys, tmp_path)


@pytest.mark.parametrize("tolerance", ["-5", "nan", "inf", "-1e-9", "1e400", "5_0"])
def test_compare_time_tolerance_is_finite_and_not_negative(
        tolerance: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    synthetic_results.write(tmp_path / "a.jsonl", [synthetic_results.record()])
    _refused(["compare", "a.jsonl", "a.jsonl", "--time-tolerance", tolerance], capsys, tmp_path)


SUITES = [
    "timeout = 1e10", "timeout = inf", "timeout = nan", "threads = 99999999999", "threads = 0",
    "seeds = {first = 0, count = 1000000000000}", "seeds = {first = 4294967295, count = 2}",
    "seeds = [4294967296]", "seeds = [-1]", "curve_points = 10000000000", "memory_limit_mb = 0",
    "[overrides]\nepochs = 99999999999", "[overrides]\nlayers = [2, 99999999999, 1]",
]


@pytest.mark.parametrize("body", SUITES)
def test_a_bad_number_in_a_suite_is_one_line(body: str, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(f'backends = ["numpy"]\ntasks = ["xor"]\n{body}\n')
    _refused(["run", "--suite", "s.toml", "--output", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("change", [
    {"seeds": {"first": 0, "count": 10**12}}, {"timeout": 1e10}, {"threads": 10**11},
    {"seeds": [2**40]}, {"timeout": float("inf")}, {"curve_points": -1},
])
def test_a_bad_number_in_a_resumed_suite_config_is_one_line(
        change: dict, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = {"name": "s", "backends": ["numpy"], "tasks": ["xor"], "seeds": [0, 1], "device": "cpu",
              "threads": 1, "timeout": 60.0, "overrides": {}, "tasks_overrides": {},
              "memory_limit_mb": None, "curve_points": 10, "divisions": ["closed"], "task_files": {}}
    record = {**synthetic_results.record(), "suite_config": {**config, **change}}
    (tmp_path / "r.jsonl").write_text(json.dumps(record) + "\n")
    _refused(["run", "--resume", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("text", ["10_0", "１０", "0x10", "1e3", " ", "", "+", "1 0", "٣", "10.0", "true"])
def test_parse_int_takes_ascii_decimal_digits_only(text: str) -> None:
    with pytest.raises(ValueRangeError):
        parse_int(text, "epochs")


@pytest.mark.parametrize(("text", "value"), [("10", 10), ("+7", 7), (" 3 ", 3), ("-0", 0)])
def test_parse_int_accepts_plain_integers(text: str, value: int) -> None:
    assert parse_int(text, "epochs") == value


@pytest.mark.parametrize("text", ["nan", "NaN", "-inf", "Infinity", "1e309", "1_0", "１.5", "0x1p3", ".",
                                  "e5"])
def test_parse_number_refuses_what_is_not_a_finite_decimal(text: str) -> None:
    with pytest.raises(ValueRangeError):
        parse_number(text, "learning_rate")


def test_negative_zero_is_zero() -> None:
    value = parse_number("-0.0", "time_tolerance")
    assert value == 0 and str(value) == "0.0"


@pytest.mark.parametrize("name", sorted(RANGES))
def test_every_range_refuses_its_edges_and_non_numbers(name: str) -> None:
    bounds = RANGES[name]
    for bad in (bounds.high * 2 + 1, True, "3", None, float("nan")):
        with pytest.raises(ValueRangeError):
            check(bad, name)
    if bounds.low_open:
        with pytest.raises(ValueRangeError):
            check(bounds.low, name)
    assert check(int(bounds.high) if bounds.integer else bounds.high, name) == bounds.high

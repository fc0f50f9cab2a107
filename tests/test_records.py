"""The typed record: old files, another tool's lines, cell and group keys, one JSON encoder."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synthetic_results import record, write

from bench.core.record import (
    RESULT_FIELDS,
    SCHEMA_VERSION,
    CellConfig,
    CellKey,
    GroupKey,
    Record,
    RecordError,
    cell_key,
    dumps,
    empty_record,
    json_default,
    latest_per_cell,
)
from bench.core.results import ResultsFileError, ResultsWriter, read_typed

ROOT = Path(__file__).resolve().parents[1]
V1 = {"run_id": "abc", "suite": "default", "backend": "numpy", "task": "xor", "seed": 3, "device": "cpu",
      "threads": 1, "status": "ok", "reason": "", "metrics": {"accuracy": 1.0}, "fit_seconds": 0.5}


def test_a_version_1_record_reads_as_closed() -> None:
    typed = Record.from_dict(V1)
    assert typed.schema_version == 1 and typed.division == "closed"
    assert typed.metrics == {"accuracy": 1.0} and typed.fit_seconds == 0.5 and typed.deviations == []
    assert typed.cell_key == CellKey("numpy", "xor", 3, "cpu", "closed")


def test_a_version_1_file_reads_as_closed(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(V1) + "\n" + json.dumps({**V1, "seed": 4}) + "\n")
    records = read_typed(path)
    assert [(r.seed, r.division, r.schema_version) for r in records] == [(3, "closed", 1), (4, "closed", 1)]


def test_new_records_carry_schema_version_and_division() -> None:
    fresh = empty_record(CellConfig(backend="numpy", task="xor", division="open"))
    assert fresh.schema_version == SCHEMA_VERSION == 4 and fresh.division == "open"
    assert list(fresh.to_dict()) == list(RESULT_FIELDS)
    assert CellConfig(backend="numpy", task="xor").key() == CellKey("numpy", "xor", 0, "cpu", "closed")


def test_the_dataclass_is_the_one_list_of_fields() -> None:
    names = [item.name for item in dataclasses.fields(Record) if item.name != "extra"]
    assert list(RESULT_FIELDS) == names
    assert RESULT_FIELDS[:4] == ("schema_version", "run_id", "suite", "backend")  # the file order


def test_a_worker_record_has_exactly_the_dataclass_fields_in_order() -> None:
    from bench.run.worker import run_cell_safely

    names = [item.name for item in dataclasses.fields(Record) if item.name != "extra"]
    for config in (CellConfig(backend="numpy", task="xor", overrides={"epochs": 3}),
                   CellConfig(backend="no-such-backend", task="xor")):
        line = dumps(run_cell_safely(config))
        assert list(json.loads(line)) == names


def test_unknown_fields_are_kept_and_written_back() -> None:
    typed = Record.from_dict({**V1, "future_field": [1, 2]})
    assert typed.extra == {"future_field": [1, 2]}
    again = typed.to_dict()
    assert again["future_field"] == [1, 2] and set(RESULT_FIELDS) <= set(again)
    assert Record.from_dict(json.loads(dumps(typed))) == typed


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "run 1", "score": 0.9}, "no 'backend', 'task', 'seed', 'status' field"),
    ([1, 2, 3], "a JSON array"),
    (7, "a JSON int"),
    ({**V1, "backend": 3}, "backend and task must be text"),
])
def test_what_is_not_a_record_is_a_record_error(data: object, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        Record.from_dict(data, "f.jsonl:2")


@pytest.mark.parametrize("line", ['{"name": "other tool", "score": 1}', "[1, 2]"])
def test_read_typed_names_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(V1) + "\n" + line + "\n")
    with pytest.raises(ResultsFileError, match=r"mixed\.jsonl:2: not an nnbench record"):
        read_typed(path)


@pytest.mark.parametrize("command", ["report", "compare"])
@pytest.mark.parametrize("line", ['{"name": "other tool", "score": 1}', "[1, 2]"])
def test_another_tools_records_are_one_error_line(tmp_path: Path, command: str, line: str) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(line + "\n")
    good = write(tmp_path / "good.jsonl", [record()])
    args = ["report", str(other)] if command == "report" else ["compare", str(good), str(other)]
    done = subprocess.run([sys.executable, "-m", "bench", *args], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {other}:1: not an nnbench record")
    assert not (tmp_path / "other.md").exists()


def test_the_cell_key_holds_the_division_and_the_device_asked_for() -> None:
    closed = {**V1, "device": "cuda", "cell": {"device": "auto"}}
    opened = {**closed, "division": "open"}
    assert cell_key(closed) == CellKey("numpy", "xor", 3, "auto", "closed")
    assert cell_key(opened) == cell_key(Record.from_dict(opened))
    assert cell_key(opened) == CellKey("numpy", "xor", 3, "auto", "open")
    assert latest_per_cell([closed, opened]) == [closed, opened]  # two cells, not a retry


def test_the_group_key_ignores_the_seed_and_separates_divisions() -> None:
    a, b = Record.from_dict(record(seed=0)), Record.from_dict(record(seed=1))
    c = Record.from_dict(record(seed=0, division="open"))
    assert a.group_key() == b.group_key() != c.group_key()
    assert isinstance(a.group_key(), GroupKey) and a.group_key().division == "closed"


def test_one_json_encoder_for_worker_and_results_file(tmp_path: Path) -> None:
    import bench.core.results as results
    import bench.run.worker as worker

    assert not hasattr(worker, "_json_default") and not hasattr(results, "_default")
    assert json_default(np.float32(0.5)) == 0.5 and json_default(np.arange(2)) == [0, 1]
    assert json_default(np.bool_(True)) is True and json_default(Path("a/b")) == "a/b"
    path = tmp_path / "r.jsonl"
    ResultsWriter(path).append({**V1, "fit_seconds": np.float64(0.25),
                                "metrics": {"confusion_matrix": np.zeros(2)}})
    (typed,) = read_typed(path)
    assert typed.fit_seconds == 0.25 and typed.metrics["confusion_matrix"] == [0.0, 0.0]

"""One results file, one writer, whatever happens to its name; --resume never appends after a broken
line that is not a write cut short."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.core.results import ResultsLock, ResultsReplacedError, ResultsWriter, read_records


def _replace_by_rename(path: Path) -> None:  # sed -i, an editor's save
    copy = path.with_name(path.name + ".new")
    shutil.copyfile(path, copy)
    os.replace(copy, path)


def _remove_and_recreate(path: Path) -> None:
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data)


def _remove(path: Path) -> None:
    path.unlink()


def _append_a_torn_line(path: Path) -> None:
    with path.open("a") as handle:
        handle.write('{"backend": "x"')


REPLACEMENTS: dict[str, Callable[[Path], None]] = {
    "renamed-over": _replace_by_rename, "recreated": _remove_and_recreate, "removed": _remove,
    "torn-by-another-writer": _append_a_torn_line,
}


@pytest.mark.parametrize("replace", REPLACEMENTS)
def test_a_writer_stops_when_its_file_was_replaced(replace: str, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lock = ResultsLock(path).acquire(create=True)
    try:
        writer = ResultsWriter(path, lock.identity)
        writer.append(synthetic_results.record(seed=0))
        REPLACEMENTS[replace](path)
        before = path.read_bytes() if path.exists() else None
        with pytest.raises(ResultsReplacedError):
            writer.append(synthetic_results.record(seed=1))
        assert (path.read_bytes() if path.exists() else None) == before  # nothing appended to the newcomer
    finally:
        lock.release()


def test_a_resume_of_a_replaced_file_and_the_old_run_never_both_append(tmp_path: Path) -> None:
    """The old run holds its lock on the old file; the resumed run locks the new one; the old writer stops."""
    path = tmp_path / "r.jsonl"
    old_lock = ResultsLock(path).acquire(create=True)
    old_writer = ResultsWriter(path, old_lock.identity)
    old_writer.append(synthetic_results.record(seed=0))
    _replace_by_rename(path)
    new_lock = ResultsLock(path).acquire()  # not blocked: another file now has the name
    try:
        ResultsWriter(path, new_lock.identity).append(synthetic_results.record(seed=1))
        with pytest.raises(ResultsReplacedError):
            old_writer.append(synthetic_results.record(seed=2))
    finally:
        new_lock.release()
        old_lock.release()
    assert [r["seed"] for r in read_records(path)] == [0, 1]


def test_a_lock_follows_the_file_not_a_name_renamed_over_it(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lock = ResultsLock(path).acquire(create=True)
    try:
        assert lock.identity == (path.stat().st_dev, path.stat().st_ino)
    finally:
        lock.release()


BROKEN_LAST_LINES = ['{"backend": "numpy", "task"', "not json at all", "[1, 2", '{"a": 1}}', "\x00\x00"]


@pytest.mark.parametrize("line", BROKEN_LAST_LINES)
def test_resume_refuses_a_broken_last_line_that_ends_with_a_new_line(
        line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    config = {"name": "s", "backends": ["numpy"], "tasks": ["xor"], "seeds": [0, 1], "device": "cpu",
              "threads": 1, "timeout": 60.0, "overrides": {"epochs": 5}, "tasks_overrides": {},
              "memory_limit_mb": None, "curve_points": 10, "divisions": ["closed"], "task_files": {}}
    record = synthetic_results.record(seed=0, suite_config=config,
                                      cell={"backend": "numpy", "task": "xor", "seed": 0, "device": "cpu"})
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record) + "\n" + line + "\n")
    before = path.read_bytes()
    code = main(["run", "--resume", "r.jsonl"])
    stderr = capsys.readouterr().err
    assert code == 2 and stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert path.read_bytes() == before  # nothing ran, nothing appended
    if line.startswith("{"):  # maybe a record cut short: readers skip it, resume will not append
        assert "r.jsonl:2: the last line is not a complete record" in stderr
        assert main(["report", "r.jsonl", "--no-plots", "--no-html"]) == 0
    else:  # not even the start of a record: no reader takes the file
        assert "r.jsonl:2: not a JSON record" in stderr

"""Resume an interrupted run: finish exactly the cells its results file lacks.

Every record carries ``suite_config`` (the whole suite: backends, tasks,
seeds, device, threads, timeout, overrides, memory cap) and ``cell`` (the
cell it ran), so the results file alone rebuilds the matrix; no flags need
repeating. A cell is *done* when some record has its key
(:class:`~bench.core.record.CellKey`: backend, task, seed, requested device,
division) with any status — ``ok``, ``failed`` or ``skipped``.
With ``retry_failed`` a cell whose records are all ``failed`` runs again; its
old record stays in the file (which is never rewritten) and
:func:`latest_per_cell` gives the current view.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.core.files import read_regular
from bench.core.record import CellConfig, CellKey, cell_key, latest_per_cell
from bench.core.results import ResultsFileError, read_records
from bench.run.suite import Suite, SuiteError, suite_from_mapping
from bench.run.tuning import journal_path, journal_records

__all__ = ["CellKey", "ResumePlan", "cell_key", "check_last_line", "cut_torn_tail", "latest_per_cell",
           "mend_journal", "plan_resume"]


@dataclass
class ResumePlan:
    """What ``run --resume`` will do: the suite, and its cells still to run."""

    suite: Suite
    missing: list[CellConfig]
    done: int


def read_resumable(path: Path, journal: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The records of ``path``, each checked to be a record; :class:`ResultsFileError` otherwise (also for
    none at all, unless the tuned division's trial ``journal`` holds some)."""
    records = read_records(path)
    if not records and not journal:
        raise ResultsFileError(f"{path} holds no complete record to resume from; start the run again")
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict) or not {"backend", "task", "seed", "device", "status"} <= set(record):
            raise ResultsFileError(f"{path}: record {number} is not an nnbench result")
    return records


def suite_from_records(records: list[dict[str, Any]], path: Path) -> Suite:
    configs = [record.get("suite_config") for record in records]
    if any(config is None for config in configs):
        raise ResultsFileError(f"{path}: records lack suite_config (written before --resume existed); "
                               "run the missing cells with the original flags instead")
    if any(config != configs[0] for config in configs):
        raise ResultsFileError(f"{path} mixes runs of different suites; resume needs one suite per file")
    try:
        return suite_from_mapping(configs[0], f"{path}: suite_config")
    except SuiteError as exc:
        raise ResultsFileError(str(exc)) from None


def plan_resume(path: Path, retry_failed: bool = False) -> ResumePlan:
    """The suite stored in ``path`` and its cells that have no record yet."""
    path = Path(path)
    journal = journal_records(path)  # a tuning interrupted before its first final record: only trials
    records = read_resumable(path, journal)
    suite = suite_from_records(records + journal, path)
    settled = {cell_key(r) for r in records if r["status"] != "failed" or not retry_failed}
    cells = suite.cells()
    missing = [cell for cell in cells if cell.key() not in settled]
    return ResumePlan(suite=suite, missing=missing, done=len(cells) - len(missing))


def mend_journal(results: Path) -> None:
    """Before a resumed run appends to the tuned division's trial journal: refuse a broken last line,
    drop a torn one (as for the results file)."""
    journal = journal_path(results)
    if journal.exists():
        check_last_line(journal)
        cut_torn_tail(journal)


def check_last_line(path: Path) -> None:
    """Refuse a last line that is not a record but ends with a new line.

    ``kill -9`` cuts a write short *before* its new line (:func:`cut_torn_tail`
    drops that); a broken line followed by a new line came from elsewhere, and
    appending after it would leave a file no reader accepts.
    """
    data = read_regular(Path(path), "results file")
    if not data.endswith(b"\n"):
        return
    lines = data.split(b"\n")
    number = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
    if not number:
        return
    try:
        json.loads(lines[number - 1].decode("utf-8-sig"))
    except (ValueError, RecursionError):
        raise ResultsFileError(
            f"{path}:{number}: the last line is not a complete record, yet it ends with a new line (not a "
            "write cut short by a kill); remove or mend that line, then resume") from None


def cut_torn_tail(path: Path) -> bool:
    """Before appending: drop an incomplete last line (a write cut by ``kill -9``).

    A last line that is a whole record lacking only its newline gets the
    newline instead. Returns whether the file changed. Complete records are
    never touched.
    """
    path = Path(path)
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    start = data.rfind(b"\n") + 1
    try:
        complete = isinstance(json.loads(data[start:]), dict)
    except ValueError:
        complete = False
    if complete:
        with open(path, "ab") as handle:
            handle.write(b"\n")
    else:
        os.truncate(path, start)
    return True

"""The results file: JSON Lines, one finished run per line, append-only.

Each line is written and flushed (and fsync'ed) as its run ends, and the
file is never rewritten, so killing the harness loses at most the run in
flight.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path("results")


def new_results_path(directory: Path = RESULTS_DIR) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stamp}.jsonl"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{stamp}-{counter}.jsonl"
    return path


def _default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


class ResultsWriter:
    """Appends records to a JSONL file, durably, one line per run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, default=_default, allow_nan=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())


class ResultsFileError(ValueError):
    """A results file that cannot be read."""


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records of a results file (a torn last line is ignored)."""
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"no results file at {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ResultsFileError(f"{path} is not a JSON Lines results file (not UTF-8 text)") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if number == len(lines):  # a run killed mid-write
                continue
            raise ResultsFileError(f"{path}:{number}: not a JSON record ({exc.msg})") from exc
    return records

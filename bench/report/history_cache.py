"""``history``'s long table: its row (:class:`CellRun`) and a Parquet cache of the rows, so that many
runs read fast; never the only copy.

Each results file's rows are stored with the file's size, modification time
(ns) and SHA-256; a file whose three differ is read again from its JSON
Lines, the source of truth. A cache that cannot be read is ignored (and
rewritten); it is replaced atomically (a temporary file, then ``os.replace``).
Measured on 100 synthetic runs × 200 cells (curves of 100 points, 149 MB):
reading the JSON Lines takes several seconds, the cache well under two (see
docs/measurements.md, "History cache").
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.core.files import open_regular
from bench.core.record import GroupKey

#: (size, mtime_ns, sha256) of one results file
Signature = tuple[int, int, str]
COLUMNS = ("path", "size", "mtime_ns", "sha256", "run", "run_time", "environment", "packages", "task",
           "backend", "device", "division", "spec", "metric", "metric_value", "fit_median", "ok", "runs",
           "untrusted", "adapter", "rules")
#: the version of the rules that compute a row (a cache of other rules is read again)
RULES = 3
#: the adapter version of records that do not carry one (comparable among themselves)
UNKNOWN_ADAPTER = "unknown"


@dataclass
class CellRun:
    """One cell in one run: the long table's row."""

    run: str
    run_time: str
    environment: str
    key: GroupKey
    metric: str | None
    metric_value: float
    fit_median: float
    ok: int
    runs: int
    #: fingerprint of the cell's library versions (numpy and its backend's packages)
    packages: str = ""
    #: its ok runs measured under contention or unstable, e.g. ``2/3 contended`` ("" when none)
    untrusted: str = ""
    #: hash of the backend's adapter source (``Record.adapter_version``), :data:`UNKNOWN_ADAPTER` when absent
    adapter: str = UNKNOWN_ADAPTER

    def row(self) -> dict[str, Any]:
        return {"run": self.run, "run_time": self.run_time, "environment": self.environment,
                "packages": self.packages,
                "division": self.key.division, "task": self.key.task, "backend": self.key.backend,
                "device": self.key.device, "spec": self.key.spec, "metric": self.metric or "",
                "metric_value": self.metric_value, "fit_median_s": self.fit_median,
                "ok": self.ok, "runs": self.runs, "untrusted": self.untrusted, "adapter": self.adapter}


def signature(path: Path) -> Signature:
    fd = open_regular(path, "results file")  # a FIFO named *.jsonl must not block the history
    stat = os.fstat(fd)
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return stat.st_size, stat.st_mtime_ns, digest.hexdigest()


def load(cache: Path) -> dict[str, tuple[Signature, list]]:
    """The cached rows by resolved file path; empty when there is no readable cache."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not _plain_file(cache):  # a link, a FIFO, a folder: not a cache nnbench wrote
        return {}
    try:
        table = pq.read_table(cache).to_pylist()
    except (OSError, ValueError, pa.ArrowException):  # missing, truncated, foreign: read the JSON Lines
        return {}
    out: dict[str, tuple[Signature, list]] = {}
    if not table or set(COLUMNS) - set(table[0]) or table[0]["rules"] != RULES:
        return {}
    for row in table:
        entry = out.setdefault(row["path"], ((row["size"], row["mtime_ns"], row["sha256"]), []))
        if row["run"] is None:  # a file without records: its signature alone
            continue
        key = GroupKey(row["task"], row["backend"], row["device"], row["division"], row["spec"])
        entry[1].append(CellRun(row["run"], row["run_time"], row["environment"], key,
                                row["metric"] or None, _float(row["metric_value"]),
                                _float(row["fit_median"]), row["ok"], row["runs"], row["packages"] or "",
                                row["untrusted"] or "", row["adapter"] or UNKNOWN_ADAPTER))
    return out


def _plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _ours(cache: Path) -> bool:
    """Free, or a regular file holding the cache's columns (the rule of bench.core.owned for a cache)."""
    import pyarrow.parquet as pq

    if not os.path.lexists(cache):
        return True
    if not _plain_file(cache):
        return False
    try:
        return set(COLUMNS) <= set(pq.read_schema(cache).names)
    except Exception:  # noqa: BLE001 - pyarrow raises several types for a foreign file
        return False


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def save(cache: Path, entries: dict[str, tuple[Signature, list]]) -> None:
    """Write the cache atomically (a failure to write it is not an error: it is only a cache)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for path, ((size, mtime, sha), cell_runs) in entries.items():
        base = {"path": path, "size": size, "mtime_ns": mtime, "sha256": sha, "rules": RULES}
        if not cell_runs:
            rows.append({**base, **{c: None for c in COLUMNS if c not in base}})
        for r in cell_runs:
            rows.append({**base, "run": r.run, "run_time": r.run_time, "environment": r.environment,
                         "packages": r.packages,
                         "task": r.key.task, "backend": r.key.backend, "device": r.key.device,
                         "division": r.key.division, "spec": r.key.spec, "metric": r.metric or "",
                         "metric_value": r.metric_value, "fit_median": r.fit_median,
                         "ok": r.ok, "runs": r.runs, "untrusted": r.untrusted, "adapter": r.adapter})
    schema = pa.schema([("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
                        ("sha256", pa.string()), ("run", pa.string()), ("run_time", pa.string()),
                        ("environment", pa.string()), ("packages", pa.string()), ("task", pa.string()),
                        ("backend", pa.string()),
                        ("device", pa.string()), ("division", pa.string()), ("spec", pa.string()),
                        ("metric", pa.string()), ("metric_value", pa.float64()), ("fit_median", pa.float64()),
                        ("ok", pa.int64()), ("runs", pa.int64()), ("untrusted", pa.string()),
                        ("adapter", pa.string()), ("rules", pa.int64())])
    if not _ours(cache):  # never over a file nnbench did not write, never through a link
        return
    temporary = cache.with_name(cache.name + f".{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), temporary)
        os.replace(temporary, cache)
    except OSError:
        temporary.unlink(missing_ok=True)

"""One cell of the benchmark matrix: what to run, the record it yields, and its keys.

The record is one line of the results file (JSON Lines, long format). Its
top-level fields are those of the :class:`Record` dataclass, in its order
(``RESULT_FIELDS`` is derived from it); see the README's schema. The worker
fills a :class:`Record` (:func:`empty_record`) and serialises it once; every
reader sees a typed :class:`Record` (:meth:`Record.from_dict`), which also
reads files written before ``schema_version`` existed (version 1: no
``division``, read as ``closed``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import numpy as np

from bench.core.record_types import check_types

#: The record layout this code writes; files without the field are version 1. Version 3 added
#: ``conditions`` (contention and stability of the timed phases, :mod:`bench.core.conditions`).
SCHEMA_VERSION = 3
DIVISIONS = ("closed", "open", "tuned")
#: The spec fields the tuned division chooses per cell (its summary groups ignore them, as the seed).
TUNED_FIELDS = ("learning_rate", "batch_size", "optimizer", "momentum", "epochs")
DEFAULT_DIVISION = "closed"

#: Fields without which a JSON object is not an nnbench record at all.
REQUIRED_FIELDS = ("backend", "task", "seed", "status")

#: The default bound on held-out evaluations during training (a cell's ``curve_points``).
MAX_CURVE_POINTS = 100

TIMING_POLICY = (
    "fit timed cold with time.perf_counter (no warm-up run); imports, data loading, drawing "
    "the shared initial weights and held-out evaluation during training excluded; "
    "first_epoch_seconds includes any compilation/warm-up, steady_epoch_seconds is the median "
    "epoch after the first; "
    "predict: one untimed warm-up call, then the median of 3 timed calls on the test rows; "
    "conditions: the CPU other processes took over the timed phases, and the steady epochs' spread"
)


@dataclass
class CellConfig:
    """Everything a worker needs to run one backend × task × seed."""

    backend: str
    task: str
    seed: int = 0
    device: str = "cpu"
    threads: int = 1
    timeout: float = 600.0
    overrides: dict[str, Any] = field(default_factory=dict)
    suite: str = "adhoc"
    memory_limit_mb: int | None = None
    #: held-out evaluations during training at most (0: no learning curve, no time-to-target)
    curve_points: int = MAX_CURVE_POINTS
    #: a task read from a file: its definition (file, target, sha256, ...), so the worker can rebuild it
    task_file: dict[str, Any] | None = None
    #: "closed" (lockstep with the NumPy reference) or "open" (the library's own training)
    division: str = DEFAULT_DIVISION
    #: tuned division: the cell's ``[tuning]`` space, and for one trial or the final fit its job
    #: (:mod:`bench.run.tuning`); None in the other divisions
    tuning: dict[str, Any] | None = None

    def key(self) -> CellKey:
        return CellKey(self.backend, self.task, self.seed, self.device, self.division)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def empty_record(config: CellConfig) -> Record:
    """A record with every field present, filled as the run goes."""
    return Record(
        schema_version=SCHEMA_VERSION, run_id=uuid.uuid4().hex[:12], suite=config.suite,
        backend=config.backend, task=config.task, division=config.division, seed=config.seed,
        device=config.device, threads=config.threads, status="failed", timing_policy=TIMING_POLICY,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def skipped_record(config: CellConfig, reason: str) -> Record:
    record = empty_record(config)
    record.status, record.reason = "skipped", reason
    return record


def failed_record(config: CellConfig, reason: str) -> Record:
    record = empty_record(config)
    record.status, record.reason = "failed", reason
    return record


def out_of_memory_reason(memory_limit_mb: int | None, detail: str) -> str:
    """``out of memory (memory limit N MB): detail``; the limit only when one was set."""
    limit = f" (memory limit {memory_limit_mb} MB)" if memory_limit_mb else ""
    return f"out of memory{limit}: {detail}"


# --- keys ----------------------------------------------------------------------------------------

class CellKey(NamedTuple):
    """One cell of the matrix: what resume and ``--retry-failed`` count as done."""

    backend: str
    task: str
    seed: int
    #: the device asked for (``auto`` before it resolved), not the one that ran
    device: str
    division: str = DEFAULT_DIVISION


class GroupKey(NamedTuple):
    """The runs one summary row (and one compare cell) aggregates: every seed of a network."""

    task: str
    backend: str
    device: str
    division: str
    spec: str

    @property
    def cell(self) -> tuple[str, str, str, str]:
        """The key without the spec: a record lacking a spec joins the one group of its cell."""
        return (self.task, self.backend, self.device, self.division)


def spec_key(spec: Mapping[str, Any] | None, tuned: bool = False) -> str:
    """A short stable id of a resolved spec, ignoring the seed (which differs per cell) and, for the
    tuned division (``tuned``), the values tuning chose per cell (:data:`TUNED_FIELDS`)."""
    if not spec:
        return "-"
    ignored = ("seed", *TUNED_FIELDS) if tuned else ("seed",)
    body = {k: v for k, v in spec.items() if k not in ignored}
    return hashlib.sha1(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _division(value: Any) -> str:
    return value if isinstance(value, str) and value else DEFAULT_DIVISION


def cell_key(record: Record | Mapping[str, Any]) -> CellKey:
    """The matrix key of a record (typed or a worker's dict); the device is the one asked for."""
    if isinstance(record, Record):
        return record.cell_key
    cell = record.get("cell") or {}
    return CellKey(record["backend"], record["task"], record["seed"], cell.get("device", record["device"]),
                   _division(record.get("division") or cell.get("division")))


R = TypeVar("R", "Record", dict)


def latest_per_cell(records: Sequence[R]) -> list[R]:
    """The last record of each cell, in file order (the view after ``--retry-failed`` re-runs)."""
    latest: dict[CellKey, R] = {}
    for record in records:
        key = cell_key(record)
        latest.pop(key, None)
        latest[key] = record
    return list(latest.values())


# --- the typed record ----------------------------------------------------------------------------

class RecordError(ValueError):
    """A JSON value that is not an nnbench record (another tool's, an array, a wrong type)."""


@dataclass(kw_only=True)
class Record:
    """One results line, typed: its fields, in this order, are the record's (``RESULT_FIELDS``).

    ``from_dict`` is tolerant of older files: a missing field takes its
    default (``division`` → ``closed``, ``schema_version`` → 1). Fields this
    version does not know are kept in ``extra`` and written back by
    ``to_dict``, so reading and writing a record never loses anything.
    """

    schema_version: int = 1
    run_id: str | None = None
    suite: str | None = None
    backend: str
    task: str
    division: str = DEFAULT_DIVISION
    seed: int
    device: str = "cpu"
    threads: int | None = None
    status: str
    reason: str = ""
    converged: bool | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    first_epoch_seconds: float | None = None
    steady_epoch_seconds: float | None = None
    epochs: int | None = None
    final_loss: float | None = None
    time_to_target_seconds: float | None = None
    epochs_to_target: int | None = None
    target: dict[str, Any] | None = None
    peak_memory_mb: float | None = None
    baseline_memory_mb: float | None = None
    deviations: list[str] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None
    #: open division: every argument handed to the library (None in the closed division)
    recipe: dict[str, Any] | None = None
    curve: list[dict[str, float]] | None = None
    timing_policy: str | None = None
    env: dict[str, Any] | None = None
    started_at: str | None = None
    wall_seconds: float | None = None
    phase_seconds: dict[str, float] | None = None
    process_seconds: Any = None
    #: contention and stability over the timed phases (:class:`bench.core.conditions.Conditions` as a
    #: dict); None in records before schema 3 and in cells that never reached their timed phases
    conditions: dict[str, Any] | None = None
    #: how the cell's process was started: mode cold | warm, template, imports_preloaded (bench.run.templates)
    start: dict[str, Any] | None = None
    executor: str | None = None
    #: hash of the backend's adapter source (:mod:`bench.run.adapter_source`); None in older records
    adapter_version: str | None = None
    cell: dict[str, Any] | None = None
    suite_config: dict[str, Any] | None = None
    #: tuned division, the final fit: its whole tuning (:class:`bench.core.tuning.TuningOutcome` as a
    #: dict: space, every trial's values, validation score, fit time and status, the chosen values,
    #: tuning_seconds); None elsewhere
    tuning: dict[str, Any] | None = None
    #: tuned division, one trial's record (the ``.trials.jsonl`` journal beside the results file):
    #: :class:`bench.core.tuning.TrialResult` as a dict; None elsewhere
    trial: dict[str, Any] | None = None
    #: fields of a newer (or older) layout this version does not know, kept as they were
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, where: str = "record") -> Record:
        """A typed record; :class:`RecordError` (one line naming ``where``) when ``data`` is none."""
        if not isinstance(data, dict):
            kind = "a JSON array" if isinstance(data, list) else f"a JSON {type(data).__name__}"
            raise RecordError(f"{where}: not an nnbench record ({kind}, not an object)")
        missing = [name for name in REQUIRED_FIELDS if name not in data]
        if missing:
            raise RecordError(f"{where}: not an nnbench record (no {', '.join(repr(m) for m in missing)} "
                              "field); written by another tool?")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        for name, empty in (("metrics", {}), ("deviations", []), ("reason", "")):
            if values.get(name) is None:
                values[name] = empty
        values["schema_version"] = data.get("schema_version") or 1
        if not isinstance(data.get("division"), str | None):
            raise RecordError(f"{where}: field 'division' must be text, got {data['division']!r}")
        values["division"] = _division(data.get("division"))
        if values.get("device") is None:
            values.pop("device", None)
        if not isinstance(values["backend"], str) or not isinstance(values["task"], str):
            raise RecordError(f"{where}: not an nnbench record (backend and task must be text)")
        if not isinstance(values["metrics"], dict):
            kind = type(values["metrics"]).__name__
            raise RecordError(f"{where}: metrics must be a JSON object, got {kind}")
        check_types(cls, values, where, RecordError)
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the results line: the fields in their order, then ``extra``."""
        data = {name: getattr(self, name) for name in RESULT_FIELDS}
        data.update(self.extra)
        return data

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def cell_key(self) -> CellKey:
        asked = (self.cell or {}).get("device", self.device)
        return CellKey(self.backend, self.task, self.seed, asked, self.division)

    def group_key(self, spec: str | None = None) -> GroupKey:
        """The summary group of this record; ``spec`` overrides the key of its own spec."""
        return GroupKey(self.task, self.backend, str(self.device), self.division,
                        spec_key(self.spec, self.division == "tuned") if spec is None else spec)

    def metric(self, name: str) -> Any:
        return self.metrics.get(name)

    @property
    def target_metric(self) -> str | None:
        return (self.target or {}).get("metric") or None

    @property
    def target_direction(self) -> str | None:
        direction = (self.target or {}).get("direction")
        return direction if direction in ("min", "max") else None

    @property
    def curve_points(self) -> int | None:
        """The cell's ``curve_points`` (0: learning curve switched off), when recorded."""
        return (self.cell or {}).get("curve_points")

    @property
    def folds(self) -> int:
        return int((self.evaluation or {}).get("folds") or 1)


#: The record's top-level fields in file order: the dataclass's own, so the layout is listed once.
RESULT_FIELDS = tuple(item.name for item in dataclasses.fields(Record) if item.name != "extra")


def as_records(records: Iterable[Record | Mapping[str, Any]]) -> list[Record]:
    """Typed records from records or worker dicts (the readers' entry point)."""
    return [r if isinstance(r, Record) else Record.from_dict(dict(r)) for r in records]


# --- JSON ----------------------------------------------------------------------------------------

def json_default(value: object) -> object:
    """The one JSON encoder of records (worker and results file): NumPy values become Python ones.

    Anything else is written as its text rather than losing the record
    (e.g. a ``Path`` in a reason or an exotic type in ``deviations``).
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def dumps(record: Mapping[str, Any] | Record) -> str:
    """One record as one JSON line (NaN kept as ``NaN``, as the results file always had)."""
    data = record.to_dict() if isinstance(record, Record) else record
    return json.dumps(data, default=json_default, allow_nan=True)

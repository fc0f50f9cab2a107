"""A task read from the user's own table: ``run --data FILE --target COLUMN`` or a suite's ``[tasks.NAME]``.

Reading (formats, header, memory guard, sha256) is :mod:`tasks.table_reading`;
column types, target kind and encoding are :mod:`tasks.table_inference`; the
split and scaling are the rules every task follows (:mod:`tasks.preprocessing`):
a holdout of ``test_size`` drawn from the run's seed, stratified by class for
classification, the numeric inputs (and a regression target) standardised on
the training rows only.

The default network follows the seed slides: Neurons = (Inputs + Outputs) / 2
(slide "hidden layers", halves rounded up), sigmoid hidden units; a sigmoid
(two classes) or softmax output with cross-entropy for classification, a
linear output with mse for regression (tanh hidden units, as the built-in
regression tasks); mini-batches of 32, learning rate 0.01 with momentum 0.9,
30 epochs. ``--set`` overrides it as for any task.

The time-to-target threshold is to beat the trivial baseline by
:data:`BEAT_BASELINE_BY` — the accuracy of always answering the most common
class, or R² 0 (always answering the training mean) — since nothing is known
about the user's data in advance.

The task is rebuilt in every worker from its definition (:class:`FileTaskDefinition`,
carried by the cell and the suite's ``task_files``), which pins the file's
sha256: a file changed after the run was planned fails instead of mixing data.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.core import suggest
from bench.core.metrics import default_metrics
from bench.core.spec import NetworkSpec
from bench.core.task import Split, Task, TaskDataError, TaskInfo
from tasks.preprocessing import (
    TEST_FRACTION,
    classification_split,
    hidden_neurons,
    holdout_indices,
    regression_split,
)
from tasks.table_inference import KINDS, PreparedTable, mask_unseen, prepare
from tasks.table_reading import TableFile, available_memory_bytes, read_table

SUFFIXES = (".gz", ".csv", ".tsv", ".txt", ".parquet", ".pq")
#: The time-to-target threshold: the trivial baseline's accuracy or R² plus this.
BEAT_BASELINE_BY = 0.01


@dataclass
class FileTaskDefinition:
    """Everything that defines a file task; plain data, stored in suites, cells and records."""

    file: str
    target: str
    kind: str = "auto"
    drop: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    test_size: float = TEST_FRACTION
    dropna: bool = False
    #: the file's sha256 when the run was planned (checked again wherever the task is built)
    sha256: str | None = None

    @classmethod
    def from_mapping(cls, name: str, data: Any) -> FileTaskDefinition:
        """A definition from a suite table or a stored cell; one-line :class:`TaskDataError` when wrong."""
        where = f"task {name!r}"
        check_task_name(name)
        if not isinstance(data, dict):
            raise TaskDataError(f"{where}: expected a table of file, target, ..., got {data!r}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise TaskDataError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}")
        missing = [key for key in ("file", "target") if key not in data]
        if missing:
            raise TaskDataError(f"{where}: needs {' and '.join(missing)}")
        for key, kind in (("file", str), ("target", str), ("kind", str), ("dropna", bool),
                          ("sha256", (str, type(None)))):
            if key in data and not isinstance(data[key], kind):
                raise TaskDataError(f"{where}: {key} has the wrong type: {data[key]!r}")
        for key in ("drop", "categorical"):
            names = data.get(key, [])
            if not (isinstance(names, list) and all(isinstance(v, str) for v in names)):
                raise TaskDataError(f"{where}: {key} must be a list of column names, got {data[key]!r}")
        definition = cls(**data)
        if definition.kind not in KINDS:
            raise TaskDataError(f"{where}: {suggest.unknown('kind', definition.kind, KINDS)}")
        size = definition.test_size
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size < 1:
            raise TaskDataError(f"{where}: test_size must be a fraction between 0 and 1, got {size!r}")
        return definition

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_task_name(name: object) -> None:
    """A task's name is shown, keyed on and used in file names: text, not blank, no surrounding spaces,
    no control characters (:class:`TaskDataError` otherwise)."""
    if not isinstance(name, str) or not name.strip():
        raise TaskDataError(f"a task needs a name; got {name!r} (name the file, or the task in a suite: "
                            "[tasks.NAME])")
    if name != name.strip() or not name.isprintable():
        raise TaskDataError(f"task name {name!r} has surrounding spaces or control characters; rename it")


def task_name_for(path: Path) -> str:
    """The name of ``run --data PATH``'s task: the file name without its table suffixes."""
    name = path.name
    while True:
        stem, suffix = name.rsplit(".", 1) if "." in name.strip(".") else (name, "")
        if f".{suffix.lower()}" not in SUFFIXES or not stem:
            return name
        name = stem


@functools.lru_cache(maxsize=4)
def _load(path: str, size: int, mtime_ns: int, target: str, kind: str, drop: tuple[str, ...],
          categorical: tuple[str, ...], dropna: bool, test_size: float) -> tuple[TableFile, PreparedTable]:
    """Read and prepare once per process (validation and the cell share it); keyed on the file's stat."""
    table = read_table(Path(path))
    prepared = prepare(table, target, kind, list(drop), list(categorical), dropna, test_size,
                       memory_available=available_memory_bytes())
    return replace(table, frame=table.frame.iloc[:0]), prepared  # the rows live on in prepared.X only


class TableFileTask(Task):
    """A holdout task over the rows of a CSV, TSV or Parquet file."""

    def __init__(self, name: str, definition: FileTaskDefinition) -> None:
        self.name = name
        self.definition = definition
        self.path = Path(definition.file)
        self._unseen: dict[str, int] = {}

    @classmethod
    def from_definition(cls, name: str, data: dict[str, Any]) -> TableFileTask:
        return cls(name, FileTaskDefinition.from_mapping(name, data))

    def load(self) -> tuple[TableFile, PreparedTable]:
        """The file read and prepared; :class:`TaskDataError` naming the problem otherwise."""
        d = self.definition
        stat = self._stat()
        table, prepared = _load(str(self.path), stat.st_size, stat.st_mtime_ns, d.target, d.kind,
                                tuple(d.drop), tuple(d.categorical), d.dropna, float(d.test_size))
        if d.sha256 is not None and table.sha256 != d.sha256:
            raise TaskDataError(f"{self.path} changed since this run was planned: its sha256 is "
                                f"{table.sha256[:12]}…, the suite recorded {d.sha256[:12]}…")
        return table, prepared

    def _stat(self) -> Any:
        try:
            return self.path.stat()
        except (OSError, ValueError):  # ValueError: a NUL byte in the name
            raise TaskDataError(f"{self.name}: no data file at {self.path}") from None

    @property
    def prepared(self) -> PreparedTable:
        return self.load()[1]

    @property  # type: ignore[override]
    def kind(self) -> str:
        return self.prepared.kind

    @property  # type: ignore[override]
    def metrics(self) -> tuple[str, ...]:
        """Scored on: the default metrics of the kind the file's target has."""
        return default_metrics(self.prepared.kind)

    @property  # type: ignore[override]
    def target(self) -> tuple[str, float, str]:
        """Beat the trivial baseline (the most common class's share, or R² 0) by :data:`BEAT_BASELINE_BY`."""
        prepared = self.prepared
        if prepared.kind == "regression":
            return ("r2", BEAT_BASELINE_BY, "max")
        counts = np.bincount(prepared.target, minlength=len(prepared.classes))
        share = math.floor(counts.max() / counts.sum() * 1e4) / 1e4
        return ("accuracy", round(min(1.0, share + BEAT_BASELINE_BY), 4), "max")

    def check_data(self) -> None:
        """Read and check the whole file: every bad input stops the run before it starts."""
        self.load()

    def read_data(self) -> None:
        self.load()

    def pinned_definition(self) -> dict[str, Any]:
        """The definition with the file's absolute path and sha256, as suites store it."""
        table, _ = self.load()
        return {**self.definition.to_dict(), "file": str(self.path.resolve()), "sha256": table.sha256}

    def splits(self, seed: int) -> list[Split]:
        prepared = self.prepared
        stratify = prepared.target if prepared.kind != "regression" else None
        train, test = holdout_indices(len(prepared.X), seed, float(self.definition.test_size), stratify)
        X, self._unseen = mask_unseen(prepared.X, prepared.columns, train, test)
        numeric = prepared.numeric_inputs
        scaled = numeric if numeric.size else None
        if prepared.kind == "regression":
            return [regression_split(X, prepared.target, train, test, standardise_columns=scaled)]
        return [classification_split(X, prepared.target, len(prepared.classes), train, test,
                                     standardise_columns=scaled)]

    def default_spec(self) -> NetworkSpec:
        prepared = self.prepared
        n_in, n_out = prepared.X.shape[1], prepared.n_outputs
        if prepared.kind == "regression":
            hidden, output, loss = "tanh", "linear", "mse"
        else:
            hidden, loss = "sigmoid", "cross_entropy"
            output = "sigmoid" if prepared.kind == "binary" else "softmax"
        return NetworkSpec(
            layers=(n_in, hidden_neurons(n_in, n_out), n_out), hidden_activation=hidden,
            output_activation=output, loss=loss, reduction="mean", learning_rate=0.01, momentum=0.9,
            batch_size=32, epochs=30,
        )

    def info(self) -> TaskInfo:
        table, prepared = self.load()
        numeric = sum(c.type == "numeric" for c in prepared.columns)
        categorical = [c for c in prepared.columns if c.type == "categorical"]
        one_hot = sum(c.width for c in categorical)
        stratified = ", stratified" if prepared.kind != "regression" else ""
        if prepared.kind == "regression":
            low, high = prepared.target_range or (math.nan, math.nan)
            classes = [f"{self.definition.target} in [{low:.4g}, {high:.4g}]"]
        else:
            classes = prepared.classes
        data = {**table.provenance(), "target": self.definition.target, "rows": len(prepared.X),
                "rows_dropped_missing": prepared.rows_dropped}
        if self._unseen:
            data["unseen_categories"] = dict(self._unseen)
        return TaskInfo(
            source=f"file {table.path.name} ({table.format}, sha256 {table.sha256[:12]}…)",
            licence="your data", rows=len(prepared.X), features=len(prepared.columns), classes=classes,
            evaluation=f"{self.definition.test_size:.0%} holdout{stratified}, from seed",
            notes=f"{numeric} numeric standardised on train, {len(categorical)} categorical one-hot "
                  f"({one_hot} inputs): {prepared.X.shape[1]} inputs",
            data=data,
        )

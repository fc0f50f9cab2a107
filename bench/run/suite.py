"""Suites: the matrix to run, from a TOML file or command-line flags.

```toml
name = "default"
backends = ["numpy", "torch"]
tasks = ["xor", "and"]
seeds = [0, 1, 2]
device = "cpu"
threads = 1
timeout = 600
divisions = ["closed", "open"]   # default ["closed"]; "tuned" too: see docs/tuned.md
quiet_machine = "warn"           # or "wait" / "refuse" (run --quiet-machine overrides it)
quiet_wait_limit = 300           # seconds "wait" pauses before one cell, at most

[overrides]          # applied to every task's default spec
epochs = 100

[tasks_overrides.xor]  # per task
learning_rate = 0.5

[tuning]             # the tuned division's search space and budget (bench.core.tuning.TuningSpace)
trials = 12
learning_rate = [0.001, 1.0]
[tasks_backends]     # a task run by fewer backends (default: all of backends)
digits = ["numpy", "torch"]
```

``tasks`` may instead be a table of tables, to add tasks read from your own
CSV/TSV/Parquet files (``tasks/table_file.py``; ``file`` is relative to the
suite file's folder) beside registered ones (an empty table)::

    [tasks.xor]
    [tasks.credit]
    file = "germancredit.csv"
    target = "creditability"
    kind = "auto"            # or binary, multiclass, regression
    drop = ["telephone"]
    categorical = ["installment_rate_in_percentage_of_disposable_income"]
    test_size = 0.2
    dropna = false

Published results the suite reruns (``[[published]]`` tables, :mod:`bench.core.published`) name
a cell of the suite (task, backend, division) and one of its task's metrics; the report sets the
rerun against them (:mod:`bench.report.reproduction`)::

    [[published]]
    task = "fashion-mnist"
    backend = "sklearn"
    division = "open"
    metric = "accuracy"
    value = 0.871
    spread = 0.0005
    spread_source = "the figure's rounding"
    source = "paper, table, row"

They are stored as ``task_files`` (name → definition with the file's
absolute path and sha256), so every record's ``suite_config`` rebuilds them.
"""

from __future__ import annotations

import copy
import importlib.util
import tomllib
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.core import metrics, registry
from bench.core import values as numeric
from bench.core.conditions import QUIET_MODES, WAIT_LIMIT_SECONDS
from bench.core.files import SUITE_LIMIT_BYTES, InputFileError, read_regular
from bench.core.published import PublishedError, published_list
from bench.core.record import DIVISIONS, MAX_CURVE_POINTS, CellConfig
from bench.core.spec import NetworkSpec, SpecError, coerce_overrides
from bench.core.task import Task
from bench.core.tuning import TuningError, TuningSpace
from bench.run.threads import default_threads

DEVICES = ("cpu", "gpu", "auto")
#: ``suite_config`` lists at most this many seeds; a longer run of consecutive seeds is stored as
#: ``{"first": a, "count": n}``, so a record's size does not grow with the matrix.
LISTED_SEEDS_MAX = 1000
#: The largest address-space cap setrlimit takes (bytes in a signed 64-bit number), in MB.
MAX_MEMORY_LIMIT_MB = int(numeric.RANGES["memory_limit_mb"].high)
SUITE_KEYS = {"name", "backends", "tasks", "seeds", "device", "threads", "timeout",
              "overrides", "tasks_overrides", "memory_limit_mb", "curve_points", "task_files",
              "divisions", "quiet_machine", "quiet_wait_limit", "tuning", "published", "tasks_backends"}


class SuiteError(ValueError):
    """A suite that cannot be run as written."""


@dataclass
class Suite:
    name: str = "adhoc"
    backends: list[str] = field(default_factory=lambda: ["numpy"])
    tasks: list[str] = field(default_factory=lambda: ["and", "or", "xor"])
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    device: str = "cpu"
    threads: int = field(default_factory=default_threads)
    timeout: float = 600.0
    overrides: dict[str, Any] = field(default_factory=dict)
    tasks_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    memory_limit_mb: int | None = None
    curve_points: int = MAX_CURVE_POINTS
    divisions: list[str] = field(default_factory=lambda: ["closed"])
    #: on a contended machine: warn, wait (up to quiet_wait_limit seconds per cell) or refuse to run
    quiet_machine: str = "warn"
    quiet_wait_limit: float = WAIT_LIMIT_SECONDS
    #: tasks read from files: name → definition (tasks.table_file.FileTaskDefinition as a table)
    task_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the tuned division's ``[tuning]`` table (missing keys: :class:`TuningSpace`'s defaults)
    tuning: dict[str, Any] = field(default_factory=dict)
    #: task → the backends that run it, among ``backends`` (a task not named: every backend)
    tasks_backends: dict[str, list[str]] = field(default_factory=dict)
    #: published results this suite reruns ([[published]] tables; bench.core.published.Published as tables)
    published: list[dict[str, Any]] = field(default_factory=list)

    def task(self, name: str) -> Task:
        """The task ``name`` of this suite: a file task from ``task_files``, else a registered one."""
        return registry.task(name, self.task_files.get(name))

    def validate(self) -> None:
        self._check_types()
        if not self.backends:
            raise SuiteError("the suite names no backend")
        if not self.tasks:
            raise SuiteError("the suite names no task")
        if not self.seeds:
            raise SuiteError("the suite names no seed")
        if not self.divisions:
            raise SuiteError("the suite names no division")
        unknown = [d for d in self.divisions if d not in DIVISIONS]
        if unknown:
            raise SuiteError(f"unknown division {unknown[0]!r}; known: {', '.join(DIVISIONS)}")
        self.tuning_space()
        registry.check_backend_names(self.backends)
        self._check_tasks_backends()
        _check_file_task_names(self.task_files)
        registry.check_task_names([name for name in self.tasks if name not in self.task_files])
        if self.device not in DEVICES:
            raise SuiteError(f"unknown device {self.device!r}; known: {', '.join(DEVICES)}")
        self._check_numbers()
        if self.quiet_machine not in QUIET_MODES:
            raise SuiteError(f"quiet_machine must be one of {', '.join(QUIET_MODES)}, "
                             f"got {self.quiet_machine!r}")
        if not self.quiet_wait_limit >= 0:
            raise SuiteError(f"quiet_wait_limit must be >= 0 seconds, got {self.quiet_wait_limit}")
        for label, values in (("backend", self.backends), ("task", self.tasks), ("seed", self.seeds),
                              ("division", self.divisions)):
            # Counter, not list.count: linear in the matrix (--seeds 100000 plans in a blink).
            repeated = sorted(str(value) for value, times in Counter(values).items() if times > 1)
            if repeated:
                raise SuiteError(f"{label} {', '.join(repeated)} listed more than once")
        if "seed" in self.overrides or any("seed" in table for table in self.tasks_overrides.values()):
            raise SuiteError("the spec's seed is each cell's seed; set the seeds with seeds / --seed / "
                             "--seeds, not as an override (it would give every cell the same seed)")
        registry.check_task_names([name for name in self.tasks_overrides if name not in self.task_files])
        # Each task's data must be readable and its resolved spec valid before anything runs; an
        # override for a registered task this suite does not run is checked too (a typo is not ignored).
        unrun = [name for name in self.tasks_overrides
                 if name not in self.tasks and name not in self.task_files]
        for task_name in [*self.tasks, *unrun]:
            task = self.task(task_name)
            if task_name in self.tasks:
                task.check_data()
            if task_name in self.task_files:  # pin the file's path and sha256 for the workers and --resume
                self.task_files[task_name] = task.pinned_definition()  # type: ignore[attr-defined]
            _check_fits_task(task_name, task.default_spec(), self.overrides_for(task_name))
        self._check_published()

    def _check_tasks_backends(self) -> None:
        """Each ``tasks_backends`` entry names a known task (run or not: ``--task`` may narrow the suite;
        a typo is not ignored) and registered backends, once each."""
        registry.check_task_names([name for name in self.tasks_backends if name not in self.task_files])
        for task, names in self.tasks_backends.items():
            registry.check_backend_names(names)
            if not names or len(set(names)) != len(names):
                raise SuiteError(f"tasks_backends.{task} must list one or more backends, each once")

    def backends_for(self, task: str) -> list[str]:
        """The suite's backends that run ``task``, in the suite's order."""
        chosen = self.tasks_backends.get(task)
        return [b for b in self.backends if chosen is None or b in chosen]

    def _check_published(self) -> None:
        """Each published entry names a known task, backend and division (run or not: ``--task`` or
        ``--backend`` may narrow the suite, and the report then says "not run") and a ranked metric of
        its task."""
        try:
            entries = published_list(self.published)
        except PublishedError as exc:
            raise SuiteError(str(exc)) from None
        for index, entry in enumerate(entries):
            where = f"published[{index}]"
            try:
                if entry.task not in self.task_files:
                    registry.check_task_names([entry.task])
                registry.check_backend_names([entry.backend])
            except LookupError as exc:
                raise SuiteError(f"{where}: {exc}") from None
            if entry.division not in DIVISIONS:
                raise SuiteError(f"{where}: unknown division {entry.division!r}; "
                                 f"known: {', '.join(DIVISIONS)}")
            names = metrics.task_metrics(self.task(entry.task))
            if entry.metric not in names or not metrics.METRICS[entry.metric].direction:
                raise SuiteError(f"{where}: task {entry.task!r} is not scored on {entry.metric!r} "
                                 f"(its metrics: {', '.join(names)})")

    def _check_numbers(self) -> None:
        """Every number within its range (:mod:`bench.core.values`, the same rule as the flags')."""
        try:
            self.threads = int(numeric.check(self.threads, "threads"))
            self.timeout = float(numeric.check(self.timeout, "timeout"))
            if self.memory_limit_mb is not None:
                self.memory_limit_mb = int(numeric.check(self.memory_limit_mb, "memory_limit_mb"))
            self.curve_points = int(numeric.check(self.curve_points, "curve_points"))
            numeric.check(len(self.seeds), "seeds")
            for seed in self.seeds:
                numeric.check(seed, "seed")
        except numeric.ValueRangeError as exc:
            raise SuiteError(str(exc)) from None

    def _check_types(self) -> None:
        """Wrong TOML types (``backends = "numpy"``) fail here with one clear line."""
        expected: list[tuple[str, object, type | tuple[type, ...]]] = [
            ("name", self.name, str), ("device", self.device, str), ("threads", self.threads, int),
            ("timeout", self.timeout, (int, float)), ("overrides", self.overrides, dict),
            ("tasks_overrides", self.tasks_overrides, dict), ("curve_points", self.curve_points, int),
            ("quiet_machine", self.quiet_machine, str),
            ("quiet_wait_limit", self.quiet_wait_limit, (int, float)),
        ]
        if self.memory_limit_mb is not None:
            expected.append(("memory_limit_mb", self.memory_limit_mb, int))
        for key, value, kind in expected:
            if not isinstance(value, kind) or isinstance(value, bool):
                raise SuiteError(f"{key} has the wrong type: {value!r}")
        for key, values, kind in (("backends", self.backends, str), ("tasks", self.tasks, str),
                                  ("seeds", self.seeds, int), ("divisions", self.divisions, str)):
            if not isinstance(values, list) or not all(
                    isinstance(v, kind) and not isinstance(v, bool) for v in values):
                raise SuiteError(f"{key} must be a list of {'integers' if kind is int else 'names'}")
        chosen = self.tasks_backends
        if not isinstance(chosen, dict) or not all(
                isinstance(v, list) and all(isinstance(n, str) for n in v) for v in chosen.values()):
            raise SuiteError("tasks_backends must map task names to lists of backend names")
        if not all(isinstance(v, dict) for v in self.tasks_overrides.values()):
            raise SuiteError("tasks_overrides must map task names to tables of spec fields")
        files = self.task_files
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise SuiteError("task_files must map task names to tables (file, target, ...)")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (stored in every record as ``suite_config``; see :func:`suite_from_mapping`)."""
        seeds = self.seeds
        compact = len(seeds) > LISTED_SEEDS_MAX and seeds == list(range(seeds[0], seeds[0] + len(seeds)))
        return {item.name: ({"first": seeds[0], "count": len(seeds)} if compact else list(seeds))
                if item.name == "seeds" else copy.deepcopy(getattr(self, item.name)) for item in fields(self)}

    def tuning_space(self) -> TuningSpace:
        """The ``[tuning]`` table as a validated space (:class:`SuiteError` naming the bad key); the tuned
        division also needs Optuna installed."""
        try:
            space = TuningSpace.from_dict(self.tuning)
        except (TuningError, TypeError) as exc:
            raise SuiteError(str(exc)) from None
        if "tuned" in self.divisions and importlib.util.find_spec("optuna") is None:
            raise SuiteError("the tuned division needs Optuna; install it with: pip install 'nnbench[tune]'")
        return space

    def overrides_for(self, task: str) -> dict[str, Any]:
        merged = {**self.overrides, **self.tasks_overrides.get(task, {})}
        return coerce_overrides(merged)

    def cells(self) -> list[CellConfig]:
        """The matrix in a stable order: division, task, backend, seed (overrides resolved once a task)."""
        overrides = {task: self.overrides_for(task) for task in self.tasks}
        tuning = {"space": self.tuning_space().to_dict()} if "tuned" in self.divisions else None
        return [
            CellConfig(backend=backend, task=task, seed=seed, device=self.device,
                       threads=self.threads, timeout=self.timeout,
                       overrides=dict(overrides[task]), suite=self.name,
                       memory_limit_mb=self.memory_limit_mb, curve_points=self.curve_points,
                       task_file=self.task_files.get(task), division=division,
                       tuning=dict(tuning) if tuning and division == "tuned" else None)
            for division in self.divisions
            for task in self.tasks for backend in self.backends_for(task) for seed in self.seeds
        ]


def _check_fits_task(task_name: str, default: NetworkSpec, overrides: dict[str, Any]) -> None:
    """The resolved spec must be valid and keep the task's input and output sizes."""
    spec = default.replace(**overrides)
    if (spec.n_inputs, spec.n_outputs) != (default.n_inputs, default.n_outputs):
        layers = "-".join(map(str, spec.layers))
        raise SuiteError(
            f"layers {layers} do not fit task {task_name!r}: it takes {default.n_inputs} input(s) and "
            f"gives {default.n_outputs} output(s), the spec has {spec.n_inputs} and {spec.n_outputs}")


def _check_file_task_names(task_files: dict[str, dict[str, Any]]) -> None:
    taken = sorted(set(task_files) & set(registry.task_names()))
    if taken:
        raise SuiteError(f"file task {taken[0]!r} has the name of a registered task; rename the file "
                         "or name the task in a suite ([tasks.NAME])")


def _tasks_table(data: dict[str, Any], source: str, base: Path | None) -> dict[str, Any]:
    """``tasks`` as a TOML table: registered tasks (empty tables) and file tasks (``file = ...``)."""
    tasks = data["tasks"]
    files = dict(data.get("task_files") or {})
    for name, table in tasks.items():
        if not isinstance(table, dict):
            raise SuiteError(f"{source}: tasks.{name} must be a table (empty for a registered task)")
        if table:
            if "file" in table and isinstance(table["file"], str) and base is not None:
                table = {**table, "file": str((base / table["file"]).resolve())}
            files[name] = table
    return {**data, "tasks": list(tasks), "task_files": files}


def suite_from_mapping(data: dict[str, Any], source: str, base: Path | None = None) -> Suite:
    """A suite from parsed TOML or a stored ``suite_config`` (not yet validated).

    ``base``: the folder relative ``file`` paths of ``[tasks.NAME]`` tables start from.
    """
    if not isinstance(data, dict):
        raise SuiteError(f"{source}: a suite must be a table of keys, got {type(data).__name__}")
    if isinstance(data.get("tasks"), dict):
        data = _tasks_table(data, source, base)
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise SuiteError(f"{source}: unknown key(s) {unknown}; known: {sorted(SUITE_KEYS)}")
    if isinstance(data.get("seeds"), dict):
        data = {**data, "seeds": _expand_seeds(data["seeds"], source)}
    try:
        suite = Suite(**data)
        suite._check_types()
    except (TypeError, SuiteError) as exc:
        raise SuiteError(f"{source}: {exc}") from None
    return suite


def _expand_seeds(compact: dict[str, Any], source: str) -> list[int]:
    """``{"first": a, "count": n}`` (see :data:`LISTED_SEEDS_MAX`) → ``[a, …, a + n - 1]``."""
    first, count = compact.get("first"), compact.get("count")
    if set(compact) != {"first", "count"}:
        raise SuiteError(f"{source}: seeds must be a list of integers or {{first = A, count = N}}")
    try:  # bounded before the list is built: a count of 10**12 is refused, not allocated
        first, count = numeric.check(first, "seed"), numeric.check(count, "seeds")
        numeric.check(first + count - 1, "seed")
    except numeric.ValueRangeError as exc:
        raise SuiteError(f"{source}: seeds must be a list of integers or {{first = A, count = N}} ({exc})"
                         ) from None
    return list(range(int(first), int(first + count)))


def load_suite(path: Path) -> Suite:
    path = Path(path)
    try:
        data = tomllib.loads(read_regular(path, "suite file", SUITE_LIMIT_BYTES).decode("utf-8"))
    except InputFileError as exc:
        raise SuiteError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise SuiteError(f"cannot read suite file {path} ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: malformed TOML ({exc})") from None
    except RecursionError:
        raise SuiteError(f"{path}: nested too deeply to be a suite") from None
    data.setdefault("name", path.stem)
    return suite_from_mapping(data, str(path), base=path.parent)


__all__ = ["Suite", "SuiteError", "load_suite", "suite_from_mapping", "SpecError"]

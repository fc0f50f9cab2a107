"""Suites: the matrix to run, from a TOML file or command-line flags.

```toml
name = "default"
backends = ["numpy", "torch"]
tasks = ["xor", "and"]
seeds = [0, 1, 2]
device = "cpu"
threads = 1
timeout = 600

[overrides]          # applied to every task's default spec
epochs = 100

[tasks_overrides.xor]  # per task
learning_rate = 0.5
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import registry
from bench.cell import CellConfig
from bench.spec import SpecError, coerce_overrides
from bench.threads import default_threads

DEVICES = ("cpu", "gpu", "auto")
SUITE_KEYS = {"name", "backends", "tasks", "seeds", "device", "threads", "timeout",
              "overrides", "tasks_overrides", "memory_limit_mb"}


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

    def validate(self) -> None:
        if not self.backends:
            raise SuiteError("the suite names no backend")
        if not self.tasks:
            raise SuiteError("the suite names no task")
        if not self.seeds:
            raise SuiteError("the suite names no seed")
        registry.check_backend_names(self.backends)
        registry.check_task_names(self.tasks)
        if self.device not in DEVICES:
            raise SuiteError(f"unknown device {self.device!r}; known: {', '.join(DEVICES)}")
        if self.threads < 1:
            raise SuiteError(f"threads must be >= 1, got {self.threads}")
        if not self.timeout > 0:
            raise SuiteError(f"timeout must be > 0 seconds, got {self.timeout}")
        for name in self.tasks_overrides:
            registry.check_task_names([name])
        # Each task's resolved spec must be valid before anything runs.
        for task_name in self.tasks:
            task = registry.task(task_name)
            task.default_spec().replace(**self.overrides_for(task_name))

    def overrides_for(self, task: str) -> dict[str, Any]:
        merged = {**self.overrides, **self.tasks_overrides.get(task, {})}
        return coerce_overrides(merged)

    def cells(self) -> list[CellConfig]:
        """The matrix, in a stable order: task, backend, seed."""
        return [
            CellConfig(backend=backend, task=task, seed=seed, device=self.device,
                       threads=self.threads, timeout=self.timeout,
                       overrides=self.overrides_for(task), suite=self.name,
                       memory_limit_mb=self.memory_limit_mb)
            for task in self.tasks for backend in self.backends for seed in self.seeds
        ]


def load_suite(path: Path) -> Suite:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"no suite file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: malformed TOML ({exc})") from None
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise SuiteError(f"{path}: unknown key(s) {unknown}; known: {sorted(SUITE_KEYS)}")
    data.setdefault("name", path.stem)
    try:
        suite = Suite(**data)
    except TypeError as exc:
        raise SuiteError(f"{path}: {exc}") from None
    if not isinstance(suite.seeds, list) or not all(isinstance(s, int) for s in suite.seeds):
        raise SuiteError(f"{path}: seeds must be a list of integers")
    return suite


__all__ = ["Suite", "SuiteError", "load_suite", "SpecError"]

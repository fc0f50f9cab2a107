"""One cell of the benchmark matrix: what to run, and the record it yields.

The record is one line of the results file (JSON Lines, long format). Its
top-level fields are fixed; see ``RESULT_FIELDS`` and the README's schema.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

RESULT_FIELDS = (
    "run_id", "suite", "backend", "task", "seed", "device", "threads", "status", "reason",
    "converged", "metrics", "fit_seconds", "predict_seconds", "first_epoch_seconds",
    "steady_epoch_seconds", "epochs", "final_loss", "time_to_target_seconds",
    "epochs_to_target", "target", "peak_memory_mb", "baseline_memory_mb", "deviations",
    "evaluation", "spec", "curve", "timing_policy", "env", "started_at", "wall_seconds",
    "phase_seconds", "process_seconds", "executor", "cell", "suite_config",
)

#: The default bound on held-out evaluations during training (a cell's ``curve_points``).
MAX_CURVE_POINTS = 100

TIMING_POLICY = (
    "fit timed cold with time.perf_counter (no warm-up run); imports, data loading, drawing "
    "the shared initial weights and held-out evaluation during training excluded; "
    "first_epoch_seconds includes any compilation/warm-up, steady_epoch_seconds is the median "
    "epoch after the first; "
    "predict: one untimed warm-up call, then the median of 3 timed calls on the test rows"
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

    def key(self) -> tuple[str, str, int, str]:
        return (self.backend, self.task, self.seed, self.device)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def empty_record(config: CellConfig) -> dict[str, Any]:
    """A record with every field present, filled as the run goes."""
    record: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    record.update(
        run_id=uuid.uuid4().hex[:12], suite=config.suite, backend=config.backend,
        task=config.task, seed=config.seed, device=config.device, threads=config.threads,
        status="failed", reason="", metrics={}, deviations=[], timing_policy=TIMING_POLICY,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return record


def skipped_record(config: CellConfig, reason: str) -> dict[str, Any]:
    record = empty_record(config)
    record.update(status="skipped", reason=reason)
    return record


def failed_record(config: CellConfig, reason: str) -> dict[str, Any]:
    record = empty_record(config)
    record.update(status="failed", reason=reason)
    return record


def out_of_memory_reason(memory_limit_mb: int | None, detail: str) -> str:
    """``out of memory (memory limit N MB): detail``; the limit only when one was set."""
    limit = f" (memory limit {memory_limit_mb} MB)" if memory_limit_mb else ""
    return f"out of memory{limit}: {detail}"

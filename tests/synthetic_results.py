"""Synthetic result records for the report and compare tests (no training needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.core.record import RESULT_FIELDS

SPEC = {"layers": [2, 3, 1], "hidden_activation": "sigmoid", "output_activation": "sigmoid", "loss": "mse",
        "reduction": "sum", "optimizer": "sgd", "learning_rate": 0.5, "momentum": 0.9, "batch_size": 0,
        "epochs": 100, "init": "glorot_uniform", "init_scale": 1.0, "bias": True, "shuffle": False,
        "seed": 0, "dtype": "float64"}
ENV = {"python": "3.11.7", "platform": "Linux", "cpu": "Test CPU", "cores": 2, "hostname": "h",
       "packages": {"numpy": "2.0.0"}}


def record(backend: str = "numpy", task: str = "xor", seed: int = 0, accuracy: float = 1.0,
           fit: float = 1.0, status: str = "ok", reason: str = "", spec: dict[str, Any] | None = None,
           epochs_to_target: int | None = 40, env: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    """One complete record; failed/skipped ones have empty metrics and null times, as the worker writes."""
    base: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    base.update(backend=backend, task=task, seed=seed, device="cpu", threads=1, status=status,
                reason=reason, metrics={}, deviations=[], env=env or ENV, suite="test",
                spec={**(spec or SPEC), "seed": seed})
    if status == "ok":
        base.update(
            metrics={"accuracy": accuracy, "mse": 1 - accuracy, "confusion_matrix": [[2, 0], [0, 2]]},
            fit_seconds=fit, predict_seconds=fit / 100, first_epoch_seconds=fit / 10,
            steady_epoch_seconds=fit / 200, epochs=100, final_loss=0.01, peak_memory_mb=40.0,
            target={"metric": "accuracy", "value": 1.0, "direction": "max"},
            epochs_to_target=epochs_to_target,
            time_to_target_seconds=None if epochs_to_target is None else fit * epochs_to_target / 100,
            curve=[{"epoch": e, "loss": 0.2 / e, "seconds": fit * e / 100,
                    "accuracy": min(1.0, 0.5 + e / 100)} for e in (1, 10, 50, 100)],
        )
    base.update(extra)
    return base


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path

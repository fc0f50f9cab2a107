"""The micro-benchmarks (``make bench-micro``) stay importable and collectable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.core import registry

ROOT = Path(__file__).resolve().parents[1]


def test_micro_benchmarks_collect_one_step_and_predict_per_backend() -> None:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-m", "micro", "tests/micro"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in registry.backend_names():
        assert f"test_one_training_step[{name}]" in done.stdout
        assert f"test_predict_latency[{name}]" in done.stdout

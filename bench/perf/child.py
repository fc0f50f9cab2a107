"""Run ``python -m MODULE ARGS…`` in a fresh interpreter under one thread budget; read its JSON line.

Shared by ``bench perf`` (:mod:`bench.perf.epoch.probe`) and ``bench scaling``
(:mod:`bench.perf.scaling`): the child prints one JSON object as its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.run.threads import backend_environment


def run_json_child(module: str, args: list[str], threads: int, device: str,
                   timeout: float) -> tuple[dict[str, Any] | None, str]:
    """The child's last stdout line as JSON, or ``(None, why not)``."""
    env = backend_environment(threads, device)
    try:
        done = subprocess.run([sys.executable, "-m", module, *args],
                              capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:g} s"
    try:
        return json.loads(done.stdout.strip().splitlines()[-1]), ""
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"failed (exit {done.returncode}): {tail[-300:]}"

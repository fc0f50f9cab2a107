"""Run a cell in its own interpreter, with a hard time limit.

After automlbenchmark: each framework runs isolated in a child process,
config in, result out. Unlike benchopt, the limit is hard: the child is
started in a new session and its whole process group is killed when time is
up, so a hung backend (or a thread it spawned) cannot stall the matrix.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.cell import CellConfig, failed_record
from bench.threads import thread_environment

STDERR_TAIL_CHARS = 400


def _limit_memory(megabytes: int | None):  # type: ignore[no-untyped-def]
    if not megabytes:
        return None

    def apply() -> None:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run_isolated(config: CellConfig) -> dict[str, Any]:
    """Run ``config`` in a fresh ``python -m bench.worker``; always returns a record."""
    with tempfile.TemporaryDirectory(prefix="nnbench-") as scratch:
        config_path = Path(scratch, "config.json")
        result_path = Path(scratch, "result.json")
        config_path.write_text(json.dumps(config.to_dict()), encoding="utf-8")
        env = thread_environment(config.threads)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if config.device != "gpu":
            env["CUDA_VISIBLE_DEVICES"] = ""
        started = time.perf_counter()
        with open(Path(scratch, "stderr.txt"), "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.worker", str(config_path), str(result_path)],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, env=env,
                start_new_session=True, preexec_fn=_limit_memory(config.memory_limit_mb),
            )
            try:
                code = process.wait(timeout=config.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                record = failed_record(config, f"timed out after {config.timeout:g} s (process group killed)")
                record["wall_seconds"] = time.perf_counter() - started
                return record
        elapsed = time.perf_counter() - started
        if result_path.exists():
            record = json.loads(result_path.read_text(encoding="utf-8"))
            record["process_seconds"] = elapsed
            return record
        tail = Path(scratch, "stderr.txt").read_bytes().decode("utf-8", "replace").strip()
        last_line = tail.splitlines()[-1][-STDERR_TAIL_CHARS:] if tail else "no output"
        record = failed_record(config, f"worker crashed ({_describe_exit(code)}): {last_line}")
        record["wall_seconds"] = elapsed
        return record

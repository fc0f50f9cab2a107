"""Run a cell in its own interpreter, with a hard time limit and a memory cap.

After automlbenchmark: each framework runs isolated in a child process,
config in, result out. Unlike benchopt, the limit is hard: the child is
started in a new session and, when time is up, it, every process it spawned
and its whole process group are killed, so a hung backend (or a process it
started) cannot stall the matrix. Whatever the child does — crash on a
signal, exhaust its memory, write a corrupt result, hang — the caller gets
exactly one record back.

The child is ``python -m bench.run.isolation LIMIT_MB PARENT_PID CONFIG RESULT``,
a small supervisor that makes itself a child subreaper and forks the worker;
the worker caps its own address space (``RLIMIT_AS``; 0 = no cap) *before*
importing anything heavy, then runs :func:`bench.run.entry.main`. If the
harness dies, even by ``kill -9``, the kernel tells the supervisor (Linux
``PR_SET_PDEATHSIG``), which kills the worker and every process it started,
also one that called ``setsid``, and removes the cell's scratch folder.
Setting the cap in the child, rather than with ``preexec_fn``, keeps
``run_isolated`` safe to call from threads (a Dask worker's task threads).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.core.record import CellConfig, failed_record, out_of_memory_reason
from bench.run.threads import ThreadPolicy, backend_environment

STDERR_TAIL_CHARS = 400
#: Text in a dead worker's stderr that means it ran out of memory.
OUT_OF_MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")
#: The bench package's parent directory, put on the worker's PYTHONPATH.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')


def run_isolated(config: CellConfig) -> dict[str, Any]:
    """Run ``config`` in a fresh worker process (a cold start); always returns one record."""
    with tempfile.TemporaryDirectory(prefix="nnbench-") as scratch:
        config_path, result_path, stderr_path = cell_files(scratch, config)
        command = [sys.executable, "-m", "bench.run.isolation", str(config.memory_limit_mb or 0),
                   str(os.getpid()), str(config_path), str(result_path)]
        started = time.perf_counter()
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                       env=worker_environment(config), start_new_session=True)
            try:
                code = process.wait(timeout=config.timeout)
            except subprocess.TimeoutExpired:
                _kill_tree(process)
                return timed_out_record(config, time.perf_counter() - started)
            except BaseException:  # Ctrl-C, SIGTERM: the cell's whole tree goes with the harness
                _kill_tree(process)
                raise
            _kill_leftovers(process)
        record = finished_record(config, code, result_path, stderr_path, time.perf_counter() - started)
    record.setdefault("start", None)
    if record["start"] is None:
        record["start"] = CellStart().to_dict()
    return record


@dataclass
class CellStart:
    """How a cell's process was started (the record's ``start``): cold, or warm from a template."""

    mode: str = "cold"
    #: ``backend/pid`` of the template a warm cell was forked from; None when cold
    template: str | None = None
    imports_preloaded: list[str] = field(default_factory=list)
    template_threads: int | None = None
    template_startup_seconds: float | None = None
    #: why a cell went cold, or what went wrong with its template
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON object; the template's figures and the reason only when there are any."""
        data: dict[str, object] = {"mode": self.mode, "template": self.template,
                                   "imports_preloaded": self.imports_preloaded}
        optional = {"template_threads": self.template_threads,
                    "template_startup_seconds": self.template_startup_seconds, "reason": self.reason}
        data.update({key: value for key, value in optional.items() if value is not None})
        return data


def cell_files(scratch: str, config: CellConfig) -> tuple[Path, Path, Path]:
    """The config (written), result and stderr paths of a cell in the folder ``scratch``."""
    config_path = Path(scratch, "config.json")
    config_path.write_text(json.dumps(config.to_dict()), encoding="utf-8")
    return config_path, Path(scratch, "result.json"), Path(scratch, "stderr.txt")


def timed_out_record(config: CellConfig, elapsed: float) -> dict[str, Any]:
    record = failed_record(config, f"timed out after {config.timeout:g} s (process group killed)")
    record.wall_seconds = record.process_seconds = elapsed
    return record.to_dict()


def finished_record(config: CellConfig, code: int, result_path: Path, stderr_path: Path,
                    elapsed: float) -> dict[str, Any]:
    """The record of a cell whose process ended with ``code`` (a negative signal number if killed)."""
    record, problem = _read_result(result_path)
    if record is None:
        stderr_text = stderr_path.read_bytes().decode("utf-8", "replace") if stderr_path.exists() else ""
        reason = problem or crash_reason(code, stderr_text, config.memory_limit_mb)
        record = failed_record(config, reason).to_dict()
    record["process_seconds"] = elapsed
    if record.get("wall_seconds") is None:
        record["wall_seconds"] = elapsed
    return record


def worker_environment(config: CellConfig, policy: ThreadPolicy | None = None) -> dict[str, str]:
    """This process's environment with the cell's thread policy (default: the budget's), device and
    import path."""
    env = backend_environment(config.threads, config.device, policy)
    env["PYTHONFAULTHANDLER"] = "1"  # a fatal signal prints where it happened
    if PACKAGE_ROOT.name not in ("site-packages", "dist-packages"):
        paths = [str(PACKAGE_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def _read_result(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The worker's record, or ``(None, why it is unusable)``; ``(None, "")`` if absent."""
    if not path.exists():
        return None, ""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, f"worker wrote a corrupt result file ({exc})"
    if not isinstance(record, dict) or "status" not in record:
        return None, "worker wrote a result file that holds no record"
    return record, ""


def crash_reason(code: int, stderr_text: str, memory_limit_mb: int | None) -> str:
    """One line saying why a worker ended without a result."""
    detail = _crash_detail(stderr_text)
    if code == -signal.SIGKILL:
        return ("worker killed by SIGKILL, most likely out of memory (the kernel's OOM killer sends "
                f"SIGKILL): {detail}")
    reason = f"worker crashed ({_describe_exit(code)}): {detail}"
    if any(marker in stderr_text for marker in OUT_OF_MEMORY_MARKERS):
        return out_of_memory_reason(memory_limit_mb, reason)
    return reason


def _crash_detail(stderr_text: str) -> str:
    """The fatal-error line and innermost frame of a faulthandler dump, else the last stderr line."""
    lines = [line.strip() for line in stderr_text.splitlines() if line.strip()]
    if not lines:
        return "no output"
    fatal = next((line for line in lines if line.startswith("Fatal Python error")), None)
    if fatal is None:
        return lines[-1][-STDERR_TAIL_CHARS:]
    frame = next((m for m in map(_FRAME.search, lines[lines.index(fatal):]) if m), None)
    where = f" in {frame['function']} at {Path(frame['file']).name}:{frame['line']}" if frame else ""
    return f"{fatal}{where}"[-STDERR_TAIL_CHARS:]


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill the worker, every descendant (even one that left the group) and its group."""
    try:
        import psutil

        descendants = psutil.Process(process.pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil missing or the worker already gone
        descendants = []
    for child in descendants:
        try:
            os.kill(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    _kill_group(process.pid)
    process.wait()


def _kill_leftovers(process: subprocess.Popen[bytes]) -> None:
    """After the worker exited: kill processes it left running in its group."""
    _kill_group(process.pid)


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- the child side -------------------------------------------------------------------------------
#
# ``python -m bench.run.isolation`` is a small supervisor: it becomes a child subreaper (Linux
# ``PR_SET_CHILD_SUBREAPER``), so every process the backend starts stays its descendant even after
# its own parent exits or it calls ``setsid``; it asks for SIGTERM when the harness dies
# (``PR_SET_PDEATHSIG``), then forks the worker. When the worker ends, or the harness dies (even by
# ``kill -9``), the supervisor kills every descendant left, then ends as the worker ended.

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
#: How long the supervisor keeps killing descendants (a fork bomb cannot keep it forever).
KILL_DESCENDANTS_SECONDS = 5.0


class _HarnessGone(Exception):
    """The harness died: SIGTERM from ``PR_SET_PDEATHSIG``."""


def _cap_memory(megabytes: int) -> None:
    if megabytes > 0:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _prctl(option: int, value: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(option, value, 0, 0, 0)


def _die_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    _prctl(PR_SET_PDEATHSIG, int(signum))
    if os.getppid() != parent_pid:  # the parent died before the request above
        os._exit(1)


def kill_descendants(limit_seconds: float = KILL_DESCENDANTS_SECONDS) -> None:
    """SIGKILL every descendant of this process and reap them (orphans come to a subreaper)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return  # no child, so (a subreaper's orphans being its children) no descendant: the usual case
    import psutil

    me = psutil.Process()
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        try:
            descendants = me.children(recursive=True)
        except psutil.Error:
            descendants = []
        for process in descendants:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return  # no child left, alive or zombie
            if pid == 0:
                break
        time.sleep(0.01)


def _harness_gone(signum: int, frame: object) -> None:
    # Once is enough: the kernel sends the death signal again as each of the harness's threads,
    # which the supervisor is handed to in turn, exits.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _HarnessGone()


def _supervise(worker: int) -> int:
    """Wait for the worker, clear its leftovers, and end as it ended (same exit code or signal)."""
    _, status = os.waitpid(worker, 0)
    kill_descendants()  # the harness dying meanwhile: _HarnessGone, handled by child_main
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        import faulthandler

        faulthandler.disable()  # the worker already said where it died
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    return os.waitstatus_to_exitcode(status)


def _remove_orphaned_scratch(parent_pid: int, result_path: str) -> None:
    """Remove the cell's scratch folder (``nnbench-*`` in the temp dir) when its owner is gone.

    The owner, the harness (cold) or the template (warm, which dies with the
    harness), would remove it itself; a SIGTERM while it lives leaves it alone.
    """
    if os.getppid() == parent_pid:
        return
    scratch = Path(result_path).parent
    if scratch.name.startswith("nnbench-") and scratch.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(scratch, ignore_errors=True)


def supervise_cell(limit_mb: int, parent_pid: int, config_path: str, result_path: str,
                   before_work: Callable[[], object] | None = None) -> int:
    """Become the cell's supervisor (subreaper, dies with ``parent_pid``), fork the worker, run it.

    The worker calls ``before_work`` first (a warm cell maps its template's memory), then caps its
    memory. Returns the supervisor's exit code; in the forked worker, the worker's.
    """
    signal.signal(signal.SIGTERM, _harness_gone)  # before asking for it: no window where it kills
    try:
        _die_with_parent(parent_pid, signal.SIGTERM)
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        supervisor = os.getpid()
        worker = os.fork()
        if worker:
            return _supervise(worker)
    except _HarnessGone:
        kill_descendants()
        _remove_orphaned_scratch(parent_pid, result_path)
        os._exit(128 + signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the worker: SIGTERM ends it as usual
    _die_with_parent(supervisor)
    if before_work is not None:
        before_work()
    _cap_memory(limit_mb)
    from bench.run.entry import main

    return main([config_path, result_path])


def child_main(argv: list[str]) -> int:
    """``python -m bench.run.isolation LIMIT_MB PARENT_PID CONFIG RESULT``."""
    limit_mb, parent_pid, config_path, result_path = argv
    return supervise_cell(int(limit_mb), int(parent_pid), config_path, result_path)


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
